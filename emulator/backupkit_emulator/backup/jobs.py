"""AWS Backup: backup jobs and restore jobs (backend and response mixins).

A backup job of a DynamoDB table copies the table when it starts (the recovery
point's snapshot) and then moves, by elapsed time and with no thread, through
``CREATED`` -> ``RUNNING`` -> ``COMPLETED`` over ``SETTINGS.job_seconds`` (read
when the job starts). A job that cannot succeed is accepted and then ``FAILED``
with a StatusMessage, as AWS reports problems found after the job starts: the
table does not exist (``Requested resource not found: Table: NAME not found``),
the vault's lock forbids the lifecycle, or (for jobs started by a plan) the vault
is gone. StopBackupJob aborts a job that has not finished (``ABORTED``) and
deletes its recovery point.

A restore job creates the target table at once (``CREATING``, RestoreInProgress)
holding exactly the snapshot's items, and moves ``PENDING`` -> ``RUNNING`` ->
``COMPLETED`` the same way. Restoring onto a table that exists makes the job
``FAILED`` with DynamoDB's message (``Table already exists: NAME``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from ..settings import SETTINGS
from .exceptions import (
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from .recovery_points import (
    RESOURCE_TYPE,
    RecoveryPoint,
    list_page,
    compact,
    in_window,
    now_ms,
    query_param,
    request_json,
    time_filters,
    uri_param,
    validate_lifecycle,
)

#: Share of a job's duration spent before it runs (CREATED / PENDING).
START_SHARE = 0.25
#: AWS's default and minimum StartWindowMinutes for on-demand jobs.
DEFAULT_START_WINDOW_MINUTES = 480
MIN_START_WINDOW_MINUTES = 60
DEFAULT_COMPLETE_WINDOW_MINUTES = 10080
IDEMPOTENCY_SECONDS = 3600
#: StatusMessage of a job that did not finish inside its completion window (AWS's words).
EXPIRED_MESSAGE = "Backup job expired before completion."
#: StatusMessage of a job that could not start inside its start window.
START_EXPIRED_MESSAGE = "Backup job expired before it could start within the start window."
FINISHED_BACKUP_STATES = {"COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"}
TABLE_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):dynamodb:(?P<region>[a-z0-9-]+):(?P<account>\d{12})"
    r":table/(?P<name>[A-Za-z0-9_.-]{1,255})$"
)
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


class Progress:
    """Where a job is in its timeline, computed from elapsed time when read."""

    def __init__(self, created: datetime, seconds: float):
        self.created = created
        self.seconds = max(0.0, float(seconds))

    @property
    def starts_at(self) -> datetime:
        return self.created + timedelta(seconds=self.seconds * START_SHARE)

    @property
    def ends_at(self) -> datetime:
        return self.created + timedelta(seconds=self.seconds)

    def phase(self, now: datetime | None = None) -> str:
        """'waiting', 'running' or 'done'."""
        now = now or utcnow()
        if now < self.starts_at:
            return "waiting"
        if now < self.ends_at:
            return "running"
        return "done"

    def percent(self, now: datetime | None = None) -> str:
        now = now or utcnow()
        phase = self.phase(now)
        if phase == "waiting":
            return "0.0"
        if phase == "done":
            return "100.0"
        span = (self.ends_at - self.starts_at).total_seconds() or 1.0
        return f"{min(99.9, 100.0 * (now - self.starts_at).total_seconds() / span):.1f}"


# --------------------------------------------------------------------------- #
# Backup jobs
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class BackupRequest:
    """A validated request for backup jobs: everything but the resource (see ``backup_request``)."""

    vault_name: str
    iam_role_arn: str
    lifecycle: dict[str, Any] | None
    start_window: int
    complete_window: int
    recovery_point_tags: dict[str, str] | None
    backup_options: dict[str, str] | None
    created_by: dict[str, Any] | None


# AWS Backup's limit of the tags it puts on a recovery point
MAX_RECOVERY_POINT_TAGS = 50


def recovery_point_tags(assigned: dict[str, str] | None, table: Any, advanced: bool) -> dict[str, str]:
    """The tags of a new recovery point, as the AWS Backup Developer Guide (*Copying tags onto
    backups*) has them: the tags assigned during backup (RecoveryPointTags) and the resource's own
    tags, up to 50, the assigned ones first, each set in alphabetical order; for DynamoDB the
    table's tags only with advanced DynamoDB backup ("DynamoDB does not support assigning tags to
    backups unless you first enable Advanced DynamoDB backup"). Tags of the table at backup time;
    its ``aws:`` tags are AWS's own and are not copied."""
    tags = dict(sorted((assigned or {}).items()))
    if advanced and table is not None:
        for tag in sorted(table.tags or [], key=lambda tag: tag["Key"]):
            if len(tags) >= MAX_RECOVERY_POINT_TAGS:
                break
            if tag["Key"] not in tags and not tag["Key"].lower().startswith("aws:"):
                tags[tag["Key"]] = tag["Value"]
    return dict(list(tags.items())[:MAX_RECOVERY_POINT_TAGS])


class BackupJob:
    """One backup job; its state is derived from time, failure and abort."""

    def __init__(
        self,
        backend: Any,
        vault: Any | None,
        vault_name: str,
        resource_arn: str,
        iam_role_arn: str,
        lifecycle: dict[str, Any] | None,
        start_window_minutes: int,
        complete_window_minutes: int,
        created_by: dict[str, Any] | None,
        backup_options: dict[str, str] | None,
    ):
        self.backup_job_id = str(mock_random.uuid4()).upper()
        self.account_id = backend.account_id
        self.vault_name = vault_name
        partition = get_partition(backend.region_name)
        self.vault_arn = (
            vault.backup_vault_arn
            if vault is not None
            else f"arn:{partition}:backup:{backend.region_name}:{backend.account_id}:backup-vault:{vault_name}"
        )
        self.resource_arn = resource_arn
        match = TABLE_ARN.match(resource_arn)
        self.resource_name = match.group("name") if match else None
        self.iam_role_arn = iam_role_arn
        self.lifecycle = lifecycle
        self.created_by = created_by
        self.backup_options = backup_options
        self.progress = Progress(now_ms(), SETTINGS.job_seconds)
        self.start_by = self.progress.created + timedelta(minutes=start_window_minutes)
        self.complete_window_minutes = complete_window_minutes
        self.failure: str | None = None
        self.aborted_at: datetime | None = None
        #: (when, why) the job ends EXPIRED: it cannot start inside its start window or finish
        #: inside its completion window (counted from its creation, as AWS counts it)
        self.expiry: tuple[datetime, str] | None = None
        if self.progress.starts_at > self.start_by:
            self.expiry = (self.start_by, START_EXPIRED_MESSAGE)
        elif self.progress.ends_at > self.progress.created + timedelta(minutes=complete_window_minutes):
            self.expiry = (self.progress.created + timedelta(minutes=complete_window_minutes), EXPIRED_MESSAGE)
        self.recovery_point: RecoveryPoint | None = None
        self.recovery_point_arn: str | None = None
        self.backup_size = 0

    @property
    def creation_date(self) -> datetime:
        return self.progress.created

    @property
    def state(self) -> str:
        if self.aborted_at is not None:
            return "ABORTED"
        if self.expiry is not None and self.failure is None and utcnow() >= self.expiry[0]:
            return "EXPIRED"
        phase = self.progress.phase()
        if phase == "waiting":
            return "CREATED"
        if self.failure is not None:
            return "FAILED"
        return "RUNNING" if phase == "running" else "COMPLETED"

    @property
    def completion_date(self) -> datetime | None:
        state = self.state
        if state == "ABORTED":
            return self.aborted_at
        if state == "EXPIRED":
            return self.expiry[0] if self.expiry else None
        if state == "FAILED":
            return self.progress.starts_at
        if state == "COMPLETED":
            return self.progress.ends_at
        return None

    @property
    def status_message(self) -> str | None:
        state = self.state
        if state == "FAILED":
            return self.failure
        if state == "ABORTED":
            return "Backup job was stopped by the user."
        if state == "EXPIRED" and self.expiry is not None:
            return self.expiry[1]
        return None

    @property
    def message_category(self) -> str | None:
        return "SUCCESS" if self.state == "COMPLETED" else None

    def describe(self) -> dict[str, Any]:
        """DescribeBackupJob's shape (ListBackupJobs' members are the same fields)."""
        state = self.state
        done = state == "COMPLETED"
        recovery_point = self.recovery_point
        return compact(
            {
                "AccountId": self.account_id,
                "BackupJobId": self.backup_job_id,
                "BackupVaultName": self.vault_name,
                "BackupVaultArn": self.vault_arn,
                "VaultType": "BACKUP_VAULT",
                "RecoveryPointArn": self.recovery_point_arn,
                "RecoveryPointLifecycle": self.lifecycle,
                "EncryptionKeyArn": recovery_point.encryption_key_arn if recovery_point else None,
                "IsEncrypted": True if recovery_point else None,
                "ResourceArn": self.resource_arn,
                "CreationDate": self.creation_date,
                "CompletionDate": self.completion_date,
                "State": state,
                "StatusMessage": self.status_message,
                "PercentDone": self.progress.percent() if state in ("CREATED", "RUNNING", "COMPLETED") else "0.0",
                "BackupSizeInBytes": self.backup_size if done else 0,
                "BytesTransferred": self.backup_size if done else 0,
                "IamRoleArn": self.iam_role_arn,
                "CreatedBy": self.created_by,
                "ResourceType": RESOURCE_TYPE,
                "ExpectedCompletionDate": self.progress.ends_at,
                "StartBy": self.start_by,
                "BackupOptions": self.backup_options,
                "IsParent": False,
                "ResourceName": self.resource_name,
                "InitiationDate": self.creation_date,
                "MessageCategory": self.message_category,
            }
        )


# --------------------------------------------------------------------------- #
# Restore jobs
# --------------------------------------------------------------------------- #


class RestoreJob:
    """One restore job; the table is created when the job starts."""

    def __init__(
        self,
        backend: Any,
        recovery_point: RecoveryPoint,
        metadata: dict[str, str],
        iam_role_arn: str | None,
        created_by: dict[str, str] | None = None,
    ):
        self.restore_job_id = str(mock_random.uuid4()).upper()
        self.account_id = backend.account_id
        self.recovery_point_arn = recovery_point.arn
        self.recovery_point_creation_date = recovery_point.creation_date
        self.source_resource_arn = recovery_point.resource_arn
        self.vault_arn = recovery_point.vault_arn
        self.backup_size = recovery_point.backup_size
        self.metadata = metadata
        self.iam_role_arn = iam_role_arn
        self.progress = Progress(now_ms(), SETTINGS.job_seconds)
        self.failure: str | None = None
        #: {"RestoreTestingPlanArn": ...} for a job a restore testing plan started (restore_testing.py)
        self.created_by = created_by
        self.validation_status: str | None = None
        self.validation_status_message: str | None = None
        self.deletion_status: str | None = None
        self.deletion_status_message: str | None = None
        partition = get_partition(backend.region_name)
        self.created_resource_arn = (
            f"arn:{partition}:dynamodb:{backend.region_name}:{backend.account_id}:table/{metadata['targetTableName']}"
        )

    @property
    def creation_date(self) -> datetime:
        return self.progress.created

    @property
    def status(self) -> str:
        phase = self.progress.phase()
        if phase == "waiting":
            return "PENDING"
        if self.failure is not None:
            return "FAILED"
        return "RUNNING" if phase == "running" else "COMPLETED"

    @property
    def completion_date(self) -> datetime | None:
        status = self.status
        if status == "FAILED":
            return self.progress.starts_at
        if status == "COMPLETED":
            return self.progress.ends_at
        return None

    @property
    def minutes(self) -> int:
        return int(math.ceil(self.progress.seconds / 60.0))

    def describe(self) -> dict[str, Any]:
        """DescribeRestoreJob's shape (ListRestoreJobs' members are the same fields)."""
        status = self.status
        return compact(
            {
                "AccountId": self.account_id,
                "RestoreJobId": self.restore_job_id,
                "RecoveryPointArn": self.recovery_point_arn,
                "SourceResourceArn": self.source_resource_arn,
                "BackupVaultArn": self.vault_arn,
                "CreationDate": self.creation_date,
                "CompletionDate": self.completion_date,
                "Status": status,
                "StatusMessage": self.failure if status == "FAILED" else None,
                "PercentDone": self.progress.percent() if status != "FAILED" else "0.0",
                "BackupSizeInBytes": self.backup_size,
                "IamRoleArn": self.iam_role_arn,
                "ExpectedCompletionTimeMinutes": self.minutes,
                "CreatedResourceArn": self.created_resource_arn if status == "COMPLETED" else None,
                "ResourceType": RESOURCE_TYPE,
                "RecoveryPointCreationDate": self.recovery_point_creation_date,
                "IsParent": False,
                "CreatedBy": self.created_by,
                "ValidationStatus": self.validation_status,
                "ValidationStatusMessage": self.validation_status_message,
                "DeletionStatus": self.deletion_status,
                "DeletionStatusMessage": self.deletion_status_message,
            }
        )


# --------------------------------------------------------------------------- #
# Backend
# --------------------------------------------------------------------------- #


class JobsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_jobs(self) -> None:
        self.backup_jobs: dict[str, BackupJob] = {}
        self.restore_jobs: dict[str, RestoreJob] = {}
        self._backup_idempotency: dict[str, tuple[datetime, str]] = {}
        self._restore_idempotency: dict[str, tuple[datetime, str]] = {}

    # -- helpers -------------------------------------------------------------

    def _advanced_dynamodb_backup(self) -> bool:
        """Whether the region's settings turn on advanced DynamoDB backup (region settings mixin)."""
        value = getattr(self, "dynamodb_advanced_backup_enabled", None)
        if callable(value):
            value = value()
        return bool(value)

    def _idempotent(self, registry: dict[str, tuple[datetime, str]], token: str | None) -> str | None:
        if not token:
            return None
        seen = registry.get(token)
        if seen and (utcnow() - seen[0]).total_seconds() < IDEMPOTENCY_SECONDS:
            return seen[1]
        return None

    def _validate_table_arn(self, resource_arn: str) -> None:
        match = TABLE_ARN.match(resource_arn or "")
        if not match:
            raise InvalidParameterValueException(f"Invalid ARN: {resource_arn}. Resource type is not supported.")
        if match.group("account") != self.account_id or match.group("region") != self.region_name:
            raise InvalidParameterValueException(
                f"Resource {resource_arn} is not in account {self.account_id} and region {self.region_name}."
            )

    @staticmethod
    def _window(value: Any, default: int, name: str) -> int:
        if value is None:
            return default
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            raise InvalidParameterValueException(f"{name} must be a number of minutes.")
        if name == "StartWindowMinutes" and minutes < MIN_START_WINDOW_MINUTES:
            raise InvalidParameterValueException(
                f"StartWindowMinutes must be at least {MIN_START_WINDOW_MINUTES} minutes, got {minutes}."
            )
        if minutes < 1:
            raise InvalidParameterValueException(f"{name} must be at least 1 minute.")
        return minutes

    @staticmethod
    def _lock_violation(vault: Any, lifecycle: dict[str, Any] | None) -> str | None:
        """Why a vault lock refuses this retention, or None."""
        if vault is None or not getattr(vault, "locked", False):
            return None
        delete_after = (lifecycle or {}).get("DeleteAfterDays")
        minimum = getattr(vault, "min_retention_days", None)
        maximum = getattr(vault, "max_retention_days", None)
        if minimum is not None and delete_after is not None and delete_after < minimum:
            return (
                f"The retention period of the backup ({delete_after} days) is shorter than the minimum "
                f"retention period of the backup vault ({minimum} days)."
            )
        if maximum is not None and (delete_after is None or delete_after > maximum):
            return (
                "The retention period of the backup is longer than the maximum retention period of the "
                f"backup vault ({maximum} days)."
            )
        return None

    def _take_recovery_point(self, job: BackupJob, vault: Any, table: Any) -> None:
        """Snapshot the table now and file the recovery point in the vault."""
        from ..dynamodb import register_snapshot, take_snapshot

        ddb = self._dynamodb_backend()
        advanced = self._advanced_dynamodb_backup()
        snapshot = take_snapshot(ddb, table, f"AwsBackup-{job.backup_job_id}", job.progress.ends_at)
        partition = get_partition(self.region_name)
        if advanced:
            arn = f"arn:{partition}:backup:{self.region_name}:{self.account_id}:recovery-point:{mock_random.uuid4()}"
            encryption_key = getattr(vault, "encryption_key_arn", None)
        else:
            register_snapshot(ddb, snapshot)
            arn = snapshot.arn
            encryption_key = (getattr(table, "sse_specification", None) or {}).get("KMSMasterKeyId")
        job.backup_size = snapshot.size_bytes
        recovery_point = RecoveryPoint(
            arn=arn,
            vault=vault,
            snapshot=snapshot,
            resource_arn=job.resource_arn,
            resource_name=table.name,
            iam_role_arn=job.iam_role_arn,
            creation_date=job.creation_date,
            completes_at=job.progress.ends_at,
            lifecycle=job.lifecycle,
            created_by=job.created_by,
            backup_size=job.backup_size,
            encryption_key_arn=encryption_key,
            advanced=advanced,
            source_encryption=getattr(table, "sse_specification", None),
        )
        self._add_recovery_point(recovery_point)
        job.recovery_point = recovery_point
        job.recovery_point_arn = arn

    # -- backup jobs ---------------------------------------------------------

    def start_backup_job(
        self,
        backup_vault_name: str,
        resource_arn: str,
        iam_role_arn: str,
        idempotency_token: str | None = None,
        start_window_minutes: Any = None,
        complete_window_minutes: Any = None,
        lifecycle: dict[str, Any] | None = None,
        recovery_point_tags: dict[str, str] | None = None,
        backup_options: dict[str, str] | None = None,
        created_by: dict[str, Any] | None = None,
    ) -> BackupJob:
        """StartBackupJob: start a backup of a DynamoDB table into a vault.

        On-demand (``created_by`` None): a vault that does not exist is refused
        at once. For a plan's job (``created_by`` set) the job fails instead.
        """
        for name, value in (
            ("BackupVaultName", backup_vault_name),
            ("ResourceArn", resource_arn),
            ("IamRoleArn", iam_role_arn),
        ):
            if not value:
                raise MissingParameterValueException(f"{name} is required.")
        known = self._idempotent(self._backup_idempotency, idempotency_token)
        if known:
            return self.backup_jobs[known]
        if not ROLE_ARN.match(iam_role_arn):
            raise InvalidParameterValueException(f"Invalid IAM role ARN: {iam_role_arn}")
        self._validate_table_arn(resource_arn)
        request = self.backup_request(
            backup_vault_name, iam_role_arn, start_window_minutes, complete_window_minutes,
            lifecycle, recovery_point_tags, backup_options, created_by,
        )
        job = self.run_backup_job(request, resource_arn)
        if idempotency_token:
            self._backup_idempotency[idempotency_token] = (job.creation_date, job.backup_job_id)
        return job

    def backup_request(
        self,
        backup_vault_name: str,
        iam_role_arn: str,
        start_window_minutes: Any = None,
        complete_window_minutes: Any = None,
        lifecycle: dict[str, Any] | None = None,
        recovery_point_tags: dict[str, str] | None = None,
        backup_options: dict[str, str] | None = None,
        created_by: dict[str, Any] | None = None,
    ) -> BackupRequest:
        """What a backup job is asked to do, validated as StartBackupJob validates it.

        A plan rule's run makes one per selection and starts a job of it per resource.
        """
        if not ROLE_ARN.match(iam_role_arn):
            raise InvalidParameterValueException(f"Invalid IAM role ARN: {iam_role_arn}")
        return BackupRequest(
            vault_name=backup_vault_name,
            iam_role_arn=iam_role_arn,
            lifecycle=validate_lifecycle(lifecycle),
            start_window=self._window(start_window_minutes, DEFAULT_START_WINDOW_MINUTES, "StartWindowMinutes"),
            complete_window=self._window(
                complete_window_minutes, DEFAULT_COMPLETE_WINDOW_MINUTES, "CompleteWindowMinutes"
            ),
            recovery_point_tags=recovery_point_tags,
            backup_options=backup_options,
            created_by=created_by,
        )

    def run_backup_job(self, request: BackupRequest, resource_arn: str) -> BackupJob:
        """Start one backup job of ``request`` for ``resource_arn`` (a table ARN already checked)."""
        vault = self.vaults.get(request.vault_name)
        if vault is None and request.created_by is None:
            self._existing_vault(request.vault_name)  # raises as AWS does
        job = BackupJob(
            self,
            vault,
            request.vault_name,
            resource_arn,
            request.iam_role_arn,
            request.lifecycle,
            request.start_window,
            request.complete_window,
            request.created_by,
            request.backup_options,
        )
        table = self._source_table(job)
        job.failure = self._backup_failure(job, vault, table)
        if job.failure is None and job.expiry is None:
            self._take_recovery_point(job, vault, table)
            tags = recovery_point_tags(request.recovery_point_tags, table, job.recovery_point.advanced)
            if tags:
                self.tag_resource(job.recovery_point_arn, tags)
        self.backup_jobs[job.backup_job_id] = job
        return job

    def _source_table(self, job: BackupJob) -> Any | None:
        """The DynamoDB table the job backs up, found by name (its ARN was checked), or None."""
        table = self._dynamodb_backend().tables.get(job.resource_name)
        return table if table is not None and table.table_arn == job.resource_arn else None

    def _backup_failure(self, job: BackupJob, vault: Any | None, table: Any | None) -> str | None:
        """Why this job will fail, found as AWS finds it once the job runs."""
        if vault is None:
            return f"Backup vault {job.vault_name} does not exist."
        if table is None:
            return f"Requested resource not found: Table: {job.resource_name} not found"
        return self._lock_violation(vault, job.lifecycle)

    def describe_backup_job(self, backup_job_id: str) -> BackupJob:
        job = self.backup_jobs.get(backup_job_id)
        if job is None:
            raise ResourceNotFoundException(msg=f"Backup job {backup_job_id} not found.")
        return job

    def list_backup_jobs(self, filters: dict[str, Any]) -> list[BackupJob]:
        """Backup jobs newest first, filtered like ListBackupJobs' By* parameters."""
        jobs = [job for job in self.backup_jobs.values() if _backup_job_matches(job, filters)]
        return sorted(jobs, key=lambda job: job.creation_date, reverse=True)

    def stop_backup_job(self, backup_job_id: str) -> None:
        """Abort a job that has not finished; its recovery point is deleted."""
        job = self.describe_backup_job(backup_job_id)
        state = job.state
        if state in FINISHED_BACKUP_STATES:
            raise InvalidRequestException(
                msg=f"Backup job {backup_job_id} cannot be stopped because it is in state {state}."
            )
        job.aborted_at = utcnow()
        if job.recovery_point is not None:
            self._remove_recovery_point(job.recovery_point)
            job.recovery_point = None
            job.recovery_point_arn = None

    # -- restore jobs --------------------------------------------------------

    def start_restore_job(
        self,
        recovery_point_arn: str,
        metadata: dict[str, str] | None,
        iam_role_arn: str | None = None,
        idempotency_token: str | None = None,
        resource_type: str | None = None,
        copy_source_tags: bool = False,
        created_by: dict[str, str] | None = None,
    ) -> RestoreJob:
        """Start restoring a recovery point into a new table named by Metadata.targetTableName."""
        if not recovery_point_arn:
            raise MissingParameterValueException("RecoveryPointArn is required.")
        if metadata is None:
            raise MissingParameterValueException("Metadata is required.")
        known = self._idempotent(self._restore_idempotency, idempotency_token)
        if known:
            return self.restore_jobs[known]
        if resource_type not in (None, RESOURCE_TYPE):
            raise InvalidParameterValueException(
                f"Resource type {resource_type} does not match the recovery point's resource type {RESOURCE_TYPE}."
            )
        if iam_role_arn and not ROLE_ARN.match(iam_role_arn):
            raise InvalidParameterValueException(f"Invalid IAM role ARN: {iam_role_arn}")
        recovery_point = self.find_recovery_point(recovery_point_arn)
        if recovery_point is None:
            raise ResourceNotFoundException(msg=f"Recovery point {recovery_point_arn} not found.")
        if recovery_point.status != "COMPLETED":
            raise InvalidRequestException(
                msg=f"Recovery point {recovery_point_arn} is not in a restorable state ({recovery_point.status})."
            )
        metadata = _restore_metadata(metadata)
        job = RestoreJob(self, recovery_point, metadata, iam_role_arn, created_by)
        job.failure = self._restore_table(job, recovery_point, copy_source_tags)
        recovery_point.last_restore_time = job.creation_date
        self.restore_jobs[job.restore_job_id] = job
        if idempotency_token:
            self._restore_idempotency[idempotency_token] = (job.creation_date, job.restore_job_id)
        return job

    def _restore_table(self, job: RestoreJob, recovery_point: RecoveryPoint, copy_tags: bool) -> str | None:
        """Create the target table now; return DynamoDB's message when it cannot be."""
        from moto.dynamodb.exceptions import TableAlreadyExistsException

        from ..dynamodb import restore_snapshot

        metadata = job.metadata
        sse = None
        if metadata["encryptionType"] == "KMS":
            problem = self._kms_key_problem(metadata["kmsMasterKeyArn"])
            if problem:
                return problem
            sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": metadata["kmsMasterKeyArn"]}
        tags = list(recovery_point.snapshot.table.tags or []) if copy_tags else None
        try:
            restore_snapshot(
                self._dynamodb_backend(),
                metadata["targetTableName"],
                recovery_point.snapshot,
                source_backup_arn=recovery_point.arn,
                sse_specification=sse,
                tags=tags,
                ready_at=job.progress.ends_at,
            )
        except TableAlreadyExistsException as error:
            return error.message
        return None

    def _kms_key_problem(self, key_arn: str) -> str | None:
        """DynamoDB's message when the restore's KMS key does not exist (the job then FAILS), else None."""
        from moto.kms.models import kms_backends

        parts = key_arn.split(":")
        account, region = (parts[4], parts[3]) if len(parts) >= 6 and key_arn.startswith("arn:") else (
            self.account_id, self.region_name)
        try:
            kms_backends[account][region].describe_key(key_arn)
        except Exception:
            return f"Invalid KMSMasterKeyId: KMS key {key_arn} does not exist or is not accessible."
        return None

    def describe_restore_job(self, restore_job_id: str) -> RestoreJob:
        job = self.restore_jobs.get(restore_job_id)
        if job is None:
            raise ResourceNotFoundException(msg=f"Restore job {restore_job_id} not found.")
        return job

    def list_restore_jobs(self, filters: dict[str, Any]) -> list[RestoreJob]:
        """Restore jobs newest first, filtered like ListRestoreJobs' By* parameters."""
        jobs = [job for job in self.restore_jobs.values() if _restore_job_matches(job, filters)]
        return sorted(jobs, key=lambda job: job.creation_date, reverse=True)


    def list_restore_jobs_by_protected_resource(
        self, resource_arn: str, status: str | None = None,
        created_after: datetime | None = None, created_before: datetime | None = None,
    ) -> list[RestoreJob]:
        """Restore jobs of recovery points of one resource, newest first, filtered like AWS's By* parameters."""
        jobs = [
            job for job in self.restore_jobs.values()
            if job.source_resource_arn == resource_arn
            and (status is None or job.status == status)
            and in_window(job.recovery_point_creation_date, created_before, created_after)
        ]
        return sorted(jobs, key=lambda job: job.creation_date, reverse=True)


def _restore_metadata(metadata: dict[str, str]) -> dict[str, str]:
    """Validate StartRestoreJob's DynamoDB metadata; fill encryptionType's default."""
    result = {str(key): str(value) for key, value in metadata.items()}
    target = result.get("targetTableName")
    if not target:
        raise MissingParameterValueException("Metadata must contain targetTableName for a DynamoDB restore.")
    if not TABLE_NAME.match(target):
        raise InvalidParameterValueException(f"Invalid targetTableName: {target}")
    encryption = result.setdefault("encryptionType", "Default")
    if encryption not in ("Default", "KMS"):
        raise InvalidParameterValueException(f"Invalid encryptionType: {encryption}. Valid values are Default and KMS.")
    if encryption == "KMS" and not result.get("kmsMasterKeyArn"):
        raise InvalidParameterValueException("kmsMasterKeyArn is required when encryptionType is KMS.")
    return result


def _account_matches(account_filter: str | None, account_id: str) -> bool:
    return account_filter in (None, "*", account_id)


def _backup_job_matches(job: BackupJob, filters: dict[str, Any]) -> bool:
    state = filters.get("state")
    category = filters.get("message_category")
    return (
        (filters.get("resource_arn") is None or job.resource_arn == filters["resource_arn"])
        and (state is None or job.state == state)
        and (filters.get("vault_name") is None or job.vault_name == filters["vault_name"])
        and (filters.get("resource_type") is None or filters["resource_type"] == RESOURCE_TYPE)
        and _account_matches(filters.get("account_id"), job.account_id)
        and (filters.get("parent_job_id") is None)
        and (category in (None, "AGGREGATE_ALL") or job.message_category == category)
        and in_window(job.creation_date, filters.get("created_before"), filters.get("created_after"))
        and in_window(job.completion_date, filters.get("complete_before"), filters.get("complete_after"))
    )


def _restore_job_matches(job: RestoreJob, filters: dict[str, Any]) -> bool:
    status = filters.get("status")
    return (
        (status is None or job.status == status)
        and (filters.get("resource_type") is None or filters["resource_type"] == RESOURCE_TYPE)
        and _account_matches(filters.get("account_id"), job.account_id)
        and (filters.get("restore_testing_plan_arn") is None
             or (job.created_by or {}).get("RestoreTestingPlanArn") == filters["restore_testing_plan_arn"])
        and filters.get("parent_job_id") is None
        and in_window(job.creation_date, filters.get("created_before"), filters.get("created_after"))
        and in_window(job.completion_date, filters.get("complete_before"), filters.get("complete_after"))
    )


# --------------------------------------------------------------------------- #
# Responses
# --------------------------------------------------------------------------- #


def _list_filters(query: dict[str, list[str]], names: dict[str, str]) -> dict[str, Any]:
    """Map query-string filters (wire name -> our name) plus the four time bounds."""
    filters: dict[str, Any] = {ours: query_param(query, wire) for wire, ours in names.items()}
    filters["created_before"], filters["created_after"] = time_filters(query, "createdBefore", "createdAfter")
    filters["complete_before"], filters["complete_after"] = time_filters(query, "completeBefore", "completeAfter")
    return filters


class JobsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    def start_backup_job(self) -> ActionResult:
        params = request_json(self)
        job = self.backup_backend.start_backup_job(
            backup_vault_name=params.get("BackupVaultName"),
            resource_arn=params.get("ResourceArn"),
            iam_role_arn=params.get("IamRoleArn"),
            idempotency_token=params.get("IdempotencyToken"),
            start_window_minutes=params.get("StartWindowMinutes"),
            complete_window_minutes=params.get("CompleteWindowMinutes"),
            lifecycle=params.get("Lifecycle"),
            recovery_point_tags=params.get("RecoveryPointTags"),
            backup_options=params.get("BackupOptions"),
        )
        return ActionResult(
            compact(
                {
                    "BackupJobId": job.backup_job_id,
                    "RecoveryPointArn": job.recovery_point_arn,
                    "CreationDate": job.creation_date,
                    "IsParent": False,
                }
            )
        )

    def describe_backup_job(self) -> ActionResult:
        job = self.backup_backend.describe_backup_job(uri_param(self, "backupJobId"))
        return ActionResult(job.describe())

    def list_backup_jobs(self) -> ActionResult:
        filters = _list_filters(
            self.querystring,
            {
                "resourceArn": "resource_arn",
                "state": "state",
                "backupVaultName": "vault_name",
                "resourceType": "resource_type",
                "accountId": "account_id",
                "parentJobId": "parent_job_id",
                "messageCategory": "message_category",
            },
        )
        page, token = list_page(self.backup_backend.list_backup_jobs(filters), self.querystring)
        return ActionResult(compact({"BackupJobs": [job.describe() for job in page], "NextToken": token}))

    def stop_backup_job(self) -> EmptyResult:
        self.backup_backend.stop_backup_job(uri_param(self, "backupJobId"))
        return EmptyResult()

    def start_restore_job(self) -> ActionResult:
        params = request_json(self)
        job = self.backup_backend.start_restore_job(
            recovery_point_arn=params.get("RecoveryPointArn"),
            metadata=params.get("Metadata"),
            iam_role_arn=params.get("IamRoleArn"),
            idempotency_token=params.get("IdempotencyToken"),
            resource_type=params.get("ResourceType"),
            copy_source_tags=bool(params.get("CopySourceTagsToRestoredResource")),
        )
        return ActionResult({"RestoreJobId": job.restore_job_id})

    def describe_restore_job(self) -> ActionResult:
        job = self.backup_backend.describe_restore_job(uri_param(self, "restoreJobId"))
        return ActionResult(job.describe())

    def list_restore_jobs_by_protected_resource(self) -> ActionResult:
        resource_arn = uri_param(self, "resourceArn")
        if resource_arn.endswith("/restore-jobs/"):
            resource_arn = resource_arn[: -len("/restore-jobs/")]
        before, after = time_filters(
            self.querystring, "recoveryPointCreationDateBefore", "recoveryPointCreationDateAfter"
        )
        jobs = self.backup_backend.list_restore_jobs_by_protected_resource(
            resource_arn, status=query_param(self.querystring, "status"), created_after=after, created_before=before
        )
        page, token = list_page(jobs, self.querystring)
        return ActionResult(compact({"RestoreJobs": [job.describe() for job in page], "NextToken": token}))

    def list_restore_jobs(self) -> ActionResult:
        filters = _list_filters(
            self.querystring,
            {
                "status": "status",
                "resourceType": "resource_type",
                "accountId": "account_id",
                "restoreTestingPlanArn": "restore_testing_plan_arn",
                "parentJobId": "parent_job_id",
            },
        )
        page, token = list_page(self.backup_backend.list_restore_jobs(filters), self.querystring)
        return ActionResult(compact({"RestoreJobs": [job.describe() for job in page], "NextToken": token}))
