"""AWS Backup: jobs (backend and response mixins)."""

from __future__ import annotations

from typing import Any


class JobsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_jobs(self) -> None:
        pass


class JobsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""
