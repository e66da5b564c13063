#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_copy_job
short_description: Copy an AWS Backup recovery point to a vault in another Region or account
version_added: 0.1.0
description:
  - Starts an AWS Backup copy job that copies a recovery point of a DynamoDB table into a backup vault of
    another Region and/or another account (or another vault of the same Region) and, by default, waits until
    it has finished.
  - The module connects to the account and Region of the recovery point (the source); AWS runs, lists and
    describes the copy job there.
  - Idempotent for the same source recovery point and destination vault. When a copy job of
    O(recovery_point_arn) into O(destination_backup_vault_arn) has completed, or is still running, the module
    returns that job with RV(ignore:changed=false) (and waits for a running one) instead of starting another
    copy. A failed copy job does not count; running the task again starts a new one.
  - A copy job that ends V(FAILED), V(ABORTED) or V(PARTIAL) fails the task with the status message AWS gives,
    followed by what to fix when AWS denied access (the destination vault's access policy, the organization,
    or the organization's cross-account backup setting, naming the accounts and the vault). The job is still
    returned in RV(copy_job).
  - DynamoDB copies to another Region or account need advanced DynamoDB backup in the source Region
    (see M(backupkit.dynamodb.backup_region_settings)); a copy into another account also needs both accounts
    in one AWS Organizations organization with cross-account backup turned on, and a destination vault whose
    access policy allows C(backup:CopyIntoBackupVault) to the source account.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  recovery_point_arn:
    description:
      - The ARN of the recovery point to copy, for example the C(backup_job.recovery_point_arn) that M(backupkit.dynamodb.backup_job) returns.
    type: str
    required: true
  source_backup_vault_name:
    description:
      - The backup vault of the connection's account and Region that holds O(recovery_point_arn).
    type: str
    required: true
  destination_backup_vault_arn:
    description:
      - The ARN of the backup vault that receives the copy,
        C(arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME). The vault must exist.
    type: str
    required: true
  iam_role_arn:
    description:
      - ARN of the IAM role AWS Backup assumes to copy the recovery point.
      - Exactly one of O(iam_role_arn) and O(iam_role_name) is required.
    type: str
  iam_role_name:
    description:
      - Name of the IAM role AWS Backup assumes to copy the recovery point; the module looks up its ARN.
      - Exactly one of O(iam_role_arn) and O(iam_role_name) is required.
    type: str
  lifecycle:
    description:
      - When the copy moves to cold storage and when it is deleted. Without it, AWS gives the copy the
        source recovery point's lifecycle.
    type: dict
    suboptions:
      move_to_cold_storage_after_days:
        description:
          - Days after creation when the copy moves to cold storage (at least V(1)).
        type: int
      delete_after_days:
        description:
          - Days after creation when the copy is deleted (at least V(1)).
          - With O(lifecycle.move_to_cold_storage_after_days), at least that plus 90 days; checked before any
            call to AWS.
        type: int
      opt_in_to_archive_for_supported_resources:
        description:
          - Whether resource types that support it move to archive (cold) storage by this lifecycle.
        type: bool
  wait:
    description:
      - Whether to wait until the copy job has finished.
      - With V(false) the module returns as soon as the job has started (or was found), and
        RV(copy_job.state) is the state the job is in at that moment.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the copy job to finish when O(wait=true).
      - On timeout the task fails with a message naming the job and its last state; the job goes on in AWS,
        and running the task again waits for the same job.
    type: int
    default: 3600
notes:
  - The module reads the recovery point (C(DescribeRecoveryPoint)) and lists the copy jobs of the source
    account and Region into the destination vault (C(ListCopyJobs) with C(ByDestinationVaultArn) and
    C(BySourceRecoveryPointArn)) before it starts a copy. AWS lists copy jobs for a limited time; a copy whose
    job is no longer listed is made again.
  - The module cannot see the destination vault of another account or Region with the source's credentials;
    a copy that AWS lists as V(COMPLETED) counts even when its recovery point has since been deleted there.
  - The module polls C(DescribeCopyJob) with a growing delay (1 second at first, at most 15 seconds).
  - AWS answers C(AccessDeniedException) when the source vault does not exist.
  - "Permissions in the source account: C(backup:DescribeRecoveryPoint), C(backup:ListCopyJobs),
    C(backup:StartCopyJob), C(backup:DescribeCopyJob), C(iam:PassRole) of the role to C(backup.amazonaws.com),
    C(iam:GetRole) with O(iam_role_name), C(sts:GetCallerIdentity). The destination vault's access policy must
    allow C(backup:CopyIntoBackupVault) to the source account when it is another account's."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Starts nothing; returns the copy job that exists, or the one that would be started.
  diff_mode:
    support: none
    description: A copy job is an action, not a resource with a before and after.
seealso:
  - module: backupkit.dynamodb.backup_job
  - module: backupkit.dynamodb.backup_vault
  - module: backupkit.dynamodb.backup_region_settings
"""

EXAMPLES = r"""
- name: Back up the orders table now
  backupkit.dynamodb.backup_job:
    resource: orders
    backup_vault_name: dynamodb-backups
    iam_role_name: AWSBackupDefaultServiceRole
  register: backup

- name: Copy the recovery point to the DR Region, kept for 35 days there
  backupkit.dynamodb.backup_copy_job:
    recovery_point_arn: "{{ backup.backup_job.recovery_point_arn }}"
    source_backup_vault_name: dynamodb-backups
    destination_backup_vault_arn: arn:aws:backup:us-west-2:111122223333:backup-vault:dynamodb-dr
    iam_role_name: AWSBackupDefaultServiceRole
    lifecycle:
      delete_after_days: 35
  register: dr_copy

- name: Show the copy in the DR Region
  ansible.builtin.debug:
    msg: "{{ dr_copy.copy_job.destination_recovery_point_arn }}"

- name: Copy it to the central backup account as well
  backupkit.dynamodb.backup_copy_job:
    recovery_point_arn: "{{ backup.backup_job.recovery_point_arn }}"
    source_backup_vault_name: dynamodb-backups
    destination_backup_vault_arn: arn:aws:backup:us-east-1:444455556666:backup-vault:central-dynamodb
    iam_role_arn: arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole
    wait_timeout: 7200
"""

RETURN = r"""
copy_job:
  description:
    - The copy job, with the keys of C(DescribeCopyJob) in snake_case, after waiting (or as it was when the
      module returned, with O(wait=false) or on timeout).
    - In check mode, the copy job that exists, or the one that would be started (keys only AWS can know are V(null)).
    - Also returned when the task fails because the job failed or the wait timed out.
  returned: always
  type: dict
  contains:
    copy_job_id:
      description: The id of the copy job (V(null) in check mode when no job exists).
      returned: always
      type: str
      sample: 9A5E2B1C-0D7F-4E3A-8B6C-2F1D0E9A8B7C
    state:
      description:
        - The state of the job, V(CREATED), V(RUNNING), V(COMPLETED), V(FAILED), V(ABORTED) or V(PARTIAL)
          (V(null) in check mode when no job exists).
      returned: always
      type: str
      sample: COMPLETED
    status_message:
      description: What AWS says about the state, for example why the copy failed.
      returned: always
      type: str
      sample: Access Denied trying to call AWS Backup service
    message_category:
      description: AWS's category of the status message, for example V(SUCCESS) or V(AccessDenied).
      returned: always
      type: str
      sample: SUCCESS
    account_id:
      description: The account that owns the copy job (the source account).
      returned: always
      type: str
      sample: "111122223333"
    source_backup_vault_arn:
      description: The ARN of the vault that holds the source recovery point.
      returned: always
      type: str
      sample: arn:aws:backup:us-east-1:111122223333:backup-vault:dynamodb-backups
    source_recovery_point_arn:
      description: The recovery point copied.
      returned: always
      type: str
      sample: arn:aws:backup:us-east-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45
    destination_backup_vault_arn:
      description: The vault that receives the copy.
      returned: always
      type: str
      sample: arn:aws:backup:us-west-2:111122223333:backup-vault:dynamodb-dr
    destination_recovery_point_arn:
      description: The copy, a recovery point in the destination vault (V(null) until AWS files it, and for a failed copy).
      returned: always
      type: str
      sample: arn:aws:backup:us-west-2:111122223333:recovery-point:7C1D2E3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F
    destination_recovery_point_lifecycle:
      description: The lifecycle of the copy, V(null) without one.
      returned: always
      type: dict
      sample: {"delete_after_days": 35}
    resource_arn:
      description: The ARN of the table the recovery point is a backup of.
      returned: always
      type: str
      sample: arn:aws:dynamodb:us-east-1:111122223333:table/orders
    resource_name:
      description: The name of that table.
      returned: always
      type: str
      sample: orders
    resource_type:
      description: The type of the resource, V(DynamoDB).
      returned: always
      type: str
      sample: DynamoDB
    iam_role_arn:
      description: The IAM role AWS Backup assumes for the copy.
      returned: always
      type: str
      sample: arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole
    backup_size_in_bytes:
      description: The size of the copy in bytes.
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
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_copy import copy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_copy import input_problems
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import job_role_argument_spec
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import job_role_constraints
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_argument_spec


def main():
    argument_spec = dict(
        recovery_point_arn=dict(type="str", required=True),
        source_backup_vault_name=dict(type="str", required=True),
        destination_backup_vault_arn=dict(type="str", required=True),
        lifecycle=lifecycle_argument_spec(),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
    )
    argument_spec.update(job_role_argument_spec())
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, **job_role_constraints())
    run_module(module, copy, input_problems=input_problems)


if __name__ == "__main__":
    main()
