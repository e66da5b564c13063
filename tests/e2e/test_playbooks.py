"""The collection's playbooks, end to end, against one emulator: the journey a user takes.

setup (twice: the second run changes nothing), backup_now, restore (compared with the source
table), drill, cleanup without cleanup_confirm (lists, deletes nothing), cleanup with it
(everything gone); then cleanup in front of a locked vault (the vault and its recovery point are
kept, the run fails and says why). The tests run in this order and share the emulator's state.

Each playbook is run as a user runs it, ``ansible-playbook -i inventory/single_account.yml
backupkit.dynamodb.<name>`` from the repository root, with the emulator as AWS_ENDPOINT_URL; what
it did is checked with boto3. The first setup prints no warning.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
import yaml
from backupkit_emulator.process import EmulatorProcess
from conftest import collections_path as e2e_collections_path, integration_runner

# The tests of this file share one emulator and run in order: one pytest-xdist worker takes them all.
pytestmark = pytest.mark.xdist_group("e2e-playbooks")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
PLAYBOOK_TIMEOUT = 900
INVENTORY = REPO / "inventory" / "single_account.yml"

TABLE = "order_transaction"
RESTORED = "order_transaction_restored"
DRILL_TABLE = "order_transaction_drill"
VAULT = "backupkit-dynamodb-vault"
PLAN = "backupkit-dynamodb-plan"
SELECTION = TABLE  # a selection per table, named from the table
ROLE = "backupkit-dynamodb-backup-role"
POLICY = "backupkit-dynamodb-deny-backup-deletion"
GROUP = "developers"
CSV_ROWS = len((REPO / "data" / "order_data.csv").read_text(encoding="utf-8").splitlines()) - 1
MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
}
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)", re.MULTILINE,
)


RUNNER = integration_runner()


class Result:
    def __init__(self, completed: subprocess.CompletedProcess[str], seconds: float) -> None:
        self.returncode = completed.returncode
        self.output = completed.stdout + ("\n--- stderr ---\n" + completed.stderr if completed.stderr.strip() else "")
        self.seconds = seconds

    def recap(self) -> dict[str, dict[str, int]]:
        """PLAY RECAP counters per host (the last recap when there are several)."""
        text = self.output.rsplit("PLAY RECAP", 1)[-1]
        return {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"} for m in RECAP.finditer(text)}

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


# Module scope, not the runner's session scope: this file's tests drive one emulator through
# ordered playbook runs.
@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess() as server:
        yield server


@pytest.fixture(scope="module")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return RUNNER.link_collection(tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="module")
def aws(emulator: Any) -> Any:
    """boto3 clients of the emulator: aws('dynamodb')."""
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=emulator.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    return client


@pytest.fixture(scope="module")
def play(emulator: Any, collections_path: Path, aws: Any) -> Any:
    """Run ansible-playbook backupkit.dynamodb.<name> with extra vars; the Result."""
    env = RUNNER.ansible_environment(emulator.endpoint, collections_path)
    env.pop("ANSIBLE_ROLES_PATH", None)
    env["ANSIBLE_COLLECTIONS_PATH"] = e2e_collections_path(collections_path)
    aws("iam").create_group(GroupName=GROUP)

    def run(name: str, *extra_vars: dict[str, Any]) -> Result:
        # the README's inventory for one account: localhost, no "No inventory was parsed" warning
        command = [str(BIN / "ansible-playbook"), "-i", str(INVENTORY), f"backupkit.dynamodb.{name}"]
        for extra in extra_vars:
            command += ["-e", json.dumps(extra)]
        started = time.monotonic()
        completed = subprocess.run(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                   text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
        return Result(completed, time.monotonic() - started)
    return run


def passed(result: Result, name: str) -> None:
    assert result.returncode == 0, f"{name} failed (exit {result.returncode}, {result.seconds:.0f}s):\n{result.tail()}"


def table_names(aws: Any) -> set[str]:
    return set(aws("dynamodb").list_tables()["TableNames"])


def recovery_points(aws: Any, vault: str = VAULT) -> list[dict[str, Any]]:
    return aws("backup").list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]


def deny_policy(aws: Any) -> dict[str, Any] | None:
    policies = aws("iam").list_policies(Scope="Local")["Policies"]
    return next((p for p in policies if p["PolicyName"] == POLICY), None)


ROLES = ["table", "protection", "guard", "backup_now", "restore", "cleanup"]
PLAYBOOKS = ["setup", "backup_now", "restore", "drill", "cleanup", "report"]


@pytest.mark.parametrize("role", ROLES)
def test_role_documents_every_variable_with_its_default(role: str) -> None:
    """meta/argument_specs.yml names every variable of defaults/main.yml, with the same default."""
    defaults = yaml.safe_load((REPO / "roles" / role / "defaults" / "main.yml").read_text(encoding="utf-8"))
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    options = specs["argument_specs"]["main"]["options"]
    assert set(options) == set(defaults)
    for name, value in defaults.items():
        assert name.startswith(role + "_"), name
        assert options[name].get("default") == value, name
        assert options[name].get("description"), name


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_playbook_follows_the_conventions(name: str) -> None:
    """hosts from backupkit_hosts, local connection, every role's variables checked before any role runs (one
    line naming the variable, no argument spec dumped), the session role first, the module_defaults group."""
    plays = yaml.safe_load((REPO / "playbooks" / f"{name}.yml").read_text(encoding="utf-8"))
    for play in plays:
        assert play["hosts"] == "{{ backupkit_hosts | default('localhost') }}"
        assert play["connection"] == "local" and play["gather_facts"] is False
        arguments = {"name": "backupkit.dynamodb.tables", "tasks_from": "arguments"}
        assert play["pre_tasks"][0]["ansible.builtin.include_role"] == arguments
        assert play["roles"][0]["role"] == "backupkit.dynamodb.session"
        assert set(play["module_defaults"]["group/backupkit.dynamodb.aws"]) == {
            "region", "profile", "access_key", "secret_key", "session_token"}
        assert play["environment"] == "{{ session_environment | default({}) }}"


SETUP_VARS = {"guard_attach_groups": [GROUP]}


def test_setup_creates_the_table_the_protection_and_the_guard(play: Any, aws: Any) -> None:
    result = play("setup", SETUP_VARS)
    passed(result, "setup")
    # a normal run as the README gives it prints no warning (none of ansible-core's "No inventory
    # was parsed" / "provided hosts list is empty"; deprecation warnings are off here, test_tables has them on)
    assert [line for line in result.output.splitlines() if line.startswith("[WARNING]")] == [], result.tail()

    count = aws("dynamodb").scan(TableName=TABLE, Select="COUNT")["Count"]
    assert count == CSV_ROWS
    vault = aws("backup").describe_backup_vault(BackupVaultName=VAULT)
    plans = [p for p in aws("backup").list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == PLAN]
    assert len(plans) == 1
    plan = aws("backup").get_backup_plan(BackupPlanId=plans[0]["BackupPlanId"])["BackupPlan"]
    rule = plan["Rules"][0]
    assert rule["TargetBackupVaultName"] == VAULT
    assert rule["ScheduleExpression"] == "cron(0 5 ? * * *)"
    assert rule["Lifecycle"] == {"MoveToColdStorageAfterDays": 31, "DeleteAfterDays": 366}
    selections = aws("backup").list_backup_selections(BackupPlanId=plans[0]["BackupPlanId"])["BackupSelectionsList"]
    assert [s["SelectionName"] for s in selections] == [SELECTION]
    selection = aws("backup").get_backup_selection(
        BackupPlanId=plans[0]["BackupPlanId"], SelectionId=selections[0]["SelectionId"])["BackupSelection"]
    assert selection["Resources"] == [f"arn:aws:dynamodb:{REGION}:123456789012:table/{TABLE}"]
    assert selection["IamRoleArn"].endswith(f":role/{ROLE}")
    attached = aws("iam").list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert {p["PolicyArn"] for p in attached} == MANAGED_POLICIES
    settings = aws("backup").describe_region_settings()
    assert settings["ResourceTypeOptInPreference"]["DynamoDB"] is True
    assert settings["ResourceTypeManagementPreference"]["DynamoDB"] is True
    policy = deny_policy(aws)
    assert policy is not None
    groups = aws("iam").list_entities_for_policy(PolicyArn=policy["Arn"])["PolicyGroups"]
    assert [g["GroupName"] for g in groups] == [GROUP]
    vault_policy = json.loads(aws("backup").get_backup_vault_access_policy(BackupVaultName=VAULT)["Policy"])
    assert "BackupkitDenyRecoveryPointDeletion" in [s.get("Sid") for s in vault_policy["Statement"]]
    assert vault["BackupVaultName"] == VAULT


def test_setup_again_changes_nothing(play: Any) -> None:
    result = play("setup", SETUP_VARS)
    passed(result, "second setup")
    recap = result.recap()
    assert recap.get("localhost", {}).get("changed") == 0, f"second setup changed something:\n{result.tail()}"


def test_backup_now_makes_a_recovery_point(play: Any, aws: Any) -> None:
    result = play("backup_now")
    passed(result, "backup_now")
    points = recovery_points(aws)
    assert len(points) == 1
    assert points[0]["Status"] == "COMPLETED"
    assert points[0]["ResourceArn"].endswith(f":table/{TABLE}")
    assert points[0]["RecoveryPointArn"] in result.output


def test_restore_restores_the_latest_backup_and_compares_equal(play: Any, aws: Any) -> None:
    result = play("restore")
    passed(result, "restore")
    assert "equal: yes" in result.output
    assert f"{CSV_ROWS} items in the reference, {CSV_ROWS} restored" in result.output
    assert RESTORED in table_names(aws)
    source = aws("dynamodb").describe_table(TableName=RESTORED)["Table"]["RestoreSummary"]["SourceBackupArn"]
    assert source == recovery_points(aws)[0]["RecoveryPointArn"]


@pytest.mark.extended
def test_drill_backs_up_restores_compares_and_leaves_no_table(play: Any, aws: Any) -> None:
    result = play("drill")
    passed(result, "drill")
    assert "equal: yes" in result.output
    assert f"Restored into: {DRILL_TABLE} (deleted after the comparison)" in result.output
    assert DRILL_TABLE not in table_names(aws)
    assert len(recovery_points(aws)) == 2


@pytest.mark.extended
def test_cleanup_without_confirm_lists_and_deletes_nothing(play: Any, aws: Any) -> None:
    result = play("cleanup")
    passed(result, "cleanup without cleanup_confirm")
    assert "nothing was deleted" in result.output
    assert f"backup vault {VAULT} and its 2 recovery point(s)" in result.output
    assert f"DynamoDB tables {TABLE}, {RESTORED}" in result.output
    assert result.recap()["localhost"]["changed"] == 0
    assert {TABLE, RESTORED} <= table_names(aws)
    assert len(recovery_points(aws)) == 2
    assert deny_policy(aws) is not None
    aws("iam").get_role(RoleName=ROLE)


def test_cleanup_with_confirm_removes_everything(play: Any, aws: Any) -> None:
    result = play("cleanup", {"cleanup_confirm": True})
    passed(result, "cleanup")
    assert table_names(aws) == set()
    backup = aws("backup")
    assert backup.list_backup_vaults()["BackupVaultList"] == []
    assert [p for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == PLAN] == []
    assert [r["RoleName"] for r in aws("iam").list_roles()["Roles"] if r["RoleName"] == ROLE] == []
    assert deny_policy(aws) is None
    assert aws("iam").list_attached_group_policies(GroupName=GROUP)["AttachedPolicies"] == []


@pytest.mark.extended
def test_cleanup_keeps_a_locked_vault_and_says_why(play: Any, aws: Any) -> None:
    """A vault under Vault Lock that holds a recovery point is never touched; the rest goes."""
    ddb, backup, iam = aws("dynamodb"), aws("backup"), aws("iam")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}])
    ddb.put_item(TableName=TABLE, Item={"order_id": {"S": "ORD-1"}})
    role = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }))["Role"]
    backup.create_backup_vault(BackupVaultName=VAULT)
    backup.put_backup_vault_lock_configuration(BackupVaultName=VAULT, MinRetentionDays=1, MaxRetentionDays=30)
    job = backup.start_backup_job(BackupVaultName=VAULT, IamRoleArn=role["Arn"],
                                  ResourceArn=ddb.describe_table(TableName=TABLE)["Table"]["TableArn"],
                                  Lifecycle={"DeleteAfterDays": 7})
    deadline = time.monotonic() + 60
    while backup.describe_backup_job(BackupJobId=job["BackupJobId"])["State"] != "COMPLETED":
        assert time.monotonic() < deadline, "the backup job did not complete"
        time.sleep(0.5)

    result = play("cleanup", {"cleanup_confirm": True})
    assert result.returncode != 0, f"cleanup of a locked vault passed:\n{result.tail()}"
    assert f"the backup vault {VAULT} was kept: its Vault Lock is active and it holds 1 recovery point(s)" in result.output
    assert len(recovery_points(aws)) == 1
    assert table_names(aws) == set()
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] == ROLE] == []
