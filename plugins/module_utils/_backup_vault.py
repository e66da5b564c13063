# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine of backupkit.dynamodb.backup_vault (private).

describe -> desired -> predict -> the same normalised view before and after -> apply ->
describe again. The AWS calls are ``_backup``'s (and ``_kms``'s); user maps (tags,
policy documents) are never case-converted.
"""

from __future__ import annotations

import copy
import datetime
import json
import time

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import create_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_backup_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_backup_vault_lock_configuration
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_backup_vault_notifications
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_vault_notifications
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_recovery_points_by_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_tags
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import put_backup_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import put_backup_vault_lock_configuration
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import put_backup_vault_notifications
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import tag_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import untag_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import resolve_kms_key_arn
from ansible_collections.backupkit.dynamodb.plugins.module_utils._poll import poll
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time


def list_recovery_points(client, name):
    """The recovery points of the vault ([] when it has none, or is gone)."""
    return list_recovery_points_by_backup_vault(client, BackupVaultName=name) or []


def wait_for_empty_vault(client, name, timeout, delay=2, clock=time.monotonic, sleep=time.sleep):
    """Poll until the vault lists no recovery point (deletions are asynchronous); False on timeout."""
    _points, empty = poll(lambda: list_recovery_points(client, name), lambda points: not points, timeout=timeout,
                          clock=clock, sleep=sleep, first_delay=delay, factor=1, max_delay=delay)
    return empty


# ---------------------------------------------------------------------------
# Normalisers (pure)
# ---------------------------------------------------------------------------


# keys amazon.aws.backup_vault returns (and those of a lock), filled in when AWS leaves them out
VAULT_DEFAULTS = {
    "backup_vault_arn": None,
    "creation_date": None,
    "creator_request_id": None,
    "encryption_key_arn": None,
    "locked": False,
    "number_of_recovery_points": 0,
    "min_retention_days": None,
    "max_retention_days": None,
    "lock_date": None,
}


def normalise_vault(response, tags):
    """DescribeBackupVault's answer as amazon.aws returns it: snake_case keys, dates as strings,
    ``tags`` exactly as AWS stores them (never case-converted)."""
    raw = {k: v for k, v in (response or {}).items() if k != "ResponseMetadata"}
    vault = boto3_resource_to_ansible_dict(raw, transform_tags=False, force_tags=False) or {}
    for key, default in VAULT_DEFAULTS.items():
        if vault.get(key) is None:
            vault[key] = default
    vault["tags"] = dict(tags or {})
    return vault


def lock_from_vault(vault):
    """The vault's lock as {mode, min_retention_days, max_retention_days, lock_date}, or None.

    A lock with a lock date is in compliance mode (it was set with ChangeableForDays);
    one without is in governance mode.
    """
    if not vault:
        return None
    if not (vault.get("locked") or vault.get("min_retention_days") is not None
            or vault.get("max_retention_days") is not None or vault.get("lock_date")):
        return None
    return {
        "mode": "compliance" if vault.get("lock_date") else "governance",
        "min_retention_days": vault.get("min_retention_days"),
        "max_retention_days": vault.get("max_retention_days"),
        "lock_date": vault.get("lock_date"),
    }


def normalise_notifications(response):
    """GetBackupVaultNotifications as {sns_topic_arn, events (sorted, unique)}, or None."""
    if not response or not response.get("SNSTopicArn"):
        return None
    return {
        "sns_topic_arn": response["SNSTopicArn"],
        "events": sorted(set(response.get("BackupVaultEvents") or [])),
    }


def parse_policy(value):
    """A policy document given as a dict or a JSON string, as a dict ({} for none).

    Raises ValueError with a readable message when it is not a JSON object.
    """
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    text = to_text(value).strip()
    if not text:
        return {}
    try:
        policy = json.loads(text)
    except ValueError as e:
        raise ValueError(f"is not valid JSON: {e}") from None
    if not isinstance(policy, dict):
        raise ValueError(f"must be a JSON object, got {type(policy).__name__}")
    return policy


def describe(client, name):
    """Everything the module manages about a vault, normalised; None when the vault does not exist."""
    response = describe_backup_vault(client, name)
    if response is None:
        return None
    tags = list_tags(client, response["BackupVaultArn"]) if response.get("BackupVaultArn") else {}
    vault = normalise_vault(response, tags)
    try:
        policy = parse_policy(get_backup_vault_access_policy(client, name))
    except ValueError as e:  # AWS only stores valid JSON: this is not expected to happen
        raise AnsibleBackupError(message=f"The access policy AWS returned for backup vault {name!r} {e}") from None
    return {
        "vault": vault,
        "access_policy": policy,
        "lock": lock_from_vault(vault),
        "notifications": normalise_notifications(get_backup_vault_notifications(client, name)),
        "number_of_recovery_points": vault["number_of_recovery_points"],
    }


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


def desired(params, known_events=None):
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


def lock_view(lock):
    """What decides whether a lock changes: mode and retention days (not the lock date, set by AWS)."""
    if lock is None:
        return None
    return {k: lock.get(k) for k in ("mode", "min_retention_days", "max_retention_days")}


def lock_is_immutable(lock, now):
    """A compliance-mode lock whose lock date has passed can no longer be changed or removed."""
    if not lock or lock.get("mode") != "compliance":
        return False
    lock_date = parse_time(lock.get("lock_date"), "lock_date")
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


def view(state):
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


def create(client, name, predicted, desired):
    """CreateBackupVault, then the vault described. A vault that another run created meanwhile
    (AlreadyExistsException) is described and converged like any existing vault."""
    params = {"BackupVaultName": name}
    if predicted["vault"]["tags"]:
        params["BackupVaultTags"] = predicted["vault"]["tags"]
    if desired.get("encryption_key_arn"):
        params["EncryptionKeyArn"] = desired["encryption_key_arn"]
    if desired.get("creator_request_id"):
        params["CreatorRequestId"] = desired["creator_request_id"]
    try:
        create_backup_vault(client, **params)
    except is_ansible_aws_error_code("AlreadyExistsException") as e:
        created = describe(client, name)
        if created is None:
            raise AnsibleBackupError(
                message=(
                    f"Failed to create backup vault {name!r}: it already exists, but DescribeBackupVault answers as "
                    "if it did not (AWS answers AccessDeniedException for a missing vault, so a missing "
                    "backup:DescribeBackupVault permission looks the same)"
                ),
                exception=e.exception,
            ) from e
        return created
    created = describe(client, name)
    if created is None:
        raise AnsibleBackupError(message=f"Backup vault {name!r} was created but cannot be described")
    return created


def apply(module, client, name, before, predicted, desired):
    """Write what differs between ``before`` (None: create) and ``predicted``."""
    if before is None:
        before = create(client, name, predicted, desired)
        check_encryption_key(module, before, desired.get("encryption_key_arn"))
        predicted = predict(before, desired, datetime.datetime.now(datetime.timezone.utc))

    arn = before["vault"]["backup_vault_arn"]
    current_tags, wanted_tags = before["vault"]["tags"], predicted["vault"]["tags"]
    if current_tags != wanted_tags:
        to_remove = [key for key in current_tags if key not in wanted_tags]
        to_set = {key: value for key, value in wanted_tags.items() if current_tags.get(key) != value}
        if to_remove:
            untag_resource(client, arn, to_remove)
        if to_set:
            tag_resource(client, arn, to_set)

    if before["access_policy"] != predicted["access_policy"]:
        if predicted["access_policy"]:
            put_backup_vault_access_policy(client, name, predicted["access_policy"])
        else:
            delete_backup_vault_access_policy(client, name)

    if lock_view(before["lock"]) != lock_view(predicted["lock"]):
        wanted = desired["lock"]
        if wanted is None or (before["lock"] and before["lock"]["mode"] == "compliance" and wanted["mode"] == "governance"):
            # a lock date cannot be taken off with PutBackupVaultLockConfiguration: remove, then put
            delete_backup_vault_lock_configuration(client, name)
        if wanted is not None:
            put_backup_vault_lock_configuration(client, name, wanted["min_retention_days"], wanted["max_retention_days"],
                                                wanted["changeable_for_days"])

    if before["notifications"] != predicted["notifications"]:
        if predicted["notifications"]:
            put_backup_vault_notifications(client, name, predicted["notifications"]["sns_topic_arn"],
                                           predicted["notifications"]["events"])
        else:
            delete_backup_vault_notifications(client, name)


def ensure_present(module):
    client = module.client("backup")
    try:
        wanted = desired(module.params, known_vault_events(client))
    except ValueError as e:
        module.fail_json(msg=str(e))
    name = wanted["backup_vault_name"]
    now = datetime.datetime.now(datetime.timezone.utc)
    before = describe(client, name)
    if before is not None:
        check_encryption_key(module, before, wanted.get("encryption_key_arn"))
        if "lock" in wanted:
            error = lock_change_error(name, before["lock"], wanted["lock"], now)
            if error:
                module.fail_json(msg=error, lock=before["lock"])

    predicted = predict(before, wanted, now)
    if module.check_mode or view(predicted) == view(before):
        return changed_result(view(before), view(predicted), module._diff, exists=True, **state_result(predicted))

    apply(module, client, name, before, predicted, wanted)
    after = describe(client, name)
    if after is None:
        raise AnsibleBackupError(message=f"Backup vault {name!r} disappeared while it was being updated")
    return changed_result(view(before), view(after), module._diff, exists=True, **state_result(after))


def ensure_absent(module):
    client = module.client("backup")
    name, force = module.params["backup_vault_name"], module.params["force"]
    before = describe(client, name)
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

    result = changed_result(view(before), None, module._diff, exists=False, backupvault={}, **state_result(before))
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
