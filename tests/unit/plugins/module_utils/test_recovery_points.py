"""Recovery points and restores: choosing a point, reading times and ARNs, waiting for a job."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import (
    RestoreJobError,
    finish_restore,
    job_for_table,
    normalise_restore_job,
    normalise_table,
    restored_from,
    wait_for_restore_job,
)
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import (
    backup_id_of,
    choose_recovery_point,
    explain_no_choice,
    filter_points,
    normalise_recovery_point,
    parse_time,
    recovery_point_arn_kind,
    same_backup,
    table_arn_of_dynamodb_backup,
)

UTC = datetime.timezone.utc
BACKUP_ARN = "arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45"
DDB_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/backup/01716290470062-1eb3b5e7"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders-restored"


def at(hour, minute=0, second=0):
    return datetime.datetime(2024, 5, 21, hour, minute, second, tzinfo=UTC)


def point(arn, created, status="COMPLETED", **extra):
    return dict(RecoveryPointArn=arn, CreationDate=created, Status=status, BackupVaultName="vault", **extra)


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024-05-21T13:00:00Z", at(13)),
        ("2024-05-21T13:00:00", at(13)),
        ("2024-05-21 13:00", at(13)),
        ("2024-05-21T15:00:00+02:00", at(13)),
        ("2024-05-21T08:30:00-0430", at(13)),
        ("2024-05-21T13:00:00.062000+00:00", at(13).replace(microsecond=62000)),
        ("2024-05-21T13:00:00.123456789Z", at(13).replace(microsecond=123456)),
        ("2024-05-21", at(0)),
        ("  2024-05-21T13:00:00z ", at(13)),
    ],
)
def test_iso_8601_times_are_read_as_utc(text, expected):
    assert parse_time(text) == expected
    assert parse_time(text).tzinfo == UTC


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "2024-05-21T25:00:00Z", "21/05/2024", "2024-05-21T13:00:00+25:00"])
def test_bad_times_name_the_option(text):
    with pytest.raises(ValueError) as excinfo:
        parse_time(text, "recovery_point")
    assert str(excinfo.value).startswith("recovery_point must be an ISO 8601 date or date and time, such as 2024-05-21 ")


def test_boto3_datetimes_pass_through():
    aware = datetime.datetime(2024, 5, 21, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert parse_time(aware) == at(13)


# --------------------------------------------------------------------------- ARNs


def test_both_arn_forms_are_recognised():
    assert recovery_point_arn_kind(BACKUP_ARN) == "backup"
    assert recovery_point_arn_kind(DDB_ARN) == "dynamodb"
    assert recovery_point_arn_kind("arn:aws:dynamodb:us-east-1:123456789012:table/orders") is None
    assert recovery_point_arn_kind("arn:aws:backup:us-east-1:123456789012:backup-vault:v") is None
    assert recovery_point_arn_kind("not an arn") is None
    assert backup_id_of(BACKUP_ARN) == "1EB3B5E7-9EB0-435A-A80B-108B488B0D45"
    assert backup_id_of(DDB_ARN) == "01716290470062-1eb3b5e7"
    assert table_arn_of_dynamodb_backup(DDB_ARN) == "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    assert table_arn_of_dynamodb_backup(BACKUP_ARN) is None


def test_same_backup_across_arn_forms():
    same_id_ddb = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/backup/1eb3b5e7-9eb0-435a-a80b-108b488b0d45"
    assert same_backup(BACKUP_ARN, BACKUP_ARN)
    assert same_backup(BACKUP_ARN, same_id_ddb)
    assert not same_backup(BACKUP_ARN, DDB_ARN)
    assert not same_backup(BACKUP_ARN, same_id_ddb.replace("us-east-1", "eu-west-1"))
    assert not same_backup(BACKUP_ARN, None)
    assert not same_backup(None, None)


def test_restored_from_reads_the_restore_summary():
    assert restored_from({"RestoreSummary": {"SourceBackupArn": BACKUP_ARN}}, BACKUP_ARN)
    assert not restored_from({"RestoreSummary": {"SourceBackupArn": DDB_ARN}}, BACKUP_ARN)
    assert not restored_from({"TableName": "t"}, BACKUP_ARN)


# --------------------------------------------------------------------------- choosing


POINTS = [
    point("rp-1", at(10)),
    point("rp-2", at(12), status="AVAILABLE"),
    point("rp-3", at(13)),
    point("rp-4", at(14), status="CREATING"),
    point("rp-5", at(11), status="EXPIRED"),
]


def test_latest_is_the_newest_restorable_point():
    assert choose_recovery_point(POINTS)["RecoveryPointArn"] == "rp-3"


@pytest.mark.parametrize(
    "moment,expected",
    [(at(13), "rp-3"), (at(12, 59), "rp-2"), (at(11, 30), "rp-1"), (at(10), "rp-1"), (at(9, 59), None)],
)
def test_a_time_chooses_the_newest_point_at_or_before_it(moment, expected):
    chosen = choose_recovery_point(POINTS, moment)
    assert (chosen or {}).get("RecoveryPointArn") == expected


def test_why_nothing_was_chosen():
    assert explain_no_choice([]) == "it has no recovery point"
    assert "statuses: CREATING, EXPIRED" in explain_no_choice([POINTS[3], POINTS[4]])
    message = explain_no_choice(POINTS, at(9))
    assert "oldest AVAILABLE or COMPLETED recovery point was created at 2024-05-21T10:00:00+00:00" in message
    assert "after 2024-05-21T09:00:00+00:00" in message


def test_filters_are_strict_and_sorted_newest_first():
    kept = filter_points(POINTS, created_after=at(10), created_before=at(14))
    assert [p["RecoveryPointArn"] for p in kept] == ["rp-3", "rp-2", "rp-5"]
    kept = filter_points(POINTS, statuses=["COMPLETED", "AVAILABLE"])
    assert [p["RecoveryPointArn"] for p in kept] == ["rp-3", "rp-2", "rp-1"]
    assert filter_points(POINTS, statuses=["DELETING"]) == []


# --------------------------------------------------------------------------- normalising


def test_recovery_point_keys_are_snake_case_and_tags_untouched():
    raw = point(
        BACKUP_ARN,
        at(13),
        BackupSizeBytes=52428,
        Lifecycle={"DeleteAfterDays": 35},
        CalculatedLifecycle={"DeleteAt": at(13) + datetime.timedelta(days=35)},
        Tags={"CamelCaseKey": "v", "Key with Spaces": "v"},
        ResponseMetadata={},
    )
    normalised = normalise_recovery_point(raw)
    assert normalised["recovery_point_arn"] == BACKUP_ARN
    assert normalised["backup_size_in_bytes"] == 52428
    assert "backup_size_bytes" not in normalised
    assert normalised["creation_date"] == "2024-05-21T13:00:00+00:00"
    assert normalised["lifecycle"] == {"delete_after_days": 35}
    assert normalised["calculated_lifecycle"] == {"delete_at": "2024-06-25T13:00:00+00:00"}
    assert normalised["tags"] == {"CamelCaseKey": "v", "Key with Spaces": "v"}
    assert normalised["iam_role_arn"] is None and normalised["completion_date"] is None
    assert "response_metadata" not in normalised


def test_restore_job_duration():
    job = normalise_restore_job(
        {"RestoreJobId": "J", "Status": "COMPLETED", "CreationDate": at(13), "CompletionDate": at(13, 3, 30)}
    )
    assert job["duration_seconds"] == 210.0
    assert job["completion_date"] == "2024-05-21T13:03:30+00:00"
    assert job["created_resource_arn"] is None
    running = normalise_restore_job({"RestoreJobId": "J", "Status": "RUNNING", "CreationDate": at(13)})
    assert running["duration_seconds"] is None and running["completion_date"] is None
    assert normalise_restore_job(None) is None


def test_table_attribute_names_are_values_and_stay():
    table = normalise_table(
        {"TableName": "t", "KeySchema": [{"AttributeName": "CustomerId", "KeyType": "HASH"}], "ItemCount": 3,
         "CreationDateTime": at(13)}
    )
    assert table == {
        "table_name": "t",
        "key_schema": [{"attribute_name": "CustomerId", "key_type": "HASH"}],
        "item_count": 3,
        "creation_date_time": "2024-05-21T13:00:00+00:00",
    }


# --------------------------------------------------------------------------- the running job of a table


def test_the_job_creating_a_table_is_found():
    table = {"TableArn": TABLE_ARN, "CreationDateTime": at(13, 0, 1)}
    early = {"RestoreJobId": "early", "CreationDate": at(12)}
    close = {"RestoreJobId": "close", "CreationDate": at(13)}
    other = {"RestoreJobId": "other", "CreationDate": at(13), "CreatedResourceArn": TABLE_ARN + "-2"}
    named = {"RestoreJobId": "named", "CreationDate": at(11), "CreatedResourceArn": TABLE_ARN}
    assert job_for_table([early, close, other], table)["RestoreJobId"] == "close"
    assert job_for_table([early, close, named], table)["RestoreJobId"] == "named"
    assert job_for_table([other], table) is None
    assert job_for_table([], table) is None


# --------------------------------------------------------------------------- waiting


class FakeBackup(object):
    def __init__(self, statuses, message=None):
        self.statuses = list(statuses)
        self.message = message
        self.calls = 0

    def describe_restore_job(self, RestoreJobId):
        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        job = {"RestoreJobId": RestoreJobId, "Status": status, "CreationDate": at(13), "PercentDone": "40.0"}
        if status in ("FAILED", "ABORTED") and self.message:
            job["StatusMessage"] = self.message
        if status in ("COMPLETED", "FAILED", "ABORTED"):
            job["CompletionDate"] = at(13, 1)
        return job


class FakeDynamoDB(object):
    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.calls = 0

    def describe_table(self, TableName):
        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        return {"Table": {"TableName": TableName, "TableStatus": status,
                          "RestoreSummary": {"RestoreInProgress": status != "ACTIVE"}}}


def test_wait_polls_with_backoff_until_the_job_ends(clock):
    client = FakeBackup(["PENDING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"])
    job, finished = wait_for_restore_job(client, "J", deadline=100, clock=clock, sleep=clock.sleep)
    assert finished and job["Status"] == "COMPLETED"
    assert clock.sleeps == [1.0, 1.5, 2.25, 3.375]


def test_backoff_is_capped_and_never_sleeps_past_the_deadline(clock):
    job, finished = wait_for_restore_job(FakeBackup(["RUNNING"]), "J", deadline=60, clock=clock, sleep=clock.sleep)
    assert not finished and job["Status"] == "RUNNING"
    assert max(clock.sleeps) == 15.0
    assert clock.now == 60


@pytest.mark.parametrize("status", ["FAILED", "ABORTED"])
def test_a_failed_job_fails_with_aws_message(status, clock):
    client = FakeBackup(["RUNNING", status], message="Table already exists: orders-restored")
    with pytest.raises(RestoreJobError) as excinfo:
        finish_restore(client, FakeDynamoDB(["ACTIVE"]), "J-1", "orders-restored", 60, clock=clock, sleep=clock.sleep)
    assert excinfo.value.message == f"Restore job J-1 into table 'orders-restored' ended {status}: Table already exists: orders-restored"
    assert excinfo.value.kwargs["restore_job"]["status"] == status


def test_a_timeout_names_the_job_and_its_last_status(clock):
    with pytest.raises(RestoreJobError) as excinfo:
        finish_restore(FakeBackup(["RUNNING"]), FakeDynamoDB(["CREATING"]), "J-2", "t-1", 5, clock=clock, sleep=clock.sleep)
    message = excinfo.value.message
    assert message.startswith("Timed out after 5 seconds waiting for restore job J-2 into table 't-1'")
    assert "last status was RUNNING (40.0% done)" in message
    assert excinfo.value.kwargs["restore_job"]["restore_job_id"] == "J-2"


def test_after_the_job_the_table_must_become_active(clock):
    job, table = finish_restore(
        FakeBackup(["COMPLETED"]), FakeDynamoDB(["CREATING", "CREATING", "ACTIVE"]), "J", "t-1", 60,
        clock=clock, sleep=clock.sleep,
    )
    assert job["Status"] == "COMPLETED" and table["TableStatus"] == "ACTIVE"
    with pytest.raises(RestoreJobError) as excinfo:
        finish_restore(FakeBackup(["COMPLETED"]), FakeDynamoDB(["CREATING"]), "J", "t-1", 5, clock=clock, sleep=clock.sleep)
    assert "completed, but after 5 seconds table 't-1' is CREATING, not ACTIVE" in excinfo.value.message
