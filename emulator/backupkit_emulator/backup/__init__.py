"""AWS Backup for the emulator: moto's backup service, extended."""

from __future__ import annotations


def install() -> None:
    """Make moto serve AWS Backup from BackupkitBackend and our URL map."""
    import moto.backup
    import moto.backup.models
    import moto.backup.responses

    from .models import backup_backends

    moto.backup.backup_backends = backup_backends
    moto.backup.models.backup_backends = backup_backends
    moto.backup.responses.backup_backends = backup_backends
