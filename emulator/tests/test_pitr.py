"""DynamoDB point-in-time recovery on the clock: the table as it was at the instant asked for."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from backupkit_emulator.server import EmulatorServer

Client = Callable[..., Any]


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


@pytest.fixture
def ddb(client: Client) -> Any:
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def items(ddb: Any, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(i["pk"]["S"], i["sk"]["S"]): i for i in ddb.scan(TableName=table)["Items"]}


def put(ddb: Any, pk: str, sk: str, **attrs: str) -> None:
    ddb.put_item(TableName="orders", Item={"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in attrs.items()}})


def test_restore_to_a_point_in_time_gives_the_table_as_it_was_then(
    ddb: Any, emulator_server: EmulatorServer
) -> None:
    put(ddb, "o1", "a", state="new")
    ddb.update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    emulator_server.advance(3600)
    before_changes = emulator_server.clock()
    emulator_server.advance(60)
    # every write path: PutItem, UpdateItem (in place in moto), DeleteItem, BatchWriteItem, transactions
    ddb.update_item(TableName="orders", Key={"pk": {"S": "o1"}, "sk": {"S": "a"}},
                    UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "state"},
                    ExpressionAttributeValues={":s": {"S": "paid"}})
    put(ddb, "o2", "a", state="new")
    ddb.batch_write_item(RequestItems={"orders": [{"PutRequest": {"Item": {"pk": {"S": "o3"}, "sk": {"S": "a"}}}}]})
    emulator_server.advance(3600)
    middle = emulator_server.clock()
    emulator_server.advance(60)
    ddb.delete_item(TableName="orders", Key={"pk": {"S": "o2"}, "sk": {"S": "a"}})
    ddb.transact_write_items(TransactItems=[{"Update": {
        "TableName": "orders", "Key": {"pk": {"S": "o1"}, "sk": {"S": "a"}},
        "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "state"},
        "ExpressionAttributeValues": {":s": {"S": "shipped"}}}}])
    emulator_server.advance(600)  # past the 5 minutes before the latest restorable time

    ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="at-start",
                                       RestoreDateTime=parse(before_changes))
    ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="at-middle",
                                       RestoreDateTime=parse(middle))
    ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="at-latest",
                                       UseLatestRestorableTime=True)
    assert {k: v["state"]["S"] for k, v in items(ddb, "at-start").items()} == {("o1", "a"): "new"}
    assert {k: v.get("state", {}).get("S") for k, v in items(ddb, "at-middle").items()} == {
        ("o1", "a"): "paid", ("o2", "a"): "new", ("o3", "a"): None}
    assert {k: v.get("state", {}).get("S") for k, v in items(ddb, "at-latest").items()} == {
        ("o1", "a"): "shipped", ("o3", "a"): None}
    summary = ddb.describe_table(TableName="at-middle")["Table"]["RestoreSummary"]
    assert summary["RestoreDateTime"] == parse(middle).replace(microsecond=parse(middle).microsecond // 1000 * 1000)
    # the restored tables are independent of the source and of each other
    put(ddb, "o9", "z")
    assert ("o9", "z") not in items(ddb, "at-latest")


def test_restorable_window_follows_the_clock_and_the_recovery_period(
    ddb: Any, emulator_server: EmulatorServer
) -> None:
    enabled = ddb.update_continuous_backups(
        TableName="orders",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 3},
    )["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert enabled["RecoveryPeriodInDays"] == 3
    start = enabled["EarliestRestorableDateTime"]
    put(ddb, "old", "a")
    emulator_server.advance(86400)
    window = ddb.describe_continuous_backups(TableName="orders")["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]
    now = parse(emulator_server.clock())
    assert window["EarliestRestorableDateTime"] == start
    assert abs((now - timedelta(minutes=5)) - window["LatestRestorableDateTime"]) < timedelta(seconds=2)

    emulator_server.advance(5 * 86400)  # history older than 3 days is gone
    window = ddb.describe_continuous_backups(TableName="orders")["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]
    now = parse(emulator_server.clock())
    assert abs((now - timedelta(days=3)) - window["EarliestRestorableDateTime"]) < timedelta(seconds=2)
    with pytest.raises(ClientError) as error:
        ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="too-old",
                                           RestoreDateTime=start + timedelta(minutes=1))
    assert error.value.response["Error"]["Code"] == "InvalidRestoreTimeException"
    with pytest.raises(ClientError) as error:  # the future, and the last 5 minutes, are not restorable
        ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="too-new",
                                           RestoreDateTime=now - timedelta(minutes=1))
    assert error.value.response["Error"]["Code"] == "InvalidRestoreTimeException"
    # what aged out of the period is still in the restored table (folded into the oldest state)
    ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="earliest",
                                       RestoreDateTime=window["EarliestRestorableDateTime"] + timedelta(minutes=1))
    assert set(items(ddb, "earliest")) == {("old", "a")}


def test_point_in_time_restore_needs_pitr_and_refuses_what_aws_refuses(ddb: Any) -> None:
    with pytest.raises(ClientError) as error:
        ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="copy",
                                           UseLatestRestorableTime=True)
    assert error.value.response["Error"]["Code"] == "PointInTimeRecoveryUnavailableException"
    ddb.update_continuous_backups(TableName="orders",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    with pytest.raises(ClientError) as error:
        ddb.restore_table_to_point_in_time(SourceTableName="nope", TargetTableName="copy",
                                           UseLatestRestorableTime=True)
    assert error.value.response["Error"]["Code"] == "SourceTableNotFoundException"
    with pytest.raises(ClientError) as error:
        ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="orders",
                                           UseLatestRestorableTime=True)
    assert error.value.response["Error"]["Code"] == "TableAlreadyExistsException"
    ddb.update_continuous_backups(TableName="orders",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    described = ddb.describe_continuous_backups(TableName="orders")["ContinuousBackupsDescription"]
    assert described["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    with pytest.raises(ClientError) as error:
        ddb.restore_table_to_point_in_time(
            SourceTableArn="arn:aws:dynamodb:us-east-1:123456789012:table/orders", TargetTableName="copy",
            UseLatestRestorableTime=True)
    assert error.value.response["Error"]["Code"] == "PointInTimeRecoveryUnavailableException"


def test_a_failed_transaction_leaves_no_trace_and_pitr_goes_on(ddb: Any, emulator_server: EmulatorServer) -> None:
    ddb.update_continuous_backups(TableName="orders",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    put(ddb, "kept", "a")
    with pytest.raises(ClientError):  # moto puts back a copy of the table when a transaction fails
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "orders", "Item": {"pk": {"S": "rolled-back"}, "sk": {"S": "a"}}}},
            {"ConditionCheck": {"TableName": "orders", "Key": {"pk": {"S": "nope"}, "sk": {"S": "a"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
    put(ddb, "after", "a")
    emulator_server.advance(600)
    ddb.restore_table_to_point_in_time(SourceTableName="orders", TargetTableName="latest",
                                       UseLatestRestorableTime=True)
    assert set(items(ddb, "latest")) == {("kept", "a"), ("after", "a")}
