"""The collections the end-to-end runs use, and the amazon.aws matrix leg.

Every file of tests/e2e starts ansible-playbook / ansible-runner with its own
ANSIBLE_COLLECTIONS_PATH (a folder that links this work tree as backupkit.dynamodb).
``collections_path()`` puts the directory named by ``BACKUPKIT_E2E_COLLECTIONS_PATH`` in
front of it: ``make e2e-amazon-aws-11`` installs amazon.aws 11.4.0 there, so the same runs
use that release instead of the venv's amazon.aws 10 (community.aws still comes from the venv).
When the variable is set, the session first checks that the amazon.aws Ansible finds is the
one expected (``BACKUPKIT_E2E_AMAZON_AWS_VERSION``), so the leg cannot pass on the wrong release.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXTRA_VARIABLE = "BACKUPKIT_E2E_COLLECTIONS_PATH"
VERSION_VARIABLE = "BACKUPKIT_E2E_AMAZON_AWS_VERSION"
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


@functools.cache
def integration_runner() -> Any:
    """tests/integration/test_targets.py (loaded once), for its ansible-playbook environment and collection link."""
    path = REPO / "tests" / "integration" / "test_targets.py"
    spec = importlib.util.spec_from_file_location("backupkit_integration_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def collections_path(*paths: object) -> str:
    """ANSIBLE_COLLECTIONS_PATH for a run: the matrix leg's collections (if any) first, then paths."""
    extra = os.environ.get(EXTRA_VARIABLE, "")
    return os.pathsep.join(part for part in [extra, *(str(path) for path in paths)] if part)


def amazon_aws_versions(collections: str) -> list[tuple[str, str]]:
    """(path, version) of every amazon.aws that ansible-galaxy sees, in Ansible's search order."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["ANSIBLE_COLLECTIONS_PATH"] = collections
    completed = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "list", "amazon.aws", "--format", "json"],
        env=env, capture_output=True, text=True, timeout=120, check=True, stdin=subprocess.DEVNULL,
    )
    found = json.loads(completed.stdout or "{}")
    return [(path, info["amazon.aws"]["version"]) for path, info in found.items() if "amazon.aws" in info]


@pytest.fixture(scope="session", autouse=True)
def matrix_amazon_aws() -> None:
    """In the matrix leg, the amazon.aws Ansible resolves first is the expected release."""
    if not os.environ.get(EXTRA_VARIABLE):
        return
    expected = os.environ.get(VERSION_VARIABLE, "")
    versions = amazon_aws_versions(collections_path())
    assert versions, f"no amazon.aws under {os.environ[EXTRA_VARIABLE]}"
    path, version = versions[0]
    assert Path(path).resolve().is_relative_to(Path(os.environ[EXTRA_VARIABLE]).resolve()), versions
    assert not expected or version == expected, f"amazon.aws {version} at {path}, expected {expected}"
    print(f"\n== e2e against amazon.aws {version} from {path}")
