"""AWS Backup: region settings (backend and response mixins)."""

from __future__ import annotations

from typing import Any


class RegionSettingsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_region_settings(self) -> None:
        pass


class RegionSettingsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""
