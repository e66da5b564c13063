"""The schedule of the walk-through, end to end: the plan setup creates really runs, and its lifecycle expires.

One emulator, its virtual clock started on Monday 2026-03-02 00:00 UTC; time moves only through
``POST /_backupkit/clock`` (never a sleep). The tests run in this order and share its state:

1. ``ansible-playbook backupkit.dynamodb.setup`` protects two tables (a third stays unprotected);
   a day later each protected table has exactly one scheduled recovery point, created by the plan's
   rule inside its start window, with the rule's lifecycle - read with the info modules' plan and
   rule filters.
2. A year and a day later the recovery points past their 366 days are gone (their DynamoDB backups
   too), the newer ones kept, and those older than 31 days are in cold storage.
3. Three more plans, made with the collection's modules: a weekly rule fires only on its weekday, a
   rule in America/New_York fires at 05:00 New York time, and a selection by tag condition protects
   exactly the tables whose tags match.

What a user would see is read through ``ansible-playbook`` (the info modules); boto3 only arranges
(the extra tables) and double-checks what the modules cannot show (DynamoDB's own backups).
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
import yaml
from backupkit_emulator.process import EmulatorProcess
from conftest import integration_runner

# The tests of this file share one emulator and run in order: one pytest-xdist worker takes them all.
pytestmark = pytest.mark.xdist_group("e2e-schedule")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
ACCOUNT = "123456789012"
PLAYBOOK_TIMEOUT = 900
CLOCK_START = "2026-03-02T00:00:00+00:00"  # a Monday

TABLE = "order_transaction"          # created and loaded by setup
SECOND = "order_lines"               # created here, protected by setup too
UNPROTECTED = "order_archive"        # created here, in no plan
PLAN = "backupkit-dynamodb-plan"
RULE = "scheduled"
VAULT = "backupkit-dynamodb-vault"
ROLE = "backupkit-dynamodb-backup-role"
UTC = datetime.timezone.utc


RUNNER = integration_runner()


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--clock-start", CLOCK_START) as server:
        yield server


@pytest.fixture(scope="module")
def aws(emulator: EmulatorProcess) -> Any:
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=emulator.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    return client


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schedule")


@pytest.fixture(scope="module")
def env(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    environment = RUNNER.ansible_environment(emulator.endpoint, RUNNER.link_collection(tmp_path_factory.mktemp("collections")))
    environment.pop("ANSIBLE_ROLES_PATH", None)
    return environment


def ansible_playbook(env: dict[str, str], playbook: str, *extra_vars: dict[str, Any]) -> str:
    """Run ansible-playbook (a collection playbook name or a file); its output, after asserting it passed."""
    # the README's inventory for one account (localhost): no "No inventory was parsed" warning
    command = [str(BIN / "ansible-playbook"), "-i", str(REPO / "inventory" / "single_account.yml"), playbook]
    for extra in extra_vars:
        command += ["-e", json.dumps(extra)]
    completed = subprocess.run(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{playbook} failed (exit {completed.returncode}):\n" + "\n".join(
        output.splitlines()[-60:])
    return output


def play_tasks(env: dict[str, str], workdir: Path, name: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``tasks`` (each registers ``rN``) in one playbook on localhost; the registered results by name."""
    out = workdir / f"{name}.json"
    registered = [f"r{i}" for i in range(len(tasks))]
    body = [dict(task, register=var) for task, var in zip(tasks, registered)]
    body.append({
        "name": "Keep the results",
        "ansible.builtin.copy": {"content": "{{ {" + ", ".join(f"'{v}': {v}" for v in registered) + "} | to_json }}",
                                 "dest": str(out), "mode": "0600"},
    })
    playbook = workdir / f"{name}.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": name, "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable}, "tasks": body,
    }], sort_keys=False), encoding="utf-8")
    ansible_playbook(env, str(playbook))
    results = json.loads(out.read_text(encoding="utf-8"))
    return {var: results[var] for var in registered}


def points_task(name: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "backupkit.dynamodb.backup_recovery_point_info": args}


def jobs_task(name: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "backupkit.dynamodb.backup_job_info": args}


def table_arn(table: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"


def at(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def by_table(points: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    for point in points:
        tables.setdefault(point["resource_arn"].rsplit("/", 1)[-1], []).append(point)
    return tables


def create_table(aws: Any, name: str, tags: dict[str, str] | None = None) -> None:
    ddb = aws("dynamodb")
    arn = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                           KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])["TableDescription"]["TableArn"]
    ddb.put_item(TableName=name, Item={"id": {"S": f"{name}-1"}})
    if tags:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def test_a_day_after_setup_each_protected_table_has_one_scheduled_backup(
        emulator: EmulatorProcess, aws: Any, env: dict[str, str], workdir: Path) -> None:
    create_table(aws, SECOND)
    create_table(aws, UNPROTECTED)
    csv = workdir / "orders.csv"
    # the walk-through's CSV, its first five rows: the schedule, not the load, is under test here
    lines = (REPO / "data" / "order_data.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    csv.write_text("".join(lines[:6]), encoding="utf-8")
    ansible_playbook(env, "backupkit.dynamodb.setup", {"backupkit_tables": [
        {"name": TABLE, "csv": str(csv), "column_types": {"quantity": "N", "price": "N"}},
        {"name": SECOND, "hash_key": "id", "range_key": ""},  # exists already, no data to load
    ]})
    assert at(emulator.clock()) < at("2026-03-02T05:00:00Z"), "setup ran past the first scheduled run"

    now = emulator.advance(86400)
    assert at(now) >= at("2026-03-03T00:00:00Z")

    results = play_tasks(env, workdir, "after-a-day", [
        points_task("The plan's recovery points, in every vault", backup_plan_name=PLAN),
        points_task("The rule's recovery points in the vault", backup_vault_name=VAULT, backup_rule_name=RULE),
        points_task("The unprotected table's recovery points", resource=UNPROTECTED),
        jobs_task("The plan's backup jobs", backup_plan_name=PLAN, backup_rule_name=RULE),
        jobs_task("The on-demand jobs: none", backup_plan_id="8a8e3ad6-8b5a-4f6a-9e3b-1b6a0c5f1d2e"),
    ])
    plan_points, rule_points, unprotected, jobs, none = (results[f"r{i}"] for i in range(5))

    tables = by_table(plan_points["recovery_points"])
    assert sorted(tables) == [SECOND, TABLE]
    assert [len(points) for points in tables.values()] == [1, 1]
    assert unprotected["recovery_points"] == []
    plan = aws("backup").get_backup_plan(BackupPlanId=plan_points["filters"]["backup_plan_name"]["backup_plan_ids"][0])
    rule = plan["BackupPlan"]["Rules"][0]
    for point in plan_points["recovery_points"]:
        created = at(point["creation_date"])
        # cron(0 5 ? * * *) in UTC with a 60-minute start window: started between 05:00 and 06:00
        assert at("2026-03-02T05:00:00Z") <= created < at("2026-03-02T06:00:00Z"), point["creation_date"]
        assert point["status"] == "COMPLETED"
        assert point["backup_vault_name"] == VAULT
        assert point["created_by"]["backup_plan_id"] == plan["BackupPlanId"]
        assert point["created_by"]["backup_plan_arn"] == plan["BackupPlanArn"]
        assert point["created_by"]["backup_plan_version"] == plan["VersionId"]
        assert point["created_by"]["backup_rule_id"] == rule["RuleId"]
        assert point["lifecycle"] == {"move_to_cold_storage_after_days": 31, "delete_after_days": 366}
        assert at(point["calculated_lifecycle"]["delete_at"]) == created + datetime.timedelta(days=366)
        assert at(point["calculated_lifecycle"]["move_to_cold_storage_at"]) == created + datetime.timedelta(days=31)
    assert rule_points["recovery_points"] == plan_points["recovery_points"]
    assert rule_points["filters"]["backup_vault_name"]["applied_by"] == "aws"
    assert rule_points["filters"]["backup_rule_name"] == {"value": RULE, "applied_by": "module"}

    assert sorted(job["resource_arn"] for job in jobs["jobs"]) == [table_arn(SECOND), table_arn(TABLE)]
    assert {job["state"] for job in jobs["jobs"]} == {"COMPLETED"}
    assert {job["recovery_point_arn"] for job in jobs["jobs"]} == {
        p["recovery_point_arn"] for p in plan_points["recovery_points"]}
    assert {job["created_by"]["backup_rule_id"] for job in jobs["jobs"]} == {rule["RuleId"]}
    assert none["jobs"] == [] and none["filters"]["backup_plan_id"]["applied_by"] == "module"


def test_a_year_later_expired_backups_are_gone_and_newer_ones_kept(
        emulator: EmulatorProcess, aws: Any, env: dict[str, str], workdir: Path) -> None:
    backup = aws("backup")
    first = backup.list_recovery_points_by_backup_vault(BackupVaultName=VAULT, ByResourceArn=table_arn(TABLE))
    [first_point] = first["RecoveryPoints"]

    # the first backups were due for deletion on 2027-03-03 around 05:xx; the next ones a day later
    emulator.set_clock("2027-03-03T12:00:00+00:00")

    results = play_tasks(env, workdir, "a-year-later", [
        points_task("The plan's recovery points of the orders table", resource=TABLE, backup_plan_name=PLAN),
        points_task("The plan's recovery points of the second table", resource=SECOND, backup_plan_name=PLAN),
    ])
    for table in (TABLE, SECOND):
        points = results["r0" if table == TABLE else "r1"]["recovery_points"]
        created = sorted(at(p["creation_date"]) for p in points)
        # one a day from 2026-03-03 to 2027-03-03: the 2026-03-02 one expired, every newer one kept
        assert len(points) == 366, (table, len(points), created[:2], created[-2:])
        assert created[0].date() == datetime.date(2026, 3, 3)
        assert created[-1].date() == datetime.date(2027, 3, 3)
        assert len({c.date() for c in created}) == 366
        assert all(at(p["calculated_lifecycle"]["delete_at"]) > at("2027-03-03T12:00:00Z") for p in points)
    assert first_point["RecoveryPointArn"] not in {p["recovery_point_arn"] for p in results["r0"]["recovery_points"]}

    # setup turns advanced DynamoDB backup on (for cold storage): every recovery point, the expired one included,
    # is AWS Backup's own, and DynamoDB lists no backup of the table of any type (ListBackups' default is USER
    # only). That DynamoDB backups expire with their recovery points when advanced backup is off is proven in
    # emulator/tests/test_schedule.py.
    assert first_point["RecoveryPointArn"].startswith(f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:")
    assert all(p["recovery_point_arn"].startswith(f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:")
               for p in results["r0"]["recovery_points"])
    assert aws("dynamodb").list_backups(TableName=TABLE, BackupType="ALL")["BackupSummaries"] == []
    # cold storage after 31 days
    oldest, newest = results["r0"]["recovery_points"][-1], results["r0"]["recovery_points"][0]
    described = {p["recovery_point_arn"]: backup.describe_recovery_point(
        BackupVaultName=VAULT, RecoveryPointArn=p["recovery_point_arn"]) for p in (oldest, newest)}
    assert described[oldest["recovery_point_arn"]]["StorageClass"] == "COLD"
    assert described[newest["recovery_point_arn"]]["StorageClass"] == "WARM"


WEEKLY_PLAN = "schedule-weekly"
NEW_YORK_PLAN = "schedule-new-york"
TAGGED_PLAN = "schedule-tagged"
WEEKLY_TABLE = "weekly_reports"
NEW_YORK_TABLE = "new_york_orders"
TAGGED = {"tier_gold": {"backup-tier": "gold", "team": "orders"},
          "tier_gold_other_team": {"backup-tier": "gold", "team": "billing"},
          "tier_silver": {"backup-tier": "silver", "team": "orders"},
          "untagged": {}}


def plan_tasks(name: str, schedule: str, timezone: str, selection: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": f"The plan {name}", "backupkit.dynamodb.backup_plan": {
            "backup_plan_name": name,
            "rules": [{"rule_name": "only", "target_backup_vault_name": VAULT, "schedule_expression": schedule,
                       "schedule_expression_timezone": timezone, "start_window_minutes": 60,
                       "completion_window_minutes": 120, "lifecycle": {"delete_after_days": 35}}]}},
        {"name": f"The selection of {name}", "backupkit.dynamodb.backup_selection": dict(
            {"backup_plan_name": name, "backup_selection_name": f"{name}-tables", "iam_role_name": ROLE}, **selection)},
    ]


def test_weekly_new_york_and_tag_condition_rules_fire_when_and_on_what_they_should(
        emulator: EmulatorProcess, aws: Any, env: dict[str, str], workdir: Path) -> None:
    create_table(aws, WEEKLY_TABLE)
    create_table(aws, NEW_YORK_TABLE)
    for table, tags in TAGGED.items():
        create_table(aws, table, tags)
    play_tasks(env, workdir, "more-plans", [
        # Fridays 03:00 UTC
        *plan_tasks(WEEKLY_PLAN, "cron(0 3 ? * FRI *)", "Etc/UTC", {"dynamodb_tables": [WEEKLY_TABLE]}),
        # 05:00 in New York: 10:00 UTC until US daylight saving time starts on 2027-03-14
        *plan_tasks(NEW_YORK_PLAN, "cron(0 5 ? * * *)", "America/New_York", {"dynamodb_tables": [NEW_YORK_TABLE]}),
        # every table whose backup-tier is gold and whose team is orders (AND), daily 07:00 UTC
        *plan_tasks(TAGGED_PLAN, "cron(0 7 ? * * *)", "Etc/UTC", {
            "resources": [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/*"],
            "conditions": {"string_equals": [{"condition_key": "aws:ResourceTag/backup-tier", "condition_value": "gold"}],
                           "string_like": [{"condition_key": "aws:ResourceTag/team", "condition_value": "ord*"}]}}),
    ])
    start = at(emulator.clock())  # Wednesday 2027-03-03, after 12:00 UTC
    emulator.set_clock("2027-03-13T00:00:00+00:00")  # Saturday, ten days later; still EST in New York

    results = play_tasks(env, workdir, "ten-days-later", [
        points_task("The weekly plan's recovery points", backup_plan_name=WEEKLY_PLAN),
        points_task("The New York plan's recovery points", backup_plan_name=NEW_YORK_PLAN),
        points_task("The tag-condition plan's recovery points", backup_plan_name=TAGGED_PLAN, backup_vault_name=VAULT),
        jobs_task("The tag-condition plan's jobs", backup_plan_name=TAGGED_PLAN, created_after=start.isoformat()),
    ])
    weekly, new_york, tagged, tagged_jobs = (results[f"r{i}"]["recovery_points" if i < 3 else "jobs"] for i in range(4))

    weekly_days = sorted(at(p["creation_date"]) for p in weekly)
    # Fridays 2027-03-05 and 2027-03-12, nothing on the other eight days
    assert [d.date() for d in weekly_days] == [datetime.date(2027, 3, 5), datetime.date(2027, 3, 12)]
    assert all(d.hour == 3 for d in weekly_days)
    assert {p["resource_name"] for p in weekly} == {WEEKLY_TABLE}

    new_york_times = sorted(at(p["creation_date"]) for p in new_york)
    # one a day from Thursday 2027-03-04 to Friday 2027-03-12, each between 10:00 and 11:00 UTC (05:00 EST)
    assert [d.date() for d in new_york_times] == [datetime.date(2027, 3, day) for day in range(4, 13)]
    assert all(d.hour == 10 for d in new_york_times), new_york_times
    assert {p["resource_name"] for p in new_york} == {NEW_YORK_TABLE}

    # only the gold table of the orders team; once a day from 2027-03-04 to 2027-03-12
    assert {p["resource_name"] for p in tagged} == {"tier_gold"}
    assert sorted(at(p["creation_date"]).date() for p in tagged) == [datetime.date(2027, 3, day) for day in range(4, 13)]
    assert all(at(p["creation_date"]).hour == 7 for p in tagged)
    assert {job["resource_arn"] for job in tagged_jobs} == {table_arn("tier_gold")}
    assert len(tagged_jobs) == 9
