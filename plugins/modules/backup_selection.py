#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_selection
short_description: Create, replace and delete AWS Backup selections
version_added: 0.1.0
description:
  - Manages AWS Backup selections (resource assignments) - the resources a backup plan protects
    and the IAM role AWS Backup uses to back them up.
  - A drop-in replacement for M(amazon.aws.backup_selection) - the same options, aliases, defaults and
    return values - that also takes DynamoDB table names (O(dynamodb_tables)) and an IAM role name
    (O(iam_role_name)).
  - AWS has no call that updates a selection. When the selection differs from the one requested it is
    deleted and created again; the result then has RV(replaced=true), the old selection's id in
    RV(replaced_selection_id) and the new one in RV(backup_selection.selection_id).
  - The comparison is semantic - O(resources) and O(not_resources) are sets, O(list_of_tags) is a set of
    (type, key, value) and each list of O(conditions) a set of (key, value) - so the order of list entries
    never causes a replacement. Tag keys and values are compared and sent exactly as given.
  - A role that IAM has just created is often refused by AWS Backup for a few seconds (the role
    V(cannot be assumed) or is V(not authorized)). Creating the selection is retried for up to 60 seconds
    while AWS answers that.
  - AWS allows several selections of one name in a plan (two runs at once can create them). With
    O(state=present) the module keeps one - the one already as requested, if any - and deletes the others
    (changed, RV(msg) names their ids); with O(state=absent) it deletes them all.
  - Bad input is refused before any AWS call, naming the option - O(resources) and O(not_resources) that
    are not ARNs, O(dynamodb_tables) that are neither table names nor table ARNs, O(list_of_tags) entries
    without a key or a value, and a selection with nothing to select.
  - For more information see the AWS documentation for backup selections
    U(https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  backup_plan_name:
    description:
      - The name of the backup plan the selection belongs to.
      - With O(state=present) the plan must exist. With O(state=absent) a plan that does not exist
        means there is nothing to delete.
    required: true
    type: str
    aliases:
      - plan_name
  backup_selection_name:
    description:
      - The display name of a resource selection document. Must contain 1 to 50 alphanumeric or '-_.' characters.
      - Identifies the selection within the plan.
    required: true
    type: str
    aliases:
      - selection_name
  iam_role_arn:
    description:
      - The ARN of the IAM role that AWS Backup uses to authenticate when backing up the target resources.
      - One of O(iam_role_arn) and O(iam_role_name) is required with O(state=present).
    type: str
  iam_role_name:
    description:
      - The name of the IAM role that AWS Backup uses, looked up with IAM C(GetRole) to find its ARN.
      - Mutually exclusive with O(iam_role_arn). A role that does not exist is an error, and nothing is changed.
    type: str
    version_added: 0.1.0
  resources:
    description:
      - A list of Amazon Resource Names (ARNs) to assign to the backup plan. The maximum number of ARNs is 500 without
        wildcards, or 30 ARNs with wildcards.
      - Merged with the ARNs of O(dynamodb_tables).
    type: list
    elements: str
  dynamodb_tables:
    description:
      - Names of DynamoDB tables to assign to the backup plan.
      - Each name becomes the table's ARN in the account of the credentials (from STS C(GetCallerIdentity)) and the
        region of the connection, C(arn:<partition>:dynamodb:<region>:<account>:table/<name>), and is merged with
        O(resources). An entry that already is an ARN (starts with C(arn:)) is used as it is.
      - Writing the same table by name here or by ARN in O(resources) is the same selection.
    type: list
    elements: str
    version_added: 0.1.0
  list_of_tags:
    description:
      - A list of conditions that you define to assign resources to your backup plans using tags.
      - Condition operators are case sensitive.
      - When you specify more than one condition in O(list_of_tags), you assign all resources that match AT LEAST ONE
        condition (using OR logic).
    type: list
    elements: dict
    suboptions:
      condition_type:
        description:
          - An operation applied to a key-value pair used to assign resources to your backup plan.
          - Condition only supports V(STRINGEQUALS), which is used when this is not set.
        type: str
      condition_key:
        description:
          - The key in a key-value pair (the tag key, used exactly as given).
        type: str
      condition_value:
        description:
          - The value in a key-value pair (the tag value, used exactly as given).
        type: str
  not_resources:
    description:
      - A list of Amazon Resource Names (ARNs) to exclude from the backup plan. The maximum number of ARNs is 500
        without wildcards, or 30 ARNs with wildcards.
    type: list
    elements: str
  conditions:
    description:
      - A list of conditions (expressed as a dict) that you define to assign resources to your backup plans using tags.
      - When you specify more than one condition in O(conditions), you only assign the resources that match ALL
        conditions (using AND logic).
      - O(conditions) supports V(string_equals), V(string_like), V(string_not_equals), and V(string_not_like).
        O(list_of_tags) only supports V(string_equals).
      - Condition types left out are empty, which is what AWS returns for them.
    type: dict
    suboptions:
      string_equals:
        description:
          - Filters the values of your tagged resources for only those resources that you tagged with the same value.
        type: list
        default: []
        elements: dict
        suboptions:
          condition_key:
            description:
              - The key in a key-value pair.
              - It must use the AWS resource tag prefix, for example C(aws:ResourceTag/key-name).
            type: str
          condition_value:
            description: The value in a key-value pair.
            type: str
      string_like:
        description:
          - Filters the values of your tagged resources for matching tag values with the use of a wildcard character
            (*) anywhere in the string. For example, "prod*" or "*rod*" matches the tag value "production".
        type: list
        default: []
        elements: dict
        suboptions:
          condition_key:
            description:
              - The key in a key-value pair.
              - It must use the AWS resource tag prefix, for example C(aws:ResourceTag/key-name).
            type: str
          condition_value:
            description: The value in a key-value pair.
            type: str
      string_not_equals:
        description:
          - Filters the values of your tagged resources for only those resources that you tagged that do not have the
            same value.
        type: list
        default: []
        elements: dict
        suboptions:
          condition_key:
            description:
              - The key in a key-value pair.
              - It must use the AWS resource tag prefix, for example C(aws:ResourceTag/key-name).
            type: str
          condition_value:
            description: The value in a key-value pair.
            type: str
      string_not_like:
        description:
          - Filters the values of your tagged resources for non-matching tag values with the use of a wildcard
            character (*) anywhere in the string.
        type: list
        default: []
        elements: dict
        suboptions:
          condition_key:
            description:
              - The key in a key-value pair.
              - It must use the AWS resource tag prefix, for example C(aws:ResourceTag/key-name).
            type: str
          condition_value:
            description: The value in a key-value pair.
            type: str
  state:
    description:
      - Create (or replace) the selection, or delete it.
      - V(absent) succeeds without a change when the selection or its plan does not exist.
    default: present
    choices: ['present', 'absent']
    type: str
notes:
  - Every selection of the plan is read, across all pages of C(ListBackupSelections).
  - With O(state=absent), every selection of the plan with the name O(backup_selection_name) is deleted.
  - Permissions used - C(backup:ListBackupPlans), C(backup:ListBackupSelections), C(backup:GetBackupSelection),
    C(backup:CreateBackupSelection), C(backup:DeleteBackupSelection), C(iam:PassRole) on the role,
    C(iam:GetRole) with O(iam_role_name) and C(sts:GetCallerIdentity) with O(dynamodb_tables).
seealso:
  - module: amazon.aws.backup_selection
  - module: amazon.aws.backup_selection_info
  - module: amazon.aws.backup_plan
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change and returns the predicted selection; writes nothing.
  diff_mode:
    support: full
    description: Returns the normalised selection before and after (empty when there is none).
"""

EXAMPLES = r"""
- name: Back up two DynamoDB tables with the plan, using the role by name
  backupkit.dynamodb.backup_selection:
    backup_plan_name: dynamodb-daily
    backup_selection_name: orders-tables
    iam_role_name: backup-service-role
    dynamodb_tables:
      - orders
      - order-lines

- name: Create a backup selection, drop-in for amazon.aws.backup_selection
  backupkit.dynamodb.backup_selection:
    selection_name: elastic
    backup_plan_name: test-backup-plan
    iam_role_arn: arn:aws:iam::111122223333:role/system-backup
    resources:
      - arn:aws:elasticfilesystem:*:*:file-system/*

- name: Assign every resource tagged "Backup Policy=daily"
  backupkit.dynamodb.backup_selection:
    selection_name: tagged-daily
    backup_plan_name: dynamodb-daily
    iam_role_name: backup-service-role
    list_of_tags:
      - condition_type: STRINGEQUALS
        condition_key: Backup Policy
        condition_value: daily

- name: All DynamoDB tables of the account tagged as production, except one
  backupkit.dynamodb.backup_selection:
    selection_name: prod-tables
    backup_plan_name: dynamodb-daily
    iam_role_name: backup-service-role
    resources:
      - "arn:aws:dynamodb:*:*:table/*"
    not_resources:
      - arn:aws:dynamodb:us-east-1:111122223333:table/scratch
    conditions:
      string_equals:
        - condition_key: aws:ResourceTag/Environment
          condition_value: production

- name: Remove the selection (no change if it, or its plan, is already gone)
  backupkit.dynamodb.backup_selection:
    selection_name: orders-tables
    backup_plan_name: dynamodb-daily
    state: absent
"""

RETURN = r"""
backup_selection:
  description:
    - The backup selection after the change (in check mode, as it would be). Empty with O(state=absent).
    - List values are sorted and without duplicates.
  returned: always
  type: dict
  contains:
    backup_plan_id:
      description: ID of the backup plan.
      returned: when the selection exists or would be created
      type: str
      sample: "1111f877-1ecf-4d79-9718-a861cd09df3b"
    creation_date:
      description: Creation date of the backup selection.
      returned: when the selection exists (not in check mode when it would be created)
      type: str
      sample: '2023-01-24T10:08:03.193000+01:00'
    creator_request_id:
      description: The idempotency token of the request that created the selection.
      returned: when AWS returns one
      type: str
      sample: "d2f0f1b5-3f40-4f0e-9f5b-4f1c5c9b8f1e"
    iam_role_arn:
      description: The ARN of the IAM role that Backup uses to authenticate when backing up the target resource.
      returned: when the selection exists or would be created
      type: str
      sample: "arn:aws:iam::111122223333:role/system-backup"
    selection_id:
      description: Backup selection id.
      returned: when the selection exists (not in check mode when it would be created)
      type: str
      sample: "1111c217-5d71-4a55-8728-5fc4e63d437b"
    selection_name:
      description: The display name of a resource selection document.
      returned: when the selection exists or would be created
      type: str
      sample: elastic
    conditions:
      description: Conditions that define how resources are assigned to the backup plan using tags (AND logic).
      returned: when the selection exists or would be created
      type: dict
      sample: {
                "string_equals": [],
                "string_like": [],
                "string_not_equals": [],
                "string_not_like": []
            }
      contains:
        string_equals:
          description: Filters the values of tagged resources for only those resources that are tagged with the same value.
          returned: always
          type: list
          elements: dict
          sample: [{"condition_key": "aws:ResourceTag/Environment", "condition_value": "production"}]
        string_like:
          description: Filters the values of tagged resources for matching tag values with the use of a wildcard character (*) anywhere in the string.
          returned: always
          type: list
          elements: dict
          sample: []
        string_not_equals:
          description: Filters the values of tagged resources for only those resources that are not tagged with the same value.
          returned: always
          type: list
          elements: dict
          sample: []
        string_not_like:
          description: Filters the values of tagged resources for non-matching tag values with the use of a wildcard character (*) anywhere in the string.
          returned: always
          type: list
          elements: dict
          sample: []
    list_of_tags:
      description: Conditions defined to assign resources to the backup plans using tags (OR logic).
      returned: when the selection exists or would be created
      type: list
      elements: dict
      sample: [
                {
                    "condition_key": "Environment",
                    "condition_type": "STRINGEQUALS",
                    "condition_value": "Dev"
                }
            ]
      contains:
        condition_key:
          description: The key in a key-value pair.
          returned: always
          type: str
          sample: "Environment"
        condition_type:
          description: An operation applied to a key-value pair used to assign resources to backup plan.
          returned: always
          type: str
          sample: "STRINGEQUALS"
        condition_value:
          description: The value in a key-value pair.
          returned: always
          type: str
          sample: "Dev"
    not_resources:
      description: List of Amazon Resource Names (ARNs) that are excluded from the backup plan.
      returned: when the selection exists or would be created
      type: list
      elements: str
      sample: []
    resources:
      description:
        - List of Amazon Resource Names (ARNs) that are assigned to the backup plan.
        - Includes the ARNs of O(dynamodb_tables).
      returned: when the selection exists or would be created
      type: list
      elements: str
      sample: ["arn:aws:dynamodb:us-east-1:111122223333:table/orders"]
exists:
  description: Whether the selection exists after the run (in check mode, would exist).
  returned: always
  type: bool
  sample: true
replaced:
  description:
    - Whether an existing selection with the same name was (or in check mode, would be) deleted and created again
      because it differed from the one requested.
  returned: always
  type: bool
  sample: false
replaced_selection_id:
  description: The id of the selection that was (or would be) deleted to be replaced.
  returned: when RV(replaced) is true
  type: str
  sample: "1111c217-5d71-4a55-8728-5fc4e63d437b"
current_selection:
  description:
    - The selection as it was before the run, in AWS's own field names, as M(amazon.aws.backup_selection)
      returns it. An empty list when there was none.
  returned: always
  type: list
  elements: dict
  sample: [{
      "BackupPlanId": "1111f877-1ecf-4d79-9718-a861cd09df3b",
      "SelectionId": "1111c217-5d71-4a55-8728-5fc4e63d437b",
      "SelectionName": "elastic",
      "IamRoleArn": "arn:aws:iam::111122223333:role/system-backup",
      "CreationDate": "2023-01-24T10:08:03.193000+01:00",
      "Resources": ["arn:aws:elasticfilesystem:*:*:file-system/*"],
      "ListOfTags": [],
      "NotResources": [],
      "Conditions": {"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []}
  }]
msg:
  description: What check mode would have done.
  returned: in check mode, when something would change
  type: str
  sample: Would have created selection if not in check mode
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_selection import ensure_absent
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_selection import ensure_present
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_selection import input_problems
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module


def condition_parameters():
    return dict(
        type="list",
        default=[],
        elements="dict",
        options=dict(
            condition_key=dict(type="str", no_log=False),
            condition_value=dict(type="str"),
        ),
    )


def main():
    argument_spec = dict(
        backup_selection_name=dict(type="str", required=True, aliases=["selection_name"]),
        backup_plan_name=dict(type="str", required=True, aliases=["plan_name"]),
        iam_role_arn=dict(type="str"),
        iam_role_name=dict(type="str"),
        resources=dict(type="list", elements="str"),
        dynamodb_tables=dict(type="list", elements="str"),
        conditions=dict(
            type="dict",
            options=dict(
                string_equals=condition_parameters(),
                string_like=condition_parameters(),
                string_not_equals=condition_parameters(),
                string_not_like=condition_parameters(),
            ),
        ),
        not_resources=dict(type="list", elements="str"),
        list_of_tags=dict(
            type="list",
            elements="dict",
            options=dict(
                condition_type=dict(type="str"),
                condition_key=dict(type="str", no_log=False),
                condition_value=dict(type="str"),
            ),
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("iam_role_arn", "iam_role_name")],
        required_if=[("state", "present", ("iam_role_arn", "iam_role_name"), True)],
        supports_check_mode=True,
    )
    run_module(module, ensure_present, ensure_absent, input_problems)


if __name__ == "__main__":
    main()
