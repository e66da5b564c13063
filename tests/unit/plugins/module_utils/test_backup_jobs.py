"""Backup and restore jobs: validation, requests, normalisers, lookups and the wait loop."""

from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError, list_backup_jobs, list_restore_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import start_backup_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import (
    backup_job_request,
    job_entry,
    newest_first,
    normalise_backup_job,
    poll_job,
    predicted_backup_job,
    restore_job_source,
    table_arn_of_dynamodb_backup,
    vault_name_of,
    wait_for_backup_job,
    window_problems,
)
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_problems

UTC = datetime.timezone.utc
TABLE = "arn:aws:dynamodb:us-east-1:111122223333:table/orders"
VAULT_ARN = "arn:aws:backup:us-east-1:111122223333:backup-vault:dynamodb-backups"
ROLE = "arn:aws:iam::111122223333:role/backup"
RP = "arn:aws:backup:us-east-1:111122223333:recovery-point:1EB3B5E7"
DDB_RP = TABLE + "/backup/01716300000000-abcdef12"


def backup_client():
    return boto3.client("backup", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


# --------------------------------------------------------------------------- validation


def test_lifecycle_without_cold_storage_is_valid():
    assert lifecycle_problems(None) == []
    assert lifecycle_problems({"delete_after_days": 35, "move_to_cold_storage_after_days": None}) == []
    assert lifecycle_problems({"move_to_cold_storage_after_days": 30, "delete_after_days": 120}) == []


def test_lifecycle_needs_ninety_days_in_cold_storage():
    problems = lifecycle_problems({"move_to_cold_storage_after_days": 30, "delete_after_days": 119})
    assert problems == [
        "lifecycle.delete_after_days (119) must be at least lifecycle.move_to_cold_storage_after_days + 90 (120): "
        "AWS keeps a backup in cold storage for at least 90 days"
    ]


def test_lifecycle_days_are_positive():
    assert lifecycle_problems({"delete_after_days": 0}) == ["lifecycle.delete_after_days must be at least 1, got 0"]


def test_windows():
    assert window_problems(None, None) == []
    assert window_problems(60, 1) == []
    assert window_problems(59, 0) == [
        "start_window_minutes must be at least 60, got 59",
        "complete_window_minutes must be at least 1, got 0",
    ]


# --------------------------------------------------------------------------- requests


def test_request_keeps_recovery_point_tags_verbatim_and_drops_unset_fields():
    request = backup_job_request(
        TABLE,
        "dynamodb-backups",
        ROLE,
        lifecycle={"move_to_cold_storage_after_days": None, "delete_after_days": 35,
                   "opt_in_to_archive_for_supported_resources": None},
        recovery_point_tags={"CamelCaseKey": "CamelCaseValue", "Key with Spaces": 7},
    )
    assert request == {
        "BackupVaultName": "dynamodb-backups",
        "ResourceArn": TABLE,
        "IamRoleArn": ROLE,
        "Lifecycle": {"DeleteAfterDays": 35},
        "RecoveryPointTags": {"CamelCaseKey": "CamelCaseValue", "Key with Spaces": "7"},
    }


def test_request_with_every_option():
    request = backup_job_request(
        TABLE, "v", ROLE,
        lifecycle={"move_to_cold_storage_after_days": 1, "delete_after_days": 91,
                   "opt_in_to_archive_for_supported_resources": False},
        idempotency_token="release-1", start_window_minutes=60, complete_window_minutes=120,
    )
    assert request["Lifecycle"] == {"MoveToColdStorageAfterDays": 1, "DeleteAfterDays": 91,
                                    "OptInToArchiveForSupportedResources": False}
    assert request["IdempotencyToken"] == "release-1"
    assert request["StartWindowMinutes"] == 60
    assert request["CompleteWindowMinutes"] == 120
    assert "RecoveryPointTags" not in request


def test_predicted_job_has_what_would_be_started_and_nothing_else():
    job = predicted_backup_job(backup_job_request(TABLE, "v", ROLE, lifecycle={"delete_after_days": 5}), VAULT_ARN)
    assert job["backup_job_id"] is None
    assert job["state"] is None
    assert job["recovery_point_arn"] is None
    assert job["resource_arn"] == TABLE
    assert job["resource_name"] == "orders"
    assert job["backup_vault_name"] == "v"
    assert job["backup_vault_arn"] == VAULT_ARN
    assert job["iam_role_arn"] == ROLE
    assert job["recovery_point_lifecycle"] == {"delete_after_days": 5}


# --------------------------------------------------------------------------- times and ARNs


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-05-21", datetime.datetime(2024, 5, 21, tzinfo=UTC)),
        ("2024-05-21T13:00:00Z", datetime.datetime(2024, 5, 21, 13, tzinfo=UTC)),
        ("2024-05-21T13:00:00.123456Z", datetime.datetime(2024, 5, 21, 13, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-21T15:00:00+02:00", datetime.datetime(2024, 5, 21, 13, tzinfo=UTC)),
        ("2024-05-21T13:00", datetime.datetime(2024, 5, 21, 13, tzinfo=UTC)),
        (" 2024-05-21T13:00:00z ", datetime.datetime(2024, 5, 21, 13, tzinfo=UTC)),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text, "created_after") == expected


def test_parse_time_of_dates_and_datetimes():
    assert parse_time(datetime.date(2024, 5, 21), "x") == datetime.datetime(2024, 5, 21, tzinfo=UTC)
    assert parse_time(datetime.datetime(2024, 5, 21, 1), "x") == datetime.datetime(2024, 5, 21, 1, tzinfo=UTC)


def test_no_time_is_none():
    assert parse_time(None, "x") is None
    assert parse_time("", "x") is None


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "21/05/2024", "2024-05-21T25:00"])
def test_parse_time_refuses_what_is_not_iso_8601(text):
    with pytest.raises(ValueError, match="created_before must be an ISO 8601 date"):
        parse_time(text, "created_before")


def test_arn_helpers():
    assert vault_name_of(VAULT_ARN) == "dynamodb-backups"
    assert vault_name_of("arn:aws:backup:us-east-1:111122223333:recovery-point:x") is None
    assert vault_name_of(None) is None
    assert table_arn_of_dynamodb_backup(DDB_RP) == TABLE
    assert table_arn_of_dynamodb_backup(RP) is None


# --------------------------------------------------------------------------- normalisers


def test_backup_job_in_snake_case_with_user_maps_verbatim():
    created = datetime.datetime(2024, 5, 21, 13, 21, 10, tzinfo=UTC)
    job = normalise_backup_job(
        {
            "BackupJobId": "J1",
            "State": "COMPLETED",
            "ResourceArn": TABLE,
            "RecoveryPointLifecycle": {"DeleteAfterDays": 35},
            "BackupOptions": {"WindowsVSS": "enabled"},
            "ChildJobsInState": {"CREATED": 1},
            "CreationDate": created,
            "BackupSizeInBytes": 51,
            "ResponseMetadata": {"RequestId": "x"},
        }
    )
    assert job["backup_job_id"] == "J1"
    assert job["state"] == "COMPLETED"
    assert job["recovery_point_lifecycle"] == {"delete_after_days": 35}
    assert job["backup_options"] == {"WindowsVSS": "enabled"}
    assert job["child_jobs_in_state"] == {"CREATED": 1}
    assert job["creation_date"] == "2024-05-21T13:21:10+00:00"
    assert job["backup_size_in_bytes"] == 51
    assert job["completion_date"] is None
    assert job["recovery_point_arn"] is None
    assert job["status_message"] is None
    assert "response_metadata" not in job


def test_job_entry_of_a_backup_job():
    job = job_entry({"BackupJobId": "J1", "State": "FAILED", "StatusMessage": "nope", "BackupVaultArn": VAULT_ARN}, "backup")
    assert job["job_id"] == "J1"
    assert job["job_type"] == "backup"
    assert job["state"] == "FAILED"
    assert job["status_message"] == "nope"
    assert job["backup_vault_name"] == "dynamodb-backups"
    assert job["created_resource_arn"] is None
    assert job["recovery_point_arn"] is None


def test_job_entry_of_a_restore_job():
    raw = {
        "RestoreJobId": "R1",
        "Status": "COMPLETED",
        "RecoveryPointArn": RP,
        "BackupVaultArn": VAULT_ARN,
        "CreatedResourceArn": TABLE + "-restored",
        "SourceResourceArn": TABLE,
    }
    job = job_entry(raw, "restore")
    assert job["job_id"] == "R1"
    assert job["restore_job_id"] == "R1"
    assert job["job_type"] == "restore"
    assert job["state"] == job["status"] == "COMPLETED"
    assert job["resource_arn"] == TABLE
    assert job["created_resource_arn"] == TABLE + "-restored"
    assert job["backup_vault_name"] == "dynamodb-backups"
    raw.pop("SourceResourceArn")
    assert job_entry(raw, "restore", resource_arn="arn:other")["resource_arn"] == "arn:other"
    assert job_entry(raw, "restore")["resource_arn"] is None


def test_newest_first():
    jobs = [
        {"BackupJobId": "a", "CreationDate": datetime.datetime(2024, 5, 1, tzinfo=UTC)},
        {"BackupJobId": "c", "CreationDate": datetime.datetime(2024, 5, 3, tzinfo=UTC)},
        {"BackupJobId": "b", "CreationDate": datetime.datetime(2024, 5, 2)},
        {"BackupJobId": "z"},
    ]
    assert [job["BackupJobId"] for job in newest_first(jobs, "BackupJobId")] == ["c", "b", "a", "z"]


# --------------------------------------------------------------------------- AWS calls


def test_list_backup_jobs_reads_every_page_with_the_filters():
    client = backup_client()
    after = datetime.datetime(2024, 5, 1, tzinfo=UTC)
    with Stubber(client) as stub:
        stub.add_response(
            "list_backup_jobs",
            {"BackupJobs": [{"BackupJobId": "1"}], "NextToken": "t"},
            {"ByResourceArn": TABLE, "ByState": "COMPLETED", "ByCreatedAfter": after},
        )
        stub.add_response(
            "list_backup_jobs",
            {"BackupJobs": [{"BackupJobId": "2"}]},
            {"ByResourceArn": TABLE, "ByState": "COMPLETED", "ByCreatedAfter": after, "NextToken": "t"},
        )
        jobs = list_backup_jobs(client, ByResourceArn=TABLE, ByState="COMPLETED", ByCreatedAfter=after)
        stub.assert_no_pending_responses()
    assert [job["BackupJobId"] for job in jobs] == ["1", "2"]


def test_list_restore_jobs_empty():
    client = backup_client()
    with Stubber(client) as stub:
        stub.add_response("list_restore_jobs", {"RestoreJobs": []}, {})
        assert list_restore_jobs(client) == []


def test_start_backup_job_into_a_missing_vault_says_so():
    client = backup_client()
    with Stubber(client) as stub:
        stub.add_client_error(
            "start_backup_job", service_error_code="AccessDeniedException",
            service_message="Insufficient privileges to perform this action.", http_status_code=403,
        )
        with pytest.raises(AnsibleBackupError, match="access denied to backup vault 'nope'.*when the vault does not exist"):
            start_backup_job(client, BackupVaultName="nope", ResourceArn=TABLE, IamRoleArn=ROLE)


class FakeRecoveryPoints:
    """Just enough of a backup client for DescribeRecoveryPoint."""

    def __init__(self, points):
        self.points = points
        self.calls = []

    def describe_recovery_point(self, BackupVaultName, RecoveryPointArn):  # noqa: N803 - boto3's names
        self.calls.append((BackupVaultName, RecoveryPointArn))
        if RecoveryPointArn not in self.points:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}, "DescribeRecoveryPoint")
        return {"ResourceArn": self.points[RecoveryPointArn]}


def test_restore_job_source_prefers_what_aws_says():
    client = FakeRecoveryPoints({})
    cache = {}
    assert restore_job_source(client, {"SourceResourceArn": TABLE, "RecoveryPointArn": RP}, cache) == TABLE
    assert restore_job_source(client, {"RecoveryPointArn": DDB_RP}, cache) == TABLE
    assert client.calls == []


def test_restore_job_source_asks_for_the_recovery_point_once():
    client = FakeRecoveryPoints({RP: TABLE})
    cache = {}
    raw = {"RecoveryPointArn": RP, "BackupVaultArn": VAULT_ARN}
    assert restore_job_source(client, raw, cache) == TABLE
    assert restore_job_source(client, raw, cache) == TABLE
    assert client.calls == [("dynamodb-backups", RP)]
    gone = {"RecoveryPointArn": RP + "-gone", "BackupVaultArn": VAULT_ARN}
    assert restore_job_source(client, gone, cache) is None
    assert restore_job_source(client, {"RecoveryPointArn": RP}, cache) is None


# --------------------------------------------------------------------------- waiting


def answers(*states):
    """A describe function returning one state after another (the last one for ever)."""
    calls = []

    def describe(job_id):
        state = states[min(len(calls), len(states) - 1)]
        calls.append(job_id)
        return {"BackupJobId": job_id, "State": state, "PercentDone": "50.0"}

    return describe, calls


def test_poll_job_backs_off_and_logs_each_state_change(clock):
    describe, calls = answers("CREATED", "CREATED", "RUNNING", "RUNNING", "RUNNING", "COMPLETED")
    logs = []
    raw, finished = poll_job(describe, "J1", "State", ("COMPLETED",), 3600, log=logs.append, label="backup job",
                             sleep=clock.sleep, clock=clock)
    assert finished
    assert raw["State"] == "COMPLETED"
    assert len(calls) == 6
    assert clock.sleeps == [1.0, 1.5, 2.25, 3.375, 5.0625]
    assert logs == ["backup job J1: CREATED (50.0% done)", "backup job J1: RUNNING (50.0% done)",
                    "backup job J1: COMPLETED (50.0% done)"]


def test_poll_job_delay_is_capped(clock):
    describe = answers("RUNNING")[0]
    poll_job(describe, "J1", "State", ("COMPLETED",), 100, sleep=clock.sleep, clock=clock)
    assert max(clock.sleeps) == 15.0
    assert clock.sleeps[-2] == 15.0


def test_poll_job_times_out_without_sleeping_past_the_deadline(clock):
    describe, calls = answers("RUNNING")
    raw, finished = poll_job(describe, "J1", "State", ("COMPLETED",), 4, sleep=clock.sleep, clock=clock)
    assert not finished
    assert raw["State"] == "RUNNING"
    assert clock.sleeps == [1.0, 1.5, 1.5]
    assert clock.now == 4
    assert len(calls) == 4


def test_poll_job_of_a_job_aws_forgot():
    with pytest.raises(AnsibleBackupError, match="backup job J1 is no longer known to AWS"):
        poll_job(lambda job_id: None, "J1", "State", ("COMPLETED",), 10, label="backup job", sleep=lambda s: None)


def test_wait_for_backup_job_stops_at_a_failed_state(clock):
    client = backup_client()
    with Stubber(client) as stub:
        stub.add_response("describe_backup_job", {"BackupJobId": "J1", "State": "RUNNING"}, {"BackupJobId": "J1"})
        stub.add_response(
            "describe_backup_job",
            {"BackupJobId": "J1", "State": "FAILED", "StatusMessage": "Requested resource not found: Table: t not found"},
            {"BackupJobId": "J1"},
        )
        raw, finished = wait_for_backup_job(client, "J1", 60, sleep=clock.sleep, clock=clock)
        stub.assert_no_pending_responses()
    assert finished
    assert raw["State"] == "FAILED"
    assert clock.sleeps == [1.0]
