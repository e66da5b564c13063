"""KMS where moto differs from AWS in ways our collection meets.

AWS accepts a key id or a key ARN as ``KeyId`` for DisableKey, EnableKey,
CancelKeyDeletion and ScheduleKeyDeletion (amazon.aws.kms_key sends the ARN when
it deletes a key); moto looks the value up as a bare key id and fails with HTTP 500
for an ARN. These backend methods resolve the ARN first, as moto's other KMS
operations already do.
"""

from __future__ import annotations

from typing import Any

from moto.kms.models import KmsBackend

from .extend import extend, moto


class KmsBackendExtension(KmsBackend):
    """DisableKey, EnableKey, CancelKeyDeletion and ScheduleKeyDeletion take a key ARN too."""

    def disable_key(self, key_id: str) -> Any:
        return moto(KmsBackend, self).disable_key(self.get_key_id(key_id))

    def enable_key(self, key_id: str) -> Any:
        return moto(KmsBackend, self).enable_key(self.get_key_id(key_id))

    def cancel_key_deletion(self, key_id: str) -> Any:
        return moto(KmsBackend, self).cancel_key_deletion(self.get_key_id(key_id))

    def schedule_key_deletion(self, key_id: str, *args: Any, **kwargs: Any) -> Any:
        return moto(KmsBackend, self).schedule_key_deletion(self.get_key_id(key_id), *args, **kwargs)


def install() -> None:
    """Extend moto's KmsBackend (idempotent)."""
    extend(KmsBackend, KmsBackendExtension)
