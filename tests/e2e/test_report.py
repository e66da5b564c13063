"""The protection report, end to end: a fleet of 3 accounts x 2 regions of one emulator.

An AWS Organization with three member accounts; the inventory plugin makes one host per account
and region (6 hosts). Each account and region gets, with boto3 and the account's
OrganizationAccountAccessRole, what a team would have: a vault (locked, its access policy denying
DeleteRecoveryPoint), a daily plan keeping backups 35 days, tables with point-in-time recovery,
selected by ARN or by tag, and their backups. Five things are wrong, one each:

- shop-1 / us-east-1: table ``sessions`` is in no selection;
- shop-1 / eu-west-1: table ``invoices`` is under a weekly plan, while the control requires daily;
- shop-2 / us-east-1: vault ``reports-vault`` has no lock (table ``reports``);
- shop-2 / eu-west-1: a backup job of ``events`` failed: the table was deleted, and re-created
  before the next backup;
- shop-3 / us-east-1: table ``carts`` has point-in-time recovery off.

``ansible-playbook backupkit.dynamodb.report`` runs once on the fleet; the report must flag exactly
those tables, each with exactly its control, and nothing else; report.json validates against its
schema, report.md lists the same findings, and index.html, opened in headless Chromium, shows the
tiles' numbers and the flagged rows (a screenshot is kept under tests/output/report/).

The backups are the plans' scheduled jobs: the emulator starts with its clock at a fixed Saturday
(``--clock-start``) and the test moves the clock forward four days (``POST /_backupkit/clock``), so
the daily plans run four times, the weekly one once, and the failed job is a scheduled one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import boto3
from botocore.config import Config
import jsonschema
import pytest
import yaml
from backupkit_emulator.process import EmulatorProcess

pytestmark = pytest.mark.xdist_group("e2e-report")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OUTPUT = REPO / "tests" / "output" / "report"
REGIONS = ("us-east-1", "eu-west-1")
ROLE = "OrganizationAccountAccessRole"
BACKUP_ROLE = "backup-role"
RUN_TIMEOUT = 600
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
DAILY = "cron(0 5 ? * * *)"
WEEKLY = "cron(0 5 ? * SUN *)"
# Saturday 2026-10-31 00:00 UTC; the report is read on Wednesday 01:00, before that day's run:
# the daily plans ran Saturday to Tuesday at 05:00, the weekly plan on Sunday.
CLOCK_START = "2026-10-31T00:00:00Z"
REPORT_AT = "2026-11-04T01:00:00"

#: (account name, region) -> the tables' set-up; every table not listed in EXPECTED must be clean.
EXPECTED = {
    ("shop-1", "us-east-1", "sessions"): {"BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"},
    # weekly: its newest backup is three days old, so the last-recovery-point control fails too
    ("shop-1", "eu-west-1", "invoices"): {"BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                                          "BACKUP_LAST_RECOVERY_POINT_CREATED"},
    ("shop-2", "us-east-1", "reports"): {"BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK"},
    ("shop-2", "eu-west-1", "events"): {"BACKUP_NO_FAILED_JOBS"},
    ("shop-3", "us-east-1", "carts"): {"DYNAMODB_PITR_ENABLED"},
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--job-seconds", "0", "--clock-start", CLOCK_START) as server:
        yield server


class Account:
    """boto3 clients of one member account, through its OrganizationAccountAccessRole."""

    def __init__(self, endpoint: str, account_id: str) -> None:
        sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        keys = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="scenario")["Credentials"]
        self.endpoint, self.account_id = endpoint, account_id
        self.keys = dict(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                         aws_session_token=keys["SessionToken"])
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        self.role_arn = self.client("iam").create_role(
            RoleName=BACKUP_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region, **self.keys)


def deny_delete(vault_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["backup:DeleteRecoveryPoint"], "Resource": "*"}]})


class Region:
    """One account and region of the scenario."""

    def __init__(self, account: Account, region: str) -> None:
        self.account, self.region = account, region
        self.backup = account.client("backup", region)
        self.dynamodb = account.client("dynamodb", region)
        self.tables: dict[str, str] = {}

    def vault(self, name: str, locked: bool = True) -> str:
        arn = self.backup.create_backup_vault(BackupVaultName=name)["BackupVaultArn"]
        self.backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=deny_delete(arn))
        if locked:
            self.backup.put_backup_vault_lock_configuration(BackupVaultName=name, MinRetentionDays=7, MaxRetentionDays=400)
        return arn

    def table(self, name: str, pitr: bool = True, tags: dict[str, str] | None = None) -> str:
        arn = self.dynamodb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()] or [{"Key": "team", "Value": "shop"}],
        )["TableDescription"]["TableArn"]
        self.dynamodb.put_item(TableName=name, Item={"id": {"S": "1"}})
        if pitr:
            self.dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        self.tables[name] = arn
        return arn

    def plan(self, name: str, vault: str, schedule: str, selection: dict[str, Any]) -> str:
        plan_id = self.backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": [{
            "RuleName": "scheduled", "TargetBackupVaultName": vault, "ScheduleExpression": schedule,
            "StartWindowMinutes": 60, "CompletionWindowMinutes": 180, "Lifecycle": {"DeleteAfterDays": 35}}]})["BackupPlanId"]
        self.backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
            "SelectionName": f"{name}-tables", "IamRoleArn": self.account.role_arn, **selection})
        return plan_id


@pytest.fixture(scope="module")
def fleet(emulator: EmulatorProcess) -> dict[str, Any]:
    """The organization, the five problems, and four days of scheduled backups."""
    # CreateAccount is not idempotent: a retry after a slow answer would make a fourth account.
    org = boto3.client("organizations", endpoint_url=emulator.endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing",
                       config=Config(read_timeout=600, retries={"total_max_attempts": 1}))
    org.create_organization(FeatureSet="ALL")
    names = {}
    for name in ("shop-1", "shop-2", "shop-3"):
        names[name] = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
    accounts = {name: Account(emulator.endpoint, account_id) for name, account_id in names.items()}
    regions = {(name, region): Region(account, region) for name, account in accounts.items() for region in REGIONS}

    def by_arn(r: Region, *tables: str) -> dict[str, Any]:
        return {"Resources": [r.tables[t] for t in tables]}

    for (name, region), r in regions.items():
        r.vault("vault", locked=(name, region) != ("shop-2", "us-east-1"))
        if (name, region) == ("shop-1", "us-east-1"):
            r.table("orders")
            r.table("sessions")  # in no selection
            r.plan("daily", "vault", DAILY, by_arn(r, "orders"))
        elif (name, region) == ("shop-1", "eu-west-1"):
            r.table("invoices")
            r.plan("weekly", "vault", WEEKLY, by_arn(r, "invoices"))
        elif (name, region) == ("shop-2", "us-east-1"):
            r.backup.create_backup_vault(BackupVaultName="reports-vault")  # no lock
            r.backup.put_backup_vault_access_policy(BackupVaultName="reports-vault", Policy=deny_delete(""))
            r.table("reports")
            r.plan("daily", "reports-vault", DAILY, by_arn(r, "reports"))
        elif (name, region) == ("shop-2", "eu-west-1"):
            r.table("events")
            r.table("users", tags={"backup": "daily"})
            plan_id = r.plan("daily", "vault", DAILY, by_arn(r, "events"))  # by ARN: a job even while it is gone
            r.backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
                "SelectionName": "tagged", "IamRoleArn": r.account.role_arn, "Resources": ["*"], "Conditions": {
                    "StringEquals": [{"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "daily"}]}})
        elif (name, region) == ("shop-3", "us-east-1"):
            r.table("carts", pitr=False)
            r.table("payments")
            r.plan("daily", "vault", DAILY, {"ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "team", "ConditionValue": "shop"}]})
        else:  # shop-3 / eu-west-1: one good table, selected by an ARN pattern
            r.table("catalog")
            r.plan("daily", "vault", DAILY, {"Resources": [f"arn:aws:dynamodb:{region}:*:table/cat*"]})

    # Saturday's run backs up every table; then events is deleted, Sunday's job of it fails, and
    # it is re-created (with PITR) before Monday's run.
    events = regions[("shop-2", "eu-west-1")]
    emulator.set_clock("2026-10-31T06:00:00Z")
    events.dynamodb.delete_table(TableName="events")
    emulator.set_clock("2026-11-01T06:00:00Z")
    events.table("events")
    now = emulator.set_clock(REPORT_AT + "Z")
    return dict(accounts=names, regions=regions, now=now)


def run_report(emulator: EmulatorProcess, fleet: dict[str, Any], workdir: Path, account: str | None = None,
               **extra: Any) -> subprocess.CompletedProcess[str]:
    """ansible-playbook backupkit.dynamodb.report on the fleet inventory, or on localhost as one account."""
    inventory = workdir / "fleet.aws_accounts.yml"
    inventory.write_text(
        f"plugin: backupkit.dynamodb.aws_accounts\nendpoint_url: {emulator.endpoint}\nregions: [{', '.join(REGIONS)}]\n",
        encoding="utf-8")
    link = workdir / "collections" / "ansible_collections" / "backupkit" / "dynamodb"
    if not link.exists():
        link.parent.mkdir(parents=True)
        link.symlink_to(REPO, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "BACKUPKIT_"))}
    env.update(AWS_ENDPOINT_URL=emulator.endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="us-east-1", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(workdir / "collections"), ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_DEPRECATION_WARNINGS="0",
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    variables = {"backupkit_hosts": "aws_accounts", "report_dir": str(workdir / "protection-report"), **extra}
    hosts = ["-i", str(inventory), "--forks", "6"]
    if account:  # localhost, acting in one account through the role (no inventory plugin)
        variables.update(backupkit_hosts="localhost", backupkit_region="us-east-1",
                         backupkit_assume_role_arn=f"arn:aws:iam::{account}:role/{ROLE}")
        hosts = ["-i", "localhost,"]
    variables["report_now"] = fleet["now"]  # the emulator's clock
    command = [str(BIN / "ansible-playbook"), "backupkit.dynamodb.report", *hosts, "-e", json.dumps(variables)]
    return subprocess.run(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT, check=False)


@pytest.fixture(scope="module")
def report_run(emulator: EmulatorProcess, fleet: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("report")
    emulator._call("/_backupkit/stats", method="DELETE")
    result = run_report(emulator, fleet, workdir)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    directory = workdir / "protection-report"
    return dict(
        workdir=workdir, dir=directory, output=output, stats=emulator.stats(),
        report=json.loads((directory / "report.json").read_text(encoding="utf-8")),
    )


def key_of(fleet: dict[str, Any], row: dict[str, Any]) -> tuple[str, str, str]:
    names = {v: k for k, v in fleet["accounts"].items()}
    return names[row["account_id"]], row["region"], row["table_name"]


def test_the_report_flags_exactly_the_five_problems(report_run: dict[str, Any], fleet: dict[str, Any]) -> None:
    report = report_run["report"]
    rows = {key_of(fleet, row): row for row in report["tables"]}
    expected_tables = {(a, r, t) for (a, r), region in fleet["regions"].items() for t in region.tables}
    assert set(rows) == expected_tables
    flagged = {key: set(row["failing_controls"]) for key, row in rows.items() if row["status"] == "NON_COMPLIANT"}
    assert flagged == EXPECTED, json.dumps({"/".join(k): [f for f in rows[k]["findings"] if f["status"] == "NON_COMPLIANT"]
                                            for k in flagged}, indent=1)
    reasons = {(f["table_name"], f["control"]): f["reason"] for f in report["findings"]}
    assert len(report["findings"]) == sum(len(controls) for controls in EXPECTED.values())
    assert reasons[("sessions", "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN")] == "no selection of any backup plan chooses the table"
    assert reasons[("invoices", "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK")] == (
        "rule scheduled runs weekly and keeps backups 35 days; required: at least every day, kept at least 35 days")
    assert reasons[("invoices", "BACKUP_LAST_RECOVERY_POINT_CREATED")] == (
        "the newest recovery point is 2.8 days old (limit 1 day)")
    assert reasons[("reports", "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK")] == "vault reports-vault has no vault lock"
    assert reasons[("carts", "DYNAMODB_PITR_ENABLED")] == "point-in-time recovery is off"
    assert reasons[("events", "BACKUP_NO_FAILED_JOBS")] == (
        "1 backup job failed in the last 7 days; the last one on 2026-11-01 05:00: "
        "Requested resource not found: Table: events not found")

    # What the clean tables show: covered, recent backups in a locked vault that denies deletion.
    orders = rows[("shop-1", "us-east-1", "orders")]
    assert orders["coverage"][0]["rules"][0]["frequency"] == "daily"
    assert orders["vaults"][0]["lock"]["min_retention_days"] == 7 and orders["vaults"][0]["access_policy_denies_delete"]
    assert orders["point_in_time_recovery"]["enabled"] is True
    assert orders["recovery_points"]["count"] >= 1 and orders["recovery_points"]["vaults"] == ["vault"]
    by_tag = rows[("shop-3", "us-east-1", "payments")]
    assert by_tag["coverage"][0]["reason"] == "chosen by tag team"
    assert rows[("shop-2", "eu-west-1", "users")]["coverage"][0]["reason"] == "chosen by every resource (no Resources or ListOfTags)" or \
        rows[("shop-2", "eu-west-1", "users")]["coverage"][0]["reason"].startswith("chosen by Resources")
    events = rows[("shop-2", "eu-west-1", "events")]
    assert events["jobs_by_state"]["states"] == {"COMPLETED": 3, "FAILED": 1}
    assert events["last_backup_job"]["state"] == "COMPLETED"

    summary = report["summary"]
    assert (summary["tables"], summary["protected"], summary["compliant"], summary["non_compliant"]) == (
        len(expected_tables), len(expected_tables) - 1, len(expected_tables) - len(EXPECTED), len(EXPECTED))
    assert (summary["hosts"], summary["hosts_failed"], summary["accounts"], summary["failed_jobs_7d"]) == (6, 0, 3, 1)
    assert report["generated_at"].startswith(REPORT_AT)
    # Saturday to Tuesday at 05:00, in the strip's last four days
    assert orders["recovery_points"]["count"] == 4 and orders["last_backup_job"]["created_by_plan"]
    assert [day["count"] for day in orders["recovery_points"]["by_day"][-5:]] == [1, 1, 1, 1, 0]
    assert orders["recovery_points"]["newest"].startswith("2026-11-03T05:00")
    invoices = rows[("shop-1", "eu-west-1", "invoices")]
    assert invoices["recovery_points"]["count"] == 1 and invoices["recovery_points"]["newest"].startswith("2026-11-01T05:00")
    assert events["backup_jobs"][-1]["state"] == "COMPLETED" and events["recovery_points"]["count"] == 3
    assert events["recovery_points"]["by_day"][-4] == {"date": "2026-11-01", "count": 0, "failed_jobs": 1}


def test_report_json_validates_and_markdown_lists_the_same_findings(report_run: dict[str, Any]) -> None:
    schema = json.loads((REPO / "roles" / "report" / "files" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report_run["report"])
    broken = json.loads(json.dumps(report_run["report"]))
    broken["tables"][0]["status"] = "MAYBE"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)

    markdown = (report_run["dir"] / "report.md").read_text(encoding="utf-8")
    listed = re.findall(r"^- (\d{12})/([a-z0-9-]+)/(\S+): \*\*([A-Z_]+)\*\*: (.+)$", markdown, re.MULTILINE)
    assert sorted(listed) == sorted((f["account_id"], f["region"], f["table_name"], f["control"], f["reason"])
                                    for f in report_run["report"]["findings"])
    assert len([line for line in markdown.splitlines() if line.startswith("| ")]) == 2 + report_run["report"]["summary"]["tables"]


def test_aws_backup_calls_do_not_depend_on_the_tables(report_run: dict[str, Any]) -> None:
    stats = report_run["stats"]
    tables = report_run["report"]["summary"]["tables"]
    assert stats.get("dynamodb.DescribeContinuousBackups") == tables
    assert stats.get("dynamodb.DescribeTable") == tables
    assert stats.get("dynamodb.ListTables") == 6


class Page(HTMLParser):
    """The ids' text of the tiles and the rows of the grid and of the findings in a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: dict[str, str] = {}
        self.rows: list[dict[str, str]] = []
        self.findings: list[dict[str, str]] = []
        self._tile: str | None = None
        self._in_value = False
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "tile" in a.get("class", "").split():
            self._tile = a.get("id")
        if a.get("class") == "tile-value":
            self._in_value = True
        if tag == "tr" and "row" in a.get("class", "").split():
            self.rows.append(a)
        if tag == "tr" and a.get("class") == "finding":
            self.findings.append(a)
        for name in ("src", "href"):
            if a.get(name) and not a[name].startswith("#"):
                self.external.append(a[name])

    def handle_data(self, data: str) -> None:
        if self._in_value and self._tile:
            self.tiles[self._tile] = data.strip()
            self._in_value = False


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)


def test_the_page_in_chromium_shows_the_tiles_and_the_flagged_rows(report_run: dict[str, Any], fleet: dict[str, Any]) -> None:
    page_file = report_run["dir"] / "index.html"
    html = page_file.read_text(encoding="utf-8")
    static = Page()
    static.feed(html)
    assert static.external == [], "the page must not load anything from outside"
    # Without JavaScript the page already holds everything: every tile and row is in the HTML as written.
    assert len(static.rows) == report_run["report"]["summary"]["tables"]
    assert static.tiles["tile-tables"] == str(report_run["report"]["summary"]["tables"])
    assert "@media print" in html
    assert not re.search(r"<(link|img|iframe)\b|@import|url\(", html)
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it): the page was not rendered")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT / "index.png"
    shot.unlink(missing_ok=True)
    shutil.copy(page_file, OUTPUT / "index.html")
    rendered = chromium(f"--screenshot={shot}", "--window-size=1400,1000", page_file.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10000, rendered.stderr[-3000:]
    # The page as printed (a PDF beside the screenshot, for a reader of the test's output).
    pdf = OUTPUT / "index.pdf"
    pdf.unlink(missing_ok=True)
    printed = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page_file.as_uri())
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10000, printed.stderr[-3000:]
    dumped = chromium("--dump-dom", page_file.as_uri())
    assert dumped.returncode == 0 and "<html" in dumped.stdout, dumped.stderr[-3000:]
    (OUTPUT / "dom.html").write_text(dumped.stdout, encoding="utf-8")
    assert 'class="js"' in dumped.stdout or 'class=" js"' in dumped.stdout  # the inline script ran
    page = Page()
    page.feed(dumped.stdout)
    summary = report_run["report"]["summary"]
    assert page.tiles["tile-tables"] == str(summary["tables"])
    assert page.tiles["tile-protected"] == str(summary["tables"] - 1)
    assert page.tiles["tile-compliant"] == str(summary["tables"] - len(EXPECTED))
    assert page.tiles["tile-failed-7d"] == "1"
    assert page.tiles["tile-failed-24h"] == "0"  # the failed job ran on Sunday, three days before
    # The weekly invoices backup, Sunday 05:00 to Wednesday 01:00: 68 hours; every daily one is 20 h old.
    assert page.tiles["tile-oldest-backup"] == "2.8 d"
    names = {v: k for k, v in fleet["accounts"].items()}
    flagged = {(names[r["data-account"]], r["data-region"], r["data-table"]) for r in page.rows if r["data-status"] == "NON_COMPLIANT"}
    assert flagged == set(EXPECTED)
    assert len(page.rows) == summary["tables"]
    assert dumped.stdout.count('class="failed"') == 1  # the strip's red day: events, 2026-11-01
    assert sorted((names[f["data-account"]], f["data-region"], f["data-table"], f["data-control"]) for f in page.findings) == sorted(
        (*key, control) for key, controls in EXPECTED.items() for control in controls)


def test_fail_on_noncompliant_fails_the_run_after_writing(emulator: EmulatorProcess, fleet: dict[str, Any],
                                                          report_run: dict[str, Any]) -> None:
    """The gate, on one account and region: the files are written, then the run fails and names the table."""
    workdir = report_run["workdir"] / "gate"
    workdir.mkdir()
    account = fleet["accounts"]["shop-3"]
    result = run_report(emulator, fleet, workdir, account=account, report_fail_on_noncompliant=True,
                        report_controls={"BACKUP_NO_FAILED_JOBS": {"days": 1}, "DYNAMODB_DELETION_PROTECTION_ENABLED": False})
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-4000:]
    assert f"1 table(s) fail a control: {account}/us-east-1/carts (see " in output, output[-4000:]
    report = json.loads((workdir / "protection-report" / "report.json").read_text(encoding="utf-8"))
    assert [row["table_name"] for row in report["tables"]] == ["carts", "payments"]
    assert report["controls"]["BACKUP_NO_FAILED_JOBS"] == {"days": 1}
    assert report["controls"]["DYNAMODB_DELETION_PROTECTION_ENABLED"] is None


def test_the_role_and_playbook_follow_the_conventions() -> None:
    """Variables documented with their defaults, prefixed report_; the playbook shaped like the others."""
    defaults = yaml.safe_load((REPO / "roles" / "report" / "defaults" / "main.yml").read_text(encoding="utf-8"))
    specs = yaml.safe_load((REPO / "roles" / "report" / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    options = specs["argument_specs"]["main"]["options"]
    assert set(options) == set(defaults)
    for name, value in defaults.items():
        assert name.startswith("report_") and options[name].get("default") == value and options[name].get("description"), name
    play = yaml.safe_load((REPO / "playbooks" / "report.yml").read_text(encoding="utf-8"))[0]
    assert play["hosts"] == "{{ backupkit_hosts | default('localhost') }}"
    assert [role["role"] for role in play["roles"]] == ["backupkit.dynamodb.session", "backupkit.dynamodb.report"]
    assert "backup_protection_info" in (REPO / "meta" / "runtime.yml").read_text(encoding="utf-8")
