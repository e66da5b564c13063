#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_recovery_point_info
short_description: List AWS Backup recovery points of a vault or of a DynamoDB table
version_added: 0.1.0
description:
  - Lists the recovery points (backups) held in an AWS Backup vault, or the recovery points of one
    resource - a DynamoDB table - in every vault of the account and region.
  - With O(backup_vault_name) the vault's recovery points are listed
    (C(ListRecoveryPointsByBackupVault)); with O(resource) those of the resource (C(ListRecoveryPointsByResource));
    with both, the vault's recovery points of that resource; with neither, but a plan or rule filter, the
    recovery points of every vault of the account and region.
  - The plan and rule filters (O(backup_plan_id), O(backup_plan_name), O(backup_rule_id), O(backup_rule_name))
    keep the recovery points a backup plan created on its schedule (C(CreatedBy)).
  - Every page of the answer is read. The recovery points come back newest first, with the keys of
    C(ListRecoveryPointsByBackupVault) in snake_case whichever way they were listed.
  - An empty list is returned when nothing matches.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  backup_vault_name:
    description:
      - Name of the backup vault whose recovery points to list.
      - A vault that does not exist (or that the caller may not read) fails the task; AWS answers
        C(AccessDeniedException) in both cases.
    type: str
  resource:
    description:
      - The resource whose recovery points to list, as a DynamoDB table name or the ARN of a resource.
      - A table name is turned into the table's ARN in the account and region of the connection.
    type: str
  created_after:
    description:
      - Only recovery points created after this time, as an ISO 8601 date or date and time, for example
        V(2024-05-21T13:00:00Z). A time without a zone is UTC; a date alone is midnight UTC.
    type: str
  created_before:
    description:
      - Only recovery points created before this time, in the same form as O(created_after).
    type: str
  status:
    description:
      - Only recovery points in one of these statuses.
    type: list
    elements: str
    choices: ['AVAILABLE', 'COMPLETED', 'CREATING', 'DELETING', 'EXPIRED', 'PARTIAL', 'STOPPED']
  backup_plan_id:
    description:
      - Only the recovery points the backup plan with this id created (C(CreatedBy.BackupPlanId)); recovery points of
        on-demand backups (RV(recovery_points[].created_by) V(null)) never match a plan or rule filter.
      - AWS filters by it when the module lists vaults (C(ByBackupPlanId) of C(ListRecoveryPointsByBackupVault));
        with O(resource) alone the module filters the resource's recovery points.
    type: str
  backup_plan_name:
    description:
      - Only the recovery points a backup plan of this name created, including plans of that name since deleted
        (their ids are read with C(ListBackupPlans) and C(IncludeDeleted);
        V(backup_plan_ids) in RV(filters) lists them). Filtered by the module.
      - Cannot be combined with O(backup_plan_id).
    type: str
  backup_rule_id:
    description:
      - Only the recovery points the plan rule with this id created (C(CreatedBy.BackupRuleId)). Filtered by the module.
    type: str
  backup_rule_name:
    description:
      - Only the recovery points a plan rule of this name created, as the rule was named in the version of the plan
        that created them (C(GetBackupPlan) of that version, once per plan version, unless AWS names the rule in
        C(CreatedBy) itself). Filtered by the module. Cannot be combined with O(backup_rule_id).
    type: str
notes:
  - At least one of O(backup_vault_name), O(resource) and the plan and rule filters is required.
  - RV(filters) says which filter AWS applied and which the module applied to what AWS listed.
  - Without O(backup_vault_name) and O(resource), every vault is listed (C(ListBackupVaults)); a vault the caller
    may not list (or one deleted meanwhile; AWS answers C(AccessDeniedException) for both) is left out.
  - C(ListRecoveryPointsByResource) returns fewer keys than C(ListRecoveryPointsByBackupVault); with
    O(resource) alone the module also lists each vault holding the resource's recovery points (filtered
    to the resource) to return the full set of keys. Recovery points in a vault the caller may not list
    keep the short form, where keys AWS did not return are V(null).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: The module changes nothing.
seealso:
  - module: backupkit.dynamodb.backup_restore
  - module: backupkit.dynamodb.backup_vault
"""

EXAMPLES = r"""
- name: List the recovery points in a vault
  backupkit.dynamodb.backup_recovery_point_info:
    backup_vault_name: dynamodb-backups
  register: vault_points

- name: List the recovery points of a table, in any vault
  backupkit.dynamodb.backup_recovery_point_info:
    resource: orders
  register: order_points

- name: The newest completed recovery point of a table in a vault, taken in May 2024
  backupkit.dynamodb.backup_recovery_point_info:
    backup_vault_name: dynamodb-backups
    resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
    created_after: "2024-05-01T00:00:00Z"
    created_before: "2024-06-01T00:00:00Z"
    status: [COMPLETED, AVAILABLE]
  register: may_points

- name: The recovery points the plan's daily rule created, in any vault, with their delete-at dates
  backupkit.dynamodb.backup_recovery_point_info:
    backup_plan_name: backupkit-dynamodb-plan
    backup_rule_name: daily
  register: scheduled_points

- name: Show when each one goes
  ansible.builtin.debug:
    msg: "{{ scheduled_points.recovery_points | map(attribute='calculated_lifecycle.delete_at') | list }}"

- name: Show it
  ansible.builtin.debug:
    msg: "{{ may_points.recovery_points[0].recovery_point_arn if may_points.recovery_points else 'none' }}"
"""

RETURN = r"""
recovery_points:
  description:
    - The recovery points that match, newest first; an empty list when none does.
    - Keys AWS did not return for a recovery point are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    recovery_point_arn:
      description: The ARN of the recovery point (AWS Backup's form, or DynamoDB's backup ARN form when advanced DynamoDB backup is off).
      type: str
      returned: always
      sample: arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45
    backup_vault_name:
      description: The vault that holds the recovery point.
      type: str
      returned: always
      sample: dynamodb-backups
    backup_vault_arn:
      description: The ARN of that vault.
      type: str
      returned: always
      sample: arn:aws:backup:us-east-1:123456789012:backup-vault:dynamodb-backups
    resource_arn:
      description: The ARN of the backed-up resource.
      type: str
      returned: always
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/orders
    resource_type:
      description: The type of the backed-up resource.
      type: str
      returned: always
      sample: DynamoDB
    resource_name:
      description: The name of the backed-up resource.
      type: str
      returned: always
      sample: orders
    status:
      description: The status of the recovery point.
      type: str
      returned: always
      sample: COMPLETED
    status_message:
      description: Why the recovery point has its status, when AWS says.
      type: str
      returned: always
      sample: null
    creation_date:
      description: When the recovery point was created (ISO 8601).
      type: str
      returned: always
      sample: "2024-05-21T13:21:10.062000+00:00"
    completion_date:
      description: When the backup job that created it completed (ISO 8601).
      type: str
      returned: always
      sample: "2024-05-21T13:22:41.512000+00:00"
    lifecycle:
      description: The lifecycle of the recovery point.
      type: dict
      returned: always
      sample: {"delete_after_days": 35}
    calculated_lifecycle:
      description: When the recovery point moves to cold storage and is deleted (ISO 8601), from its lifecycle.
      type: dict
      returned: always
      sample: {"delete_at": "2024-06-25T13:21:10.062000+00:00"}
    backup_size_in_bytes:
      description: The size of the backup in bytes.
      type: int
      returned: always
      sample: 52428
    encryption_key_arn:
      description: The KMS key that encrypts the recovery point.
      type: str
      returned: always
      sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    iam_role_arn:
      description: The IAM role the backup job that created it used.
      type: str
      returned: always
      sample: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
    is_encrypted:
      description: Whether the recovery point is encrypted.
      type: bool
      returned: when AWS returns it
      sample: true
    created_by:
      description:
        - The backup plan and rule that created the recovery point (AWS's C(CreatedBy) in snake_case, with the four
          keys below always present); V(null) for the recovery point of an on-demand backup, and where AWS did not say
          (the short form of C(ListRecoveryPointsByResource)).
        - AWS may add C(backup_plan_name), C(backup_rule_name), C(backup_rule_cron) and C(backup_rule_timezone).
      type: dict
      returned: always
      sample:
        backup_plan_id: 8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e
        backup_plan_arn: arn:aws:backup:us-east-1:123456789012:backup-plan:8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e
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
          description: The version of the plan that created the recovery point.
          type: str
        backup_rule_id:
          description: The id of the rule.
          type: str
    vault_type:
      description: The type of the vault that holds the recovery point.
      type: str
      returned: when AWS returns it
      sample: BACKUP_VAULT
filters:
  description:
    - The filters of this run, by option name (only the options that were set), each with its V(value) and
      V(applied_by), V(aws) when AWS filtered (a C(By*) parameter or the call chosen) or V(module) when the module
      filtered what AWS listed.
    - For O(backup_plan_name), also V(backup_plan_ids), the ids of the plans of that name (deleted ones included).
  returned: always
  type: dict
  sample:
    backup_vault_name: {"value": "dynamodb-backups", "applied_by": "aws"}
    backup_plan_id: {"value": "8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e", "applied_by": "aws"}
    backup_rule_name: {"value": "daily", "applied_by": "module"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import PLAN_FILTERS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import PLAN_FILTER_MUTUALLY_EXCLUSIVE
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import plan_filter_argument_spec
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import RECOVERY_POINT_STATUSES
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import read_recovery_points


def main():
    argument_spec = dict(
        backup_vault_name=dict(type="str"),
        resource=dict(type="str"),
        created_after=dict(type="str"),
        created_before=dict(type="str"),
        status=dict(type="list", elements="str", choices=sorted(RECOVERY_POINT_STATUSES)),
        **plan_filter_argument_spec(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_one_of=[["backup_vault_name", "resource", *PLAN_FILTERS]],
        mutually_exclusive=PLAN_FILTER_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    client = module.client("backup")
    try:
        points, filters = read_recovery_points(module, client)
    except ValueError as e:
        module.fail_json(msg=str(e))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, recovery_points=points, filters=filters)


if __name__ == "__main__":
    main()
