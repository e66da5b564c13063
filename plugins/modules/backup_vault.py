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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import ensure_absent
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import ensure_present
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module

ARGUMENT_SPEC = dict(
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


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, ensure_present, ensure_absent)


if __name__ == "__main__":
    main()
