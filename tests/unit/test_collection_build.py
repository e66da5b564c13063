"""The collection tarball holds collection content only, and installs.

Builds the work tree with ``ansible-galaxy collection build`` into a temporary directory,
checks the tarball's members against galaxy.yml, then installs it into a temporary
collections path (offline: amazon.aws and community.aws come from the Python environment)
and asks ansible-doc for every module from the installed copy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

# One build of the tarball serves every test here: one pytest-xdist worker takes them all.
pytestmark = pytest.mark.xdist_group("collection-build")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Paths of the work tree that are tools, not collection content (top-level names).
NOT_CONTENT = {
    ".venv", ".cache", ".ci", ".git", ".notes", ".ansible", ".pytest_cache", ".ansible-lint",
    "emulator", "benchmarks", "hacking", "build", "dist",
    "Makefile", "ansible.cfg", "pytest.ini", "conftest.py", "requirements-dev.txt", "constraints-dev.txt",
}


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def galaxy() -> dict:
    return yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory, galaxy: dict) -> Path:
    out = tmp_path_factory.mktemp("build")
    run(str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(REPO), cwd=out)
    path = out / f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    assert path.is_file(), f"no tarball at {path}: {sorted(p.name for p in out.iterdir())}"
    return path


@pytest.fixture(scope="module")
def members(tarball: Path) -> list[str]:
    with tarfile.open(tarball) as tar:
        return [m.name.removeprefix("./") for m in tar.getmembers()]


def test_tarball_leaves_out_tools_and_build_output(members: list[str]) -> None:
    """Nothing that is a tool, the emulator, a venv, a cache or a build product ships."""
    leaked = sorted(
        m for m in members
        if m.split("/")[0] in NOT_CONTENT
        or "__pycache__" in m.split("/")
        or m.endswith((".pyc", ".tar.gz"))
        or m.startswith("tests/output")
    )
    assert leaked == []


def test_tarball_holds_the_collection(members: list[str], galaxy: dict) -> None:
    """MANIFEST.json (made from galaxy.yml), meta/, plugins/, docs and changelogs ship."""
    for required in ("MANIFEST.json", "FILES.json", "README.md", "COPYING", "meta/runtime.yml",
                     "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
                     "changelogs/config.yaml", "changelogs/changelog.yaml"):
        assert required in members
    modules = sorted(p.name for p in (REPO / "plugins" / "modules").glob("*.py"))
    assert modules, "the collection has no module yet"
    for module in modules:
        assert f"plugins/modules/{module}" in members


def test_manifest_carries_galaxy_metadata(tarball: Path, galaxy: dict) -> None:
    """The dependencies and license users' ansible-galaxy resolves come from galaxy.yml."""
    with tarfile.open(tarball) as tar:
        extracted = tar.extractfile("MANIFEST.json")
        assert extracted is not None
        info = json.load(extracted)["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("backupkit", "dynamodb", galaxy["version"])
    assert info["dependencies"] == galaxy["dependencies"]
    assert set(info["dependencies"]) == {"amazon.aws", "community.aws"}
    assert info["license"] == ["GPL-3.0-or-later"]


def test_tarball_installs_and_modules_resolve(tarball: Path, tmp_path: Path) -> None:
    """ansible-galaxy installs the tarball offline, and ansible-doc documents each module from it."""
    target = tmp_path / "collections"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["ANSIBLE_COLLECTIONS_PATH"] = str(target)
    run(str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(target), str(tarball),
        cwd=tmp_path, env=env)
    installed = target / "ansible_collections" / "backupkit" / "dynamodb"
    assert (installed / "MANIFEST.json").is_file()
    listing = run(str(BIN / "ansible-doc", ), "-t", "module", "-l", "backupkit.dynamodb", "--json",
                  cwd=tmp_path, env=env)
    found = set(json.loads(listing.stdout))
    expected = {f"backupkit.dynamodb.{p.stem}" for p in (installed / "plugins" / "modules").glob("*.py")}
    assert expected and found == expected
    for name in sorted(expected):
        doc = json.loads(run(str(BIN / "ansible-doc"), "--json", name, cwd=tmp_path, env=env).stdout)
        assert doc[name]["doc"]["filename"].startswith(str(installed))
