"""How long the emulator takes to advance its clock a year over many tables with a daily rule.

Starts ``backupkit-emulator --clock-start 2031-01-01T00:00:00Z --job-seconds 60`` as a child
process, creates TABLES small tables (ITEMS items each) tagged ``backup=daily``, one vault, one
plan with a daily rule (``cron(0 5 ? * * *)``, DeleteAfterDays 35) and one tag-condition selection,
then times one ``POST /_backupkit/clock {"advance_seconds": 365 days}``. It prints the seconds,
the jobs run (ListBackupJobs), the recovery points left (ListRecoveryPointsByBackupVault) and
the peak RSS of the emulator process.

    .venv/bin/python benchmarks/clock_advance.py [--tables 100] [--items 10] [--days 365]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import boto3

from backupkit_emulator.process import EmulatorProcess

ROLE_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


def count(backup: Any, operation: str, key: str, **params: Any) -> int:
    total = 0
    for page in backup.get_paginator(operation).paginate(**params):
        total += len(page[key])
    return total


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()

    with EmulatorProcess("--clock-start", "2031-01-01T00:00:00Z", "--job-seconds", "60") as emulator:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=emulator.endpoint, region_name="us-east-1",
                                aws_access_key_id="testing", aws_secret_access_key="testing")

        ddb, backup, iam = client("dynamodb"), client("backup"), client("iam")
        role = iam.create_role(RoleName="backup-role", AssumeRolePolicyDocument=ROLE_TRUST)["Role"]["Arn"]
        for n in range(args.tables):
            name = f"table-{n:03d}"
            ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "backup", "Value": "daily"}])
            ddb.batch_write_item(RequestItems={name: [
                {"PutRequest": {"Item": {"pk": {"S": f"item-{i}"}, "n": {"N": str(i)}}}} for i in range(args.items)]})
        backup.create_backup_vault(BackupVaultName="daily-vault")
        plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [{
            "RuleName": "daily", "TargetBackupVaultName": "daily-vault", "ScheduleExpression": "cron(0 5 ? * * *)",
            "Lifecycle": {"DeleteAfterDays": 35}}]})["BackupPlanId"]
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
            "SelectionName": "tagged", "IamRoleArn": role, "Resources": ["*"],
            "Conditions": {"StringEquals": [{"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "daily"}]}})

        started = time.perf_counter()
        now = emulator.advance(args.days * 86400, timeout=3600)
        seconds = time.perf_counter() - started

        jobs = count(backup, "list_backup_jobs", "BackupJobs")
        points = count(backup, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName="daily-vault")
        rss = peak_rss_mb(emulator.process.pid)
    print(f"advanced {args.days} days over {args.tables} tables ({args.items} items each) to {now}")
    print(f"seconds: {seconds:.2f}")
    print(f"backup jobs run: {jobs} (expected {args.days * args.tables})")
    print(f"recovery points kept (DeleteAfterDays 35): {points}")
    print(f"emulator peak RSS: {rss:.1f} MB")


if __name__ == "__main__":
    main()
