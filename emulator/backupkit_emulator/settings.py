"""Run-time settings of the emulator: faults, latency and job timing.

One process-wide :data:`SETTINGS` object is read by the fault middleware, the
DynamoDB patches and the AWS Backup job model. It can be changed at start-up
(command-line flags) and on a running emulator through the control endpoint
(``GET``/``POST /_backupkit/settings``), so a test can turn faults on and off.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

RATE_FIELDS = ("throttle_rate", "error_rate", "unprocessed_rate")


@dataclass
class Settings:
    latency_ms: float = 0.0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    unprocessed_rate: float = 0.0
    seed: int | None = None
    job_seconds: float = 1.0
    iam_enforce: bool = False
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

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


def _coerce(key: str, value: Any) -> Any:
    if key == "seed":
        return None if value is None else int(value)
    if key == "iam_enforce":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    number = float(value)
    if key in RATE_FIELDS and not 0.0 <= number <= 1.0:
        raise ValueError(f"{key} must be between 0 and 1, got {value!r}")
    if number < 0:
        raise ValueError(f"{key} must not be negative, got {value!r}")
    return number


SETTINGS = Settings()
