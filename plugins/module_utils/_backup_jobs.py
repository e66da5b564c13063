# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup jobs: requests, normalisers and the one wait loop of backup and restore jobs, for
backupkit.dynamodb.backup_job, backup_job_info and backup_restore (private).

The AWS calls are ``_backup``'s. The normalisers turn AWS answers into the snake_case dicts
the modules return; user maps (recovery point tags, backup options) are never case-converted.
"""

from __future__ import annotations

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_backup_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_restore_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_restore_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import start_backup_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import PLAN_FILTERS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import CreatedByFilter
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import filter_report
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import normalise_created_by
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_problems
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import MINIMUM_START_WINDOW
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_to_aws
from ansible_collections.backupkit.dynamodb.plugins.module_utils._poll import poll
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import EPOCH
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import time_window

# ListBackupJobs' ByState values, and ListRestoreJobs' ByStatus values
BACKUP_JOB_STATES = ("CREATED", "PENDING", "RUNNING", "ABORTING", "ABORTED", "COMPLETED", "FAILED", "EXPIRED", "PARTIAL")
RESTORE_JOB_STATES = ("PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED")
# A backup job in one of these states has ended without a usable recovery point of the whole resource.
BACKUP_JOB_FAILED_STATES = ("FAILED", "ABORTED", "EXPIRED", "PARTIAL")
BACKUP_JOB_FINISHED_STATES = ("COMPLETED",) + BACKUP_JOB_FAILED_STATES
RESTORE_JOB_FINISHED_STATES = ("COMPLETED", "ABORTED", "FAILED")

# Maps AWS returns that hold user-chosen keys: kept exactly as AWS returns them.
_VERBATIM_FIELDS = {"BackupOptions": "backup_options", "ChildJobsInState": "child_jobs_in_state"}

_VAULT_ARN = re.compile(r"^arn:[^:]+:backup:[^:]*:[^:]*:backup-vault:(?P<name>.+)$")
_DYNAMODB_BACKUP_ARN = re.compile(r"^(?P<table>arn:[^:]+:dynamodb:[^:]*:[^:]*:table/[^/]+)/backup/[^/]+$")


# ---------------------------------------------------------------------------
# Validation and requests (pure)
# ---------------------------------------------------------------------------


def window_problems(start_window_minutes, complete_window_minutes):
    """What is wrong with the start and completion windows (a list of messages)."""
    problems = []
    if start_window_minutes is not None and start_window_minutes < MINIMUM_START_WINDOW:
        problems.append(f"start_window_minutes must be at least {MINIMUM_START_WINDOW}, got {start_window_minutes}")
    if complete_window_minutes is not None and complete_window_minutes < 1:
        problems.append(f"complete_window_minutes must be at least 1, got {complete_window_minutes}")
    return problems


def backup_job_request(resource_arn, vault_name, role_arn, lifecycle=None, recovery_point_tags=None,
                       idempotency_token=None, start_window_minutes=None, complete_window_minutes=None):
    """StartBackupJob's parameters; recovery point tags passed exactly as given (values as strings)."""
    params = {"BackupVaultName": vault_name, "ResourceArn": resource_arn, "IamRoleArn": role_arn}
    aws_lifecycle = lifecycle_to_aws(lifecycle)
    if aws_lifecycle:
        params["Lifecycle"] = aws_lifecycle
    if recovery_point_tags:
        params["RecoveryPointTags"] = {str(k): str(v) for k, v in recovery_point_tags.items()}
    if idempotency_token:
        params["IdempotencyToken"] = idempotency_token
    if start_window_minutes is not None:
        params["StartWindowMinutes"] = start_window_minutes
    if complete_window_minutes is not None:
        params["CompleteWindowMinutes"] = complete_window_minutes
    return params


def vault_name_of(vault_arn):
    """The vault name of a backup vault ARN (None when it is not one)."""
    match = _VAULT_ARN.match(vault_arn or "")
    return match.group("name") if match else None


def table_arn_of_dynamodb_backup(recovery_point_arn):
    """The table ARN of a DynamoDB backup ARN (table/NAME/backup/ID), else None."""
    match = _DYNAMODB_BACKUP_ARN.match(recovery_point_arn or "")
    return match.group("table") if match else None


# ---------------------------------------------------------------------------
# Normalisers (pure)
# ---------------------------------------------------------------------------


def _snake(raw):
    """An AWS answer in snake_case with dates as strings; user-keyed maps kept verbatim."""
    raw = {k: v for k, v in (raw or {}).items() if k != "ResponseMetadata"}
    verbatim = {_VERBATIM_FIELDS[k]: raw.pop(k) for k in list(raw) if k in _VERBATIM_FIELDS}
    result = normalize_boto3_result(camel_dict_to_snake_dict(raw))
    result.update(normalize_boto3_result(verbatim))
    return result


# keys backup_job returns, filled in when AWS leaves them out
BACKUP_JOB_DEFAULTS = {
    "backup_job_id": None,
    "state": None,
    "status_message": None,
    "resource_arn": None,
    "resource_name": None,
    "resource_type": None,
    "backup_vault_name": None,
    "backup_vault_arn": None,
    "recovery_point_arn": None,
    "recovery_point_lifecycle": None,
    "iam_role_arn": None,
    "percent_done": None,
    "backup_size_in_bytes": None,
    "creation_date": None,
    "completion_date": None,
    "expected_completion_date": None,
    "start_by": None,
}


def normalise_backup_job(raw):
    """DescribeBackupJob's (or a ListBackupJobs member's) answer in snake_case, documented keys always present."""
    job = _snake(raw)
    for key, default in BACKUP_JOB_DEFAULTS.items():
        job.setdefault(key, default)
    return job


def predicted_backup_job(request, vault_arn=None):
    """The job check mode reports: what would be started, and nothing AWS alone can know."""
    job = dict(BACKUP_JOB_DEFAULTS)
    job.update(
        resource_arn=request["ResourceArn"],
        resource_name=request["ResourceArn"].split(":table/", 1)[-1] if ":table/" in request["ResourceArn"] else None,
        resource_type="DynamoDB",
        backup_vault_name=request["BackupVaultName"],
        backup_vault_arn=vault_arn,
        iam_role_arn=request["IamRoleArn"],
    )
    lifecycle = request.get("Lifecycle")
    if lifecycle:
        job["recovery_point_lifecycle"] = camel_dict_to_snake_dict(lifecycle)
    return job


def job_entry(raw, job_type, resource_arn=None):
    """One member of backup_job_info's ``jobs``: AWS's fields in snake_case plus the keys both
    job types share (job_id, job_type, state, resource_arn, backup_vault_name, created_resource_arn ...).

    ``resource_arn`` is the source resource of a restore job when AWS did not say it.
    """
    job = _snake(raw)
    if job_type == "backup":
        job["job_id"] = job.get("backup_job_id")
        job.setdefault("created_resource_arn", None)
        if not job.get("backup_vault_name"):
            job["backup_vault_name"] = vault_name_of(job.get("backup_vault_arn"))
    else:
        job["job_id"] = job.get("restore_job_id")
        job["state"] = job.get("status")
        job["resource_arn"] = job.get("source_resource_arn") or resource_arn
        job["backup_vault_name"] = vault_name_of(job.get("backup_vault_arn"))
        job.setdefault("created_resource_arn", None)
    job["job_type"] = job_type
    for key in ("state", "status_message", "resource_arn", "backup_vault_name", "backup_vault_arn",
                "recovery_point_arn", "iam_role_arn", "percent_done", "backup_size_in_bytes",
                "creation_date", "completion_date"):
        job.setdefault(key, None)
    return job


def newest_first(raw_jobs, id_field):
    """AWS answers sorted by CreationDate, newest first (ties by job id, for a stable order)."""

    def key(raw):
        try:
            created = parse_time(raw.get("CreationDate"))
        except ValueError:
            created = None
        return (created or EPOCH, raw.get(id_field) or "")

    return sorted(raw_jobs, key=key, reverse=True)


# ---------------------------------------------------------------------------
# Lookups that combine calls
# ---------------------------------------------------------------------------


def restore_job_source(client, raw, cache):
    """The ARN of the resource a restore job restores: AWS's SourceResourceArn, else the table of a
    DynamoDB backup ARN, else the recovery point's ResourceArn (DescribeRecoveryPoint, cached per point)."""
    if raw.get("SourceResourceArn"):
        return raw["SourceResourceArn"]
    arn = raw.get("RecoveryPointArn")
    table = table_arn_of_dynamodb_backup(arn)
    if table:
        return table
    vault = vault_name_of(raw.get("BackupVaultArn"))
    if not arn or not vault:
        return None
    if arn not in cache:
        point = describe_recovery_point(client, vault, arn)
        cache[arn] = (point or {}).get("ResourceArn")
    return cache[arn]


def backup_job_ids(client, resource_arn, vault_name):
    """The ids of the backup jobs of a resource into a vault that AWS lists now."""
    jobs = list_backup_jobs(client, ByResourceArn=resource_arn, ByBackupVaultName=vault_name)
    return {job.get("BackupJobId") for job in jobs}


# ---------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------


def poll_job(describe, job_id, state_field, finished, timeout=None, log=None, label="job", deadline=None, **poll_options):
    """Describe a job until its state is one of ``finished`` or the deadline passes.

    The one poller (:func:`poll`: growing delays, never sleeping past the deadline; ``clock``,
    ``sleep`` and the delays are ``poll_options``); ``log(message)`` is called whenever the
    state changes. Returns ``(raw, finished)`` with the last answer.
    """
    seen = []

    def read():
        raw = describe(job_id)
        if raw is None:
            raise AnsibleBackupError(message=f"{label} {job_id} is no longer known to AWS")
        state = raw.get(state_field)
        if (not seen or seen[-1] != state) and log is not None:
            done = raw.get("PercentDone")
            log(f"{label} {job_id}: {state}" + (f" ({done}% done)" if done not in (None, "") else ""))
        seen.append(state)
        return raw

    return poll(read, lambda raw: raw.get(state_field) in finished, deadline=deadline, timeout=timeout, **poll_options)


def wait_for_backup_job(client, job_id, timeout, log=None, **poll_options):
    """Poll DescribeBackupJob until the job has finished; ``(raw, finished)``."""
    return poll_job(lambda job: describe_backup_job(client, job), job_id, "State", BACKUP_JOB_FINISHED_STATES,
                    timeout, log=log, label="backup job", **poll_options)


def wait_for_restore_job(client, job_id, timeout=None, log=None, **poll_options):
    """Poll DescribeRestoreJob until the job has finished; ``(raw, finished)``."""
    return poll_job(lambda job: describe_restore_job(client, job), job_id, "Status", RESTORE_JOB_FINISHED_STATES,
                    timeout, log=log, label="restore job", **poll_options)


# ---------------------------------------------------------------------------
# The engine of backup_job
# ---------------------------------------------------------------------------


def input_problems(params):
    """Everything wrong with backup_job's options that can be found without AWS."""
    problems = lifecycle_problems(params.get("lifecycle"))
    problems += window_problems(params.get("start_window_minutes"), params.get("complete_window_minutes"))
    if params["wait_timeout"] < 1:
        problems.append(f"wait_timeout must be at least 1 second, got {params['wait_timeout']}")
    if not params["resource"].strip():
        problems.append("resource must name a DynamoDB table")
    return problems


def job_request(module, context):
    params = module.params
    try:
        resource_arn = context.table_arn(params["resource"])
        role_arn = context.role_arn(params.get("iam_role_arn"), params.get("iam_role_name"))
    except ValueError as e:
        module.fail_json(msg=str(e))
    return backup_job_request(
        resource_arn,
        params["backup_vault_name"],
        role_arn,
        lifecycle=params.get("lifecycle"),
        recovery_point_tags=params.get("recovery_point_tags"),
        idempotency_token=params.get("idempotency_token"),
        start_window_minutes=params.get("start_window_minutes"),
        complete_window_minutes=params.get("complete_window_minutes"),
    )


def log_state(module, raw):
    done = raw.get("PercentDone")
    module.log(f"backup job {raw.get('BackupJobId')}: {raw.get('State')}" + (f" ({done}% done)" if done else ""))


def start(module):
    """The engine of backup_job: start (or find, by idempotency token) a backup job, and wait for it."""
    params = module.params
    client = module.client("backup")
    context = CallerContext(module)
    request = job_request(module, context)

    if module.check_mode:
        vault_arn = f"arn:{context.partition}:backup:{context.region}:{context.account_id}:backup-vault:{request['BackupVaultName']}"
        return dict(changed=True, backup_job=predicted_backup_job(request, vault_arn))

    known_ids = set()
    if request.get("IdempotencyToken"):
        known_ids = backup_job_ids(client, request["ResourceArn"], request["BackupVaultName"])

    started = start_backup_job(client, **request)
    job_id = started["BackupJobId"]
    changed = job_id not in known_ids
    raw = describe_backup_job(client, job_id)
    if raw is None:
        raise AnsibleBackupError(message=f"AWS started backup job {job_id} but does not describe it")
    if raw.get("ResourceArn") != request["ResourceArn"] or raw.get("BackupVaultName") != request["BackupVaultName"]:
        module.fail_json(
            msg=(
                f"idempotency_token {request.get('IdempotencyToken')!r} was already used for backup job {job_id}, which backs up "
                f"{raw.get('ResourceArn')} into backup vault {raw.get('BackupVaultName')!r}; choose another token"
            ),
            changed=False,
            backup_job=normalise_backup_job(raw),
        )
    if changed:
        module.log(f"started backup job {job_id} of {request['ResourceArn']} into backup vault {request['BackupVaultName']}")
    else:
        module.log(f"idempotency token already used: backup job {job_id} exists")

    if params["wait"]:
        raw, finished = wait_for_backup_job(client, job_id, params["wait_timeout"], log=module.log)
        if not finished:
            done = raw.get("PercentDone")
            module.fail_json(
                msg=(
                    f"Timed out after {params['wait_timeout']} seconds waiting for backup job {job_id} of "
                    f"{request['ResourceArn']}: its last state was {raw.get('State')}"
                    + (f", {done}% done" if done not in (None, "") else "")
                    + ". The job continues in AWS; follow it with backupkit.dynamodb.backup_job_info "
                    + f"(job_id={job_id})"
                    + (", or run this task again with the same idempotency_token to wait for it again."
                       if request.get("IdempotencyToken") else ".")
                ),
                changed=changed,
                backup_job=normalise_backup_job(raw),
            )
    else:
        log_state(module, raw)

    job = normalise_backup_job(raw)
    if job["state"] in BACKUP_JOB_FAILED_STATES:
        module.fail_json(
            msg=(
                f"Backup job {job_id} of {request['ResourceArn']} into backup vault {request['BackupVaultName']!r} "
                f"ended {job['state']}: {job.get('status_message') or 'AWS gave no status message'}"
            ),
            changed=changed,
            backup_job=job,
        )
    return dict(changed=changed, backup_job=job)


# --- backup_job_info ------------------------------------------------------------------------

JOB_INFO_FILTERS = ["resource", "backup_vault_name", "state", "created_after", "created_before", *PLAN_FILTERS]
# the filters ListBackupJobs applies (ListRestoreJobs: only state and times)
AWS_BACKUP_JOB_FILTERS = ("resource", "backup_vault_name", "state", "created_after", "created_before")
AWS_RESTORE_JOB_FILTERS = ("state", "created_after", "created_before")


def job_info_problem(params):
    """What is wrong with backup_job_info's parameters for the job type asked for, or None."""
    state = params.get("state")
    if params["job_type"] != "restore":
        return None
    if state and state not in RESTORE_JOB_STATES:
        return f"state {state} is a backup job state; restore jobs are in one of: {', '.join(RESTORE_JOB_STATES)}"
    plan_filters = [name for name in PLAN_FILTERS if params.get(name)]
    if plan_filters:
        return (f"{', '.join(plan_filters)} filter backup jobs by the backup plan that started them; "
                "restore jobs are not started by backup plans (use job_type=backup)")
    return None


def with_created_by(job, raw):
    """The job with its created_by: the plan and rule that started it, None for on-demand and restore jobs."""
    job["created_by"] = normalise_created_by(raw.get("CreatedBy")) if job.get("job_type") == "backup" else None
    return job


def one_job(client, job_type, job_id):
    raw = describe_backup_job(client, job_id) if job_type == "backup" else describe_restore_job(client, job_id)
    return [with_created_by(job_entry(raw, job_type), raw)] if raw else []


def list_jobs_of_backup(client, resource_arn, vault_name, state, after, before, created_by=None):
    filters = {
        "ByResourceArn": resource_arn,
        "ByBackupVaultName": vault_name,
        "ByState": state,
        "ByCreatedAfter": after,
        "ByCreatedBefore": before,
    }
    raw_jobs = list_backup_jobs(client, **{k: v for k, v in filters.items() if v is not None})
    if created_by is not None:
        raw_jobs = [raw for raw in raw_jobs if created_by.matches(raw)]
    return [with_created_by(job_entry(raw, "backup"), raw) for raw in newest_first(raw_jobs, "BackupJobId")]


def list_jobs_of_restore(client, resource_arn, vault_name, state, after, before, created_by=None):
    filters = {"ByStatus": state, "ByCreatedAfter": after, "ByCreatedBefore": before}
    raw_jobs = list_restore_jobs(client, **{k: v for k, v in filters.items() if v is not None})
    jobs = []
    sources = {}
    for raw in newest_first(raw_jobs, "RestoreJobId"):
        if vault_name is not None and vault_name_of(raw.get("BackupVaultArn")) != vault_name:
            continue
        source = raw.get("SourceResourceArn")
        if resource_arn is not None:
            source = restore_job_source(client, raw, sources)
            if source != resource_arn:
                continue
        jobs.append(with_created_by(job_entry(raw, "restore", resource_arn=source), raw))
    return jobs


def read_jobs(module, client):
    """backup_job_info's (jobs, filters); ValueError naming the option on bad input."""
    params = module.params
    problem = job_info_problem(params)
    if problem:
        raise ValueError(problem)
    after, before = time_window(params)
    if params.get("job_id"):
        return one_job(client, params["job_type"], params["job_id"]), {}
    resource_arn = CallerContext(module).table_arn(params["resource"]) if params.get("resource") else None
    backup = params["job_type"] == "backup"
    created_by = CreatedByFilter(client, params)
    lister = list_jobs_of_backup if backup else list_jobs_of_restore
    jobs = lister(client, resource_arn, params.get("backup_vault_name"), params.get("state"), after, before,
                  created_by=created_by if created_by.active else None)
    filters = filter_report(params, AWS_BACKUP_JOB_FILTERS,
                            applied_by_aws=AWS_BACKUP_JOB_FILTERS if backup else AWS_RESTORE_JOB_FILTERS)
    filters.update(created_by.report())
    return jobs, filters
