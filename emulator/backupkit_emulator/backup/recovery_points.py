"""AWS Backup: recovery points (backend and response mixins)."""

from __future__ import annotations

from typing import Any


class RecoveryPointsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_recovery_points(self) -> None:
        pass


class RecoveryPointsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""
