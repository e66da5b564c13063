"""pytest hooks for the one pytest run over emulator/tests, tests/unit and tests/integration.

Those folders are not Python packages, so pytest imports each folder's conftest.py under the
same module name, ``conftest``, and ``sys.modules["conftest"]`` ends up holding whichever it
loaded last. A test module that does ``from conftest import helper`` then gets another
folder's conftest. Before pytest imports a test module, point ``conftest`` at the nearest
conftest.py above that module, as it would be if its folder were tested alone.

The end-to-end files share one emulator per file and run in order, so each is one
pytest-xdist group (``--dist loadgroup``). pytest-xdist marks a group by renaming its tests'
node ids; pytest 9.2 no longer lets it (its ``nodeid`` stopped reading ``_nodeid``) and the
groups were silently spread over all workers. A worker stops the run when that happens.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def _nearest_conftest(config: pytest.Config, path: Path) -> object | None:
    """The loaded conftest module of the closest folder above path, if any."""
    for directory in path.parents:
        plugin = config.pluginmanager.get_plugin(str(directory / "conftest.py"))
        if plugin is not None:
            return plugin
        if directory == config.rootpath:
            return None
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collectstart(collector: pytest.Collector) -> None:
    if isinstance(collector, pytest.Module):
        module = _nearest_conftest(collector.config, collector.path)
        if module is not None:
            sys.modules["conftest"] = module  # type: ignore[assignment]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a pytest-xdist worker with --dist loadgroup, every grouped test must carry its group."""
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist could not group {len(lost)} test(s) (first: {lost[0]}); the end-to-end files would "
            "run out of order on several workers. Use the pytest and pytest-xdist of requirements-dev.txt.")


# --- CPU seconds per test (BACKUPKIT_CPU_LOG=DIR) ----------------------------------------------
# make test is CPU-bound on CI's 2 cores, so what a test costs is its CPU seconds, not its wall
# time (which depends on what else runs). With BACKUPKIT_CPU_LOG set, each process (each
# pytest-xdist worker) appends one JSON line per test to DIR/cpu-<pid>.jsonl: the CPU seconds
# (user + system) of the process and of every child it reaped during that test's setup, call and
# teardown (ansible-playbook and its module processes; an emulator a fixture started counts for
# the test whose teardown stops it, so the sum over a file is exact). hacking/check.py sums them.

def _cpu_seconds() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    import json
    import os
    import time

    directory = os.environ.get("BACKUPKIT_CPU_LOG")
    if not directory:
        yield
        return
    cpu, wall, start = _cpu_seconds(), time.monotonic(), time.time()
    yield
    line = {"nodeid": item.nodeid.split("@")[0], "cpu": round(_cpu_seconds() - cpu, 2),
            "wall": round(time.monotonic() - wall, 2), "start": round(start, 1),
            "worker": os.environ.get("PYTEST_XDIST_WORKER", "main")}
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, f"cpu-{os.getpid()}.jsonl"), "a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
