"""The emulator in a child process, for test runners, the demo and the benchmarks.

``EmulatorProcess("--latency-ms", "25")`` runs ``python -m backupkit_emulator
--port 0 --latency-ms 25`` with the current interpreter, reads its output on a
thread (so the pipe never fills) and takes the endpoint from its
``listening on http://...`` line::

    with EmulatorProcess() as emulator:
        boto3.client("dynamodb", endpoint_url=emulator.endpoint, ...)
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any, Mapping

_LISTENING = re.compile(r"listening on (http://\S+)")


class EmulatorProcess:
    """``backupkit-emulator --port 0 [flags]`` in a child process; ``output`` keeps its last 200 lines."""

    def __init__(self, *flags: str, env: Mapping[str, str] | None = None, start_timeout: float = 60) -> None:
        self.endpoint = ""
        self.output: collections.deque[str] = collections.deque(maxlen=200)
        self.start_timeout = start_timeout
        self._ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backupkit_emulator", "--port", "0", *flags],
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip("\n"))
            match = _LISTENING.search(line)
            if match and not self._ready.is_set():
                self.endpoint = match.group(1)
                self._ready.set()
        self._ready.set()  # the process ended: wait_ready() stops waiting

    def wait_ready(self) -> str:
        """The endpoint once the emulator listens; RuntimeError with its output if it does not start."""
        if not self._ready.wait(self.start_timeout) or not self.endpoint:
            self.stop()
            raise RuntimeError("backupkit-emulator did not start:\n" + "\n".join(self.output))
        return self.endpoint

    def _call(self, path: str, method: str = "GET", payload: Any = None, timeout: float = 30) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.endpoint + path, method=method, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            body = error.read()
            try:
                message = json.loads(body).get("error", body.decode())
            except ValueError:
                message = body.decode(errors="replace")
            raise ValueError(f"{method} {path}: HTTP {error.code}: {message}") from None
        return json.loads(body) if body.strip().startswith(b"{") else body

    def clock(self) -> str:
        """The emulator's virtual time, ISO 8601 UTC (``GET /_backupkit/clock``)."""
        return self._call("/_backupkit/clock")["now"]

    def advance(self, seconds: float, timeout: float = 600) -> str:
        """Move the clock forwards by ``seconds``; returns the new time once everything due ran."""
        return self._call("/_backupkit/clock", "POST", {"advance_seconds": seconds}, timeout)["now"]

    def set_clock(self, instant: str, timeout: float = 600) -> str:
        """Move the clock forwards to ``instant`` (ISO 8601); ValueError (HTTP 400) for a past instant."""
        return self._call("/_backupkit/clock", "POST", {"now": instant}, timeout)["now"]

    def reset(self) -> None:
        """Clear every service's state (moto's reset endpoint)."""
        self._call("/moto-api/reset", method="POST")

    def stats(self) -> dict[str, int]:
        """Requests counted per ``service.Operation`` (``GET /_backupkit/stats``)."""
        return self._call("/_backupkit/stats")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)

    def __enter__(self) -> "EmulatorProcess":
        self.wait_ready()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


__all__ = ["EmulatorProcess"]
