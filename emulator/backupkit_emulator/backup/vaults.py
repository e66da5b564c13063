"""AWS Backup: vaults, their access policies and notifications.

moto has Create/Describe/Delete/ListBackupVaults and the vault lock; this module keeps
moto's ``Vault`` model and changes what AWS does differently:

- a vault that does not exist answers AccessDeniedException ("Insufficient privileges
  to perform this action.") to every vault-scoped call, as AWS does for
  DescribeBackupVault (amazon.aws.backup_vault treats that answer as "no vault");
- DescribeBackupVault / ListBackupVaults report NumberOfRecoveryPoints, VaultType,
  EncryptionKeyArn (the Region's default key when none was given) and the lock fields;
- a vault that still holds recovery points cannot be deleted (InvalidRequestException);
- ListBackupVaults paginates;
- access policies and notifications, which moto lacks.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from moto.backup.models import BackupBackend, Vault
from moto.core.utils import get_service_model
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from ..extend import moto
from .exceptions import (
    AccessDeniedException,
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from .pagination import query_page
from .plans import validate_creator_request_id

ACCESS_DENIED = "Insufficient privileges to perform this action."
VAULT_NOT_EMPTY = "Backup vault cannot be deleted because it contains recovery points."
VAULT_TYPE = "BACKUP_VAULT"
_VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
_SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:\d{12}:[\w\-.]{1,256}$")


@functools.lru_cache(maxsize=1)
def backup_vault_events() -> frozenset[str]:
    """The BackupVaultEvent values of botocore's service model (supported and deprecated)."""
    return frozenset(get_service_model("backup").shape_for("BackupVaultEvent").enum)


def parse_policy(policy: Any) -> dict[str, Any]:
    """An access policy must be a JSON object; anything else is InvalidParameterValueException."""
    try:
        document = json.loads(policy)
    except (TypeError, ValueError):
        raise InvalidParameterValueException("The access policy is not valid JSON.") from None
    if not isinstance(document, dict):
        raise InvalidParameterValueException("The access policy must be a JSON object.")
    return document


class VaultsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    vaults: dict[str, Vault]
    region_name: str
    account_id: str

    def _setup_vaults(self) -> None:
        self.vault_access_policies: dict[str, str] = {}
        self.vault_notifications: dict[str, dict[str, Any]] = {}
        # AWS encrypts a vault created without EncryptionKeyArn with the Region's
        # AWS managed key for AWS Backup (aws/backup); this stands in for its ARN.
        partition = get_partition(self.region_name)
        self.default_backup_key_arn = (
            f"arn:{partition}:kms:{self.region_name}:{self.account_id}:key/{mock_random.uuid4()}"
        )

    # --- lookups other mixins use -------------------------------------------------

    def existing_vault(self, backup_vault_name: str) -> Vault:
        """The vault; AccessDeniedException when it does not exist, as AWS answers."""
        vault = self.vaults.get(backup_vault_name)
        if vault is None:
            raise AccessDeniedException(ACCESS_DENIED)
        return vault

    def recovery_point_count(self, backup_vault_name: str) -> int:
        """How many recovery points the vault holds (0 until the recovery points module answers)."""
        points_in_vault = getattr(self, "recovery_points_in_vault", None)
        if points_in_vault is None:
            return 0
        return len(points_in_vault(backup_vault_name))

    def vault_access_policy(self, backup_vault_name: str) -> dict[str, Any] | None:
        """The vault's access policy as a parsed document, or None when it has none."""
        policy = self.vault_access_policies.get(backup_vault_name)
        return json.loads(policy) if policy is not None else None

    def vault_description(self, vault: Vault) -> dict[str, Any]:
        """DescribeBackupVault's answer; also a BackupVaultListMember."""
        dct: dict[str, Any] = {
            "BackupVaultName": vault.backup_vault_name,
            "BackupVaultArn": vault.backup_vault_arn,
            "VaultType": VAULT_TYPE,
            "EncryptionKeyArn": vault.encryption_key_arn,
            "CreationDate": vault.creation_date,
            "NumberOfRecoveryPoints": self.recovery_point_count(vault.backup_vault_name),
            "Locked": vault.locked,
        }
        optional = {
            "CreatorRequestId": vault.creator_request_id,
            "MinRetentionDays": vault.min_retention_days,
            "MaxRetentionDays": vault.max_retention_days,
            "LockDate": vault.lock_date,
        }
        dct.update({key: value for key, value in optional.items() if value is not None})
        return dct

    # --- vaults ---------------------------------------------------------------------

    def create_backup_vault(
        self,
        backup_vault_name: str,
        backup_vault_tags: dict[str, str] | None,
        encryption_key_arn: str | None,
        creator_request_id: str | None,
    ) -> Vault:
        """AWS CreateBackupVault: names are 2 to 50 letters, digits, '-' or '_'; without a
        key the vault is encrypted with the Region's default AWS Backup key."""
        if not _VAULT_NAME.match(backup_vault_name or ""):
            raise InvalidParameterValueException(
                f"Invalid backup vault name {backup_vault_name!r}: it must contain 2 to 50 "
                "alphanumeric, '-' or '_' characters."
            )
        validate_creator_request_id(creator_request_id)
        return moto(BackupBackend, self).create_backup_vault(
            backup_vault_name=backup_vault_name,
            backup_vault_tags=backup_vault_tags,
            encryption_key_arn=encryption_key_arn or self.default_backup_key_arn,
            creator_request_id=creator_request_id,
        )

    def describe_backup_vault(self, backup_vault_name: str) -> Vault:
        return self.existing_vault(backup_vault_name)

    def delete_backup_vault(self, backup_vault_name: str) -> None:
        """AWS DeleteBackupVault: only an empty vault can be deleted."""
        vault = self.existing_vault(backup_vault_name)
        if self.recovery_point_count(backup_vault_name):
            raise InvalidRequestException(msg=VAULT_NOT_EMPTY)
        self.vault_access_policies.pop(backup_vault_name, None)
        self.vault_notifications.pop(backup_vault_name, None)
        self.tagger.delete_all_tags_for_resource(vault.backup_vault_arn)  # type: ignore[attr-defined]
        moto(BackupBackend, self).delete_backup_vault(backup_vault_name)

    # --- access policy --------------------------------------------------------------

    def put_backup_vault_access_policy(self, backup_vault_name: str, policy: Any) -> None:
        self.existing_vault(backup_vault_name)
        if policy is None:
            raise MissingParameterValueException("Policy is required.")
        parse_policy(policy)
        self.vault_access_policies[backup_vault_name] = policy

    def get_backup_vault_access_policy(self, backup_vault_name: str) -> dict[str, Any]:
        """AWS: ResourceNotFoundException when the vault has no policy."""
        vault = self.existing_vault(backup_vault_name)
        policy = self.vault_access_policies.get(backup_vault_name)
        if policy is None:
            raise ResourceNotFoundException(msg=f"Backup Vault {vault.backup_vault_arn} has no associated POLICY")
        return {"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn, "Policy": policy}

    def delete_backup_vault_access_policy(self, backup_vault_name: str) -> None:
        self.existing_vault(backup_vault_name)
        self.vault_access_policies.pop(backup_vault_name, None)

    # --- notifications --------------------------------------------------------------

    def put_backup_vault_notifications(self, backup_vault_name: str, sns_topic_arn: Any, events: Any) -> None:
        self.existing_vault(backup_vault_name)
        if not sns_topic_arn:
            raise MissingParameterValueException("SNSTopicArn is required.")
        if events is None:
            raise MissingParameterValueException("BackupVaultEvents is required.")
        if not _SNS_TOPIC_ARN.match(str(sns_topic_arn)):
            raise InvalidParameterValueException(f"Invalid SNS topic ARN: {sns_topic_arn}")
        unknown = [event for event in events if event not in backup_vault_events()]
        if unknown:
            raise InvalidParameterValueException(f"Invalid BackupVaultEvents: {', '.join(map(str, unknown))}")
        self.vault_notifications[backup_vault_name] = {"SNSTopicArn": sns_topic_arn, "BackupVaultEvents": list(events)}

    def get_backup_vault_notifications(self, backup_vault_name: str) -> dict[str, Any]:
        """AWS: ResourceNotFoundException when the vault has no notification configuration."""
        vault = self.existing_vault(backup_vault_name)
        config = self.vault_notifications.get(backup_vault_name)
        if config is None:
            raise ResourceNotFoundException(
                msg=f"Failed reading notifications from database for Backup vault {backup_vault_name}"
            )
        return {"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn, **config}

    def delete_backup_vault_notifications(self, backup_vault_name: str) -> None:
        self.existing_vault(backup_vault_name)
        self.vault_notifications.pop(backup_vault_name, None)


class VaultsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    body: Any
    querystring: dict[str, list[str]]
    uri_match: dict[str, Any]
    backup_backend: Any

    def _vault_name(self) -> str:
        return self.uri_match["backupVaultName"]

    def _body(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    def describe_backup_vault(self) -> str:
        backend = self.backup_backend
        vault = backend.describe_backup_vault(self._vault_name())
        return json.dumps(backend.vault_description(vault))

    def list_backup_vaults(self) -> str:
        backend = self.backup_backend
        vault_type = (self.querystring.get("vaultType") or [None])[0]
        vaults = backend.list_backup_vaults()
        if vault_type and vault_type != VAULT_TYPE:
            vaults = []  # the emulator has standard backup vaults only
        page, token = query_page(vaults, self.querystring)
        result: dict[str, Any] = {"BackupVaultList": [backend.vault_description(v) for v in page]}
        if token:
            result["NextToken"] = token
        return json.dumps(result)

    def delete_backup_vault(self) -> str:
        self.backup_backend.delete_backup_vault(self._vault_name())
        return ""

    def put_backup_vault_access_policy(self) -> str:
        self.backup_backend.put_backup_vault_access_policy(self._vault_name(), self._body().get("Policy"))
        return ""

    def get_backup_vault_access_policy(self) -> str:
        return json.dumps(self.backup_backend.get_backup_vault_access_policy(self._vault_name()))

    def delete_backup_vault_access_policy(self) -> str:
        self.backup_backend.delete_backup_vault_access_policy(self._vault_name())
        return ""

    def put_backup_vault_notifications(self) -> str:
        body = self._body()
        self.backup_backend.put_backup_vault_notifications(
            self._vault_name(), body.get("SNSTopicArn"), body.get("BackupVaultEvents")
        )
        return ""

    def get_backup_vault_notifications(self) -> str:
        return json.dumps(self.backup_backend.get_backup_vault_notifications(self._vault_name()))

    def delete_backup_vault_notifications(self) -> str:
        self.backup_backend.delete_backup_vault_notifications(self._vault_name())
        return ""
