"""Routing a request to its moto service, without moto's directory listing per request.

moto's server (``DomainDispatcherApplication.get_backend_for_host``) lists its package
directory (a listdir and ~200 stats) on every request to see whether the host names a
service module; the list cannot change while the server runs, so it is read once.
"""

from __future__ import annotations

from typing import Any

from moto import backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from .extend import extend

_MODULES: frozenset[str] = frozenset()


def _moto_modules() -> frozenset[str]:
    global _MODULES
    if not _MODULES:
        _MODULES = frozenset(backends.list_of_moto_modules())
    return _MODULES


class DomainDispatcherExtension(DomainDispatcherApplication):
    """moto 5.2.5's ``get_backend_for_host``, with the list of service modules read once."""

    def get_backend_for_host(self, host: str | None) -> Any:
        if host is None:
            return None
        if host == "moto_api":
            return host
        if host in _moto_modules():
            return host
        for backend, pattern in self.backend_url_patterns:
            if pattern.match(f"http://{host}"):
                return backend
        if "amazonaws.com" in host:
            print(  # noqa: T201 - moto's own hint, kept
                f"Unable to find appropriate backend for {host}."
                "Remember to add the URL to urls.py, and run scripts/update_backend_index.py to index it."
            )
        return None


def install() -> None:
    """Extend moto's request dispatcher (idempotent)."""
    extend(DomainDispatcherApplication, DomainDispatcherExtension)
