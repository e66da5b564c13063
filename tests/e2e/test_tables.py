"""Many tables in one account, end to end through ansible-playbook against one emulator.

Five tables: the walk-through's ``order_transaction`` (the one-table shorthand, policy ``default``),
``orders`` (the shorthand again, with a vault of its own, as issue 12 ran it) and three tables of
``backupkit_tables`` with two policies (``daily`` into one vault, ``weekly`` into another). They
are set up in several runs (the default policy's table, a table with another vault, two tables of
two new policies at once, one table alone into the plan that already protects another), then all
three at once, one of them ``state: absent`` (that table leaves its plan and is kept; nothing else
changes); after every step each table's selection, plan rule and vault are what its policy says and
the other tables' plans and selections are the very same objects as before. Bad inputs in every
variable fail before anything is created, naming the variable (most of them in one playbook that
runs the ``tables`` role once per case, the account read before and after). Issue 12's scenario:
cleanup of ``orders`` keeps everything the others use, ``backup_now`` of a third table still
works, and a day later on the emulator's clock every protected table has exactly the one recovery
point its plan's rule made, in its vault, which still carries the deny statement; the cleaned and
the absent table have none. Cleanup of two more tables keeps the plan and vault a third still uses.
Last, those two are set up again one at a time in the other order (``alpha`` into the plan that
already protects ``beta.orders``, then ``gamma-2026`` alone): every table ends protected exactly as
after the first order.

Runs are made as the README says (``-i inventory/single_account.yml``, from the directory holding
the CSV files, here with ``PWD`` pointing elsewhere), with deprecation warnings on.

The emulator's clock starts on Friday 2026-03-06 06:00 UTC, after every rule's time of day, so no
rule fires until the test moves the clock. The tests run in this order and share its state.
"""

from __future__ import annotations

import copy
import datetime
import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
import yaml
from backupkit_emulator.process import EmulatorProcess
from conftest import integration_runner

pytestmark = pytest.mark.xdist_group("e2e-tables")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
ACCOUNT = "123456789012"
CLOCK_START = "2026-03-06T06:00:00+00:00"  # a Friday; the next day is the weekly policy's SAT
UTC = datetime.timezone.utc
ROLE = "backupkit-dynamodb-backup-role"
DENY_POLICY = "backupkit-dynamodb-deny-backup-deletion"
DENY_SID = "BackupkitDenyRecoveryPointDeletion"
DAILY_VAULT, WEEKLY_VAULT = "tables-daily-vault", "tables-weekly-vault"
DAILY_PLAN, WEEKLY_PLAN = "backupkit-dynamodb-daily", "backupkit-dynamodb-weekly"
DEFAULT_PLAN, ORDERS_PLAN = "backupkit-dynamodb-plan", "backupkit-default-orders-vault"
POLICIES = {
    "daily": {"vault_name": DAILY_VAULT, "frequency": "daily", "window_start_hour": 3},
    "weekly": {"vault_name": WEEKLY_VAULT, "frequency": "weekly", "weekday": "SAT", "window_start_hour": 4,
               "cold_storage_after_days": 0, "delete_after_days": 35},
}
# The policy of each table (default and orders-vault are the shorthand's policy "default")
POLICY_OF = {"alpha": "daily", "beta.orders": "daily", "gamma-2026": "weekly",
             "order_transaction": "default", "orders": "orders-vault"}
SCHEDULES = {"daily": "cron(0 3 ? * * *)", "weekly": "cron(0 4 ? * SAT *)",
             "default": "cron(0 5 ? * * *)", "orders-vault": "cron(0 5 ? * * *)"}
VAULTS = {"daily": DAILY_VAULT, "weekly": WEEKLY_VAULT, "default": "backupkit-dynamodb-vault", "orders-vault": "orders-vault"}
PLANS = {"daily": DAILY_PLAN, "weekly": WEEKLY_PLAN, "default": DEFAULT_PLAN, "orders-vault": ORDERS_PLAN}
# name -> settings; the CSV files are relative paths, resolved against the working directory
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
SAMPLE_ROWS = len((REPO / "data" / "order_data.csv").read_text(encoding="utf-8").splitlines()) - 1
# Outputs of runs that later tests read (the first setup run, for its warnings)
OUTPUTS: dict[str, str] = {}
# The account after the first order (the last test compares the other order's end with it)
STATES: dict[str, dict[str, Any]] = {}


RUNNER = integration_runner()


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--clock-start", CLOCK_START) as server:
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

    def error_line(self) -> str:
        """The first line of the first error ansible-playbook printed."""
        return next((line for line in self.output.splitlines() if line.startswith("[ERROR]")), "")


@pytest.fixture(scope="module")
def env(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    environment = RUNNER.ansible_environment(emulator.endpoint,
                                             RUNNER.link_collection(tmp_path_factory.mktemp("collections")))
    environment.pop("ANSIBLE_ROLES_PATH", None)
    # deprecation warnings on, as a user has them: the runs must not cause any
    environment["ANSIBLE_DEPRECATION_WARNINGS"] = "1"
    # A launcher that leaves PWD elsewhere (AWX, subprocess): relative CSV paths still resolve
    # against the working directory of ansible-playbook, never against $PWD.
    environment["PWD"] = str(REPO / "playbooks")
    return environment


def ansible_playbook(env: dict[str, str], workdir: Path, playbook: str, *arguments: str) -> Result:
    # the inventory the README gives for one account: localhost, no "no inventory" warning
    command = [str(BIN / "ansible-playbook"), "-i", str(REPO / "inventory" / "single_account.yml"), playbook, *arguments]
    completed = subprocess.run(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=1800, check=False)
    return Result(completed)


@pytest.fixture(scope="module")
def play(env: dict[str, str], workdir: Path) -> Any:
    def run(name: str, extra: dict[str, Any] | None = None, *arguments: str) -> Result:
        return ansible_playbook(env, workdir, f"backupkit.dynamodb.{name}",
                                *(["-e", json.dumps(extra)] if extra is not None else []), *arguments)
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


def vault_policy(backup: Any, name: str) -> Any:
    try:
        return json.loads(backup.get_backup_vault_access_policy(BackupVaultName=name)["Policy"])
    except backup.exceptions.ResourceNotFoundException:
        return None


def account(aws: Any) -> dict[str, Any]:
    """Everything a run could create or change, as comparable data."""
    backup, iam, ddb = aws("backup"), aws("iam"), aws("dynamodb")
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
            "id": summary["BackupPlanId"],
            "version": summary["VersionId"],
            "rules": [(r["RuleName"], r["TargetBackupVaultName"], r["ScheduleExpression"], r.get("Lifecycle", {}))
                      for r in plan["Rules"]],
            "selections": selections}
    vaults = {}
    for vault in backup.list_backup_vaults()["BackupVaultList"]:
        name = vault["BackupVaultName"]
        points = backup.list_recovery_points_by_backup_vault(BackupVaultName=name)["RecoveryPoints"]
        vaults[name] = {"access_policy": vault_policy(backup, name),
                        "recovery_points": sorted(p["RecoveryPointArn"] for p in points)}
    tables_ = {}
    for name in ddb.list_tables()["TableNames"]:
        table = ddb.describe_table(TableName=name)["Table"]
        tables_[name] = {"keys": table["KeySchema"], "attributes": table["AttributeDefinitions"],
                         "tags": ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]}
    policies = {}
    for listed in iam.list_policies(Scope="Local")["Policies"]:
        entities = iam.list_entities_for_policy(PolicyArn=listed["Arn"])
        policies[listed["PolicyName"]] = {
            "version": listed["DefaultVersionId"],
            "versions": len(iam.list_policy_versions(PolicyArn=listed["Arn"])["Versions"]),
            "groups": sorted(g["GroupName"] for g in entities["PolicyGroups"]),
            "roles": sorted(r["RoleName"] for r in entities["PolicyRoles"]),
            "users": sorted(u["UserName"] for u in entities["PolicyUsers"])}
    roles = {r["RoleName"]: sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=r["RoleName"])
                                   ["AttachedPolicies"])
             for r in iam.list_roles()["Roles"]}
    settings = backup.describe_region_settings()
    return {
        "tables": tables_, "plans": plans, "vaults": vaults, "roles": roles, "policies": policies,
        "region_settings": {k: settings.get(k) for k in ("ResourceTypeOptInPreference", "ResourceTypeManagementPreference")},
    }


def arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def assert_protected(state: dict[str, Any], *names: str) -> None:
    """Each table has one selection of its own, in its policy's plan, whose one rule is the policy's."""
    for name in names:
        policy = POLICY_OF[name]
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
        # the vault keeps people from deleting its recovery points
        statements = (state["vaults"][VAULTS[policy]]["access_policy"] or {}).get("Statement", [])
        assert DENY_SID in [s.get("Sid") for s in statements], (name, VAULTS[policy])


def same_plans(before: dict[str, Any], after: dict[str, Any], *plans: str) -> None:
    """The plans (their version, rules, selections and selection ids) did not change."""
    for plan in plans:
        assert after["plans"][plan] == before["plans"][plan], plan


def selection_ids(state: dict[str, Any]) -> dict[str, str]:
    return {s: sel["id"] for data in state["plans"].values() for s, sel in data["selections"].items()}


def test_one_table_at_a_time_never_touches_the_others(play: Any, aws: Any) -> None:
    # the walk-through's first command: order_transaction, the sample orders, policy "default"
    result = play("setup")
    ok(result, "setup of order_transaction")
    OUTPUTS["setup"] = result.output
    first = account(aws)
    assert_protected(first, "order_transaction")
    assert f"order_transaction: created, {SAMPLE_ROWS} rows in order_data.csv, {SAMPLE_ROWS} written" in result.output

    # issue 12: the README's example for a second table, another vault
    result = play("setup", None, "-e", "table_name=orders", "-e", "protection_vault_name=orders-vault")
    ok(result, "setup of orders")
    second = account(aws)
    assert_protected(second, "order_transaction", "orders")
    same_plans(first, second, DEFAULT_PLAN)
    assert f"orders: created, {SAMPLE_ROWS} rows in order_data.csv" in result.output
    assert f"policy default, {SCHEDULES['default']}; vault arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:orders-vault" \
        in result.output

    # two tables of two new policies at once
    result = play("setup", tables("gamma-2026", "alpha"))
    ok(result, "setup of gamma and alpha")
    third = account(aws)
    assert_protected(third, "order_transaction", "orders", "alpha", "gamma-2026")
    same_plans(second, third, DEFAULT_PLAN, ORDERS_PLAN)
    assert "alpha: created, 2 rows in alpha.csv, 2 written; policy daily" in result.output
    item = aws("dynamodb").get_item(TableName="alpha", Key={"id": {"S": "a2"}})["Item"]
    assert item == {"id": {"S": "a2"}, "qty": {"N": "5"}, "note": {"S": "second"}}

    # one table alone into the plan that protects alpha: alpha's selection is the very same
    result = play("setup", tables("beta.orders"))
    ok(result, "setup of beta")
    fourth = account(aws)
    assert_protected(fourth, "order_transaction", "orders", "alpha", "beta.orders", "gamma-2026")
    same_plans(third, fourth, DEFAULT_PLAN, ORDERS_PLAN, WEEKLY_PLAN)
    daily_before, daily_after = third["plans"][DAILY_PLAN], fourth["plans"][DAILY_PLAN]
    assert (daily_after["version"], daily_after["rules"]) == (daily_before["version"], daily_before["rules"])
    assert daily_after["selections"]["alpha"] == daily_before["selections"]["alpha"]
    assert "beta.orders: created, 3 rows in beta.csv, 3 written" in result.output
    # beta's CSV has no column types: a one-line note says how to type them
    assert "no backupkit_tables[0].column_types given" in result.output
    STATES["first order"] = fourth


# The upstream warnings a normal setup run prints that the collection cannot avoid (README, "Known
# issues"): amazon.aws's iam_role deprecates a return value on every call, and ansible-core says how
# to silence deprecation warnings whenever one is shown.
UPSTREAM_WARNINGS = (
    "[DEPRECATION WARNING]: In a release after 2026-05-01 iam_role.assume_role_policy_document_raw will no longer",
    "[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False`",
)


def warnings(output: str) -> list[str]:
    return [line for line in output.splitlines()
            if line.startswith(("[WARNING]", "[DEPRECATION WARNING]")) and not line.startswith(UPSTREAM_WARNINGS)]


def test_a_normal_setup_run_prints_no_warning() -> None:
    assert warnings(OUTPUTS.get("setup", "[WARNING]: the first setup did not run")) == []


def test_all_at_once_changes_only_the_table_that_leaves(play: Any, aws: Any) -> None:
    """All three in one run, alpha ``state: absent``: alpha leaves its plan and stays; nothing else changes."""
    before = account(aws)
    result = play("setup", tables("gamma-2026", "beta.orders", "alpha", alpha={"state": "absent"}))
    ok(result, "setup of all three, alpha absent")
    after = account(aws)
    # the one change of the run: alpha's selection is gone (its plan's version, rules and beta's
    # selection, every other plan, vault, table, tag, role and policy are as before)
    assert result.changed() == 1, result.output[-4000:]
    expected = copy.deepcopy(before)
    del expected["plans"][DAILY_PLAN]["selections"]["alpha"]
    assert after == expected
    assert "alpha" in after["tables"]
    assert "alpha: taken out of its plan (state absent; the table and its recovery points stay)" in result.output
    assert "gamma-2026: unchanged, no data loaded" in result.output
    assert "beta.orders: unchanged, 3 rows in beta.csv, 0 written" in result.output
    assert "no backupkit_tables[1].column_types given" in result.output
    assert_protected(after, "beta.orders", "gamma-2026", "order_transaction", "orders")


# Bad inputs, as cases of the tables role: (variables, the words each error says). A case may hold
# several bad inputs: the role reports every problem of a stage at once, one line each.
BAD_INPUTS: list[tuple[dict[str, Any], list[str]]] = [
    # the shape of the two structures (the setup playbook run below: neither a list nor a mapping)
    ({"backupkit_tables": [{"name": "alpha"}, "beta.orders", {"policy": "daily"}],
      "backupkit_policies": {"daily": "cron(0 3 ? * * *)"}},
     ["backupkit_tables[1]: a mapping with at least a name", "backupkit_tables[2]: the name of the table is missing",
      "backupkit_policies.daily: a mapping of settings"]),
    # every setting of a table and of a policy, each wrong in one entry
    ({"backupkit_tables": [
        {"name": "ab", "policy": "daily"},
        {"name": "bad name!", "policy": "daily"},
        {"name": "x" * 256, "policy": "daily"},
        {"name": "dup_table", "policy": "daily"}, {"name": "dup_table", "policy": "daily"},
        {"name": "t_policy", "policy": "hourly"},
        {"name": "t_billing", "billing_mode": "ON_DEMAND"},
        {"name": "t_key_type", "hash_key_type": "S", "range_key_type": "INT"},
        {"name": "t_capacity", "billing_mode": "PROVISIONED", "read_capacity": 0, "write_capacity": "many"},
        {"name": "t_state", "state": "deleted"},
        {"name": "t_tags", "tags": ["Team", "billing"], "csv": ""},
        {"name": "t_types_shape", "column_types": "qty=N"},
        {"name": "t_types", "hash_key": "id", "range_key": "", "csv": "alpha.csv", "column_types": {"qty": "INT"}},
        {"name": "t_typo", "hashkey": "id"},
        {"name": "t_csv", "csv": "missing.csv"},
        {"name": "t_header", "hash_key": "id", "range_key": "", "csv": "bad_header.csv"},
        {"name": "t_columns", "hash_key": "key", "range_key": "", "csv": "bad_header.csv", "column_types": {"price": "N"}},
        {"name": "t_same_keys", "hash_key": "id", "range_key": "id"},
     ], "backupkit_policies": {  # noqa: E121
        "daily": {**POLICIES["daily"], "frequency": "hourly", "window_start_hour": 24, "retention": 7},
        "weekly": {**POLICIES["weekly"], "weekday": "SATURDAY", "vault_name": "weekly vault"},
        "monthly": {"frequency": "monthly", "day_of_month": 31, "cold_storage_after_days": "a month"},
     }},  # noqa: E121
     ['backupkit_tables[0].name: "ab" is not a DynamoDB table name',
      'backupkit_tables[1].name: "bad name!" is not a DynamoDB table name',
      "backupkit_tables[2].name: \"xxxxx", "(it has 256)",
      'backupkit_tables[3].name: "dup_table" appears 2 times in backupkit_tables',
      'backupkit_tables[5].policy: "hourly" is not a policy of backupkit_policies (the policies: default, daily, weekly, monthly)',
      'backupkit_tables[6].billing_mode: PAY_PER_REQUEST or PROVISIONED (got "ON_DEMAND")',
      'backupkit_tables[7].hash_key_type: STRING, NUMBER, BINARY (got "S")',
      'backupkit_tables[7].range_key_type: STRING, NUMBER, BINARY (got "INT")',
      "backupkit_tables[8].read_capacity: a whole number of at least 1 (got 0)",
      'backupkit_tables[8].write_capacity: a whole number of at least 1 (got "many")',
      'backupkit_tables[9].state: present or absent (got "deleted")',
      'backupkit_tables[10].tags: a mapping of tag keys to values',
      'backupkit_tables[11].column_types: a mapping of column names to DynamoDB types',
      "backupkit_tables[12].column_types of t_types: each type one of S, N, B",
      "backupkit_tables[13]: unknown key(s) hashkey",
      "backupkit_tables[14].csv: missing.csv is not a file (a relative path is read from {workdir}",
      "backupkit_tables[15].csv {workdir}/bad_header.csv: its first line names the columns key, qty; it must name the key id",
      "every column of backupkit_tables[16].column_types (price are missing)",
      'backupkit_tables[17].range_key: "id" is the hash_key too',
      'backupkit_policies.daily.frequency: 12h, daily, weekly, monthly (got "hourly")',
      "backupkit_policies.daily.window_start_hour: 0 to 23 (got 24)",
      "backupkit_policies.daily: unknown key(s) retention",
      'backupkit_policies.weekly.weekday: MON, TUE, WED, THU, FRI, SAT, SUN (got "SATURDAY")',
      'backupkit_policies.weekly.vault_name: "weekly vault" is not a backup vault name',
      "backupkit_policies.monthly.day_of_month: 1 to 28, which every month has (got 31)",
      'backupkit_policies.monthly.cold_storage_after_days: whole days, 0 for none (got "a month")']),
    # what only AWS can tell, changing nothing: cron fields, lifecycles, windows, existing keys, principals
    ({"backupkit_tables": [
        {**TABLES["alpha"], "name": "alpha", "hash_key": "other_id", "csv": ""},
        {**TABLES["beta.orders"], "name": "beta.orders", "range_key": "", "csv": ""},
        {**TABLES["gamma-2026"], "name": "gamma-2026", "hash_key_type": "NUMBER"},
        {"name": "delta", "policy": "broken", "csv": ""},
        # a run that would change the plan of the policy default, which protects order_transaction
        {"name": "eta", "policy": "default", "csv": ""},
     ], "protection_window_start_hour": 7, "backupkit_policies": {  # noqa: E121
        **POLICIES,
        "broken": {"vault_name": "broken-vault", "schedule": "cron(99 3 ? * * *)", "start_window_minutes": 30,
                   "cold_storage_after_days": 30, "delete_after_days": 60},
     }, "guard_attach_groups": ["no-such-group"]},  # noqa: E121
     ["table alpha exists with other keys than backupkit_tables[0].hash_key / backupkit_tables[0].range_key",
      "it has id (S) and no sort key, they say other_id (S) and no sort key",
      # removing the sort key is a change of keys too
      "table beta.orders exists with other keys", "it has order_id (S) + line (S), they say order_id (S) and no sort key",
      "table gamma-2026 exists with other keys", "it has id (S) and no sort key, they say id (N) and no sort key",
      "backupkit_policies.broken.schedule 'cron(99 3 ? * * *)': the minutes field '99'",
      "backupkit_policies.broken.delete_after_days (60) must be at least backupkit_policies.broken.cold_storage_after_days + 90 (120)",
      "backupkit_policies.broken.start_window_minutes must be at least 60",
      "guard_attach_groups: no such IAM group no-such-group",
      f"policy default: this run would change the backup plan {DEFAULT_PLAN}", "which also protects order_transaction"]),
    # the one-table shorthand: errors name the -e variables; those of the roles that run later too
    ({"table_name": "delta", "table_hash_key_type": "STR", "table_tags": "Team", "protection_frequency": "hourly",
      "protection_weekday": "Saturday", "protection_tags": "oops", "guard_purge_attachments": "maybe"},
     ["value of table_hash_key_type must be one of: STRING, NUMBER, BINARY, got: STR",
      "argument 'table_tags' is of type str",
      "value of protection_frequency must be one of: 12h, daily, weekly, monthly, got: hourly",
      "value of protection_weekday must be one of: MON, TUE, WED, THU, FRI, SAT, SUN, got: Saturday",
      "argument 'protection_tags' is of type str",
      "argument 'guard_purge_attachments' is of type str and we were unable to convert to bool"]),
    ({"table_name": "delta", "table_csv": "nothing.csv", "table_column_types": "quantity=N",
      "protection_window_start_hour": 25, "protection_day_of_month": 0,
      "guard_exempt_principal_arns": ["break-glass"], "guard_attach_roles": "ops"},
     ["table_csv: nothing.csv is not a file (a relative path is read from {workdir}: {workdir}/nothing.csv)",
      'table_column_types: a mapping of column names to DynamoDB types, for example {"price": "N", "paid": "BOOL"} (got "quantity=N")',
      "protection_window_start_hour: 0 to 23 (got 25)",
      "protection_day_of_month: 1 to 28",
      "guard_exempt_principal_arns: a list of IAM ARNs",
      'guard_attach_roles: a list of IAM role names or ARNs (give lists as JSON']),
]
# The shorthand again, as a caller who may not read the tables (dynamodb:DescribeTable denied): the
# check says so with AWS's reason, never "exists with other keys"; and what AWS Backup would refuse.
DENIED = ({"table_name": "alpha", "table_hash_key": "id", "table_range_key": "", "table_csv": "",
           "protection_schedule": "cron(0 5 ? * MON-FRI 1900)",
           "protection_cold_storage_after_days": 31, "protection_delete_after_days": 100},
          ["table_name: cannot read the table alpha to compare its keys with table_hash_key / range_key",
           "AccessDeniedException",
           "protection_schedule 'cron(0 5 ? * MON-FRI 1900)': the year field '1900'",
           "protection_delete_after_days (100) must be at least protection_cold_storage_after_days + 90 (121)"])


def bad_input_playbook(path: Path, results: Path, cases: list[dict[str, Any]], denied_keys: dict[str, str]) -> None:
    """One play: the tables role once per case (as the setup playbook runs it), its failure message kept."""
    tasks: list[dict[str, Any]] = [{"name": "No result yet", "ansible.builtin.set_fact": {"bad_input_results": {}}}]
    for index, variables in enumerate(cases):
        keep = "{{ bad_input_results | combine({'%d': %s}) }}"
        block: dict[str, Any] = {
            "name": f"Case {index}",
            "block": [
                {"name": f"Case {index}: the tables role", "ansible.builtin.include_role": {"name": "backupkit.dynamodb.tables"},
                 "vars": {"tables_check_guard": True, **variables}},
                {"name": f"Case {index} passed", "ansible.builtin.set_fact": {"bad_input_results": keep % (index, "'PASSED'")}},
            ],
            "rescue": [{"name": f"Case {index} failed", "ansible.builtin.set_fact": {
                "bad_input_results": keep % (index, "ansible_failed_result.msg | default('')")}}],
        }
        if index == len(cases) - 1:
            # the last case runs as an IAM user that may not call dynamodb:DescribeTable (IAM is enforced)
            block["environment"] = denied_keys
        tasks.append(block)
    tasks.append({"name": "Keep the messages", "ansible.builtin.copy": {
        "content": "{{ bad_input_results | to_json }}", "dest": str(results), "mode": "0600"}})
    path.write_text(yaml.safe_dump([{
        "name": "Bad inputs, one case at a time", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}, "tasks": tasks,
    }], sort_keys=False, width=1000), encoding="utf-8")


def iam_enforce(emulator: Any, on: bool) -> None:
    request = urllib.request.Request(f"{emulator.endpoint}/_backupkit/settings", method="POST",
                                     data=json.dumps({"iam_enforce": on}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert json.loads(response.read())["iam_enforce"] is on


def test_a_bad_input_leaves_the_account_unchanged(play: Any, aws: Any, env: dict[str, str], workdir: Path,
                                                  emulator: Any) -> None:
    iam = aws("iam")
    iam.create_user(UserName="no-describe")
    iam.put_user_policy(UserName="no-describe", PolicyName="all-but-describe-table", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:DescribeTable", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="no-describe")["AccessKey"]
    before = account(aws)

    cases = BAD_INPUTS + [DENIED]
    results = workdir / "bad-inputs.json"
    bad_input_playbook(workdir / "bad-inputs.yml", results, [case[0] for case in cases],
                       {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]})
    # IAM enforced for the user of the last case; the emulator's root keys, which the others use, stay unrestricted
    iam_enforce(emulator, True)
    try:
        result = ansible_playbook(env, workdir, str(workdir / "bad-inputs.yml"))
    finally:
        iam_enforce(emulator, False)
    ok(result, "the bad-input playbook")
    messages = json.loads(results.read_text(encoding="utf-8"))
    for index, (variables, words) in enumerate(cases):
        message = messages[str(index)]
        assert message != "PASSED", f"case {index} was accepted: {variables}"
        for word in words:
            word = word.replace("{workdir}", str(workdir.resolve()))
            assert word in message, f"case {index}: {word!r} not in:\n{message}"
        assert message.endswith("Nothing was changed."), message
    assert account(aws) == before

    # Through the setup playbook, as a user runs it: the first line of the error says what is
    # wrong, in the user's variable, and no argument spec is dumped. The tables role's own variable
    # (checked by Ansible when the role starts, with its whole spec) is checked first, with the
    # variables of every other role of the play, before any role runs; then the shapes.
    result = play("setup", {"tables_update_shared_plans": "sometimes",
                            "backupkit_tables": {"alpha": TABLES["alpha"]}, "backupkit_policies": ["daily"]})
    assert result.returncode != 0
    assert result.error_line().startswith(
        "[ERROR]: Task failed: Action failed: argument 'tables_update_shared_plans' is of type str and we were unable to "
        "convert to bool"), result.output[-3000:]
    assert "\nbackupkit_tables: a non-empty list" in result.output
    assert "\nbackupkit_policies: a mapping of policy names to mappings of settings" in result.output
    assert "argument_spec_data" not in result.output and "Validating arguments against arg spec" not in result.output
    result = play("setup", None, "-e", "table_name=delta", "-e", "table_csv=orders.csv")
    assert result.returncode != 0
    assert result.error_line() == (
        f"[ERROR]: Task failed: Action failed: table_csv: orders.csv is not a file (a relative path is read from "
        f"{workdir.resolve()}: {workdir.resolve()}/orders.csv)"), result.output[-3000:]
    assert account(aws) == before


def scheduled_points(aws: Any, state: dict[str, Any]) -> dict[str, list[tuple[str, str, str]]]:
    """Table name -> (vault, plan name, creation time) of every recovery point a plan made."""
    backup = aws("backup")
    plan_names = {data["id"]: name for name, data in state["plans"].items()}
    points: dict[str, list[tuple[str, str, str]]] = {}
    for vault in state["vaults"]:
        for point in backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]:
            plan_id = point.get("CreatedBy", {}).get("BackupPlanId")
            if plan_id:
                points.setdefault(point["ResourceArn"].rsplit("/", 1)[-1], []).append(
                    (vault, plan_names.get(plan_id, plan_id), point["CreationDate"].astimezone(UTC).isoformat()))
    return points


def test_cleanup_of_one_table_leaves_the_others_protected(play: Any, aws: Any, emulator: Any) -> None:
    before = account(aws)
    orders = ("-e", "table_name=orders", "-e", "protection_vault_name=orders-vault")

    dry = play("cleanup", None, *orders)
    ok(dry, "cleanup dry run")
    assert dry.changed() == 0 and account(aws) == before
    assert "nothing was deleted" in dry.output
    assert f"backup plan {ORDERS_PLAN}" in dry.output and "backup vault orders-vault and its 0 recovery point(s)" in dry.output
    assert "DynamoDB tables orders\"" in dry.output  # only what exists: no orders_restored
    assert f"IAM role {ROLE}: the selections" in dry.output

    # issue 12: cleanup of orders removes only what nothing else uses ...
    result = play("cleanup", {"cleanup_confirm": True}, *orders)
    ok(result, "cleanup of orders")
    after = account(aws)
    protected = ("beta.orders", "gamma-2026", "order_transaction")
    assert_protected(after, *protected)
    assert set(after["plans"]) == set(before["plans"]) - {ORDERS_PLAN}
    same_plans(before, after, DAILY_PLAN, WEEKLY_PLAN, DEFAULT_PLAN)
    assert "orders" not in after["tables"] and "orders-vault" not in after["vaults"]
    assert after["roles"] == before["roles"] and after["policies"] == before["policies"]
    assert f"deny policy {DENY_POLICY}: the vaults " in result.output

    # ... so backup_now of a third table still works (issue 12 saw "IAM role ... does not exist"),
    # here alpha, which is out of its plan (state absent) and kept
    result = play("backup_now", tables("alpha"))
    ok(result, "backup_now of alpha")
    [point] = aws("backup").list_recovery_points_by_backup_vault(BackupVaultName=DAILY_VAULT)["RecoveryPoints"]
    assert point["ResourceArn"] == arn("alpha") and point["RecoveryPointArn"] in result.output

    # A day later (Friday 06:0x to Saturday 06:0x) every protected table has exactly the recovery
    # point its plan's rule made, in its policy's vault; orders (cleaned up) and alpha (state
    # absent) have none.
    assert datetime.datetime.fromisoformat(emulator.clock().replace("Z", "+00:00")) < datetime.datetime(
        2026, 3, 7, 3, tzinfo=UTC), "the clock passed a rule's time before the test moved it"
    emulator.advance(86400)
    state = account(aws)
    points = scheduled_points(aws, state)
    assert sorted(points) == sorted(protected), points
    for name in protected:
        [(vault, plan, created)] = points[name]
        policy = POLICY_OF[name]
        assert (vault, plan) == (VAULTS[policy], PLANS[policy]), name
        hour = int(SCHEDULES[policy].split()[1])
        assert created.startswith(f"2026-03-07T{hour:02d}:"), (name, created)
    assert_protected(state, *protected)

    # Cleanup of two tables of two policies: the weekly plan and vault go; the daily plan and vault
    # stay for beta.orders, the role and the deny policy for everyone left.
    result = play("cleanup", {**tables("gamma-2026", "alpha"), "cleanup_confirm": True})
    ok(result, "cleanup of gamma and alpha")
    final = account(aws)
    assert_protected(final, "beta.orders", "order_transaction")
    assert set(final["plans"]) == {DAILY_PLAN, DEFAULT_PLAN}
    same_plans(state, final, DAILY_PLAN, DEFAULT_PLAN)
    assert set(final["vaults"]) == {DAILY_VAULT, VAULTS["default"]}
    assert "alpha" not in final["tables"] and "gamma-2026" not in final["tables"]
    assert ROLE in final["roles"] and DENY_POLICY in final["policies"]
    assert f"backup vault {WEEKLY_VAULT} and its 1 recovery point(s)" in result.output
    assert f"backup plan {DAILY_PLAN}: it still has selections of other tables" in result.output
    assert f"backup vault {DAILY_VAULT}: the backup plans {DAILY_PLAN} back up into it" in result.output
    assert f"IAM role {ROLE}: the selections" in result.output


def protection(state: dict[str, Any], *names: str) -> dict[str, Any]:
    """What each table is and what protects it: keys, tags, plan, rules, selection, vault access policy."""
    shape = {}
    for name in names:
        [(plan, selection)] = [(p, sel) for p, data in state["plans"].items() for s, sel in data["selections"].items()
                               if arn(name) in sel["resources"]]
        rules = state["plans"][plan]["rules"]
        shape[name] = {"table": state["tables"][name], "plan": plan, "rules": rules,
                       "selection": (selection["resources"], selection["role"]),
                       "vaults": {rule[1]: state["vaults"][rule[1]]["access_policy"] for rule in rules}}
    return shape


def test_the_other_order_one_at_a_time_ends_the_same(play: Any, aws: Any) -> None:
    """alpha (into the plan that protects beta.orders), then gamma-2026 (its plan and vault anew)."""
    before = account(aws)
    result = play("setup", tables("alpha"))
    ok(result, "setup of alpha again")
    middle = account(aws)
    assert_protected(middle, "alpha", "beta.orders", "order_transaction")
    same_plans(before, middle, DEFAULT_PLAN)
    daily_before, daily_after = before["plans"][DAILY_PLAN], middle["plans"][DAILY_PLAN]
    assert (daily_after["version"], daily_after["rules"]) == (daily_before["version"], daily_before["rules"])
    assert daily_after["selections"]["beta.orders"] == daily_before["selections"]["beta.orders"]
    assert "alpha: created, 2 rows in alpha.csv, 2 written; policy daily" in result.output

    result = play("setup", tables("gamma-2026"))
    ok(result, "setup of gamma again")
    last = account(aws)
    assert_protected(last, "alpha", "beta.orders", "gamma-2026", "order_transaction")
    same_plans(middle, last, DAILY_PLAN, DEFAULT_PLAN)
    assert "gamma-2026: created, no data loaded; policy weekly, cron(0 4 ? * SAT *)" in result.output
    # the same protection, table for table, as after the first order
    names = ("alpha", "beta.orders", "gamma-2026", "order_transaction")
    assert protection(last, *names) == protection(STATES["first order"], *names)
