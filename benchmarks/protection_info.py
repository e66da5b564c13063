#!/usr/bin/env python3
"""backup_protection_info: the requests it makes for 10 and for 500 tables (issue 14).

For each size, a fresh emulator (``--job-seconds 0``) gets one vault, one daily plan whose
selection chooses every table by an ARN pattern, a second plan choosing by tag (so the module
must read every table's tags), N tables with point-in-time recovery, and one on-demand backup of
each. Then ``GET /_backupkit/stats`` is reset, the module runs once through ``ansible-playbook``,
and the requests the emulator saw are printed per ``service.Operation`` (AWS Backup's REST calls
are counted per HTTP method: ``backup.GET``), with the playbook's wall time.

    .venv/bin/python benchmarks/protection_info.py [--sizes 10 500]

Expected shape: AWS Backup requests the same for both sizes; DynamoDB DescribeTable,
DescribeContinuousBackups and ListTagsOfResource once per table (DynamoDB has no batch call for
them), ListTables once per 100 tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from backupkit_emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
ROLE_ARN = "arn:aws:iam::123456789012:role/backup-role"


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def scenario(endpoint: str, tables: int) -> None:
    ddb, backup = client(endpoint, "dynamodb"), client(endpoint, "backup")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    client(endpoint, "iam").create_role(RoleName="backup-role", AssumeRolePolicyDocument=json.dumps(trust))
    backup.create_backup_vault(BackupVaultName="vault")
    rule = {"RuleName": "daily", "TargetBackupVaultName": "vault", "ScheduleExpression": "cron(0 5 ? * * *)",
            "Lifecycle": {"DeleteAfterDays": 35}}
    for name, selection in (("by-arn", {"Resources": ["arn:aws:dynamodb:us-east-1:*:table/t-*"]}),
                            ("by-tag", {"ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "tier",
                                                        "ConditionValue": "gold"}]})):
        plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": [rule]})["BackupPlanId"]
        backup.create_backup_selection(BackupPlanId=plan, BackupSelection={
            "SelectionName": name, "IamRoleArn": ROLE_ARN, **selection})
    for n in range(tables):
        name = f"t-{n:04d}"
        arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                               AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                               KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               Tags=[{"Key": "tier", "Value": "gold" if n % 2 else "silver"}])["TableDescription"]["TableArn"]
        ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        backup.start_backup_job(BackupVaultName="vault", ResourceArn=arn, IamRoleArn=ROLE_ARN)


def run_module(endpoint: str) -> tuple[float, dict[str, Any]]:
    playbook = Path(tempfile.mkdtemp()) / "protection.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                        "    - backupkit.dynamodb.backup_protection_info:\n")
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="us-east-1", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    started = time.perf_counter()
    done = subprocess.run([str(VENV_BIN / "ansible-playbook"), str(playbook)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return elapsed, json.loads(done.stdout[done.stdout.index("=> ") + 3:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 500])
    args = parser.parse_args()
    counts: dict[int, dict[str, int]] = {}
    seconds: dict[int, float] = {}
    for size in args.sizes:
        with EmulatorProcess("--job-seconds", "0") as emulator:
            scenario(emulator.endpoint, size)
            emulator._call("/_backupkit/stats", method="DELETE")
            seconds[size], result = run_module(emulator.endpoint)
            counts[size] = emulator.stats()
            assert len(result["tables"]) == size and result["summary"]["protected"] == size, result["summary"]
    operations = sorted({op for c in counts.values() for op in c})
    print("| requests | " + " | ".join(f"{size} tables" for size in args.sizes) + " |")
    print("| --- |" + " --- |" * len(args.sizes))
    for op in operations:
        print(f"| {op} | " + " | ".join(str(counts[s].get(op, 0)) for s in args.sizes) + " |")
    for label, prefix in (("AWS Backup, all", "backup."), ("DynamoDB, all", "dynamodb.")):
        print(f"| {label} | " + " | ".join(str(sum(v for k, v in counts[s].items() if k.startswith(prefix)))
                                           for s in args.sizes) + " |")
    print("| playbook seconds | " + " | ".join(f"{seconds[s]:.1f}" for s in args.sizes) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
