#!/usr/bin/env python3
"""`make demo`: load a DynamoDB table, protect it with AWS Backup, back it up, restore and verify it.

Runs the collection's playbooks in order and prints a short summary:

  1. backupkit.dynamodb.setup       the order_transaction table loaded from data/order_data.csv,
                                    the backup role, vault, plan and selection, the deny policy
  2. backupkit.dynamodb.backup_now  an on-demand backup, waited for
  3. backupkit.dynamodb.restore     the latest recovery point into order_transaction_restored,
                                    compared item by item with order_transaction
  -  the schedule (emulator only)   the emulator's clock moved a day at a time until the plan's
                                    rule has run: the scheduled backup's time, its start window
                                    and its recovery point's cold-storage and delete-at dates
  4. backupkit.dynamodb.cleanup     everything above removed again (cleanup_confirm=true)

Where it runs: against the local emulator, which it starts on a free port and stops at the end,
unless AWS_ENDPOINT_URL or AWS_PROFILE is set (or --aws is given); then against that endpoint or
profile, with the environment's credentials and region (AWS_REGION, default us-east-1), as
ansible-playbook would.

Each playbook's full output (JSON) is kept in .cache/demo/<step>.json. Cleanup runs even when an
earlier step failed (unless --keep). The exit status is non-zero when a step failed or the
restored table differs from the original.

Usage: demo.py [--keep] [--aws] [-e KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from backupkit_emulator.process import EmulatorProcess as Emulator

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOGS = ROOT / ".cache" / "demo"
REGION = "us-east-1"
START_TIMEOUT = 60
STEP_TIMEOUT = 3600
# the longest a plan made by setup waits between runs (protection_frequency monthly)
SCHEDULE_MAX_DAYS = 31


def playbook_environment(endpoint: str | None) -> dict[str, str]:
    """The environment of ansible-playbook: the emulator's when endpoint is given, else the caller's."""
    env = dict(os.environ)
    if endpoint:
        env = {k: v for k, v in env.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION=REGION,
            AWS_DEFAULT_REGION=REGION,
        )
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_SHOW_CUSTOM_STATS="true",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


class Step:
    """One playbook run: its status, time, custom stats and first failure."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ok = False
        self.seconds = 0.0
        self.stats: dict[str, Any] = {}
        self.error = ""

    def run(self, env: dict[str, str], extra_vars: list[str]) -> bool:
        command = [str(BIN / "ansible-playbook"), f"backupkit.dynamodb.{self.name}"]
        for value in extra_vars:
            command += ["-e", value]
        print(f"-- {self.name:<11} running", flush=True)
        started = time.monotonic()
        try:
            result = subprocess.run(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=STEP_TIMEOUT, check=False,
            )
            stdout, stderr, returncode = result.stdout, result.stderr, result.returncode
        except subprocess.TimeoutExpired as exc:
            stdout, stderr, returncode = _text(exc.stdout), _text(exc.stderr), -1
        self.seconds = time.monotonic() - started
        LOGS.mkdir(parents=True, exist_ok=True)
        (LOGS / f"{self.name}.json").write_text(stdout, encoding="utf-8")
        if stderr.strip():
            (LOGS / f"{self.name}.stderr").write_text(stderr, encoding="utf-8")
        report = _json_report(stdout)
        self.stats = report.get("global_custom_stats", {}) if report else {}
        self.ok = returncode == 0
        if not self.ok:
            self.error = _first_failure(report) or _tail(stderr or stdout) or f"exit status {returncode}"
        print(f"-- {self.name:<11} {'ok' if self.ok else 'FAILED'} in {self.seconds:.1f} s", flush=True)
        if not self.ok:
            print(f"   {self.error}\n   full output: {LOGS / (self.name + '.json')}", flush=True)
        return self.ok


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _tail(text: str, lines: int = 15) -> str:
    return "\n   ".join(text.strip().splitlines()[-lines:])


def _json_report(stdout: str) -> dict[str, Any]:
    """The JSON callback's report (warnings may precede it on stdout)."""
    start = stdout.find("{")
    if start < 0:
        return {}
    try:
        return json.loads(stdout[start:])
    except ValueError:
        return {}


def _first_failure(report: dict[str, Any]) -> str:
    """'task: message' of the first failed task in the JSON report."""
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for host, result in task.get("hosts", {}).items():
                if result.get("failed") or result.get("unreachable"):
                    message = result.get("msg") or result.get("stderr") or json.dumps(result)[:500]
                    return f"{host}: {task['task']['name']}: {message}"
    return ""


class ScheduleStep:
    """Move the emulator's clock a day at a time until the plan setup made has backed the table up;
    what the scheduled backup was (its time, window and lifecycle) goes into the summary."""

    name = "schedule"

    def __init__(self) -> None:
        self.ok = False
        self.seconds = 0.0
        self.found: dict[str, Any] = {}
        self.error = ""

    def run(self, emulator: Emulator, stats: dict[str, Any]) -> bool:
        print(f"-- {self.name:<11} moving the emulator's clock to the plan's next run", flush=True)
        started = time.monotonic()
        try:
            self.found = self._scheduled_backup(emulator, stats)
            self.ok = bool(self.found)
            if not self.ok:
                self.error = f"no scheduled backup within {SCHEDULE_MAX_DAYS} days of the emulator's clock"
        except Exception as exc:  # noqa: BLE001 - the demo reports the step as failed and goes on to cleanup
            self.error = f"{type(exc).__name__}: {exc}"
        self.seconds = time.monotonic() - started
        print(f"-- {self.name:<11} {'ok' if self.ok else 'FAILED'} in {self.seconds:.1f} s", flush=True)
        if not self.ok:
            print(f"   {self.error}", flush=True)
        return self.ok

    @staticmethod
    def _scheduled_backup(emulator: Emulator, stats: dict[str, Any]) -> dict[str, Any]:
        backup = boto3.client("backup", endpoint_url=emulator.endpoint, region_name=REGION,
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        plan_id = str(stats["protection_plan_arn"]).rsplit(":", 1)[-1]
        vault = stats["protection_vault_name"]
        plan = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
        clock_from = emulator.clock()
        points: list[dict[str, Any]] = []
        for _ in range(SCHEDULE_MAX_DAYS):
            clock_to = emulator.advance(86400)
            points = backup.list_recovery_points_by_backup_vault(
                BackupVaultName=vault, ByBackupPlanId=plan_id)["RecoveryPoints"]
            if points:
                break
        if not points:
            return {}
        point = min(points, key=lambda p: p["CreationDate"])
        rule = next(r for r in plan["Rules"] if r.get("RuleId") == point["CreatedBy"]["BackupRuleId"])
        jobs = backup.list_backup_jobs(ByResourceArn=point["ResourceArn"])["BackupJobs"]
        job = next(j for j in jobs if j.get("RecoveryPointArn") == point["RecoveryPointArn"])
        start_window = datetime.timedelta(minutes=rule.get("StartWindowMinutes", 480))
        window_start = job["StartBy"] - start_window
        return {
            "schedule": f"{rule['ScheduleExpression']} {rule.get('ScheduleExpressionTimezone', 'Etc/UTC')}",
            "clock": f"{clock_from} -> {clock_to}",
            "created": point["CreationDate"],
            "table": point["ResourceArn"].rsplit("/", 1)[-1],
            "window_start": window_start,
            "start_by": job["StartBy"],
            "complete_by": window_start + datetime.timedelta(minutes=rule.get("CompletionWindowMinutes", 10080)),
            "cold_at": (point.get("CalculatedLifecycle") or {}).get("MoveToColdStorageAt"),
            "delete_at": (point.get("CalculatedLifecycle") or {}).get("DeleteAt"),
        }

    def summary(self) -> list[str]:
        if not self.found:
            return [f"scheduled run:   FAILED ({self.error})"]
        found = self.found
        cold = f" (cold storage from {_utc(found['cold_at'])})" if found.get("cold_at") else ""
        return [
            f"schedule:        {found['schedule']}; emulator clock moved {found['clock']}",
            f"scheduled run:   {_utc(found['created'])} of {found['table']}, window {_utc(found['window_start'])}"
            f" to {_utc(found['start_by'])} (to complete by {_utc(found['complete_by'])})",
            f"delete at:       {_utc(found['delete_at'])}{cold}",
        ]


def _utc(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value) if value else "-"


def summary(steps: dict[str, Step], target: str, total: float, schedule: ScheduleStep | None = None) -> list[str]:
    stats: dict[str, Any] = {}
    for step in steps.values():
        stats.update(step.stats)
    points = stats.get("backup_now_recovery_point_arns") or {}
    equal = stats.get("restore_equal")
    lines = [
        "",
        f"== backupkit.dynamodb demo, against {target}",
        f"rows loaded:     {stats.get('table_rows_loaded', '-')}"
        + (f" into {stats['table_name']}" if stats.get("table_name") else ""),
        f"vault:           {stats.get('protection_vault_arn', '-')}",
        f"plan:            {stats.get('protection_plan_arn', '-')}",
        f"recovery point:  {stats.get('restore_recovery_point_arn') or next(iter(points.values()), '-')}",
        f"restored table:  {stats.get('restore_target_table', '-')}",
        f"equal:           {'yes' if equal is True else 'no' if equal is False else '-'}{_counts(stats)}",
        *(schedule.summary() if schedule is not None else []),
        "time per step:   " + ", ".join(f"{s.name} {s.seconds:.1f} s" for s in _all_steps(steps, schedule)),
        f"total:           {total:.1f} s",
    ]
    failed = [s.name for s in _all_steps(steps, schedule) if not s.ok]
    if failed:
        lines.append(f"FAILED:          {', '.join(failed)}")
    return lines


def _all_steps(steps: dict[str, Step], schedule: ScheduleStep | None) -> list[Any]:
    """The steps in the order they ran: the schedule after restore, before cleanup."""
    ordered: list[Any] = [s for name, s in steps.items() if name != "cleanup"]
    if schedule is not None:
        ordered.append(schedule)
    if "cleanup" in steps:
        ordered.append(steps["cleanup"])
    return ordered


def _counts(stats: dict[str, Any]) -> str:
    counts = stats.get("restore_comparison") or {}
    if not counts:
        return ""
    text = f" ({counts.get('source_count')} items in the original, {counts.get('target_count')} restored"
    differences = [f"{counts.get(k)} {k.replace('_', ' ')}" for k in ("missing_in_target", "extra_in_target", "different")
                   if str(counts.get(k, 0)) != "0"]
    return text + (", " + ", ".join(differences) if differences else "") + ")"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="do not run cleanup (and keep the emulator's endpoint up until Enter)")
    parser.add_argument("--aws", action="store_true",
                        help="use the environment's AWS credentials and region even without AWS_PROFILE or AWS_ENDPOINT_URL")
    parser.add_argument("-e", "--extra-vars", action="append", default=[], metavar="KEY=VALUE",
                        help="passed to every ansible-playbook run")
    args = parser.parse_args()

    started = time.monotonic()
    emulator: Emulator | None = None
    if args.aws or os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_PROFILE"):
        target = (f"AWS_ENDPOINT_URL={os.environ['AWS_ENDPOINT_URL']}" if os.environ.get("AWS_ENDPOINT_URL")
                  else f"AWS_PROFILE={os.environ['AWS_PROFILE']}" if os.environ.get("AWS_PROFILE")
                  else "AWS, with the credentials of the environment")
        env = playbook_environment(None)
    else:
        emulator = Emulator(start_timeout=START_TIMEOUT)
        emulator.wait_ready()
        target = f"the local emulator at {emulator.endpoint}"
        env = playbook_environment(emulator.endpoint)
    print(f"== backupkit.dynamodb demo against {target}", flush=True)

    steps: dict[str, Step] = {}
    schedule: ScheduleStep | None = None
    try:
        for name in ("setup", "backup_now", "restore"):
            steps[name] = Step(name)
            if not steps[name].run(env, args.extra_vars):
                break
        if emulator is not None and steps["setup"].ok:
            # only the emulator's clock can be moved: against AWS the plan runs on its own time
            schedule = ScheduleStep()
            schedule.run(emulator, steps["setup"].stats)
        if args.keep:
            print("-- cleanup     skipped (--keep)", flush=True)
            if emulator is not None and sys.stdin.isatty():
                input(f"   the emulator stays at {emulator.endpoint} until you press Enter ")
        else:
            steps["cleanup"] = Step("cleanup")
            steps["cleanup"].run(env, [*args.extra_vars, "cleanup_confirm=true"])
    finally:
        if emulator is not None:
            emulator.stop()

    print("\n".join(summary(steps, target, time.monotonic() - started, schedule)), flush=True)
    equal = steps.get("restore") is not None and steps["restore"].stats.get("restore_equal") is True
    scheduled = schedule is None or schedule.ok
    return 0 if all(s.ok for s in steps.values()) and len(steps) >= 3 and equal and scheduled else 1


if __name__ == "__main__":
    raise SystemExit(main())
