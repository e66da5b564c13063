"""AWS Backup request handlers: moto's BackupResponse plus our response mixins."""

from __future__ import annotations

from moto.backup.responses import BackupResponse

from .jobs import JobsResponseMixin
from .plans import PlansResponseMixin
from .recovery_points import RecoveryPointsResponseMixin
from .region_settings import RegionSettingsResponseMixin
from .resources import ResourcesResponseMixin
from .selections import SelectionsResponseMixin
from .vaults import VaultsResponseMixin


class BackupkitResponse(
    PlansResponseMixin,
    SelectionsResponseMixin,
    VaultsResponseMixin,
    RegionSettingsResponseMixin,
    JobsResponseMixin,
    RecoveryPointsResponseMixin,
    ResourcesResponseMixin,
    BackupResponse,
):
    """What BackupResponse takes from the response mixins (``install()``: ``extend.extend``)."""
