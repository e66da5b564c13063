"""AWS Backup: resources (backend and response mixins)."""

from __future__ import annotations

from typing import Any


class ResourcesBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_resources(self) -> None:
        pass


class ResourcesResponseMixin:
    """Request handlers; method names are the operations in snake_case."""
