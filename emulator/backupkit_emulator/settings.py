"""Run-time settings of the emulator: faults, latency, job and import timing, IAM propagation, regional outages.

One process-wide :data:`SETTINGS` object is read by the fault middleware, the
DynamoDB patches and the AWS Backup job model. It can be changed at start-up
(command-line flags) and on a running emulator through the control endpoint
(``GET``/``POST /_backupkit/settings``), so a test can turn faults on and off.
"""

from __future__ import annotations

import math
import random
import re
import threading
from dataclasses import dataclass, field, fields
from typing import Any

RATE_FIELDS = ("throttle_rate", "error_rate", "unprocessed_rate")
#: An AWS Region's name, such as ``us-east-1`` or ``us-gov-west-1``.
REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@dataclass
class Settings:
    """The emulator's knobs; rates are probabilities per request (or per item)."""

    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    unprocessed_rate: float = 0.0
    seed: int | None = None
    job_seconds: float = 1.0
    #: seconds (on the virtual clock) a DynamoDB ImportTable takes from IN_PROGRESS to COMPLETED / FAILED
    import_seconds: float = 1.0
    iam_enforce: bool = False
    #: seconds (on the virtual clock) after a role's creation during which AWS Backup cannot assume it yet
    iam_propagation_seconds: float = 0.0
    #: Regions that are down: every request signed for one of them answers HTTP 503 ServiceUnavailable
    #: and their scheduled work (plans, copies, restore tests, lifecycles) waits (``faults.py``).
    unavailable_regions: list[str] = field(default_factory=list)
    #: Responses to lose, per ``service.Operation`` (the keys of ``GET /_backupkit/stats``, e.g. ``kms.CreateKey``):
    #: the next N such requests take effect, then are answered HTTP 500 as if the answer had been lost on its way
    #: back (``faults.py``); each one lost counts one down.
    lose_responses: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The public settings (what GET /_backupkit/settings answers)."""
        return {f.name: _public(getattr(self, f.name)) for f in fields(self) if not f.name.startswith("_")}

    def region_unavailable(self, region: str | None) -> bool:
        """Whether ``region`` is down (``unavailable_regions``)."""
        return bool(region) and region in self.unavailable_regions

    def update(self, values: dict[str, Any]) -> dict[str, Any]:
        """Validate and apply ``values``; raise ValueError naming the bad key."""
        known = {f.name: f for f in fields(self) if not f.name.startswith("_")}
        staged: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
            staged[key] = _coerce(key, value)
        with self._lock:
            for key, value in staged.items():
                setattr(self, key, value)
            if "seed" in staged:
                self._rng.seed(staged["seed"])
        return self.as_dict()

    def take_lost_response(self, key: str) -> bool:
        """True (and one fewer left) when the response to a request ``key`` (``service.Operation``) is to be lost."""
        with self._lock:
            left = self.lose_responses.get(key, 0)
            if left <= 0:
                return False
            if left == 1:
                self.lose_responses = {k: v for k, v in self.lose_responses.items() if k != key}
            else:
                self.lose_responses = dict(self.lose_responses, **{key: left - 1})
            return True

    def chance(self, rate: float) -> bool:
        """True with probability ``rate`` (thread-safe, repeatable under a seed)."""
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def sample(self, population: list[Any], rate: float) -> list[int]:
        """Indexes of ``population`` picked independently with probability ``rate``."""
        if rate <= 0 or not population:
            return []
        with self._lock:
            return [i for i in range(len(population)) if self._rng.random() < rate]


def _public(value: Any) -> Any:
    """A setting as the control endpoint shows it (a copy of a list or dict, so callers cannot change it)."""
    if isinstance(value, dict):
        return dict(value)
    return list(value) if isinstance(value, list) else value


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _coerce(key: str, value: Any) -> Any:
    """The typed value of one setting; ValueError naming the key if it is not valid."""
    if key == "seed":
        if value is None:
            return None
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"seed must be an integer or null, got {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"seed must be an integer or null, got {value!r}") from None
    if key == "unavailable_regions":
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"unavailable_regions must be a list of Region names such as [\"us-east-1\"], got {value!r}")
        bad = [v for v in value if not REGION_NAME.match(v)]
        if bad:
            raise ValueError(f"unavailable_regions: {bad[0]!r} is not a Region name such as us-east-1")
        return sorted(set(value))
    if key == "lose_responses":
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(f"lose_responses must be an object such as {{\"kms.CreateKey\": 1}}, got {value!r}")
        counts = {}
        for operation, count in value.items():
            if not isinstance(operation, str) or not re.match(r"^[\w-]+\.\w+$", operation):
                raise ValueError(f"lose_responses: {operation!r} is not service.Operation such as kms.CreateKey")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"lose_responses: {operation} must be a count of responses (0 or more), got {count!r}")
            if count:
                counts[operation] = count
        return counts
    if key == "iam_enforce":
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, (bool, int)) and not isinstance(value, float):
            return bool(value)
        raise ValueError(f"iam_enforce must be true or false, got {value!r}")
    if isinstance(value, bool):
        raise ValueError(f"{key} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{key} must be a finite number, got {value!r}")
    if key in RATE_FIELDS and not 0.0 <= number <= 1.0:
        raise ValueError(f"{key} must be between 0 and 1, got {value!r}")
    if number < 0:
        raise ValueError(f"{key} must not be negative, got {value!r}")
    return number


SETTINGS = Settings()
