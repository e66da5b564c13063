# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup restore jobs of DynamoDB tables: start, find, wait (private).

The engine of backupkit.dynamodb.backup_restore. The AWS calls are ``_backup``'s and
``_dynamodb``'s; the waits are ``_poll``'s one loop, with their clock and sleep as
arguments so that unit tests run them without waiting.
"""

from __future__ import annotations

import datetime
import re
import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_restore_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_recovery_points_by_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_restore_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_tags
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import start_restore_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_jobs import wait_for_restore_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import table_name_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._poll import poll
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import RESTORABLE_STATUSES
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import choose_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import explain_no_choice
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import find_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import list_backup_vault_names
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import list_recovery_points_by_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import normalise_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import recovery_point_arn_kind
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import same_backup
from ansible_collections.backupkit.dynamodb.plugins.module_utils._recovery_points import table_arn_of_dynamodb_backup
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import EPOCH
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import MARKER as SETTINGS_MARKER
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import SETTINGS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import apply as apply_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import decode as decode_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import user_tags
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time

# botocore's RestoreJobStatus enum
RUNNING_STATUSES = ("PENDING", "RUNNING")
FAILED_STATUSES = ("FAILED", "ABORTED")
DONE_STATUS = "COMPLETED"


class RestoreJobError(AnsibleBackupError):
    """A restore job that failed, or a wait that timed out; ``kwargs`` holds what the module returns."""


# ---------------------------------------------------------------------------
# Finding restore jobs (ListRestoreJobs cannot filter by recovery point or created resource)
# ---------------------------------------------------------------------------


def running_restore_jobs(client, recovery_point_arn):
    """The PENDING or RUNNING restore jobs of the recovery point (either ARN form), newest first."""
    jobs = []
    for status in RUNNING_STATUSES:
        jobs.extend(list_restore_jobs(client, ByStatus=status, ByResourceType="DynamoDB"))
    jobs = [job for job in jobs if same_backup(job.get("RecoveryPointArn"), recovery_point_arn)]
    return sorted(jobs, key=lambda job: parse_time(job.get("CreationDate")) or EPOCH, reverse=True)


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
    return sorted(jobs, key=lambda job: parse_time(job.get("CreationDate")) or EPOCH, reverse=True)


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
    created = parse_time(table.get("CreationDateTime"))
    if created is None:
        return candidates[0]
    return min(candidates, key=lambda job: abs(((parse_time(job.get("CreationDate")) or EPOCH) - created).total_seconds()))


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
    created, completed = parse_time(raw.get("CreationDate")), parse_time(raw.get("CompletionDate"))
    job = normalize_boto3_result(camel_dict_to_snake_dict(raw))
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
    return normalize_boto3_result(camel_dict_to_snake_dict(dict(raw)))


# ---------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------


def _table_ready(table):
    return table is not None and table.get("TableStatus") == "ACTIVE" and not restore_in_progress(table)


def wait_for_table_active(ddb_client, name, deadline, clock=time.monotonic, sleep=time.sleep):
    """Poll DescribeTable until the table is ACTIVE with no restore in progress, or ``deadline``
    passes. Returns (table, ready); table is None (and ready False) when it does not exist."""
    table, _finished = poll(lambda: describe_table(ddb_client, name), lambda table: table is None or _table_ready(table),
                            deadline=deadline, clock=clock, sleep=sleep)
    return table, _table_ready(table)


def finish_restore(client, ddb_client, job_id, table_name, timeout, clock=time.monotonic, sleep=time.sleep):
    """Wait for a restore job, then for its table; return (job, table) as AWS answered them.

    Raises RestoreJobError when the job ends FAILED or ABORTED (with AWS's status message),
    and when either wait runs out of time (naming the job, its last status and the table).
    """
    deadline = clock() + timeout
    job, finished = wait_for_restore_job(client, job_id, deadline=deadline, clock=clock, sleep=sleep)
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


# ---------------------------------------------------------------------------
# The engine of backupkit.dynamodb.backup_restore: the options checked (Request), then
# the recovery point chosen, the target table described, and a restore started or found
# ---------------------------------------------------------------------------


TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
LATEST = "latest"
# how far before a table's creation its restore job may have been created
HISTORY_SLACK_SECONDS = 24 * 3600


class Request(object):
    """The options, checked before any AWS call (ValueError names the option at fault)."""

    def __init__(self, params):
        self.recovery_point_arn = params.get("recovery_point_arn")
        self.source_table = params.get("source_table")
        self.vault = params.get("backup_vault_name")
        self.target = params["target_table_name"]
        self.role_arn = params.get("iam_role_arn")
        self.role_name = params.get("iam_role_name")
        self.kms_key = params.get("kms_master_key_arn")
        self.copy_tags = bool(params.get("copy_source_tags"))
        self.restore_settings = params.get("restore_settings", True) is not False
        self.wait = params.get("wait")
        self.wait_timeout = params.get("wait_timeout")
        self.at = None

        choice = (params.get("recovery_point") or LATEST).strip()
        if choice.lower() != LATEST:
            if self.recovery_point_arn:
                raise ValueError("recovery_point chooses among the recovery points of source_table; "
                                 "it cannot be used with recovery_point_arn")
            self.at = parse_time(choice, "recovery_point")
        if self.recovery_point_arn and recovery_point_arn_kind(self.recovery_point_arn) is None:
            raise ValueError(
                f"recovery_point_arn: {self.recovery_point_arn!r} is not a recovery point ARN "
                "(arn:aws:backup:REGION:ACCOUNT:recovery-point:ID or arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/backup/ID)"
            )
        if self.source_table and self.source_table.startswith("arn:"):
            parsed = parse_aws_arn(self.source_table) or {}
            if parsed.get("service") != "dynamodb" or not re.match(r"^table/[^/]+$", parsed.get("resource") or ""):
                raise ValueError(f"source_table: {self.source_table!r} is not a DynamoDB table name or table ARN")
        if not TABLE_NAME.match(self.target):
            raise ValueError(
                f"target_table_name: {self.target!r} is not a DynamoDB table name "
                "(3 to 255 letters, digits, '_', '-' and '.')"
            )
        self.encryption_type = params.get("encryption_type") or ("KMS" if self.kms_key else "Default")
        if self.encryption_type == "KMS" and not self.kms_key:
            raise ValueError("encryption_type=KMS needs kms_master_key_arn, the ARN of the KMS key that encrypts the new table")
        if self.encryption_type == "Default" and self.kms_key:
            raise ValueError("kms_master_key_arn is used only with encryption_type=KMS")
        if self.wait_timeout is not None and self.wait_timeout < 0:
            raise ValueError("wait_timeout must not be negative")

    def metadata(self):
        metadata = {"targetTableName": self.target, "encryptionType": self.encryption_type}
        if self.encryption_type == "KMS":
            metadata["kmsMasterKeyArn"] = self.kms_key
        return metadata


class Restorer(object):
    """Chooses the recovery point, decides whether to restore, and restores."""

    def __init__(self, module, request):
        self.module = module
        self.request = request
        self.client = module.client("backup")
        self.ddb = module.client("dynamodb")
        self.ctx = CallerContext(module)

    def fail(self, msg, **extra):
        self.module.fail_json(msg=msg, **extra)

    # -- the recovery point --------------------------------------------------

    def source_arn(self):
        return self.ctx.table_arn(self.request.source_table) if self.request.source_table else None

    def recovery_point(self):
        """DescribeRecoveryPoint of the recovery point to restore."""
        request = self.request
        source_arn = self.source_arn()
        where = f" in backup vault {request.vault!r}" if request.vault else ""
        if request.recovery_point_arn:
            arn = request.recovery_point_arn
            arn_region = (parse_aws_arn(arn) or {}).get("region")
            if arn_region and self.module.region and arn_region != self.module.region:
                self.fail(
                    f"recovery_point_arn {arn} is in Region {arn_region}, and the task runs in Region {self.module.region}: "
                    f"AWS Backup restores a recovery point in its own Region; set region: {arn_region} (for a copy, "
                    "the ARN of the copy in the Region where it is)"
                )
            raw = find_recovery_point(self.client, arn, request.vault, [source_arn, table_arn_of_dynamodb_backup(arn)])
            if raw is None:
                self.fail(f"Recovery point {arn} was not found{where or ' in any backup vault of this account and region'}")
            if source_arn and raw.get("ResourceArn") and raw["ResourceArn"] != source_arn:
                self.fail(f"Recovery point {arn} is a backup of {raw['ResourceArn']}, not of source_table {source_arn}")
            return raw

        if request.vault:
            points = list_recovery_points_by_vault(self.client, request.vault, resource_arn=source_arn)
        elif _elsewhere(source_arn, self.module.region, lambda: self.ctx.account_id):
            # copies of a table of another Region or account: they are only in this Region's vaults
            points = []
            for name in list_backup_vault_names(self.client):
                points.extend(dict(point, BackupVaultName=point.get("BackupVaultName") or name)
                              for point in list_recovery_points_by_vault(self.client, name, resource_arn=source_arn))
        else:
            points = list_recovery_points_by_resource(self.client, source_arn)
        chosen = choose_recovery_point(points, request.at)
        if chosen is None:
            when = f" created at or before {iso(request.at)}" if request.at else ""
            self.fail(
                f"No AVAILABLE or COMPLETED recovery point of table {source_arn}{where}{when} to restore: "
                f"{explain_no_choice(points, request.at)}"
            )
        vault = chosen.get("BackupVaultName") or request.vault
        return describe_recovery_point(self.client, vault, chosen["RecoveryPointArn"]) or chosen

    # -- the restore ---------------------------------------------------------

    def run(self):
        raw_point = self.recovery_point()
        result = self.restore(raw_point)
        if self.request.restore_settings:
            result = self.reapply(raw_point, result)
        return result

    def recovery_point_tags(self, raw_point):
        """The tags of the recovery point, read in its own vault (a copy's are the copy's); None when
        AWS keeps none (a DynamoDB-form backup, without advanced DynamoDB backup)."""
        arn = raw_point["RecoveryPointArn"]
        if recovery_point_arn_kind(arn) != "backup":
            return None
        return list_tags(self.client, arn)

    def reapply(self, raw_point, result):
        """Re-apply to the target table what AWS's restore does not carry over, as recorded in the
        recovery point's tags (backupkit:* settings, and the table's own tags)."""
        tags = self.recovery_point_tags(raw_point)
        table = result.get("table")
        if tags is None:
            result["settings_restore"] = dict(
                recorded=[], settings=None, tags={}, applied=[], in_place=[],
                not_applied=[{"setting": "all", "reason": (
                    "the recovery point is a DynamoDB backup (arn:aws:dynamodb:...), which carries no tags: "
                    "turn advanced DynamoDB backup on to record the settings")}],
            )
            return result
        name = self.request.target
        raw_table = describe_table(self.ddb, name) if table is not None else None
        ready = raw_table is not None and _table_ready(raw_table)
        if not ready:
            settings, recorded, problems = decode_settings(tags)
            reason = ("would be applied once the table is restored" if self.module.check_mode and raw_table is None
                      else "the table is not ACTIVE yet; run the task again (with wait=true) to apply it")
            kept_tags = user_tags(tags) if SETTINGS_MARKER in tags else {}
            would = [s for s in recorded if _on(s, settings)] + (["tags"] if kept_tags else [])
            result["settings_restore"] = dict(
                recorded=recorded, settings=settings, tags=kept_tags, applied=[], in_place=[],
                not_applied=[{"setting": s, "reason": reason} for s in would]
                + [{"setting": p.partition(":")[0], "reason": p} for p in problems]
                + [{"setting": s, "reason": "not recorded when the backup was taken"}
                   for s in SETTINGS if s not in recorded and not any(p.startswith(s + ":") for p in problems)],
            )
            return result
        changed, outcome = apply_settings(self.ddb, self.module.client("application-autoscaling"), raw_table, tags,
                                          check_mode=self.module.check_mode, log=self.module.log,
                                          timeout=self.request.wait_timeout or 600)
        result["settings_restore"] = outcome
        for entry in outcome["not_applied"]:
            if entry["reason"].startswith("AWS refused"):
                self.module.warn(f"table {name}: {entry['setting']} was not re-applied: {entry['reason']}")
        if changed:
            result["changed"] = True
            verb = "would re-apply" if self.module.check_mode else "re-applied"
            result["msg"] = f"{result.get('msg')}; {verb} {', '.join(outcome['applied'])}"
            if not self.module.check_mode:
                result["table"] = normalise_table(describe_table(self.ddb, name))
        return result

    def restore(self, raw_point):
        request = self.request
        point = normalise_recovery_point(raw_point)
        point_arn = raw_point["RecoveryPointArn"]
        source = point.get("resource_arn") or self.source_arn() or "?"
        about = (
            f"recovery point {point_arn} of table {table_name_of(source)} "
            f"(created {point.get('creation_date')}, vault {point.get('backup_vault_name')})"
        )
        result = dict(recovery_point=point, restore_job=None, table=None)

        table = describe_table(self.ddb, request.target)
        if table is not None:
            return self.existing(table, point_arn, about, result)

        target_arn = self.ctx.table_arn(request.target)
        result["target_table_arn"] = target_arn
        # a job that has not created the table yet, but says it will (AWS names the created resource early or not at all)
        running = [job for job in running_restore_jobs(self.client, point_arn) if job.get("CreatedResourceArn") == target_arn]
        if running:
            return self.adopt(running[0], about, result)
        if point.get("status") not in RESTORABLE_STATUSES:
            self.fail(f"Cannot restore {about}: its status is {point.get('status')}, not AVAILABLE or COMPLETED", **result)
        role_arn = self.ctx.role_arn(role_arn=request.role_arn, role_name=request.role_name)
        if self.module.check_mode:
            return dict(result, changed=True, msg=f"Would restore {about} into new table {request.target}")

        params = dict(
            RecoveryPointArn=point_arn,
            Metadata=request.metadata(),
            ResourceType="DynamoDB",
            CopySourceTagsToRestoredResource=request.copy_tags,
        )
        if role_arn:
            params["IamRoleArn"] = role_arn
        job_id = start_restore_job(self.client, **params)
        if request.wait:
            job, table = finish_restore(self.client, self.ddb, job_id, request.target, request.wait_timeout)
            msg = f"Restored {about} into new table {request.target}"
        else:
            job, table = describe_restore_job(self.client, job_id), describe_table(self.ddb, request.target)
            msg = f"Started restore job {job_id} of {about} into new table {request.target}"
        return dict(result, changed=True, msg=msg, restore_job=normalise_restore_job(job), table=normalise_table(table))

    def existing(self, table, point_arn, about, result):
        """The target exists: not changed when it was restored from the recovery point, a failure otherwise."""
        request = self.request
        table_arn = table.get("TableArn")
        result["target_table_arn"] = table_arn
        created = parse_time(table.get("CreationDateTime"))
        since = None
        if created is not None:
            since = created.replace(microsecond=0) - _slack()
        history = None
        if not restored_from(table, point_arn):
            history = restore_history(self.client, point_arn, table_arn, since=since)
            if not history:
                source = (table.get("RestoreSummary") or {}).get("SourceBackupArn")
                origin = f"it was restored from {source}" if source else "it was not restored from a backup"
                self.fail(
                    f"Table {request.target} already exists and {origin}, not from {point_arn}; it is left untouched. "
                    "Choose another target_table_name, or delete the table first.",
                    **dict(result, table=normalise_table(table)),
                )

        job = None
        in_progress = restore_in_progress(table)
        if in_progress:
            job = job_for_table(running_restore_jobs(self.client, point_arn), table)
        if job is None:
            if history is None:
                history = restore_history(self.client, point_arn, table_arn, since=since)
            job = history[0] if history else None

        if in_progress and job is not None and job.get("Status") in RUNNING_STATUSES:
            return self.adopt(job, about, result)
        if in_progress and request.wait and not self.module.check_mode:
            table = self.wait_table_only(about)
            msg = f"Waited for table {request.target}, being restored from {about}"
        elif in_progress:
            msg = f"Table {request.target} is being restored from {about}"
        else:
            msg = f"Table {request.target} was already restored from {about}"
        return dict(result, changed=False, msg=msg, restore_job=normalise_restore_job(job), table=normalise_table(table))

    def adopt(self, job, about, result):
        """A restore job of the recovery point into the target is running already: wait for it, start nothing."""
        request = self.request
        job_id = job["RestoreJobId"]
        table = None
        if request.wait and not self.module.check_mode:
            job, table = finish_restore(self.client, self.ddb, job_id, request.target, request.wait_timeout)
            msg = f"Waited for restore job {job_id} of {about} into table {request.target}, already running"
        else:
            table = describe_table(self.ddb, request.target)
            msg = f"Restore job {job_id} of {about} into table {request.target} is running"
        return dict(result, changed=False, msg=msg, restore_job=normalise_restore_job(job), table=normalise_table(table))

    def wait_table_only(self, about):
        deadline = time.monotonic() + self.request.wait_timeout
        table, ready = wait_for_table_active(self.ddb, self.request.target, deadline)
        if not ready:
            raise RestoreJobError(
                message=(f"Timed out after {self.request.wait_timeout} seconds waiting for table "
                         f"{self.request.target} to be restored from {about}"),
                table=normalise_table(table),
            )
        return table


def _elsewhere(table_arn, region, account_id):
    """Whether a table ARN names a table of another Region than ``region`` or another account than
    ``account_id()`` (asked only when the Region is the same)."""
    parsed = parse_aws_arn(table_arn or "") or {}
    if parsed.get("region") and region and parsed["region"] != region:
        return True
    return bool(parsed.get("account_id") and parsed["account_id"] != account_id())


def _on(setting, settings):
    """Whether a recorded setting is on (something to apply)."""
    return bool({
        "ttl": settings.get("ttl_attribute"), "stream": settings.get("stream_view_type"),
        "pitr": settings.get("point_in_time_recovery"), "deletion_protection": settings.get("deletion_protection"),
        "auto_scaling": settings.get("auto_scaling"),
    }.get(setting))


def _slack():
    return datetime.timedelta(seconds=HISTORY_SLACK_SECONDS)
