"""The emulator's one virtual clock, and the one lock that orders everything.

Every timestamp the emulator hands out comes from :data:`CLOCK`: moto takes
the time through ``moto.core.utils.utcnow`` (``unix_time`` and
``unix_time_millis`` call it), and :func:`install` routes that one function,
and every module that imported it by name, through the clock. Our own models
import ``utcnow`` from moto too, so AWS Backup's CreationDate, CompletionDate,
job timelines (``--job-seconds`` is clock time), DynamoDB's backup and table
creation times all follow it.

The clock ticks with real time from where it stands: ``now = real UTC time +
offset``. Moving it (``advance`` / ``set``) changes the offset, never backwards.
While the scheduler runs what fell due, the clock is *frozen* at each event's
instant, so a scheduled snapshot is stamped with its scheduled time whatever
the machine's speed: same state + same advance = same result.

:data:`LOCK` (re-entrant) is the emulator's single lock: every AWS request is
handled while holding it, and so is every clock move with the scheduled work
it triggers. moto's models are not thread-safe (a Scan iterating a table while
a BatchWriteItem adds to it answers "dictionary changed size during
iteration"); holding one lock around each request and each advance makes the
emulator safe under concurrent clients, and means an advance never interleaves
with a request.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

#: The one lock: held for each AWS request and for each clock move (see module doc).
LOCK = threading.RLock()


def real_utcnow() -> datetime:
    """The machine's time, naive UTC (moto's convention)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def parse_instant(value: Any, name: str = "now") -> datetime:
    """An ISO 8601 instant as naive UTC; a value without offset is UTC. ValueError naming ``name``."""
    if isinstance(value, datetime):
        moment = value
    else:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be an ISO 8601 date-time such as 2026-01-01T00:00:00Z, got {value!r}")
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{name} must be an ISO 8601 date-time such as 2026-01-01T00:00:00Z, got {value!r}"
            ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def iso(moment: datetime) -> str:
    """``2026-01-01T00:00:00.000000Z`` for a naive UTC datetime."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Clock:
    """Virtual UTC time: real time plus an offset, frozen while scheduled work runs."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._frozen: datetime | None = None
        #: called as ``runner(until)`` under LOCK to run what falls due up to ``until``
        self.runner: Callable[[datetime], None] | None = None

    def now(self) -> datetime:
        frozen = self._frozen
        if frozen is not None:
            return frozen
        return real_utcnow() + self._offset

    def start_at(self, instant: Any) -> datetime:
        """Put the clock at ``instant`` (``--clock-start``), forwards or backwards, before any state exists."""
        with LOCK:
            self._offset = parse_instant(instant, "--clock-start") - real_utcnow()
            return self.now()

    def reset(self) -> None:
        """Back to real time (tests)."""
        with LOCK:
            self._offset = timedelta(0)
            self._frozen = None

    @contextmanager
    def frozen_at(self, instant: datetime) -> Iterator[None]:
        """Stand still at ``instant`` while scheduled work for that instant runs (caller holds LOCK)."""
        previous = self._frozen
        self._frozen = instant
        try:
            yield
        finally:
            self._frozen = previous

    def catch_up(self) -> None:
        """Run what fell due up to now (called under LOCK before each request)."""
        if self.runner is not None and self._frozen is None:
            self.runner(self.now())

    def set(self, instant: Any) -> datetime:
        """Move to ``instant`` (never backwards: ValueError) after running everything due up to it."""
        target = parse_instant(instant)
        with LOCK:
            current = self.now()
            if target < current:
                raise ValueError(
                    f"the clock never goes backwards: now is {iso(current)}, asked for {iso(target)}"
                )
            if self.runner is not None:
                self.runner(target)
            # Real time went on while the work ran: land exactly on the target.
            self._offset = target - real_utcnow()
            return self.now()

    def advance(self, seconds: Any) -> datetime:
        """Move forwards by ``seconds`` (a non-negative number: ValueError otherwise)."""
        if isinstance(seconds, bool):
            raise ValueError(f"advance_seconds must be a non-negative number, got {seconds!r}")
        try:
            amount = float(seconds)
        except (TypeError, ValueError):
            raise ValueError(f"advance_seconds must be a non-negative number, got {seconds!r}") from None
        if amount != amount or amount in (float("inf"), float("-inf")):
            raise ValueError(f"advance_seconds must be a finite number, got {seconds!r}")
        if amount < 0:
            raise ValueError(f"the clock never goes backwards: advance_seconds must not be negative, got {seconds!r}")
        with LOCK:
            return self.set(self.now() + timedelta(seconds=amount))

    def as_dict(self) -> dict[str, str]:
        """What ``GET /_backupkit/clock`` answers."""
        return {"now": iso(self.now())}

    def control(self, body: dict[str, Any]) -> dict[str, str]:
        """``POST /_backupkit/clock``: ``{"advance_seconds": N}`` or ``{"now": ISO}``; ValueError if neither/both."""
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        unknown = sorted(set(body) - {"advance_seconds", "now"})
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r}; give advance_seconds or now")
        if ("advance_seconds" in body) == ("now" in body):
            raise ValueError('give exactly one of "advance_seconds" (a number) or "now" (ISO 8601)')
        if "now" in body:
            self.set(body["now"])
        else:
            self.advance(body["advance_seconds"])
        return self.as_dict()


CLOCK = Clock()


def utcnow() -> datetime:
    """The clock's time, in place of moto's ``utcnow``."""
    return CLOCK.now()


def install() -> None:
    """Route moto's ``utcnow`` through the clock: in moto.core.utils (which ``unix_time`` reads) and in
    every already-imported module that took it by name. Modules imported later get ours; calling this
    again (after more modules were imported) sweeps again."""
    import moto.core.utils as utils

    original = utils.utcnow
    if original is not utcnow:
        _originals.append(original)
        utils.utcnow = utcnow
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if not (name.startswith("moto") or name.startswith("backupkit_emulator")):
            continue
        if any(getattr(module, "utcnow", None) is old for old in _originals):
            setattr(module, "utcnow", utcnow)
    # Temporary credentials expire in the client's time, not the emulator's: botocore compares
    # an AssumeRole Expiration with its own real clock and refreshes credentials that look
    # expired, so with the clock started in the past (--clock-start) they would never be usable.
    import moto.sts.models as sts_models

    sts_models.utcnow = _originals[0] if _originals else original


#: moto's own utcnow (kept to recognise modules that imported it by name)
_originals: list[Callable[[], datetime]] = []
