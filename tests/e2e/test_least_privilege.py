"""The published IAM policies (docs/iam/*.json) are enough for the playbooks, and every statement is needed.

One emulator with ``--iam-enforce`` (IAM, STS, DynamoDB, AWS Backup, KMS and Organizations
requests of IAM users and assumed roles are authorised against their policies). Its root keys
create the principals, each holding exactly one of the files:

- the IAM user ``deployer`` (backupkit-deployer.json): setup, backup_now, restore, drill, cleanup;
- the IAM user ``operator`` (backupkit-operator.json): backup_now, restore, drill, report;
- the role ``BackupkitAuditor`` (backupkit-auditor.json), assumed by the IAM user ``controller``
  (backupkit-fleet-controller.json) as a fleet run assumes it: report, through the
  ``aws_accounts`` inventory of the organization (its management account included).

**Enough** (``PASSING``): every one of those runs passes and no request of it is denied, but the
ones in ``TOLERATED``. The account starts with DynamoDB not opted in to AWS Backup (setup must call
UpdateRegionSettings), the guard is attached to a group, and a plan selects tables by tag while the
reports run (they must read table tags). Time to live is turned on after setup recorded the table's
settings, so the operator's backup_now records them again (``AFTER_A_SETTING_CHANGED``).

**Every statement is needed** (``REMOVALS`` names, per statement, the run that needs it and the
request it is needed for):

1. (always, every statement) in the passing runs, that statement was the *only* statement of its
   file that allowed that request (the emulator records which statements allowed each request:
   ``/_backupkit-iam/decisions``);
2. (the removal runs) the playbook runs again, as a principal holding the file *without that
   statement*, from the state its passing run started from; it must fail, its first denied request
   must be that one, every denied request one that only that statement allowed, and the output
   must name one. Removal runs fail before the playbook writes anything, but where ``REMOVALS``
   says otherwise (the test then puts the state back with the root keys).

CI runs the removal runs marked ``ci=True`` and one more that changes every day (``ROTATION``);
``BACKUPKIT_E2E_EVERY_STATEMENT=1`` runs all of them (docs/iam/README.md records such a run).
Statements needed on AWS that the emulator does not model are in ``NOT_CHECKED_BY_EMULATOR`` (they
must never allow a request here); actions listed for another path of the playbooks, or that AWS
checks and the emulator does not, are in ``OTHER_PATHS`` (they must never be asked for here).
"""

from __future__ import annotations

import copy
import json
import os
import re
import resource
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from backupkit_emulator.iam_policy import parse_policy
from backupkit_emulator.process import EmulatorProcess
from conftest import collections_path

# The tests of this file share one emulator and run in order: one pytest-xdist worker takes them all.
pytestmark = pytest.mark.xdist_group("e2e-least-privilege")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
POLICIES = REPO / "docs" / "iam"
GROUP = "developers"
AUDITOR_ROLE = "BackupkitAuditor"
PLAYBOOK_TIMEOUT = 600
EVERY_STATEMENT = bool(os.environ.get("BACKUPKIT_E2E_EVERY_STATEMENT"))
# Removal runs of one slot make no write: they run side by side, this many at a time.
PARALLEL = int(os.environ.get("BACKUPKIT_E2E_IAM_PARALLEL", "2"))
TINY_CSV = (
    "order_id,item_id,customer_id,quantity,price,status\n"
    "ORD-1,ITEM-1,C-1,2,9.99,DELIVERED\n"
    "ORD-1,ITEM-2,C-1,1,4.50,DELIVERED\n"
    "ORD-2,ITEM-1,C-2,3,7.25,SHIPPED\n"
)
# A second set of names (the backupkit- prefix the policies allow), for the cleanup removal runs
# that need a vault with a recovery point and a backup role of their own.
SPARE = {
    "table_name": "spare_orders",
    "protection_vault_name": "backupkit-spare-vault",
    "protection_role_name": "backupkit-spare-role",
    "guard_policy_name": "backupkit-spare-guard",
}
BACKUP_MANAGED_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
]


@dataclass(frozen=True)
class Removal:
    """Without ``sid``, ``policy``'s ``run`` fails, and its first denied request is ``action``."""

    policy: str
    sid: str
    run: str
    action: str
    ci: bool
    note: str = "fails before the playbook writes anything"

    @property
    def key(self) -> str:
        return f"{self.run} without {self.policy}/{self.sid}"

    @property
    def selected(self) -> bool:
        return self.ci or EVERY_STATEMENT or self.key in ROTATION


REMOVALS = [
    # setup in the fresh account: the first requests read (the guard's settings are checked first).
    Removal("deployer", "AccountWideActions", "setup as deployer", "backup:DescribeRegionSettings", False),
    Removal("deployer", "GuardPolicy", "setup as deployer", "iam:GetPolicy", False),
    Removal("deployer", "GuardGroups", "setup as deployer", "iam:GetGroup", False),
    Removal("deployer", "ReadTables", "setup as deployer", "dynamodb:DescribeTable", False),
    Removal("deployer", "WriteTables", "setup as deployer", "dynamodb:CreateTable", True,
            "the first write of setup, refused: nothing is created"),
    Removal("operator", "ReadBackupRole", "backup_now as operator", "iam:GetRole", False),
    Removal("operator", "StartBackups", "backup_now as operator", "backup:StartBackupJob", True),
    Removal("operator", "PassBackupRole", "backup_now as operator", "iam:PassRole", True,
            "StartBackupJob refused for the iam:PassRole it needs: no job starts"),
    Removal("operator", "RestoreRecoveryPoints", "restore as operator", "backup:DescribeRecoveryPoint", True),
    Removal("operator", "ReadTables", "restore as operator", "dynamodb:DescribeTable", False),
    # after a setting of the table changed since setup recorded it (AFTER_A_SETTING_CHANGED): backup_now
    # records it again on the table before the backup job
    Removal("operator", "RecordTableSettings", "backup_now as operator", "dynamodb:TagResource", False),
    Removal("operator", "DeleteDrillTables", "drill as operator", "dynamodb:DeleteTable", False,
            "fails at the drill's last step; the test deletes the drill table the run left"),
    Removal("deployer", "BackupRole", "backup_now as deployer", "iam:GetRole", True),
    Removal("deployer", "Vaults", "backup_now as deployer", "backup:StartBackupJob", False),
    Removal("deployer", "PassBackupRole", "backup_now as deployer", "iam:PassRole", False,
            "StartBackupJob refused for the iam:PassRole it needs: no job starts"),
    Removal("deployer", "RestoreRecoveryPoints", "restore as deployer", "backup:DescribeRecoveryPoint", False),
    Removal("operator", "AccountWideActions", "report as operator", "backup:ListBackupPlans", False),
    Removal("operator", "ReadPlansAndVaults", "report as operator", "backup:GetBackupPlan", True),
    Removal("fleet-controller", "ReadOrganization", "report as auditor (fleet)", "organizations:ListRoots",
            True, "the inventory cannot list the accounts: no host runs"),
    Removal("fleet-controller", "AssumeBackupkitRoles", "report as auditor (fleet)", "sts:AssumeRole", True),
    Removal("auditor", "AccountWideReads", "report as auditor (fleet)", "backup:ListBackupPlans", False),
    Removal("auditor", "ReadPlansAndVaults", "report as auditor (fleet)", "backup:GetBackupPlan", False),
    Removal("auditor", "ReadTableSettings", "report as auditor (fleet)", "dynamodb:DescribeTable", False),
    # setup under the spare names (before the first setup): CreateBackupVault is refused for what AWS Backup
    # needs of whoever creates a vault, after the table and the role were made.
    Removal("deployer", "VaultStorage", "setup of the spare names as deployer", "backup-storage:MountCapsule", False,
            "creates the spare table and role, then CreateBackupVault is refused; the test removes them"),
    Removal("deployer", "VaultEncryptionKey", "setup of the spare names as deployer", "kms:CreateGrant", False,
            "creates the spare table and role, then CreateBackupVault is refused; the test removes them"),
    # cleanup of a second vault (with a recovery point) and role: the first write is refused.
    Removal("deployer", "DeleteRecoveryPoints", "cleanup of the spare names as deployer", "backup:DeleteRecoveryPoint",
            False, "the first write of that cleanup, refused"),
    Removal("deployer", "BackupRoleManagedPolicies", "cleanup of the spare names as deployer", "iam:DetachRolePolicy",
            False, "deletes the spare vault and its recovery point first; the test removes the rest"),
    Removal("deployer", "Plans", "cleanup as deployer", "backup:GetBackupPlan", False),
    Removal("deployer", "GuardGroupAttachments", "cleanup as deployer", "iam:DetachGroupPolicy", False,
            "the first write of cleanup, refused: nothing is deleted"),
]
# Besides the ci=True removals, each day of CI runs one other removal in turn (each comes round
# every len(_ROTATING) days, 21): BACKUPKIT_E2E_IAM_ROTATION=<n> picks the n-th instead.
_ROTATING = [r.key for r in REMOVALS if not r.ci]
ROTATION = {_ROTATING[int(os.environ.get("BACKUPKIT_E2E_IAM_ROTATION", date.today().toordinal())) % len(_ROTATING)]}
# Denied requests a playbook goes on without (they are not granted: the run does not need them).
TOLERATED = {
    "iam:ListAccountAliases": "amazon.aws.aws_caller_info, with which the session role checks that a fleet "
                              "host's role can be assumed, asks for the account alias and goes on without it",
}
_AUTO_SCALING = ("Application Auto Scaling is not enforced by the emulator; without these reads the table's settings "
                 "are recorded but auto scaling, with a warning naming the actions (ddb_table_settings)")
NOT_CHECKED_BY_EMULATOR: dict[tuple[str, str], str] = {
    ("deployer", "ReadAutoScaling"): _AUTO_SCALING,
    ("operator", "ReadAutoScaling"): _AUTO_SCALING,
}
# Removal runs that start after a setting of the table changed (time to live turned on with the root keys
# after the other removal runs of that run): backup_now must record it again, the other runs write nothing.
AFTER_A_SETTING_CHANGED = {("operator", "RecordTableSettings")}
# Actions a policy lists that the emulator never sees asked for here: another path of the
# playbooks needs them, or AWS checks them along with the call and the emulator does not.
OTHER_PATHS = {
    ("deployer", "dynamodb:BatchGetItem"): "ddb_table_compare reads the differing items it samples, and compares tables "
                                           "above 2,000,000 items, with it; ddb_csv_load's sync with compare_by: batch_get",
    ("operator", "dynamodb:BatchGetItem"): "ddb_table_compare (restore, drill) reads the differing items it samples, and "
                                           "compares tables above 2,000,000 items, with it",
    ("deployer", "backup:UpdateBackupPlan"): "setup, when a policy's schedule, window or lifecycle changes",
    ("deployer", "iam:CreatePolicyVersion"): "setup, when the guard's deny statement changes",
    ("deployer", "iam:DeletePolicyVersion"): "setup, when the guard policy already has five versions",
    ("deployer", "dynamodb:UntagResource"): "setup and backup_now, when a setting recorded on a table was turned off",
    ("operator", "dynamodb:UntagResource"): "backup_now, when a setting recorded on a table was turned off",
    ("fleet-controller", "organizations:DescribeOrganization"):
        "the inventory, to leave the management account out (include_management_account: false, the default)",
}
PASSING = [
    "setup as deployer",
    "backup_now as operator",
    "restore as operator",
    "drill as operator",
    "backup_now as deployer",
    "restore as deployer",
    "drill as deployer",
    "report as operator",
    "report as auditor (fleet)",
    "cleanup as deployer",
]
# Which principal's requests belong to which policy (the fleet run has two): the user (or role)
# holding it, or a user holding it without one statement (``deployer-without-Plans``).
CALLERS = {
    "deployer": re.compile(r":user/deployer(-without-\w+)?$"),
    "operator": re.compile(r":user/operator(-without-\w+)?$"),
    "fleet-controller": re.compile(r":user/controller(-without-\w+)?$"),
    "auditor": re.compile(f":role/{AUDITOR_ROLE}$"),
}


def policy(name: str) -> dict[str, Any]:
    return json.loads((POLICIES / f"backupkit-{name}.json").read_text(encoding="utf-8"))


def without(document: dict[str, Any], sid: str) -> dict[str, Any]:
    smaller = copy.deepcopy(document)
    smaller["Statement"] = [s for s in smaller["Statement"] if s["Sid"] != sid]
    assert len(smaller["Statement"]) == len(document["Statement"]) - 1, sid
    return smaller


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


@dataclass
class Run:
    """One ansible-playbook run: exit status, output, the requests authorised during it, seconds."""

    returncode: int | None
    output: str
    requests: list[dict[str, Any]]
    seconds: float

    def of(self, policy_name: str) -> list[dict[str, Any]]:
        return [d for d in self.requests if CALLERS[policy_name].search(d["caller"])]

    def denied(self) -> list[dict[str, Any]]:
        """The denied requests, but those the playbooks go on without (``TOLERATED``)."""
        return [d for d in self.requests if not d["allowed"] and d["action"] not in TOLERATED]


class Journey:
    """The principals, the runs (in order) and their results."""

    def __init__(self, emulator: EmulatorProcess, workdir: Path) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.results: dict[str, Run] = {}
        self.recorded_tags: dict[str, str] = {}  # the table's tags after the operator's backup_now
        self.cpu = {"ansible": 0.0, "emulator": 0.0}  # CPU seconds of the runs and of the emulator meanwhile
        self.keys: dict[str, dict[str, str]] = {}
        self.policy_arns: dict[str, str] = {}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "BACKUPKIT_"))}
        self.env.update(
            AWS_ENDPOINT_URL=emulator.endpoint,
            AWS_REGION=REGION,
            AWS_DEFAULT_REGION=REGION,
            ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
            ANSIBLE_COLLECTIONS_PATH=collections_path(workdir / "collections"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_DEPRECATION_WARNINGS="0",
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        self.common = {
            "table_csv": str(workdir / "orders.csv"),
            "table_column_types": {"quantity": "N", "price": "N"},
            "backupkit_session_config_dir": str(workdir / "session"),
        }

    # -- the account, with the root keys ------------------------------------------------

    def root(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.emulator.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def managed_policy(self, name: str, document: dict[str, Any]) -> str:
        if name not in self.policy_arns:
            self.policy_arns[name] = self.root("iam").create_policy(
                PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        return self.policy_arns[name]

    def user(self, name: str, policy_name: str, removed: str | None = None) -> dict[str, str]:
        """Access keys of a user holding only ``policy_name`` (without the statement ``removed``)."""
        user = name if removed is None else f"{name}-without-{removed}"
        if user not in self.keys:
            document = policy(policy_name) if removed is None else without(policy(policy_name), removed)
            arn = self.managed_policy(f"backupkit-{policy_name}" + (f"-without-{removed}" if removed else ""), document)
            iam = self.root("iam")
            iam.create_user(UserName=user)
            iam.attach_user_policy(UserName=user, PolicyArn=arn)
            key = iam.create_access_key(UserName=user)["AccessKey"]
            self.keys[user] = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        return self.keys[user]

    def auditor_holds(self, removed: str | None) -> None:
        """The auditor role holds the auditor policy, or it without one statement."""
        iam = self.root("iam")
        for attached in iam.list_attached_role_policies(RoleName=AUDITOR_ROLE)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=AUDITOR_ROLE, PolicyArn=attached["PolicyArn"])
        document = policy("auditor") if removed is None else without(policy("auditor"), removed)
        name = "backupkit-auditor" + (f"-without-{removed}" if removed else "")
        iam.attach_role_policy(RoleName=AUDITOR_ROLE, PolicyArn=self.managed_policy(name, document))

    def prepare(self) -> None:
        """The group the guard is attached to, the fleet (the organization, the auditor role) and a fresh account."""
        iam = self.root("iam")
        iam.create_group(GroupName=GROUP)
        account = self.root("sts").get_caller_identity()["Account"]
        iam.create_role(RoleName=AUDITOR_ROLE, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                           "Action": "sts:AssumeRole"}]}))
        self.auditor_holds(None)
        self.root("organizations").create_organization(FeatureSet="ALL")
        (self.workdir / "fleet.aws_accounts.yml").write_text(
            "plugin: backupkit.dynamodb.aws_accounts\n"
            f"endpoint_url: {self.emulator.endpoint}\n"
            "include_management_account: true\n"
            f"role_name: {AUDITOR_ROLE}\n"
            f"regions:\n  - {REGION}\n",
            encoding="utf-8",
        )
        # A fresh account: DynamoDB is not opted in to AWS Backup yet, setup must do it.
        self.root("backup").update_region_settings(ResourceTypeOptInPreference={"DynamoDB": False})

    # -- the runs ------------------------------------------------------------------------------

    def _decisions(self, method: str) -> Any:
        request = urllib.request.Request(self.emulator.endpoint + "/_backupkit-iam/decisions", method=method)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def _play(self, playbook: str, keys: dict[str, str], extra: dict[str, Any], fleet: bool) -> tuple[int | None, str, float]:
        command = [str(BIN / "ansible-playbook"), f"backupkit.dynamodb.{playbook}",
                   "-e", json.dumps({**self.common, **extra})]
        env = {**self.env, **keys}
        if fleet:
            command += ["-i", str(self.workdir / "fleet.aws_accounts.yml"), "-e", "backupkit_hosts=aws_accounts"]
            # An inventory that cannot be read fails the run instead of leaving no host to run on.
            env["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "1"
        else:  # as the README runs a playbook on one account (no "No inventory was parsed" warning)
            command += ["-i", str(REPO / "inventory" / "single_account.yml")]
        started = time.monotonic()
        try:
            done = subprocess.run(command, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
            returncode, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as expired:  # one stuck run fails its own test, not the others
            partial = expired.stdout or b""
            partial = partial.decode(errors="replace") if isinstance(partial, bytes) else partial
            returncode, output = None, f"timed out after {PLAYBOOK_TIMEOUT}s:\n{partial}"
        return returncode, output, time.monotonic() - started

    def batch(self, runs: list[tuple[str, str, dict[str, str], dict[str, Any], bool]]) -> None:
        """Run (key, playbook, keys, extra vars, fleet) side by side; each run's requests are those of its principal.

        Runs of one batch must not depend on each other (removal runs that write nothing), and each
        must have a principal of its own; a fleet run (two principals) runs alone."""
        assert len(runs) == 1 or not any(run[4] for run in runs)
        self._decisions("POST")
        cpu = self._cpu()
        with ThreadPoolExecutor(max_workers=max(1, PARALLEL)) as pool:
            done = list(pool.map(lambda run: self._play(*run[1:]), runs))
        spent = {name: after - before for (name, before), after in zip(cpu.items(), self._cpu().values())}
        for name, seconds in spent.items():
            self.cpu[name] += seconds
        recorded = self._decisions("GET")["decisions"]
        for (key, _playbook, keys, _extra, _fleet), (returncode, output, seconds) in zip(runs, done):
            mine = recorded if len(runs) == 1 else [
                d for d in recorded if self._user_of(keys) and d["caller"].endswith(f":user/{self._user_of(keys)}")]
            self.results[key] = Run(returncode, output, mine, seconds)
            denied = [d["action"] for d in mine if not d["allowed"] and d["action"] not in TOLERATED]
            print(f"{key}: exit {returncode} in {seconds:.1f}s, {len(mine)} requests"
                  + (f", first denied {denied[0]}" if denied else ""))
        print(f"  CPU: ansible {spent['ansible']:.1f}s, emulator {spent['emulator']:.1f}s")

    def _cpu(self) -> dict[str, float]:
        """CPU seconds so far of the finished ansible-playbook runs (with their modules) and of the emulator."""
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        fields = Path(f"/proc/{self.emulator.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return {"ansible": children.ru_utime + children.ru_stime,
                "emulator": (int(fields[11]) + int(fields[12])) / ticks}

    def _user_of(self, keys: dict[str, str]) -> str:
        return next(name for name, k in self.keys.items() if k is keys)

    def removals(self, run: str, extra: dict[str, Any] | None = None, setting_changed: bool = False) -> None:
        """The selected removal runs of ``run`` (deployer and operator runs), side by side: those of
        ``AFTER_A_SETTING_CHANGED`` with ``setting_changed``, the others without."""
        playbook, principal = run.split(" as ")
        todo = [r for r in REMOVALS if r.run == run and r.selected
                and ((r.policy, r.sid) in AFTER_A_SETTING_CHANGED) == setting_changed]
        if not todo:
            return
        self.batch([(r.key, playbook, self.user(principal, r.policy, r.sid), extra or {}, False) for r in todo])

    def passing(self, run: str, extra: dict[str, Any] | None = None) -> None:
        playbook, principal = run.split(" as ")
        self.batch([(run, playbook, self.user(principal, principal), extra or {}, False)])


def delete_table(journey: Journey, name: str) -> None:
    """Delete the table if it exists (a run that should have left it may have failed earlier)."""
    ddb = journey.root("dynamodb")
    if name not in ddb.list_tables()["TableNames"]:
        return
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def tag_selection(journey: Journey, present: bool) -> None:
    """A plan that selects tables by tag (so the report reads table tags), or none."""
    backup = journey.root("backup")
    if present:
        plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": "tagged-tables", "Rules": [
            {"RuleName": "daily", "TargetBackupVaultName": "backupkit-dynamodb-vault",
             "ScheduleExpression": "cron(0 5 ? * * *)"}]})["BackupPlanId"]
        role = journey.root("iam").get_role(RoleName="backupkit-dynamodb-backup-role")["Role"]["Arn"]
        backup.create_backup_selection(BackupPlanId=plan, BackupSelection={
            "SelectionName": "managed-by-backupkit", "IamRoleArn": role, "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "ManagedBy", "ConditionValue": "backupkit.dynamodb"}]})
        return
    for plan in backup.list_backup_plans()["BackupPlansList"]:
        if plan["BackupPlanName"] == "tagged-tables":
            for selection in backup.list_backup_selections(BackupPlanId=plan["BackupPlanId"])["BackupSelectionsList"]:
                backup.delete_backup_selection(BackupPlanId=plan["BackupPlanId"], SelectionId=selection["SelectionId"])
            backup.delete_backup_plan(BackupPlanId=plan["BackupPlanId"])


def spare_resources(journey: Journey, present: bool) -> None:
    """A table, a backup role and a vault holding one recovery point under the spare names (or none of them)."""
    ddb, iam, backup = journey.root("dynamodb"), journey.root("iam"), journey.root("backup")
    table, vault, role = SPARE["table_name"], SPARE["protection_vault_name"], SPARE["protection_role_name"]
    tags = [{"Key": "ManagedBy", "Value": "backupkit.dynamodb"}]
    if present:
        arn = ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", Tags=tags,
                               AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
                               KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}])["TableDescription"]["TableArn"]
        role_arn = iam.create_role(RoleName=role, Tags=tags, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        for managed in BACKUP_MANAGED_POLICIES:
            iam.attach_role_policy(RoleName=role, PolicyArn=managed)
        backup.create_backup_vault(BackupVaultName=vault, BackupVaultTags={"ManagedBy": "backupkit.dynamodb"})
        job = backup.start_backup_job(BackupVaultName=vault, ResourceArn=arn, IamRoleArn=role_arn)["BackupJobId"]
        deadline = time.monotonic() + 120
        while backup.describe_backup_job(BackupJobId=job)["State"] != "COMPLETED":
            assert time.monotonic() < deadline, "the spare backup job did not complete"
            time.sleep(0.5)
        return
    for name in (table, f"{table}_restored"):
        delete_table(journey, name)
    if any(v["BackupVaultName"] == vault for v in backup.list_backup_vaults()["BackupVaultList"]):
        for point in backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]:
            backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=point["RecoveryPointArn"])
        backup.delete_backup_vault(BackupVaultName=vault)
    if any(r["RoleName"] == role for r in iam.list_roles()["Roles"]):
        for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
        iam.delete_role(RoleName=role)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--iam-enforce") as server:
        yield server


@pytest.fixture(scope="module")
def journey(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> Journey:
    """Every run, in order: before each passing run, the removal runs that start from the same state."""
    workdir = tmp_path_factory.mktemp("least-privilege")
    (workdir / "orders.csv").write_text(TINY_CSV, encoding="utf-8")
    link = workdir / "collections" / "ansible_collections" / "backupkit" / "dynamodb"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    journey = Journey(emulator, workdir)
    journey.prepare()
    started = time.monotonic()
    setup = {"guard_attach_groups": [GROUP]}

    spare_setup = "setup of the spare names as deployer"
    for removal in REMOVALS:  # one after the other: each creates the spare table and role before it fails
        if removal.run == spare_setup and removal.selected:
            journey.batch([(removal.key, "setup", journey.user("deployer", "deployer", removal.sid),
                            {**setup, **SPARE}, False)])
            spare_resources(journey, False)
    journey.removals("setup as deployer", setup)
    journey.passing("setup as deployer", setup)
    for run in ("backup_now as operator", "restore as operator", "drill as operator"):
        journey.removals(run)
        if run == "backup_now as operator":
            # a setting changed since setup recorded the settings: backup_now records them again
            journey.root("dynamodb").update_time_to_live(
                TableName="order_transaction", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
            journey.removals(run, setting_changed=True)
        if run == "drill as operator":
            delete_table(journey, "order_transaction_drill")  # left by the run without DeleteDrillTables
        journey.passing(run)
        if run == "backup_now as operator":
            ddb = journey.root("dynamodb")
            arn = ddb.describe_table(TableName="order_transaction")["Table"]["TableArn"]
            journey.recorded_tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    delete_table(journey, "order_transaction_restored")  # the deployer restores into it again
    for run in ("backup_now as deployer", "restore as deployer", "drill as deployer"):
        journey.removals(run)
        journey.passing(run)

    tag_selection(journey, True)
    report = {"report_dir": str(workdir / "report-operator")}
    journey.removals("report as operator", report)
    journey.passing("report as operator", report)
    fleet_report = {"report_dir": str(workdir / "report-auditor")}
    controller = journey.user("controller", "fleet-controller")
    for removal in REMOVALS:
        if removal.run != "report as auditor (fleet)" or not removal.selected:
            continue
        if removal.policy == "auditor":
            journey.auditor_holds(removal.sid)
            keys = controller
        else:
            keys = journey.user("controller", removal.policy, removal.sid)
        journey.batch([(removal.key, "report", keys, fleet_report, True)])
        journey.auditor_holds(None)
    journey.batch([("report as auditor (fleet)", "report", controller, fleet_report, True)])
    tag_selection(journey, False)

    spare_run = "cleanup of the spare names as deployer"
    if any(r.run == spare_run and r.selected for r in REMOVALS):
        spare_resources(journey, True)
        for removal in REMOVALS:  # one after the other: the second deletes the vault before it fails
            if removal.run == spare_run and removal.selected:
                journey.batch([(removal.key, "cleanup", journey.user("deployer", "deployer", removal.sid),
                                {**SPARE, "cleanup_confirm": True}, False)])
        spare_resources(journey, False)
    journey.removals("cleanup as deployer", {"cleanup_confirm": True})
    journey.passing("cleanup as deployer", {"cleanup_confirm": True})
    print(f"least privilege: {len(journey.results)} runs in {time.monotonic() - started:.0f}s; CPU: ansible "
          f"{journey.cpu['ansible']:.0f}s, emulator {journey.cpu['emulator']:.0f}s")
    return journey


# -- the files themselves ----------------------------------------------------------------------

NAMES = ["deployer", "operator", "auditor", "fleet-controller"]


@pytest.mark.parametrize("name", NAMES)
def test_the_policy_file_is_a_valid_identity_policy(name: str) -> None:
    """Parsed as the emulator (and IAM) parse it; unique Sids; only Allow; within IAM's 6,144-character limit."""
    text = (POLICIES / f"backupkit-{name}.json").read_text(encoding="utf-8")
    parse_policy(text, name)
    document = json.loads(text)
    assert document["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in document["Statement"]]
    assert len(sids) == len(set(sids)) and all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids), sids
    assert {s["Effect"] for s in document["Statement"]} == {"Allow"}
    assert len(re.sub(r"\s", "", text)) <= 6144


def test_every_statement_has_a_removal_run_or_a_reason() -> None:
    listed = {(r.policy, r.sid) for r in REMOVALS} | set(NOT_CHECKED_BY_EMULATOR)
    published = {(name, s["Sid"]) for name in NAMES for s in policy(name)["Statement"]}
    assert listed == published
    assert len(REMOVALS) == len({(r.policy, r.sid) for r in REMOVALS})


def test_the_auditor_only_reads_settings() -> None:
    """Describe/List/Get calls only: no write, and no item read (no Scan, Query, GetItem, BatchGetItem)."""
    listed = [a for s in policy("auditor")["Statement"] for a in actions(s)]
    assert listed and all(re.fullmatch(r"[a-z0-9-]+:(Describe|List|Get)[A-Za-z]+", a) for a in listed), listed
    assert not [a for a in listed if a.endswith("Item") or "*" in a]


# -- enough --------------------------------------------------------------------------------------


@pytest.mark.parametrize("run", PASSING)
def test_the_playbook_passes_holding_only_the_published_policy(journey: Journey, run: str) -> None:
    result = journey.results[run]
    assert result.returncode == 0, f"{run} failed:\n{result.output[-5000:]}"
    denied = [(d["caller"], d["action"], d["resource"]) for d in result.denied()]
    assert denied == [], f"{run}: requests denied (and tolerated) under the published policy: {denied}"
    assert result.requests, f"{run}: no request was authorised (was --iam-enforce on?)"


def test_the_journey_did_the_work(journey: Journey) -> None:
    """Setup opted DynamoDB in; the operator's backup_now recorded the time to live turned on after setup;
    each report saw the protected table; cleanup left nothing behind."""
    assert journey.root("backup").describe_region_settings()["ResourceTypeOptInPreference"]["DynamoDB"] is True
    recorded = journey.recorded_tags
    assert recorded.get("backupkit:ttl") == "expires_at" and "ttl" in recorded.get("backupkit:settings", ""), recorded
    for report in ("report-operator", "report-auditor"):
        rows = json.loads((journey.workdir / report / "report.json").read_text(encoding="utf-8"))["tables"]
        assert {r["table_name"]: r["protected"] for r in rows}.get("order_transaction") is True, (report, rows)
    assert journey.root("dynamodb").list_tables()["TableNames"] == []
    assert journey.root("backup").list_backup_vaults()["BackupVaultList"] == []
    assert journey.root("backup").list_backup_plans()["BackupPlansList"] == []
    roles = {r["RoleName"] for r in journey.root("iam").list_roles()["Roles"]}
    assert not {r for r in roles if r.startswith("backupkit-")}


# -- every statement is needed ----------------------------------------------------------------


def sole_allowers(journey: Journey, policy_name: str) -> dict[str, set[str]]:
    """Sid -> the actions it alone allowed (of ``policy_name``) in the passing runs."""
    found: dict[str, set[str]] = {}
    for run in PASSING:
        for decision in journey.results[run].of(policy_name):
            sids = {s["sid"] for s in decision["statements"] if s["policy"] == f"backupkit-{policy_name}"}
            if decision["allowed"] and len(sids) == 1:
                found.setdefault(sids.pop(), set()).add(decision["action"])
    return found


@pytest.mark.parametrize("removal", REMOVALS, ids=lambda r: f"{r.policy}/{r.sid}")
def test_the_statement_alone_allowed_the_request_its_removal_run_needs(journey: Journey, removal: Removal) -> None:
    """Without the statement, that request of the passing run would have been denied (nothing else allows it)."""
    sole = sole_allowers(journey, removal.policy)
    assert removal.action in sole.get(removal.sid, set()), (removal, sole)


@pytest.mark.parametrize("removal", REMOVALS, ids=lambda r: f"{r.policy}/{r.sid}")
def test_without_the_statement_the_playbook_fails(journey: Journey, removal: Removal) -> None:
    if not removal.selected:
        pytest.skip("not today's: BACKUPKIT_E2E_EVERY_STATEMENT=1 runs it (CI: ci=True and one a day, ROTATION)")
    result = journey.results[removal.key]
    assert result.returncode not in (0, None), f"{removal.key} passed:\n{result.output[-3000:]}"
    denied = [d["action"] for d in result.denied() if d in result.of(removal.policy)]
    assert denied and denied[0] == removal.action, (removal.key, denied)
    # Each refusal is of a request that only the removed statement allowed in the passing runs.
    assert set(denied) <= sole_allowers(journey, removal.policy).get(removal.sid, set()), denied
    # The run stops at one of them (a module may go on without the first: setup without
    # DescribeRegionSettings stops at ListBackupPlans) and says which.
    named = [a for a in denied if f"not authorized to perform: {a}" in result.output]
    assert named, f"{removal.key}: the output names no denied action ({denied}):\n{result.output[-3000:]}"


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_called_or_needed_on_another_path(journey: Journey, name: str) -> None:
    used = {d["action"] for run in PASSING for d in journey.results[run].of(name) if d["allowed"]}
    unchecked = {sid for (owner, sid) in NOT_CHECKED_BY_EMULATOR if owner == name}
    listed = {a for s in policy(name)["Statement"] if s["Sid"] not in unchecked for a in actions(s)}
    other = {action for (owner, action) in OTHER_PATHS if owner == name}
    assert sorted(listed - used - other) == [], "listed, never called, no reason given"
    assert sorted(other & used) == [], "called after all: take them out of OTHER_PATHS"


def test_the_statements_the_emulator_cannot_check_allowed_nothing(journey: Journey) -> None:
    matched = {(s["policy"].removeprefix("backupkit-"), s["sid"])
               for run in PASSING for d in journey.results[run].requests for s in d["statements"]}
    assert not matched & set(NOT_CHECKED_BY_EMULATOR)
