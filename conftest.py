"""pytest hooks for the one pytest run over emulator/tests, tests/unit and tests/integration.

Those folders are not Python packages, so pytest imports each folder's conftest.py under the
same module name, ``conftest``, and ``sys.modules["conftest"]`` ends up holding whichever it
loaded last. A test module that does ``from conftest import helper`` then gets another
folder's conftest. Before pytest imports a test module, point ``conftest`` at the nearest
conftest.py above that module, as it would be if its folder were tested alone.
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
