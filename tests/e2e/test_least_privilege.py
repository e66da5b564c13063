"""The published IAM policies (docs/iam/*.json) are enough for the playbooks, and every statement is needed.

One emulator with ``--iam-enforce``. Its root keys create three IAM users from the JSON files:
``deployer`` (backupkit-deployer + backupkit-operator), ``operator`` (backupkit-operator) and
``auditor`` (backupkit-auditor), and opt DynamoDB out of AWS Backup (so that setup must opt it
in). Then, each as its user: setup (deployer), backup_now, restore and drill (operator), cleanup
with cleanup_confirm (deployer); every run must pass without one denied request. The deployer's
policies are a superset of the operator's, so its own backup_now/restore/drill follow.

Every statement is needed: the emulator records which statements allowed each request
(``/_backupkit-iam/decisions``), and every statement of each policy must be the only statement
that allowed at least one request of its user (without it, that request would be denied). A
literal check backs this: the operator without ``PassBackupRole`` cannot run backup_now. The auditor's policy (for the protection
report) is checked against every request the journey made, with SimulatePrincipalPolicy: it
allows every Describe/List/Get request, and nothing else (no data read, no write).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from backupkit_emulator.process import EmulatorProcess

pytestmark = [
    pytest.mark.xdist_group("e2e-least-privilege"),
    # Not yet seen passing in one full run (issue 17): on the loaded 2-core machine the journey took
    # over 30 minutes and the drill run failed once without its output kept (alone, drill as the
    # operator passed). Run it with BACKUPKIT_E2E_LEAST_PRIVILEGE=1 until it has passed in CI.
    pytest.mark.skipif(not os.environ.get("BACKUPKIT_E2E_LEAST_PRIVILEGE"),
                       reason="set BACKUPKIT_E2E_LEAST_PRIVILEGE=1 (not yet validated in one full run)"),
]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
POLICIES = REPO / "docs" / "iam"
GROUP = "developers"
PLAYBOOK_TIMEOUT = 900
READ_VERBS = re.compile(r"^[a-z0-9-]+:(Describe|List|Get)")


def _integration_runner() -> Any:
    path = REPO / "tests" / "integration" / "test_targets.py"
    spec = importlib.util.spec_from_file_location("backupkit_integration_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUNNER = _integration_runner()


def policy(name: str) -> dict[str, Any]:
    return json.loads((POLICIES / f"backupkit-{name}.json").read_text(encoding="utf-8"))


def without(document: dict[str, Any], sid: str) -> dict[str, Any]:
    smaller = copy.deepcopy(document)
    smaller["Statement"] = [s for s in smaller["Statement"] if s["Sid"] != sid]
    assert len(smaller["Statement"]) == len(document["Statement"]) - 1, sid
    return smaller


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--iam-enforce") as server:
        yield server


@pytest.fixture(scope="module")
def root(emulator: EmulatorProcess) -> Any:
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=emulator.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    return client


@pytest.fixture(scope="module")
def users(root: Any) -> dict[str, dict[str, str]]:
    """Access keys of every user; the policies are customer managed policies named as the files."""
    iam = root("iam")
    iam.create_group(GroupName=GROUP)
    arns = {}
    for name in ("deployer", "operator", "auditor"):
        arns[name] = iam.create_policy(PolicyName=f"backupkit-{name}",
                                       PolicyDocument=json.dumps(policy(name)))["Policy"]["Arn"]
    variants = {
        "operator-without-PassBackupRole": without(policy("operator"), "PassBackupRole"),
    }
    for name, document in variants.items():
        arns[name] = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    attached = {
        "deployer": ["deployer", "operator"],
        "operator": ["operator"],
        "auditor": ["auditor"],
        "operator-minus": ["operator-without-PassBackupRole"],
    }
    keys = {}
    for user, names in attached.items():
        iam.create_user(UserName=user)
        for name in names:
            iam.attach_user_policy(UserName=user, PolicyArn=arns[name])
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    # A fresh account: DynamoDB is not opted in to AWS Backup yet, setup must do it.
    root("backup").update_region_settings(ResourceTypeOptInPreference={"DynamoDB": False})
    return keys


def decisions(emulator: EmulatorProcess, method: str) -> Any:
    request = urllib.request.Request(emulator.endpoint + "/_backupkit-iam/decisions", method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def play(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory, users: dict[str, Any]) -> Any:
    """Run a playbook as a user; (exit status, output, the requests recorded during the run)."""
    env = RUNNER.ansible_environment(emulator.endpoint, RUNNER.link_collection(tmp_path_factory.mktemp("coll")))
    env.pop("ANSIBLE_ROLES_PATH", None)

    def run(user: str, name: str, extra: dict[str, Any] | None = None) -> tuple[int, str, list[dict[str, Any]]]:
        decisions(emulator, "POST")
        command = [str(BIN / "ansible-playbook"), f"backupkit.dynamodb.{name}", "-e", json.dumps(extra or {})]
        started = time.monotonic()
        try:
            done = subprocess.run(command, cwd=REPO, env={**env, **users[user]}, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
            returncode, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as expired:  # one stuck run fails its own test, not the others
            partial = expired.stdout or b""
            partial = partial.decode(errors="replace") if isinstance(partial, bytes) else partial
            returncode, output = None, f"timed out after {PLAYBOOK_TIMEOUT}s:\n{partial}"
        recorded = decisions(emulator, "GET")["decisions"]
        print(f"{name} as {user}: exit {returncode} in {time.monotonic() - started:.0f}s, {len(recorded)} requests")
        return returncode, output, recorded
    return run


@pytest.fixture(scope="module")
def journey(play: Any) -> dict[str, list[dict[str, Any]]]:
    """The journey under the published policies, and a literal remove-one-statement run."""
    runs: dict[str, Any] = {}
    for user, name, extra in (
        ("deployer", "setup", {"guard_attach_groups": [GROUP]}),
        ("operator", "backup_now", None),
        ("operator", "restore", None),
        ("operator", "drill", None),
        ("operator-minus", "backup_now", None),
        ("deployer", "cleanup", {"cleanup_confirm": True}),
    ):
        runs[f"{name} as {user}"] = play(user, name, extra)
    return runs


PASSING = ["setup as deployer", "backup_now as operator", "restore as operator", "drill as operator",
           "cleanup as deployer"]


@pytest.mark.parametrize("run", PASSING)
def test_the_playbook_passes_with_only_the_published_policy(journey: dict[str, Any], run: str) -> None:
    returncode, output, recorded = journey[run]
    assert returncode == 0, f"{run} failed:\n{output[-5000:]}"
    denied = [(d["action"], d["resource"]) for d in recorded if not d["allowed"]]
    assert denied == [], f"{run}: requests denied (and tolerated) under the published policy: {denied}"
    assert recorded, f"{run}: no request was authorised (was --iam-enforce on?)"


def test_the_journey_did_the_work(root: Any) -> None:
    """cleanup removed what setup made; DynamoDB was opted in by setup (UpdateRegionSettings)."""
    settings = root("backup").describe_region_settings()
    assert settings["ResourceTypeOptInPreference"]["DynamoDB"] is True
    assert root("dynamodb").list_tables()["TableNames"] == []
    assert root("backup").list_backup_vaults()["BackupVaultList"] == []


@pytest.mark.parametrize("name,user", [("deployer", "deployer"), ("operator", "operator")])
def test_every_statement_is_the_only_allower_of_some_request(journey: dict[str, Any], name: str, user: str) -> None:
    sole: dict[str, list[str]] = {}
    for run in PASSING:
        for decision in journey[run][2]:
            if not decision["caller"].endswith(f":user/{user}") or not decision["allowed"]:
                continue
            allowers = {(s["policy"], s["sid"]) for s in decision["statements"]}
            if len(allowers) == 1:
                (policy_name, sid), = allowers
                sole.setdefault(f"{policy_name}/{sid}", []).append(f"{decision['action']} {decision['resource']}")
    statements = {f"backupkit-{name}/{s['Sid']}" for s in policy(name)["Statement"]}
    unneeded = sorted(statements - set(sole))
    assert unneeded == [], f"statements that never were the only allower of a request: {unneeded}"


@pytest.mark.parametrize("run,action", [
    ("backup_now as operator-minus", "iam:PassRole"),
])
def test_without_a_statement_the_playbook_fails(journey: dict[str, Any], run: str, action: str) -> None:
    returncode, output, recorded = journey[run]
    assert returncode != 0, f"{run} passed without the statement:\n{output[-3000:]}"
    denied = [d["action"] for d in recorded if not d["allowed"]]
    assert denied and denied[0].startswith(action), denied
    assert "AccessDenied" in output


def test_the_auditor_reads_every_setting_and_nothing_else(journey: dict[str, Any], root: Any) -> None:
    requests = sorted({(d["action"], d["resource"]) for run in PASSING for d in journey[run][2]})
    auditor = root("iam").get_user(UserName="auditor")["User"]["Arn"]
    wrong = []
    for action, resource in requests:
        result = root("iam").simulate_principal_policy(
            PolicySourceArn=auditor, ActionNames=[action], ResourceArns=[resource])["EvaluationResults"][0]
        allowed = result["EvalDecision"] == "allowed"
        if allowed != bool(READ_VERBS.match(action)):
            wrong.append((action, resource, result["EvalDecision"]))
    assert wrong == []
