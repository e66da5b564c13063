#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_job_info
short_description: List AWS Backup backup jobs and restore jobs
version_added: 0.1.0
description:
  - Lists the backup jobs or the restore jobs of the account and region, as the jobs page of the
    AWS Backup console does, newest first.
  - Filters by table (O(resource)), backup vault, state, creation time and, for backup jobs, the backup
    plan and rule that started them; every page AWS returns is read.
  - O(job_id) describes a single job instead.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  job_type:
    description:
      - Whether to list backup jobs or restore jobs.
    type: str
    choices: ['backup', 'restore']
    default: backup
  job_id:
    description:
      - The id of one job of type O(job_type) to describe; RV(jobs) then holds that job, or nothing when AWS
        does not know it.
      - Cannot be combined with the other filters.
    type: str
  resource:
    description:
      - Only the jobs of this DynamoDB table, by name or by ARN (a name is a table in the account and region
        of the connection).
      - For restore jobs, the table the recovery point was taken from. C(ListRestoreJobs) cannot filter by it,
        so the module filters the jobs it lists by their C(SourceResourceArn) (for a job without one, by the
        table of a DynamoDB backup ARN, or by the C(ResourceArn) of the recovery point, read with
        C(DescribeRecoveryPoint)).
    type: str
  backup_vault_name:
    description:
      - Only the jobs of this backup vault.
      - For restore jobs, the vault that holds the recovery point restored. C(ListRestoreJobs) cannot filter by it,
        so the module filters the jobs it lists by their C(BackupVaultArn).
    type: str
  state:
    description:
      - Only the jobs in this state.
      - Backup jobs are V(CREATED), V(PENDING), V(RUNNING), V(ABORTING), V(ABORTED), V(COMPLETED), V(FAILED),
        V(EXPIRED) or V(PARTIAL); restore jobs are V(PENDING), V(RUNNING), V(COMPLETED), V(ABORTED) or V(FAILED).
        A state restore jobs do not have is refused for O(job_type=restore).
    type: str
    choices: ['CREATED', 'PENDING', 'RUNNING', 'ABORTING', 'ABORTED', 'COMPLETED', 'FAILED', 'EXPIRED', 'PARTIAL']
  created_after:
    description:
      - Only the jobs created after this time, an ISO 8601 date or date and time such as V(2024-05-21) or
        V(2024-05-21T13:00:00Z) (UTC when no offset is given).
    type: str
  created_before:
    description:
      - Only the jobs created before this time, an ISO 8601 date or date and time (UTC when no offset is given).
    type: str
  backup_plan_id:
    description:
      - Only the backup jobs a backup plan started on its schedule, the plan with this id (C(CreatedBy.BackupPlanId)).
        On-demand jobs (RV(jobs[].created_by) V(null)) never match a plan or rule filter.
      - C(ListBackupJobs) cannot filter by plan, so the module filters the jobs it lists.
      - Only for O(job_type=backup); restore jobs are not created by backup plans.
    type: str
  backup_plan_name:
    description:
      - Only the backup jobs started by a backup plan of this name, including plans of that name since deleted
        (their ids are read with C(ListBackupPlans) and C(IncludeDeleted); V(backup_plan_ids) in RV(filters)
        lists them).
      - Filtered by the module. Cannot be combined with O(backup_plan_id).
    type: str
  backup_rule_id:
    description:
      - Only the backup jobs started by the plan rule with this id (C(CreatedBy.BackupRuleId)). Filtered by the module.
    type: str
  backup_rule_name:
    description:
      - Only the backup jobs started by a plan rule of this name, as the rule was named in the version of the plan
        that started the job (C(GetBackupPlan) of that version, once per plan version, unless AWS names the rule in
        C(CreatedBy) itself). Filtered by the module. Cannot be combined with O(backup_rule_id).
    type: str
notes:
  - The filters are passed to AWS (C(ListBackupJobs) and C(ListRestoreJobs) C(By*) parameters) except
    O(resource) and O(backup_vault_name) for restore jobs, and the plan and rule filters, which the module
    applies to the jobs it lists. RV(filters) says which filter was applied where.
  - AWS keeps the job history for a limited time (about 30 days).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: N/A
    description: The module changes nothing.
seealso:
  - module: backupkit.dynamodb.backup_job
"""

EXAMPLES = r"""
- name: The backup jobs of the orders table that failed in May 2024
  backupkit.dynamodb.backup_job_info:
    resource: orders
    state: FAILED
    created_after: "2024-05-01"
    created_before: "2024-06-01"
  register: failed_backups

- name: The newest completed backup job into a vault
  backupkit.dynamodb.backup_job_info:
    backup_vault_name: dynamodb-backups
    state: COMPLETED
  register: completed

- name: Show its recovery point
  ansible.builtin.debug:
    msg: "{{ completed.jobs[0].recovery_point_arn if completed.jobs else 'no backup yet' }}"

- name: Restores of the orders table and the tables they created
  backupkit.dynamodb.backup_job_info:
    job_type: restore
    resource: arn:aws:dynamodb:us-east-1:111122223333:table/orders
  register: restores

- name: The backup jobs the plan's daily rule started, and when each one ran
  backupkit.dynamodb.backup_job_info:
    backup_plan_name: backupkit-dynamodb-plan
    backup_rule_name: daily
  register: scheduled

- name: Show them
  ansible.builtin.debug:
    msg: "{{ scheduled.jobs | map(attribute='creation_date') | list }}"

- name: One job by id
  backupkit.dynamodb.backup_job_info:
    job_id: 3F5A0C9A-9C1E-4C0B-8A3E-5C1A2E7F9B10
  register: job
"""

RETURN = r"""
jobs:
  description:
    - The jobs, newest first; an empty list when none matches.
    - Each has AWS's fields (C(ListBackupJobs) or C(ListRestoreJobs) members, or C(DescribeBackupJob) or
      C(DescribeRestoreJob) with O(job_id)) in snake_case, plus the keys below, which both job types share.
  returned: always
  type: list
  elements: dict
  contains:
    job_id:
      description: The id of the job (the same as RV(jobs[].backup_job_id) or RV(jobs[].restore_job_id)).
      returned: always
      type: str
      sample: 3F5A0C9A-9C1E-4C0B-8A3E-5C1A2E7F9B10
    job_type:
      description: V(backup) or V(restore).
      returned: always
      type: str
      sample: backup
    backup_job_id:
      description: The id of a backup job.
      returned: for backup jobs
      type: str
      sample: 3F5A0C9A-9C1E-4C0B-8A3E-5C1A2E7F9B10
    restore_job_id:
      description: The id of a restore job.
      returned: for restore jobs
      type: str
      sample: 9A1C0E77-2B44-4F0A-9E56-6D1B2F3C4A58
    state:
      description: The state of the job (for restore jobs, the same as RV(jobs[].status)).
      returned: always
      type: str
      sample: COMPLETED
    status:
      description: The status of a restore job, as AWS names it.
      returned: for restore jobs
      type: str
      sample: COMPLETED
    status_message:
      description: What AWS says about the state, for example why the job failed; V(null) when AWS says nothing.
      returned: always
      type: str
      sample: "Requested resource not found: Table: orders not found"
    percent_done:
      description: How far the job has got, in percent, as AWS reports it.
      returned: always
      type: str
      sample: "100.0"
    resource_arn:
      description:
        - The resource backed up, or for a restore job the resource the recovery point was taken from
          (V(null) when that cannot be told).
      returned: always
      type: str
      sample: arn:aws:dynamodb:us-east-1:111122223333:table/orders
    recovery_point_arn:
      description: The recovery point the backup job creates, or the restore job restores.
      returned: always
      type: str
      sample: arn:aws:backup:us-east-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45
    created_resource_arn:
      description: The table a restore job created (V(null) for backup jobs, and until AWS reports it).
      returned: always
      type: str
      sample: arn:aws:dynamodb:us-east-1:111122223333:table/orders-restored
    backup_vault_name:
      description: The vault of the job (for a restore job, taken from RV(jobs[].backup_vault_arn)).
      returned: always
      type: str
      sample: dynamodb-backups
    backup_vault_arn:
      description: The ARN of the vault of the job.
      returned: always
      type: str
      sample: arn:aws:backup:us-east-1:111122223333:backup-vault:dynamodb-backups
    backup_size_in_bytes:
      description: The size of the backup (for restore jobs, of the restored resource) in bytes.
      returned: always
      type: int
      sample: 1024
    iam_role_arn:
      description: The IAM role AWS Backup assumed for the job.
      returned: always
      type: str
      sample: arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole
    creation_date:
      description: When the job was created (ISO 8601).
      returned: always
      type: str
      sample: "2024-05-21T13:21:10.062000+00:00"
    completion_date:
      description: When the job finished (ISO 8601), V(null) while it runs.
      returned: always
      type: str
      sample: "2024-05-21T13:24:52.310000+00:00"
    created_by:
      description:
        - The backup plan and rule that started a backup job on its schedule (AWS's C(CreatedBy) in snake_case,
          with the four keys below always present); V(null) for an on-demand job and for restore jobs.
        - AWS may add C(backup_plan_name), C(backup_rule_name), C(backup_rule_cron) and C(backup_rule_timezone).
      returned: always
      type: dict
      sample:
        backup_plan_id: 8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e
        backup_plan_arn: arn:aws:backup:us-east-1:111122223333:backup-plan:8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e
        backup_plan_version: ZjJlNjE0YTAtMmY0Zi00Y2U2LTk4ZTEtMjE5ZGQ1YzE0NzAz
        backup_rule_id: 5c1b0a6e-2f4d-4a8b-9c3e-7d6f5e4a3b2c
      contains:
        backup_plan_id:
          description: The id of the plan.
          type: str
        backup_plan_arn:
          description: The ARN of the plan.
          type: str
        backup_plan_version:
          description: The version of the plan that started the job.
          type: str
        backup_rule_id:
          description: The id of the rule.
          type: str
filters:
  description:
    - The filters of this run, by option name (only the options that were set), each with its V(value) and
      V(applied_by), V(aws) when AWS filtered (a C(By*) parameter) or V(module) when the module filtered the jobs
      AWS listed.
    - For O(backup_plan_name), also V(backup_plan_ids), the ids of the plans of that name (deleted ones included).
  returned: always
  type: dict
  sample:
    state: {"value": "COMPLETED", "applied_by": "aws"}
    backup_plan_name: {"value": "backupkit-dynamodb-plan", "applied_by": "module",
                       "backup_plan_ids": ["8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e"]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import BACKUP_JOB_STATES
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import JOB_INFO_FILTERS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import read_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import PLAN_FILTER_MUTUALLY_EXCLUSIVE
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import plan_filter_argument_spec


def main():
    argument_spec = dict(
        job_type=dict(type="str", default="backup", choices=["backup", "restore"]),
        job_id=dict(type="str"),
        resource=dict(type="str"),
        backup_vault_name=dict(type="str"),
        state=dict(type="str", choices=list(BACKUP_JOB_STATES)),
        created_after=dict(type="str"),
        created_before=dict(type="str"),
        **plan_filter_argument_spec(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["job_id", name] for name in JOB_INFO_FILTERS] + PLAN_FILTER_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    client = module.client("backup")
    try:
        jobs, filters = read_jobs(module, client)
    except ValueError as e:
        module.fail_json(msg=str(e))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, jobs=jobs, filters=filters)


if __name__ == "__main__":
    main()
