#!/usr/bin/env python3
"""Write a stand-in for ansible-test's pip bootstrap script where the real one cannot be fetched.

``ansible-test sanity --requirements`` bootstraps pip into each virtual environment it makes
with a ``get-pip`` script that it downloads once into ``~/.ansible/test/cache/``. Machines
that reach the Python package index but not that download host stop there with "does not
have pip available". This script writes, at the cached path, a stand-in that does the same
job from what every Python has: ``ensurepip`` and then ``pip install pip==<version>`` (plus
any packages ansible-test asks for).

ansible-test strips ``PIP_*`` and ``SSL_*`` variables from the environment of its pip calls,
so the stand-in passes ``--cert`` itself, with the CA bundle found now (``PIP_CERT``, then
``pip config get global.cert``).

Nothing is written where the real script can be downloaded, nor over a real script already
in the cache. Run it with the Python that runs ansible-test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

MARKER = "# backupkit: stand-in for the get-pip bootstrap script"
DEFAULT_PIP_VERSION = "24.2"

STANDIN_TEMPLATE = '''{marker}
"""Bootstraps pip like get-pip.py: ensurepip, then pip=={pip_version} and the requested packages."""
import ensurepip
import os
import subprocess
import sys

CERT = {cert!r}
GET_PIP_ONLY = ("--no-setuptools", "--no-wheel", "--no-pip")


def has_pip():
    with open(os.devnull, "wb") as devnull:
        return subprocess.call([sys.executable, "-m", "pip", "--version"], stdout=devnull, stderr=devnull) == 0


def install(args):
    command = [sys.executable, "-m", "pip", "install"]
    if CERT:
        command += ["--cert", CERT]
    return subprocess.call(command + args)


args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
if not any(arg.split("==")[0] == "pip" for arg in args):
    args.append("pip=={pip_version}")
if not has_pip():
    ensurepip.bootstrap(upgrade=True)
status = install(args)
if status:
    # A pip left half-installed (an interrupted run) is repaired from Python's own wheel.
    ensurepip.bootstrap(upgrade=True)
    status = install(["--force-reinstall"] + args)
sys.exit(status)
'''


def ansible_test_setup_source() -> str:
    """The source of ansible-test's bootstrap helper, which names the download URL."""
    import ansible_test

    path = Path(ansible_test.__file__).parent / "_util" / "target" / "setup" / "requirements.py"
    return path.read_text(encoding="utf-8")


def pip_version() -> str:
    """The pip version ansible-test bootstraps for this Python."""
    try:
        from types import SimpleNamespace

        from ansible_test._internal.python_requirements import get_venv_packages

        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        return get_venv_packages(SimpleNamespace(version=version))["pip"]
    except Exception:  # pylint: disable=broad-except  # internal API: fall back to the known version
        return DEFAULT_PIP_VERSION


def download_url(version: str) -> str | None:
    """The URL ansible-test downloads the bootstrap script from, or None if it cannot be found."""
    try:
        source = ansible_test_setup_source()
    except (ImportError, OSError):
        return None
    match = re.search(r"url = '([^']+get-pip-%s\.py)' % pip_version", source)
    return match.group(1) % version if match else None


def cache_path(version: str) -> Path:
    """Where ansible-test looks for the bootstrap script before it downloads it."""
    return Path("~/.ansible/test/cache").expanduser() / f"get_pip_{version.replace('.', '_')}.py"


def reachable(url: str) -> bool:
    """True if the real bootstrap script can be downloaded from here."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as response:
            return 200 <= response.status < 300
    except (OSError, ValueError):
        return False


def ca_bundle() -> str | None:
    """The CA bundle pip uses on this machine: PIP_CERT, else pip's configured global.cert."""
    cert = os.environ.get("PIP_CERT")
    if cert:
        return cert
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.cert"],
            capture_output=True, text=True, check=False, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = result.stdout.strip()
    return value if result.returncode == 0 and value else None


def main() -> int:
    version = pip_version()
    target = cache_path(version)
    if target.exists() and MARKER not in target.read_text(encoding="utf-8", errors="replace"):
        print(f"ansible-test pip bootstrap: real script already cached at {target}")
        return 0
    url = download_url(version)
    if url and reachable(url):
        if target.exists():
            target.unlink()
        print("ansible-test pip bootstrap: the real script can be downloaded; no stand-in written")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    cert = ca_bundle()
    target.write_text(STANDIN_TEMPLATE.format(marker=MARKER, pip_version=version, cert=cert), encoding="utf-8")
    print(f"ansible-test pip bootstrap: stand-in for pip {version} written to {target} (CA bundle: {cert or 'default'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
