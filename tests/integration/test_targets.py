"""Run every integration target under tests/integration/targets/ against the emulator.

Targets use ansible-test's layout (``targets/<name>/{aliases,tasks/main.yml,defaults/main.yml}``).
Each one becomes a pytest test that runs ``ansible-playbook`` on localhost with the target
as a role, against one emulator started for the session (``backupkit-emulator --port 0``).
The emulator's state is reset before each target.

A target reads ``aws_endpoint_url`` and ``aws_region`` (extra vars) in its
``module_defaults`` block; the environment also carries ``AWS_ENDPOINT_URL``, ``AWS_REGION``
and the emulator's dummy keys. Aliases ``disabled`` and ``unsupported`` skip a target;
``hidden`` marks a helper role (``setup_*``) that other targets depend on and that is not
run on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from backupkit_emulator.process import EmulatorProcess

REPO = Path(__file__).resolve().parents[2]
TARGETS = Path(__file__).resolve().parent / "targets"
BIN = Path(sys.executable).parent
REGION = "us-east-1"
TARGET_TIMEOUT = 600
START_TIMEOUT = 60
OUTPUT_TAIL_LINES = 80
SKIP_ALIASES = {"disabled", "unsupported"}


def target_aliases(target: Path) -> set[str]:
    """The aliases a target declares (one a line; '#' starts a comment)."""
    path = target / "aliases"
    if not path.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line}


def discover_targets() -> list[pytest.param]:
    """One pytest parameter per runnable target, skipped where its aliases say so."""
    params = []
    for target in sorted(p for p in TARGETS.iterdir() if (p / "tasks" / "main.yml").is_file()):
        aliases = target_aliases(target)
        if "hidden" in aliases:
            continue
        marks = []
        skipped = sorted(aliases & SKIP_ALIASES)
        if skipped:
            marks.append(pytest.mark.skip(reason=f"target alias: {', '.join(skipped)}"))
        params.append(pytest.param(target, id=target.name, marks=marks))
    return params


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(start_timeout=START_TIMEOUT) as server:
        yield server


def link_collection(root: Path) -> Path:
    """Make ``root`` a collections path where backupkit.dynamodb is this work tree; answer ``root``."""
    link = root / "ansible_collections" / "backupkit" / "dynamodb"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    return root


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collections path where backupkit.dynamodb is this work tree (whatever .venv links to)."""
    return link_collection(tmp_path_factory.mktemp("collections"))


def ansible_environment(endpoint: str, collections: Path) -> dict[str, str]:
    """The environment of ansible-playbook: no AWS settings of the caller, the emulator's instead."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_ROLES_PATH=str(TARGETS),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def write_playbook(directory: Path, target: str) -> tuple[Path, Path]:
    """A playbook that runs the target as a role on localhost, and its inventory."""
    playbook = directory / "playbook.yml"
    playbook.write_text(
        json.dumps(
            [{"name": f"Integration target {target}", "hosts": "localhost", "gather_facts": False,
              "roles": [{"role": target}]}],
            indent=2,
        ),
        encoding="utf-8",
    )
    inventory = directory / "inventory.ini"
    inventory.write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n",
        encoding="utf-8",
    )
    return playbook, inventory


def tail(text: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.parametrize("target", discover_targets())
def test_target(target: Path, emulator: EmulatorProcess, collections_path: Path, tmp_path: Path) -> None:
    """The target's tasks all pass when run by ansible-playbook against the emulator."""
    emulator.reset()
    playbook, inventory = write_playbook(tmp_path, target.name)
    extra_vars = {"aws_endpoint_url": emulator.endpoint, "aws_region": REGION}
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), "-e", json.dumps(extra_vars)],
        cwd=tmp_path,
        env=ansible_environment(emulator.endpoint, collections_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TARGET_TIMEOUT,
        check=False,
    )
    elapsed = time.monotonic() - started
    output = result.stdout + ("\n--- stderr ---\n" + result.stderr if result.stderr.strip() else "")
    assert result.returncode == 0, (
        f"integration target {target.name} failed (exit {result.returncode}, {elapsed:.1f}s); "
        f"last lines of ansible-playbook:\n{tail(output)}\n--- emulator ---\n" + "\n".join(list(emulator.output)[-20:])
    )
