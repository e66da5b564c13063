"""AWS Backup plans: create, update (versions), get, list, delete, tags."""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import make_role

PLAN_ARN = re.compile(r"^arn:aws:backup:us-east-1:123456789012:backup-plan:[0-9a-f-]{36}$")


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def plan_input(
    name: str = "daily", rule: str = "daily-rule", vault: str = "vault-a", **rule_extra: Any
) -> dict[str, Any]:
    return {"BackupPlanName": name, "Rules": [{"RuleName": rule, "TargetBackupVaultName": vault, **rule_extra}]}


@pytest.fixture
def backup(client: Callable[..., Any]) -> Any:
    backup = client("backup")
    backup.create_backup_vault(BackupVaultName="vault-a")
    return backup


def collect(call: Callable[..., dict[str, Any]], key: str, **kwargs: Any) -> tuple[list[Any], int]:
    """Every item of a List* operation fetched one per page, and how many pages it took."""
    items: list[Any] = []
    pages = 0
    token = None
    while True:
        extra = {"NextToken": token} if token else {}
        page = call(MaxResults=1, **kwargs, **extra)
        pages += 1
        assert len(page[key]) <= 1
        items.extend(page[key])
        token = page.get("NextToken")
        if not token:
            return items, pages


def test_create_returns_aws_shaped_ids_and_get_fills_rule_defaults(backup: Any) -> None:
    created = backup.create_backup_plan(BackupPlan=plan_input(), BackupPlanTags={"team": "data"})
    assert PLAN_ARN.match(created["BackupPlanArn"])
    assert created["BackupPlanArn"].endswith(created["BackupPlanId"])
    assert len(created["VersionId"]) == 48

    got = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])
    assert got["VersionId"] == created["VersionId"]
    rule = got["BackupPlan"]["Rules"][0]
    assert rule["StartWindowMinutes"] == 480
    assert rule["CompletionWindowMinutes"] == 10080
    assert rule["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert re.match(r"^[0-9a-f-]{36}$", rule["RuleId"])
    assert "DeletionDate" not in got


def test_deleted_plan_name_can_be_reused(backup: Any) -> None:
    first = backup.create_backup_plan(BackupPlan=plan_input())
    backup.delete_backup_plan(BackupPlanId=first["BackupPlanId"])

    second = backup.create_backup_plan(BackupPlan=plan_input())

    assert second["BackupPlanId"] != first["BackupPlanId"]
    assert backup.get_backup_plan(BackupPlanId=second["BackupPlanId"])["BackupPlan"]["BackupPlanName"] == "daily"


def test_identical_live_plan_document_is_refused_but_same_name_with_other_rules_is_not(backup: Any) -> None:
    backup.create_backup_plan(BackupPlan=plan_input())
    with pytest.raises(ClientError) as exc:
        backup.create_backup_plan(BackupPlan=plan_input())
    assert error_code(exc) == "AlreadyExistsException"

    other = backup.create_backup_plan(BackupPlan=plan_input(rule="weekly-rule"))
    assert other["BackupPlanId"]


def test_creator_request_id_returns_the_existing_plan(backup: Any) -> None:
    first = backup.create_backup_plan(BackupPlan=plan_input(), CreatorRequestId="req-1")
    again = backup.create_backup_plan(BackupPlan=plan_input(rule="other"), CreatorRequestId="req-1")
    assert again["BackupPlanId"] == first["BackupPlanId"]
    assert len(backup.list_backup_plans()["BackupPlansList"]) == 1


def test_update_makes_a_new_version_and_old_versions_stay_readable(backup: Any) -> None:
    created = backup.create_backup_plan(BackupPlan=plan_input())
    plan_id = created["BackupPlanId"]
    old_rule_id = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"][0]["RuleId"]
    new_input = plan_input(rule="daily-rule", ScheduleExpression="cron(0 3 ? * * *)")
    new_input["AdvancedBackupSettings"] = [{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "enabled"}}]

    updated = backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan=new_input)

    assert updated["BackupPlanId"] == plan_id
    assert updated["BackupPlanArn"] == created["BackupPlanArn"]
    assert updated["VersionId"] != created["VersionId"]
    assert updated["CreationDate"] >= created["CreationDate"]
    assert updated["AdvancedBackupSettings"] == new_input["AdvancedBackupSettings"]

    current = backup.get_backup_plan(BackupPlanId=plan_id)
    rule = current["BackupPlan"]["Rules"][0]
    assert current["VersionId"] == updated["VersionId"]
    assert rule["ScheduleExpression"] == "cron(0 3 ? * * *)"
    assert rule["RuleId"] != old_rule_id
    assert (rule["StartWindowMinutes"], rule["CompletionWindowMinutes"]) == (480, 10080)

    old = backup.get_backup_plan(BackupPlanId=plan_id, VersionId=created["VersionId"])
    assert old["VersionId"] == created["VersionId"]
    assert old["BackupPlan"]["Rules"][0]["RuleId"] == old_rule_id
    assert old["BackupPlan"]["Rules"][0]["ScheduleExpression"] == "cron(0 5 ? * * *)"

    with pytest.raises(ClientError) as exc:
        backup.get_backup_plan(BackupPlanId=plan_id, VersionId="no-such-version")
    assert error_code(exc) == "ResourceNotFoundException"


def test_list_backup_plan_versions_pages_through_every_version(backup: Any) -> None:
    created = backup.create_backup_plan(BackupPlan=plan_input())
    plan_id = created["BackupPlanId"]
    versions = [created["VersionId"]]
    for schedule in ("cron(0 1 ? * * *)", "cron(0 2 ? * * *)"):
        versions.append(
            backup.update_backup_plan(
                BackupPlanId=plan_id, BackupPlan=plan_input(ScheduleExpression=schedule)
            )["VersionId"]
        )

    items, pages = collect(backup.list_backup_plan_versions, "BackupPlanVersionsList", BackupPlanId=plan_id)

    assert pages == 3
    assert [item["VersionId"] for item in items] == versions
    assert {item["BackupPlanName"] for item in items} == {"daily"}
    assert {item["BackupPlanArn"] for item in items} == {created["BackupPlanArn"]}
    paginated = backup.get_paginator("list_backup_plan_versions").paginate(
        BackupPlanId=plan_id, PaginationConfig={"PageSize": 2}
    )
    assert [v["VersionId"] for v in paginated.build_full_result()["BackupPlanVersionsList"]] == versions


def test_list_backup_plans_paginates_and_hides_deleted_plans_unless_asked(backup: Any) -> None:
    ids = [backup.create_backup_plan(BackupPlan=plan_input(name=f"plan-{i}"))["BackupPlanId"] for i in range(3)]
    backup.delete_backup_plan(BackupPlanId=ids[0])

    items, pages = collect(backup.list_backup_plans, "BackupPlansList")
    assert pages == 2
    assert [p["BackupPlanId"] for p in items] == ids[1:]
    assert {p["BackupPlanName"] for p in items} == {"plan-1", "plan-2"}

    with_deleted, _ = collect(backup.list_backup_plans, "BackupPlansList", IncludeDeleted=True)
    assert [p["BackupPlanId"] for p in with_deleted] == ids
    assert "DeletionDate" in with_deleted[0] and "DeletionDate" not in with_deleted[1]
    assert len(backup.list_backup_plans(IncludeDeleted=False)["BackupPlansList"]) == 2


def test_deleted_plan_is_gone_for_get_update_and_delete_but_its_versions_remain(backup: Any) -> None:
    created = backup.create_backup_plan(BackupPlan=plan_input())
    plan_id = created["BackupPlanId"]
    deleted = backup.delete_backup_plan(BackupPlanId=plan_id)
    assert deleted["BackupPlanId"] == plan_id
    assert deleted["BackupPlanArn"] == created["BackupPlanArn"]
    assert deleted["VersionId"] == created["VersionId"]
    assert "DeletionDate" in deleted

    for call in (
        lambda: backup.get_backup_plan(BackupPlanId=plan_id),
        lambda: backup.delete_backup_plan(BackupPlanId=plan_id),
        lambda: backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan=plan_input()),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ResourceNotFoundException"

    old = backup.get_backup_plan(BackupPlanId=plan_id, VersionId=created["VersionId"])
    assert "DeletionDate" in old
    versions = backup.list_backup_plan_versions(BackupPlanId=plan_id)["BackupPlanVersionsList"]
    assert [v["VersionId"] for v in versions] == [created["VersionId"]]


def test_plan_with_selections_cannot_be_deleted(backup: Any, client: Any) -> None:
    make_role(client("iam"), "backup")
    plan_id = backup.create_backup_plan(BackupPlan=plan_input())["BackupPlanId"]
    selection_id = backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "tables",
            "IamRoleArn": "arn:aws:iam::123456789012:role/backup",
            "Resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"],
        },
    )["SelectionId"]

    with pytest.raises(ClientError) as exc:
        backup.delete_backup_plan(BackupPlanId=plan_id)
    assert error_code(exc) == "InvalidRequestException"
    assert "Related backup plan selections must be deleted prior to backup plan deletion" in str(exc.value)
    assert backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlanId"] == plan_id

    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    backup.delete_backup_plan(BackupPlanId=plan_id)


def test_plan_tags_from_create_and_tag_resource(backup: Any) -> None:
    tags = {"CamelCaseKey": "v", "Key with Spaces": "x"}
    created = backup.create_backup_plan(BackupPlan=plan_input(), BackupPlanTags=tags)
    arn = created["BackupPlanArn"]
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"CamelCaseKey": "v", "Key with Spaces": "x"}

    backup.tag_resource(ResourceArn=arn, Tags={"env": "prod"})
    backup.untag_resource(ResourceArn=arn, TagKeyList=["Key with Spaces"])
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"CamelCaseKey": "v", "env": "prod"}


@pytest.mark.parametrize(
    "bad_input",
    [
        plan_input(name="has spaces"),
        plan_input(rule="bad rule!"),
        plan_input(Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100}),
        {"BackupPlanName": "empty", "Rules": []},
    ],
    ids=["plan-name", "rule-name", "cold-storage-under-90-days", "no-rules"],
)
def test_invalid_plans_are_refused(backup: Any, bad_input: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        backup.create_backup_plan(BackupPlan=bad_input)
    assert error_code(exc) == "InvalidParameterValueException"
    assert backup.list_backup_plans()["BackupPlansList"] == []


def test_a_start_window_under_60_minutes_is_refused_at_create_and_update(backup: Any) -> None:
    for minutes in (59, 0):
        with pytest.raises(ClientError) as exc:
            backup.create_backup_plan(BackupPlan=plan_input(StartWindowMinutes=minutes))
        assert error_code(exc) == "InvalidParameterValueException"
        assert "StartWindowMinutes" in exc.value.response["Error"]["Message"]
    assert backup.list_backup_plans()["BackupPlansList"] == []

    plan_id = backup.create_backup_plan(BackupPlan=plan_input(StartWindowMinutes=60))["BackupPlanId"]
    with pytest.raises(ClientError) as exc:
        backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan=plan_input(StartWindowMinutes=30))
    assert error_code(exc) == "InvalidParameterValueException"
    [rule] = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"]
    assert rule["StartWindowMinutes"] == 60
    assert len(backup.list_backup_plan_versions(BackupPlanId=plan_id)["BackupPlanVersionsList"]) == 1


VAULT_ARN = "arn:aws:backup:eu-west-1:210987654321:backup-vault:copies"


@pytest.mark.parametrize("rule, code, words", [
    ({"CopyActions": [{"DestinationBackupVaultArn": "not-an-arn"}]}, "InvalidParameterValueException",
     "DestinationBackupVaultArn 'not-an-arn'"),
    ({"CopyActions": [{"DestinationBackupVaultArn": "arn:aws:s3:::bucket"}]}, "InvalidParameterValueException",
     "backup vault ARN"),
    ({"CopyActions": [{"Lifecycle": {"DeleteAfterDays": 7}}]}, "MissingParameterValueException",
     "DestinationBackupVaultArn is required"),
    ({"ScheduleExpressionTimezone": "Mars/Olympus_Mons"}, "InvalidParameterValueException",
     "ScheduleExpressionTimezone: Mars/Olympus_Mons"),
    ({"ScheduleExpressionTimezone": "GMT+2"}, "InvalidParameterValueException", "ScheduleExpressionTimezone"),
    ({"TargetBackupVaultName": "no spaces allowed"}, "InvalidParameterValueException", "TargetBackupVaultName"),
], ids=["copy-not-an-arn", "copy-not-a-vault-arn", "copy-without-destination", "timezone-unknown",
        "timezone-not-iana", "vault-name-pattern"])
def test_rules_aws_refuses_are_refused_at_create_and_update(
        backup: Any, client: Callable[..., Any], rule: dict[str, Any], code: str, words: str) -> None:
    # botocore checks required members before sending; AWS refuses them as well, for any client
    backup = client("backup", config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as exc:
        backup.create_backup_plan(BackupPlan=plan_input(**rule))
    assert error_code(exc) == code
    assert words in exc.value.response["Error"]["Message"]
    assert backup.list_backup_plans()["BackupPlansList"] == []
    plan_id = backup.create_backup_plan(BackupPlan=plan_input())["BackupPlanId"]
    with pytest.raises(ClientError) as exc:
        backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan=plan_input(**rule))
    assert error_code(exc) == code


def test_copy_actions_to_vault_arns_and_iana_time_zones_are_accepted(backup: Any) -> None:
    rule = {"CopyActions": [{"DestinationBackupVaultArn": VAULT_ARN, "Lifecycle": {"DeleteAfterDays": 30}}],
            "ScheduleExpressionTimezone": "America/New_York"}
    plan_id = backup.create_backup_plan(BackupPlan=plan_input(**rule))["BackupPlanId"]
    [got] = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"]
    assert got["CopyActions"] == rule["CopyActions"]
    assert got["ScheduleExpressionTimezone"] == "America/New_York"


def test_lifecycle_with_90_days_of_cold_storage_is_accepted(backup: Any) -> None:
    lifecycle = {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}
    plan_id = backup.create_backup_plan(BackupPlan=plan_input(Lifecycle=lifecycle))["BackupPlanId"]
    assert backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"][0]["Lifecycle"] == lifecycle


def test_unknown_plan_and_bad_next_token(backup: Any) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    for call in (
        lambda: backup.get_backup_plan(BackupPlanId=missing),
        lambda: backup.list_backup_plan_versions(BackupPlanId=missing),
        lambda: backup.update_backup_plan(BackupPlanId=missing, BackupPlan=plan_input()),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ResourceNotFoundException"

    with pytest.raises(ClientError) as exc:
        backup.list_backup_plans(NextToken="not-a-token")
    assert error_code(exc) == "InvalidParameterValueException"
