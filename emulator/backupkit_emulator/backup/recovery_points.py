"""AWS Backup: recovery points (backend and response mixins).

A recovery point of a DynamoDB table is a snapshot of the table taken when its
backup job started (a moto DynamoDB backup object, see ``dynamodb.py``). Its ARN
is the DynamoDB backup's ARN (``arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/backup/ID``,
visible through DynamoDB's ListBackups as BackupType ``AWS_BACKUP``) unless
advanced DynamoDB backup is on for the region, when it is an AWS Backup ARN
(``arn:aws:backup:REGION:ACCOUNT:recovery-point:UUID``) and DynamoDB does not list it.

AWS behaviour kept here:

- Status is ``CREATING`` while its job runs and ``COMPLETED`` when the job ends.
- Lifecycle: DeleteAfterDays must be at least MoveToColdStorageAfterDays + 90;
  CalculatedLifecycle is CreationDate plus those days.
- Calls naming a vault that does not exist answer AccessDeniedException
  ("Insufficient privileges to perform this action."), as AWS does.
- DeleteRecoveryPoint is refused (AccessDeniedException) when the vault's access
  policy denies ``backup:DeleteRecoveryPoint`` to the caller.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable
from urllib.parse import unquote

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from ..iam_policy import as_list, statement_applies
from .exceptions import (
    AccessDeniedException,
    InvalidParameterValueException,
    InvalidRequestException,
    InvalidResourceStateException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from .pagination import paginate

RESOURCE_TYPE = "DynamoDB"
COLD_STORAGE_MINIMUM_DAYS = 90
VAULT_NOT_FOUND_MESSAGE = "Insufficient privileges to perform this action."


# --------------------------------------------------------------------------- #
# Shared helpers (also used by jobs.py and resources.py)
# --------------------------------------------------------------------------- #


def parse_timestamp(value: Any, name: str) -> datetime:
    """A query-string timestamp (ISO 8601 as botocore sends it, or epoch seconds) as naive UTC."""
    text = str(value).strip()
    try:
        moment = datetime.fromtimestamp(float(text), tz=timezone.utc)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidParameterValueException(f"Invalid value for {name}: {value}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def query_param(querystring: dict[str, list[str]], name: str) -> str | None:
    """One query-string value (AWS Backup's List* filters), or None."""
    values = querystring.get(name)
    return values[0] if values else None


def time_filters(querystring: dict[str, list[str]], before: str, after: str) -> tuple[datetime | None, datetime | None]:
    """(created_before, created_after) from the named query parameters."""
    raw_before = query_param(querystring, before)
    raw_after = query_param(querystring, after)
    return (
        parse_timestamp(raw_before, before) if raw_before else None,
        parse_timestamp(raw_after, after) if raw_after else None,
    )


def in_window(moment: datetime | None, before: datetime | None, after: datetime | None) -> bool:
    """True when ``moment`` lies in (after, before); a missing moment never matches a bound."""
    if before is None and after is None:
        return True
    if moment is None:
        return False
    if before is not None and not moment < before:
        return False
    if after is not None and not moment > after:
        return False
    return True


def now_ms() -> datetime:
    """The current time (naive UTC) at the millisecond precision AWS reports."""
    moment = utcnow()
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None (AWS omits absent members)."""
    return {key: value for key, value in data.items() if value is not None}


def validate_lifecycle(lifecycle: dict[str, Any] | None) -> dict[str, Any] | None:
    """Check a Lifecycle as AWS does; return it with integer days."""
    if not lifecycle:
        return None
    result = dict(lifecycle)
    for key in ("MoveToColdStorageAfterDays", "DeleteAfterDays"):
        if result.get(key) is None:
            continue
        try:
            result[key] = int(result[key])
        except (TypeError, ValueError):
            raise InvalidParameterValueException(f"{key} must be a number of days.")
        if result[key] < 1:
            raise InvalidParameterValueException(f"{key} must be at least 1 day.")
    cold = result.get("MoveToColdStorageAfterDays")
    delete = result.get("DeleteAfterDays")
    if cold is not None and delete is not None and delete < cold + COLD_STORAGE_MINIMUM_DAYS:
        raise InvalidParameterValueException(
            "Invalid lifecycle. DeleteAfterDays must be at least 90 days greater than "
            f"MoveToColdStorageAfterDays (MoveToColdStorageAfterDays={cold}, DeleteAfterDays={delete})."
        )
    return result


def calculated_lifecycle(creation: datetime, lifecycle: dict[str, Any] | None) -> dict[str, Any] | None:
    """CalculatedLifecycle: MoveToColdStorageAt / DeleteAt from CreationDate plus the lifecycle's days."""
    if not lifecycle:
        return None
    result = compact(
        {
            "MoveToColdStorageAt": _plus_days(creation, lifecycle.get("MoveToColdStorageAfterDays")),
            "DeleteAt": _plus_days(creation, lifecycle.get("DeleteAfterDays")),
        }
    )
    return result or None


def _plus_days(moment: datetime, days: Any) -> datetime | None:
    return None if days is None else moment + timedelta(days=int(days))


def uri_param(response: Any, name: str) -> str:
    """A path parameter of the request (URL-decoded; ARNs arrive encoded)."""
    value = response.uri_match.get(name)
    if value is None:
        raise MissingParameterValueException(f"Missing required parameter in path: {name}")
    return unquote(value)


def request_json(response: Any) -> dict[str, Any]:
    """The request's JSON body ({} when empty)."""
    body = response.body
    if not body:
        return {}
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return json.loads(body) if body.strip() else {}


# --------------------------------------------------------------------------- #
# The caller and vault access policies
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Principal:
    """Who signed a request.

    ``arn`` is what IAM calls aws:PrincipalArn (for an assumed role: the role's
    ARN); ``display_arn`` is what error messages name (the session's ARN).
    """

    arn: str
    account_id: str
    display_arn: str
    kind: str = "Account"
    user_name: str | None = None


def resolve_principal(access_key: str, account_id: str, partition: str = "aws") -> Principal:
    """The principal behind an access key: an assumed role, an IAM user, or the account root."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for _, by_partition in list(sts_backends.items()):
        for backend in list(by_partition.values()):
            role = backend.get_assumed_role_from_access_key(access_key)
            if role is not None:
                return Principal(
                    arn=role.role_arn, account_id=role.account_id, display_arn=role.arn, kind="AssumedRole"
                )
    for _, by_partition in list(iam_backends.items()):
        for backend in list(by_partition.values()):
            user = backend.get_user_from_access_key_id(access_key)
            if user is not None:
                return Principal(
                    arn=user.arn, account_id=user.account_id, display_arn=user.arn, kind="User", user_name=user.name
                )
    root = f"arn:{partition}:iam::{account_id}:root"
    return Principal(arn=root, account_id=account_id, display_arn=root)


def _principal_matches(principal_block: Any, caller: Principal) -> bool:
    """Whether a resource policy's Principal element names the caller (any ``AWS`` entry form)."""
    if principal_block == "*":
        return True
    if not isinstance(principal_block, dict):
        return False
    for entry in as_list(principal_block.get("AWS")):
        entry = str(entry)
        if entry == "*":
            return True
        if entry in (caller.account_id, f"arn:aws:iam::{caller.account_id}:root"):
            return True
        if entry in (caller.arn, caller.display_arn):
            return True
    return False


def explicit_deny(policy: dict[str, Any] | None, action: str, resources: list[str], caller: Principal) -> bool:
    """True when a Deny statement of the resource policy applies to this caller and action.

    ``resources`` are the ARNs a statement's Resource may name: the recovery point's
    and its vault's (AWS's own example vault policy denies DeleteRecoveryPoint with
    the vault's ARN as Resource); a statement without Resource or NotResource covers
    every resource. Action, Resource and Condition are matched by the emulator's one
    IAM engine (``iam_policy.statement_applies``: wildcards, every condition operator,
    ``ArnLike`` part by part), with the context ``aws:PrincipalArn``,
    ``aws:PrincipalAccount``, ``aws:PrincipalType`` and ``aws:username``.
    """
    if not policy:
        return False
    context = {
        "aws:PrincipalArn": caller.arn,
        "aws:PrincipalAccount": caller.account_id,
        "aws:PrincipalType": caller.kind,
        "aws:username": caller.user_name,
    }
    for statement in as_list(policy.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        if "NotPrincipal" in statement:
            if _principal_matches(statement["NotPrincipal"], caller):
                continue
        elif not _principal_matches(statement.get("Principal"), caller):
            continue
        if "Resource" not in statement and "NotResource" not in statement:
            statement = {**statement, "Resource": "*"}
        if any(statement_applies(statement, action, resource, context) for resource in resources):
            return True
    return False


# --------------------------------------------------------------------------- #
# The recovery point
# --------------------------------------------------------------------------- #


class RecoveryPoint:
    """One backup of a table in a vault; ``snapshot`` holds the table's copy."""

    def __init__(
        self,
        arn: str,
        vault: Any,
        snapshot: Any,
        resource_arn: str,
        resource_name: str,
        iam_role_arn: str,
        creation_date: datetime,
        completes_at: datetime,
        lifecycle: dict[str, Any] | None,
        created_by: dict[str, Any] | None,
        backup_size: int,
        encryption_key_arn: str | None,
        advanced: bool,
        source_encryption: dict[str, Any] | None,
    ):
        self.arn = arn
        self.vault_name = vault.backup_vault_name
        self.vault_arn = vault.backup_vault_arn
        self.snapshot = snapshot
        self.resource_arn = resource_arn
        self.resource_name = resource_name
        self.iam_role_arn = iam_role_arn
        self.creation_date = creation_date
        self.completes_at = completes_at
        self.lifecycle = lifecycle
        self.created_by = created_by
        self.backup_size = backup_size
        self.encryption_key_arn = encryption_key_arn
        self.advanced = advanced
        self.source_encryption = source_encryption
        self.last_restore_time: datetime | None = None

    @property
    def status(self) -> str:
        return "COMPLETED" if utcnow() >= self.completes_at else "CREATING"

    @property
    def completion_date(self) -> datetime | None:
        return self.completes_at if self.status == "COMPLETED" else None

    @property
    def calculated_lifecycle(self) -> dict[str, Any] | None:
        return calculated_lifecycle(self.creation_date, self.lifecycle)

    @property
    def storage_class(self) -> str:
        move_at = (self.calculated_lifecycle or {}).get("MoveToColdStorageAt")
        # AWS moves DynamoDB backups to cold storage only when it fully manages them
        # (advanced DynamoDB backup); otherwise MoveToColdStorageAfterDays is ignored.
        return "COLD" if self.advanced and move_at is not None and utcnow() >= move_at else "WARM"

    def describe(self) -> dict[str, Any]:
        """DescribeRecoveryPoint's shape."""
        return compact(
            {
                "RecoveryPointArn": self.arn,
                "BackupVaultName": self.vault_name,
                "BackupVaultArn": self.vault_arn,
                "ResourceArn": self.resource_arn,
                "ResourceType": RESOURCE_TYPE,
                "ResourceName": self.resource_name,
                "CreatedBy": self.created_by,
                "IamRoleArn": self.iam_role_arn,
                "Status": self.status,
                "CreationDate": self.creation_date,
                "InitiationDate": self.creation_date,
                "CompletionDate": self.completion_date,
                "BackupSizeInBytes": self.backup_size,
                "Lifecycle": self.lifecycle,
                "CalculatedLifecycle": self.calculated_lifecycle,
                "EncryptionKeyArn": self.encryption_key_arn,
                "IsEncrypted": True,
                "StorageClass": self.storage_class,
                "LastRestoreTime": self.last_restore_time,
                "IsParent": False,
                "VaultType": "BACKUP_VAULT",
            }
        )

    def by_vault(self) -> dict[str, Any]:
        """ListRecoveryPointsByBackupVault's member shape."""
        result = self.describe()
        result.pop("StorageClass", None)
        return result

    def by_resource(self) -> dict[str, Any]:
        """ListRecoveryPointsByResource's member shape."""
        return compact(
            {
                "RecoveryPointArn": self.arn,
                "CreationDate": self.creation_date,
                "Status": self.status,
                "EncryptionKeyArn": self.encryption_key_arn,
                "BackupSizeBytes": self.backup_size,
                "BackupVaultName": self.vault_name,
                "IsParent": False,
                "ResourceName": self.resource_name,
                "VaultType": "BACKUP_VAULT",
            }
        )

    def restore_metadata(self) -> dict[str, str]:
        """GetRecoveryPointRestoreMetadata for DynamoDB: the keys StartRestoreJob takes."""
        metadata = {"targetTableName": self.resource_name, "encryptionType": "Default"}
        key = (self.source_encryption or {}).get("KMSMasterKeyId")
        if (self.source_encryption or {}).get("Enabled") and key:
            metadata.update(encryptionType="KMS", kmsMasterKeyArn=key)
        return metadata


# --------------------------------------------------------------------------- #
# Backend
# --------------------------------------------------------------------------- #


class RecoveryPointsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_recovery_points(self) -> None:
        self.recovery_points: dict[str, RecoveryPoint] = {}

    # -- used by other mixins ------------------------------------------------

    def recovery_points_in_vault(self, vault_name: str) -> list[RecoveryPoint]:
        """Recovery points stored in the vault (any status), oldest first."""
        return [rp for rp in self.recovery_points.values() if rp.vault_name == vault_name]

    def _add_recovery_point(self, recovery_point: RecoveryPoint) -> None:
        from .schedule import schedule_deletion

        self.recovery_points[recovery_point.arn] = recovery_point
        schedule_deletion(self, recovery_point)

    def _remove_recovery_point(self, recovery_point: RecoveryPoint) -> None:
        """Forget the recovery point and delete the DynamoDB backup behind it."""
        from ..dynamodb import unregister_snapshot

        self.recovery_points.pop(recovery_point.arn, None)
        unregister_snapshot(self._dynamodb_backend(), recovery_point.snapshot)

    def _dynamodb_backend(self) -> Any:
        """DynamoDB's backend of this account and region (an existing one without moto's lookup cost)."""
        from moto.dynamodb.models import dynamodb_backends

        regions = dict.get(dynamodb_backends, self.account_id)
        backend = dict.get(regions, self.region_name) if regions is not None else None
        return backend if backend is not None else dynamodb_backends[self.account_id][self.region_name]

    def _existing_vault(self, vault_name: str) -> Any:
        """The vault, or AccessDeniedException as AWS answers for a vault that does not exist."""
        vault = self.vaults.get(vault_name)
        if vault is None:
            raise AccessDeniedException(VAULT_NOT_FOUND_MESSAGE)
        return vault

    def find_recovery_point(self, recovery_point_arn: str) -> RecoveryPoint | None:
        return self.recovery_points.get(recovery_point_arn)

    def _recovery_point_in(self, vault_name: str, recovery_point_arn: str) -> RecoveryPoint:
        self._existing_vault(vault_name)
        recovery_point = self.recovery_points.get(recovery_point_arn)
        if recovery_point is None or recovery_point.vault_name != vault_name:
            raise ResourceNotFoundException(
                msg=f"Recovery point {recovery_point_arn} not found in backup vault {vault_name}"
            )
        return recovery_point

    # -- operations ----------------------------------------------------------

    def list_recovery_points_by_backup_vault(
        self,
        vault_name: str,
        resource_arn: str | None = None,
        resource_type: str | None = None,
        backup_plan_id: str | None = None,
        created_before: datetime | None = None,
        created_after: datetime | None = None,
    ) -> list[RecoveryPoint]:
        """Recovery points of the vault, newest first, filtered like AWS's By* parameters."""
        self._existing_vault(vault_name)
        points = [
            rp
            for rp in self.recovery_points_in_vault(vault_name)
            if (resource_arn is None or rp.resource_arn == resource_arn)
            and (resource_type is None or resource_type == RESOURCE_TYPE)
            and (backup_plan_id is None or (rp.created_by or {}).get("BackupPlanId") == backup_plan_id)
            and in_window(rp.creation_date, created_before, created_after)
        ]
        return sorted(points, key=lambda rp: rp.creation_date, reverse=True)

    def list_recovery_points_by_resource(self, resource_arn: str) -> list[RecoveryPoint]:
        """Recovery points of one resource across vaults, newest first."""
        points = [rp for rp in self.recovery_points.values() if rp.resource_arn == resource_arn]
        return sorted(points, key=lambda rp: rp.creation_date, reverse=True)

    def describe_recovery_point(self, vault_name: str, recovery_point_arn: str) -> RecoveryPoint:
        return self._recovery_point_in(vault_name, recovery_point_arn)

    def delete_recovery_point(self, vault_name: str, recovery_point_arn: str, caller: Principal) -> None:
        """Delete the recovery point and its DynamoDB backup, unless the vault's policy denies it."""
        recovery_point = self._recovery_point_in(vault_name, recovery_point_arn)
        get_policy = getattr(self, "vault_access_policy", None)
        policy = get_policy(vault_name) if callable(get_policy) else None
        resources = [recovery_point_arn, recovery_point.vault_arn]
        if explicit_deny(policy, "backup:DeleteRecoveryPoint", resources, caller):
            raise AccessDeniedException(
                f"User: {caller.display_arn} is not authorized to perform: backup:DeleteRecoveryPoint "
                f"on resource: {recovery_point_arn} with an explicit deny in a resource-based policy"
            )
        vault = self.vaults.get(vault_name)
        minimum = getattr(vault, "min_retention_days", None) if getattr(vault, "locked", False) else None
        if minimum is not None and utcnow() < recovery_point.creation_date + timedelta(days=minimum):
            raise InvalidRequestException(
                msg=f"Recovery point {recovery_point_arn} cannot be deleted before the minimum retention "
                f"period of the backup vault lock ({minimum} days) ends."
            )
        if recovery_point.status != "COMPLETED":
            raise InvalidResourceStateException(
                "AWS Backup is already performing an action on this recovery point. It can't perform "
                "the action you requested until the first action finishes. Try again later."
            )
        self._remove_recovery_point(recovery_point)

    def update_recovery_point_lifecycle(
        self, vault_name: str, recovery_point_arn: str, lifecycle: dict[str, Any] | None
    ) -> RecoveryPoint:
        recovery_point = self._recovery_point_in(vault_name, recovery_point_arn)
        lifecycle = validate_lifecycle(lifecycle)
        violation = self._lock_violation(self.vaults.get(vault_name), lifecycle)  # jobs mixin
        if violation:
            raise InvalidRequestException(msg=violation)
        recovery_point.lifecycle = lifecycle
        from .schedule import schedule_deletion

        schedule_deletion(self, recovery_point)
        return recovery_point

    def get_recovery_point_restore_metadata(self, vault_name: str, recovery_point_arn: str) -> RecoveryPoint:
        return self._recovery_point_in(vault_name, recovery_point_arn)


# --------------------------------------------------------------------------- #
# Responses
# --------------------------------------------------------------------------- #


def list_page(items: Iterable[Any], querystring: dict[str, list[str]]) -> tuple[list[Any], str | None]:
    """One page of ``items`` by the maxResults / nextToken query parameters."""
    max_results = query_param(querystring, "maxResults")
    if max_results not in (None, ""):
        try:
            max_results = int(max_results)
        except ValueError:
            raise InvalidParameterValueException(f"MaxResults must be an integer, got {max_results!r}.")
    return paginate(list(items), max_results, query_param(querystring, "nextToken"))


class RecoveryPointsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    def list_recovery_points_by_backup_vault(self) -> ActionResult:
        query = self.querystring
        before, after = time_filters(query, "createdBefore", "createdAfter")
        points = self.backup_backend.list_recovery_points_by_backup_vault(
            uri_param(self, "backupVaultName"),
            resource_arn=query_param(query, "resourceArn"),
            resource_type=query_param(query, "resourceType"),
            backup_plan_id=query_param(query, "backupPlanId"),
            created_before=before,
            created_after=after,
        )
        page, token = list_page(points, query)
        return ActionResult(compact({"RecoveryPoints": [rp.by_vault() for rp in page], "NextToken": token}))

    def list_recovery_points_by_resource(self) -> ActionResult:
        points = self.backup_backend.list_recovery_points_by_resource(uri_param(self, "resourceArn"))
        if (query_param(self.querystring, "managedByAWSBackupOnly") or "").lower() == "true":
            points = [rp for rp in points if rp.advanced]
        page, token = list_page(points, self.querystring)
        return ActionResult(compact({"RecoveryPoints": [rp.by_resource() for rp in page], "NextToken": token}))

    def describe_recovery_point(self) -> ActionResult:
        recovery_point = self.backup_backend.describe_recovery_point(
            uri_param(self, "backupVaultName"), uri_param(self, "recoveryPointArn")
        )
        return ActionResult(recovery_point.describe())

    def delete_recovery_point(self) -> EmptyResult:
        caller = resolve_principal(self.get_access_key(), self.current_account, self.partition)
        self.backup_backend.delete_recovery_point(
            uri_param(self, "backupVaultName"), uri_param(self, "recoveryPointArn"), caller
        )
        return EmptyResult()

    def update_recovery_point_lifecycle(self) -> ActionResult:
        recovery_point = self.backup_backend.update_recovery_point_lifecycle(
            uri_param(self, "backupVaultName"),
            uri_param(self, "recoveryPointArn"),
            request_json(self).get("Lifecycle"),
        )
        return ActionResult(
            compact(
                {
                    "BackupVaultArn": recovery_point.vault_arn,
                    "RecoveryPointArn": recovery_point.arn,
                    "Lifecycle": recovery_point.lifecycle,
                    "CalculatedLifecycle": recovery_point.calculated_lifecycle,
                }
            )
        )

    def get_recovery_point_restore_metadata(self) -> ActionResult:
        recovery_point = self.backup_backend.get_recovery_point_restore_metadata(
            uri_param(self, "backupVaultName"), uri_param(self, "recoveryPointArn")
        )
        return ActionResult(
            {
                "BackupVaultArn": recovery_point.vault_arn,
                "RecoveryPointArn": recovery_point.arn,
                "RestoreMetadata": recovery_point.restore_metadata(),
                "ResourceType": RESOURCE_TYPE,
            }
        )
