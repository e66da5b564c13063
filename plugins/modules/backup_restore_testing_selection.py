#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_restore_testing_selection
short_description: Manage the DynamoDB tables an AWS Backup restore testing plan tests
version_added: 0.1.0
description:
  - Creates, updates and deletes a selection of an AWS Backup restore testing plan
    (M(backupkit.dynamodb.backup_restore_testing_plan)) - which DynamoDB tables the plan restores, with which
    IAM role, with which restore metadata, and how long the restored table is kept for validation.
  - When the plan runs, AWS Backup restores a recovery point of each selected table into a new table named
    C(awsbackup-restore-test-) followed by a random value, and deletes that table when a validation result
    is put (C(PutRestoreValidationResult)) or when O(validation_window_hours) have passed since the restore
    completed, whichever comes first.
  - An option left out keeps what the selection has.
  - AWS cannot change a selection's resource type, and documents no way to remove conditions or metadata
    overrides with an update; such a change deletes the selection and creates it again (RV(recreated)).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  restore_testing_plan_name:
    description:
      - The restore testing plan the selection belongs to; it must exist.
    type: str
    required: true
  name:
    description:
      - The name of the selection, 1 to 50 letters, digits and underscores, unique in the plan.
    type: str
    required: true
    aliases: [restore_testing_selection_name]
  state:
    description:
      - V(present) creates or updates the selection, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  protected_resource_type:
    description:
      - The type of resource the selection restores.
    type: str
    choices: [DynamoDB]
    default: DynamoDB
  protected_resource_arns:
    description:
      - The tables to test, as table names or ARNs (at most 30), or V(["*"]) for every table with a recovery
        point the plan may choose.
      - Left out with O(protected_resource_conditions), V(["*"]).
    type: list
    elements: str
  protected_resource_conditions:
    description:
      - Tag conditions a table must meet to be tested, with O(protected_resource_arns=["*"]) only.
      - Keys are tag keys, with or without the C(aws:ResourceTag/) prefix, as AWS takes them.
    type: dict
    suboptions:
      string_equals:
        description: The table's tag O(protected_resource_conditions.string_equals[].key) must have O(protected_resource_conditions.string_equals[].value).
        type: list
        elements: dict
        suboptions:
          key:
            description: The tag key.
            type: str
            required: true
          value:
            description: The tag value.
            type: str
            required: true
      string_not_equals:
        description: The table's tag must not have this value.
        type: list
        elements: dict
        suboptions:
          key:
            description: The tag key.
            type: str
            required: true
          value:
            description: The tag value.
            type: str
            required: true
  iam_role_arn:
    description:
      - The ARN of the IAM role AWS Backup restores with; it must trust C(backup.amazonaws.com).
      - One of O(iam_role_arn) and O(iam_role_name) is required to create a selection.
    type: str
  iam_role_name:
    description:
      - The name of that role in the account of the connection, instead of O(iam_role_arn).
    type: str
  restore_metadata_overrides:
    description:
      - Restore metadata that replaces what AWS Backup infers. For DynamoDB, only V(encryptionType)
        (V(Default) or V(KMS)) and V(kmsMasterKeyArn) (keys in any case).
      - V({}) removes every override.
    type: dict
  validation_window_hours:
    description:
      - Hours (0 to 168) the restored table is kept for a validation result before AWS Backup deletes it.
        V(0) deletes it when the restore completes.
    type: int
notes:
  - Options are checked before any AWS call; a bad name, a wrong metadata key, conditions next to specific
    tables or a window out of range fail naming the option.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change and writes nothing.
  diff_mode:
    support: full
    description: Returns the selection before and after (V({}) when it does not exist).
seealso:
  - module: backupkit.dynamodb.backup_restore_testing_plan
"""

EXAMPLES = r"""
- name: Test the orders table, keeping the restored table 4 hours for validation
  backupkit.dynamodb.backup_restore_testing_selection:
    restore_testing_plan_name: daily_dynamodb_restore_test
    name: orders
    protected_resource_arns: [orders]
    iam_role_name: AWSBackupDefaultServiceRole
    validation_window_hours: 4

- name: Test every table tagged restore-test=yes, restored with a KMS key
  backupkit.dynamodb.backup_restore_testing_selection:
    restore_testing_plan_name: daily_dynamodb_restore_test
    name: tagged_tables
    protected_resource_conditions:
      string_equals:
        - key: aws:ResourceTag/restore-test
          value: "yes"
    iam_role_arn: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
    restore_metadata_overrides:
      encryptionType: KMS
      kmsMasterKeyArn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab

- name: Remove a selection
  backupkit.dynamodb.backup_restore_testing_selection:
    restore_testing_plan_name: daily_dynamodb_restore_test
    name: orders
    state: absent
"""

RETURN = r"""
recreated:
  description: Whether the change deleted the selection and created it again (see the description).
  returned: when state=present
  type: bool
  sample: false
restore_testing_selection:
  description: The selection after the task (in check mode, as it would be; V({}) when there is none).
  returned: always
  type: dict
  contains:
    name:
      description: The selection's name.
      type: str
      returned: when the selection exists
      sample: orders
    restore_testing_plan_name:
      description: Its plan.
      type: str
      returned: when the selection exists
      sample: daily_dynamodb_restore_test
    protected_resource_type:
      description: The type of resource.
      type: str
      returned: when the selection exists
      sample: DynamoDB
    protected_resource_arns:
      description: The tables tested, as ARNs (sorted), or V(["*"]).
      type: list
      elements: str
      returned: when the selection exists
      sample: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"]
    protected_resource_conditions:
      description: The tag conditions, as O(protected_resource_conditions) (sorted; V({}) when none).
      type: dict
      returned: when the selection exists
      sample: {"string_equals": [{"key": "aws:ResourceTag/restore-test", "value": "yes"}]}
    iam_role_arn:
      description: The role AWS Backup restores with.
      type: str
      returned: when the selection exists
      sample: arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole
    restore_metadata_overrides:
      description: The metadata overrides.
      type: dict
      returned: when the selection exists
      sample: {}
    validation_window_hours:
      description: Hours the restored table is kept.
      type: int
      returned: when the selection exists
      sample: 4
    creation_time:
      description: When the selection was created (ISO 8601; V(null) in check mode before it is).
      type: str
      returned: when the selection exists
      sample: "2026-12-07T22:00:00.000000+00:00"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import ensure_selection_absent
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import ensure_selection_present
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import selection_input_problems


def main():
    condition = dict(
        type="list",
        elements="dict",
        options=dict(key=dict(type="str", required=True, no_log=False), value=dict(type="str", required=True)),
    )
    argument_spec = dict(
        restore_testing_plan_name=dict(type="str", required=True),
        name=dict(type="str", required=True, aliases=["restore_testing_selection_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        protected_resource_type=dict(type="str", choices=["DynamoDB"], default="DynamoDB"),
        protected_resource_arns=dict(type="list", elements="str"),
        protected_resource_conditions=dict(
            type="dict", options=dict(string_equals=dict(condition), string_not_equals=dict(condition))
        ),
        iam_role_arn=dict(type="str"),
        iam_role_name=dict(type="str"),
        restore_metadata_overrides=dict(type="dict"),
        validation_window_hours=dict(type="int"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["iam_role_arn", "iam_role_name"]],
        supports_check_mode=True,
    )
    run_module(module, ensure_selection_present, ensure_selection_absent, input_problems=selection_input_problems)


if __name__ == "__main__":
    main()
