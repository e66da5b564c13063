"""AWS Backup: selections (backend and response mixins)."""

from __future__ import annotations

from typing import Any


class SelectionsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_selections(self) -> None:
        pass


class SelectionsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""
