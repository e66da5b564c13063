"""AWS Backup for the emulator: moto's backup service, extended."""

from __future__ import annotations


def install() -> None:
    """Give moto's BackupBackend and BackupResponse the operations moto lacks (idempotent)."""
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse

    from ..extend import extend
    from .models import BackupkitBackend
    from .responses import BackupkitResponse

    extend(BackupBackend, BackupkitBackend)
    extend(BackupResponse, BackupkitResponse)
