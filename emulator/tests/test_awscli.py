"""The AWS CLI (tested against real AWS) lists what the emulator holds.

`--page-size 1` makes the CLI walk every page through NextToken, so these tests
also prove the emulator's pagination speaks the protocol real clients expect.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import make_role

AWS_CLI = Path(sys.executable).with_name("aws")
ROLE_ARN = "arn:aws:iam::123456789012:role/backup-role"


def aws(endpoint: str, *args: str) -> Any:
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_PAGER="",
    )
    env.pop("AWS_PROFILE", None)
    done = subprocess.run(
        [str(AWS_CLI), *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture
def protected_table(client: Any) -> dict[str, Any]:
    """Two vaults, two plans with two selections, a table and two completed backup jobs."""
    ddb = client("dynamodb")
    backup = client("backup")
    table = ddb.create_table(
        TableName="order_transaction",
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}, {"AttributeName": "item_id", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "order_id", "AttributeType": "S"},
            {"AttributeName": "item_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    ddb.put_item(TableName="order_transaction", Item={"order_id": {"S": "o-1"}, "item_id": {"S": "i-1"}})
    for name in ("vault-a", "vault-b"):
        backup.create_backup_vault(BackupVaultName=name)
    make_role(client("iam"))
    plan_ids = []
    for name in ("plan-a", "plan-b"):
        plan = backup.create_backup_plan(
            BackupPlan={"BackupPlanName": name, "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "vault-a"}]}
        )
        plan_ids.append(plan["BackupPlanId"])
    for name in ("sel-1", "sel-2"):
        backup.create_backup_selection(
            BackupPlanId=plan_ids[0],
            BackupSelection={"SelectionName": name, "IamRoleArn": ROLE_ARN, "Resources": [table["TableArn"]]},
        )
    jobs = [
        backup.start_backup_job(BackupVaultName="vault-a", ResourceArn=table["TableArn"], IamRoleArn=ROLE_ARN)
        for _ in range(2)
    ]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = {backup.describe_backup_job(BackupJobId=j["BackupJobId"])["State"] for j in jobs}
        if states == {"COMPLETED"}:
            break
        time.sleep(0.1)
    return {"table_arn": table["TableArn"], "plan_ids": plan_ids, "jobs": jobs}


def test_cli_lists_vaults_plans_and_selections(endpoint: str, protected_table: dict[str, Any]) -> None:
    vaults = aws(endpoint, "backup", "list-backup-vaults", "--page-size", "1")["BackupVaultList"]
    assert sorted(v["BackupVaultName"] for v in vaults) == ["vault-a", "vault-b"]
    assert {v["BackupVaultName"]: v["NumberOfRecoveryPoints"] for v in vaults} == {"vault-a": 2, "vault-b": 0}

    plans = aws(endpoint, "backup", "list-backup-plans", "--page-size", "1")["BackupPlansList"]
    assert sorted(p["BackupPlanName"] for p in plans) == ["plan-a", "plan-b"]

    plan_id = protected_table["plan_ids"][0]
    selections = aws(
        endpoint, "backup", "list-backup-selections", "--backup-plan-id", plan_id, "--page-size", "1"
    )["BackupSelectionsList"]
    assert sorted(s["SelectionName"] for s in selections) == ["sel-1", "sel-2"]
    assert {s["IamRoleArn"] for s in selections} == {ROLE_ARN}


def test_cli_lists_jobs_and_recovery_points(endpoint: str, protected_table: dict[str, Any]) -> None:
    jobs = aws(endpoint, "backup", "list-backup-jobs", "--page-size", "1")["BackupJobs"]
    assert sorted(j["BackupJobId"] for j in jobs) == sorted(j["BackupJobId"] for j in protected_table["jobs"])
    assert {j["State"] for j in jobs} == {"COMPLETED"}
    assert {j["ResourceArn"] for j in jobs} == {protected_table["table_arn"]}

    points = aws(
        endpoint, "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "vault-a", "--page-size", "1"
    )["RecoveryPoints"]
    assert len(points) == 2
    assert {p["ResourceArn"] for p in points} == {protected_table["table_arn"]}
    assert {p["Status"] for p in points} == {"COMPLETED"}

    by_resource = aws(
        endpoint, "backup", "list-recovery-points-by-resource", "--resource-arn", protected_table["table_arn"]
    )["RecoveryPoints"]
    assert sorted(p["RecoveryPointArn"] for p in by_resource) == sorted(p["RecoveryPointArn"] for p in points)

    restore = aws(
        endpoint, "backup", "start-restore-job",
        "--recovery-point-arn", points[0]["RecoveryPointArn"],
        "--iam-role-arn", ROLE_ARN,
        "--metadata", "targetTableName=order_transaction_restored",
    )
    restore_jobs = aws(endpoint, "backup", "list-restore-jobs")["RestoreJobs"]
    assert [j["RestoreJobId"] for j in restore_jobs] == [restore["RestoreJobId"]]
