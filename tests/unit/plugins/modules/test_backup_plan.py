# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of backup_plan's pure functions: validation, normalisation and comparison."""

from __future__ import annotations

import copy
import datetime

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _backup_plan as utils

ARN = "arn:aws:backup:us-east-1:123456789012:backup-vault:"


def rule(**overrides):
    """A ``rules`` element as the argument spec hands it over (defaults filled in)."""
    base = dict(
        rule_name="daily",
        target_backup_vault_name="vault",
        schedule_expression="cron(0 5 ? * * *)",
        schedule_expression_timezone="Etc/UTC",
        start_window_minutes=60,
        completion_window_minutes=120,
        lifecycle=dict(move_to_cold_storage_after_days=31, delete_after_days=366,
                       opt_in_to_archive_for_supported_resources=None),
        recovery_point_tags={"CamelCaseKey": "Value", "Key with Spaces": "kept"},
        copy_actions=None,
        enable_continuous_backup=False,
    )
    base.update(overrides)
    return base


def aws_rule(**overrides):
    """The same rule as GetBackupPlan answers it."""
    base = {
        "RuleName": "daily",
        "TargetBackupVaultName": "vault",
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "StartWindowMinutes": 60,
        "CompletionWindowMinutes": 120,
        "Lifecycle": {"MoveToColdStorageAfterDays": 31, "DeleteAfterDays": 366},
        "RecoveryPointTags": {"CamelCaseKey": "Value", "Key with Spaces": "kept"},
        "RuleId": "11111111-2222-3333-4444-555555555555",
        "ScheduleExpressionTimezone": "Etc/UTC",
    }
    base.update(overrides)
    return base


def raw_plan(rules, tags=None, **overrides):
    base = {
        "BackupPlan": {"BackupPlanName": "plan", "Rules": rules},
        "BackupPlanId": "plan-id",
        "BackupPlanArn": "arn:aws:backup:us-east-1:123456789012:backup-plan:plan-id",
        "VersionId": "v1",
        "CreationDate": datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc),
        "Tags": tags or {},
    }
    base.update(overrides)
    return base


# --------------------------------------------------------------------------- schedule


@pytest.mark.parametrize("expression", [
    "cron(0 5 ? * * *)",
    "cron(15 * ? * * *)",
    "cron(0 12 * * ? *)",
    "cron(0 5 ? * MON-FRI *)",
    "cron(0 3 L * ? *)",
    "cron(0 5 ? * 2#1 *)",
    "cron(0/30 8-17 ? JAN,FEB * 2025-2030)",
])
def test_cron_accepts_aws_six_field_expressions(expression):
    assert utils.cron_problem(expression) is None


@pytest.mark.parametrize("expression, words", [
    ("rate(1 day)", "cron(...) only"),
    ("at(2025-01-01T00:00:00)", "cron(...) only"),
    ("0 5 * * *", "not of the form cron("),
    ("cron(0 5 * * *)", "has 5 fields"),
    ("cron(0 5 ? * * * *)", "has 7 fields"),
    ("cron(0 5 * * * *)", "exactly one of day-of-month"),
    ("cron(0 5 ? * ? *)", "exactly one of day-of-month"),
    ("cron(0 5 ? * * 20%5)", "the year field"),
    ("", "not of the form"),
])
def test_cron_refuses_other_expressions(expression, words):
    problem = utils.cron_problem(expression)
    assert problem is not None
    assert words in problem


# --------------------------------------------------------------------------- validation


def test_valid_walkthrough_rule_has_no_errors():
    assert utils.validate_rules([rule()]) == []


def test_no_rules_is_an_error():
    assert utils.validate_rules([]) == ["rules: a backup plan needs at least one rule"]


def test_delete_after_days_must_leave_90_days_of_cold_storage():
    errors = utils.validate_rules([rule(lifecycle=dict(move_to_cold_storage_after_days=31, delete_after_days=100))])
    assert len(errors) == 1
    assert "rule 'daily'" in errors[0]
    assert "lifecycle.delete_after_days (100)" in errors[0]
    assert "move_to_cold_storage_after_days + 90 (121)" in errors[0]


def test_delete_after_days_exactly_90_more_is_accepted():
    assert utils.validate_rules([rule(lifecycle=dict(move_to_cold_storage_after_days=31, delete_after_days=121))]) == []


def test_copy_action_lifecycle_is_validated_with_its_index():
    copy_actions = [
        dict(destination_backup_vault_arn=ARN + "dr-a", lifecycle=dict(delete_after_days=30)),
        dict(destination_backup_vault_arn=ARN + "dr-b", lifecycle=dict(move_to_cold_storage_after_days=10, delete_after_days=50)),
    ]
    errors = utils.validate_rules([rule(copy_actions=copy_actions)])
    assert len(errors) == 1
    assert "rule 'daily': copy_actions[1].lifecycle.delete_after_days (50)" in errors[0]


def test_a_time_zone_that_is_not_iana_is_refused_naming_the_option():
    errors = utils.validate_rules([rule(schedule_expression_timezone="Mars/Olympus")])
    assert errors == ["rule 'daily': schedule_expression_timezone 'Mars/Olympus' is not an IANA time zone name "
                      "(for example Etc/UTC or Europe/Paris)"]
    assert utils.validate_rules([rule(schedule_expression_timezone="Europe/Paris")]) == []


def test_a_copy_destination_that_is_not_a_vault_arn_is_refused_naming_the_option():
    errors = utils.validate_rules([rule(copy_actions=[dict(destination_backup_vault_arn="not-an-arn", lifecycle=None)])])
    assert errors == ["rule 'daily': copy_actions[0].destination_backup_vault_arn 'not-an-arn' is not a backup vault ARN "
                      "(arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME)"]
    plan_arn = "arn:aws:backup:us-east-1:123456789012:backup-plan:1234"
    assert len(utils.validate_rules([rule(copy_actions=[dict(destination_backup_vault_arn=plan_arn)])])) == 1


def test_days_must_be_positive():
    errors = utils.validate_rules([rule(lifecycle=dict(delete_after_days=0))])
    assert errors == ["rule 'daily': lifecycle.delete_after_days must be at least 1, got 0"]


def test_start_window_at_least_60():
    errors = utils.validate_rules([rule(start_window_minutes=30)])
    assert errors == ["rule 'daily': start_window_minutes must be at least 60, got 30"]


@pytest.mark.parametrize("completion", [60, 59])
def test_completion_window_longer_than_start_window(completion):
    errors = utils.validate_rules([rule(completion_window_minutes=completion)])
    assert errors == [f"rule 'daily': completion_window_minutes ({completion}) must be longer than start_window_minutes (60)"]


def test_schedule_error_names_rule_and_field():
    errors = utils.validate_rules([rule(rule_name="weekly", schedule_expression="rate(7 days)")])
    assert len(errors) == 1
    assert errors[0].startswith("rule 'weekly': schedule_expression 'rate(7 days)'")


def test_continuous_backup_with_cold_storage_is_refused():
    errors = utils.validate_rules([rule(enable_continuous_backup=True, lifecycle=dict(move_to_cold_storage_after_days=1, delete_after_days=91))])
    assert any("enable_continuous_backup cannot be combined with lifecycle.move_to_cold_storage_after_days" in e for e in errors)
    assert any("at most 35" in e for e in errors)


def test_continuous_backup_within_35_days_is_accepted():
    assert utils.validate_rules([rule(enable_continuous_backup=True, lifecycle=dict(delete_after_days=35))]) == []


def test_duplicate_and_malformed_rule_names():
    errors = utils.validate_rules([rule(), rule(), rule(rule_name="has space")])
    assert "rule 'daily': rule_name appears more than once; rule names must be unique in a plan" in errors
    assert "rule 'has space': rule_name must be 1 to 50 letters, digits or '-_.' characters" in errors


def test_every_problem_is_reported_at_once():
    errors = utils.validate_rules([
        rule(start_window_minutes=10, completion_window_minutes=5, schedule_expression="cron(0 5 * * *)"),
    ])
    assert len(errors) == 3


# --------------------------------------------------------------------------- warnings


def test_copy_action_without_lifecycle_inherits_and_warns():
    copy_actions = [dict(destination_backup_vault_arn=ARN + "dr", lifecycle=None)]
    warnings = utils.rule_warnings([rule(copy_actions=copy_actions)])
    assert len(warnings) == 1
    assert ARN + "dr" in warnings[0]
    assert "delete_after_days=366" in warnings[0] and "forever" in warnings[0]
    normalised = utils.rule_from_options(rule(copy_actions=copy_actions))
    assert normalised["copy_actions"] == [
        {"destination_backup_vault_arn": ARN + "dr", "lifecycle": {"delete_after_days": 366, "move_to_cold_storage_after_days": 31}},
    ]


def test_copy_action_with_own_lifecycle_does_not_warn():
    copy_actions = [dict(destination_backup_vault_arn=ARN + "dr", lifecycle=dict(delete_after_days=35))]
    assert utils.rule_warnings([rule(copy_actions=copy_actions)]) == []
    assert utils.rule_from_options(rule(copy_actions=copy_actions))["copy_actions"][0]["lifecycle"] == {"delete_after_days": 35}


def test_copy_action_of_rule_without_lifecycle_has_nothing_to_inherit():
    copy_actions = [dict(destination_backup_vault_arn=ARN + "dr")]
    assert utils.rule_warnings([rule(lifecycle=None, copy_actions=copy_actions)]) == []


def test_continuous_backup_warns_about_dynamodb():
    warnings = utils.rule_warnings([rule(enable_continuous_backup=True, lifecycle=dict(delete_after_days=35))])
    assert len(warnings) == 1
    assert "DynamoDB" in warnings[0] and "RDS" in warnings[0] and "S3" in warnings[0] and "SAP HANA" in warnings[0]


def test_uses_cold_storage():
    copy_cold = [dict(destination_backup_vault_arn=ARN + "dr", lifecycle=dict(move_to_cold_storage_after_days=1, delete_after_days=91))]
    rules = [
        rule(rule_name="cold"),
        rule(rule_name="warm", lifecycle=dict(delete_after_days=35)),
        rule(rule_name="copy-cold", lifecycle=None, copy_actions=copy_cold),
    ]
    assert utils.uses_cold_storage(rules) == ["cold", "copy-cold"]


# --------------------------------------------------------------------------- normalising and comparing

# rule() as the normalised view, written out
DAILY_VIEW = {
    "rule_name": "daily",
    "target_backup_vault_name": "vault",
    "schedule_expression": "cron(0 5 ? * * *)",
    "schedule_expression_timezone": "Etc/UTC",
    "start_window_minutes": 60,
    "completion_window_minutes": 120,
    "enable_continuous_backup": False,
    "lifecycle": {"move_to_cold_storage_after_days": 31, "delete_after_days": 366},
    "recovery_point_tags": {"CamelCaseKey": "Value", "Key with Spaces": "kept"},
    "copy_actions": [],
}
PLAN_VIEW = {"backup_plan_name": "plan", "rules": [DAILY_VIEW], "advanced_backup_settings": []}


def test_options_and_aws_answer_normalise_alike():
    assert utils.desired("plan", [rule()], None) == PLAN_VIEW
    assert utils.without_tags(utils.view(raw_plan([aws_rule()]))) == PLAN_VIEW


def test_aws_defaults_are_filled_in():
    """A plan made without the defaulted fields (AWS fills them) equals the options' defaults."""
    minimal = {"RuleName": "daily", "TargetBackupVaultName": "vault", "RuleId": "x"}
    current = utils.view(raw_plan([minimal]))
    options = dict(rule_name="daily", target_backup_vault_name="vault", schedule_expression="cron(0 5 ? * * *)",
                   schedule_expression_timezone="Etc/UTC", start_window_minutes=480, completion_window_minutes=10080,
                   lifecycle=None, recovery_point_tags=None, copy_actions=None, enable_continuous_backup=False)
    defaults = dict(DAILY_VIEW, start_window_minutes=480, completion_window_minutes=10080, lifecycle={},
                    recovery_point_tags={})
    assert utils.without_tags(current) == dict(PLAN_VIEW, rules=[defaults])
    assert utils.desired("plan", [options], None) == dict(PLAN_VIEW, rules=[defaults])
    assert current["rules"][0]["enable_continuous_backup"] is False
    assert current["rules"][0]["lifecycle"] == {}
    assert current["rules"][0]["recovery_point_tags"] == {}
    assert current["rules"][0]["copy_actions"] == []


def test_server_owned_fields_are_ignored():
    one = utils.view(raw_plan([aws_rule(RuleId="a")], VersionId="v1"))
    two = utils.view(raw_plan([aws_rule(RuleId="b")], VersionId="v2", CreationDate=None))
    assert one == two


def test_reordered_rules_are_the_same_plan():
    weekly = rule(rule_name="weekly", schedule_expression="cron(0 5 ? * SUN *)")
    assert utils.desired("plan", [rule(), weekly], None) == utils.desired("plan", [weekly, rule()], None)


def test_copy_actions_compare_as_a_set():
    a = dict(destination_backup_vault_arn=ARN + "a", lifecycle=dict(delete_after_days=10))
    b = dict(destination_backup_vault_arn=ARN + "b", lifecycle=dict(delete_after_days=20))
    assert utils.rule_from_options(rule(copy_actions=[a, b])) == utils.rule_from_options(rule(copy_actions=[b, a, b]))
    aws = aws_rule(CopyActions=[
        {"DestinationBackupVaultArn": ARN + "b", "Lifecycle": {"DeleteAfterDays": 20}},
        {"DestinationBackupVaultArn": ARN + "a", "Lifecycle": {"DeleteAfterDays": 10}},
    ])
    assert utils.rule_from_aws(aws) == utils.rule_from_options(rule(copy_actions=[a, b]))


def test_a_changed_field_is_a_difference():
    desired = utils.desired("plan", [rule(start_window_minutes=120, completion_window_minutes=240)], None)
    current = utils.without_tags(utils.view(raw_plan([aws_rule()])))
    assert desired != current


def test_opt_in_false_is_the_default():
    with_false = rule(lifecycle=dict(delete_after_days=30, opt_in_to_archive_for_supported_resources=False))
    aws = aws_rule(Lifecycle={"DeleteAfterDays": 30})
    assert utils.rule_from_options(with_false) == utils.rule_from_aws(aws)
    with_true = rule(lifecycle=dict(delete_after_days=30, opt_in_to_archive_for_supported_resources=True))
    assert utils.rule_from_options(with_true) != utils.rule_from_aws(aws)
    assert utils.rule_from_options(with_true) == utils.rule_from_aws(
        aws_rule(Lifecycle={"DeleteAfterDays": 30, "OptInToArchiveForSupportedResources": True}))


def test_tags_and_recovery_point_tags_are_never_case_converted():
    current = utils.view(raw_plan([aws_rule()], tags={"CamelCaseKey": "Value", "Key with Spaces": "x"}))
    assert current["tags"] == {"CamelCaseKey": "Value", "Key with Spaces": "x"}
    assert current["rules"][0]["recovery_point_tags"] == {"CamelCaseKey": "Value", "Key with Spaces": "kept"}
    body = utils.plan_to_aws(utils.desired("plan", [rule()], None))
    assert body["Rules"][0]["RecoveryPointTags"] == {"CamelCaseKey": "Value", "Key with Spaces": "kept"}


def test_advanced_backup_settings_keep_aws_spelling():
    settings = [dict(resource_type="EC2", backup_options=dict(WindowsVSS="enabled"))]
    desired = utils.desired("plan", [rule()], settings)
    assert desired["advanced_backup_settings"] == [{"resource_type": "EC2", "backup_options": {"WindowsVSS": "enabled"}}]
    raw = raw_plan([aws_rule()])
    raw["BackupPlan"]["AdvancedBackupSettings"] = [{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "enabled"}}]
    assert utils.without_tags(utils.view(raw)) == dict(
        PLAN_VIEW, advanced_backup_settings=[{"resource_type": "EC2", "backup_options": {"WindowsVSS": "enabled"}}])
    assert utils.plan_to_aws(desired)["AdvancedBackupSettings"] == [{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "enabled"}}]


# --------------------------------------------------------------------------- to AWS


def test_plan_to_aws_round_trips():
    copy_actions = [dict(destination_backup_vault_arn=ARN + "dr", lifecycle=None)]
    rules = [rule(rule_name="weekly", lifecycle=None), rule(copy_actions=copy_actions)]
    desired = utils.desired("plan", rules, None)
    body = utils.plan_to_aws(desired, ["weekly", "daily"])
    assert [r["RuleName"] for r in body["Rules"]] == ["weekly", "daily"]
    assert "Lifecycle" not in body["Rules"][0]
    assert body["Rules"][1]["CopyActions"][0]["Lifecycle"] == {"MoveToColdStorageAfterDays": 31, "DeleteAfterDays": 366}
    assert body["Rules"][1]["EnableContinuousBackup"] is False
    weekly = dict(DAILY_VIEW, rule_name="weekly", lifecycle={})
    daily = dict(DAILY_VIEW, copy_actions=[{"destination_backup_vault_arn": ARN + "dr",
                                            "lifecycle": {"move_to_cold_storage_after_days": 31, "delete_after_days": 366}}])
    assert utils.without_tags(utils.view({"BackupPlan": body})) == dict(PLAN_VIEW, rules=[daily, weekly])


def test_update_keeps_fields_the_module_does_not_manage():
    current = raw_plan([aws_rule(IndexActions=[{"ResourceTypes": ["EBS"]}])])
    current["BackupPlan"]["ScanSettings"] = [{"MalwareScanner": "GUARDDUTY"}]
    body = utils.plan_to_aws(utils.desired("plan", [rule()], None), ["daily"], current)
    assert body["Rules"][0]["IndexActions"] == [{"ResourceTypes": ["EBS"]}]
    assert "RuleId" not in body["Rules"][0]
    assert body["ScanSettings"] == [{"MalwareScanner": "GUARDDUTY"}]
    # and they make no difference in the comparison
    assert utils.without_tags(utils.view(current)) == PLAN_VIEW


# --------------------------------------------------------------------------- tags


@pytest.mark.parametrize("current, desired, purge, expected, to_set, to_unset", [
    ({"a": "1"}, None, True, {"a": "1"}, {}, []),
    ({"a": "1"}, {"b": 2}, True, {"b": "2"}, {"b": 2}, ["a"]),
    ({"a": "1"}, {"b": "2"}, False, {"a": "1", "b": "2"}, {"b": "2"}, []),
    ({"aws:x": "1", "a": "1"}, {}, True, {"aws:x": "1"}, {}, ["a"]),
    ({"CamelCaseKey": "V"}, {"CamelCaseKey": "V"}, True, {"CamelCaseKey": "V"}, {}, []),
])
def test_predicted_tags(current, desired, purge, expected, to_set, to_unset):
    tags, got_set, got_unset = utils.predicted_tags(current, desired, purge)
    assert tags == expected
    assert got_set == to_set
    assert sorted(got_unset) == sorted(to_unset)


# --------------------------------------------------------------------------- selection and results


def test_plans_named_finds_every_plan_of_the_name():
    plans = [
        {"BackupPlanName": "p", "BackupPlanId": "1"},
        {"BackupPlanName": "p", "BackupPlanId": "2"},
        {"BackupPlanName": "P", "BackupPlanId": "3"},
        {"BackupPlanName": "p", "BackupPlanId": "4", "DeletionDate": "2025-01-01"},
    ]
    assert [p["BackupPlanId"] for p in utils.plans_named(plans, "p")] == ["1", "2"]
    assert utils.plans_named([], "p") == []


def test_plan_result_has_amazon_aws_keys():
    raw = raw_plan([aws_rule(RuleName="weekly", RuleId="w"), aws_rule()], tags={"CamelCaseKey": "V"})
    result = utils.plan_result(utils.view(raw), raw)
    for key in ("backup_plan_name", "backup_plan_id", "backup_plan_arn", "version_id", "creation_date", "backup_plan", "tags"):
        assert key in result
    assert result["creation_date"] == "2025-01-01T00:00:00+00:00"
    assert [r["rule_name"] for r in result["backup_plan"]["rules"]] == ["weekly", "daily"]
    assert result["backup_plan"]["rules"][0]["rule_id"] == "w"
    assert result["tags"] == {"CamelCaseKey": "V"}


def test_predicted_result_without_a_plan():
    desired = dict(utils.desired("plan", [rule()], None), tags={})
    result = utils.plan_result(desired, None, ["daily"])
    assert result["backup_plan_id"] is None
    assert result["backup_plan"]["rules"][0]["rule_id"] is None
    assert result["backup_plan"]["rules"][0]["rule_name"] == "daily"


def test_normalising_does_not_change_its_input():
    options = rule(copy_actions=[dict(destination_backup_vault_arn=ARN + "dr", lifecycle=None)])
    before = copy.deepcopy(options)
    utils.desired("plan", [options], None)
    assert options == before


# --------------------------------------------------------------------------- region settings probe


class _RegionSettingsClient:
    """A stand-in boto3 client whose DescribeRegionSettings answers or fails as told."""

    def __init__(self, answer=None, error_code=None):
        self.answer = answer
        self.error_code = error_code

    def describe_region_settings(self):
        if self.error_code:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": self.error_code, "Message": "no"}}, "DescribeRegionSettings")
        return self.answer


@pytest.mark.parametrize("answer, expected", [
    ({"ResourceTypeManagementPreference": {"DynamoDB": False, "EFS": True}}, False),
    ({"ResourceTypeManagementPreference": {"DynamoDB": True}}, True),
    ({"ResourceTypeOptInPreference": {"DynamoDB": True}}, None),
])
def test_advanced_dynamodb_backup_reads_the_management_preference(answer, expected):
    assert utils.advanced_dynamodb_backup(_RegionSettingsClient(answer=answer)) is expected


@pytest.mark.parametrize("code", ["AccessDenied", "AccessDeniedException"])
def test_advanced_dynamodb_backup_is_unknown_when_access_is_denied(code):
    assert utils.advanced_dynamodb_backup(_RegionSettingsClient(error_code=code)) is None


def test_advanced_dynamodb_backup_raises_other_errors():
    with pytest.raises(utils.AnsibleBackupError) as caught:
        utils.advanced_dynamodb_backup(_RegionSettingsClient(error_code="InvalidParameterValueException"))
    assert not utils.is_access_denied(caught.value)


def test_recovery_point_tag_values_compare_as_strings():
    options = utils.rule_from_options(rule(recovery_point_tags={"Retention": 30, "Legal": True}))
    aws = utils.rule_from_aws(aws_rule(RecoveryPointTags={"Retention": "30", "Legal": "True"}))
    assert options == aws
