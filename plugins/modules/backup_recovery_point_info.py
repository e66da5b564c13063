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
    with both, the vault's recovery points of that resource.
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
notes:
  - At least one of O(backup_vault_name) and O(resource) is required.
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
      description: The backup plan and rule that created the recovery point, when a plan did.
      type: dict
      returned: when AWS returns it
      sample: {"backup_plan_id": "8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e", "backup_rule_id": "..."}
    vault_type:
      description: The type of the vault that holds the recovery point.
      type: str
      returned: when AWS returns it
      sample: BACKUP_VAULT
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import RECOVERY_POINT_STATUSES
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import filter_points
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import list_recovery_points_by_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import list_recovery_points_of_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import normalise_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import parse_time


def time_window(params):
    """(created_after, created_before) as UTC datetimes; ValueError on bad input."""
    after = parse_time(params["created_after"], "created_after") if params.get("created_after") else None
    before = parse_time(params["created_before"], "created_before") if params.get("created_before") else None
    if after is not None and before is not None and after >= before:
        raise ValueError(
            f"created_after ({params['created_after']}) must be earlier than created_before ({params['created_before']})"
        )
    return after, before


def resource_arn(ctx, resource):
    """A resource ARN as given, or a DynamoDB table name as its table ARN."""
    if resource.startswith("arn:"):
        return resource
    return ctx.table_arn(resource)


def list_points(module, client):
    params = module.params
    try:
        after, before = time_window(params)
    except ValueError as e:
        module.fail_json(msg=str(e))
    ctx = CallerContext(module)
    arn = resource_arn(ctx, params["resource"]) if params.get("resource") else None
    if params.get("backup_vault_name"):
        raw = list_recovery_points_by_vault(
            client, params["backup_vault_name"], resource_arn=arn, created_after=after, created_before=before
        )
    else:
        raw = list_recovery_points_of_resource(client, arn)
    # AWS filters by vault already; the same filters again make both ways of listing agree
    points = filter_points(raw, created_after=after, created_before=before, statuses=params.get("status"))
    return [normalise_recovery_point(point) for point in points]


def main():
    argument_spec = dict(
        backup_vault_name=dict(type="str"),
        resource=dict(type="str"),
        created_after=dict(type="str"),
        created_before=dict(type="str"),
        status=dict(type="list", elements="str", choices=sorted(RECOVERY_POINT_STATUSES)),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_one_of=[["backup_vault_name", "resource"]],
        supports_check_mode=True,
    )
    client = module.client("backup")
    try:
        points = list_points(module, client)
    except ValueError as e:
        module.fail_json(msg=str(e))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, recovery_points=points)


if __name__ == "__main__":
    main()
