#!/usr/bin/env python3
"""Lay out the collection where ansible-test can test it and print that directory.

ansible-test needs the collection at a path ending in
``ansible_collections/<namespace>/<name>``. This copies the files that ship (git's tracked
and untracked-but-not-ignored files, less galaxy.yml's ``build_ignore``) into
``<dest>/ansible_collections/backupkit/dynamodb``, makes that copy its own git work tree
(ansible-test lists a collection's files with git, and the copy sits inside our ignored
``.cache/``), and links the collections we depend on (amazon.aws, community.aws, from the
Python that runs this) beside it, where ansible-test's import and validate-modules tests
look for them.

Usage: sanity_tree.py [--dest .cache]
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def galaxy() -> dict:
    """The collection's galaxy.yml."""
    return yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))


# What ansible-galaxy's build leaves out whatever galaxy.yml says (ansible-core 2.19).
ALWAYS_IGNORED = ["MANIFEST.json", "FILES.json", "galaxy.yml", "galaxy.yaml", ".git", "*.pyc", "*.retry", "tests/output"]
IGNORED_DIR_NAMES = {"CVS", ".bzr", ".hg", ".git", ".svn", "__pycache__", ".tox"}


def ignored(path: str, patterns: list[str]) -> bool:
    """True if ansible-galaxy's build leaves this file out: as galaxy does, each pattern is
    matched (fnmatch) against the path relative to the collection root of the file and of
    every folder holding it, and some folder names are always left out."""
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        candidate = "/".join(parts[:depth])
        if depth < len(parts) and parts[depth - 1] in IGNORED_DIR_NAMES:
            return True
        if any(fnmatch.fnmatch(candidate, pattern) for pattern in patterns):
            return True
    return False


def source_files() -> list[str]:
    """Files of the work tree: tracked and untracked-but-not-ignored, as git sees them."""
    if not (ROOT / ".git").exists():
        found = []
        for directory, subdirs, names in os.walk(ROOT):
            subdirs[:] = [d for d in subdirs if d not in {".git", ".venv", ".cache"}]
            found += [os.path.relpath(os.path.join(directory, n), ROOT) for n in names]
        return sorted(found)
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode()
    return sorted(p for p in out.split("\0") if p and (ROOT / p).is_file())


def copy_collection(dest: Path, files: list[str]) -> None:
    """Copy the files into a fresh dest directory."""
    if dest.exists():
        shutil.rmtree(dest)
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    subprocess.run(["git", "init", "-q", str(dest)], check=True)


def link_dependencies(collections_root: Path, names: list[str]) -> None:
    """Link each dependency collection (namespace.name) from the running Python's ansible_collections."""
    for name in names:
        namespace, collection = name.split(".")
        module = __import__(f"ansible_collections.{namespace}.{collection}", fromlist=["__name__"])
        source = Path(list(module.__path__)[0])
        link = collections_root / namespace / collection
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(source, target_is_directory=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=str(ROOT / ".cache"), help="where ansible_collections/ goes")
    args = parser.parse_args(argv)
    meta = galaxy()
    collections_root = Path(args.dest).resolve() / "ansible_collections"
    dest = collections_root / meta["namespace"] / meta["name"]
    patterns = ALWAYS_IGNORED + [f"{meta['namespace']}-{meta['name']}-*.tar.gz"] + list(meta.get("build_ignore", []))
    # galaxy.yml stays: ansible-test reads the collection's metadata from it.
    files = [f for f in source_files() if f == "galaxy.yml" or not ignored(f, patterns)]
    copy_collection(dest, files)
    link_dependencies(collections_root, sorted(meta.get("dependencies", {})))
    print(dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
