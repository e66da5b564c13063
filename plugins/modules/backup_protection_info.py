#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_protection_info
short_description: Tell, for every DynamoDB table, how AWS Backup protects it and which controls it fails
version_added: 0.2.0
description:
  - For every DynamoDB table of the account and region (or the tables of O(tables)) returns which backup plans
    and rules cover it, evaluating the plans' selections as AWS Backup does (C(Resources) ARN patterns with
    C(*), C(NotResources), C(ListOfTags) of which any may match, C(Conditions) of which all must hold, and
    whether DynamoDB is opted in in the region), with the effective frequency (the longest gap between two
    runs of the rule's cron or rate expression) and the retention of each rule.
  - The last backup job and the jobs of the last O(job_days) days by state; the recovery points (count,
    newest, oldest, vaults, storage classes, lifecycle, encryption keys, and how many were made on each of the
    last O(strip_days) days); the lock of each vault used and whether its access policy denies
    C(backup:DeleteRecoveryPoint); point-in-time recovery and deletion protection; the last restore.
  - The findings are controls modelled on AWS Backup Audit Manager's, each V(COMPLIANT), V(NON_COMPLIANT) or
    V(NOT_APPLICABLE) with the reason in words. O(controls) sets their parameters or turns them off.
  - AWS Backup is read with list calls paged once per account and region (and one call per plan, selection
    and vault), never per table; DynamoDB is read with C(ListTables), then per table C(DescribeTable) and
    C(DescribeContinuousBackups) (DynamoDB has no batch call for them), and C(ListTagsOfResource) only when a
    selection chooses by tags.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  tables:
    description:
      - Only these tables, by name. By default every table of the account and region.
      - A name that does not exist is left out of RV(tables).
    type: list
    elements: str
  controls:
    description:
      - Controls to change, by name; the others keep their defaults. A dictionary sets parameters (and turns
        the control on), V(false) turns it off, V(true) turns it on with its default parameters.
      - V(BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN) - a selection of some plan chooses the table.
      - V(BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK) - some rule covering the table runs at least every
        C(requiredFrequencyValue) C(requiredFrequencyUnit) (V(hours) or V(days); default 1 day) and keeps
        backups at least C(requiredRetentionDays) (default 35).
      - V(BACKUP_LAST_RECOVERY_POINT_CREATED) - the newest completed recovery point is at most
        C(recoveryPointAgeValue) C(recoveryPointAgeUnit) old (default 1 day).
      - V(BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK) - every recovery point is kept at least
        C(requiredRetentionDays) (default 35).
      - V(BACKUP_RECOVERY_POINT_ENCRYPTED) - every recovery point is encrypted.
      - V(BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED) - the access policy of every vault used denies
        C(backup:DeleteRecoveryPoint) to every principal (conditions such as break-glass exceptions allowed).
      - V(BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK) - every vault used has a vault lock, with at least
        C(minRetentionDays) and at most C(maxRetentionDays) when given.
      - V(BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION) / V(BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT) - a rule
        copies the backups to a region of C(crossRegionList) / an account of C(crossAccountList)
        (V(NOT_APPLICABLE) while the list is empty).
      - V(RESTORE_TIME_FOR_RESOURCES_MEET_TARGET) - the last completed restore took at most C(maxRestoreTime)
        minutes (V(NOT_APPLICABLE) without a target or a restore).
      - V(BACKUP_NO_FAILED_JOBS) - no backup job of the table failed, was aborted or expired in the last
        C(days) days (default 7).
      - V(DYNAMODB_PITR_ENABLED) - point-in-time recovery is on.
      - V(DYNAMODB_DELETION_PROTECTION_ENABLED) - deletion protection is on (off by default).
      - An unknown control or parameter fails the module and names it.
    type: dict
    default: {}
  job_days:
    description:
      - Days of backup jobs counted by state in RV(tables[].jobs_by_state).
      - The report reads the backup jobs of the longest of O(job_days), O(strip_days), 7 days (C(failed_jobs_7d) of RV(summary))
        and the C(days) of the V(BACKUP_NO_FAILED_JOBS) control, so that none of them undercounts.
    type: int
    default: 7
  strip_days:
    description: Days of C(by_day) in RV(tables[].recovery_points), oldest first, ending today.
    type: int
    default: 35
  now:
    description:
      - The time the report is made at, ISO 8601 (UTC when no offset is given); ages and windows count from it.
      - By default the current time. Set it to reproduce a report, or to the clock of a test endpoint.
    type: str
notes:
  - Tables that no longer exist are not reported, even when recovery points of them remain.
  - Recovery points are matched to a table by its ARN, so a table deleted and re-created under the same name
    keeps its history.
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
  - module: backupkit.dynamodb.backup_job_info
  - module: backupkit.dynamodb.backup_recovery_point_info
  - name: AWS Backup Audit Manager controls
    description: The controls the findings are modelled on.
    link: https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
"""

EXAMPLES = r"""
- name: How every table of the account and region is protected
  backupkit.dynamodb.backup_protection_info:
  register: protection

- name: Stop when a table fails a control
  ansible.builtin.assert:
    that: protection.summary.non_compliant == 0
    fail_msg: "{{ protection.tables | selectattr('status', 'eq', 'NON_COMPLIANT') | map(attribute='table_name') | list }}"

- name: Two tables, hourly backups required, copies to eu-west-1, no PITR check
  backupkit.dynamodb.backup_protection_info:
    tables: [orders, customers]
    controls:
      BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK:
        requiredFrequencyUnit: hours
        requiredFrequencyValue: 1
      BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION:
        crossRegionList: [eu-west-1]
      DYNAMODB_PITR_ENABLED: false
  register: protection
"""

RETURN = r"""
tables:
  description: One entry per table, sorted by name; an empty list when the account and region have none.
  returned: always
  type: list
  elements: dict
  contains:
    account_id:
      description: The table's account.
      returned: always
      type: str
      sample: "111122223333"
    region:
      description: The table's region.
      returned: always
      type: str
      sample: us-east-1
    table_name:
      description: The table.
      returned: always
      type: str
      sample: orders
    table_arn:
      description: The table's ARN.
      returned: always
      type: str
      sample: "arn:aws:dynamodb:us-east-1:111122223333:table/orders"
    status:
      description: V(NON_COMPLIANT) when any control fails, else V(COMPLIANT).
      returned: always
      type: str
      sample: NON_COMPLIANT
    failing_controls:
      description: The names of the controls that fail.
      returned: always
      type: list
      elements: str
      sample: [DYNAMODB_PITR_ENABLED]
    protected:
      description: Whether a selection of some backup plan chooses the table.
      returned: always
      type: bool
      sample: true
    coverage:
      description: The plans and selections that choose the table, why, and the plan's rules.
      returned: always
      type: list
      elements: dict
      sample:
        - backup_plan_name: backupkit-dynamodb-plan
          backup_plan_id: 8d2b6c5e-5d0e-4d7b-9f57-1d2c3b4a5f60
          backup_plan_arn: "arn:aws:backup:us-east-1:111122223333:backup-plan:8d2b6c5e-5d0e-4d7b-9f57-1d2c3b4a5f60"
          selection_name: backupkit-dynamodb-tables
          selection_id: 0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f
          reason: "chosen by Resources arn:aws:dynamodb:us-east-1:111122223333:table/orders"
          rules:
            - rule_name: scheduled
              schedule_expression: cron(0 5 ? * * *)
              schedule_expression_timezone: Etc/UTC
              schedule_error: null
              interval_hours: 24.0
              frequency: daily
              retention_days: 35
              cold_storage_after_days: null
              target_backup_vault_name: backupkit-dynamodb-vault
              copy_actions: []
    last_backup_job:
      description: The newest backup job of the table in the window read (V(null) when none).
      returned: always
      type: dict
      sample: {backup_job_id: 3F5A0C9A, state: FAILED, status_message: "Requested resource not found: Table: orders not found",
               backup_vault_name: backupkit-dynamodb-vault, creation_date: "2026-12-01T05:00:00+00:00",
               completion_date: "2026-12-01T05:00:01+00:00", age_hours: 55.0, created_by_plan: 8d2b6c5e, resource_arn: "arn:..."}
    backup_jobs:
      description: "The table's backup jobs of the window read, newest first (entries as RV(tables[].last_backup_job))."
      returned: always
      type: list
      elements: dict
    jobs_by_state:
      description: The number of backup jobs of the last O(job_days) days, by state.
      returned: always
      type: dict
      sample: {days: 7, states: {COMPLETED: 6, FAILED: 1}}
    recovery_points:
      description: The table's completed recovery points in every vault of the account and region.
      returned: always
      type: dict
      sample:
        count: 7
        newest: "2026-12-04T05:00:00+00:00"
        newest_age_hours: 7.0
        oldest: "2026-11-28T05:00:00+00:00"
        vaults: [backupkit-dynamodb-vault]
        storage_classes: [WARM]
        encryption_key_arns: ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
        retention_days: [35]
        newest_lifecycle: {retention_days: 35, cold_storage_after_days: null, delete_at: "2027-01-08T05:00:00+00:00"}
        by_day: [{date: "2026-12-04", count: 1, failed_jobs: 0}]
    vaults_used:
      description: The vaults the table's rules write to and that hold its recovery points.
      returned: always
      type: list
      elements: str
    vaults:
      description: Those vaults, with their lock (V(null) when not locked) and whether the access policy denies deleting recovery points.
      returned: always
      type: list
      elements: dict
      sample:
        - backup_vault_name: backupkit-dynamodb-vault
          backup_vault_arn: "arn:aws:backup:us-east-1:111122223333:backup-vault:backupkit-dynamodb-vault"
          encryption_key_arn: null
          lock: {mode: COMPLIANCE, min_retention_days: 7, max_retention_days: 400, lock_date: "2026-11-01T00:00:00+00:00"}
          access_policy_denies_delete: true
    point_in_time_recovery:
      description: DynamoDB's point-in-time recovery.
      returned: always
      type: dict
      sample: {enabled: true, earliest_restorable_time: "2026-11-20T10:00:00+00:00", latest_restorable_time: "2026-12-04T11:55:00+00:00"}
    deletion_protection_enabled:
      description: DynamoDB's deletion protection.
      returned: always
      type: bool
      sample: false
    tags:
      description: The table's tags when a selection chooses by tags (else V(null)).
      returned: always
      type: dict
    table_status:
      description: DynamoDB's table status.
      returned: always
      type: str
      sample: ACTIVE
    table_creation_date:
      description: When the table was created.
      returned: always
      type: str
    selection_note:
      description: Why no selection could choose the table (such as DynamoDB not opted in), or V(null).
      returned: always
      type: str
    last_restore:
      description: The newest completed restore of the table (else the newest restore job), V(null) when none.
      returned: always
      type: dict
      sample: {restore_job_id: 9A1C0E77, status: COMPLETED, creation_date: "2026-12-02T09:00:00+00:00",
               completion_date: "2026-12-02T09:04:00+00:00", minutes: 4.0,
               created_resource_arn: "arn:aws:dynamodb:us-east-1:111122223333:table/orders-drill", recovery_point_arn: "arn:..."}
    findings:
      description: One entry per enabled control.
      returned: always
      type: list
      elements: dict
      sample:
        - control: BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK
          status: NON_COMPLIANT
          reason: "rule weekly runs weekly and keeps backups 35 days; required: at least every day, kept at least 35 days"
          parameters: {requiredFrequencyUnit: days, requiredFrequencyValue: 1, requiredRetentionDays: 35}
summary:
  description: Counts over RV(tables).
  returned: always
  type: dict
  sample: {tables: 4, protected: 3, compliant: 2, non_compliant: 2, failed_jobs_24h: 0, failed_jobs_7d: 1,
           oldest_last_good_backup_hours: 30.5, tables_without_backup: 1, failing_controls: 3}
vaults:
  description: Every backup vault of the account and region, as in RV(tables[].vaults).
  returned: always
  type: list
  elements: dict
controls:
  description: The controls evaluated, with their parameters (V(null) for those turned off).
  returned: always
  type: dict
account_id: {description: The account read., returned: always, type: str, sample: "111122223333"}
region: {description: The region read., returned: always, type: str, sample: us-east-1}
generated_at: {description: The time the report was made at (O(now))., returned: always, type: str, sample: "2026-12-04T12:00:00+00:00"}
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import get_caller_identity
from ansible_collections.backupkit.dynamodb.plugins.module_utils._protection import ProtectionReader
from ansible_collections.backupkit.dynamodb.plugins.module_utils._protection import merge_controls
from ansible_collections.backupkit.dynamodb.plugins.module_utils._protection import summarise
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time


def main():
    argument_spec = dict(
        tables=dict(type="list", elements="str"),
        controls=dict(type="dict", default={}),
        job_days=dict(type="int", default=7),
        strip_days=dict(type="int", default=35),
        now=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    try:
        controls = merge_controls(params["controls"])
    except ValueError as e:
        module.fail_json(msg="controls: %s" % e)
    for name in ("job_days", "strip_days"):
        if params[name] < 1:
            module.fail_json(msg="%s must be at least 1, not %s" % (name, params[name]))
    try:
        now = parse_time(params["now"]) or datetime.datetime.now(datetime.timezone.utc)
    except ValueError:
        module.fail_json(msg="now must be an ISO 8601 date and time, such as 2026-12-04T12:00:00Z, not %s" % params["now"])

    reader = ProtectionReader(module.client("backup"), module.client("dynamodb"), now,
                              job_days=params["job_days"], strip_days=params["strip_days"])
    rows, vaults, account_id = [], [], None
    try:
        rows, vaults = reader.report(controls, params["tables"])
        account_id = rows[0]["account_id"] if rows else get_caller_identity(module.client("sts"))["Account"]
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    rows.sort(key=lambda row: row["table_name"])
    module.exit_json(
        changed=False,
        tables=rows,
        summary=summarise(rows, now),
        vaults=vaults,
        controls=controls,
        account_id=account_id,
        region=module.region,
        generated_at=now.isoformat(),
    )


if __name__ == "__main__":
    main()
