"""The virtual clock: GET/POST /_backupkit/clock, --clock-start, and timestamps that follow it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest

from backupkit_emulator.process import EmulatorProcess

ROLE = "arn:aws:iam::123456789012:role/backup-role"


def clock_call(endpoint: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        endpoint + "/_backupkit/clock", data=data, method="POST" if data is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_clock_moves_forwards_only_and_says_why_not(endpoint: str) -> None:
    status, first = clock_call(endpoint)
    assert status == 200 and first["now"].endswith("Z")
    start = parse(first["now"])
    assert abs((start - datetime.now(timezone.utc)).total_seconds()) < 60  # real time by default

    status, moved = clock_call(endpoint, {"advance_seconds": 86400})
    assert status == 200
    assert timedelta(days=1) <= parse(moved["now"]) - start < timedelta(days=1, seconds=30)

    target = (parse(moved["now"]) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, landed = clock_call(endpoint, {"now": target})
    assert status == 200 and parse(landed["now"]) - parse(target) < timedelta(seconds=5)

    for body, words in (
        ({"now": "2001-01-01T00:00:00Z"}, "never goes backwards"),
        ({"advance_seconds": -5}, "never goes backwards"),
        ({"advance_seconds": "soon"}, "advance_seconds must be"),
        ({"now": "tomorrow"}, "ISO 8601"),
        ({}, "exactly one of"),
        ({"advance_seconds": 1, "now": target}, "exactly one of"),
        ({"speed": 2}, "unknown key 'speed'"),
    ):
        status, answer = clock_call(endpoint, body)
        assert status == 400, body
        assert words in answer["error"], answer
    # a refused move left the clock where it was (ticking on from the target)
    assert parse(clock_call(endpoint)[1]["now"]) >= parse(target)


def test_timestamps_and_job_durations_follow_the_clock(client: Callable[..., Any], endpoint: str) -> None:
    from backupkit_emulator.settings import SETTINGS

    SETTINGS.update({"job_seconds": 3600})  # an hour of clock time: only an advance finishes it
    clock_call(endpoint, {"now": "2031-06-01T10:00:00Z"})
    ddb, backup = client("dynamodb"), client("backup")
    table = ddb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    assert table["CreationDateTime"].year == 2031
    backup.create_backup_vault(BackupVaultName="vault-a")
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})  # a DynamoDB backup
    job_id = backup.start_backup_job(BackupVaultName="vault-a", ResourceArn=table["TableArn"],
                                     IamRoleArn=ROLE, Lifecycle={"DeleteAfterDays": 7})["BackupJobId"]
    job = backup.describe_backup_job(BackupJobId=job_id)
    created = job["CreationDate"]
    assert created.strftime("%Y-%m-%d %H") == "2031-06-01 10"
    assert job["State"] == "CREATED" and job["ExpectedCompletionDate"] - created == timedelta(hours=1)

    clock_call(endpoint, {"advance_seconds": 1800})
    assert backup.describe_backup_job(BackupJobId=job_id)["State"] == "RUNNING"
    clock_call(endpoint, {"advance_seconds": 1800})
    done = backup.describe_backup_job(BackupJobId=job_id)
    assert done["State"] == "COMPLETED" and done["CompletionDate"] - created == timedelta(hours=1)
    point = backup.describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=done["RecoveryPointArn"])
    assert point["CalculatedLifecycle"]["DeleteAt"] - created == timedelta(days=7)
    ddb_backup = ddb.describe_backup(BackupArn=done["RecoveryPointArn"])["BackupDescription"]["BackupDetails"]
    assert ddb_backup["BackupCreationDateTime"].year == 2031
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": "p", "Rules": [
        {"RuleName": "r", "TargetBackupVaultName": "vault-a"}]})
    assert plan["CreationDate"].strftime("%Y-%m-%d") == "2031-06-01"


def test_clock_start_flag_and_process_helpers() -> None:
    with EmulatorProcess("--clock-start", "2030-01-01T00:00:00Z") as emulator:
        now = parse(emulator.clock())
        assert datetime(2030, 1, 1, tzinfo=timezone.utc) <= now < datetime(2030, 1, 1, 0, 1, tzinfo=timezone.utc)
        assert parse(emulator.advance(3600)) >= datetime(2030, 1, 1, 1, tzinfo=timezone.utc)
        assert emulator.set_clock("2030-02-01T00:00:00Z").startswith("2030-02-01T00:00:0")
        with pytest.raises(ValueError, match="never goes backwards"):
            emulator.set_clock("2030-01-15T00:00:00Z")
    bad = EmulatorProcess("--clock-start", "yesterday")
    with pytest.raises(RuntimeError, match="--clock-start must be an ISO 8601 date-time"):
        bad.wait_ready()
