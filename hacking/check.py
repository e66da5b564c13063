#!/usr/bin/env python3
"""Run every check of ``make test`` at once and report them; exit non-zero when any failed.

The checks are CPU-bound (ansible-playbook, module processes, the emulator) and independent,
so they start together and the machine's cores stay busy until the last one ends: the lint
chain, ansible-test sanity, Molecule, the amazon.aws 11 leg of the end-to-end journey and the
main pytest run (pytest-xdist over tests/e2e, tests/integration, emulator/tests and
tests/unit, the longest groups first). Each writes its output to ``build/check/<name>.log``;
a line is printed when each ends. At the end the failed checks' last lines are printed, then
the main pytest run's whole output, so pytest's summary line closes the output.

Usage: check.py [--only NAME ...] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "build" / "check"
TAIL_LINES = 60
MAKE = ["make", "--no-print-directory"]

# The end-to-end files, the longest first: xdist hands out groups in this order, so the
# long ones start at once and the short checks fill the cores at the end.
E2E_FILES = [
    "tests/e2e/test_tables.py",
    "tests/e2e/test_fleet.py",
    "tests/e2e/test_playbooks.py",
    "tests/e2e/test_least_privilege.py",
    "tests/e2e/test_security.py",
    "tests/e2e/test_schedule.py",
    "tests/e2e/test_report.py",
    "tests/e2e/test_awx.py",
]


@dataclass
class Check:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    returncode: int | None = None
    seconds: float = 0.0
    cpu: float = 0.0

    @property
    def log(self) -> Path:
        return LOGS / f"{self.name}.log"

    @property
    def passed(self) -> bool:
        return self.returncode == 0


CPU_LOG = LOGS / "cpu"


def pytest_main(workers: int) -> list[str]:
    python = str(ROOT / ".venv" / "bin" / "python")
    e2e = [path for path in E2E_FILES if (ROOT / path).exists()]
    e2e += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "e2e").glob("test_*.py")
                  if str(p.relative_to(ROOT)) not in e2e)
    return [python, "-m", "pytest", "-q", "-ra", "-n", str(workers), "--dist", "loadgroup",
            "--durations=25", *e2e, "tests/integration", "emulator/tests", "tests/unit"]


# The static checks have no long chain of their own: at a lower priority they take the cores
# the long serial chains (Molecule's scenarios, the end-to-end files) leave idle.
NICE = ["nice", "-n", "10"]


def checks(workers: int) -> list[Check]:
    return [
        Check("lint", [*NICE, *MAKE, "lint", "docs-lint"]),
        Check("sanity", [*NICE, *MAKE, "sanity"]),
        Check("molecule", [*MAKE, "molecule"]),
        Check("e2e-amazon-aws-11", [*MAKE, "e2e-amazon-aws-11"]),
        Check("pytest", pytest_main(workers), env={"BACKUPKIT_CPU_LOG": str(CPU_LOG)}),
    ]


def run(check: Check, lock: threading.Lock) -> None:
    started = time.monotonic()
    with check.log.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(check.argv, cwd=ROOT, env={**os.environ, **check.env},
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        # wait4 gives the CPU seconds of the check and of everything it started and reaped.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    check.returncode = process.returncode
    check.seconds = time.monotonic() - started
    check.cpu = usage.ru_utime + usage.ru_stime
    with lock:
        state = "passed" if check.passed else f"FAILED (exit {check.returncode})"
        print(f"== {check.name}: {state} in {check.seconds:.0f} s, {check.cpu:.0f} CPU-s "
              f"(log: {check.log.relative_to(ROOT)})", flush=True)


def cpu_by_file(directory: Path, top: int = 20) -> str:
    """The CPU seconds of the main pytest run per test file, the most expensive first (conftest.py logs them)."""
    per_file: dict[str, list[float]] = {}
    for log in directory.glob("cpu-*.jsonl"):
        for line in log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            name = record["nodeid"].split("::")[0]
            if "test_targets.py::test_target[" in record["nodeid"]:
                name = record["nodeid"].split("::")[1]
            cpu, tests = per_file.setdefault(name, [0.0, 0])
            per_file[name] = [cpu + record["cpu"], tests + 1]
    if not per_file:
        return ""
    total = sum(cpu for cpu, _ in per_file.values())
    rows = sorted(per_file.items(), key=lambda item: -item[1][0])
    lines = [f"== pytest CPU seconds per file or target ({total:.0f} CPU-s in all; the {min(top, len(rows))} largest):"]
    lines += [f"   {cpu:7.0f}  {name} ({tests:.0f} tests)" for name, (cpu, tests) in rows[:top]]
    return "\n".join(lines)


def cpu_busy() -> tuple[int, int] | None:
    """(busy, total) jiffies of every core since boot (/proc/stat), None where there is no /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text(encoding="utf-8").split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


class BusySampler(threading.Thread):
    """How busy the machine's cores were, per slice of the run: make test is meant to keep them all
    busy, so an idle share says where the run waited instead of working (a long chain at the end)."""

    def __init__(self, slice_seconds: float = 120.0) -> None:
        super().__init__(daemon=True, name="busy")
        self.slice_seconds = slice_seconds
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        last = cpu_busy()
        while last is not None and not self.stopped.wait(self.slice_seconds):
            now = cpu_busy()
            if now is None or now[1] == last[1]:
                continue
            self.samples.append((now[0] - last[0]) / (now[1] - last[1]))
            last = now

    def summary(self) -> str:
        if not self.samples:
            return ""
        average = sum(self.samples) / len(self.samples)
        slices = " ".join(f"{100 * sample:.0f}" for sample in self.samples)
        return (f"== cores busy: {100 * average:.0f}% on average; per {self.slice_seconds:.0f} s slice (%): {slices}")


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these checks")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("PYTEST_WORKERS", "3")),
                        help="pytest-xdist workers of the main pytest run (default: $PYTEST_WORKERS or 3)")
    args = parser.parse_args(argv)

    selected = [c for c in checks(args.workers) if not args.only or c.name in args.only]
    LOGS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(CPU_LOG, ignore_errors=True)
    lock = threading.Lock()
    started = time.monotonic()
    print(f"== checks, all at once: {', '.join(c.name for c in selected)} (logs in {LOGS.relative_to(ROOT)}/)",
          flush=True)
    sampler = BusySampler()
    sampler.start()
    threads = [threading.Thread(target=run, args=(check, lock), name=check.name) for check in selected]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sampler.stopped.set()
    failed = [c for c in selected if not c.passed]
    for check in failed:
        if check.name != "pytest":
            print(f"\n== {check.name} FAILED; its last {TAIL_LINES} lines:\n{tail(check.log)}")
    print(f"\n== all checks in {time.monotonic() - started:.0f} s, {sum(c.cpu for c in selected):.0f} CPU-s: "
          + ", ".join(f"{c.name} {'passed' if c.passed else 'FAILED'} ({c.seconds:.0f} s, {c.cpu:.0f} CPU-s)"
                      for c in selected))
    for summary in (sampler.summary(), cpu_by_file(CPU_LOG)):
        if summary:
            print(summary)
    if failed:
        print("== FAILED: " + " ".join(c.name for c in failed))
    main_run = next((c for c in selected if c.name == "pytest"), None)
    if main_run is not None:
        print(f"== pytest ({args.workers} workers): {' '.join(main_run.argv[3:])}")
        print(main_run.log.read_text(encoding="utf-8", errors="replace"), end="", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
