"""AWS Backup: copy jobs and the organization's global settings (backend and response mixins).

A copy job copies a recovery point into a vault of another Region and/or account (or another
vault of the same Region). It belongs to the source account and Region (their ListCopyJobs
lists it) and moves, by elapsed clock time and with no thread, ``CREATED`` -> ``RUNNING`` ->
``COMPLETED`` over ``SETTINGS.job_seconds``, like a backup job. It is started

- on demand, by StartCopyJob (RecoveryPointArn, SourceBackupVaultName,
  DestinationBackupVaultArn, IamRoleArn, IdempotencyToken, Lifecycle); or
- by a plan: when a scheduled backup job of a rule with ``CopyActions`` completes, one copy
  job per copy action, with the selection's IAM role, ``CreatedBy`` the plan and rule,
  ``CreatedByBackupJobId`` the backup job (``schedule.py`` runs it at the job's completion).

At its start the destination recovery point is filed in the destination vault (``CREATING``
until the job completes; ``COMPLETED`` after): an AWS Backup ARN of the destination account
and Region, the source's snapshot (so StartRestoreJob there creates the table with the
snapshot's items), ``SourceBackupVaultArn`` the source vault, the source's ``CreationDate``
("Copies retain their source configuration, including creation dates", AWS Backup Developer
Guide, *Backup and tag copy*), the copy's own Lifecycle (the source's when none is given or
when it is -1, "never expire", which keeps the source's expiration) and CalculatedLifecycle,
the destination vault's encryption key, and the source recovery point's tags (the guide:
"AWS Backup copies all tags of the original backup to the destination").

What AWS refuses at once (StartCopyJob): a missing parameter (MissingParameterValueException),
a destination that is not a backup vault ARN or an IAM role ARN that is not one
(InvalidParameterValueException), a source vault that does not exist (AccessDeniedException,
as for every vault call), a recovery point not in it (ResourceNotFoundException) or not yet
``COMPLETED`` (InvalidRequestException). What fails later, as a ``FAILED`` copy job with a
StatusMessage (checked in this order):

- the recovery point is in cold storage (the guide: "backups in cold storage or archive tiers
  cannot be copied"; the message is the emulator's);
- a DynamoDB backup that AWS Backup does not fully manage (made without advanced DynamoDB
  backup: an ``arn:aws:dynamodb`` recovery point): "Copy job from SRC to DST cannot be
  initiated for DynamoDB resources. Feature is not supported for provided resource type." (the
  wording AWS's knowledge center quotes for RDS, with DynamoDB's name);
- the destination Region is unavailable (``unavailable_regions``): the job stays ``CREATED``
  for two hours and then fails (the guide's *Copy job retry*; the message is the emulator's);
- the destination vault does not exist: "Backup vault NAME does not exist." (the emulator's);
- across accounts: the two accounts are not in one AWS Organizations organization: "Access
  denied: Copy job failed. Both source and destination account must be a member of the same
  organization" (AWS's wording, as quoted by AWS's knowledge center and a GitHub report);
  cross-account backup is off in the organization's global settings
  (``isCrossAccountBackupEnabled``; the message is the emulator's); the destination vault's
  access policy does not allow ``backup:CopyIntoBackupVault`` to the source account (its root,
  the copy's role, or ``aws:PrincipalOrgID``): "Access Denied trying to call AWS Backup
  service" (the error AWS's knowledge center names);
- in any account, a Deny of ``backup:CopyIntoBackupVault`` in the destination vault's policy
  (same message), and a destination vault lock that refuses the copy's retention (the lock's
  message, as for backup jobs).

DescribeGlobalSettings / UpdateGlobalSettings: the settings belong to the account's AWS
Organizations organization (kept with it; moto's reset clears them). Every flag is ``"false"``
until the management account sets it; a member account reads them; an account outside an
organization is refused (InvalidRequestException), as is UpdateGlobalSettings from a member.
"""

from __future__ import annotations

import re
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
from .jobs import ROLE_ARN, Progress, _account_matches
from .recovery_points import (
    RESOURCE_TYPE,
    Principal,
    RecoveryPoint,
    compact,
    in_window,
    list_page,
    now_ms,
    query_param,
    request_json,
    resource_policy_decision,
    time_filters,
    uri_param,
    validate_lifecycle,
)

VAULT_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):backup:(?P<region>[a-z0-9-]+):(?P<account>\d{12})"
    r":backup-vault:(?P<name>[a-zA-Z0-9\-_]{2,50})$"
)
COPY_ACTION = "backup:CopyIntoBackupVault"
#: how long AWS Backup retries a copy job that meets a system error before it fails it
RETRY_WINDOW = timedelta(hours=2)
IDEMPOTENCY_SECONDS = 3600

ORGANIZATION_MESSAGE = (
    "Access denied: Copy job failed. Both source and destination account must be a member of the same organization"
)
CROSS_ACCOUNT_DISABLED_MESSAGE = (
    "Access denied: Copy job failed. Cross-account backup is not enabled for the organization "
    "(AWS Backup global setting isCrossAccountBackupEnabled)."
)
VAULT_POLICY_MESSAGE = "Access Denied trying to call AWS Backup service"
UNSUPPORTED_MESSAGE = (
    "Copy job from {source} to {destination} cannot be initiated for DynamoDB resources. "
    "Feature is not supported for provided resource type."
)
COLD_MESSAGE = "Recovery point {arn} is in cold storage and cannot be copied."
REGION_DOWN_MESSAGE = "Copy job failed: the destination Region {region} could not be reached within the retry window."

GLOBAL_SETTINGS = ("isCrossAccountBackupEnabled", "isMpaEnabled", "isDelegatedAdministratorEnabled")


class CopyJob:
    """One copy job; its state is derived from the clock and its failure."""

    def __init__(
        self,
        backend: Any,
        source: RecoveryPoint,
        destination_vault_arn: str,
        iam_role_arn: str,
        lifecycle: dict[str, Any] | None,
        created_by: dict[str, Any] | None,
        created_by_backup_job_id: str | None,
    ):
        self.copy_job_id = str(mock_random.uuid4()).upper()
        self.account_id = backend.account_id
        self.source_vault_arn = source.vault_arn
        self.source_recovery_point_arn = source.arn
        self.destination_vault_arn = destination_vault_arn
        self.resource_arn = source.resource_arn
        self.resource_name = source.resource_name
        self.iam_role_arn = iam_role_arn
        self.lifecycle = lifecycle
        self.created_by = created_by
        self.created_by_backup_job_id = created_by_backup_job_id
        self.backup_size = source.backup_size
        self.progress = Progress(now_ms(), SETTINGS.job_seconds)
        self.failure: str | None = None
        self.failure_category: str | None = None
        #: when a failing job turns FAILED (its start, or the end of AWS's two-hour retry window)
        self.fails_at: datetime | None = None
        self.destination: RecoveryPoint | None = None
        self.destination_encryption_key_arn: str | None = None

    @property
    def creation_date(self) -> datetime:
        return self.progress.created

    def fail(self, message: str, category: str | None = None, retried: bool = False) -> None:
        self.failure = message
        self.failure_category = category
        self.fails_at = self.creation_date + RETRY_WINDOW if retried else self.progress.starts_at

    @property
    def state(self) -> str:
        now = utcnow()
        if self.failure is not None:
            return "FAILED" if now >= self.fails_at else "CREATED"  # type: ignore[operator]
        phase = self.progress.phase(now)
        if phase == "waiting":
            return "CREATED"
        return "RUNNING" if phase == "running" else "COMPLETED"

    @property
    def completion_date(self) -> datetime | None:
        state = self.state
        if state == "FAILED":
            return self.fails_at
        if state == "COMPLETED":
            return self.progress.ends_at
        return None

    def describe(self) -> dict[str, Any]:
        """The CopyJob shape (DescribeCopyJob's CopyJob, ListCopyJobs' members)."""
        state = self.state
        destination = self.destination
        return compact(
            {
                "AccountId": self.account_id,
                "CopyJobId": self.copy_job_id,
                "SourceBackupVaultArn": self.source_vault_arn,
                "SourceRecoveryPointArn": self.source_recovery_point_arn,
                "DestinationBackupVaultArn": self.destination_vault_arn,
                "DestinationVaultType": "BACKUP_VAULT",
                "DestinationRecoveryPointArn": destination.arn if destination else None,
                "DestinationEncryptionKeyArn": self.destination_encryption_key_arn,
                "DestinationRecoveryPointLifecycle": destination.lifecycle if destination else self.lifecycle,
                "ResourceArn": self.resource_arn,
                "CreationDate": self.creation_date,
                "CompletionDate": self.completion_date,
                "State": state,
                "StatusMessage": self.failure if state == "FAILED" else None,
                "BackupSizeInBytes": self.backup_size,
                "IamRoleArn": self.iam_role_arn,
                "CreatedBy": self.created_by,
                "CreatedByBackupJobId": self.created_by_backup_job_id,
                "ResourceType": RESOURCE_TYPE,
                "IsParent": False,
                "ResourceName": self.resource_name,
                "MessageCategory": self.message_category,
            }
        )

    @property
    def message_category(self) -> str | None:
        state = self.state
        if state == "COMPLETED":
            return "SUCCESS"
        return self.failure_category if state == "FAILED" else None


# --------------------------------------------------------------------------- #
# Organizations: membership and AWS Backup's global settings
# --------------------------------------------------------------------------- #


def _organization(account_id: str, partition: str = "aws") -> tuple[Any, str] | None:
    """(moto's organization, its management account) of an account, or None outside one."""
    from moto.organizations.models import organizations_backends

    master = organizations_backends.master_accounts.get(account_id)
    owner, owner_partition = master if master else (account_id, partition)
    backend = dict.get(organizations_backends, owner, {}).get(owner_partition)
    org = getattr(backend, "org", None)
    return (backend, owner) if org is not None else None


def organization_id(account_id: str, partition: str = "aws") -> str | None:
    found = _organization(account_id, partition)
    return found[0].org.id if found else None


def global_settings(account_id: str, partition: str = "aws") -> dict[str, Any] | None:
    """The organization's AWS Backup global settings (``{"flags": {...}, "updated": datetime|None}``),
    kept on moto's organization backend; None outside an organization."""
    found = _organization(account_id, partition)
    if found is None:
        return None
    backend = found[0]
    settings = getattr(backend, "backup_global_settings", None)
    if settings is None or settings.get("org") != backend.org.id:  # a new organization starts afresh
        settings = backend.backup_global_settings = {
            "org": backend.org.id, "flags": {name: "false" for name in GLOBAL_SETTINGS}, "updated": None}
    return settings


# --------------------------------------------------------------------------- #
# Backend
# --------------------------------------------------------------------------- #


class CopiesBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_copies(self) -> None:
        self.copy_jobs: dict[str, CopyJob] = {}
        self._copy_idempotency: dict[str, tuple[datetime, str]] = {}

    # -- global settings -------------------------------------------------------

    def describe_global_settings(self) -> dict[str, Any]:
        settings = global_settings(self.account_id, get_partition(self.region_name))
        if settings is None:
            raise InvalidRequestException(msg="The account is not a member of an organization in AWS Organizations.")
        return compact({"GlobalSettings": dict(settings["flags"]), "LastUpdateTime": settings["updated"]})

    def update_global_settings(self, flags: Any) -> None:
        partition = get_partition(self.region_name)
        settings = global_settings(self.account_id, partition)
        found = _organization(self.account_id, partition)
        if settings is None or found is None or found[1] != self.account_id:
            raise InvalidRequestException(
                msg="Global settings can only be updated from the management account of an organization."
            )
        if flags is None:
            flags = {}
        if not isinstance(flags, dict):
            raise InvalidParameterValueException("GlobalSettings must be a map of setting name to \"true\" or \"false\".")
        staged = {}
        for name, value in flags.items():
            if name not in GLOBAL_SETTINGS:
                raise InvalidParameterValueException(
                    f"Invalid global setting {name}. Valid settings are {', '.join(GLOBAL_SETTINGS)}."
                )
            text = str(value).lower()
            if text not in ("true", "false"):
                raise InvalidParameterValueException(f"Invalid value {value} for {name}: it must be true or false.")
            staged[name] = text
        settings["flags"].update(staged)
        settings["updated"] = now_ms()

    # -- copy jobs -------------------------------------------------------------

    def start_copy_job(
        self,
        recovery_point_arn: str | None,
        source_backup_vault_name: str | None,
        destination_backup_vault_arn: str | None,
        iam_role_arn: str | None,
        idempotency_token: str | None = None,
        lifecycle: dict[str, Any] | None = None,
    ) -> CopyJob:
        """StartCopyJob: copy a recovery point of a vault here into a vault anywhere."""
        for name, value in (
            ("RecoveryPointArn", recovery_point_arn),
            ("SourceBackupVaultName", source_backup_vault_name),
            ("DestinationBackupVaultArn", destination_backup_vault_arn),
            ("IamRoleArn", iam_role_arn),
        ):
            if not value:
                raise MissingParameterValueException(f"{name} is required.")
        if idempotency_token:
            seen = self._copy_idempotency.get(idempotency_token)
            if seen and (utcnow() - seen[0]).total_seconds() < IDEMPOTENCY_SECONDS:
                return self.copy_jobs[seen[1]]
        if not ROLE_ARN.match(iam_role_arn or ""):
            raise InvalidParameterValueException(f"Invalid IAM role ARN: {iam_role_arn}")
        if not VAULT_ARN.match(destination_backup_vault_arn or ""):
            raise InvalidParameterValueException(
                f"Invalid DestinationBackupVaultArn {destination_backup_vault_arn!r}: it must be a backup vault "
                "ARN, such as arn:aws:backup:us-east-1:123456789012:backup-vault:aBackupVault."
            )
        lifecycle = copy_lifecycle(lifecycle)
        source = self._recovery_point_in(source_backup_vault_name, recovery_point_arn)  # type: ignore[attr-defined]
        if source.status != "COMPLETED":
            raise InvalidRequestException(
                msg=f"Recovery point {recovery_point_arn} cannot be copied: it is not COMPLETED ({source.status})."
            )
        job = self.run_copy(source, destination_backup_vault_arn, iam_role_arn, lifecycle)  # type: ignore[arg-type]
        if idempotency_token:
            self._copy_idempotency[idempotency_token] = (job.creation_date, job.copy_job_id)
        return job

    def run_copy(
        self,
        source: RecoveryPoint,
        destination_vault_arn: str,
        iam_role_arn: str,
        lifecycle: dict[str, Any] | None,
        created_by: dict[str, Any] | None = None,
        created_by_backup_job_id: str | None = None,
    ) -> CopyJob:
        """Start one copy job of ``source`` (a recovery point here) into ``destination_vault_arn``."""
        job = CopyJob(self, source, destination_vault_arn, iam_role_arn, lifecycle, created_by,
                      created_by_backup_job_id)
        self.copy_jobs[job.copy_job_id] = job
        destination = self._copy_destination(job, source)
        if destination is not None:
            self._file_copy(job, source, *destination)
        return job

    def _copy_destination(self, job: CopyJob, source: RecoveryPoint) -> tuple[Any, Any] | None:
        """(destination backend, vault) when the copy can run; otherwise the job is failed and None."""
        from .models import backup_backends

        match = VAULT_ARN.match(job.destination_vault_arn)
        if match is None:  # plans refuse such ARNs; an old plan could still hold one
            job.fail(f"Invalid destination backup vault ARN {job.destination_vault_arn}.")
            return None
        region, account, name = match.group("region"), match.group("account"), match.group("name")
        if source.storage_class == "COLD":
            job.fail(COLD_MESSAGE.format(arn=source.arn))
            return None
        if not source.advanced:
            job.fail(UNSUPPORTED_MESSAGE.format(source=self.region_name, destination=region))
            return None
        if SETTINGS.region_unavailable(region):
            job.fail(REGION_DOWN_MESSAGE.format(region=region), retried=True)
            return None
        try:
            destination_backend = backup_backends[account][region]
        except KeyError:
            destination_backend = None
        vault = destination_backend.vaults.get(name) if destination_backend is not None else None
        if vault is None:
            job.fail(f"Backup vault {name} does not exist.")
            return None
        partition = get_partition(self.region_name)
        copier = Principal(arn=job.iam_role_arn, account_id=self.account_id, display_arn=job.iam_role_arn,
                           kind="AssumedRole")
        org_id = organization_id(self.account_id, partition)
        policy = destination_backend.vault_access_policy(name)
        decision = resource_policy_decision(policy, COPY_ACTION, [vault.backup_vault_arn], copier,
                                            {"aws:PrincipalOrgID": org_id})
        if account != self.account_id:
            if org_id is None or organization_id(account, partition) != org_id:
                job.fail(ORGANIZATION_MESSAGE, "AccessDenied")
                return None
            flags = (global_settings(self.account_id, partition) or {}).get("flags", {})
            if flags.get("isCrossAccountBackupEnabled") != "true":
                job.fail(CROSS_ACCOUNT_DISABLED_MESSAGE, "AccessDenied")
                return None
            if decision != "Allow":
                job.fail(VAULT_POLICY_MESSAGE, "AccessDenied")
                return None
        elif decision == "Deny":
            job.fail(VAULT_POLICY_MESSAGE, "AccessDenied")
            return None
        effective = effective_lifecycle(job.lifecycle, source)
        violation = destination_backend._lock_violation(vault, effective)
        if violation:
            job.fail(violation)
            return None
        return destination_backend, vault

    def _file_copy(self, job: CopyJob, source: RecoveryPoint, destination_backend: Any, vault: Any) -> None:
        """File the destination recovery point (CREATING until the job completes)."""
        region, account = destination_backend.region_name, destination_backend.account_id
        partition = get_partition(region)
        same_place = account == self.account_id and region == self.region_name
        copy = RecoveryPoint(
            arn=f"arn:{partition}:backup:{region}:{account}:recovery-point:{mock_random.uuid4()}",
            vault=vault,
            snapshot=source.snapshot,
            resource_arn=source.resource_arn,
            resource_name=source.resource_name,
            iam_role_arn=job.iam_role_arn,
            creation_date=source.creation_date,
            completes_at=job.progress.ends_at,
            lifecycle=effective_lifecycle(job.lifecycle, source),
            created_by=job.created_by,
            backup_size=source.backup_size,
            encryption_key_arn=getattr(vault, "encryption_key_arn", None),
            advanced=True,
            # the source's customer managed key is not the destination's to use: restores default
            source_encryption=source.source_encryption if same_place else None,
        )
        copy.source_vault_arn = source.vault_arn
        destination_backend._add_recovery_point(copy)
        tags = self.list_tags(source.arn)  # type: ignore[attr-defined]
        if tags:
            destination_backend.tag_resource(copy.arn, tags)
        job.destination = copy
        job.destination_encryption_key_arn = copy.encryption_key_arn

    def describe_copy_job(self, copy_job_id: str) -> CopyJob:
        job = self.copy_jobs.get(copy_job_id)
        if job is None:
            raise ResourceNotFoundException(msg=f"Copy job {copy_job_id} not found.")
        return job

    def list_copy_jobs(self, filters: dict[str, Any]) -> list[CopyJob]:
        """Copy jobs newest first, filtered like ListCopyJobs' By* parameters."""
        jobs = [job for job in self.copy_jobs.values() if _copy_job_matches(job, filters)]
        return sorted(jobs, key=lambda job: job.creation_date, reverse=True)


def copy_lifecycle(lifecycle: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy's Lifecycle as asked: -1 days ("never expire") is allowed, as in a CopyAction."""
    if not lifecycle:
        return None
    if any(lifecycle.get(key) == -1 for key in ("MoveToColdStorageAfterDays", "DeleteAfterDays")):
        return dict(lifecycle)
    return validate_lifecycle(lifecycle)


def effective_lifecycle(asked: dict[str, Any] | None, source: RecoveryPoint) -> dict[str, Any] | None:
    """The copy's lifecycle: the one asked for, or the source's (none asked, or -1: a copy set never
    to expire keeps its source's expiration, as AWS documents)."""
    if not asked or any(asked.get(key) == -1 for key in ("MoveToColdStorageAfterDays", "DeleteAfterDays")):
        return dict(source.lifecycle) if source.lifecycle else None
    return dict(asked)


def start_scheduled_copies(backend: Any, job: Any, copy_actions: list[dict[str, Any]]) -> list[CopyJob]:
    """A plan's backup job completed: one copy job per copy action of its rule (``schedule.py``)."""
    point = job.recovery_point
    if job.state != "COMPLETED" or point is None or backend.recovery_points.get(point.arn) is not point:
        return []
    return [
        backend.run_copy(point, action.get("DestinationBackupVaultArn"), job.iam_role_arn,
                         copy_lifecycle(action.get("Lifecycle")), job.created_by, job.backup_job_id)
        for action in copy_actions
    ]


def _copy_job_matches(job: CopyJob, filters: dict[str, Any]) -> bool:
    state = filters.get("state")
    category = filters.get("message_category")
    return (
        (filters.get("resource_arn") is None or job.resource_arn == filters["resource_arn"])
        and (state is None or job.state == state)
        and (filters.get("resource_type") is None or filters["resource_type"] == RESOURCE_TYPE)
        and (filters.get("destination_vault_arn") is None
             or job.destination_vault_arn == filters["destination_vault_arn"])
        and (filters.get("source_recovery_point_arn") is None
             or job.source_recovery_point_arn == filters["source_recovery_point_arn"])
        and _account_matches(filters.get("account_id"), job.account_id)
        and filters.get("parent_job_id") is None  # DynamoDB copy jobs have no parent (composite) job
        and (category in (None, "AGGREGATE_ALL", "ANY") or job.message_category == category)
        and in_window(job.creation_date, filters.get("created_before"), filters.get("created_after"))
        and in_window(job.completion_date, filters.get("complete_before"), filters.get("complete_after"))
    )


# --------------------------------------------------------------------------- #
# Responses
# --------------------------------------------------------------------------- #


class CopiesResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    def start_copy_job(self) -> ActionResult:
        params = request_json(self)
        job = self.backup_backend.start_copy_job(
            recovery_point_arn=params.get("RecoveryPointArn"),
            source_backup_vault_name=params.get("SourceBackupVaultName"),
            destination_backup_vault_arn=params.get("DestinationBackupVaultArn"),
            iam_role_arn=params.get("IamRoleArn"),
            idempotency_token=params.get("IdempotencyToken"),
            lifecycle=params.get("Lifecycle"),
        )
        return ActionResult({"CopyJobId": job.copy_job_id, "CreationDate": job.creation_date, "IsParent": False})

    def describe_copy_job(self) -> ActionResult:
        job = self.backup_backend.describe_copy_job(uri_param(self, "copyJobId"))
        return ActionResult({"CopyJob": job.describe()})

    def list_copy_jobs(self) -> ActionResult:
        query = self.querystring
        names = {
            "resourceArn": "resource_arn",
            "state": "state",
            "resourceType": "resource_type",
            "destinationVaultArn": "destination_vault_arn",
            "accountId": "account_id",
            "parentJobId": "parent_job_id",
            "messageCategory": "message_category",
            "sourceRecoveryPointArn": "source_recovery_point_arn",
        }
        filters: dict[str, Any] = {ours: query_param(query, wire) for wire, ours in names.items()}
        filters["created_before"], filters["created_after"] = time_filters(query, "createdBefore", "createdAfter")
        filters["complete_before"], filters["complete_after"] = time_filters(query, "completeBefore", "completeAfter")
        page, token = list_page(self.backup_backend.list_copy_jobs(filters), query)
        return ActionResult(compact({"CopyJobs": [job.describe() for job in page], "NextToken": token}))

    def describe_global_settings(self) -> ActionResult:
        return ActionResult(self.backup_backend.describe_global_settings())

    def update_global_settings(self) -> EmptyResult:
        self.backup_backend.update_global_settings(request_json(self).get("GlobalSettings"))
        return EmptyResult()
