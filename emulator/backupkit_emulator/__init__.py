"""backupkit-emulator: a local AWS endpoint for backupkit.dynamodb.

moto, extended with the AWS Backup operations moto lacks, AWS's behaviour where
moto differs and our collection meets it, and faults and latency on demand. Not
shipped in the collection. Every change to a moto class is an ``extend.extend``
call in one of the ``install()`` functions run here; the clock routes moto's
``utcnow`` (``clock.py``).
"""

from __future__ import annotations

import os
import threading

__all__ = ["install"]

_installed = False
_lock = threading.Lock()


def install() -> None:
    """Apply every extension to moto once (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        # AWS accounts have AWS's managed policies (AWSBackupServiceRolePolicyForBackup, ...);
        # moto loads them only when asked. An explicit setting in the environment wins.
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        from . import clock

        clock.install()  # first: every module imported after this takes the clock's utcnow
        from . import backup, dynamodb, dynamodb_batch, iam, kms, routing, sts

        routing.install()
        backup.install()
        dynamodb.install()
        dynamodb_batch.install()
        sts.install()
        iam.install()
        kms.install()
        from .backup.schedule import install as install_scheduler

        install_scheduler()
        clock.install()  # again: modules the extensions imported by name
        _installed = True
