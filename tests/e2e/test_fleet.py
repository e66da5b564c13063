"""Roll setup out to a fleet of AWS accounts of the emulator, through AssumeRole.

One emulator (``backupkit-emulator --port 0``) for the module. Its default account
(123456789012) creates an AWS Organization with OUs and member accounts; every member gets
``OrganizationAccountAccessRole`` trusting the management account (as on AWS, and as the
emulator does), except one, whose role is deleted (like an account invited into the
organization, which has no such role). The inventory plugin ``backupkit.dynamodb.aws_accounts``
lists the fleet from the emulator; ``ansible-playbook backupkit.dynamodb.setup`` runs on all of it
with ``--forks 8`` and the ``backupkit.dynamodb.fleet_report`` callback, and the report must say:
every good account ok with a vault and a plan in its own account, the bad one failed alone with
STS's AccessDenied; and a second run changes nothing anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from backupkit_emulator.process import EmulatorProcess as Emulator
from conftest import collections_path

# The tests of this file share one emulator and run in order: one pytest-xdist worker takes them all.
pytestmark = pytest.mark.xdist_group("e2e-fleet")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
ROLE = "OrganizationAccountAccessRole"
# Good accounts in the fleet (half in each OU): BACKUPKIT_E2E_FLEET_ACCOUNTS, 4 by default; the
# amazon.aws 11 leg runs a smaller fleet.
GOOD_ACCOUNTS = int(os.environ.get("BACKUPKIT_E2E_FLEET_ACCOUNTS", "4"))
FORKS = 8
RUN_TIMEOUT = 900
SETUP = "backupkit.dynamodb.setup"
TINY_CSV = (
    "order_id,item_id,customer_id,quantity,price,status\n"
    "ORD-1,ITEM-1,C-1,2,9.99,DELIVERED\n"
    "ORD-1,ITEM-2,C-1,1,4.50,DELIVERED\n"
    "ORD-2,ITEM-1,C-2,3,7.25,SHIPPED\n"
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    server = Emulator()
    server.wait_ready()
    try:
        yield server
    finally:
        server.stop()


def client(emulator: Emulator, service: str, credentials: dict[str, str] | None = None) -> Any:
    keys = (
        dict(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
             aws_session_token=credentials["SessionToken"])
        if credentials else dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    )
    return boto3.client(service, endpoint_url=emulator.endpoint, region_name=REGION, **keys)


@pytest.fixture(scope="module")
def fleet(emulator: Emulator) -> dict[str, Any]:
    """An organization: Workloads/{Prod,Dev} with GOOD_ACCOUNTS good accounts and one without the role.

    (Every account costs the emulator a second or two: it loads AWS's managed IAM policies
    into each account. The OU, tag and account filters are covered by the unit tests.)"""
    org = client(emulator, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    workloads = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    units = {name: org.create_organizational_unit(ParentId=workloads, Name=name)["OrganizationalUnit"]["Id"]
             for name in ("Prod", "Dev")}

    def create(name: str, parent: str) -> str:
        account = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
        return account

    good = {create(f"shop-{n:02d}", units["Prod" if n % 2 else "Dev"]): f"shop-{n:02d}"
            for n in range(1, GOOD_ACCOUNTS + 1)}
    bad = create("invited", units["Prod"])
    org.create_organizational_unit(ParentId=root, Name="Sandbox")  # outside the inventory's OU

    # The invited account has no OrganizationAccountAccessRole.
    access = client(emulator, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{bad}:role/{ROLE}", RoleSessionName="bootstrap")["Credentials"]
    client(emulator, "iam", access).delete_role(RoleName=ROLE)
    return {"good": good, "bad": bad, "bad_name": "invited"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, emulator: Emulator) -> Path:
    """The tiny CSV, the fleet inventory (the emulator as its endpoint_url) and a collections path."""
    directory = tmp_path_factory.mktemp("fleet")
    (directory / "orders.csv").write_text(TINY_CSV, encoding="utf-8")
    (directory / "fleet.aws_accounts.yml").write_text(
        "plugin: backupkit.dynamodb.aws_accounts\n"
        f"endpoint_url: {emulator.endpoint}\n"
        "organizational_units:\n  - Workloads\n"
        f"regions:\n  - {REGION}\n",
        encoding="utf-8",
    )
    link = directory / "collections" / "ansible_collections" / "backupkit" / "dynamodb"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    return directory


def environment(emulator: Emulator, workdir: Path, report_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "BACKUPKIT_"))}
    env.update(
        AWS_ENDPOINT_URL=emulator.endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=collections_path(workdir / "collections"),
        ANSIBLE_CALLBACKS_ENABLED="backupkit.dynamodb.fleet_report",
        BACKUPKIT_REPORT_DIR=str(report_dir),
        BACKUPKIT_REPORT_NAME="fleet",
        # An inventory that cannot be read fails the run instead of leaving no hosts to run on.
        ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def run_setup(emulator: Emulator, workdir: Path, name: str) -> tuple[dict[str, Any], str, float]:
    """Run setup on the fleet; the report, the output and the seconds it took."""
    report_dir = workdir / name
    command = [
        str(BIN / "ansible-playbook"), SETUP, "-i", str(workdir / "fleet.aws_accounts.yml"),
        "--forks", str(FORKS), "-e", "backupkit_hosts=aws_accounts", "-e", f"table_csv={workdir / 'orders.csv'}",
    ]
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=workdir, env=environment(emulator, workdir, report_dir), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
    )
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    report_file = report_dir / "fleet.json"
    assert report_file.is_file(), f"no report after {elapsed:.0f}s (exit {result.returncode}):\n{output[-6000:]}"
    assert (report_dir / "fleet.md").is_file()
    # One unreachable-free failing host: ansible-playbook exits 2 (some host failed).
    assert result.returncode == 2, f"exit {result.returncode}:\n{output[-6000:]}"
    return json.loads(report_file.read_text(encoding="utf-8")), output, elapsed


def changed_task_lines(output: str) -> str:
    """The TASK headers and 'changed:' lines of an ansible-playbook output (what changed where)."""
    lines, task = [], ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line
        elif line.startswith("changed:"):
            lines += [task, line[:300]]
    return "\n".join(lines)


def plain(value: dict[str, Any]) -> Any:
    """ansible-inventory marks inventory plugin values unsafe (never templated): unwrap them."""
    return value["__ansible_unsafe"] if set(value) == {"__ansible_unsafe"} else value


def account_of(arn: str | None) -> str | None:
    return arn.split(":")[4] if arn else None


def rows_by_account(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["account_id"]: row for row in report["hosts"]}


@pytest.fixture(scope="module")
def first_run(emulator: Emulator, fleet: dict[str, Any], workdir: Path) -> tuple[dict[str, Any], str, float]:
    return run_setup(emulator, workdir, "first")


def test_the_inventory_lists_the_fleet(emulator: Emulator, fleet: dict[str, Any], workdir: Path) -> None:
    """Every ACTIVE account under Workloads (not the management account) is a host.

    The inventory reaches the emulator through its endpoint_url option alone."""
    env = environment(emulator, workdir, workdir / "unused")
    del env["AWS_ENDPOINT_URL"]
    result = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(workdir / "fleet.aws_accounts.yml"), "--list"],
        cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0 and "Failed to parse" not in result.stderr, result.stderr
    inventory = json.loads(result.stdout, object_hook=plain)
    hostvars = inventory["_meta"]["hostvars"]
    expected = {**fleet["good"], fleet["bad"]: fleet["bad_name"]}
    assert sorted(hostvars) == sorted(expected.values())
    for account, name in expected.items():
        host = hostvars[name]
        assert host["aws_account_id"] == account
        assert host["backupkit_assume_role_arn"] == f"arn:aws:iam::{account}:role/{ROLE}"
        assert host["backupkit_region"] == REGION
        assert host["ansible_connection"] == "local"
    assert sorted(inventory["aws_accounts"]["hosts"]) == sorted(expected.values())
    assert sorted(inventory["ou_Workloads"]["children"]) == ["ou_Workloads_Dev", "ou_Workloads_Prod"]
    assert len(inventory["ou_Workloads_Prod"]["hosts"]) == GOOD_ACCOUNTS // 2 + 1
    assert not [group for group in inventory if "Sandbox" in group]


def test_setup_reaches_every_good_account_and_the_bad_one_fails_alone(
    first_run: tuple[dict[str, Any], str, float], fleet: dict[str, Any],
) -> None:
    report, output, elapsed = first_run
    rows = rows_by_account(report)
    assert sorted(rows) == sorted([*fleet["good"], fleet["bad"]]), output[-4000:]
    for account in fleet["good"]:
        row = rows[account]
        assert row["status"] == "ok", f"{row}\n{output[-4000:]}"
        assert row["changed"] > 0
        assert account_of(row["vault_arn"]) == account, row
        assert account_of(row["plan_arn"]) == account, row
        assert row["last_error"] is None
    bad = rows[fleet["bad"]]
    assert bad["status"] == "failed"
    assert bad["vault_arn"] is None and bad["plan_arn"] is None
    assert f"Cannot assume arn:aws:iam::{fleet['bad']}:role/{ROLE}" in bad["last_error"]
    assert "AccessDenied" in bad["last_error"]
    assert report["summary"] == {
        "hosts": GOOD_ACCOUNTS + 1, "ok": GOOD_ACCOUNTS, "failed": 1, "unreachable": 0, "not_run": 0,
        "changed": sum(row["changed"] for row in report["hosts"]),
    }
    print(f"first run: {elapsed:.1f}s")


def test_the_markdown_report_has_a_row_per_account(
    first_run: tuple[dict[str, Any], str, float], fleet: dict[str, Any], workdir: Path,
) -> None:
    markdown = (workdir / "first" / "fleet.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"# {first_run[0]['playbook']}: {GOOD_ACCOUNTS} ok, 1 failed, 0 unreachable")
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table) == 2 + GOOD_ACCOUNTS + 1  # the header and its rule, then one row per account
    bad_row = next(line for line in table if fleet["bad"] in line)
    assert "| failed |" in bad_row and "AccessDenied" in bad_row


def test_a_second_run_changes_nothing(
    first_run: tuple[dict[str, Any], str, float], emulator: Emulator, fleet: dict[str, Any], workdir: Path,
) -> None:
    report, output, elapsed = run_setup(emulator, workdir, "second")
    rows = rows_by_account(report)
    first = rows_by_account(first_run[0])
    changed_tasks = changed_task_lines(output)
    for account in fleet["good"]:
        row = rows[account]
        assert (row["status"], row["changed"]) == ("ok", 0), f"{row}\nchanged:\n{changed_tasks}"
        assert (row["vault_arn"], row["plan_arn"]) == (first[account]["vault_arn"], first[account]["plan_arn"])
    assert rows[fleet["bad"]]["status"] == "failed"
    print(f"second run: {elapsed:.1f}s")
