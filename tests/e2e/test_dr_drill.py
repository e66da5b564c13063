"""Disaster recovery, end to end: copies in another Region survive the source Region's outage.

One emulator, its virtual clock started on Monday 2026-03-02 00:00 UTC; time moves only through
``POST /_backupkit/clock`` (never a sleep). The tests run in this order and share its state:

1. Two existing tables in us-east-1 (one with TTL, a stream, deletion protection and a tag of its own)
   are protected by ``backupkit.dynamodb.setup`` with a daily policy that copies every backup into a
   vault in us-west-2 (``copy_to_region``); the table role records their settings. A day later each
   table has a copy there. us-east-1 goes down (``unavailable_regions``), and
   ``ansible-playbook backupkit.dynamodb.dr_drill`` in us-west-2 restores each table from its copy with
   its settings, counts its items, says the source cannot be compared, reports RPO (the copy's age on
   AWS's clock) and RTO, passes, writes dr-drill.json and leaves no drill table behind (deletion
   protection came back with the copy, and the drill turns it off on its own table); the protection
   report shows the drill.
2. us-east-1 is back: the drill compares the restored table with the source item by item; with an
   RPO target the copy misses it fails, says so, and still deletes its table.
3. A copy into a central account's vault whose access policy does not allow the
   source account fails with AWS's message, and the playbook names the account to fix.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from backupkit_emulator.process import EmulatorProcess
from conftest import integration_runner

# The tests of this file share one emulator and run in order: one pytest-xdist worker takes them all.
pytestmark = pytest.mark.xdist_group("e2e-dr-drill")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
DR_REGION = "us-west-2"
ACCOUNT = "123456789012"
PLAYBOOK_TIMEOUT = 900
CLOCK_START = "2026-03-02T00:00:00+00:00"  # a Monday
UTC = datetime.timezone.utc

TABLES = {"orders": 3, "order_lines": 2}  # name: items
VAULT = "backupkit-dynamodb-vault"
DR_VAULT = "backupkit-dr-vault"
ROLE = "backupkit-dynamodb-backup-role"
ACCESS_DENIED = "Access Denied trying to call AWS Backup service"


RUNNER = integration_runner()


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--clock-start", CLOCK_START) as server:
        yield server


@pytest.fixture(scope="module")
def aws(emulator: EmulatorProcess) -> Any:
    def client(service: str, region: str = REGION, **credentials: str) -> Any:
        keys = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        return boto3.client(service, endpoint_url=emulator.endpoint, region_name=region, **keys)
    return client


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dr-drill")


@pytest.fixture(scope="module")
def env(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    environment = RUNNER.ansible_environment(emulator.endpoint, RUNNER.link_collection(tmp_path_factory.mktemp("collections")))
    environment.pop("ANSIBLE_ROLES_PATH", None)
    return environment


def settings(emulator: EmulatorProcess, **values: Any) -> dict[str, Any]:
    return emulator._call("/_backupkit/settings", "POST", values)


def run_playbook(env: dict[str, str], playbook: str, *extra_vars: dict[str, Any]) -> tuple[int, str]:
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", playbook]
    for extra in extra_vars:
        command += ["-e", json.dumps(extra)]
    completed = subprocess.run(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
    return completed.returncode, completed.stdout + completed.stderr


def at(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def drill_vars(workdir: Path, **extra: Any) -> dict[str, Any]:
    return {"dr_drill_region": DR_REGION, "dr_drill_vault_name": DR_VAULT, "dr_drill_tables": sorted(TABLES),
            "dr_drill_rpo_minutes": 1440, "dr_drill_rto_minutes": 60, "dr_drill_results_dir": str(workdir / "report"),
            **extra}


def drill_tables_left(aws: Any) -> list[str]:
    return [name for name in aws("dynamodb", DR_REGION).list_tables()["TableNames"] if name.endswith("_dr_drill")]


def test_after_the_source_region_goes_down_dr_drill_restores_every_table_from_its_copy(
    emulator: EmulatorProcess, aws: Any, env: dict[str, str], workdir: Path
) -> None:
    # The tables exist already (a user's): orders has the settings an AWS restore drops
    ddb = aws("dynamodb")
    for name, items in TABLES.items():
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        for i in range(items):
            ddb.put_item(TableName=name, Item={"id": {"S": f"{name}-{i}"}, "n": {"N": str(i)}})
    orders_arn = ddb.describe_table(TableName="orders")["Table"]["TableArn"]
    ddb.update_table(TableName="orders", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                     DeletionProtectionEnabled=True)
    ddb.update_time_to_live(TableName="orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
    ddb.tag_resource(ResourceArn=orders_arn, Tags=[{"Key": "team", "Value": "payments"}])

    # setup protects both with a daily plan whose rule copies every backup to a vault in the DR Region; the
    # table role records each table's settings as tags, which AWS Backup puts on the backups and their copies
    rc, output = run_playbook(env, "backupkit.dynamodb.setup", {
        "backupkit_tables": [{"name": name, "hash_key": "id", "range_key": "", "csv": "", "policy": "dr"} for name in TABLES],
        "backupkit_policies": {"dr": {
            "vault_name": VAULT, "frequency": "daily", "window_start_hour": 5, "cold_storage_after_days": 0, "delete_after_days": 35,
            "copy_to_region": DR_REGION, "dr_vault_name": DR_VAULT, "copy_to_region_delete_after_days": 35}},
    })
    assert rc == 0, "\n".join(output.splitlines()[-60:])
    rule = aws("backup").get_backup_plan(BackupPlanId=next(
        plan["BackupPlanId"] for plan in aws("backup").list_backup_plans()["BackupPlansList"]))["BackupPlan"]["Rules"][0]
    dr_vault_arn = aws("backup", DR_REGION).describe_backup_vault(BackupVaultName=DR_VAULT)["BackupVaultArn"]
    assert [action["DestinationBackupVaultArn"] for action in rule["CopyActions"]] == [dr_vault_arn]

    emulator.advance(86400)
    advanced = at(emulator.clock())
    copies = aws("backup", DR_REGION).list_recovery_points_by_backup_vault(BackupVaultName=DR_VAULT)["RecoveryPoints"]
    assert sorted(point["ResourceArn"].rsplit("/", 1)[-1] for point in copies) == sorted(TABLES)
    created = {point["ResourceArn"].rsplit("/", 1)[-1]: point["CreationDate"].astimezone(UTC) for point in copies}

    settings(emulator, unavailable_regions=[REGION])
    # fail fast on the Region that is down (docs: emulator README, A Region's outage)
    rc, output = run_playbook(dict(env, AWS_MAX_ATTEMPTS="2"), "backupkit.dynamodb.dr_drill", drill_vars(workdir))
    assert rc == 0, "\n".join(output.splitlines()[-60:])
    after = at(emulator.clock())

    result = json.loads((workdir / "report" / "dr-drill.json").read_text(encoding="utf-8"))
    assert result["passed"] is True
    assert (result["dr_region"], result["source_region"], result["dr_vault_name"]) == (DR_REGION, REGION, DR_VAULT)
    by_table = {row["table_name"]: row for row in result["tables"]}
    assert sorted(by_table) == sorted(TABLES)
    copy_arns = {point["ResourceArn"].rsplit("/", 1)[-1]: point["RecoveryPointArn"] for point in copies}
    for name, items in TABLES.items():
        row = by_table[name]
        assert row["verdict"] == "PASS", row
        assert row["copy_recovery_point_arn"] == copy_arns[name]
        assert row["copy_recovery_point_arn"].startswith(f"arn:aws:backup:{DR_REGION}:{ACCOUNT}:recovery-point:")
        assert row["item_count"] == items
        assert row["compared"] is False and row["compare_note"] == "source unreachable: compare skipped"
        # RPO: the copy's age (its source backup's creation) when the restore started, on the emulator's clock
        assert (advanced - created[name]).total_seconds() / 60 - 0.01 <= row["rpo_minutes"]
        assert row["rpo_minutes"] <= (after - created[name]).total_seconds() / 60 + 0.01
        assert row["rpo_met"] is True and row["rto_met"] is True and row["rto_minutes"] >= 0
        assert row["drill_table_deleted"] is True
        assert f"{name}: PASS: copy {copy_arns[name]}" in output and "source unreachable: compare skipped" in output
    # the copy brought orders back whole: what AWS's restore drops was re-applied from the copy's tags (the
    # drill table, deletion protection included, was still deleted)
    assert {"ttl", "stream", "deletion_protection", "tags"} <= set(by_table["orders"]["settings_applied"])
    assert set(by_table["orders"]["settings_applied"]) <= set(by_table["orders"]["settings_restored"])
    assert not {"ttl", "stream", "deletion_protection"} & set(by_table["order_lines"]["settings_applied"])
    assert "settings re-applied: " in output
    assert drill_tables_left(aws) == []

    # the protection report shows the last drill (its own tables are read in the DR Region, which is up)
    rc, output = run_playbook(dict(env, AWS_REGION=DR_REGION), "backupkit.dynamodb.report",
                              {"report_dir": str(workdir / "report"), "backupkit_region": DR_REGION})
    assert rc == 0, "\n".join(output.splitlines()[-60:])
    report = json.loads((workdir / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["dr_drill"]["passed"] is True and len(report["dr_drill"]["tables"]) == 2
    markdown = (workdir / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Last DR drill" in markdown
    assert f"| orders | PASS | {created['orders'].isoformat()} | {by_table['orders']['rpo_minutes']} |" in markdown
    assert "| 3 | source unreachable: compare skipped |" in markdown


def test_once_the_source_is_back_the_drill_compares_and_a_copy_older_than_the_rpo_target_fails_it(
    emulator: EmulatorProcess, aws: Any, env: dict[str, str], workdir: Path
) -> None:
    settings(emulator, unavailable_regions=[])
    rc, output = run_playbook(env, "backupkit.dynamodb.dr_drill",
                              drill_vars(workdir, dr_drill_tables=["orders"], dr_drill_rpo_minutes=60))
    assert rc != 0
    result = json.loads((workdir / "report" / "dr-drill.json").read_text(encoding="utf-8"))
    (row,) = result["tables"]
    assert result["passed"] is False and row["verdict"] == "FAIL" and row["rpo_met"] is False and row["rto_met"] is True
    # the restored table in us-west-2 was compared item by item with the table in us-east-1
    assert row["compared"] is True and row["equal"] is True and row["source_items"] == row["item_count"] == 3
    assert row["compare_note"] == "equal to the source (3 items)"
    assert f"DR drill in {DR_REGION} failed for 1 of 1 table(s): orders: FAIL: copy " in output
    assert "RPO " in output and " min (MISSED), RTO " in output
    assert row["drill_table_deleted"] is True and drill_tables_left(aws) == []


def test_a_copy_into_a_vault_whose_policy_does_not_allow_it_names_the_account_to_fix(
    emulator: EmulatorProcess, aws: Any, env: dict[str, str], workdir: Path
) -> None:
    organizations = aws("organizations")
    organizations.create_organization(FeatureSet="ALL")
    central = organizations.create_account(Email="central@example.com", AccountName="central")["CreateAccountStatus"]["AccountId"]
    aws("backup").update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    credentials = aws("sts").assume_role(RoleArn=f"arn:aws:iam::{central}:role/OrganizationAccountAccessRole",
                                         RoleSessionName="dr-drill")["Credentials"]
    aws("backup", DR_REGION, aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"]).create_backup_vault(BackupVaultName="central-dr")

    rc, output = run_playbook(env, "backupkit.dynamodb.dr_drill", drill_vars(
        workdir, dr_drill_tables=["orders"], dr_drill_copy_now=True, dr_drill_account_id=central,
        dr_drill_vault_name="central-dr", dr_drill_source_vault_name=VAULT))
    assert rc != 0
    assert ACCESS_DENIED in output
    assert f"The access policy of backup vault 'central-dr' in account {central} (Region {DR_REGION}) must allow" in output
    assert f"to source account {ACCOUNT}" in output
    assert drill_tables_left(aws) == []
