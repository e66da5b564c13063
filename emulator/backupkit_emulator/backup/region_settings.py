"""AWS Backup: region settings (service opt-in and full-management preferences).

Defaults are those of an account that starts using AWS Backup now: AWS opts an
account into every resource type supported in the Region when it first uses AWS
Backup there, and customers who started after November 2021 have advanced DynamoDB
backup (full AWS Backup management of DynamoDB) enabled by default; EFS backups are
always fully managed. UpdateRegionSettings changes only the keys it is given.
"""

from __future__ import annotations

import json
from typing import Any

from .exceptions import InvalidParameterValueException

OPT_IN_RESOURCE_TYPES = (
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DSQL",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "Redshift Serverless",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
)
# Resource types whose backups AWS Backup can fully manage.
MANAGED_RESOURCE_TYPES = ("CloudFormation", "DSQL", "DynamoDB", "EFS")

_PREFERENCE_FIELDS = {
    "ResourceTypeOptInPreference": OPT_IN_RESOURCE_TYPES,
    "ResourceTypeManagementPreference": MANAGED_RESOURCE_TYPES,
    "ResourceTypeOptInIncremental": OPT_IN_RESOURCE_TYPES,
}


def _validated(field: str, preferences: Any) -> dict[str, bool]:
    """A preference map with known resource types and boolean values only."""
    if not isinstance(preferences, dict):
        raise InvalidParameterValueException(f"{field} must be a map of resource type to boolean.")
    known = _PREFERENCE_FIELDS[field]
    for resource_type, enabled in preferences.items():
        if resource_type not in known:
            raise InvalidParameterValueException(f"Unsupported resource type in {field}: {resource_type}")
        if not isinstance(enabled, bool):
            raise InvalidParameterValueException(f"{field}[{resource_type}] must be a boolean.")
    return dict(preferences)


class RegionSettingsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_region_settings(self) -> None:
        self.region_settings: dict[str, dict[str, bool]] = {
            "ResourceTypeOptInPreference": {t: True for t in OPT_IN_RESOURCE_TYPES},
            "ResourceTypeManagementPreference": {t: True for t in MANAGED_RESOURCE_TYPES},
        }

    def describe_region_settings(self) -> dict[str, dict[str, bool]]:
        return {field: dict(prefs) for field, prefs in self.region_settings.items()}

    def update_region_settings(self, **fields: Any) -> None:
        """Merge the given preference maps; keys not given keep their values."""
        updates = {field: _validated(field, prefs) for field, prefs in fields.items() if prefs is not None}
        for field, prefs in updates.items():
            self.region_settings.setdefault(field, {}).update(prefs)

    def dynamodb_advanced_backup_enabled(self) -> bool:
        """Whether AWS Backup fully manages DynamoDB backups here (advanced DynamoDB backup)."""
        return self.region_settings["ResourceTypeManagementPreference"].get("DynamoDB", False)


class RegionSettingsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    body: Any
    backup_backend: Any

    def describe_region_settings(self) -> str:
        return json.dumps(self.backup_backend.describe_region_settings())

    def update_region_settings(self) -> str:
        body = json.loads(self.body) if self.body else {}
        self.backup_backend.update_region_settings(**{field: body.get(field) for field in _PREFERENCE_FIELDS})
        return ""
