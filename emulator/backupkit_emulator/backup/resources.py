"""AWS Backup: protected resources (backend and response mixins).

A resource is protected once it has a completed recovery point; what AWS
reports about it (last backup time, vault and recovery point, latest restore)
is derived from the recovery points and restore jobs, so it needs no state of
its own.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult

from .exceptions import ResourceNotFoundException
from .recovery_points import RESOURCE_TYPE, RecoveryPoint, list_page, compact, uri_param


class ProtectedResource:
    """A resource's backup summary, built from its completed recovery points."""

    def __init__(self, resource_arn: str, points: list[RecoveryPoint], restores: list[Any]):
        self.resource_arn = resource_arn
        self.latest = max(points, key=lambda rp: rp.creation_date)
        self.restores = restores

    def summary(self) -> dict[str, Any]:
        """ListProtectedResources' member shape."""
        return {
            "ResourceArn": self.resource_arn,
            "ResourceType": RESOURCE_TYPE,
            "LastBackupTime": self.latest.creation_date,
            "ResourceName": self.latest.resource_name,
            "LastBackupVaultArn": self.latest.vault_arn,
            "LastRecoveryPointArn": self.latest.arn,
        }

    def describe(self) -> dict[str, Any]:
        """DescribeProtectedResource's shape: the summary plus the latest completed restore."""
        result = self.summary()
        completed = [job for job in self.restores if job.status == "COMPLETED"]
        if completed:
            latest = max(completed, key=lambda job: job.creation_date)
            result.update(
                compact(
                    {
                        "LatestRestoreExecutionTimeMinutes": latest.minutes,
                        "LatestRestoreJobCreationDate": latest.creation_date,
                        "LatestRestoreRecoveryPointCreationDate": latest.recovery_point_creation_date,
                    }
                )
            )
        return result


class ResourcesBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_resources(self) -> None:
        pass

    def _protected_resources(self) -> dict[str, ProtectedResource]:
        by_resource: dict[str, list[RecoveryPoint]] = {}
        for recovery_point in self.recovery_points.values():
            if recovery_point.status == "COMPLETED":
                by_resource.setdefault(recovery_point.resource_arn, []).append(recovery_point)
        return {
            arn: ProtectedResource(
                arn,
                points,
                [job for job in self.restore_jobs.values() if job.source_resource_arn == arn],
            )
            for arn, points in by_resource.items()
        }

    def list_protected_resources(self) -> list[ProtectedResource]:
        """Protected resources, most recently backed up first."""
        return sorted(
            self._protected_resources().values(),
            key=lambda resource: resource.latest.creation_date,
            reverse=True,
        )

    def describe_protected_resource(self, resource_arn: str) -> ProtectedResource:
        resource = self._protected_resources().get(resource_arn)
        if resource is None:
            raise ResourceNotFoundException(msg=f"Resource {resource_arn} is not protected by AWS Backup.")
        return resource


class ResourcesResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    def list_protected_resources(self) -> ActionResult:
        page, token = list_page(self.backup_backend.list_protected_resources(), self.querystring)
        return ActionResult(compact({"Results": [resource.summary() for resource in page], "NextToken": token}))

    def describe_protected_resource(self) -> ActionResult:
        resource = self.backup_backend.describe_protected_resource(uri_param(self, "resourceArn"))
        return ActionResult(resource.describe())
