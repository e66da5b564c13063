"""Make the work tree importable as ansible_collections.backupkit.dynamodb for unit tests.

`make setup` links the repository into .venv/collections/ansible_collections/backupkit/dynamodb;
when the tests run from an installed collection (ansible-test), that path is already importable.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".venv" / "collections"

try:
    FOUND = importlib.util.find_spec("ansible_collections.backupkit.dynamodb") is not None
except ImportError:
    FOUND = False
if not FOUND:
    if COLLECTIONS.is_dir():
        sys.path.insert(0, str(COLLECTIONS))
        # ansible_collections is a namespace package; forget a half-imported one
        sys.modules.pop("ansible_collections", None)


class FakeClock:
    """The one fake clock of the unit tests: ``clock()`` reads it, ``clock.sleep(s)`` moves it on."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    """A :class:`FakeClock` at 0 for the waiting loops (pass ``clock=clock, sleep=clock.sleep``)."""
    return FakeClock()
