#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_restore
short_description: Restore an AWS Backup recovery point of a DynamoDB table into a new table
version_added: 0.1.0
description:
  - Restores a recovery point (a backup made by AWS Backup) of a DynamoDB table into a new table with an
    AWS Backup restore job, waits for the job and for the table to be C(ACTIVE), and returns the job,
    the table and the recovery point.
  - The recovery point is given by its ARN (O(recovery_point_arn)), or chosen among the recovery points
    of O(source_table) - the newest one (O(recovery_point=latest)), or the newest one created at or
    before a time (O(recovery_point=2024-05-21T13:00:00Z)), optionally only in O(backup_vault_name).
    Only recovery points in status C(AVAILABLE) or C(COMPLETED) are chosen.
  - Both forms of recovery point ARN work, AWS Backup's (C(arn:aws:backup:REGION:ACCOUNT:recovery-point:ID),
    when advanced DynamoDB backup is on) and DynamoDB's (C(arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/backup/ID)).
  - The module never overwrites a table. When O(target_table_name) exists and was restored from the same
    recovery point, nothing is done and the result is not changed (a restore still in progress is waited
    for). When it exists otherwise, the task fails before any restore job is started and the table is left
    as it is.
  - A restore job of the same recovery point that is already creating the target table is waited for,
    never started twice.
  - A copy in another Region or account is restored in that Region and account, from its vault there, without
    any call to the source Region or account (which may be down).
  - With O(restore_settings=true) (the default) the new table then gets back what AWS's restore does not carry
    over, as recorded in the recovery point's tags when the backup was taken (M(backupkit.dynamodb.ddb_table_settings)).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  recovery_point_arn:
    description:
      - The ARN of the recovery point to restore, in either ARN form.
      - AWS needs the vault of a recovery point to describe it. It is looked for in O(backup_vault_name)
        when given; otherwise among the recovery points of O(source_table) (when given) and of the table a
        DynamoDB-form ARN names, and at last in every vault of the account and region.
      - Mutually exclusive with O(recovery_point) other than V(latest).
    type: str
  source_table:
    description:
      - The DynamoDB table (name or ARN) whose recovery point to restore, chosen by O(recovery_point).
      - With O(recovery_point_arn), the table the recovery point must be a backup of.
    type: str
  recovery_point:
    description:
      - Which recovery point of O(source_table) to restore.
      - V(latest) is the newest C(AVAILABLE) or C(COMPLETED) one.
      - An ISO 8601 date or date and time (V(2024-05-21T13:00:00Z), V(2024-05-21T15:00:00+02:00)) is the newest
        C(AVAILABLE) or C(COMPLETED) one created at or before that time. A time without a zone is UTC; a date
        alone is midnight UTC.
    type: str
    default: latest
  backup_vault_name:
    description:
      - Only recovery points in this vault are chosen with O(source_table); the vault of O(recovery_point_arn).
    type: str
  target_table_name:
    description:
      - The name of the new table to restore into. It must not exist, unless it was restored from the same
        recovery point.
      - 3 to 255 letters, digits, V(_), V(-) and V(.).
    type: str
    required: true
  iam_role_arn:
    description:
      - The ARN of the IAM role AWS Backup uses to create the table; it must trust C(backup.amazonaws.com).
      - Mutually exclusive with O(iam_role_name).
    type: str
  iam_role_name:
    description:
      - The name of that IAM role in the account of the connection, instead of O(iam_role_arn).
    type: str
  encryption_type:
    description:
      - How the new table is encrypted at rest.
      - V(Default) uses a key owned by DynamoDB; V(KMS) uses the KMS key O(kms_master_key_arn).
      - When omitted, V(KMS) if O(kms_master_key_arn) is given, V(Default) otherwise.
    type: str
    choices: ['Default', 'KMS']
  kms_master_key_arn:
    description:
      - The ARN of the KMS key that encrypts the new table. Required with O(encryption_type=KMS).
    type: str
  copy_source_tags:
    description:
      - Copy the tags of the backed-up table to the new table (C(CopySourceTagsToRestoredResource)).
    type: bool
    default: false
  restore_settings:
    description:
      - Re-apply to the new table what AWS's restore does not carry over, as it was recorded when the backup was
        taken (M(backupkit.dynamodb.ddb_table_settings)) in the recovery point's C(backupkit:*) tags - time to live,
        the stream, point-in-time recovery and its recovery period, deletion protection, Application Auto Scaling of
        the table's capacity - and the recovery point's other tags (the source table's, which AWS Backup copied to it;
        not C(aws:*) ones).
      - The tags are read from the recovery point in the vault where it is, so a copy in another Region or account
        is restored whole while the source Region or account cannot be reached.
      - Only what differs is changed; a setting that cannot be applied (not recorded, or the table has another time to
        live attribute or stream view type already) is listed in RV(settings_restore.not_applied) with the reason,
        and does not fail the task.
      - Needs O(wait=true) on the run that restores (or a later run, once the table is C(ACTIVE)).
    type: bool
    default: true
  wait:
    description:
      - Wait for the restore job to end and for the table to be C(ACTIVE).
      - A job that ends C(FAILED) or C(ABORTED) fails the task with AWS's status message.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait in all when O(wait=true).
      - When it runs out the task fails naming the job and its last status; the job goes on in AWS Backup,
        and running the task again waits for it instead of starting another.
    type: int
    default: 1800
notes:
  - One of O(recovery_point_arn) and O(source_table) is required.
  - Options are checked before any AWS call; a bad time, O(encryption_type=KMS) without a key, or both
    O(iam_role_arn) and O(iam_role_name) fail the task at once.
  - Whether an existing table was restored from the recovery point is read from its C(RestoreSummary)
    (C(SourceBackupArn), in either ARN form) and, failing that, from the restore job history
    (C(ListRestoreJobs)) - a completed job of that recovery point whose created resource is the table.
  - The restored table gets the source's key schema, indexes and items as they were at backup time from AWS
    Backup; with O(restore_settings=true) (the default) the module then re-applies the recorded settings and tags.
  - "A copy in another Region or account: run the task in that Region (O(region)) and account, with the copy's
    O(recovery_point_arn) and O(backup_vault_name), or with O(source_table) as the source table's ARN (a copy's
    resource is the source table) to restore its latest copy, in O(backup_vault_name) or in any vault there.
    Nothing is asked of the source Region or account."
  - Settings are recorded only in recovery points of AWS Backup's ARN form (advanced DynamoDB backup on), as AWS Backup
    puts no tags on DynamoDB's own backups. AWS documents that copies to another Region keep the recovery point's
    tags; for copies to another account it does not say so (the emulator copies them).
  - Auto scaling is re-applied with C(RegisterScalableTarget) and C(PutScalingPolicy) (a target tracking policy
    named C(DynamoDBReadCapacityUtilization:table/NAME)), only to a table with provisioned capacity.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Chooses the recovery point and checks the target table, starts nothing, and reports what it would restore where.
  diff_mode:
    support: none
    description: The module creates a new table; there is nothing to compare.
seealso:
  - module: backupkit.dynamodb.backup_recovery_point_info
  - module: backupkit.dynamodb.backup_vault
"""

EXAMPLES = r"""
- name: Restore the latest backup of a table into a new table
  backupkit.dynamodb.backup_restore:
    source_table: orders
    target_table_name: orders-restored
    iam_role_name: AWSBackupDefaultServiceRole
  register: restore

- name: Restore the table as it was at 13:00 UTC, from one vault, encrypted with a KMS key
  backupkit.dynamodb.backup_restore:
    source_table: arn:aws:dynamodb:us-east-1:123456789012:table/orders
    recovery_point: "2024-05-21T13:00:00Z"
    backup_vault_name: dynamodb-backups
    target_table_name: orders-at-1300
    iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
    encryption_type: KMS
    kms_master_key_arn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab

- name: Restore one recovery point by its ARN, copying the source's tags, without waiting
  backupkit.dynamodb.backup_restore:
    recovery_point_arn: arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45
    backup_vault_name: dynamodb-backups
    target_table_name: orders-copy
    iam_role_name: AWSBackupDefaultServiceRole
    copy_source_tags: true
    wait: false

- name: In the DR Region, restore the latest copy of a table of us-east-1 with its settings
  backupkit.dynamodb.backup_restore:
    region: us-west-2
    source_table: arn:aws:dynamodb:us-east-1:123456789012:table/orders
    backup_vault_name: dynamodb-dr
    target_table_name: orders
    iam_role_name: AWSBackupDefaultServiceRole
  register: dr_restore

- name: Show what was re-applied and what could not be
  ansible.builtin.debug:
    msg: "{{ dr_restore.settings_restore.applied }} / {{ dr_restore.settings_restore.not_applied }}"

- name: What would be restored (starts nothing)
  backupkit.dynamodb.backup_restore:
    source_table: orders
    target_table_name: orders-restored
    iam_role_name: AWSBackupDefaultServiceRole
  check_mode: true
  register: plan

- name: Show it
  ansible.builtin.debug:
    msg: "{{ plan.msg }}"
"""

RETURN = r"""
msg:
  description: What was done, or in check mode what would be done.
  returned: always
  type: str
  sample: >-
    Restored recovery point arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7 of table orders
    (created 2024-05-21T13:21:10+00:00, vault dynamodb-backups) into new table orders-restored
target_table_arn:
  description: The ARN of the target table (in check mode, of the table that would be created).
  returned: always
  type: str
  sample: arn:aws:dynamodb:us-east-1:123456789012:table/orders-restored
recovery_point:
  description:
    - The recovery point restored (or that would be, or that the existing table was restored from), with the
      keys of C(DescribeRecoveryPoint) in snake_case.
    - Its keys are those of the elements of RV(backupkit.dynamodb.backup_recovery_point_info#module:recovery_points).
  returned: always
  type: dict
  contains:
    recovery_point_arn:
      description: The ARN of the recovery point.
      type: str
      returned: always
      sample: arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45
    backup_vault_name:
      description: The vault that holds it.
      type: str
      returned: always
      sample: dynamodb-backups
    resource_arn:
      description: The ARN of the table it is a backup of.
      type: str
      returned: always
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/orders
    status:
      description: Its status.
      type: str
      returned: always
      sample: COMPLETED
    creation_date:
      description: When it was created (ISO 8601).
      type: str
      returned: always
      sample: "2024-05-21T13:21:10.062000+00:00"
restore_job:
  description:
    - The restore job, with the keys of C(DescribeRestoreJob) in snake_case.
    - V(null) in check mode when a job would be started, and when the table was restored from the recovery
      point by a job that AWS no longer lists.
  returned: always
  type: dict
  contains:
    restore_job_id:
      description: The ID of the restore job.
      type: str
      returned: always
      sample: 52BEE289-1A2B-3C4D-5E6F-47DCAA2E7ACD
    status:
      description: Its status, V(PENDING), V(RUNNING), V(COMPLETED), V(ABORTED) or V(FAILED).
      type: str
      returned: always
      sample: COMPLETED
    status_message:
      description: AWS's message about the status (why a job failed).
      type: str
      returned: always
      sample: null
    percent_done:
      description: How far the job is, as AWS reports it.
      type: str
      returned: when AWS returns it
      sample: "100.0"
    recovery_point_arn:
      description: The recovery point it restores.
      type: str
      returned: always
      sample: arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45
    created_resource_arn:
      description: The ARN of the table it created, once it has completed.
      type: str
      returned: always
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/orders-restored
    creation_date:
      description: When the job was created (ISO 8601).
      type: str
      returned: always
      sample: "2024-05-21T14:02:11.532000+00:00"
    completion_date:
      description: When the job ended (ISO 8601), V(null) while it runs.
      type: str
      returned: always
      sample: "2024-05-21T14:05:40.118000+00:00"
    duration_seconds:
      description: Seconds from creation to completion, V(null) while the job runs.
      type: float
      returned: always
      sample: 208.586
    iam_role_arn:
      description: The IAM role the job uses.
      type: str
      returned: always
      sample: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
settings_restore:
  description:
    - What O(restore_settings) re-applied from the recovery point's tags. Absent with O(restore_settings=false).
  returned: when O(restore_settings=true)
  type: dict
  contains:
    recorded:
      description: The settings recorded in the recovery point (V(ttl), V(stream), V(pitr), V(deletion_protection), V(auto_scaling)).
      type: list
      elements: str
      returned: always
      sample: [ttl, stream, pitr, deletion_protection, auto_scaling]
    settings:
      description: The recorded settings, as RV(backupkit.dynamodb.ddb_table_settings#module:settings) has them.
      type: dict
      returned: always
      sample: {"ttl_attribute": "expires_at", "stream_view_type": "NEW_IMAGE", "point_in_time_recovery": true,
               "recovery_period_days": 7, "deletion_protection": true, "auto_scaling": {}}
    tags:
      description: The tags of the recovery point put on the table (not C(backupkit:*), not C(aws:*)).
      type: dict
      returned: always
      sample: {"team": "payments"}
    applied:
      description: The settings this run changed on the table (V(tags) for the tags); in check mode, those it would change.
      type: list
      elements: str
      returned: always
      sample: [ttl, stream, pitr, tags, deletion_protection]
    in_place:
      description: The recorded settings the table already had (a re-run lists them all here).
      type: list
      elements: str
      returned: always
      sample: []
    not_applied:
      description: Each setting not applied, with the reason (not recorded when the backup was taken, the table not ACTIVE yet, ...).
      type: list
      elements: dict
      returned: always
      sample: [{"setting": "auto_scaling", "reason": "not recorded when the backup was taken"}]
table:
  description:
    - The target table as C(DescribeTable) returns it, in snake_case (attribute names are values and are
      kept as they are); V(null) in check mode when it would be created.
  returned: always
  type: dict
  contains:
    table_name:
      description: The table's name.
      type: str
      returned: always
      sample: orders-restored
    table_arn:
      description: The table's ARN.
      type: str
      returned: always
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/orders-restored
    table_status:
      description: The table's status, V(ACTIVE) after a completed wait.
      type: str
      returned: always
      sample: ACTIVE
    item_count:
      description: The number of items in the table (DynamoDB updates it about every six hours).
      type: int
      returned: always
      sample: 20
    restore_summary:
      description: Where the table was restored from.
      type: dict
      returned: always
      sample: {"source_backup_arn": "arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7",
               "source_table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
               "restore_date_time": "2024-05-21T13:21:10+00:00", "restore_in_progress": false}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import LATEST
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import Request
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import RestoreJobError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import Restorer


def main():
    argument_spec = dict(
        recovery_point_arn=dict(type="str"),
        source_table=dict(type="str"),
        recovery_point=dict(type="str", default=LATEST),
        backup_vault_name=dict(type="str"),
        target_table_name=dict(type="str", required=True),
        iam_role_arn=dict(type="str"),
        iam_role_name=dict(type="str"),
        encryption_type=dict(type="str", choices=["Default", "KMS"]),
        kms_master_key_arn=dict(type="str", no_log=False),
        copy_source_tags=dict(type="bool", default=False),
        restore_settings=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_one_of=[["recovery_point_arn", "source_table"]],
        mutually_exclusive=[["iam_role_arn", "iam_role_name"]],
        required_if=[["encryption_type", "KMS", ["kms_master_key_arn"]]],
        supports_check_mode=True,
    )
    try:
        request = Request(module.params)
    except ValueError as e:
        module.fail_json(msg=str(e))

    try:
        result = Restorer(module, request).run()
    except ValueError as e:
        module.fail_json(msg=str(e))
    except RestoreJobError as e:
        module.fail_json(msg=e.message, **e.kwargs)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
