"""KMS where moto differs from AWS in ways our collection meets.

AWS accepts a key id or a key ARN as ``KeyId`` for DisableKey, EnableKey,
CancelKeyDeletion and ScheduleKeyDeletion (amazon.aws.kms_key sends the ARN when
it deletes a key); moto looks the value up as a bare key id and fails with HTTP 500
for an ARN. The backend methods are wrapped to resolve the ARN first, as moto's
other KMS operations already do.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

_RESOLVED = ("disable_key", "enable_key", "cancel_key_deletion", "schedule_key_deletion")


def _resolving(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, key_id: str, *args: Any, **kwargs: Any) -> Any:
        return method(self, self.get_key_id(key_id), *args, **kwargs)

    wrapper.__backupkit_resolving__ = True  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    """Wrap moto's KmsBackend methods once (idempotent)."""
    from moto.kms.models import KmsBackend

    for name in _RESOLVED:
        method = getattr(KmsBackend, name)
        if not getattr(method, "__backupkit_resolving__", False):
            setattr(KmsBackend, name, _resolving(method))
