#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_vault
short_description: Manage AWS Backup vaults, their access policy, lock and notifications
version_added: 0.1.0
description:
  - Creates, updates and deletes an AWS Backup vault.
  - A drop-in replacement for M(amazon.aws.backup_vault) that takes the same options and returns
    the same keys, so a playbook moves over by changing only the module name.
  - Beyond M(amazon.aws.backup_vault) it manages the vault's access policy (O(access_policy)),
    its Vault Lock (O(lock)) and its SNS notifications (O(notifications)), refuses to change the
    encryption key of an existing vault, and on O(state=absent) refuses to delete a vault that still
    holds recovery points unless O(force=true).
  - Everything is compared semantically - tags as maps, policies as IAM policies, notification events
    as sets - so a second run with the same options reports no change and writes nothing.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  state:
    description:
      - Whether the vault should exist.
    type: str
    choices: ['present', 'absent']
    default: present
  backup_vault_name:
    description:
      - Name of the backup vault.
      - Names are unique to the account and AWS Region where they are created.
      - They consist of letters, numbers, and hyphens.
    type: str
    required: true
  encryption_key_arn:
    description:
      - ARN of the KMS key that encrypts the backups in the vault.
      - Used when the vault is created; when omitted AWS uses its default key for AWS Backup.
      - AWS cannot change the key of an existing vault. When the vault exists and this names a different
        key, the module fails instead of ignoring it. A key ARN and an alias ARN of the same key are the
        same key (the alias is resolved with C(kms:DescribeKey) only when the two ARNs differ).
    type: str
  creator_request_id:
    description:
      - A unique string that identifies the create request, so that a failed request can be retried
        without creating the vault twice.
      - 1 to 50 alphanumeric or V(-_.) characters. Used only when the vault is created.
    type: str
  access_policy:
    description:
      - The resource-based access policy of the vault, as a dict or as a JSON string.
      - Compared with the current policy as an IAM policy (statement order, key order and
        single-item lists do not matter), never as text.
      - V({}) removes the policy. When omitted, the policy is left as it is.
    type: json
  lock:
    description:
      - The Vault Lock configuration of the vault.
      - Without O(lock.changeable_for_days) the lock is in I(governance) mode, which users with enough
        IAM permissions can still change or remove.
      - With O(lock.changeable_for_days) the lock is in I(compliance) mode. After that many days (the
        lock date) AWS makes it immutable; from then on the module refuses any change to it, before
        calling AWS.
      - Once a compliance lock exists, O(lock.changeable_for_days) only decides the mode; it is not
        applied again when the retention days are unchanged (applying it again would move the lock date).
      - V({}) removes the lock (governance mode, or compliance mode before its lock date).
        When omitted, the lock is left as it is.
    type: dict
    suboptions:
      min_retention_days:
        description:
          - The shortest retention, in days, that a recovery point in the vault may have (at least V(1)).
        type: int
      max_retention_days:
        description:
          - The longest retention, in days, that a recovery point in the vault may have (at most V(36500)).
        type: int
      changeable_for_days:
        description:
          - Puts the lock in compliance mode; the number of days (at least V(3)) during which the lock can
            still be changed or removed.
        type: int
  notifications:
    description:
      - The SNS topic and the events that AWS Backup notifies about for this vault.
      - V({}) removes the notifications. When omitted, they are left as they are.
    type: dict
    suboptions:
      sns_topic_arn:
        description:
          - ARN of the SNS topic that receives the events. Required unless O(notifications={}).
        type: str
      events:
        description:
          - The events to send, for example V(BACKUP_JOB_COMPLETED) or V(RESTORE_JOB_COMPLETED).
          - Compared as a set - order and duplicates do not matter. Required unless O(notifications={}).
          - Checked against the event names the installed botocore knows.
        type: list
        elements: str
  force:
    description:
      - Used with O(state=absent) only.
      - When V(false), a vault that still holds recovery points is not deleted; the module fails and
        says how many recovery points it holds.
      - When V(true), all its recovery points are deleted first (this destroys backups), then the vault.
        A vault whose Vault Lock is active (C(Locked) in C(DescribeBackupVault)) is not touched and
        the module fails.
      - An access policy that denies C(backup:DeleteRecoveryPoint) makes the deletion fail; remove it first
        with O(access_policy={}).
    type: bool
    default: false
notes:
  - AWS answers C(AccessDeniedException) to C(DescribeBackupVault) for a vault that does not exist;
    the module takes both that and C(ResourceNotFoundException) to mean that the vault does not exist.
  - Tags are returned exactly as AWS stores them; their keys are never case-converted.
  - Recovery point deletions are asynchronous; with O(force=true) the module waits up to 10 minutes for
    the vault to be empty before deleting it.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - amazon.aws.tags
attributes:
  check_mode:
    support: full
    description: Reports what would change and returns the vault as it would be; writes nothing.
  diff_mode:
    support: full
    description: Returns the managed settings of the vault (name, key, tags, access policy, lock, notifications) before and after.
seealso:
  - module: amazon.aws.backup_vault
  - module: amazon.aws.backup_vault_info
"""

EXAMPLES = r"""
- name: Create a backup vault
  backupkit.dynamodb.backup_vault:
    backup_vault_name: dynamodb-backups
    encryption_key_arn: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
    tags:
      Environment: prod
      Owner: data-platform

- name: Deny deleting recovery points, lock retention between 7 and 35 days (governance mode), notify on failures
  backupkit.dynamodb.backup_vault:
    backup_vault_name: dynamodb-backups
    access_policy:
      Version: "2012-10-17"
      Statement:
        - Sid: DenyDeleteRecoveryPoints
          Effect: Deny
          Principal: "*"
          Action: backup:DeleteRecoveryPoint
          Resource: "*"
    lock:
      min_retention_days: 7
      max_retention_days: 35
    notifications:
      sns_topic_arn: arn:aws:sns:us-east-1:111122223333:backup-events
      events:
        - BACKUP_JOB_FAILED
        - RESTORE_JOB_FAILED

- name: Lock the vault in compliance mode, immutable after 3 days
  backupkit.dynamodb.backup_vault:
    backup_vault_name: dynamodb-backups
    lock:
      min_retention_days: 7
      max_retention_days: 35
      changeable_for_days: 3

- name: Remove the access policy and the notifications, keep everything else
  backupkit.dynamodb.backup_vault:
    backup_vault_name: dynamodb-backups
    access_policy: {}
    notifications: {}

- name: Delete the vault, refused while it holds recovery points
  backupkit.dynamodb.backup_vault:
    backup_vault_name: dynamodb-backups
    state: absent

- name: Delete the vault and every recovery point in it
  backupkit.dynamodb.backup_vault:
    backup_vault_name: scratch-backups
    state: absent
    force: true
"""

RETURN = r"""
exists:
  description: Whether the vault exists after the run (in check mode, whether it would).
  returned: always
  type: bool
  sample: true
vault:
  description:
    - The vault, with the keys of C(DescribeBackupVault) in snake_case and its tags.
    - With O(state=present), as it is after the run (in check mode, as it would be; keys that only AWS
      can know, such as RV(vault.backup_vault_arn) of a vault not created yet, are V(null)).
    - With O(state=absent), as it was before it was deleted, like M(amazon.aws.backup_vault); V({}) when
      there was no vault.
  returned: always
  type: dict
  contains:
    backup_vault_name:
      description: The name of the vault.
      returned: always
      type: str
      sample: dynamodb-backups
    backup_vault_arn:
      description: The ARN of the vault.
      returned: always
      type: str
      sample: arn:aws:backup:us-east-1:123456789012:backup-vault:dynamodb-backups
    creation_date:
      description: When the vault was created (ISO 8601).
      returned: always
      type: str
      sample: "2024-05-21T13:21:10.062000-07:00"
    creator_request_id:
      description: The creator request id the vault was created with.
      returned: always
      type: str
      sample: 3b7a2e4c-8f3e-4f5e-9c35-2bd2c8c6a1f0
    encryption_key_arn:
      description: The KMS key that encrypts the backups in the vault.
      returned: always
      type: str
      sample: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
    locked:
      description:
        - Whether Vault Lock protects the vault; delete and update operations on its recovery points
          that the lock forbids fail.
      returned: always
      type: bool
      sample: false
    min_retention_days:
      description: The Vault Lock minimum retention in days, V(null) without one.
      returned: always
      type: int
      sample: 7
    max_retention_days:
      description: The Vault Lock maximum retention in days, V(null) without one.
      returned: always
      type: int
      sample: 35
    lock_date:
      description: When a compliance-mode lock becomes immutable (ISO 8601), V(null) otherwise.
      returned: always
      type: str
      sample: "2024-05-24T13:21:10+00:00"
    number_of_recovery_points:
      description: The number of recovery points in the vault.
      returned: always
      type: int
      sample: 0
    vault_type:
      description: The type of the vault, as AWS reports it.
      returned: when AWS reports it
      type: str
      sample: BACKUP_VAULT
    vault_state:
      description: The state of the vault, as AWS reports it.
      returned: when AWS reports it
      type: str
      sample: AVAILABLE
    tags:
      description: The tags of the vault, keys and values exactly as AWS stores them.
      returned: always
      type: dict
      sample: {"CamelCaseKey": "value", "Key with Spaces": "value"}
backupvault:
  description: Always V({}); returned by M(amazon.aws.backup_vault) when it deletes a vault, kept for compatibility.
  returned: when O(state=absent) and the vault was deleted
  type: dict
  sample: {}
access_policy:
  description: The access policy of the vault as a dict, V({}) without one.
  returned: always
  type: dict
  sample: {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]}
lock:
  description: The Vault Lock of the vault, V(null) without one.
  returned: always
  type: dict
  contains:
    mode:
      description: V(governance), or V(compliance) when the lock was set with O(lock.changeable_for_days).
      type: str
      returned: always
      sample: governance
    min_retention_days:
      description: The minimum retention in days, V(null) without one.
      type: int
      returned: always
      sample: 7
    max_retention_days:
      description: The maximum retention in days, V(null) without one.
      type: int
      returned: always
      sample: 35
    lock_date:
      description: When a compliance-mode lock becomes immutable (ISO 8601), V(null) in governance mode.
      type: str
      returned: always
      sample: null
notifications:
  description: The SNS notifications of the vault, V(null) without any.
  returned: always
  type: dict
  contains:
    sns_topic_arn:
      description: The SNS topic that receives the events.
      type: str
      returned: always
      sample: arn:aws:sns:us-east-1:111122223333:backup-events
    events:
      description: The events sent, sorted.
      type: list
      elements: str
      returned: always
      sample: ["BACKUP_JOB_FAILED", "RESTORE_JOB_FAILED"]
number_of_recovery_points:
  description: The number of recovery points in the vault (with O(state=absent), before the deletion).
  returned: always
  type: int
  sample: 0
deleted_recovery_points:
  description: The ARNs of the recovery points deleted because of O(force=true) (in check mode, that would be deleted).
  returned: when O(state=absent) and O(force=true)
  type: list
  elements: str
  sample: ["arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45"]
"""

import copy
import datetime

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import create_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import delete_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import delete_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import delete_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import delete_vault_lock
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import delete_vault_notifications
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import describe_vault_state
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import list_recovery_points
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import parse_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import put_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import put_vault_lock
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import put_vault_notifications
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import resolve_kms_key_arn
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import tag_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import untag_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import wait_for_empty_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result

FORCE_DELETE_TIMEOUT = 600

MIN_RETENTION_FLOOR = 1
MAX_RETENTION_CEILING = 36500
CHANGEABLE_FOR_DAYS_FLOOR = 3


# ---------------------------------------------------------------------------
# Desired state from the options (pure; ValueError on bad input)
# ---------------------------------------------------------------------------


def desired_lock(option):
    """The requested lock as {mode, min_retention_days, max_retention_days, changeable_for_days}; None removes it."""
    option = option or {}
    low, high, changeable = (option.get("min_retention_days"), option.get("max_retention_days"),
                             option.get("changeable_for_days"))
    if low is None and high is None and changeable is None:
        return None
    if low is not None and low < MIN_RETENTION_FLOOR:
        raise ValueError(f"lock.min_retention_days must be at least {MIN_RETENTION_FLOOR}, got {low}")
    if high is not None and not MIN_RETENTION_FLOOR <= high <= MAX_RETENTION_CEILING:
        raise ValueError(f"lock.max_retention_days must be between {MIN_RETENTION_FLOOR} and {MAX_RETENTION_CEILING}, got {high}")
    if low is not None and high is not None and low > high:
        raise ValueError(f"lock.min_retention_days ({low}) must not be greater than lock.max_retention_days ({high})")
    if changeable is not None and not CHANGEABLE_FOR_DAYS_FLOOR <= changeable <= MAX_RETENTION_CEILING:
        raise ValueError(
            f"lock.changeable_for_days must be between {CHANGEABLE_FOR_DAYS_FLOOR} and {MAX_RETENTION_CEILING}, got {changeable}"
        )
    return {
        "mode": "governance" if changeable is None else "compliance",
        "min_retention_days": low,
        "max_retention_days": high,
        "changeable_for_days": changeable,
    }


def desired_notifications(option, known_events=None):
    """The requested notifications as {sns_topic_arn, events (sorted, unique)}; None removes them."""
    option = option or {}
    topic, events = option.get("sns_topic_arn"), option.get("events")
    if topic is None and events is None:
        return None
    if not topic:
        raise ValueError("notifications.sns_topic_arn is required (use notifications: {} to remove the notifications)")
    if not events:
        raise ValueError("notifications.events must name at least one event (use notifications: {} to remove the notifications)")
    events = sorted(set(events))
    if known_events:
        unknown = [event for event in events if event not in known_events]
        if unknown:
            raise ValueError(f"notifications.events: unknown event(s) {', '.join(unknown)}; known: {', '.join(sorted(known_events))}")
    return {"sns_topic_arn": topic, "events": events}


def desired_state(params, known_events=None):
    """The options as a desired-state dict. Keys access_policy / lock / notifications are present only when managed."""
    desired = {
        "backup_vault_name": params["backup_vault_name"],
        "encryption_key_arn": params.get("encryption_key_arn"),
        "creator_request_id": params.get("creator_request_id"),
        "purge_tags": params.get("purge_tags", True),
        "tags": None,
    }
    if params.get("tags") is not None:
        desired["tags"] = {to_text(k): to_text(v) for k, v in params["tags"].items()}
    if params.get("access_policy") is not None:
        try:
            desired["access_policy"] = parse_policy(params["access_policy"])
        except ValueError as e:
            raise ValueError(f"access_policy {e}") from None
    if params.get("lock") is not None:
        desired["lock"] = desired_lock(params["lock"])
    if params.get("notifications") is not None:
        desired["notifications"] = desired_notifications(params["notifications"], known_events)
    return desired


# ---------------------------------------------------------------------------
# Comparison and prediction (pure)
# ---------------------------------------------------------------------------


def _parse_date(value):
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        parsed = datetime.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def lock_view(lock):
    """What decides whether a lock changes: mode and retention days (not the lock date, set by AWS)."""
    if lock is None:
        return None
    return {k: lock.get(k) for k in ("mode", "min_retention_days", "max_retention_days")}


def lock_is_immutable(lock, now):
    """A compliance-mode lock whose lock date has passed can no longer be changed or removed."""
    if not lock or lock.get("mode") != "compliance":
        return False
    lock_date = _parse_date(lock.get("lock_date"))
    return lock_date is not None and lock_date <= now


def lock_change_error(name, current, wanted, now):
    """Why the requested lock change cannot be made (an immutable compliance lock), or None."""
    if lock_view(current) == lock_view(wanted) or not lock_is_immutable(current, now):
        return None
    if wanted is None:
        what = "remove it"
    else:
        changes = [
            f"{key} {current.get(key)} -> {wanted.get(key)}"
            for key in ("mode", "min_retention_days", "max_retention_days")
            if current.get(key) != wanted.get(key)
        ]
        weakening = (
            wanted.get("mode") != "compliance"
            or (current.get("min_retention_days") or 0) > (wanted.get("min_retention_days") or 0)
            or (current.get("max_retention_days") is not None
                and (wanted.get("max_retention_days") is None
                     or wanted["max_retention_days"] > current["max_retention_days"]))
        )
        what = ("weaken it" if weakening else "change it") + f" ({', '.join(changes)})"
    return (
        f"Backup vault {name!r} has a compliance-mode Vault Lock that became immutable on {current.get('lock_date')}; "
        f"AWS refuses any change to it, so the module will not {what}. Nothing was changed."
    )


def predict_lock(current, wanted, now):
    """The lock after applying ``wanted`` to ``current`` (the current lock when nothing changes)."""
    if lock_view(current) == lock_view(wanted):
        return copy.deepcopy(current)
    if wanted is None:
        return None
    lock_date = None
    if wanted["mode"] == "compliance":
        lock_date = (now + datetime.timedelta(days=wanted["changeable_for_days"])).isoformat()
    return {
        "mode": wanted["mode"],
        "min_retention_days": wanted["min_retention_days"],
        "max_retention_days": wanted["max_retention_days"],
        "lock_date": lock_date,
    }


def policy_differs(current, wanted):
    """Whether two policy documents ({} = none) differ as IAM policies."""
    if not current or not wanted:
        return bool(current) != bool(wanted)
    return compare_policies(current, wanted)


def predict_tags(current, wanted, purge_tags):
    if wanted is None:
        return dict(current)
    to_set, to_remove = compare_aws_tags(current, wanted, purge_tags=purge_tags)
    tags = {k: v for k, v in current.items() if k not in to_remove}
    tags.update(to_set)
    return tags


def new_vault_state(desired):
    """A vault that does not exist yet, as the module would create it (AWS-owned values unknown: None)."""
    vault = {
        "backup_vault_name": desired["backup_vault_name"],
        "backup_vault_arn": None,
        "creation_date": None,
        "creator_request_id": desired.get("creator_request_id"),
        "encryption_key_arn": desired.get("encryption_key_arn"),
        "locked": False,
        "number_of_recovery_points": 0,
        "min_retention_days": None,
        "max_retention_days": None,
        "lock_date": None,
        "tags": {},
    }
    return {"vault": vault, "access_policy": {}, "lock": None, "notifications": None, "number_of_recovery_points": 0}


def predict(current, desired, now):
    """The vault state after applying ``desired`` to ``current`` (None: the vault does not exist yet)."""
    state = new_vault_state(desired) if current is None else copy.deepcopy(current)
    vault = state["vault"]
    vault["tags"] = predict_tags(vault["tags"], desired.get("tags"), desired.get("purge_tags", True))
    if "access_policy" in desired and policy_differs(state["access_policy"], desired["access_policy"]):
        state["access_policy"] = copy.deepcopy(desired["access_policy"])
    if "lock" in desired:
        lock = predict_lock(state["lock"], desired["lock"], now)
        state["lock"] = lock
        vault["locked"] = lock is not None
        for key in ("min_retention_days", "max_retention_days", "lock_date"):
            vault[key] = lock[key] if lock else None
    if "notifications" in desired and state["notifications"] != desired["notifications"]:
        state["notifications"] = copy.deepcopy(desired["notifications"])
    return state


def managed_view(state):
    """What the module manages, for ``changed`` and ``diff``: no server-owned fields (ARN, dates, counts)."""
    if state is None:
        return None
    vault = state["vault"]
    return {
        "backup_vault_name": vault["backup_vault_name"],
        "encryption_key_arn": vault.get("encryption_key_arn"),
        "tags": dict(vault.get("tags") or {}),
        "access_policy": copy.deepcopy(state["access_policy"]),
        "lock": lock_view(state["lock"]),
        "notifications": copy.deepcopy(state["notifications"]),
    }


def state_result(state):
    """The resource keys of the result for a vault state (None: no vault)."""
    if state is None:
        return dict(vault={}, access_policy={}, lock=None, notifications=None, number_of_recovery_points=0)
    return dict(
        vault=state["vault"],
        access_policy=state["access_policy"],
        lock=state["lock"],
        notifications=state["notifications"],
        number_of_recovery_points=state["number_of_recovery_points"],
    )


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------


def check_encryption_key(module, current, wanted):
    """Fail when the existing vault's key is not the requested one (AWS cannot change it)."""
    existing = current["vault"].get("encryption_key_arn")
    if not wanted or wanted == existing:
        return
    if existing:
        kms = module.client("kms")
        wanted_arn = resolve_kms_key_arn(kms, wanted)
        if wanted_arn is not None and wanted_arn == resolve_kms_key_arn(kms, existing):
            return
    module.fail_json(
        msg=(
            f"Backup vault {current['vault']['backup_vault_name']!r} is encrypted with {existing or 'the default AWS Backup key'}, "
            f"not with encryption_key_arn {wanted}; AWS cannot change the key of an existing vault. "
            "Create a new vault to use another key. Nothing was changed."
        )
    )


def apply_changes(client, name, before, predicted, desired):
    """Write what differs between ``before`` (None: create) and ``predicted``."""
    if before is None:
        params = {"BackupVaultName": name}
        if predicted["vault"]["tags"]:
            params["BackupVaultTags"] = predicted["vault"]["tags"]
        if desired.get("encryption_key_arn"):
            params["EncryptionKeyArn"] = desired["encryption_key_arn"]
        if desired.get("creator_request_id"):
            params["CreatorRequestId"] = desired["creator_request_id"]
        create_backup_vault(client, **params)
        before = describe_vault_state(client, name)
        if before is None:
            raise AnsibleBackupError(message=f"Backup vault {name!r} was created but cannot be described")

    arn = before["vault"]["backup_vault_arn"]
    current_tags, wanted_tags = before["vault"]["tags"], predicted["vault"]["tags"]
    if current_tags != wanted_tags:
        to_remove = [key for key in current_tags if key not in wanted_tags]
        to_set = {key: value for key, value in wanted_tags.items() if current_tags.get(key) != value}
        if to_remove:
            untag_vault(client, arn, to_remove)
        if to_set:
            tag_vault(client, arn, to_set)

    if before["access_policy"] != predicted["access_policy"]:
        if predicted["access_policy"]:
            put_vault_access_policy(client, name, predicted["access_policy"])
        else:
            delete_vault_access_policy(client, name)

    if lock_view(before["lock"]) != lock_view(predicted["lock"]):
        wanted = desired["lock"]
        if wanted is None or (before["lock"] and before["lock"]["mode"] == "compliance" and wanted["mode"] == "governance"):
            # a lock date cannot be taken off with PutBackupVaultLockConfiguration: remove, then put
            delete_vault_lock(client, name)
        if wanted is not None:
            put_vault_lock(client, name, wanted["min_retention_days"], wanted["max_retention_days"], wanted["changeable_for_days"])

    if before["notifications"] != predicted["notifications"]:
        if predicted["notifications"]:
            put_vault_notifications(client, name, predicted["notifications"]["sns_topic_arn"], predicted["notifications"]["events"])
        else:
            delete_vault_notifications(client, name)


def ensure_present(module, client, desired):
    name = desired["backup_vault_name"]
    now = datetime.datetime.now(datetime.timezone.utc)
    before = describe_vault_state(client, name)
    if before is not None:
        check_encryption_key(module, before, desired.get("encryption_key_arn"))
        if "lock" in desired:
            error = lock_change_error(name, before["lock"], desired["lock"], now)
            if error:
                module.fail_json(msg=error, lock=before["lock"])

    predicted = predict(before, desired, now)
    if module.check_mode or managed_view(predicted) == managed_view(before):
        return changed_result(managed_view(before), managed_view(predicted), module._diff, exists=True, **state_result(predicted))

    apply_changes(client, name, before, predicted, desired)
    after = describe_vault_state(client, name)
    if after is None:
        raise AnsibleBackupError(message=f"Backup vault {name!r} disappeared while it was being updated")
    return changed_result(managed_view(before), managed_view(after), module._diff, exists=True, **state_result(after))


def ensure_absent(module, client, name, force):
    before = describe_vault_state(client, name)
    if before is None:
        result = changed_result(None, None, module._diff, exists=False, **state_result(None))
        if force:
            result["deleted_recovery_points"] = []
        return result

    count = before["number_of_recovery_points"]
    points = []
    if force:
        points = [point["RecoveryPointArn"] for point in list_recovery_points(client, name)]
        if points and before["vault"]["locked"]:
            module.fail_json(
                msg=(
                    f"Backup vault {name!r} holds {len(points)} recovery point(s) and its Vault Lock is active; "
                    "force will not delete recovery points of a locked vault. Nothing was deleted."
                ),
                number_of_recovery_points=max(count, len(points)),
                lock=before["lock"],
            )
    elif count:
        module.fail_json(
            msg=(
                f"Backup vault {name!r} still holds {count} recovery point(s); AWS cannot delete a vault that is not empty. "
                "Delete them first, or set force: true to delete them with the vault. Nothing was deleted."
            ),
            number_of_recovery_points=count,
        )

    result = changed_result(managed_view(before), None, module._diff, exists=False, backupvault={}, **state_result(before))
    if force:
        result["deleted_recovery_points"] = points
    if module.check_mode:
        return result

    for arn in points:
        delete_recovery_point(client, name, arn)
    if points and not wait_for_empty_vault(client, name, FORCE_DELETE_TIMEOUT):
        raise AnsibleBackupError(
            message=f"Recovery points of backup vault {name!r} were still being deleted after {FORCE_DELETE_TIMEOUT} seconds; run again later"
        )
    delete_backup_vault(client, name)
    return result


def known_vault_events(client):
    """The notification event names the installed botocore knows (empty when it cannot tell)."""
    try:
        return set(client.meta.service_model.shape_for("BackupVaultEvent").enum or [])
    except Exception:  # pylint: disable=broad-except
        return set()


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        backup_vault_name=dict(type="str", required=True),
        encryption_key_arn=dict(type="str", no_log=False),
        creator_request_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        access_policy=dict(type="json"),
        lock=dict(
            type="dict",
            options=dict(
                min_retention_days=dict(type="int"),
                max_retention_days=dict(type="int"),
                changeable_for_days=dict(type="int"),
            ),
        ),
        notifications=dict(
            type="dict",
            options=dict(
                sns_topic_arn=dict(type="str"),
                events=dict(type="list", elements="str"),
            ),
        ),
        force=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("backup")

    try:
        if module.params["state"] == "absent":
            result = ensure_absent(module, client, module.params["backup_vault_name"], module.params["force"])
        else:
            try:
                desired = desired_state(module.params, known_vault_events(client))
            except ValueError as e:
                module.fail_json(msg=str(e))
            result = ensure_present(module, client, desired)
    except AnsibleBackupError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
