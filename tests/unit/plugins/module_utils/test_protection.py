"""The protection report's pure functions: selections, schedules, vault policies, controls."""

from __future__ import annotations

import copy
import datetime

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils._protection import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    arn_pattern_matches,
    evaluate_controls,
    frequency_words,
    merge_controls,
    points_summary,
    policy_denies_delete,
    rule_summary,
    schedule_interval_hours,
    selection_covers,
    summarise,
    vault_summary,
)

ARN = "arn:aws:dynamodb:us-east-1:111122223333:table/orders"
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("pattern, expected", [
    ("*", True),
    (ARN, True),
    ("arn:aws:dynamodb:*:*:table/*", True),
    ("arn:aws:dynamodb:us-east-1:111122223333:table/ord*", True),
    ("arn:aws:dynamodb:us-east-1:111122223333:table/order", False),
    ("arn:aws:dynamodb:eu-west-1:*:table/*", False),
    ("arn:aws:dynamodb:us-east-1:111122223333:table/orders.", False),  # a dot is no wildcard
])
def test_arn_patterns(pattern: str, expected: bool) -> None:
    assert arn_pattern_matches(pattern, ARN) is expected


def tag(key: str, value: str, prefix: str = "aws:ResourceTag/") -> dict[str, str]:
    return {"ConditionKey": prefix + key, "ConditionValue": value}


def test_selection_by_resources_not_resources_and_opt_in() -> None:
    selection = {"Resources": ["arn:aws:dynamodb:*:*:table/*"], "NotResources": ["*:table/orders"]}
    assert selection_covers(selection, ARN, {}) == (False, "excluded by NotResources *:table/orders")
    assert selection_covers({"Resources": [ARN]}, ARN, {})[0]
    assert selection_covers({"Resources": [ARN]}, ARN, {}, opted_in=False) == (
        False, "DynamoDB is not opted in to AWS Backup in this region")
    # No Resources, no ListOfTags, no Conditions: every opted-in resource, as AWS warns.
    assert selection_covers({"SelectionName": "all"}, ARN, {}) == (True, "chosen by every resource (no Resources or ListOfTags)")


def test_list_of_tags_is_or_and_conditions_are_and() -> None:
    list_of_tags = [dict(tag("backup", "daily", ""), ConditionType="STRINGEQUALS"),
                    dict(tag("tier", "gold"), ConditionType="STRINGEQUALS")]
    selection = {"ListOfTags": list_of_tags}
    assert selection_covers(selection, ARN, {"tier": "gold"}) == (True, "chosen by tag tier")
    assert selection_covers(selection, ARN, {"backup": "daily"})[0]
    assert selection_covers(selection, ARN, {"backup": "weekly"}) == (False, "neither Resources nor ListOfTags match")
    # Resources OR ListOfTags: the ARN alone is enough.
    assert selection_covers({"Resources": [ARN], "ListOfTags": list_of_tags}, ARN, {})[0]

    conditions = {"StringEquals": [tag("env", "prod")], "StringNotEquals": [tag("retired", "yes")],
                  "StringLike": [tag("team", "data-*")], "StringNotLike": [tag("name", "*-tmp")]}
    selection = {"Resources": ["*"], "Conditions": conditions}
    good = {"env": "prod", "team": "data-eng"}
    assert selection_covers(selection, ARN, good)[0]
    for change in ({"env": "dev"}, {"retired": "yes"}, {"team": "web"}, {"name": "orders-tmp"}):
        covered, reason = selection_covers(selection, ARN, {**good, **change})
        assert not covered and reason.startswith("condition "), reason
    assert not selection_covers(selection, ARN, {"team": "data-eng"})[0]  # StringEquals needs the tag


@pytest.mark.parametrize("expression, hours, words", [
    ("cron(0 5 ? * * *)", 24, "daily"),
    ("cron(0 5,17 ? * * *)", 12, "every 12 hours"),
    ("cron(0 */4 * * ? *)", 4, "every 4 hours"),
    ("cron(0 5 ? * SUN *)", 168, "weekly"),
    ("cron(30 1 ? * MON-FRI *)", 72, "every 3 days"),  # Friday to Monday
    ("cron(0 5 1 * ? *)", 31 * 24, "monthly"),
    ("cron(0 5 L * ? *)", 31 * 24, "monthly"),
    ("cron(0 5 ? * 2#1 *)", 35 * 24, "every 35 days"),  # the first Monday: 4 or 5 weeks apart
    ("rate(12 hours)", 12, "every 12 hours"),
    ("rate(1 day)", 24, "daily"),
    ("", None, "on demand only"),
])
def test_schedule_interval(expression: str, hours: float | None, words: str) -> None:
    assert schedule_interval_hours(expression) == hours
    assert frequency_words(hours) == words


@pytest.mark.parametrize("expression", ["cron(0 5 * *)", "cron(61 5 ? * * *)", "every day", "cron(0 5 30 2 ? *)"])
def test_bad_schedules_say_why(expression: str) -> None:
    with pytest.raises(ValueError):
        schedule_interval_hours(expression)
    summary = rule_summary({"RuleName": "r", "ScheduleExpression": expression})
    assert summary["interval_hours"] is None and summary["schedule_error"]


def test_rule_summary_retention_and_copies() -> None:
    rule = {"RuleName": "daily", "TargetBackupVaultName": "v", "ScheduleExpression": "cron(0 5 ? * * *)",
            "Lifecycle": {"DeleteAfterDays": 35, "MoveToColdStorageAfterDays": 7},
            "CopyActions": [{"DestinationBackupVaultArn": "arn:aws:backup:eu-west-1:444455556666:backup-vault:dr",
                             "Lifecycle": {"DeleteAfterDays": 90}}]}
    summary = rule_summary(rule)
    assert (summary["frequency"], summary["retention_days"], summary["cold_storage_after_days"]) == ("daily", 35, 7)
    assert summary["copy_actions"] == [{"destination_backup_vault_arn": "arn:aws:backup:eu-west-1:444455556666:backup-vault:dr",
                                        "region": "eu-west-1", "account_id": "444455556666", "retention_days": 90}]


def deny(**changes: object) -> dict[str, object]:
    statement = {"Effect": "Deny", "Principal": "*", "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                 "Resource": "*"}
    statement.update(changes)
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_access_policy_denies_delete() -> None:
    assert policy_denies_delete(deny())
    assert policy_denies_delete(deny(Action="backup:Delete*", Principal={"AWS": "*"}))
    assert policy_denies_delete(deny(Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlass"}}))
    assert not policy_denies_delete(deny(Effect="Allow"))
    assert not policy_denies_delete(deny(Action="backup:StartBackupJob"))
    assert not policy_denies_delete(deny(Principal={"AWS": "arn:aws:iam::111122223333:role/Ops"}))
    assert not policy_denies_delete(None)
    assert policy_denies_delete('{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "backup:*", "Resource": "*"}}')


def test_vault_lock_modes() -> None:
    assert vault_summary({"BackupVaultName": "v"}, None, NOW)["lock"] is None
    governance = vault_summary({"BackupVaultName": "v", "Locked": True, "MinRetentionDays": 7}, None, NOW)["lock"]
    assert governance == {"mode": "GOVERNANCE", "min_retention_days": 7, "max_retention_days": None, "lock_date": None}
    later = vault_summary({"BackupVaultName": "v", "Locked": True, "MinRetentionDays": 7, "LockDate": NOW + datetime.timedelta(days=3)}, None, NOW)
    assert later["lock"]["mode"] == "COMPLIANCE_GRACE"
    assert vault_summary({"BackupVaultName": "v", "Locked": True, "LockDate": "2026-01-01T00:00:00Z"}, deny(), NOW) == {
        "backup_vault_name": "v", "backup_vault_arn": None, "encryption_key_arn": None,
        "lock": {"mode": "COMPLIANCE", "min_retention_days": None, "max_retention_days": None, "lock_date": "2026-01-01T00:00:00+00:00"},
        "access_policy_denies_delete": True}


def good_row() -> dict[str, object]:
    """A table that meets every default control."""
    points = [dict(recovery_point_arn=f"rp-{n}", backup_vault_name="vault", status="COMPLETED",
                   creation_date=(NOW - datetime.timedelta(days=n, hours=6)).isoformat(), storage_class="WARM",
                   retention_days=35, cold_storage_after_days=None, delete_at=None, encryption_key_arn="key", is_encrypted=True)
              for n in range(3)]
    return dict(
        coverage=[dict(backup_plan_name="plan", selection_name="tables",
                       rules=[rule_summary({"RuleName": "daily", "TargetBackupVaultName": "vault",
                                            "ScheduleExpression": "cron(0 5 ? * * *)", "Lifecycle": {"DeleteAfterDays": 35}})])],
        protected=True,
        recovery_points=points_summary(points, NOW, 35),
        vaults=[vault_summary({"BackupVaultName": "vault", "Locked": True, "MinRetentionDays": 7}, deny(), NOW)],
        vaults_used=["vault"],
        last_restore=None,
        backup_jobs=[dict(state="COMPLETED", creation_date=(NOW - datetime.timedelta(hours=6)).isoformat(), status_message=None)],
        point_in_time_recovery=dict(enabled=True),
        deletion_protection_enabled=False,
    )


def statuses(row: dict[str, object], controls: dict[str, object] | None = None) -> dict[str, str]:
    return {f["control"]: f["status"] for f in evaluate_controls(row, merge_controls(controls), NOW)}


def reasons(row: dict[str, object], controls: dict[str, object] | None = None) -> dict[str, str]:
    return {f["control"]: f["reason"] for f in evaluate_controls(row, merge_controls(controls), NOW)}


def test_a_good_table_fails_no_control() -> None:
    result = statuses(good_row())
    assert NON_COMPLIANT not in result.values(), reasons(good_row())
    assert "DYNAMODB_DELETION_PROTECTION_ENABLED" not in result  # off by default
    assert result["BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION"] == NOT_APPLICABLE
    assert result["RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"] == NOT_APPLICABLE
    assert sum(1 for s in result.values() if s == COMPLIANT) == 9


def test_each_problem_fails_its_control_with_a_reason() -> None:
    row = good_row()
    row["coverage"][0]["rules"] = [rule_summary({"RuleName": "weekly", "TargetBackupVaultName": "vault",
                                                 "ScheduleExpression": "cron(0 5 ? * SUN *)", "Lifecycle": {"DeleteAfterDays": 35}})]
    assert reasons(row)["BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"] == (
        "rule weekly runs weekly and keeps backups 35 days; required: at least every day, kept at least 35 days")
    assert statuses(row, {"BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK": {"requiredFrequencyValue": 7}})[
        "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"] == COMPLIANT

    row = good_row()
    row["vaults"][0]["lock"] = None
    row["vaults"][0]["access_policy_denies_delete"] = False
    found = reasons(row)
    assert found["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK"] == "vault vault has no vault lock"
    assert found["BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"] == (
        "the access policy of vault vault does not deny backup:DeleteRecoveryPoint")

    row = good_row()
    row["backup_jobs"].append(dict(state="FAILED", creation_date=(NOW - datetime.timedelta(days=2)).isoformat(),
                                   status_message="Requested resource not found: Table: orders not found"))
    assert reasons(row)["BACKUP_NO_FAILED_JOBS"] == (
        "1 backup job failed in the last 7 days; the last one on 2026-12-02 12:00: Requested resource not found: Table: orders not found")
    assert statuses(row, {"BACKUP_NO_FAILED_JOBS": {"days": 1}})["BACKUP_NO_FAILED_JOBS"] == COMPLIANT

    row = good_row()
    row["point_in_time_recovery"]["enabled"] = False
    assert statuses(row)["DYNAMODB_PITR_ENABLED"] == NON_COMPLIANT
    assert "DYNAMODB_PITR_ENABLED" not in statuses(row, {"DYNAMODB_PITR_ENABLED": False})

    row = good_row()
    assert statuses(row, {"BACKUP_LAST_RECOVERY_POINT_CREATED": {"recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": 2}})[
        "BACKUP_LAST_RECOVERY_POINT_CREATED"] == NON_COMPLIANT
    assert reasons(row, {"BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK": {"requiredRetentionDays": 90}})[
        "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"] == "3 of 3 recovery points are kept less than 90 days (35)"
    assert reasons(row, {"BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION": {"crossRegionList": ["eu-west-1"]}})[
        "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION"] == "no rule copies the backups to any of eu-west-1"

    row = good_row()
    row["last_restore"] = {"minutes": 42.0}
    assert statuses(row, {"RESTORE_TIME_FOR_RESOURCES_MEET_TARGET": {"maxRestoreTime": 30}})[
        "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"] == NON_COMPLIANT
    assert statuses(row, {"RESTORE_TIME_FOR_RESOURCES_MEET_TARGET": {"maxRestoreTime": 60}})[
        "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"] == COMPLIANT


def test_an_unprotected_table_fails_once_and_the_rest_does_not_apply() -> None:
    row = dict(good_row(), coverage=[], protected=False, vaults=[], vaults_used=[], backup_jobs=[],
               recovery_points=points_summary([], NOW, 35))
    result = statuses(row)
    assert [c for c, s in result.items() if s == NON_COMPLIANT] == ["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"]
    assert reasons(row)["BACKUP_LAST_RECOVERY_POINT_CREATED"] == "no backup plan covers the table"


def test_controls_are_checked_by_name_and_parameter() -> None:
    with pytest.raises(ValueError, match="unknown control BACKUP_EVERYTHING"):
        merge_controls({"BACKUP_EVERYTHING": {}})
    with pytest.raises(ValueError, match="controls.BACKUP_NO_FAILED_JOBS has no parameter hours; it has: days"):
        merge_controls({"BACKUP_NO_FAILED_JOBS": {"hours": 3}})
    assert merge_controls({"DYNAMODB_DELETION_PROTECTION_ENABLED": True})["DYNAMODB_DELETION_PROTECTION_ENABLED"] == {}
    with pytest.raises(ValueError, match="controls.BACKUP_LAST_RECOVERY_POINT_CREATED.recoveryPointAgeUnit must be hours or days, not weeks"):
        merge_controls({"BACKUP_LAST_RECOVERY_POINT_CREATED": {"recoveryPointAgeUnit": "weeks"}})
    with pytest.raises(ValueError, match="requiredFrequencyValue must be a positive number, not 0"):
        merge_controls({"BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK": {"requiredFrequencyValue": 0}})
    defaults = merge_controls(None)
    assert defaults == merge_controls({}) and defaults is not merge_controls({})


def test_the_strip_and_the_summary() -> None:
    row = good_row()
    by_day = row["recovery_points"]["by_day"]
    assert len(by_day) == 35 and by_day[-1] == {"date": "2026-12-04", "count": 1}
    assert [d["count"] for d in by_day[-4:]] == [0, 1, 1, 1]
    assert row["recovery_points"]["newest_age_hours"] == 6.0
    bad = copy.deepcopy(row)
    bad["backup_jobs"] = [dict(state="FAILED", creation_date=(NOW - datetime.timedelta(days=3)).isoformat())]
    rows = [dict(row, status=COMPLIANT, findings=[]), dict(bad, status=NON_COMPLIANT, findings=[{"status": NON_COMPLIANT}])]
    summary = summarise(rows, NOW)
    assert (summary["tables"], summary["protected"], summary["compliant"], summary["failed_jobs_24h"],
            summary["failed_jobs_7d"], summary["oldest_last_good_backup_hours"]) == (2, 2, 1, 0, 1, 6.0)
