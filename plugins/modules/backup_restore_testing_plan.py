#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_restore_testing_plan
short_description: Manage an AWS Backup restore testing plan
version_added: 0.1.0
description:
  - Creates, updates and deletes an AWS Backup restore testing plan. On its schedule, AWS Backup picks recovery
    points of the resources that the plan's restore testing selections name (see
    M(backupkit.dynamodb.backup_restore_testing_selection)) and restores them into new resources - for
    DynamoDB, a new table named C(awsbackup-restore-test-) followed by a random value - which it deletes again
    after the selection's validation window.
  - The plan is found by its name, which AWS does not allow to change.
  - An option left out keeps what the plan has (for a new plan, AWS's default).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  name:
    description:
      - The name of the restore testing plan, 1 to 50 letters, digits and underscores.
    type: str
    required: true
    aliases: [restore_testing_plan_name]
  state:
    description:
      - V(present) creates or updates the plan, V(absent) deletes it.
      - AWS deletes a plan only when it has no selections left; the task fails (and deletes nothing) otherwise.
    type: str
    choices: [present, absent]
    default: present
  schedule_expression:
    description:
      - When the plan runs, as an AWS cron expression, for example V(cron(0 6 ? * * *)). AWS Backup takes
        no rate expressions here.
      - Required to create a plan.
    type: str
  schedule_expression_timezone:
    description:
      - The IANA time zone of O(schedule_expression), for example V(Europe/Paris). AWS's default is V(Etc/UTC).
    type: str
  start_window_hours:
    description:
      - Hours (1 to 168) after a scheduled run within which the restore job must start. AWS's default is 24.
    type: int
  recovery_point_selection:
    description:
      - Which recovery points the plan restores. Required to create a plan; given whole, it replaces the plan's.
    type: dict
    suboptions:
      algorithm:
        description:
          - V(LATEST_WITHIN_WINDOW) restores the newest recovery point of each resource in the window,
            V(RANDOM_WITHIN_WINDOW) one chosen at random.
        type: str
        choices: [LATEST_WITHIN_WINDOW, RANDOM_WITHIN_WINDOW]
        required: true
      include_vaults:
        description:
          - The vaults whose recovery points may be restored, as vault ARNs (C(*) wildcards allowed), vault
            names of the account and Region of the connection, or V(*) for every vault.
        type: list
        elements: str
        required: true
      exclude_vaults:
        description:
          - Vaults (ARNs or names) whose recovery points are never restored.
        type: list
        elements: str
      recovery_point_types:
        description:
          - The kinds of recovery point restored. DynamoDB tables have V(SNAPSHOT) recovery points only.
        type: list
        elements: str
        choices: [SNAPSHOT, CONTINUOUS]
        required: true
      selection_window_days:
        description:
          - How many days back (1 to 365) recovery points are chosen from.
        type: int
        default: 30
  tags:
    description:
      - Tags of the plan. V(null) leaves the tags as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags of the plan that O(tags) does not name.
    type: bool
    default: true
notes:
  - Options are checked before any AWS call; a bad schedule, time zone or number fails naming the option.
  - The plan does nothing until it has a selection (M(backupkit.dynamodb.backup_restore_testing_selection)).
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
    description: Returns the plan before and after (V({}) when it does not exist).
seealso:
  - module: backupkit.dynamodb.backup_restore_testing_selection
  - module: backupkit.dynamodb.backup_vault
"""

EXAMPLES = r"""
- name: Test a restore of the newest DynamoDB backup of the vault every day at 06:00 Paris time
  backupkit.dynamodb.backup_restore_testing_plan:
    name: daily_dynamodb_restore_test
    schedule_expression: cron(0 6 ? * * *)
    schedule_expression_timezone: Europe/Paris
    start_window_hours: 4
    recovery_point_selection:
      algorithm: LATEST_WITHIN_WINDOW
      include_vaults: [dynamodb-backups]
      recovery_point_types: [SNAPSHOT]
      selection_window_days: 7
    tags:
      team: data

- name: Delete it (its selections first)
  backupkit.dynamodb.backup_restore_testing_plan:
    name: daily_dynamodb_restore_test
    state: absent
"""

RETURN = r"""
restore_testing_plan:
  description: The plan after the task (in check mode, as it would be; V({}) when there is none).
  returned: always
  type: dict
  contains:
    name:
      description: The plan's name.
      type: str
      returned: when the plan exists
      sample: daily_dynamodb_restore_test
    arn:
      description: The plan's ARN (V(null) in check mode before it is created).
      type: str
      returned: when the plan exists
      sample: arn:aws:backup:us-east-1:123456789012:restore-testing-plan:daily_dynamodb_restore_test-1a2b3c
    schedule_expression:
      description: When the plan runs.
      type: str
      returned: when the plan exists
      sample: cron(0 6 ? * * *)
    schedule_expression_timezone:
      description: The time zone of the schedule.
      type: str
      returned: when the plan exists
      sample: Europe/Paris
    start_window_hours:
      description: Hours within which a restore job must start.
      type: int
      returned: when the plan exists
      sample: 4
    recovery_point_selection:
      description: Which recovery points are restored; vaults as ARNs, sorted.
      type: dict
      returned: when the plan exists
      sample: {"algorithm": "LATEST_WITHIN_WINDOW", "include_vaults": ["arn:aws:backup:us-east-1:123456789012:backup-vault:dynamodb-backups"],
               "exclude_vaults": [], "recovery_point_types": ["SNAPSHOT"], "selection_window_days": 7}
    tags:
      description: The plan's tags.
      type: dict
      returned: when the plan exists
      sample: {"team": "data"}
    creation_time:
      description: When the plan was created (ISO 8601).
      type: str
      returned: when the plan exists
      sample: "2026-12-07T22:00:00.000000+00:00"
    last_execution_time:
      description: When the plan last ran (ISO 8601), V(null) before its first run.
      type: str
      returned: when the plan exists
      sample: "2026-12-08T05:00:00.000000+00:00"
    last_update_time:
      description: When the plan was last updated (ISO 8601), V(null) if never.
      type: str
      returned: when the plan exists
      sample: null
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import ALGORITHMS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import DEFAULT_SELECTION_WINDOW_DAYS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import RECOVERY_POINT_TYPES
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import ensure_plan_absent
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import ensure_plan_present
from ansible_collections.backupkit.dynamodb.plugins.module_utils._restore_testing import plan_input_problems


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["restore_testing_plan_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        schedule_expression=dict(type="str"),
        schedule_expression_timezone=dict(type="str"),
        start_window_hours=dict(type="int"),
        recovery_point_selection=dict(
            type="dict",
            options=dict(
                algorithm=dict(type="str", choices=list(ALGORITHMS), required=True),
                include_vaults=dict(type="list", elements="str", required=True),
                exclude_vaults=dict(type="list", elements="str"),
                recovery_point_types=dict(type="list", elements="str", choices=list(RECOVERY_POINT_TYPES), required=True),
                selection_window_days=dict(type="int", default=DEFAULT_SELECTION_WINDOW_DAYS),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, ensure_plan_present, ensure_plan_absent, input_problems=plan_input_problems)


if __name__ == "__main__":
    main()
