#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_job
short_description: Back up a DynamoDB table now with AWS Backup
version_added: 0.1.0
description:
  - Starts an on-demand AWS Backup job of a DynamoDB table into a backup vault and, by default, waits
    until it has finished.
  - A job that ends V(FAILED), V(ABORTED), V(EXPIRED) or V(PARTIAL) fails the task with the status message
    AWS gives, and the job is still returned in RV(backup_job).
  - With O(idempotency_token), running the task again returns the job the token already started
    (and waits for it) with RV(ignore:changed=false) instead of starting another one.
  - Progress cannot be shown while the module runs; each state the job goes through is logged with the
    module's log (the system journal or syslog of the managed host).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  resource:
    description:
      - The DynamoDB table to back up, by name or by ARN.
      - A name is a table in the account and region of the connection.
    type: str
    required: true
  backup_vault_name:
    description:
      - The backup vault that receives the recovery point.
    type: str
    required: true
  iam_role_arn:
    description:
      - ARN of the IAM role AWS Backup assumes to create the recovery point.
      - Exactly one of O(iam_role_arn) and O(iam_role_name) is required.
    type: str
  iam_role_name:
    description:
      - Name of the IAM role AWS Backup assumes to create the recovery point; the module looks up its ARN.
      - Exactly one of O(iam_role_arn) and O(iam_role_name) is required.
    type: str
  lifecycle:
    description:
      - When the recovery point moves to cold storage and when it is deleted. Without it, the recovery
        point is kept until it is deleted.
      - Cold storage and archiving for DynamoDB need advanced DynamoDB backup
        (see M(backupkit.dynamodb.backup_region_settings)).
    type: dict
    suboptions:
      move_to_cold_storage_after_days:
        description:
          - Days after creation when the recovery point moves to cold storage (at least V(1)).
        type: int
      delete_after_days:
        description:
          - Days after creation when the recovery point is deleted (at least V(1)).
          - With O(lifecycle.move_to_cold_storage_after_days), at least that plus 90 days (AWS keeps a backup
            in cold storage for at least 90 days); checked before any call to AWS.
        type: int
      opt_in_to_archive_for_supported_resources:
        description:
          - Whether resource types that support it move to archive (cold) storage by this lifecycle.
        type: bool
  recovery_point_tags:
    description:
      - Tags to put on the recovery point, exactly as given (keys and values are never case-converted).
    type: dict
  idempotency_token:
    description:
      - A string of your choice that makes the start of the job idempotent. AWS starts one job per token;
        a later task with the same token gets the job that token started.
      - The module then returns that job with RV(ignore:changed=false) (and waits for it if it is still running),
        so a retried play does not back up the table twice.
      - Without it every run starts a new backup job.
    type: str
  start_window_minutes:
    description:
      - Minutes after the job is created within which it must start, or AWS cancels it (at least V(60)).
      - AWS's default is 8 hours.
    type: int
  complete_window_minutes:
    description:
      - Minutes after the job is created within which it must complete, or AWS cancels it.
      - AWS's default is 7 days.
    type: int
  wait:
    description:
      - Whether to wait until the job has finished.
      - With V(false) the module returns as soon as the job has started, and RV(backup_job.state) is the state
        the job is in at that moment.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the job to finish when O(wait=true).
      - On timeout the task fails with a message naming the job, its last state and how far it got; the
        job itself goes on in AWS.
    type: int
    default: 3600
notes:
  - The module polls C(DescribeBackupJob) with a growing delay (1 second at first, at most 15 seconds).
  - AWS does not return the idempotency token of a job. With O(idempotency_token), the module lists the jobs
    of the table into the vault before it starts the job; when AWS answers with the id of a job that was
    already listed, the token had been used and nothing new started. AWS remembers a token for a limited time.
  - If AWS answers with a job of another table or vault (the token was used for a different backup), the task fails.
  - AWS answers C(AccessDeniedException) when the vault does not exist.
  - In check mode nothing is started; RV(backup_job) describes the job that would be started (its id, state and
    dates are V(null)), and the result is always RV(ignore:changed=true), because AWS cannot be asked whether
    it remembers an idempotency token.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Starts nothing and returns the job that would be started.
  diff_mode:
    support: none
    description: A backup job is an action, not a resource with a before and after.
seealso:
  - module: backupkit.dynamodb.backup_job_info
  - module: backupkit.dynamodb.backup_vault
  - module: backupkit.dynamodb.backup_region_settings
"""

EXAMPLES = r"""
- name: Back up the orders table now and wait for the recovery point
  backupkit.dynamodb.backup_job:
    resource: orders
    backup_vault_name: dynamodb-backups
    iam_role_name: AWSBackupDefaultServiceRole
    lifecycle:
      delete_after_days: 35
    recovery_point_tags:
      Reason: before-migration
      Ticket: CHG-1234
  register: backup

- name: Show the recovery point
  ansible.builtin.debug:
    msg: "{{ backup.backup_job.recovery_point_arn }}"

- name: Back up once per release, even when the play is run again
  backupkit.dynamodb.backup_job:
    resource: arn:aws:dynamodb:us-east-1:111122223333:table/orders
    backup_vault_name: dynamodb-backups
    iam_role_arn: arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole
    idempotency_token: "orders-release-{{ release_version }}"
    lifecycle:
      move_to_cold_storage_after_days: 30
      delete_after_days: 365
    wait_timeout: 7200

- name: Start a backup and go on without waiting
  backupkit.dynamodb.backup_job:
    resource: orders
    backup_vault_name: dynamodb-backups
    iam_role_name: AWSBackupDefaultServiceRole
    wait: false
  register: started

- name: Wait for it later
  backupkit.dynamodb.backup_job_info:
    job_id: "{{ started.backup_job.backup_job_id }}"
  register: job
  until: job.jobs[0].state in ['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED', 'PARTIAL']
  retries: 120
  delay: 30
"""

RETURN = r"""
backup_job:
  description:
    - The backup job, with the keys of C(DescribeBackupJob) in snake_case, after waiting (or as it was when
      the module returned, with O(wait=false) or on timeout).
    - In check mode, the job that would be started; keys only AWS can know are V(null).
    - Also returned when the task fails because the job failed or the wait timed out.
  returned: always
  type: dict
  contains:
    backup_job_id:
      description: The id of the job (V(null) in check mode).
      returned: always
      type: str
      sample: 3F5A0C9A-9C1E-4C0B-8A3E-5C1A2E7F9B10
    state:
      description:
        - The state of the job, V(CREATED), V(PENDING), V(RUNNING), V(ABORTING), V(ABORTED), V(COMPLETED),
          V(FAILED), V(EXPIRED) or V(PARTIAL) (V(null) in check mode).
      returned: always
      type: str
      sample: COMPLETED
    status_message:
      description: What AWS says about the state, for example why the job failed.
      returned: always
      type: str
      sample: "Requested resource not found: Table: orders not found"
    percent_done:
      description: How far the job has got, in percent, as AWS reports it.
      returned: always
      type: str
      sample: "100.0"
    recovery_point_arn:
      description:
        - The recovery point the job creates. An AWS Backup ARN with advanced DynamoDB backup, a DynamoDB backup
          ARN (C(table/NAME/backup/ID)) without it.
      returned: always
      type: str
      sample: arn:aws:backup:us-east-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45
    recovery_point_lifecycle:
      description: The lifecycle of the recovery point, V(null) without one.
      returned: always
      type: dict
      sample: {"delete_after_days": 35}
    resource_arn:
      description: The ARN of the table backed up.
      returned: always
      type: str
      sample: arn:aws:dynamodb:us-east-1:111122223333:table/orders
    resource_name:
      description: The name of the table backed up.
      returned: always
      type: str
      sample: orders
    resource_type:
      description: The type of the resource, V(DynamoDB).
      returned: always
      type: str
      sample: DynamoDB
    backup_vault_name:
      description: The vault that receives the recovery point.
      returned: always
      type: str
      sample: dynamodb-backups
    backup_vault_arn:
      description: The ARN of the vault (in check mode, as the module computes it).
      returned: always
      type: str
      sample: arn:aws:backup:us-east-1:111122223333:backup-vault:dynamodb-backups
    iam_role_arn:
      description: The IAM role AWS Backup assumes.
      returned: always
      type: str
      sample: arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole
    backup_size_in_bytes:
      description: The size of the backup in bytes.
      returned: always
      type: int
      sample: 1024
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
    expected_completion_date:
      description: When AWS expects the job to finish (ISO 8601), when AWS says.
      returned: always
      type: str
      sample: "2024-05-21T13:25:00+00:00"
    start_by:
      description: When the job must have started, or AWS cancels it (ISO 8601).
      returned: always
      type: str
      sample: "2024-05-21T21:21:10.062000+00:00"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import input_problems
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import start
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import job_role_argument_spec
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import job_role_constraints
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_argument_spec


def main():
    argument_spec = dict(
        resource=dict(type="str", required=True),
        backup_vault_name=dict(type="str", required=True),
        lifecycle=lifecycle_argument_spec(),
        recovery_point_tags=dict(type="dict"),
        idempotency_token=dict(type="str", no_log=False),
        start_window_minutes=dict(type="int"),
        complete_window_minutes=dict(type="int"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
    )
    argument_spec.update(job_role_argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, **job_role_constraints())
    run_module(module, start, input_problems=input_problems)


if __name__ == "__main__":
    main()
