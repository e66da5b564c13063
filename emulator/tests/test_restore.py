"""AWS Backup restores of DynamoDB tables, restore jobs and protected resources."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from conftest import control

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup-role"
Client = Callable[..., Any]
_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


def error_code(excinfo: Any) -> str:
    return excinfo.value.response["Error"]["Code"]


def make_items(count: int = 50) -> list[dict[str, Any]]:
    """Items using every DynamoDB type: strings, numbers, binary, bool, null, sets, lists, maps."""
    items = []
    for i in range(count):
        items.append(
            {
                "customer": f"customer-{i % 7}",
                "order": Decimal(i),
                "total": Decimal(f"{i * 13.37:.2f}"),
                "negative": Decimal(-i) * Decimal("1.5"),
                "big": Decimal("12345678901234567890") + i,
                "paid": i % 2 == 0,
                "note": None if i % 5 == 0 else f"note {i}",
                "tags": {f"tag-{i % 3}", "all"},
                "scores": {Decimal(i), Decimal(i + 0.5)},
                "blobs": {Binary(bytes([i, 1])), Binary(b"\x00\xff")},
                "raw": Binary(bytes(range(i % 10 + 1))),
                "lines": [{"sku": f"sku-{i}", "qty": Decimal(i % 4 + 1)}, "gift", Decimal(3)],
                "address": {"city": "Lyon" if i % 2 else "Oslo", "geo": {"lat": Decimal("45.76"), "lon": Decimal(i)}},
            }
        )
    return items


def key(item: dict[str, Any]) -> tuple[str, Decimal]:
    return item["customer"], item["order"]


def scan_all(ddb: Any, table: str) -> dict[tuple[str, Decimal], dict[str, Any]]:
    result: dict[tuple[str, Decimal], dict[str, Any]] = {}
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        for raw in page["Items"]:
            item = {name: _deserialize(value) for name, value in raw.items()}
            result[key(item)] = item
    return result


def make_orders(ddb: Any, name: str = "orders", items: list[dict[str, Any]] | None = None) -> str:
    arn = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "order", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "order", "AttributeType": "N"},
            {"AttributeName": "total", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-total",
                "KeySchema": [{"AttributeName": "total", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "team", "Value": "billing"}],
    )["TableDescription"]["TableArn"]
    for item in items or []:
        ddb.put_item(TableName=name, Item={k: _serialize(v) for k, v in item.items()})
    return arn


def wait(describe: Callable[[], dict[str, Any]], field: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = describe()
        if answer[field] in ("COMPLETED", "FAILED", "ABORTED") or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def back_up(backup: Any, table_arn: str, vault: str = "vault-a") -> str:
    job_id = backup.start_backup_job(BackupVaultName=vault, ResourceArn=table_arn, IamRoleArn=ROLE)["BackupJobId"]
    job = wait(lambda: backup.describe_backup_job(BackupJobId=job_id), "State")
    assert job["State"] == "COMPLETED", job
    return job["RecoveryPointArn"]


def restore(backup: Any, rp_arn: str, target: str, **extra: Any) -> dict[str, Any]:
    metadata = {"targetTableName": target, **extra.pop("metadata", {})}
    job_id = backup.start_restore_job(
        RecoveryPointArn=rp_arn, Metadata=metadata, IamRoleArn=ROLE, ResourceType="DynamoDB", **extra
    )["RestoreJobId"]
    return wait(lambda: backup.describe_restore_job(RestoreJobId=job_id), "Status")


@pytest.fixture
def env(client: Client, endpoint: str) -> dict[str, Any]:
    control(endpoint, job_seconds=0.02)  # tests that watch a job's progress set their own
    ddb, backup = client("dynamodb"), client("backup")
    backup.create_backup_vault(BackupVaultName="vault-a")
    return {"ddb": ddb, "backup": backup}


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("advanced", [True, False], ids=["advanced-arn", "dynamodb-arn"])
def test_restore_holds_exactly_the_snapshot(env: dict[str, Any], advanced: bool) -> None:
    ddb, backup = env["ddb"], env["backup"]
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": advanced})
    snapshot = make_items()
    source_arn = make_orders(ddb, items=snapshot)
    rp_arn = back_up(backup, source_arn)
    assert rp_arn.startswith("arn:aws:backup:" if advanced else "arn:aws:dynamodb:")

    # Change the source after the backup: update, delete and add items.
    ddb.update_item(
        TableName="orders",
        Key={"customer": {"S": "customer-0"}, "order": {"N": "0"}},
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "changed"}},
    )
    ddb.delete_item(TableName="orders", Key={"customer": {"S": "customer-1"}, "order": {"N": "1"}})
    ddb.put_item(TableName="orders", Item={"customer": {"S": "new"}, "order": {"N": "999"}})

    job = restore(backup, rp_arn, "orders-restored")
    assert job["Status"] == "COMPLETED", job
    restored = scan_all(ddb, "orders-restored")
    expected = {key(item): item for item in snapshot}
    assert len(restored) == 50
    assert restored == expected
    assert restored != scan_all(ddb, "orders")


def test_restored_table_keeps_schema_and_billing_but_not_tags(env: dict[str, Any]) -> None:
    ddb, backup = env["ddb"], env["backup"]
    source_arn = make_orders(ddb, items=make_items(5))
    rp_arn = back_up(backup, source_arn)
    job = restore(backup, rp_arn, "orders-copy")
    source = ddb.describe_table(TableName="orders")["Table"]
    table = ddb.describe_table(TableName="orders-copy")["Table"]
    assert job["CreatedResourceArn"] == table["TableArn"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders-copy"
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == source["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        source["AttributeDefinitions"], key=lambda a: a["AttributeName"]
    )
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["by-total"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ItemCount"] == 5
    assert table["TableId"] != source["TableId"]
    summary = table["RestoreSummary"]
    assert summary["SourceBackupArn"] == rp_arn
    assert summary["SourceTableArn"] == source_arn
    assert summary["RestoreInProgress"] is False
    assert isinstance(summary["RestoreDateTime"], datetime)
    assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == []


def test_copy_source_tags_to_restored_resource(env: dict[str, Any]) -> None:
    ddb, backup = env["ddb"], env["backup"]
    rp_arn = back_up(backup, make_orders(ddb))
    job = restore(backup, rp_arn, "orders-tagged", CopySourceTagsToRestoredResource=True)
    tags = ddb.list_tags_of_resource(ResourceArn=job["CreatedResourceArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "billing"}]


def test_kms_encryption_type_encrypts_the_restored_table(env: dict[str, Any], client: Client) -> None:
    ddb, backup = env["ddb"], env["backup"]
    key_arn = client("kms").create_key(Description="restore key")["KeyMetadata"]["Arn"]
    rp_arn = back_up(backup, make_orders(ddb))
    restore(backup, rp_arn, "orders-kms", metadata={"encryptionType": "KMS", "kmsMasterKeyArn": key_arn})
    sse = ddb.describe_table(TableName="orders-kms")["Table"]["SSEDescription"]
    assert sse == {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key_arn}
    restore(backup, rp_arn, "orders-default")
    assert "SSEDescription" not in ddb.describe_table(TableName="orders-default")["Table"]


def test_restore_in_progress_is_visible(env: dict[str, Any], endpoint: str) -> None:
    ddb, backup = env["ddb"], env["backup"]
    rp_arn = back_up(backup, make_orders(ddb, items=make_items(3)))
    control(endpoint, job_seconds=2.0)
    began = time.monotonic()
    job_id = backup.start_restore_job(RecoveryPointArn=rp_arn, Metadata={"targetTableName": "slow"}, IamRoleArn=ROLE)[
        "RestoreJobId"
    ]
    pending = backup.describe_restore_job(RestoreJobId=job_id)
    assert pending["Status"] == "PENDING"
    assert "CompletionDate" not in pending and "CreatedResourceArn" not in pending
    table = ddb.describe_table(TableName="slow")["Table"]
    assert table["TableStatus"] == "CREATING"
    assert table["RestoreSummary"]["RestoreInProgress"] is True
    time.sleep(max(0.0, 1.2 - (time.monotonic() - began)))
    assert backup.describe_restore_job(RestoreJobId=job_id)["Status"] == "RUNNING"
    time.sleep(max(0.0, 2.1 - (time.monotonic() - began)))
    done = backup.describe_restore_job(RestoreJobId=job_id)
    assert done["Status"] == "COMPLETED" and done["PercentDone"] == "100.0"
    table = ddb.describe_table(TableName="slow")["Table"]
    assert table["TableStatus"] == "ACTIVE" and table["RestoreSummary"]["RestoreInProgress"] is False


def test_restoring_onto_an_existing_table_fails_the_job(env: dict[str, Any]) -> None:
    ddb, backup = env["ddb"], env["backup"]
    rp_arn = back_up(backup, make_orders(ddb, items=make_items(4)))
    make_orders(ddb, "occupied", items=make_items(1))
    job = restore(backup, rp_arn, "occupied")
    assert job["Status"] == "FAILED"
    assert job["StatusMessage"] == "Table already exists: occupied"
    assert "CreatedResourceArn" not in job
    assert len(scan_all(ddb, "occupied")) == 1
    assert "RestoreSummary" not in ddb.describe_table(TableName="occupied")["Table"]


def test_dynamodb_can_restore_an_aws_backup_backup(env: dict[str, Any]) -> None:
    ddb, backup = env["ddb"], env["backup"]
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    items = make_items(6)
    rp_arn = back_up(backup, make_orders(ddb, items=items))
    ddb.restore_table_from_backup(TargetTableName="via-dynamodb", BackupArn=rp_arn)
    assert scan_all(ddb, "via-dynamodb") == {key(item): item for item in items}


# --------------------------------------------------------------------------- StartRestoreJob errors


def test_start_restore_job_errors(env: dict[str, Any], endpoint: str) -> None:
    ddb, backup = env["ddb"], env["backup"]
    rp_arn = back_up(backup, make_orders(ddb))
    cases = [
        (
            {
                "RecoveryPointArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:nope",
                "Metadata": {"targetTableName": "x1x"},
            },
            "ResourceNotFoundException",
        ),
        ({"RecoveryPointArn": rp_arn, "Metadata": {"encryptionType": "Default"}}, "MissingParameterValueException"),
        (
            {"RecoveryPointArn": rp_arn, "Metadata": {"targetTableName": "x1x", "encryptionType": "KMS"}},
            "InvalidParameterValueException",
        ),
        (
            {"RecoveryPointArn": rp_arn, "Metadata": {"targetTableName": "x1x", "encryptionType": "Strong"}},
            "InvalidParameterValueException",
        ),
        ({"RecoveryPointArn": rp_arn, "Metadata": {"targetTableName": "x"}}, "InvalidParameterValueException"),
        (
            {"RecoveryPointArn": rp_arn, "Metadata": {"targetTableName": "x1x"}, "ResourceType": "EBS"},
            "InvalidParameterValueException",
        ),
    ]
    for params, code in cases:
        with pytest.raises(ClientError) as excinfo:
            backup.start_restore_job(IamRoleArn=ROLE, **params)
        assert error_code(excinfo) == code, params
    control(endpoint, job_seconds=30)
    job_id = backup.start_backup_job(
        BackupVaultName="vault-a",
        ResourceArn=ddb.describe_table(TableName="orders")["Table"]["TableArn"],
        IamRoleArn=ROLE,
    )["BackupJobId"]
    running_rp = backup.describe_backup_job(BackupJobId=job_id)["RecoveryPointArn"]
    with pytest.raises(ClientError) as excinfo:
        backup.start_restore_job(RecoveryPointArn=running_rp, Metadata={"targetTableName": "x1x"}, IamRoleArn=ROLE)
    assert error_code(excinfo) == "InvalidRequestException"
    assert backup.list_restore_jobs()["RestoreJobs"] == []
    with pytest.raises(ClientError) as excinfo:
        backup.describe_restore_job(RestoreJobId="00000000-0000-0000-0000-000000000000")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_restore_idempotency_token(env: dict[str, Any]) -> None:
    backup = env["backup"]
    rp_arn = back_up(backup, make_orders(env["ddb"]))
    params = {"RecoveryPointArn": rp_arn, "Metadata": {"targetTableName": "once"}, "IamRoleArn": ROLE}
    first = backup.start_restore_job(IdempotencyToken="t", **params)["RestoreJobId"]
    assert backup.start_restore_job(IdempotencyToken="t", **params)["RestoreJobId"] == first
    assert len(backup.list_restore_jobs()["RestoreJobs"]) == 1


# --------------------------------------------------------------------------- ListRestoreJobs


def test_describe_and_list_restore_jobs(env: dict[str, Any]) -> None:
    ddb, backup = env["ddb"], env["backup"]
    source_arn = make_orders(ddb, items=make_items(2))
    rp_arn = back_up(backup, source_arn)
    rp = backup.describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=rp_arn)
    make_orders(ddb, "taken")
    ids = []
    for target in ("copy-1", "taken", "copy-2"):
        ids.append(restore(backup, rp_arn, target)["RestoreJobId"])
        time.sleep(0.02)
    job = backup.describe_restore_job(RestoreJobId=ids[0])
    assert job["AccountId"] == ACCOUNT
    assert job["RecoveryPointArn"] == rp_arn
    assert job["SourceResourceArn"] == source_arn
    assert job["BackupVaultArn"].endswith(":backup-vault:vault-a")
    assert job["ResourceType"] == "DynamoDB"
    assert job["IamRoleArn"] == ROLE
    assert job["BackupSizeInBytes"] == rp["BackupSizeInBytes"]
    assert job["RecoveryPointCreationDate"] == rp["CreationDate"]
    assert job["ExpectedCompletionTimeMinutes"] >= 0
    assert job["CompletionDate"] >= job["CreationDate"]

    def listed(**filters: Any) -> list[str]:
        return [j["RestoreJobId"] for j in backup.list_restore_jobs(**filters)["RestoreJobs"]]

    assert listed() == ids[::-1]
    assert listed(ByStatus="FAILED") == [ids[1]]
    assert listed(ByStatus="COMPLETED") == [ids[2], ids[0]]
    assert listed(ByResourceType="DynamoDB") == ids[::-1]
    assert listed(ByResourceType="EBS") == []
    assert listed(ByAccountId=ACCOUNT) == ids[::-1]
    assert listed(ByAccountId="111111111111") == []
    middle = backup.describe_restore_job(RestoreJobId=ids[1])["CreationDate"]
    assert listed(ByCreatedAfter=middle) == [ids[2]]
    assert listed(ByCreatedBefore=middle) == [ids[0]]
    assert listed(ByCompleteAfter=datetime.now(timezone.utc) + timedelta(hours=1)) == []

    seen, token = [], None
    while True:
        page = backup.list_restore_jobs(MaxResults=1, **({"NextToken": token} if token else {}))
        assert len(page["RestoreJobs"]) == 1
        seen.append(page["RestoreJobs"][0]["RestoreJobId"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ids[::-1]


# --------------------------------------------------------------------------- protected resources


def test_protected_resources(env: dict[str, Any]) -> None:
    ddb, backup = env["ddb"], env["backup"]
    orders = make_orders(ddb)
    invoices = make_orders(ddb, "invoices")
    assert backup.list_protected_resources()["Results"] == []
    back_up(backup, orders)
    time.sleep(0.02)
    latest_invoice_rp = back_up(backup, invoices)
    missing = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/missing"
    job_id = backup.start_backup_job(BackupVaultName="vault-a", ResourceArn=missing, IamRoleArn=ROLE)["BackupJobId"]
    assert wait(lambda: backup.describe_backup_job(BackupJobId=job_id), "State")["State"] == "FAILED"

    results = backup.list_protected_resources()["Results"]
    assert [r["ResourceArn"] for r in results] == [invoices, orders]
    first = results[0]
    assert first["ResourceType"] == "DynamoDB"
    assert first["ResourceName"] == "invoices"
    assert first["LastBackupVaultArn"].endswith(":backup-vault:vault-a")
    assert first["LastRecoveryPointArn"] == latest_invoice_rp
    assert isinstance(first["LastBackupTime"], datetime)

    page = backup.list_protected_resources(MaxResults=1)
    assert [r["ResourceArn"] for r in page["Results"]] == [invoices]
    page = backup.list_protected_resources(MaxResults=1, NextToken=page["NextToken"])
    assert [r["ResourceArn"] for r in page["Results"]] == [orders]
    assert "NextToken" not in page

    described = backup.describe_protected_resource(ResourceArn=invoices)
    assert described["LastRecoveryPointArn"] == latest_invoice_rp
    assert "LatestRestoreJobCreationDate" not in described
    job = restore(backup, latest_invoice_rp, "invoices-copy")
    described = backup.describe_protected_resource(ResourceArn=invoices)
    assert described["LatestRestoreJobCreationDate"] == job["CreationDate"]
    assert described["LatestRestoreRecoveryPointCreationDate"] == job["RecoveryPointCreationDate"]
    assert described["LatestRestoreExecutionTimeMinutes"] >= 0
    with pytest.raises(ClientError) as excinfo:
        backup.describe_protected_resource(ResourceArn=missing)
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_restore_with_a_kms_key_that_does_not_exist_fails_the_job(env: dict[str, Any]) -> None:
    ddb, backup = env["ddb"], env["backup"]
    missing = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
    rp_arn = back_up(backup, make_orders(ddb))
    job = restore(backup, rp_arn, "orders-no-key", metadata={"encryptionType": "KMS", "kmsMasterKeyArn": missing})
    assert job["Status"] == "FAILED"
    assert missing in job["StatusMessage"]
    assert "orders-no-key" not in ddb.list_tables()["TableNames"]
