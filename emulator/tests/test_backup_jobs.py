"""AWS Backup backup jobs: StartBackupJob, DescribeBackupJob, ListBackupJobs, StopBackupJob."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from conftest import control

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup-role"
JOB_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


def make_table(ddb: Any, name: str, items: int = 3) -> str:
    arn = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]
    for i in range(items):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"item-{i}"}, "n": {"N": str(i)}})
    return arn


def wait_job(backup: Any, job_id: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = backup.describe_backup_job(BackupJobId=job_id)
        if job["State"] in ("COMPLETED", "FAILED", "ABORTED") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def error_code(excinfo: Any) -> str:
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture
def env(client: Callable[..., Any], endpoint: str) -> dict[str, Any]:
    control(endpoint, job_seconds=0.02)  # tests that watch a job's progress set their own
    ddb, backup = client("dynamodb"), client("backup")
    backup.create_backup_vault(BackupVaultName="vault-a")
    return {"ddb": ddb, "backup": backup, "table": make_table(ddb, "orders")}


def start(env: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    params = {"BackupVaultName": "vault-a", "ResourceArn": env["table"], "IamRoleArn": ROLE}
    params.update(overrides)
    return env["backup"].start_backup_job(**params)


def test_start_backup_job_answers_like_aws(env: dict[str, Any]) -> None:
    started = start(env)
    assert JOB_ID.match(started["BackupJobId"])
    assert started["RecoveryPointArn"].startswith(f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:")
    assert isinstance(started["CreationDate"], datetime)
    assert started["IsParent"] is False


def test_describe_backup_job_reports_every_documented_field(env: dict[str, Any]) -> None:
    started = start(env, Lifecycle={"DeleteAfterDays": 35}, StartWindowMinutes=60)
    job = wait_job(env["backup"], started["BackupJobId"])
    assert job["State"] == "COMPLETED"
    assert job["BackupJobId"] == started["BackupJobId"]
    assert job["AccountId"] == ACCOUNT
    assert job["BackupVaultName"] == "vault-a"
    assert job["BackupVaultArn"] == f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:vault-a"
    assert job["RecoveryPointArn"] == started["RecoveryPointArn"]
    assert job["ResourceArn"] == env["table"]
    assert job["ResourceType"] == "DynamoDB"
    assert job["ResourceName"] == "orders"
    assert job["IamRoleArn"] == ROLE
    assert job["PercentDone"] == "100.0"
    assert job["BackupSizeInBytes"] > 0
    assert job["RecoveryPointLifecycle"] == {"DeleteAfterDays": 35}
    assert job["CreationDate"] <= job["CompletionDate"]
    assert job["StartBy"] - job["CreationDate"] == timedelta(minutes=60)
    assert job["ExpectedCompletionDate"] >= job["CreationDate"]
    assert job["IsParent"] is False
    assert "StatusMessage" not in job


def test_job_moves_from_created_to_running_to_completed(env: dict[str, Any], endpoint: str) -> None:
    control(endpoint, job_seconds=2.0)
    began = time.monotonic()
    job_id = start(env)["BackupJobId"]
    first = env["backup"].describe_backup_job(BackupJobId=job_id)
    assert first["State"] == "CREATED" and first["PercentDone"] == "0.0"
    assert "CompletionDate" not in first

    time.sleep(max(0.0, 1.2 - (time.monotonic() - began)))
    running = env["backup"].describe_backup_job(BackupJobId=job_id)
    assert running["State"] == "RUNNING"
    assert 0.0 < float(running["PercentDone"]) < 100.0
    rp = env["backup"].describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=running["RecoveryPointArn"])
    assert rp["Status"] == "CREATING"

    time.sleep(max(0.0, 2.1 - (time.monotonic() - began)))
    done = env["backup"].describe_backup_job(BackupJobId=job_id)
    assert done["State"] == "COMPLETED" and done["PercentDone"] == "100.0"
    rp = env["backup"].describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=done["RecoveryPointArn"])
    assert rp["Status"] == "COMPLETED"


def test_same_idempotency_token_returns_the_same_job(env: dict[str, Any]) -> None:
    first = start(env, IdempotencyToken="token-1")
    again = start(env, IdempotencyToken="token-1")
    other = start(env, IdempotencyToken="token-2")
    assert again["BackupJobId"] == first["BackupJobId"]
    assert again["RecoveryPointArn"] == first["RecoveryPointArn"]
    assert other["BackupJobId"] != first["BackupJobId"]
    assert len(env["backup"].list_backup_jobs()["BackupJobs"]) == 2


def test_a_vault_that_does_not_exist_is_refused(env: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as excinfo:
        start(env, BackupVaultName="no-such-vault")
    assert error_code(excinfo) == "AccessDeniedException"
    assert env["backup"].list_backup_jobs()["BackupJobs"] == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"ResourceArn": "arn:aws:s3:::a-bucket"},
        {"ResourceArn": f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"},
        {"ResourceArn": "arn:aws:dynamodb:us-east-1:999999999999:table/orders"},
        {"IamRoleArn": "not-a-role"},
        {"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}},
        {"StartWindowMinutes": 30},
    ],
    ids=["not-dynamodb", "other-region", "other-account", "bad-role", "cold-plus-90", "short-start-window"],
)
def test_invalid_parameters_are_refused(env: dict[str, Any], overrides: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as excinfo:
        start(env, **overrides)
    assert error_code(excinfo) == "InvalidParameterValueException"


def test_a_table_that_does_not_exist_makes_the_job_fail(env: dict[str, Any]) -> None:
    arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/missing"
    started = start(env, ResourceArn=arn)
    assert "RecoveryPointArn" not in started
    job = wait_job(env["backup"], started["BackupJobId"])
    assert job["State"] == "FAILED"
    assert job["StatusMessage"] == "Requested resource not found: Table: missing not found"
    assert "CompletionDate" in job
    assert "RecoveryPointArn" not in job
    assert env["backup"].list_recovery_points_by_backup_vault(BackupVaultName="vault-a")["RecoveryPoints"] == []


def test_a_deleted_table_makes_the_job_fail(env: dict[str, Any]) -> None:
    env["ddb"].delete_table(TableName="orders")
    job = wait_job(env["backup"], start(env)["BackupJobId"])
    assert job["State"] == "FAILED"
    assert "orders" in job["StatusMessage"]


def test_a_vault_lock_refuses_a_shorter_retention(env: dict[str, Any]) -> None:
    env["backup"].put_backup_vault_lock_configuration(BackupVaultName="vault-a", MinRetentionDays=30)
    failed = wait_job(env["backup"], start(env, Lifecycle={"DeleteAfterDays": 7})["BackupJobId"])
    kept = wait_job(env["backup"], start(env, Lifecycle={"DeleteAfterDays": 30})["BackupJobId"])
    assert failed["State"] == "FAILED" and "minimum retention" in failed["StatusMessage"]
    assert kept["State"] == "COMPLETED"


def test_stop_backup_job_aborts_and_drops_the_recovery_point(env: dict[str, Any], endpoint: str) -> None:
    env["backup"].update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    control(endpoint, job_seconds=30)
    job_id = start(env)["BackupJobId"]
    env["backup"].stop_backup_job(BackupJobId=job_id)
    job = env["backup"].describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "ABORTED"
    assert "CompletionDate" in job
    assert env["backup"].list_recovery_points_by_backup_vault(BackupVaultName="vault-a")["RecoveryPoints"] == []
    assert env["ddb"].list_backups(BackupType="ALL")["BackupSummaries"] == []
    with pytest.raises(ClientError) as excinfo:
        env["backup"].stop_backup_job(BackupJobId=job_id)
    assert error_code(excinfo) == "InvalidRequestException"


def test_a_finished_or_unknown_job_cannot_be_stopped(env: dict[str, Any]) -> None:
    job_id = start(env)["BackupJobId"]
    assert wait_job(env["backup"], job_id)["State"] == "COMPLETED"
    with pytest.raises(ClientError) as excinfo:
        env["backup"].stop_backup_job(BackupJobId=job_id)
    assert error_code(excinfo) == "InvalidRequestException"
    with pytest.raises(ClientError) as excinfo:
        env["backup"].stop_backup_job(BackupJobId="00000000-0000-0000-0000-000000000000")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_describe_unknown_job_is_not_found(env: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as excinfo:
        env["backup"].describe_backup_job(BackupJobId="00000000-0000-0000-0000-000000000000")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_recovery_point_tags_are_set(env: dict[str, Any]) -> None:
    started = start(env, RecoveryPointTags={"CamelCaseKey": "v", "Key with Spaces": "x"})
    tags = env["backup"].list_tags(ResourceArn=started["RecoveryPointArn"])["Tags"]
    assert tags == {"CamelCaseKey": "v", "Key with Spaces": "x"}


@pytest.fixture
def three_jobs(env: dict[str, Any]) -> dict[str, Any]:
    """orders -> vault-a (completed), invoices -> vault-b (completed), missing table (failed); oldest first."""
    backup = env["backup"]
    backup.create_backup_vault(BackupVaultName="vault-b")
    invoices = make_table(env["ddb"], "invoices")
    ids = [start(env)["BackupJobId"]]
    time.sleep(0.02)
    ids.append(start(env, BackupVaultName="vault-b", ResourceArn=invoices)["BackupJobId"])
    time.sleep(0.02)
    ids.append(start(env, ResourceArn=f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/missing")["BackupJobId"])
    for job_id in ids:
        wait_job(backup, job_id)
    return {"ids": ids, "invoices": invoices, **env}


def listed(backup: Any, **filters: Any) -> list[str]:
    return [job["BackupJobId"] for job in backup.list_backup_jobs(**filters)["BackupJobs"]]


def test_list_backup_jobs_is_newest_first_and_filters(three_jobs: dict[str, Any]) -> None:
    backup, ids = three_jobs["backup"], three_jobs["ids"]
    assert listed(backup) == ids[::-1]
    assert listed(backup, ByResourceArn=three_jobs["invoices"]) == [ids[1]]
    assert listed(backup, ByState="FAILED") == [ids[2]]
    assert listed(backup, ByState="COMPLETED") == [ids[1], ids[0]]
    assert listed(backup, ByBackupVaultName="vault-b") == [ids[1]]
    assert listed(backup, ByResourceType="DynamoDB") == ids[::-1]
    assert listed(backup, ByResourceType="EBS") == []
    assert listed(backup, ByAccountId=ACCOUNT) == ids[::-1]
    assert listed(backup, ByAccountId="111111111111") == []
    middle = backup.describe_backup_job(BackupJobId=ids[1])["CreationDate"]
    assert listed(backup, ByCreatedAfter=middle) == [ids[2]]
    assert listed(backup, ByCreatedBefore=middle) == [ids[0]]
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert listed(backup, ByCreatedAfter=future) == []
    assert listed(backup, ByCompleteBefore=future) == ids[::-1]


def test_list_backup_jobs_pages_with_max_results_one(three_jobs: dict[str, Any]) -> None:
    backup = three_jobs["backup"]
    seen, token = [], None
    while True:
        page = backup.list_backup_jobs(MaxResults=1, **({"NextToken": token} if token else {}))
        assert len(page["BackupJobs"]) == 1
        seen.append(page["BackupJobs"][0]["BackupJobId"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == three_jobs["ids"][::-1]
    paged = backup.get_paginator("list_backup_jobs").paginate(PaginationConfig={"PageSize": 2})
    assert [job["BackupJobId"] for page in paged for job in page["BackupJobs"]] == seen
    with pytest.raises(ClientError) as excinfo:
        backup.list_backup_jobs(NextToken="not-a-token")
    assert error_code(excinfo) == "InvalidParameterValueException"
