# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup restore jobs of DynamoDB tables: start, find, wait (private).

Used by backupkit.dynamodb.backup_restore. Every AWS call is a small function decorated
once for error translation and once for retries. The wait loops take their clock and
sleep as arguments so that unit tests run them without waiting.
"""

from __future__ import annotations

import datetime
import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import BackupErrorHandler
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import as_utc
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import jsonable
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import same_backup

# botocore's RestoreJobStatus enum
RUNNING_STATUSES = ("PENDING", "RUNNING")
FAILED_STATUSES = ("FAILED", "ABORTED")
DONE_STATUS = "COMPLETED"

FIRST_DELAY = 1.0
MAX_DELAY = 15.0
BACKOFF = 1.5


class RestoreJobError(AnsibleBackupError):
    """A restore job that failed, or a wait that timed out; ``kwargs`` holds what the module returns."""


# ---------------------------------------------------------------------------
# AWS calls
# ---------------------------------------------------------------------------


@BackupErrorHandler.list_error_handler("describe DynamoDB table")
@AWSRetry.jittered_backoff()
def describe_table(ddb_client, name):
    """DescribeTable's Table, or None when there is no such table."""
    return ddb_client.describe_table(TableName=name)["Table"]


@BackupErrorHandler.common_error_handler("start restore job")
@AWSRetry.jittered_backoff()
def start_restore_job(client, **params):
    return client.start_restore_job(**params)["RestoreJobId"]


@BackupErrorHandler.common_error_handler("describe restore job")
@AWSRetry.jittered_backoff()
def describe_restore_job(client, job_id):
    response = client.describe_restore_job(RestoreJobId=job_id)
    response.pop("ResponseMetadata", None)
    return response


@BackupErrorHandler.list_error_handler("list restore jobs", default_value=[])
@AWSRetry.jittered_backoff()
def list_restore_jobs(client, **filters):
    """Every restore job matching ListRestoreJobs' By* filters (all pages)."""
    paginator = client.get_paginator("list_restore_jobs")
    return paginator.paginate(**filters).build_full_result().get("RestoreJobs") or []


# ---------------------------------------------------------------------------
# Finding restore jobs (ListRestoreJobs cannot filter by recovery point or created resource)
# ---------------------------------------------------------------------------


def running_restore_jobs(client, recovery_point_arn):
    """The PENDING or RUNNING restore jobs of the recovery point (either ARN form), newest first."""
    jobs = []
    for status in RUNNING_STATUSES:
        jobs.extend(list_restore_jobs(client, ByStatus=status, ByResourceType="DynamoDB"))
    jobs = [job for job in jobs if same_backup(job.get("RecoveryPointArn"), recovery_point_arn)]
    return sorted(jobs, key=lambda job: as_utc(job.get("CreationDate")) or _EPOCH, reverse=True)


def restore_history(client, recovery_point_arn, table_arn, since=None):
    """The restore jobs of the recovery point that created (or are creating) the table, newest first.

    A job's CreatedResourceArn is known once it completes; FAILED and ABORTED jobs created nothing.
    """
    filters = {"ByResourceType": "DynamoDB"}
    if since is not None:
        filters["ByCreatedAfter"] = since
    jobs = [
        job
        for job in list_restore_jobs(client, **filters)
        if same_backup(job.get("RecoveryPointArn"), recovery_point_arn)
        and job.get("CreatedResourceArn") == table_arn
        and job.get("Status") not in FAILED_STATUSES
    ]
    return sorted(jobs, key=lambda job: as_utc(job.get("CreationDate")) or _EPOCH, reverse=True)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def job_for_table(jobs, table):
    """Of the running restore jobs of one recovery point, the one that is creating ``table``.

    A running job names its created resource only once it completes, so a job that names
    another table is out, one that names this table wins, and otherwise the job created
    closest to the table's creation time is taken. None when ``jobs`` is empty.
    """
    table_arn = table.get("TableArn")
    candidates = [job for job in jobs if job.get("CreatedResourceArn") in (None, table_arn)]
    named = [job for job in candidates if job.get("CreatedResourceArn") == table_arn]
    if named:
        return named[0]
    if not candidates:
        return None
    created = as_utc(table.get("CreationDateTime"))
    if created is None:
        return candidates[0]
    return min(candidates, key=lambda job: abs(((as_utc(job.get("CreationDate")) or _EPOCH) - created).total_seconds()))


def restored_from(table, recovery_point_arn):
    """True when DescribeTable's RestoreSummary says the table was restored from the recovery point
    (the same ARN, or the same backup in the other ARN form)."""
    summary = (table or {}).get("RestoreSummary") or {}
    return same_backup(summary.get("SourceBackupArn"), recovery_point_arn)


def restore_in_progress(table):
    return bool(((table or {}).get("RestoreSummary") or {}).get("RestoreInProgress")) or (table or {}).get("TableStatus") == "CREATING"


# ---------------------------------------------------------------------------
# Normalisers (pure)
# ---------------------------------------------------------------------------

RESTORE_JOB_KEYS = (
    "restore_job_id",
    "status",
    "status_message",
    "percent_done",
    "recovery_point_arn",
    "source_resource_arn",
    "backup_vault_arn",
    "created_resource_arn",
    "iam_role_arn",
    "creation_date",
    "completion_date",
    "duration_seconds",
    "backup_size_in_bytes",
    "expected_completion_time_minutes",
    "resource_type",
)


def normalise_restore_job(raw):
    """DescribeRestoreJob's (or a ListRestoreJobs member's) answer as snake_case, dates as ISO 8601,
    plus ``duration_seconds`` (from creation to completion; None until the job ends)."""
    if not raw:
        return None
    raw = {k: v for k, v in raw.items() if k != "ResponseMetadata"}
    created, completed = as_utc(raw.get("CreationDate")), as_utc(raw.get("CompletionDate"))
    job = jsonable(camel_dict_to_snake_dict(raw))
    for key in RESTORE_JOB_KEYS:
        job.setdefault(key, None)
    if created is not None and completed is not None:
        job["duration_seconds"] = round(max(0.0, (completed - created).total_seconds()), 3)
    return job


def normalise_table(raw):
    """DescribeTable's Table as snake_case (attribute names in key schemas are values, untouched),
    dates as ISO 8601."""
    if raw is None:
        return None
    return jsonable(camel_dict_to_snake_dict(dict(raw)))


# ---------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------


def _delays(first=FIRST_DELAY, factor=BACKOFF, ceiling=MAX_DELAY):
    delay = first
    while True:
        yield delay
        delay = min(ceiling, delay * factor)


def wait_for_restore_job(client, job_id, deadline, clock=time.monotonic, sleep=time.sleep):
    """Poll DescribeRestoreJob with backoff until the job ends or ``deadline`` (a ``clock()`` value)
    passes. Returns (job, finished): the last answer, and whether it ended."""
    delays = _delays()
    while True:
        job = describe_restore_job(client, job_id)
        if job.get("Status") not in RUNNING_STATUSES:
            return job, True
        remaining = deadline - clock()
        if remaining <= 0:
            return job, False
        sleep(min(next(delays), remaining))


def wait_for_table_active(ddb_client, name, deadline, clock=time.monotonic, sleep=time.sleep):
    """Poll DescribeTable with backoff until the table is ACTIVE with no restore in progress, or
    ``deadline`` passes. Returns (table, ready); table is None when it does not exist."""
    delays = _delays()
    while True:
        table = describe_table(ddb_client, name)
        if table is None:
            return None, False
        if table.get("TableStatus") == "ACTIVE" and not restore_in_progress(table):
            return table, True
        remaining = deadline - clock()
        if remaining <= 0:
            return table, False
        sleep(min(next(delays), remaining))


def finish_restore(client, ddb_client, job_id, table_name, timeout, clock=time.monotonic, sleep=time.sleep):
    """Wait for a restore job, then for its table; return (job, table) as AWS answered them.

    Raises RestoreJobError when the job ends FAILED or ABORTED (with AWS's status message),
    and when either wait runs out of time (naming the job, its last status and the table).
    """
    deadline = clock() + timeout
    job, finished = wait_for_restore_job(client, job_id, deadline, clock=clock, sleep=sleep)
    if not finished:
        raise RestoreJobError(
            message=(
                f"Timed out after {timeout} seconds waiting for restore job {job_id} into table {table_name!r}: "
                f"its last status was {job.get('Status')} ({job.get('PercentDone') or '0'}% done). The job goes on in "
                "AWS Backup; run the task again (with a longer wait_timeout) to wait for it without starting another."
            ),
            restore_job=normalise_restore_job(job),
        )
    if job.get("Status") in FAILED_STATUSES:
        raise RestoreJobError(
            message=(
                f"Restore job {job_id} into table {table_name!r} ended {job.get('Status')}: "
                f"{job.get('StatusMessage') or 'AWS Backup gave no status message'}"
            ),
            restore_job=normalise_restore_job(job),
        )
    table, ready = wait_for_table_active(ddb_client, table_name, deadline, clock=clock, sleep=sleep)
    if not ready:
        state = "does not exist" if table is None else f"is {table.get('TableStatus')}"
        raise RestoreJobError(
            message=(
                f"Restore job {job_id} completed, but after {timeout} seconds table {table_name!r} {state}, not ACTIVE"
            ),
            restore_job=normalise_restore_job(job),
            table=normalise_table(table),
        )
    return job, table
