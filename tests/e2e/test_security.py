"""No secret on the controller's disk or command lines, even when a fleet run is killed.

A small fleet (two member accounts of an emulated AWS Organization, each with
``OrganizationAccountAccessRole``) is set up through AssumeRole, as in test_fleet.py. The run is
killed twice in the middle of a module, once with SIGKILL and once with SIGTERM (at -vvv both
times), then run to its end (at -vvv). Every secret the emulator issued for AssumeRole
(``/_backupkit-iam/sessions``) and the controller's own secret key are then searched for in every file
under the account's ``~/.ansible``, ANSIBLE_REMOTE_TMP, ANSIBLE_LOCAL_TEMP, the test's directory
and ``/tmp``, in the command lines of every process seen while the modules ran, and in the
output of every run. The last run must also have set up both accounts: a re-run after a kill
ends exactly where an uninterrupted run does.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from backupkit_emulator.process import EmulatorProcess

pytestmark = pytest.mark.xdist_group("e2e-security")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
ROLE = "OrganizationAccountAccessRole"
ACCOUNTS = ("sec-01", "sec-02")
RUN_TIMEOUT = 900
# The controller's own keys: unknown to the emulator, so they act as the management account's
# root, and distinctive, so a copy of the secret key anywhere is found.
CONTROLLER_KEY = "AKIACONTROLLER0000001"
CONTROLLER_SECRET = f"controller-secret-{uuid.uuid4().hex}"
# Modules of the collection that call AWS (their AnsiballZ file is on disk while they run).
AWS_MODULES = ("backup_", "ddb_", "dynamodb", "iam_", "kms_")
MAX_FILE_BYTES = 20 * 1024 * 1024
CSV = "order_id,item_id,customer_id,quantity,price,status\nORD-1,ITEM-1,C-1,2,9.99,DELIVERED\n"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess() as server:
        yield server


def client(emulator: EmulatorProcess, service: str) -> Any:
    return boto3.client(service, endpoint_url=emulator.endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorProcess) -> Path:
    """An organization with two member accounts, the inventory, a collections path, temp dirs."""
    org = client(emulator, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    unit = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    for name in ACCOUNTS:
        account = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=unit)
    directory = tmp_path_factory.mktemp("security")
    (directory / "orders.csv").write_text(CSV, encoding="utf-8")
    (directory / "fleet.aws_accounts.yml").write_text(
        f"plugin: backupkit.dynamodb.aws_accounts\nendpoint_url: {emulator.endpoint}\n"
        f"organizational_units:\n  - Workloads\nregions:\n  - {REGION}\n",
        encoding="utf-8",
    )
    link = directory / "collections" / "ansible_collections" / "backupkit" / "dynamodb"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    for name in ("remote_tmp", "local_tmp", "home"):
        (directory / name).mkdir()
    return directory


def environment(emulator: EmulatorProcess, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "BACKUPKIT_"))}
    env.update(
        AWS_ENDPOINT_URL=emulator.endpoint,
        AWS_ACCESS_KEY_ID=CONTROLLER_KEY,
        AWS_SECRET_ACCESS_KEY=CONTROLLER_SECRET,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        HOME=str(workdir / "home"),  # ~/.ansible/backupkit (the generated AWS config files) lands here
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(workdir / "collections"),
        ANSIBLE_REMOTE_TMP=str(workdir / "remote_tmp"),
        ANSIBLE_LOCAL_TEMP=str(workdir / "local_tmp"),
        ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def command(workdir: Path) -> list[str]:
    return [str(BIN / "ansible-playbook"), "backupkit.dynamodb.setup", "-vvv", "--forks", str(len(ACCOUNTS)),
            "-i", str(workdir / "fleet.aws_accounts.yml"), "-e", "backupkit_hosts=aws_accounts",
            "-e", f"table_csv={workdir / 'orders.csv'}"]


def running_aws_module(remote_tmp: Path) -> Path | None:
    """An AnsiballZ file of one of the collection's AWS modules, while that module runs."""
    for path in remote_tmp.glob("**/AnsiballZ_*.py"):
        if any(part in path.name for part in AWS_MODULES):
            return path
    return None


def command_lines() -> str:
    return subprocess.run(["ps", "-eww", "-o", "args="], capture_output=True, text=True, check=False).stdout


def module_processes(remote_tmp: Path) -> list[str]:
    return [line for line in command_lines().splitlines() if str(remote_tmp) in line]


@pytest.fixture(scope="module")
def runs(emulator: EmulatorProcess, workdir: Path) -> dict[str, Any]:
    """SIGKILL, then SIGTERM, in the middle of a module; then a run to the end. Outputs and ps lines."""
    env = environment(emulator, workdir)
    outputs, listings, killed_in = {}, [], {}
    for name, sig in (("sigkill", signal.SIGKILL), ("sigterm", signal.SIGTERM)):
        log = workdir / f"{name}.log"
        with log.open("w", encoding="utf-8") as stream:
            process = subprocess.Popen(command(workdir), cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                       stdout=stream, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + RUN_TIMEOUT
            module = None
            while module is None and process.poll() is None and time.monotonic() < deadline:
                module = running_aws_module(workdir / "remote_tmp")
                time.sleep(0.05)
            assert module is not None, f"no AWS module ran before the end:\n{log.read_text()[-3000:]}"
            listings.append(command_lines())
            process.send_signal(sig)  # the controller's main process only, as the OOM killer or kill(1) does
            process.wait(timeout=120)
            killed_in[name] = module.name
            # Modules already started run on to their end (docs/security.md): wait for them.
            while module_processes(workdir / "remote_tmp") and time.monotonic() < deadline:
                listings.append(command_lines())
                time.sleep(0.2)
        outputs[name] = log.read_text(encoding="utf-8", errors="replace")
    sessions_before = len(issued_secrets(emulator)) // 2
    final = subprocess.run(command(workdir), cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=RUN_TIMEOUT, check=False)
    outputs["final"] = final.stdout + final.stderr
    assume_roles = len(issued_secrets(emulator)) // 2 - sessions_before
    aws_tasks = len([line for line in outputs["final"].splitlines()  # -vvv shows each module's EXEC line
                     if " EXEC " in line and "AWS_CONFIG_FILE=" in line and "AnsiballZ_" in line])
    print(f"full run: {assume_roles} AssumeRole calls for {len(ACCOUNTS)} accounts, {aws_tasks} AWS module runs")
    return {"outputs": outputs, "listings": listings, "killed_in": killed_in, "final": final,
            "assume_roles": assume_roles}


def issued_secrets(emulator: EmulatorProcess) -> list[str]:
    """Every secret key and session token the emulator gave out for AssumeRole."""
    with urllib.request.urlopen(emulator.endpoint + "/_backupkit-iam/sessions", timeout=120) as response:
        sessions = json.loads(response.read())["sessions"]
    return [s[key] for s in sessions for key in ("secret_access_key", "session_token") if s.get(key)]


def search_roots(workdir: Path) -> list[Path]:
    account_home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    roots = [workdir, account_home / ".ansible", Path(os.environ.get("HOME", str(account_home))) / ".ansible",
             Path("/tmp")]
    return [root for root in dict.fromkeys(roots) if root.exists()]


def files_holding(secrets: list[str], roots: list[Path]) -> dict[str, list[str]]:
    """{file: [the start of each secret it holds]} for every readable regular file under roots."""
    needles = [secret.encode() for secret in secrets]
    found: dict[str, list[str]] = {}
    for root in roots:
        for directory, _subdirs, names in os.walk(root, onerror=lambda error: None):
            for name in names:
                path = os.path.join(directory, name)
                try:
                    if not os.path.isfile(path) or os.path.islink(path) or os.path.getsize(path) > MAX_FILE_BYTES:
                        continue
                    with open(path, "rb") as handle:
                        content = handle.read()
                except OSError:
                    continue
                hits = [needle.decode()[:12] for needle in needles if needle in content]
                if hits:
                    found[path] = hits
    return found


def test_a_killed_run_leaves_no_secret_on_disk_or_in_a_command_line(
    runs: dict[str, Any], emulator: EmulatorProcess, workdir: Path,
) -> None:
    secrets = issued_secrets(emulator)
    # AssumeRole did happen, inside the modules (the session role checks the profile, every module assumes)
    assert len(secrets) >= 2 * 2 * len(ACCOUNTS), f"only {len(secrets) // 2} AssumeRole sessions"
    assert runs["killed_in"]["sigkill"] and runs["killed_in"]["sigterm"]
    secrets.append(CONTROLLER_SECRET)

    # the search finds what it looks for (a planted copy), so an empty result means something
    planted = workdir / "remote_tmp" / "planted.txt"
    planted.write_text(f"x{secrets[0]}x", encoding="utf-8")
    assert str(planted) in files_holding(secrets[:1], [workdir])
    planted.unlink()

    assert files_holding(secrets, search_roots(workdir)) == {}
    for listing in runs["listings"]:
        assert not [secret[:12] for secret in secrets if secret in listing]
    for name, output in runs["outputs"].items():
        assert not [secret[:12] for secret in secrets if secret in output], f"a secret in the {name} run's output"
    # the generated AWS config files hold the role to assume and no key
    configs = list((workdir / "home" / ".ansible" / "backupkit").glob("*.config"))
    assert len(configs) == len(ACCOUNTS)
    for config in configs:
        text = config.read_text(encoding="utf-8")
        assert f":role/{ROLE}\n" in text and "credential_source = Environment" in text
        assert "aws_secret_access_key" not in text and "aws_session_token" not in text
        assert oct(config.stat().st_mode & 0o777) == "0o600"


def test_the_run_after_the_kills_sets_up_every_account(runs: dict[str, Any], emulator: EmulatorProcess) -> None:
    final = runs["final"]
    assert final.returncode == 0, runs["outputs"]["final"][-5000:]
    for name in ACCOUNTS:
        assert f"{name}-{REGION}" in final.stdout or name in final.stdout
    org = client(emulator, "organizations")
    accounts = [a for a in org.list_accounts()["Accounts"] if a["Name"] in ACCOUNTS]
    assert len(accounts) == len(ACCOUNTS)
    sts = client(emulator, "sts")
    for account in accounts:
        keys = sts.assume_role(RoleArn=f"arn:aws:iam::{account['Id']}:role/{ROLE}",
                               RoleSessionName="check")["Credentials"]
        backup = boto3.client("backup", endpoint_url=emulator.endpoint, region_name=REGION,
                              aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                              aws_session_token=keys["SessionToken"])
        vaults = [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]]
        plans = [p["BackupPlanName"] for p in backup.list_backup_plans()["BackupPlansList"]]
        assert vaults == ["backupkit-dynamodb-vault"], account
        assert plans == ["backupkit-dynamodb-plan"], account
