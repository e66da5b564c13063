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
  - The restored table gets the source's key schema, indexes and items as they were at backup time. Tags
    are copied only with O(copy_source_tags=true).
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

import datetime
import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import RUNNING_STATUSES
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import RestoreJobError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import describe_restore_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import finish_restore
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import job_for_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import normalise_restore_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import normalise_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import restore_history
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import restore_in_progress
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import restored_from
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import running_restore_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import start_restore_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import wait_for_table_active
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import table_name_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import RESTORABLE_STATUSES
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import as_utc
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import choose_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import describe_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import explain_no_choice
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import find_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import iso
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import list_recovery_points_by_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import list_recovery_points_by_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import normalise_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import parse_time
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import recovery_point_arn_kind
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import table_arn_of_dynamodb_backup

TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
LATEST = "latest"
# how far before a table's creation its restore job may have been created
HISTORY_SLACK_SECONDS = 24 * 3600


class Request(object):
    """The options, checked before any AWS call (ValueError names the option at fault)."""

    def __init__(self, params):
        self.recovery_point_arn = params.get("recovery_point_arn")
        self.source_table = params.get("source_table")
        self.vault = params.get("backup_vault_name")
        self.target = params["target_table_name"]
        self.role_arn = params.get("iam_role_arn")
        self.role_name = params.get("iam_role_name")
        self.kms_key = params.get("kms_master_key_arn")
        self.copy_tags = bool(params.get("copy_source_tags"))
        self.wait = params.get("wait")
        self.wait_timeout = params.get("wait_timeout")
        self.at = None

        choice = (params.get("recovery_point") or LATEST).strip()
        if choice.lower() != LATEST:
            if self.recovery_point_arn:
                raise ValueError("recovery_point chooses among the recovery points of source_table; "
                                 "it cannot be used with recovery_point_arn")
            self.at = parse_time(choice, "recovery_point")
        if self.recovery_point_arn and recovery_point_arn_kind(self.recovery_point_arn) is None:
            raise ValueError(
                f"recovery_point_arn: {self.recovery_point_arn!r} is not a recovery point ARN "
                "(arn:aws:backup:REGION:ACCOUNT:recovery-point:ID or arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/backup/ID)"
            )
        if self.source_table and self.source_table.startswith("arn:"):
            parsed = parse_aws_arn(self.source_table) or {}
            if parsed.get("service") != "dynamodb" or not re.match(r"^table/[^/]+$", parsed.get("resource") or ""):
                raise ValueError(f"source_table: {self.source_table!r} is not a DynamoDB table name or table ARN")
        if not TABLE_NAME.match(self.target):
            raise ValueError(
                f"target_table_name: {self.target!r} is not a DynamoDB table name "
                "(3 to 255 letters, digits, '_', '-' and '.')"
            )
        self.encryption_type = params.get("encryption_type") or ("KMS" if self.kms_key else "Default")
        if self.encryption_type == "KMS" and not self.kms_key:
            raise ValueError("encryption_type=KMS needs kms_master_key_arn, the ARN of the KMS key that encrypts the new table")
        if self.encryption_type == "Default" and self.kms_key:
            raise ValueError("kms_master_key_arn is used only with encryption_type=KMS")
        if self.wait_timeout is not None and self.wait_timeout < 0:
            raise ValueError("wait_timeout must not be negative")

    def metadata(self):
        metadata = {"targetTableName": self.target, "encryptionType": self.encryption_type}
        if self.encryption_type == "KMS":
            metadata["kmsMasterKeyArn"] = self.kms_key
        return metadata


class Restorer(object):
    """Chooses the recovery point, decides whether to restore, and restores."""

    def __init__(self, module, request):
        self.module = module
        self.request = request
        self.client = module.client("backup")
        self.ddb = module.client("dynamodb")
        self.ctx = CallerContext(module)

    def fail(self, msg, **extra):
        self.module.fail_json(msg=msg, **extra)

    # -- the recovery point --------------------------------------------------

    def source_arn(self):
        return self.ctx.table_arn(self.request.source_table) if self.request.source_table else None

    def recovery_point(self):
        """DescribeRecoveryPoint of the recovery point to restore."""
        request = self.request
        source_arn = self.source_arn()
        where = f" in backup vault {request.vault!r}" if request.vault else ""
        if request.recovery_point_arn:
            arn = request.recovery_point_arn
            raw = find_recovery_point(self.client, arn, request.vault, [source_arn, table_arn_of_dynamodb_backup(arn)])
            if raw is None:
                self.fail(f"Recovery point {arn} was not found{where or ' in any backup vault of this account and region'}")
            if source_arn and raw.get("ResourceArn") and raw["ResourceArn"] != source_arn:
                self.fail(f"Recovery point {arn} is a backup of {raw['ResourceArn']}, not of source_table {source_arn}")
            return raw

        if request.vault:
            points = list_recovery_points_by_vault(self.client, request.vault, resource_arn=source_arn)
        else:
            points = list_recovery_points_by_resource(self.client, source_arn)
        chosen = choose_recovery_point(points, request.at)
        if chosen is None:
            when = f" created at or before {iso(request.at)}" if request.at else ""
            self.fail(
                f"No AVAILABLE or COMPLETED recovery point of table {source_arn}{where}{when} to restore: "
                f"{explain_no_choice(points, request.at)}"
            )
        vault = chosen.get("BackupVaultName") or request.vault
        return describe_recovery_point(self.client, vault, chosen["RecoveryPointArn"]) or chosen

    # -- the restore ---------------------------------------------------------

    def run(self):
        request = self.request
        raw_point = self.recovery_point()
        point = normalise_recovery_point(raw_point)
        point_arn = raw_point["RecoveryPointArn"]
        source = point.get("resource_arn") or self.source_arn() or "?"
        about = (
            f"recovery point {point_arn} of table {table_name_of(source)} "
            f"(created {point.get('creation_date')}, vault {point.get('backup_vault_name')})"
        )
        result = dict(recovery_point=point, restore_job=None, table=None)

        table = describe_table(self.ddb, request.target)
        if table is not None:
            return self.existing(table, point_arn, about, result)

        target_arn = self.ctx.table_arn(request.target)
        result["target_table_arn"] = target_arn
        # a job that has not created the table yet, but says it will (AWS names the created resource early or not at all)
        running = [job for job in running_restore_jobs(self.client, point_arn) if job.get("CreatedResourceArn") == target_arn]
        if running:
            return self.adopt(running[0], about, result)
        if point.get("status") not in RESTORABLE_STATUSES:
            self.fail(f"Cannot restore {about}: its status is {point.get('status')}, not AVAILABLE or COMPLETED", **result)
        role_arn = self.ctx.role_arn(role_arn=request.role_arn, role_name=request.role_name)
        if self.module.check_mode:
            return dict(result, changed=True, msg=f"Would restore {about} into new table {request.target}")

        params = dict(
            RecoveryPointArn=point_arn,
            Metadata=request.metadata(),
            ResourceType="DynamoDB",
            CopySourceTagsToRestoredResource=request.copy_tags,
        )
        if role_arn:
            params["IamRoleArn"] = role_arn
        job_id = start_restore_job(self.client, **params)
        if request.wait:
            job, table = finish_restore(self.client, self.ddb, job_id, request.target, request.wait_timeout)
            msg = f"Restored {about} into new table {request.target}"
        else:
            job, table = describe_restore_job(self.client, job_id), describe_table(self.ddb, request.target)
            msg = f"Started restore job {job_id} of {about} into new table {request.target}"
        return dict(result, changed=True, msg=msg, restore_job=normalise_restore_job(job), table=normalise_table(table))

    def existing(self, table, point_arn, about, result):
        """The target exists: not changed when it was restored from the recovery point, a failure otherwise."""
        request = self.request
        table_arn = table.get("TableArn")
        result["target_table_arn"] = table_arn
        created = as_utc(table.get("CreationDateTime"))
        since = None
        if created is not None:
            since = created.replace(microsecond=0) - _slack()
        history = None
        if not restored_from(table, point_arn):
            history = restore_history(self.client, point_arn, table_arn, since=since)
            if not history:
                source = (table.get("RestoreSummary") or {}).get("SourceBackupArn")
                origin = f"it was restored from {source}" if source else "it was not restored from a backup"
                self.fail(
                    f"Table {request.target} already exists and {origin}, not from {point_arn}; it is left untouched. "
                    "Choose another target_table_name, or delete the table first.",
                    **dict(result, table=normalise_table(table)),
                )

        job = None
        in_progress = restore_in_progress(table)
        if in_progress:
            job = job_for_table(running_restore_jobs(self.client, point_arn), table)
        if job is None:
            if history is None:
                history = restore_history(self.client, point_arn, table_arn, since=since)
            job = history[0] if history else None

        if in_progress and job is not None and job.get("Status") in RUNNING_STATUSES:
            return self.adopt(job, about, result)
        if in_progress and request.wait and not self.module.check_mode:
            table = self.wait_table_only(about)
            msg = f"Waited for table {request.target}, being restored from {about}"
        elif in_progress:
            msg = f"Table {request.target} is being restored from {about}"
        else:
            msg = f"Table {request.target} was already restored from {about}"
        return dict(result, changed=False, msg=msg, restore_job=normalise_restore_job(job), table=normalise_table(table))

    def adopt(self, job, about, result):
        """A restore job of the recovery point into the target is running already: wait for it, start nothing."""
        request = self.request
        job_id = job["RestoreJobId"]
        table = None
        if request.wait and not self.module.check_mode:
            job, table = finish_restore(self.client, self.ddb, job_id, request.target, request.wait_timeout)
            msg = f"Waited for restore job {job_id} of {about} into table {request.target}, already running"
        else:
            table = describe_table(self.ddb, request.target)
            msg = f"Restore job {job_id} of {about} into table {request.target} is running"
        return dict(result, changed=False, msg=msg, restore_job=normalise_restore_job(job), table=normalise_table(table))

    def wait_table_only(self, about):
        deadline = time.monotonic() + self.request.wait_timeout
        table, ready = wait_for_table_active(self.ddb, self.request.target, deadline)
        if not ready:
            raise RestoreJobError(
                message=(f"Timed out after {self.request.wait_timeout} seconds waiting for table "
                         f"{self.request.target} to be restored from {about}"),
                table=normalise_table(table),
            )
        return table


def _slack():
    return datetime.timedelta(seconds=HISTORY_SLACK_SECONDS)


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
