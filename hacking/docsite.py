"""Build the documentation site (`make docs`): antsibull-docs + Sphinx, into build/docs.

1. ``antsibull-docs collection --use-current --squash-hierarchy`` writes the RST of every
   module, plugin and role of backupkit.dynamodb (options, examples, return values) and the
   collection's index, as ansible-core sees the collection (the venv's link to this tree).
2. The guides (README, playbooks, roles, fleet, AWX, emulator) stay Markdown in the
   repository; each becomes one page of the site: rendered to HTML with markdown-it-py (already
   in the venv through rich) inside an RST page, links between guides pointing at their pages.
3. ``sphinx-build -b html`` with the Ansible theme (sphinx-ansible-theme) and antsibull-docs'
   Sphinx extension, offline: no intersphinx inventories are fetched.

Run from the repository root: ``python hacking/docsite.py --dest build/docs``.
"""

from __future__ import annotations

import argparse
import html
import os
import posixpath
import re
import shutil
import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COLLECTION = "backupkit.dynamodb"

# (page name, title, Markdown file in the repository), in the order of the site's menu.
GUIDES = [
    ("overview", "Overview: the demo, running the playbooks, setup, make targets", "README.md"),
    ("playbooks", "Playbooks and their variables", "playbooks/README.md"),
    ("roles", "Roles", "roles/README.md"),
    ("fleet", "A fleet of AWS accounts", "docs/fleet.md"),
    ("awx", "AWX and Automation Controller", "docs/awx.md"),
    ("awx_examples", "AWX examples: loading the job templates and the workflow", "examples/awx/README.md"),
    ("emulator", "The local AWS endpoint (emulator)", "docs/emulator.md"),
    ("emulator_reference", "Emulator reference", "emulator/README.md"),
]

CONF_PY = '''# Sphinx configuration of the backupkit.dynamodb docsite (written by hacking/docsite.py).
project = "backupkit.dynamodb"
copyright = "backupkit maintainers"
title = "backupkit.dynamodb"
html_short_title = "backupkit.dynamodb"
extensions = ["sphinx.ext.intersphinx", "sphinx_antsibull_ext"]
pygments_style = "ansible"
highlight_language = "YAML+Jinja"
html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
# Offline: no inventories of other docsites (references to them stay plain text).
intersphinx_mapping = {}
default_role = "any"
nitpicky = False
'''

INDEX_RST = '''.. _docsite_root_index:

backupkit.dynamodb
==================

Put Amazon DynamoDB tables under AWS Backup and keep them there: vaults, plans, resource
assignments, on-demand backups, verified restores and backup guard rails.

.. toctree::
   :maxdepth: 1
   :caption: Guides:

{guides}

.. toctree::
   :maxdepth: 2
   :caption: Reference: modules, plugins and roles

   index_collection

.. toctree::
   :maxdepth: 1
   :caption: Indexes:
   :glob:

   index_*
   environment_variables
'''


def run(*command: str, cwd: Path | None = None) -> None:
    print("==", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def guide_page(source: str, title: str, pages: dict[str, str]) -> str:
    """An RST page holding the Markdown file rendered to HTML, its links rewritten."""
    text = (REPO / source).read_text(encoding="utf-8")
    # The page has its own title: drop the Markdown's first heading.
    text = re.sub(r"\A\s*# [^\n]*\n", "", text, count=1)
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    base = posixpath.dirname(source)

    def link(match: re.Match[str]) -> str:
        href, label = html.unescape(match.group(1)), match.group(2)
        if re.match(r"^[a-z]+:|^#", href):
            return match.group(0)
        path, _, anchor = href.partition("#")
        target = posixpath.normpath(posixpath.join(base, path)) if path else source
        if target in pages:
            return f'<a href="{pages[target]}.html{"#" + anchor if anchor else ""}">{label}</a>'
        # A file of the repository that is no page of the site: its path, as code.
        return label if target in label else f"{label} (<code>{html.escape(target)}</code>)"

    rendered = re.sub(r'<a href="([^"]*)">(.*?)</a>', link, rendered, flags=re.S)
    body = "\n".join("   " + line if line else "" for line in rendered.splitlines())
    return f"{title}\n{'=' * len(title)}\n\n*From* ``{source}`` *in the repository.*\n\n.. raw:: html\n\n{body}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--dest", default="build/docs", help="where the HTML site goes (default build/docs)")
    parser.add_argument("--work", default=".cache/docsite", help="where the RST sources go (default .cache/docsite)")
    args = parser.parse_args(argv)
    dest, work = (REPO / args.dest).resolve(), (REPO / args.work).resolve()
    rst = work / "rst"
    shutil.rmtree(work, ignore_errors=True)
    rst.mkdir(parents=True)
    os.chmod(rst, 0o755)  # antsibull-docs wants a directory only its owner writes to
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".venv" / "collections"))

    run(str(BIN / "antsibull-docs"), "collection", "--use-current", "--squash-hierarchy", "--fail-on-error",
        "--dest-dir", str(rst), COLLECTION)
    # antsibull-docs' own index of the collection becomes one page under ours.
    (rst / "index.rst").rename(rst / "index_collection.rst")

    pages = {source: f"guide_{name}" for name, _, source in GUIDES}
    for name, title, source in GUIDES:
        (rst / f"guide_{name}.rst").write_text(guide_page(source, title, pages), encoding="utf-8")
    (rst / "index.rst").write_text(
        INDEX_RST.format(guides="\n".join(f"   guide_{name}" for name, _, _ in GUIDES)), encoding="utf-8")
    if not (rst / "environment_variables.rst").exists():
        (rst / "index.rst").write_text((rst / "index.rst").read_text().replace("   environment_variables\n", ""))
    (work / "conf.py").write_text(CONF_PY, encoding="utf-8")

    shutil.rmtree(dest, ignore_errors=True)
    run(str(BIN / "sphinx-build"), "-b", "html", "-q", "-c", str(work), str(rst), str(dest))
    modules = sorted(p.name for p in dest.glob("*_module.html"))
    print(f"== docsite: {dest}/index.html ({len(modules)} module pages, "
          f"{len(list(dest.glob('*_role.html')))} role pages, {len(GUIDES)} guides)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
