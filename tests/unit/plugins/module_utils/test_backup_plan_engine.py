"""backup_plan's engine (ensure_present / ensure_absent) against a stubbed AWS Backup client."""

from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _backup_plan as engine

VAULT_ARN = "arn:aws:backup:us-east-1:123456789012:backup-vault:vault"
PLAN_ARN = "arn:aws:backup:us-east-1:123456789012:backup-plan:p1"
CREATED = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)

RULE_OPTIONS = dict(
    rule_name="daily", target_backup_vault_name="vault", schedule_expression="cron(0 5 ? * * *)",
    schedule_expression_timezone="Etc/UTC", start_window_minutes=60, completion_window_minutes=120,
    lifecycle=dict(delete_after_days=35, move_to_cold_storage_after_days=None,
                   opt_in_to_archive_for_supported_resources=None),
    recovery_point_tags=None, copy_actions=None, enable_continuous_backup=False,
)
# what the module sends for RULE_OPTIONS, written out
AWS_RULE = {
    "RuleName": "daily", "TargetBackupVaultName": "vault", "ScheduleExpression": "cron(0 5 ? * * *)",
    "ScheduleExpressionTimezone": "Etc/UTC", "StartWindowMinutes": 60, "CompletionWindowMinutes": 120,
    "EnableContinuousBackup": False, "Lifecycle": {"DeleteAfterDays": 35},
}


class FakeModule:
    region = "us-east-1"

    def __init__(self, client, check_mode=False, **params):
        self.backup = client
        self.check_mode = check_mode
        self._diff = True
        self.warnings = []
        self.params = dict(state="present", backup_plan_name="plan", backup_plan_id=None, rules=[dict(RULE_OPTIONS)],
                           advanced_backup_settings=None, creator_request_id=None, tags=None, purge_tags=True)
        self.params.update(params)

    def client(self, service):
        assert service == "backup"
        return self.backup

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


class Failed(Exception):
    pass


@pytest.fixture
def backup():
    client = boto3.client("backup", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def plan_answer(rule, version="v1"):
    return {"BackupPlan": {"BackupPlanName": "plan", "Rules": [dict(rule, RuleId="r1")]}, "BackupPlanId": "p1",
            "BackupPlanArn": PLAN_ARN, "VersionId": version, "CreationDate": CREATED}


def stub_describe(stubber, rule, version="v1", tags=None):
    stubber.add_response("get_backup_plan", plan_answer(rule, version), {"BackupPlanId": "p1"})
    stubber.add_response("list_tags", {"Tags": tags or {}}, {"ResourceArn": PLAN_ARN})


def stub_vault(stubber, exists=True):
    if exists:
        stubber.add_response("describe_backup_vault", {"BackupVaultName": "vault", "BackupVaultArn": VAULT_ARN},
                             {"BackupVaultName": "vault"})
    else:
        stubber.add_client_error("describe_backup_vault", "AccessDeniedException", "no such vault")


def test_an_unchanged_plan_is_not_changed_and_not_written(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "plan", "BackupPlanId": "p1"}]}, {})
    stub_describe(stubber, AWS_RULE)
    result = engine.ensure_present(FakeModule(client))
    assert result["changed"] is False
    assert result["backup_plan_id"] == "p1"
    assert result["creation_date"] == "2026-12-01T00:00:00+00:00"


def test_a_changed_rule_updates_the_plan_and_describes_it_again(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "plan", "BackupPlanId": "p1"}]}, {})
    stub_describe(stubber, dict(AWS_RULE, StartWindowMinutes=480, CompletionWindowMinutes=10080))
    stub_vault(stubber)
    stubber.add_response("update_backup_plan", {"BackupPlanId": "p1", "VersionId": "v2"},
                         {"BackupPlanId": "p1", "BackupPlan": {"BackupPlanName": "plan", "Rules": [AWS_RULE]}})
    stub_describe(stubber, AWS_RULE, version="v2")
    result = engine.ensure_present(FakeModule(client))
    assert result["changed"] is True
    assert result["version_id"] == "v2"
    assert result["diff"]["before"]["rules"][0]["start_window_minutes"] == 480
    assert result["diff"]["after"]["rules"][0]["start_window_minutes"] == 60


def test_a_missing_target_vault_fails_before_any_write_naming_the_option(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": []}, {})
    stub_vault(stubber, exists=False)
    with pytest.raises(Failed) as failed:
        engine.ensure_present(FakeModule(client))
    assert failed.value.args[0]["msg"] == (
        "rules[0].target_backup_vault_name: backup vault 'vault' does not exist in us-east-1; create it first "
        "(backupkit.dynamodb.backup_vault). Nothing was changed."
    )


def test_a_missing_target_vault_is_a_return_value_in_check_mode_not_a_warning(backup):
    """An earlier task may create the vault (the tables role checks plans before anything exists):
    a warning there would be a false alarm on every first setup."""
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": []}, {})
    stub_vault(stubber, exists=False)
    module = FakeModule(client, check_mode=True)
    result = engine.ensure_present(module)
    assert result["changed"] is True and result["backup_plan_id"] is None
    assert result["missing_target_vaults"] == ["vault"]
    assert module.warnings == []


def test_a_create_that_loses_a_race_converges_on_the_plan_the_other_run_made(backup):
    """Issue 17: two runs at once; CreateBackupPlan answers AlreadyExistsException for the second."""
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": []}, {})
    stub_vault(stubber)
    stubber.add_client_error("create_backup_plan", "AlreadyExistsException", "Backup plan with the same plan document already exists")
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "plan", "BackupPlanId": "p1"}]}, {})
    # the other run made it with another start window: this run updates it to what it asks for
    stub_describe(stubber, dict(AWS_RULE, StartWindowMinutes=480, CompletionWindowMinutes=10080))
    stubber.add_response("update_backup_plan", {"BackupPlanId": "p1", "VersionId": "v2"},
                         {"BackupPlanId": "p1", "BackupPlan": {"BackupPlanName": "plan", "Rules": [AWS_RULE]}})
    stub_describe(stubber, AWS_RULE, version="v2")
    result = engine.ensure_present(FakeModule(client))
    assert result["changed"] is True
    assert result["backup_plan_id"] == "p1" and result["version_id"] == "v2"
    assert result["backup_plan"]["rules"][0]["start_window_minutes"] == 60


def test_a_create_that_loses_a_race_to_the_same_plan_writes_nothing_more(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": []}, {})
    stub_vault(stubber)
    stubber.add_client_error("create_backup_plan", "AlreadyExistsException", "exists")
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "plan", "BackupPlanId": "p1"}]}, {})
    stub_describe(stubber, AWS_RULE)
    stub_describe(stubber, AWS_RULE)
    result = engine.ensure_present(FakeModule(client))
    assert result["backup_plan_id"] == "p1" and result["version_id"] == "v1"


def test_absent_deletes_the_plan_and_reports_its_deletion_date(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "plan", "BackupPlanId": "p1"}]}, {})
    stub_describe(stubber, AWS_RULE)
    stubber.add_response("delete_backup_plan", {"BackupPlanId": "p1", "VersionId": "v3", "DeletionDate": CREATED},
                         {"BackupPlanId": "p1"})
    result = engine.ensure_absent(FakeModule(client, state="absent"))
    assert result["changed"] is True
    assert result["deletion_date"] == "2026-12-01T00:00:00+00:00" and result["version_id"] == "v3"


def test_two_plans_of_one_name_fail_naming_backup_plan_id(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": [
        {"BackupPlanName": "plan", "BackupPlanId": "p2"}, {"BackupPlanName": "plan", "BackupPlanId": "p1"}]}, {})
    with pytest.raises(engine.PlanSelectionError, match="2 backup plans are named 'plan' \\(ids: p1, p2\\); choose one with backup_plan_id"):
        engine.ensure_present(FakeModule(client))


def test_the_create_request_is_written_out(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": []}, {})
    stub_vault(stubber)
    stubber.add_response("create_backup_plan", {"BackupPlanId": "p1", "BackupPlanArn": PLAN_ARN, "VersionId": "v1"},
                         {"BackupPlan": {"BackupPlanName": "plan", "Rules": [AWS_RULE]},
                          "BackupPlanTags": {"CamelCaseKey": "1"}, "CreatorRequestId": ANY})
    stub_describe(stubber, AWS_RULE, tags={"CamelCaseKey": "1"})
    result = engine.ensure_present(FakeModule(client, tags={"CamelCaseKey": 1}, creator_request_id="token"))
    assert result["changed"] is True and result["tags"] == {"CamelCaseKey": "1"}
