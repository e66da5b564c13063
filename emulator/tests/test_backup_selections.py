"""AWS Backup selections (resource assignments) of a backup plan."""

from __future__ import annotations

import datetime
import json
import re
import urllib.request
from typing import Any, Callable

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from backupkit_emulator.backup.models import backup_backends
from conftest import control, make_role

ROLE = "arn:aws:iam::123456789012:role/backup-role"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
EMPTY_CONDITIONS = {"StringEquals": [], "StringNotEquals": [], "StringLike": [], "StringNotLike": []}


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


@pytest.fixture
def backup(client: Callable[..., Any]) -> Any:
    return client("backup")


@pytest.fixture
def plan_id(backup: Any, client: Callable[..., Any]) -> str:
    make_role(client("iam"))
    backup.create_backup_vault(BackupVaultName="vault-a")
    plan = {"BackupPlanName": "daily", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "vault-a"}]}
    return backup.create_backup_plan(BackupPlan=plan)["BackupPlanId"]


def selection(name: str = "tables", **extra: Any) -> dict[str, Any]:
    return {"SelectionName": name, "IamRoleArn": ROLE, **extra}


def test_create_and_get_selection_fills_empty_conditions(backup: Any, plan_id: str) -> None:
    created = backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection=selection(Resources=[TABLE], NotResources=[], ListOfTags=[
            {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}
        ]),
        CreatorRequestId="req-1",
    )
    assert re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", created["SelectionId"])
    assert created["BackupPlanId"] == plan_id
    assert isinstance(created["CreationDate"], datetime.datetime)

    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert got["SelectionId"] == created["SelectionId"]
    assert got["BackupPlanId"] == plan_id
    assert got["CreatorRequestId"] == "req-1"
    assert got["BackupSelection"] == selection(
        Resources=[TABLE],
        NotResources=[],
        ListOfTags=[{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
        Conditions=EMPTY_CONDITIONS,
    )


def test_given_conditions_are_kept_and_the_other_operators_filled(backup: Any, plan_id: str) -> None:
    like = [{"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "prod*"}]
    selection_id = backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection=selection(Resources=["*"], Conditions={"StringLike": like})
    )["SelectionId"]
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    conditions = got["BackupSelection"]["Conditions"]
    assert conditions == {**EMPTY_CONDITIONS, "StringLike": like}


def test_amazon_aws_backup_selection_sees_no_change_for_the_same_selection(backup: Any, plan_id: str) -> None:
    """amazon.aws.backup_selection compares AWS's Conditions with its own default form."""
    module = pytest.importorskip("ansible_collections.amazon.aws.plugins.modules.backup_selection")
    desired = {"SelectionName": "tables", "IamRoleArn": ROLE, "Resources": [TABLE]}
    selection_id = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=desired)["SelectionId"]
    current = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)["BackupSelection"]
    assert json.dumps(current["Conditions"], sort_keys=True) == (
        '{"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []}'
    )
    assert module.check_for_update([current], desired, ROLE) is False
    assert module.check_for_update([current], {**desired, "Resources": ["*"]}, ROLE) is True


def test_list_selections_paginates(backup: Any, plan_id: str) -> None:
    ids = [
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection(f"sel-{i}", Resources=[TABLE]))[
            "SelectionId"
        ]
        for i in range(3)
    ]
    items: list[dict[str, Any]] = []
    token = None
    pages = 0
    while True:
        extra = {"NextToken": token} if token else {}
        page = backup.list_backup_selections(BackupPlanId=plan_id, MaxResults=1, **extra)
        pages += 1
        items.extend(page["BackupSelectionsList"])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert [item["SelectionId"] for item in items] == ids
    assert set(items[0]) == {
        "SelectionId", "SelectionName", "BackupPlanId", "CreationDate", "CreatorRequestId", "IamRoleArn"
    }
    assert [item["SelectionName"] for item in items] == ["sel-0", "sel-1", "sel-2"]
    assert {item["IamRoleArn"] for item in items} == {ROLE}
    full = backup.get_paginator("list_backup_selections").paginate(BackupPlanId=plan_id).build_full_result()
    assert [item["SelectionId"] for item in full["BackupSelectionsList"]] == ids


def test_delete_selection(backup: Any, plan_id: str) -> None:
    selection_id = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection(Resources=[TABLE]))[
        "SelectionId"
    ]
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)

    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    for call in (
        lambda: backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id),
        lambda: backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ResourceNotFoundException"


def test_missing_or_deleted_plan_is_not_found(backup: Any, plan_id: str) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    backup.delete_backup_plan(BackupPlanId=plan_id)
    for target in (missing, plan_id):
        with pytest.raises(ClientError) as exc:
            backup.create_backup_selection(BackupPlanId=target, BackupSelection=selection(Resources=[TABLE]))
        assert error_code(exc) == "ResourceNotFoundException"
        with pytest.raises(ClientError) as exc:
            backup.list_backup_selections(BackupPlanId=target)
        assert error_code(exc) == "ResourceNotFoundException"
        with pytest.raises(ClientError) as exc:
            backup.get_backup_selection(BackupPlanId=target, SelectionId=missing)
        assert error_code(exc) == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "bad",
    [
        selection(IamRoleArn="backup-role"),
        selection(IamRoleArn="arn:aws:iam::123456789012:user/someone"),
        selection(name="has spaces"),
    ],
    ids=["role-name-not-arn", "user-arn", "selection-name"],
)
def test_invalid_selection_is_refused(backup: Any, plan_id: str, bad: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={**bad, "Resources": [TABLE]})
    assert error_code(exc) == "InvalidParameterValueException"
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []


@pytest.mark.parametrize("document, code, words", [
    ({"Resources": ["orders"]}, "InvalidParameterValueException", "Invalid ARN 'orders' in Resources"),
    ({"Resources": ["table/*"]}, "InvalidParameterValueException", "in Resources"),
    ({"Resources": ["*"], "NotResources": ["arn:aws:dynamodb"]}, "InvalidParameterValueException",
     "in NotResources"),
    ({"ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionValue": "daily"}]},
     "MissingParameterValueException", "ConditionKey is required"),
    ({"ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup"}]},
     "MissingParameterValueException", "ConditionValue is required"),
    ({"ListOfTags": [{"ConditionKey": "backup", "ConditionValue": "daily"}]},
     "MissingParameterValueException", "ConditionType is required"),
    ({"ListOfTags": [{"ConditionType": "STRINGLIKE", "ConditionKey": "backup", "ConditionValue": "d*"}]},
     "InvalidParameterValueException", "ConditionType 'STRINGLIKE'"),
], ids=["resource-name", "resource-fragment", "not-resource", "tag-without-key", "tag-without-value",
        "tag-without-type", "tag-type"])
def test_resources_and_tags_aws_refuses_are_refused(
    client: Callable[..., Any], plan_id: str, document: dict[str, Any], code: str, words: str
) -> None:
    # botocore checks required members before sending; AWS refuses them as well, for any client
    unchecked = client("backup", config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as exc:
        unchecked.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection(**document))
    assert error_code(exc) == code
    assert words in exc.value.response["Error"]["Message"]
    assert unchecked.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []


def test_resource_arn_patterns_and_star_are_accepted(backup: Any, plan_id: str) -> None:
    for resources in (["*"], ["arn:aws:dynamodb:*:*:table/*"], [TABLE, "arn:aws:dynamodb:us-east-1:*:table/ord?rs"]):
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection(
            name=f"s{len(resources)}{len(resources[0])}", Resources=resources, NotResources=[TABLE]))
    assert len(backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]) == 3


def test_creator_request_id_makes_create_idempotent(backup: Any, plan_id: str) -> None:
    first = backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection=selection(Resources=[TABLE]), CreatorRequestId="retry-1"
    )
    again = backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection=selection(Resources=[TABLE]), CreatorRequestId="retry-1"
    )
    assert again["SelectionId"] == first["SelectionId"]
    assert len(backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]) == 1


def test_backend_selections_for_plan(backup: Any, plan_id: str) -> None:
    backend = backup_backends["123456789012"]["us-east-1"]
    assert backend.selections_for_plan(plan_id) == []
    selection_id = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection(Resources=[TABLE]))[
        "SelectionId"
    ]
    [found] = backend.selections_for_plan(plan_id)
    assert found.selection_id == selection_id
    assert found.backup_selection["Resources"] == [TABLE]
    assert backend.selections_for_plan("unknown-plan") == []


def test_a_role_that_does_not_exist_is_refused_as_aws_refuses_a_role_it_cannot_assume(
    backup: Any, plan_id: str
) -> None:
    missing = "arn:aws:iam::123456789012:role/not-there"
    with pytest.raises(ClientError) as exc:
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
            "SelectionName": "x", "IamRoleArn": missing, "Resources": [TABLE]})
    assert error_code(exc) == "InvalidParameterValueException"
    assert exc.value.response["Error"]["Message"] == f"IAM Role {missing} cannot be assumed by AWS Backup"
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []


def test_a_new_role_is_refused_until_iam_has_propagated_it(
    backup: Any, plan_id: str, client: Callable[..., Any], endpoint: str
) -> None:
    assert control(endpoint)["iam_propagation_seconds"] == 0  # off by default: the fixture's role is usable
    control(endpoint, iam_propagation_seconds=100)
    fresh = make_role(client("iam"), "fresh-role")
    document = {"SelectionName": "fresh", "IamRoleArn": fresh, "Resources": [TABLE]}
    with pytest.raises(ClientError) as exc:
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=document)
    assert error_code(exc) == "InvalidParameterValueException"
    assert exc.value.response["Error"]["Message"] == f"IAM Role {fresh} cannot be assumed by AWS Backup"
    advance(endpoint, 90)  # the clock ticks with real time too: ten seconds of margin
    with pytest.raises(ClientError):
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=document)
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    advance(endpoint, 10)  # a hundred seconds after the role was created
    created = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=document)
    assert [s["SelectionId"] for s in backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]] == [
        created["SelectionId"]]


def advance(endpoint: str, seconds: float) -> None:
    request = urllib.request.Request(endpoint + "/_backupkit/clock", data=json.dumps({"advance_seconds": seconds}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).read()


def test_not_given_lists_come_back_empty(backup: Any, plan_id: str) -> None:
    selection_id = backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection=selection(Resources=[TABLE]))["SelectionId"]
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)["BackupSelection"]
    assert got["NotResources"] == [] and got["ListOfTags"] == [] and got["Conditions"] == EMPTY_CONDITIONS
