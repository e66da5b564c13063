"""amazon.aws's own backup_selection integration target, against the emulator, with one change.

The target ships inside the amazon.aws 11.4.0 source tarball kept in the shared vendor folder
(``tests/integration/targets/backup_selection``). This test extracts it at run time into a
temporary directory, changes the module's FQCN ``amazon.aws.backup_selection`` to
``backupkit.dynamodb.backup_selection`` (and nothing else: ``amazon.aws.backup_selection_info``,
the IAM role, vault and plan tasks stay amazon.aws's) and runs it with ansible-playbook, as
tests/integration/test_targets.py runs our own targets, against one emulator. It passes the
variables ansible-test would give an AWS target (``aws_access_key``, ``aws_secret_key``,
``aws_region``, ``tiny_prefix``); the endpoint comes from ``AWS_ENDPOINT_URL``. Nothing of
amazon.aws is copied into this repository. Without the tarball the test is skipped, saying so.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from backupkit_emulator.process import EmulatorProcess

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VENDOR = Path(os.environ.get("BACKUPKIT_VENDOR_DIR", REPO.parent / "shared" / "vendor"))
TARBALL = "amazon-aws-11.4.0.tar.gz"
TARGET = "tests/integration/targets/backup_selection/"
FQCN = re.compile(r"\bamazon\.aws\.backup_selection\b(?!_)")
OURS = "backupkit.dynamodb.backup_selection"
REGION = "us-east-1"
# About 100 tasks and an 8 s pause: 2-3 minutes alone, 11 minutes measured on a machine loaded 15x.
TIMEOUT = 1500


def _runner() -> Any:
    """tests/integration/test_targets.py, for its ansible-playbook environment and playbook."""
    spec = importlib.util.spec_from_file_location("backupkit_integration_runner_aa", Path(__file__).parent / "test_targets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUNNER = _runner()


def tarball() -> Path | None:
    """The vendored amazon.aws tarball: beside the repo (/work/shared/vendor), or under its shared/."""
    for folder in (VENDOR, REPO / "shared" / "vendor", Path("/work/shared/vendor")):
        if (folder / TARBALL).is_file():
            return folder / TARBALL
    return None


def extract_target(archive: Path, roles: Path) -> tuple[Path, int]:
    """Extract the target as role ``backup_selection`` under ``roles``; the FQCN rewritten.

    Returns the role's path and how many module references were changed."""
    role = roles / "backup_selection"
    changed = 0
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.lstrip("./").startswith(TARGET)]
        for member in members:
            relative = member.name.lstrip("./")[len(TARGET):]
            path = role / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if path.suffix in (".yml", ".yaml"):
                text, count = FQCN.subn(OURS, data.decode("utf-8"))
                changed += count
                data = text.encode("utf-8")
            path.write_bytes(data)
    return role, changed


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess() as server:
        yield server


def test_amazon_aws_backup_selection_target_passes_with_only_the_fqcn_changed(
    emulator: EmulatorProcess, tmp_path: Path
) -> None:
    archive = tarball()
    if archive is None:
        pytest.skip(f"{TARBALL} not found in {VENDOR} (amazon.aws's backup_selection target is not run)")
    roles = tmp_path / "roles"
    role, changed = extract_target(archive, roles)
    assert (role / "tasks" / "main.yml").is_file(), f"{TARGET} not in {archive}"
    assert changed >= 10, f"only {changed} references to amazon.aws.backup_selection were rewritten"
    text = (role / "tasks" / "main.yml").read_text(encoding="utf-8")
    assert "amazon.aws.backup_selection:" not in text and "amazon.aws.backup_selection_info:" in text

    collections = RUNNER.link_collection(tmp_path / "collections")
    playbook, inventory = RUNNER.write_playbook(tmp_path, "backup_selection")
    env = RUNNER.ansible_environment(emulator.endpoint, collections)
    env["ANSIBLE_ROLES_PATH"] = str(roles)
    extra_vars = {"aws_access_key": "testing", "aws_secret_key": "testing", "aws_region": REGION,
                  "tiny_prefix": "bkaa", "aws_endpoint_url": emulator.endpoint}
    started = time.monotonic()
    try:
        result = subprocess.run(
            [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), "-e", json.dumps(extra_vars)],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired as timeout:
        partial = (timeout.stdout or b"").decode() if isinstance(timeout.stdout, bytes) else (timeout.stdout or "")
        pytest.fail(f"amazon.aws's backup_selection target did not finish in {TIMEOUT}s; "
                    f"last lines:\n{RUNNER.tail(partial)}")
    output = result.stdout + ("\n--- stderr ---\n" + result.stderr if result.stderr.strip() else "")
    assert result.returncode == 0, (
        f"amazon.aws's backup_selection target failed against the emulator (exit {result.returncode}, "
        f"{time.monotonic() - started:.1f}s):\n{RUNNER.tail(output)}\n--- emulator ---\n"
        + "\n".join(list(emulator.output)[-20:])
    )
    assert "failed=0" in output.rsplit("PLAY RECAP", 1)[-1]
