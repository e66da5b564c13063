"""AWS Backup: vaults (backend and response mixins)."""

from __future__ import annotations

from typing import Any


class VaultsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_vaults(self) -> None:
        pass


class VaultsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""
