"""DynamoDB as AWS answers where moto 5.2.5 differs: TableId, restores, ListBackups."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

Client = Callable[..., Any]
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def make_table(ddb: Any, name: str, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    params.update(extra)
    return ddb.create_table(**params)["TableDescription"]


@pytest.fixture
def ddb(client: Client) -> Any:
    return client("dynamodb")


def test_describe_table_has_a_stable_table_id(ddb: Any) -> None:
    created = make_table(ddb, "orders")
    table_id = created["TableId"]
    assert str(uuid.UUID(table_id)) == table_id
    assert ddb.describe_table(TableName="orders")["Table"]["TableId"] == table_id
    assert ddb.describe_table(TableName=created["TableArn"])["Table"]["TableId"] == table_id
    other = make_table(ddb, "invoices")
    assert other["TableId"] != table_id
    ddb.delete_table(TableName="orders")
    assert make_table(ddb, "orders")["TableId"] != table_id


def test_restore_table_from_backup_keeps_billing_mode_and_encryption(ddb: Any) -> None:
    source = make_table(
        ddb,
        "orders",
        Tags=[{"Key": "team", "Value": "billing"}],
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY_ARN},
    )
    ddb.put_item(TableName="orders", Item={"pk": {"S": "a"}})
    backup = ddb.create_backup(TableName="orders", BackupName="manual")["BackupDetails"]
    ddb.put_item(TableName="orders", Item={"pk": {"S": "b"}})
    restored = ddb.restore_table_from_backup(TargetTableName="orders-copy", BackupArn=backup["BackupArn"])
    table = ddb.describe_table(TableName="orders-copy")["Table"]
    assert restored["TableDescription"]["TableId"] == table["TableId"] != source["TableId"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["KMSMasterKeyArn"] == KEY_ARN
    assert table["RestoreSummary"]["SourceBackupArn"] == backup["BackupArn"]
    assert table["RestoreSummary"]["SourceTableArn"] == source["TableArn"]
    assert table["RestoreSummary"]["RestoreInProgress"] is False
    assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == []
    assert [item["pk"]["S"] for item in ddb.scan(TableName="orders-copy")["Items"]] == ["a"]
    with pytest.raises(ClientError) as excinfo:
        ddb.restore_table_from_backup(TargetTableName="orders", BackupArn=backup["BackupArn"])
    assert excinfo.value.response["Error"]["Code"] == "TableAlreadyExistsException"


def test_provisioned_billing_is_kept_on_restore(ddb: Any) -> None:
    make_table(
        ddb,
        "provisioned",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
    )
    arn = ddb.create_backup(TableName="provisioned", BackupName="bak")["BackupDetails"]["BackupArn"]
    ddb.restore_table_from_backup(TargetTableName="provisioned-copy", BackupArn=arn)
    table = ddb.describe_table(TableName="provisioned-copy")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 7


def test_list_backups_filters_type_and_time_and_pages(ddb: Any, client: Client) -> None:
    table = make_table(ddb, "orders")
    ddb.put_item(TableName="orders", Item={"pk": {"S": "a"}, "data": {"S": "x" * 40}})
    user = [ddb.create_backup(TableName="orders", BackupName=f"bak{i}")["BackupDetails"] for i in range(3)]
    backup = client("backup")
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    backup.create_backup_vault(BackupVaultName="vault-a")
    aws_backup_arn = backup.start_backup_job(
        BackupVaultName="vault-a", ResourceArn=table["TableArn"], IamRoleArn="arn:aws:iam::123456789012:role/r"
    )["RecoveryPointArn"]

    default = ddb.list_backups(TableName="orders")["BackupSummaries"]
    assert [s["BackupArn"] for s in default] == [b["BackupArn"] for b in user]
    assert all(s["BackupType"] == "USER" for s in default)
    assert default[0]["TableId"] == table["TableId"]
    assert default[0]["BackupSizeBytes"] > 40
    aws_only = ddb.list_backups(BackupType="AWS_BACKUP")["BackupSummaries"]
    assert [s["BackupArn"] for s in aws_only] == [aws_backup_arn]
    assert len(ddb.list_backups(BackupType="ALL")["BackupSummaries"]) == 4
    assert ddb.list_backups(BackupType="SYSTEM")["BackupSummaries"] == []
    with pytest.raises(ClientError) as excinfo:
        ddb.list_backups(BackupType="WEEKLY")
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"

    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert ddb.list_backups(TimeRangeLowerBound=future)["BackupSummaries"] == []
    assert len(ddb.list_backups(TimeRangeUpperBound=future)["BackupSummaries"]) == 3

    first = ddb.list_backups(Limit=2)
    assert [s["BackupArn"] for s in first["BackupSummaries"]] == [b["BackupArn"] for b in user[:2]]
    rest = ddb.list_backups(Limit=2, ExclusiveStartBackupArn=first["LastEvaluatedBackupArn"])
    assert [s["BackupArn"] for s in rest["BackupSummaries"]] == [user[2]["BackupArn"]]
    assert "LastEvaluatedBackupArn" not in rest
    paged = ddb.get_paginator("list_backups").paginate(BackupType="ALL", PaginationConfig={"PageSize": 1})
    assert len([s for page in paged for s in page["BackupSummaries"]]) == 4


def test_source_table_details_of_a_backup_carry_the_table_id(ddb: Any) -> None:
    table = make_table(ddb, "orders")
    arn = ddb.create_backup(TableName="orders", BackupName="bak")["BackupDetails"]["BackupArn"]
    details = ddb.describe_backup(BackupArn=arn)["BackupDescription"]["SourceTableDetails"]
    assert details["TableId"] == table["TableId"]


def test_point_in_time_restore_keeps_billing_mode_and_gets_a_new_table_id(ddb: Any) -> None:
    source = make_table(ddb, "orders", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY_ARN})
    ddb.update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    ddb.restore_table_to_point_in_time(
        SourceTableName="orders", TargetTableName="orders-pitr", UseLatestRestorableTime=True
    )
    table = ddb.describe_table(TableName="orders-pitr")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["KMSMasterKeyArn"] == KEY_ARN
    assert table["TableId"] != source["TableId"]
    assert table["RestoreSummary"]["SourceTableArn"] == source["TableArn"]


def test_item_size_limit_is_checked_on_put_and_batch_write(ddb: Any) -> None:
    make_table(ddb, "sizes")
    # Under the limit with many attributes (moto re-measured the item per attribute).
    wide = {"pk": {"S": "wide"}, **{f"a{n:03d}": {"S": "x" * 1000} for n in range(300)}}
    ddb.put_item(TableName="sizes", Item=wide)
    assert len(ddb.get_item(TableName="sizes", Key={"pk": {"S": "wide"}})["Item"]) == 301
    too_big = {"pk": {"S": "big"}, "blob": {"S": "x" * 300_000}, "more": {"S": "y" * 120_000}}
    with pytest.raises(ClientError) as put_error:
        ddb.put_item(TableName="sizes", Item=too_big)
    assert put_error.value.response["Error"]["Code"] == "ValidationException"
    assert "Item size has exceeded the maximum allowed size" in put_error.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as batch_error:
        ddb.batch_write_item(RequestItems={"sizes": [{"PutRequest": {"Item": too_big}}]})
    assert batch_error.value.response["Error"]["Code"] == "ValidationException"
    assert "big" not in {i["pk"]["S"] for i in ddb.scan(TableName="sizes")["Items"]}


@pytest.mark.parametrize("name, messages", [
    ("ab", ["Member must have length greater than or equal to 3"]),
    ("bad name", ["Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"]),
    ("x" * 256, ["Member must have length less than or equal to 255"]),
    ("a/", ["Member must have length greater than or equal to 3",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"]),
])
def test_create_table_refuses_names_aws_refuses(ddb: Any, name: str, messages: list[str]) -> None:
    with pytest.raises(ClientError) as caught:
        make_table(ddb, name)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    count = f"{len(messages)} validation error{'s' if len(messages) > 1 else ''} detected: "
    assert error["Message"] == count + "; ".join(
        f"Value '{name}' at 'tableName' failed to satisfy constraint: {m}" for m in messages)
    assert ddb.list_tables()["TableNames"] == []
    # the longest and shortest names AWS takes, with every allowed character
    for good in ("a.b", "A-z_0.9" + "x" * 248):
        make_table(ddb, good)
    assert len(ddb.list_tables()["TableNames"]) == 2
