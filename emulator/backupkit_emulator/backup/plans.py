"""AWS Backup: plans (backend and response mixins)."""

from __future__ import annotations

from typing import Any


class PlansBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_plans(self) -> None:
        pass


class PlansResponseMixin:
    """Request handlers; method names are the operations in snake_case."""
