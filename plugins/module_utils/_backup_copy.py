# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup copy jobs: the engine of backupkit.dynamodb.backup_copy_job (private).

The AWS calls are ``_backup``'s; the waiting loop and the snake_case conversion are
``_backup_jobs``'. A copy job belongs to the source account and Region: it is started,
listed and described there, whatever the destination vault's Region and account.
"""

from __future__ import annotations

import re

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_copy_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_copy_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import start_copy_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import _snake
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import newest_first
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import poll_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_problems
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_to_aws

# ListCopyJobs' ByState values
COPY_JOB_STATES = ("CREATED", "RUNNING", "ABORTING", "ABORTED", "COMPLETING", "COMPLETED", "FAILING", "FAILED",
                   "PARTIAL", "AGGREGATE_ALL", "ANY")
COPY_JOB_RUNNING_STATES = ("CREATED", "RUNNING", "COMPLETING")
COPY_JOB_FAILED_STATES = ("FAILED", "ABORTED", "PARTIAL")
COPY_JOB_FINISHED_STATES = ("COMPLETED",) + COPY_JOB_FAILED_STATES
# a copy job in one of these states makes another copy unnecessary
COPY_JOB_REUSABLE_STATES = ("COMPLETED",) + COPY_JOB_RUNNING_STATES

_VAULT_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):backup:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):backup-vault:(?P<name>[A-Za-z0-9_.-]+)$"
)

# keys backup_copy_job returns, filled in when AWS leaves them out
COPY_JOB_DEFAULTS = {
    "copy_job_id": None,
    "state": None,
    "status_message": None,
    "message_category": None,
    "account_id": None,
    "source_backup_vault_arn": None,
    "source_recovery_point_arn": None,
    "destination_backup_vault_arn": None,
    "destination_recovery_point_arn": None,
    "destination_recovery_point_lifecycle": None,
    "resource_arn": None,
    "resource_name": None,
    "resource_type": None,
    "iam_role_arn": None,
    "backup_size_in_bytes": None,
    "creation_date": None,
    "completion_date": None,
}


# ---------------------------------------------------------------------------
# Validation, requests, normalisers (pure)
# ---------------------------------------------------------------------------


def parse_vault_arn(arn):
    """``{partition, region, account, name}`` of a backup vault ARN, or None when it is not one."""
    match = _VAULT_ARN.match(arn or "")
    return match.groupdict() if match else None


def input_problems(params):
    """Everything wrong with backup_copy_job's options that can be found without AWS."""
    problems = lifecycle_problems(params.get("lifecycle"))
    if params["wait_timeout"] < 1:
        problems.append(f"wait_timeout must be at least 1 second, got {params['wait_timeout']}")
    if not parse_vault_arn(params["destination_backup_vault_arn"]):
        problems.append(
            "destination_backup_vault_arn must be a backup vault ARN "
            f"(arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME), got {params['destination_backup_vault_arn']!r}"
        )
    if not params["recovery_point_arn"].startswith("arn:"):
        problems.append(f"recovery_point_arn must be a recovery point ARN, got {params['recovery_point_arn']!r}")
    if not params["source_backup_vault_name"].strip():
        problems.append("source_backup_vault_name must name the vault that holds the recovery point")
    return problems


def copy_job_request(recovery_point_arn, source_vault_name, destination_vault_arn, role_arn, lifecycle=None):
    """StartCopyJob's parameters."""
    params = {
        "RecoveryPointArn": recovery_point_arn,
        "SourceBackupVaultName": source_vault_name,
        "DestinationBackupVaultArn": destination_vault_arn,
        "IamRoleArn": role_arn,
    }
    aws_lifecycle = lifecycle_to_aws(lifecycle)
    if aws_lifecycle:
        params["Lifecycle"] = aws_lifecycle
    return params


def normalise_copy_job(raw):
    """DescribeCopyJob's CopyJob (or a ListCopyJobs member) in snake_case, documented keys always present."""
    job = _snake(raw)
    for key, default in COPY_JOB_DEFAULTS.items():
        job.setdefault(key, default)
    return job


def predicted_copy_job(request, recovery_point, source_vault_arn, account_id):
    """The job check mode reports: what would be started, and nothing AWS alone can know."""
    job = dict(COPY_JOB_DEFAULTS)
    resource_arn = (recovery_point or {}).get("ResourceArn")
    job.update(
        account_id=account_id,
        source_backup_vault_arn=source_vault_arn,
        source_recovery_point_arn=request["RecoveryPointArn"],
        destination_backup_vault_arn=request["DestinationBackupVaultArn"],
        resource_arn=resource_arn,
        resource_name=(recovery_point or {}).get("ResourceName"),
        resource_type=(recovery_point or {}).get("ResourceType"),
        iam_role_arn=request["IamRoleArn"],
    )
    if request.get("Lifecycle"):
        job["destination_recovery_point_lifecycle"] = _snake(request["Lifecycle"])
    return job


def reusable_copy_job(raw_jobs, recovery_point_arn, destination_vault_arn):
    """The newest copy job of the recovery point into the vault that completed or is running, else None."""
    matching = [
        raw for raw in raw_jobs
        if raw.get("SourceRecoveryPointArn") == recovery_point_arn
        and raw.get("DestinationBackupVaultArn") == destination_vault_arn
        and raw.get("State") in COPY_JOB_REUSABLE_STATES
    ]
    ordered = newest_first(matching, "CopyJobId")
    return ordered[0] if ordered else None


def failure_advice(job, source_account, destination_vault_arn):
    """What to fix, in words, for a copy job that failed (empty when AWS's message says it all)."""
    destination = parse_vault_arn(destination_vault_arn) or {}
    dest_account = destination.get("account")
    dest_region = destination.get("region")
    vault = destination.get("name")
    message = (job.get("status_message") or "").lower()
    access_denied = job.get("message_category") == "AccessDenied" or "access denied" in message
    if "same organization" in message or "member of the same organization" in message:
        return (
            f"Source account {source_account} and destination account {dest_account} must both be members of one "
            "AWS Organizations organization."
        )
    if "cross-account backup is not enabled" in message or "iscrossaccountbackupenabled" in message:
        return (
            "Turn on cross-account backup in the AWS Backup settings of the organization's management account "
            "(global setting isCrossAccountBackupEnabled, UpdateGlobalSettings)."
        )
    if "does not exist" in message:
        return f"Create backup vault {vault!r} in account {dest_account}, Region {dest_region} first."
    if access_denied:
        if dest_account and dest_account != source_account:
            return (
                f"The access policy of backup vault {vault!r} in account {dest_account} (Region {dest_region}) must "
                f"allow backup:CopyIntoBackupVault to source account {source_account} (for example Principal "
                f"arn:aws:iam::{source_account}:root) and must not deny it; the organization must also have "
                "cross-account backup turned on (global setting isCrossAccountBackupEnabled)."
            )
        return (
            f"The access policy of backup vault {vault!r} (Region {dest_region}) denies backup:CopyIntoBackupVault; "
            "remove that Deny, or check that the IAM role may copy into it."
        )
    return ""


# ---------------------------------------------------------------------------
# The engine of backup_copy_job
# ---------------------------------------------------------------------------


def wait_for_copy_job(client, job_id, timeout, log=None, **poll_options):
    """Poll DescribeCopyJob until the job has finished; ``(raw, finished)``."""
    return poll_job(lambda job: describe_copy_job(client, job), job_id, "State", COPY_JOB_FINISHED_STATES,
                    timeout, log=log, label="copy job", **poll_options)


def existing_copy_job(client, recovery_point_arn, destination_vault_arn):
    """A copy job of the recovery point into the destination vault that completed or is running, else None."""
    jobs = list_copy_jobs(client, ByDestinationVaultArn=destination_vault_arn,
                          BySourceRecoveryPointArn=recovery_point_arn)
    return reusable_copy_job(jobs, recovery_point_arn, destination_vault_arn)


def copy(module):
    """Copy a recovery point into another vault (another Region and/or account), unless a copy of it
    into that vault completed or is running (then that one is returned, and waited for)."""
    params = module.params
    client = module.client("backup")
    context = CallerContext(module)
    try:
        role_arn = context.role_arn(params.get("iam_role_arn"), params.get("iam_role_name"))
    except ValueError as e:
        module.fail_json(msg=f"iam_role_name: {e}")
    request = copy_job_request(params["recovery_point_arn"], params["source_backup_vault_name"],
                               params["destination_backup_vault_arn"], role_arn, params.get("lifecycle"))
    source_vault = params["source_backup_vault_name"]
    destination = request["DestinationBackupVaultArn"]

    point = describe_recovery_point(client, source_vault, request["RecoveryPointArn"])
    if point is None:
        module.fail_json(
            msg=(
                f"recovery_point_arn {request['RecoveryPointArn']} is not in backup vault {source_vault!r} "
                f"(source_backup_vault_name) of account {context.account_id}, Region {context.region}; the copy is "
                "started from the account and Region of the recovery point"
            ),
            changed=False,
        )

    existing = existing_copy_job(client, request["RecoveryPointArn"], destination)
    changed = existing is None
    if module.check_mode:
        if existing is not None:
            return dict(changed=False, copy_job=normalise_copy_job(existing))
        return dict(changed=True, copy_job=predicted_copy_job(request, point, point.get("BackupVaultArn"),
                                                              context.account_id))

    if existing is None:
        job_id = start_copy_job(client, **request)["CopyJobId"]
        module.log(f"started copy job {job_id} of {request['RecoveryPointArn']} into {destination}")
    else:
        job_id = existing["CopyJobId"]
        module.log(f"copy job {job_id} of {request['RecoveryPointArn']} into {destination} exists: {existing.get('State')}")

    raw = describe_copy_job(client, job_id)
    if raw is None:
        raise AnsibleBackupError(message=f"AWS started copy job {job_id} but does not describe it")
    if params["wait"]:
        raw, finished = wait_for_copy_job(client, job_id, params["wait_timeout"], log=module.log)
        if not finished:
            module.fail_json(
                msg=(
                    f"Timed out after {params['wait_timeout']} seconds waiting for copy job {job_id} of "
                    f"{request['RecoveryPointArn']} into {destination}: its last state was {raw.get('State')}. "
                    "The job continues in AWS; run this task again to wait for it again (it starts no second copy)."
                ),
                changed=changed,
                copy_job=normalise_copy_job(raw),
            )

    job = normalise_copy_job(raw)
    if job["state"] in COPY_JOB_FAILED_STATES:
        advice = failure_advice(job, context.account_id, destination)
        status = job.get("status_message") or "AWS gave no status message"
        if advice and not status.rstrip().endswith((".", "!", "?")):
            status = status.rstrip() + "."
        module.fail_json(
            msg=(
                f"Copy job {job_id} of {request['RecoveryPointArn']} into {destination} ended {job['state']}: "
                f"{status}" + (f" {advice}" if advice else "")
            ),
            changed=changed,
            copy_job=job,
        )
    return dict(changed=changed, copy_job=job)
