"""Many tables in one account, end to end through ansible-playbook against one emulator.

Three tables, two protection policies (``daily`` into one vault, ``weekly`` into another):
set up one at a time in varying order, then all at once, then again (nothing changes); after
every step each table's selection, plan rule and vault are what its policy says and the other
tables' selections are the very same objects as before. A bad input in any variable fails
before anything is created (the account is listed before and after) and names the variable.
``state: absent`` takes one table out of its plan and keeps it; cleanup of one table leaves the
other two fully protected and says what it kept and why.

The tests run in this order and share the emulator's state.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from backupkit_emulator.process import EmulatorProcess

pytestmark = pytest.mark.xdist_group("e2e-tables")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
ROLE = "backupkit-dynamodb-backup-role"
DENY_POLICY = "backupkit-dynamodb-deny-backup-deletion"
DAILY_VAULT, WEEKLY_VAULT = "tables-daily-vault", "tables-weekly-vault"
DAILY_PLAN, WEEKLY_PLAN = "backupkit-dynamodb-daily", "backupkit-dynamodb-weekly"
POLICIES = {
    "daily": {"vault_name": DAILY_VAULT, "frequency": "daily", "window_start_hour": 3},
    "weekly": {"vault_name": WEEKLY_VAULT, "frequency": "weekly", "weekday": "SAT", "window_start_hour": 4,
               "cold_storage_after_days": 0, "delete_after_days": 35},
}
SCHEDULES = {"daily": "cron(0 3 ? * * *)", "weekly": "cron(0 4 ? * SAT *)"}
VAULTS = {"daily": DAILY_VAULT, "weekly": WEEKLY_VAULT}
PLANS = {"daily": DAILY_PLAN, "weekly": WEEKLY_PLAN}
# name -> (policy, csv rows); the CSV files are relative paths, resolved against the working directory
TABLES = {
    "alpha": {"policy": "daily", "hash_key": "id", "range_key": "", "csv": "alpha.csv", "column_types": {"qty": "N"}},
    "beta.orders": {"policy": "daily", "hash_key": "order_id", "range_key": "line", "csv": "beta.csv"},
    "gamma-2026": {"policy": "weekly", "hash_key": "id", "range_key": "", "csv": ""},
}
CSV = {
    "alpha.csv": "id,qty,note\na1,3,first\na2,5,second\n",
    "beta.csv": "order_id,line,sku\no1,1,X\no1,2,Y\no2,1,Z\n",
    "bad_header.csv": "key,qty\nk1,1\n",
}


def _integration_runner() -> Any:
    path = REPO / "tests" / "integration" / "test_targets.py"
    spec = importlib.util.spec_from_file_location("backupkit_integration_runner_tables", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUNNER = _integration_runner()


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess() as server:
        yield server


@pytest.fixture(scope="module")
def aws(emulator: Any) -> Any:
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=emulator.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    return client


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the user runs ansible-playbook from: the CSV files are there, named relatively."""
    directory = tmp_path_factory.mktemp("user")
    for name, text in CSV.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


class Result:
    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.returncode = completed.returncode
        self.output = completed.stdout + "\n--- stderr ---\n" + completed.stderr

    def changed(self) -> int:
        recap = self.output.rsplit("PLAY RECAP", 1)[-1]
        return int(recap.split("changed=", 1)[1].split()[0])


@pytest.fixture(scope="module")
def play(emulator: Any, tmp_path_factory: pytest.TempPathFactory, workdir: Path) -> Any:
    env = RUNNER.ansible_environment(emulator.endpoint, RUNNER.link_collection(tmp_path_factory.mktemp("collections")))
    env.pop("ANSIBLE_ROLES_PATH", None)
    env["PWD"] = str(workdir)

    def run(name: str, extra: dict[str, Any]) -> Result:
        command = [str(BIN / "ansible-playbook"), f"backupkit.dynamodb.{name}", "-e", json.dumps(extra)]
        completed = subprocess.run(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                   text=True, timeout=1800, check=False)
        return Result(completed)
    return run


def tables(*names: str, **changes: dict[str, Any]) -> dict[str, Any]:
    """Extra vars declaring the named tables (with per-table changes) and both policies."""
    entries = []
    for name in names:
        declared = TABLES.get(name, {"policy": "daily", "hash_key": "id", "range_key": "", "csv": ""})
        entry = {"name": name, **declared, **changes.get(name.replace(".", "_").replace("-", "_"), {})}
        entries.append(entry)
    return {"backupkit_tables": entries, "backupkit_policies": POLICIES}


def ok(result: Result, what: str) -> None:
    assert result.returncode == 0, f"{what} failed:\n{result.output[-6000:]}"


def account(aws: Any) -> dict[str, Any]:
    """Everything a run could create, as comparable data."""
    backup, iam = aws("backup"), aws("iam")
    plans = {}
    for summary in backup.list_backup_plans()["BackupPlansList"]:
        plan = backup.get_backup_plan(BackupPlanId=summary["BackupPlanId"])["BackupPlan"]
        selections = {}
        for listed in backup.list_backup_selections(BackupPlanId=summary["BackupPlanId"])["BackupSelectionsList"]:
            selection = backup.get_backup_selection(BackupPlanId=summary["BackupPlanId"],
                                                    SelectionId=listed["SelectionId"])["BackupSelection"]
            selections[listed["SelectionName"]] = {
                "id": listed["SelectionId"], "resources": selection["Resources"],
                "role": selection["IamRoleArn"].rsplit("/", 1)[-1]}
        plans[summary["BackupPlanName"]] = {
            "version": summary["VersionId"],
            "rules": [(r["RuleName"], r["TargetBackupVaultName"], r["ScheduleExpression"], r.get("Lifecycle", {}))
                      for r in plan["Rules"]],
            "selections": selections}
    return {
        "tables": sorted(aws("dynamodb").list_tables()["TableNames"]),
        "plans": plans,
        "vaults": sorted(v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]),
        "roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"]),
        "policies": sorted(p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]),
    }


def arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:123456789012:table/{name}"


def assert_protected(state: dict[str, Any], *names: str) -> None:
    """Each table has one selection of its own, in its policy's plan, whose one rule is the policy's."""
    for name in names:
        policy = TABLES[name]["policy"]
        plan = state["plans"].get(PLANS[policy])
        assert plan is not None, f"{name}: no plan {PLANS[policy]}: {state['plans'].keys()}"
        assert [rule[:3] for rule in plan["rules"]] == [("scheduled", VAULTS[policy], SCHEDULES[policy])], name
        assert plan["selections"][name]["resources"] == [arn(name)], name
        assert plan["selections"][name]["role"] == ROLE
        assert name in state["tables"] and VAULTS[policy] in state["vaults"]
        # covered exactly once in the account: no other selection names the table
        covering = [(p, s) for p, data in state["plans"].items() for s, sel in data["selections"].items()
                    if arn(name) in sel["resources"]]
        assert covering == [(PLANS[policy], name)], covering


def selection_ids(state: dict[str, Any]) -> dict[str, str]:
    return {s: sel["id"] for data in state["plans"].values() for s, sel in data["selections"].items()}


def test_one_table_at_a_time_never_touches_the_others(play: Any, aws: Any) -> None:
    ok(play("setup", tables("gamma-2026")), "setup gamma")
    state = account(aws)
    assert_protected(state, "gamma-2026")
    assert set(state["plans"]) == {WEEKLY_PLAN} and state["vaults"] == [WEEKLY_VAULT]

    result = play("setup", tables("alpha"))
    ok(result, "setup alpha")
    after = account(aws)
    assert_protected(after, "alpha", "gamma-2026")
    assert after["plans"][WEEKLY_PLAN] == state["plans"][WEEKLY_PLAN]  # same version, same selection ids
    assert "alpha: created, 2 rows in alpha.csv, 2 written; policy daily" in result.output
    item = aws("dynamodb").get_item(TableName="alpha", Key={"id": {"S": "a2"}})["Item"]
    assert item == {"id": {"S": "a2"}, "qty": {"N": "5"}, "note": {"S": "second"}}


def test_all_at_once_then_again_changes_nothing(play: Any, aws: Any) -> None:
    before = account(aws)
    result = play("setup", tables("alpha", "beta.orders", "gamma-2026"))
    ok(result, "setup of all three")
    after = account(aws)
    assert_protected(after, "alpha", "beta.orders", "gamma-2026")
    for name in ("alpha", "gamma-2026"):
        assert selection_ids(after)[name] == selection_ids(before)[name]
    assert after["plans"][WEEKLY_PLAN] == before["plans"][WEEKLY_PLAN]
    assert "beta.orders: created, 3 rows in beta.csv, 3 written" in result.output
    assert "alpha: unchanged" in result.output
    # beta's CSV has no column types: a one-line note says how to type them
    assert "no backupkit_tables[1].column_types given" in result.output
    assert "alpha: no backupkit_tables[0].column_types" not in result.output

    again = play("setup", tables("gamma-2026", "beta.orders", "alpha"))
    ok(again, "second setup of all three")
    assert again.changed() == 0, again.output[-4000:]
    assert account(aws) == after


BAD_INPUTS = [
    (tables("alpha", "ab"), "backupkit_tables[1].name: \"ab\" is not a DynamoDB table name"),
    ({**tables("alpha"), "backupkit_policies": {**POLICIES, "daily": {**POLICIES["daily"], "schedule": "cron(99 3 ? * * *)"}}},
     "backupkit_policies.daily.schedule 'cron(99 3 ? * * *)': the minutes field '99'"),
    ({**tables("alpha"), "backupkit_policies": {**POLICIES, "daily": {**POLICIES["daily"], "window_start_hour": 24}}},
     "backupkit_policies.daily.window_start_hour 0 to 23 (got 24)"),
    ({"backupkit_tables": [{"name": "delta", "hash_key": "id", "range_key": "", "csv": "bad_header.csv"}]},
     "backupkit_tables[0].csv "),
    ({"backupkit_tables": [{"name": "delta", "hash_key": "key", "range_key": "", "csv": "bad_header.csv",
                            "column_types": {"price": "N"}}]},
     "every column of backupkit_tables[0].column_types (price are missing)"),
    (tables("alpha", alpha={"hash_key": "other_id", "csv": ""}), "table alpha exists with other keys"),
    # the one-table shorthand: errors name the -e variables
    ({"table_name": "delta", "table_csv": "bad_header.csv"}, "table_csv "),
    ({"table_name": "delta", "table_csv": "", "guard_exempt_principal_arns": ["break-glass"]},
     "guard_exempt_principal_arns must be a list of IAM ARNs"),
    ({"table_name": "delta", "table_csv": "", "protection_schedule": "cron(0 5 ? * MON-FRI 1900)"},
     "protection_schedule 'cron(0 5 ? * MON-FRI 1900)': the year field '1900'"),
]


def test_a_bad_input_leaves_the_account_unchanged(play: Any, aws: Any) -> None:
    before = account(aws)
    for extra, words in BAD_INPUTS:
        result = play("setup", extra)
        assert result.returncode != 0, f"{extra} was accepted"
        assert words in result.output, f"{words!r} not in:\n{result.output[-3000:]}"
        assert account(aws) == before, f"{extra} changed the account"


def test_a_shared_plan_is_not_changed_by_a_run_for_one_of_its_tables(play: Any, aws: Any) -> None:
    before = account(aws)
    changed = {**tables("alpha"), "backupkit_policies": {**POLICIES, "daily": {**POLICIES["daily"], "window_start_hour": 6}}}
    result = play("setup", changed)
    assert result.returncode != 0
    assert "which also protects beta.orders" in result.output, result.output[-3000:]
    assert account(aws) == before


def test_state_absent_takes_one_table_out_of_its_plan_and_keeps_it(play: Any, aws: Any) -> None:
    before = account(aws)
    result = play("setup", tables("alpha", "beta.orders", "gamma-2026", beta_orders={"state": "absent"}))
    ok(result, "setup with beta absent")
    after = account(aws)
    assert "beta.orders" not in after["plans"][DAILY_PLAN]["selections"]
    assert "beta.orders" in after["tables"]
    assert_protected(after, "alpha", "gamma-2026")
    assert after["plans"][WEEKLY_PLAN] == before["plans"][WEEKLY_PLAN]
    ok(play("setup", tables("beta.orders")), "setup of beta again")
    assert_protected(account(aws), "alpha", "beta.orders", "gamma-2026")


def test_cleanup_of_one_table_leaves_the_others_protected(play: Any, aws: Any) -> None:
    job = aws("backup").start_backup_job(BackupVaultName=DAILY_VAULT, ResourceArn=arn("alpha"),
                                         IamRoleArn=f"arn:aws:iam::123456789012:role/{ROLE}")
    deadline = time.monotonic() + 60
    while aws("backup").describe_backup_job(BackupJobId=job["BackupJobId"])["State"] != "COMPLETED":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    before = account(aws)

    dry = play("cleanup", tables("gamma-2026"))
    ok(dry, "cleanup dry run")
    assert dry.changed() == 0 and account(aws) == before
    assert "nothing was deleted" in dry.output
    assert f"backup plan {WEEKLY_PLAN}" in dry.output and f"backup vault {WEEKLY_VAULT} and its 0 recovery point(s)" in dry.output
    assert "DynamoDB tables gamma-2026\"" in dry.output  # only what exists: no gamma-2026_restored
    assert f"IAM role {ROLE}: the selections" in dry.output

    result = play("cleanup", {**tables("gamma-2026"), "cleanup_confirm": True})
    ok(result, "cleanup of gamma")
    after = account(aws)
    assert_protected(after, "alpha", "beta.orders")
    assert after["plans"] == {DAILY_PLAN: before["plans"][DAILY_PLAN]}
    assert after["vaults"] == [DAILY_VAULT] and "gamma-2026" not in after["tables"]
    assert ROLE in after["roles"] and DENY_POLICY in after["policies"]
    assert f"deny policy {DENY_POLICY}: the vaults {DAILY_VAULT} remain" in result.output

    # alpha next: the daily plan and its vault stay for beta (with alpha's recovery point in it)
    result = play("cleanup", {**tables("alpha"), "cleanup_confirm": True})
    ok(result, "cleanup of alpha")
    final = account(aws)
    assert_protected(final, "beta.orders")
    assert list(final["plans"][DAILY_PLAN]["selections"]) == ["beta.orders"]
    assert f"backup plan {DAILY_PLAN}: it still has selections of other tables" in result.output
    assert f"backup vault {DAILY_VAULT}: the backup plans {DAILY_PLAN} back up into it" in result.output
