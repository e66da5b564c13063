"""AWS Backup backend: moto's BackupBackend plus the operations moto lacks.

Each concern lives in its own module as a backend mixin (state + operations)
and a response mixin (request handlers); :class:`BackupkitBackend` gathers the
backend mixins and ``install()`` makes them moto's ``BackupBackend``'s own
(``extend.extend``). The backend's state is per account and region, like every
moto backend, and moto's reset clears it.
"""

from __future__ import annotations

from types import ModuleType

from moto.backup.models import BackupBackend, backup_backends  # noqa: F401  (backup_backends re-exported)

from ..extend import moto
from .jobs import JobsBackendMixin
from .plans import PlansBackendMixin
from .recovery_points import RecoveryPointsBackendMixin
from .region_settings import RegionSettingsBackendMixin
from .resources import ResourcesBackendMixin
from .selections import SelectionsBackendMixin
from .vaults import VaultsBackendMixin


class BackupkitBackend(
    PlansBackendMixin,
    SelectionsBackendMixin,
    VaultsBackendMixin,
    RegionSettingsBackendMixin,
    JobsBackendMixin,
    RecoveryPointsBackendMixin,
    ResourcesBackendMixin,
    BackupBackend,
):
    """What BackupBackend takes from the mixins, plus their state and AWS Backup's URL paths."""

    def __init__(self, region_name: str, account_id: str):
        moto(BackupBackend, self).__init__(region_name, account_id)
        self._setup_plans()
        self._setup_selections()
        self._setup_vaults()
        self._setup_region_settings()
        self._setup_jobs()
        self._setup_recovery_points()
        self._setup_resources()

    @property
    def _url_module(self) -> ModuleType:
        """The paths of every operation the emulator serves (``urls.py``), in place of moto's."""
        from . import urls

        return urls
