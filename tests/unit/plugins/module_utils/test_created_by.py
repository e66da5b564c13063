"""The plan and rule filters of backup_job_info and backup_recovery_point_info (CreatedBy)."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import (
    CreatedByFilter,
    filter_report,
    normalise_created_by,
)

PLAN_ID = "8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e"
OLD_PLAN_ID = "11111111-2222-3333-4444-555555555555"
PLAN_ARN = f"arn:aws:backup:us-east-1:111122223333:backup-plan:{PLAN_ID}"


def backup_client():
    return boto3.client("backup", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def created(plan_id=PLAN_ID, version="v1", rule_id="rule-daily", **extra):
    return {"CreatedBy": dict({"BackupPlanId": plan_id, "BackupPlanArn": PLAN_ARN, "BackupPlanVersion": version,
                               "BackupRuleId": rule_id}, **extra)}


def params(**values):
    return {name: values.get(name) for name in ("backup_plan_id", "backup_plan_name", "backup_rule_id", "backup_rule_name")}


def test_no_filter_keeps_everything_and_reports_nothing():
    created_by = CreatedByFilter(backup_client(), params())
    assert not created_by.active
    assert created_by.matches({}) and created_by.matches(created())
    assert created_by.report() == {}


def test_on_demand_backups_never_match_a_plan_or_rule_filter():
    for wanted in ({"backup_plan_id": PLAN_ID}, {"backup_rule_id": "rule-daily"}):
        created_by = CreatedByFilter(backup_client(), params(**wanted))
        assert not created_by.matches({})
        assert not created_by.matches({"CreatedBy": {}})
        assert created_by.matches(created())


def test_a_plan_name_means_every_plan_of_that_name_deleted_ones_included():
    client = backup_client()
    with Stubber(client) as stub:
        stub.add_response("list_backup_plans", {"BackupPlansList": [
            {"BackupPlanId": PLAN_ID, "BackupPlanName": "daily-plan"},
            {"BackupPlanId": OLD_PLAN_ID, "BackupPlanName": "daily-plan", "DeletionDate": "2026-01-01T00:00:00Z"},
            {"BackupPlanId": "other", "BackupPlanName": "weekly-plan"},
        ]}, {"IncludeDeleted": True})
        created_by = CreatedByFilter(client, params(backup_plan_name="daily-plan"))
        assert created_by.matches(created())
        assert created_by.matches(created(plan_id=OLD_PLAN_ID))
        assert not created_by.matches(created(plan_id="other"))
        # AWS's own BackupPlanName, when it gives one, decides
        assert not created_by.matches(created(BackupPlanName="renamed"))
        stub.assert_no_pending_responses()
    assert created_by.report() == {"backup_plan_name": {
        "value": "daily-plan", "applied_by": "module", "backup_plan_ids": sorted([PLAN_ID, OLD_PLAN_ID])}}


def test_a_rule_name_is_looked_up_once_per_plan_version_that_created_it():
    client = backup_client()
    with Stubber(client) as stub:
        for version, rules in (("v1", [{"RuleName": "daily", "RuleId": "rule-daily"}]),
                               ("v2", [{"RuleName": "nightly", "RuleId": "rule-daily"}])):
            stub.add_response("get_backup_plan", {"BackupPlan": {"BackupPlanName": "p", "Rules": [
                dict(rule, TargetBackupVaultName="vault") for rule in rules]}},
                {"BackupPlanId": PLAN_ID, "VersionId": version})
        created_by = CreatedByFilter(client, params(backup_rule_name="daily"))
        # two recovery points of version v1: one GetBackupPlan; the rule was renamed in v2
        assert created_by.matches(created(version="v1"))
        assert created_by.matches(created(version="v1"))
        assert not created_by.matches(created(version="v2"))
        assert created_by.matches(created(version="v3", BackupRuleName="daily"))  # AWS named it: no call
        stub.assert_no_pending_responses()
    assert created_by.report(applied_by_aws=["backup_rule_name"]) == {
        "backup_rule_name": {"value": "daily", "applied_by": "aws"}}


def test_created_by_in_snake_case_with_the_four_keys_and_none_for_on_demand():
    assert normalise_created_by(None) is None
    assert normalise_created_by({}) is None
    assert normalise_created_by({"BackupPlanId": PLAN_ID, "BackupRuleId": "r", "BackupRuleCron": "cron(0 5 ? * * *)"}) == {
        "backup_plan_id": PLAN_ID, "backup_plan_arn": None, "backup_plan_version": None, "backup_rule_id": "r",
        "backup_rule_cron": "cron(0 5 ? * * *)"}


def test_the_report_names_only_the_filters_set():
    report = filter_report({"state": "COMPLETED", "resource": None, "status": [], "created_after": "2026-03-02"},
                           ("state", "resource", "status", "created_after"), applied_by_aws=("state",))
    assert report == {"state": {"value": "COMPLETED", "applied_by": "aws"},
                      "created_after": {"value": "2026-03-02", "applied_by": "module"}}
