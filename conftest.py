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
