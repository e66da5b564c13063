#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_plan
short_description: Manage AWS Backup plans
version_added: 0.1.0
description:
  - Creates, updates and deletes AWS Backup plans. A plan says when AWS Backup backs up the resources
    a backup selection assigns to it, into which vault, for how long, and where it copies them.
  - A drop-in replacement for M(amazon.aws.backup_plan) with the same options, aliases, defaults and
    return values; a playbook moves over by changing the module's name.
  - The plan is compared with what is asked for semantically. AWS's defaults are filled in on both
    sides, server-owned fields (rule ids, version ids, dates) are ignored, rules are matched by
    O(rules[].rule_name) so their order does not matter, copy actions are compared as a set, and tag keys
    and recovery point tag keys are kept exactly as written.
  - A change of the plan calls C(UpdateBackupPlan) once, which makes a new plan version
    (RV(version_id) changes). Tags are changed with C(TagResource) and C(UntagResource), which
    make no new version.
  - The options are checked before any call to AWS; each message names the rule and the field.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  state:
    description:
      - V(present) creates the plan or updates it to match; V(absent) deletes it.
    type: str
    default: present
    choices: ['present', 'absent']
  backup_plan_name:
    description:
      - The display name of the backup plan, 1 to 50 letters, digits or C(-_.) characters.
      - AWS allows several plans with the same name. When more than one plan has this name, the
        module fails and lists their ids; choose one with O(backup_plan_id).
      - Required unless O(backup_plan_id) is given. A plan cannot be renamed.
    type: str
    aliases: ['name']
  backup_plan_id:
    description:
      - The id of the backup plan to manage, to choose between plans that share a name.
      - The plan must exist when O(state=present); the module does not create a plan with a given id.
      - When O(backup_plan_name) is given too, it must be the name of this plan.
    type: str
  rules:
    description:
      - The backup rules of the plan, each a scheduled backup of the resources assigned to the plan.
      - Required when O(state=present); a plan has at least one rule.
      - The plan's rules are replaced by these; a rule left out is removed from the plan.
    type: list
    elements: dict
    suboptions:
      rule_name:
        description:
          - The name of the rule, 1 to 50 letters, digits or C(-_.) characters, unique in the plan.
          - Rules are matched by name, so reordering rules changes nothing.
        type: str
        required: true
      target_backup_vault_name:
        description:
          - The name of the backup vault this rule's backups are stored in.
          - The vault must exist when the plan is created or updated (AWS accepts a plan into a vault that does
            not); in check mode a missing vault is neither an error nor a warning, since an earlier task may create
            it, and RV(missing_target_vaults) names it.
        type: str
        required: true
      schedule_expression:
        description:
          - When AWS Backup starts a backup job, as a cron expression in AWS's six-field form
            C(cron(minutes hours day-of-month month day-of-week year)), where exactly one of
            day-of-month and day-of-week is C(?).
          - AWS Backup takes cron expressions only; C(rate()) expressions are refused.
        type: str
        default: 'cron(0 5 ? * * *)'
      schedule_expression_timezone:
        description:
          - The time zone of O(rules[].schedule_expression), for example V(Europe/Paris).
          - An IANA time zone name; checked before any call to AWS.
        type: str
        default: 'Etc/UTC'
      start_window_minutes:
        description:
          - Minutes after the scheduled time within which the backup job must start, or it is
            cancelled. At least V(60).
        type: int
        default: 480
      completion_window_minutes:
        description:
          - Minutes after the job starts within which it must complete, or it is cancelled.
            Must be longer than O(rules[].start_window_minutes).
        type: int
        default: 10080
      lifecycle:
        description:
          - When the rule's recovery points move to cold storage and when they are deleted.
            Without a lifecycle AWS keeps them forever.
          - A backup moved to cold storage stays there at least 90 days, so
            O(rules[].lifecycle.delete_after_days) must be at least
            O(rules[].lifecycle.move_to_cold_storage_after_days) + 90.
          - DynamoDB backups move to cold storage only when advanced DynamoDB backup is turned on in the
            region (M(backupkit.dynamodb.backup_region_settings)); the module warns when it is off.
        type: dict
        suboptions:
          move_to_cold_storage_after_days:
            description:
              - Days after creation that a recovery point moves to cold storage.
              - Not allowed with O(rules[].enable_continuous_backup=true).
            type: int
          delete_after_days:
            description:
              - Days after creation that a recovery point is deleted.
            type: int
          opt_in_to_archive_for_supported_resources:
            description:
              - Move supported resource types to the archive (cold) tier according to this lifecycle.
              - Not in M(amazon.aws.backup_plan).
            type: bool
      recovery_point_tags:
        description:
          - Tags AWS Backup puts on the recovery points this rule creates. Keys and values are kept
            exactly as written.
        type: dict
      copy_actions:
        description:
          - Copies of each recovery point to other vaults (other regions or accounts).
          - Compared as a set; their order does not matter.
        type: list
        elements: dict
        suboptions:
          destination_backup_vault_arn:
            description:
              - The ARN of the vault that receives the copy, V(arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME).
            type: str
            required: true
          lifecycle:
            description:
              - When the copies move to cold storage and when they are deleted.
              - When left out, the copy takes the rule's O(rules[].lifecycle) and the module warns;
                without it AWS would keep the copies forever.
            type: dict
            suboptions:
              move_to_cold_storage_after_days:
                description: Days after creation that a copy moves to cold storage.
                type: int
              delete_after_days:
                description:
                  - Days after creation that a copy is deleted, at least
                    O(rules[].copy_actions[].lifecycle.move_to_cold_storage_after_days) + 90.
                type: int
              opt_in_to_archive_for_supported_resources:
                description:
                  - Move supported resource types to the archive (cold) tier according to this lifecycle.
                  - Not in M(amazon.aws.backup_plan).
                type: bool
      enable_continuous_backup:
        description:
          - Whether AWS Backup makes continuous backups, which allow point-in-time restore, of the
            resource types that have them (Amazon RDS, Aurora, Amazon S3, SAP HANA on Amazon EC2).
          - AWS Backup has no continuous backup for DynamoDB; DynamoDB tables get snapshot backups from
            such a rule, and the module warns.
          - Continuous backups never move to cold storage and are kept 1 to 35 days.
        type: bool
        default: false
  advanced_backup_settings:
    description:
      - Advanced backup settings per resource type. AWS offers them only for Windows VSS backups of
        Amazon EC2 instances.
    type: list
    elements: dict
    suboptions:
      resource_type:
        description: The resource type the settings are for.
        type: str
        choices: ['EC2']
      backup_options:
        description: The backup options of the resource type.
        type: dict
        suboptions:
          WindowsVSS:
            description: Whether Windows VSS backups are made.
            type: str
            choices: ['enabled', 'disabled']
  creator_request_id:
    description:
      - Identifies the create request, so that a failed request can be retried without creating two
        plans. Used only when the plan is created.
    type: str
  tags:
    description:
      - Tags of the backup plan. Keys and values are kept exactly as written.
      - When not given, the plan's tags are left as they are.
    type: dict
    aliases: ['resource_tags', 'backup_plan_tags']
  purge_tags:
    description:
      - Whether tags of the plan that are not in O(tags) are removed. Has no effect without O(tags).
      - Tag keys beginning with V(aws:) are never removed.
    type: bool
    default: true
notes:
  - O(backup_plan_id) and O(rules[].lifecycle.opt_in_to_archive_for_supported_resources) are not in
    M(amazon.aws.backup_plan).
  - Unlike M(amazon.aws.backup_plan), tag keys, recovery point tag keys and backup option keys are never
    case-converted, and AWS's defaults do not make a plan look changed.
  - Rule fields that this module does not manage (for example index or scan actions) are left out of
    the comparison and kept when a rule of the same name is updated.
seealso:
  - module: amazon.aws.backup_plan
  - module: amazon.aws.backup_plan_info
  - module: backupkit.dynamodb.backup_region_settings
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change and returns the predicted plan; writes nothing.
  diff_mode:
    support: full
    description: Returns the normalised plan (rules, advanced settings, tags) before and after.
"""

EXAMPLES = r"""
- name: Back up every night, keep backups a year, cold after a month
  backupkit.dynamodb.backup_plan:
    backup_plan_name: orders-daily
    rules:
      - rule_name: daily
        target_backup_vault_name: orders-vault
        schedule_expression: "cron(0 5 ? * * *)"
        start_window_minutes: 60
        completion_window_minutes: 180
        lifecycle:
          move_to_cold_storage_after_days: 31
          delete_after_days: 366
        recovery_point_tags:
          Application: orders
    tags:
      Owner: data-team
  register: plan

- name: Copy each backup to another region and keep the copies 35 days
  backupkit.dynamodb.backup_plan:
    backup_plan_name: orders-daily
    rules:
      - rule_name: daily
        target_backup_vault_name: orders-vault
        lifecycle:
          delete_after_days: 35
        copy_actions:
          - destination_backup_vault_arn: arn:aws:backup:eu-west-1:123456789012:backup-vault:orders-dr
            lifecycle:
              delete_after_days: 35

- name: Choose one of two plans that share a name
  backupkit.dynamodb.backup_plan:
    backup_plan_name: orders-daily
    backup_plan_id: 1111f877-1ecf-4d79-9718-a861cd09df3b
    rules:
      - rule_name: daily
        target_backup_vault_name: orders-vault

- name: Delete the plan
  backupkit.dynamodb.backup_plan:
    backup_plan_name: orders-daily
    state: absent
"""

RETURN = r"""
exists:
  description: Whether the plan exists after the task (in check mode, would exist).
  returned: always
  type: bool
  sample: true
backup_plan_name:
  description: The name of the backup plan.
  returned: always
  type: str
  sample: orders-daily
backup_plan_id:
  description: The id of the backup plan; null in check mode before the plan is created.
  returned: when the plan exists or existed
  type: str
  sample: 1111f877-1ecf-4d79-9718-a861cd09df3b
backup_plan_arn:
  description: The ARN of the backup plan; null in check mode before the plan is created.
  returned: when the plan exists or existed
  type: str
  sample: arn:aws:backup:eu-central-1:111122223333:backup-plan:1111f877-1ecf-4d79-9718-a861cd09df3b
version_id:
  description:
    - The version of the plan. An update makes a new version.
    - In check mode, the current version (the new one is not known before the update).
  returned: when the plan exists or existed
  type: str
  sample: ODM3MjVjNjItYWFkOC00NjExLWIwZTYtZDNiNGI5M2I0ZTY1
missing_target_vaults:
  description:
    - In check mode, when the plan would be created or changed, the target vaults of its rules that do not exist
      (yet). A real run fails on the first of them instead.
  returned: in check mode, when the plan would change
  type: list
  elements: str
  sample: [orders-vault]
creation_date:
  description: When this version of the plan was created.
  returned: when O(state=present) and the plan exists
  type: str
  sample: '2023-01-24T10:08:03.193000+01:00'
creator_request_id:
  description: The creator request id the plan was created with, if any.
  returned: when O(state=present)
  type: str
  sample: my-request-1
last_execution_date:
  description: When a backup job of the plan last ran, if ever.
  returned: when O(state=present)
  type: str
  sample: '2023-01-25T05:00:03.193000+01:00'
deletion_date:
  description: When the plan was deleted; null in check mode.
  returned: when O(state=absent) deleted the plan
  type: str
  sample: '2023-05-05T16:24:51.987000-04:00'
advanced_backup_settings:
  description: The advanced backup settings of the plan (the same as RV(backup_plan.advanced_backup_settings)).
  returned: when O(state=present)
  type: list
  elements: dict
  sample: [{"resource_type": "EC2", "backup_options": {"WindowsVSS": "enabled"}}]
tags:
  description: The tags of the plan, keys as written.
  returned: when O(state=present)
  type: dict
  sample: {"Owner": "data-team", "CamelCaseKey": "Value"}
backup_plan:
  description: The plan, normalised (AWS's defaults filled in).
  returned: when O(state=present)
  type: dict
  contains:
    backup_plan_name:
      description: The name of the plan.
      returned: always
      type: str
      sample: orders-daily
    rules:
      description: The rules of the plan.
      returned: always
      type: list
      elements: dict
      contains:
        rule_name:
          description: The name of the rule.
          returned: always
          type: str
          sample: daily
        rule_id:
          description: The id AWS gave the rule; null in check mode for a rule not created yet.
          returned: always
          type: str
          sample: 973621ef-d863-41ef-b5c3-9e943a64ad0c
        target_backup_vault_name:
          description: The vault the rule's backups go to.
          returned: always
          type: str
          sample: orders-vault
        schedule_expression:
          description: When backup jobs start.
          returned: always
          type: str
          sample: cron(0 5 ? * * *)
        schedule_expression_timezone:
          description: The time zone of the schedule.
          returned: always
          type: str
          sample: Etc/UTC
        start_window_minutes:
          description: Minutes within which a job must start.
          returned: always
          type: int
          sample: 480
        completion_window_minutes:
          description: Minutes within which a job must complete.
          returned: always
          type: int
          sample: 10080
        enable_continuous_backup:
          description: Whether the rule makes continuous backups.
          returned: always
          type: bool
          sample: false
        lifecycle:
          description: When recovery points move to cold storage and are deleted; empty when kept forever.
          returned: always
          type: dict
          sample: {"delete_after_days": 366, "move_to_cold_storage_after_days": 31}
        recovery_point_tags:
          description: Tags put on the recovery points, keys as written.
          returned: always
          type: dict
          sample: {"CamelCaseKey": "Value"}
        copy_actions:
          description: Copies made of each recovery point, sorted.
          returned: always
          type: list
          elements: dict
          sample: [{"destination_backup_vault_arn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr",
                    "lifecycle": {"delete_after_days": 35}}]
    advanced_backup_settings:
      description: Advanced backup settings of the plan; backup option keys as AWS spells them.
      returned: always
      type: list
      elements: dict
      sample: [{"resource_type": "EC2", "backup_options": {"WindowsVSS": "enabled"}}]
    tags:
      description: The tags of the plan (the same as RV(tags)).
      returned: always
      type: dict
      sample: {"Owner": "data-team"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_plan import ensure_absent
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_plan import ensure_present
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_plan import input_problems
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module

LIFECYCLE_OPTIONS = dict(
    move_to_cold_storage_after_days=dict(type="int"),
    delete_after_days=dict(type="int"),
    opt_in_to_archive_for_supported_resources=dict(type="bool"),
)

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    backup_plan_name=dict(type="str", aliases=["name"]),
    backup_plan_id=dict(type="str"),
    rules=dict(
        type="list",
        elements="dict",
        options=dict(
            rule_name=dict(type="str", required=True),
            target_backup_vault_name=dict(type="str", required=True),
            schedule_expression=dict(type="str", default="cron(0 5 ? * * *)"),
            schedule_expression_timezone=dict(type="str", default="Etc/UTC"),
            start_window_minutes=dict(type="int", default=480),
            completion_window_minutes=dict(type="int", default=10080),
            lifecycle=dict(type="dict", options=LIFECYCLE_OPTIONS),
            recovery_point_tags=dict(type="dict"),
            copy_actions=dict(
                type="list",
                elements="dict",
                options=dict(
                    destination_backup_vault_arn=dict(type="str", required=True),
                    lifecycle=dict(type="dict", options=LIFECYCLE_OPTIONS),
                ),
            ),
            enable_continuous_backup=dict(type="bool", default=False),
        ),
    ),
    advanced_backup_settings=dict(
        type="list",
        elements="dict",
        options=dict(
            resource_type=dict(type="str", choices=["EC2"]),
            backup_options=dict(
                type="dict",
                options=dict(WindowsVSS=dict(type="str", choices=["enabled", "disabled"])),
            ),
        ),
    ),
    creator_request_id=dict(type="str"),
    tags=dict(type="dict", aliases=["resource_tags", "backup_plan_tags"]),
    purge_tags=dict(type="bool", default=True),
)


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[("state", "present", ["rules"])],
        required_one_of=[["backup_plan_name", "backup_plan_id"]],
        supports_check_mode=True,
    )
    run_module(module, ensure_present, ensure_absent, input_problems)


if __name__ == "__main__":
    main()
