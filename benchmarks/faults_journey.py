#!/usr/bin/env python3
"""The whole journey under injected faults, per seed; and how far the 5xx rate can go (issue 17).

For each seed (default 1..5) a fresh emulator gets faults on every service
(``POST /_backupkit/settings``: ``error_rate`` HTTP 500 InternalServerError, ``throttle_rate`` the
service's throttling error, ``unprocessed_rate`` for BatchWriteItem, ``seed``), then runs, one
``ansible-playbook`` after the other, with the sample table (2,856 rows):

  setup, setup again (must report changed=0), backup_now, restore, drill, report (the protection
  report, ``backupkit.dynamodb.report``), cleanup -e cleanup_confirm=true

Each step runs even when an earlier one failed (cleanup always), so one failure does not hide the
next. Then, with the faults off, it lists what is left in the account (DynamoDB tables and
backups, backup vaults, plans, selections, recovery points, IAM roles and customer-managed
policies, KMS keys not pending deletion) and compares it with what the fresh emulator had before
the journey: anything new is "left behind".

Per seed and step: ok / failed, wall seconds, changed tasks, and for a failed step every failed
task with the AWS operation and error code its message names ("when calling the X operation").

    .venv/bin/python benchmarks/faults_journey.py                      # 5 seeds at 20% 5xx, 10% throttling
    .venv/bin/python benchmarks/faults_journey.py --seeds 1 2 --error-rate 0.05
    .venv/bin/python benchmarks/faults_journey.py --find-limit --seeds 1   # 5xx 0.2, 0.3, 0.4, 0.5

``--find-limit`` runs the journey at each ``--limit-rates`` 5xx rate in turn (throttling
``--throttle-rate``), per seed, and stops at the first rate where a step fails: that rate and the
call are the limit. Output: a table on stdout, every figure in ``build/bench/faults_journey.json``
(``--json``), each playbook's JSON output under ``.cache/bench/faults/`` (``--output``).
A journey takes 1-3 minutes of wall time on a 2-core machine; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from backupkit_emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
REGION = "us-east-1"
STEP_TIMEOUT = 1800
# (step, playbook, extra vars)
STEPS = (
    ("setup", "setup", []),
    ("setup again", "setup", []),
    ("backup_now", "backup_now", []),
    ("restore", "restore", []),
    ("drill", "drill", []),
    ("report", "report", []),
    ("cleanup", "cleanup", ["cleanup_confirm=true"]),
)
CALL = re.compile(r"An error occurred \((?P<code>[\w.]+)\) when calling the (?P<operation>\w+) operation"
                  r"(?: \(reached max retries: (?P<retries>\d+)\))?")
# A botocore waiter's poll that failed with an error no acceptor of the waiter matches (community.aws.dynamodb_table's
# wait: "Timeout while waiting for table creation: Waiter table_exists failed: An error occurred (CODE): ...")
WAITER = re.compile(r"Waiter (?P<waiter>\w+) failed: An error occurred \((?P<code>[\w.]+)\)")
# the operation each waiter the roles' modules use polls (community.aws's DynamoDB waiters, amazon.aws.iam_role's)
WAITER_OPERATIONS = {
    "table_exists": "DescribeTable", "table_not_exists": "DescribeTable", "global_indexes_active": "DescribeTable",
    "TableExists": "DescribeTable", "TableNotExists": "DescribeTable",
    "role_exists": "GetRole", "RoleExists": "GetRole", "policy_exists": "GetPolicy",
}


def playbook_environment(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_DEPRECATION_WARNINGS="0",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def _json_report(stdout: str) -> dict[str, Any]:
    start = stdout.find("{")
    try:
        return json.loads(stdout[start:]) if start >= 0 else {}
    except ValueError:
        return {}


def _failed_results(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The failed results of one host's task result: the items of a loop, or the result itself."""
    items = [r for r in result.get("results", []) if isinstance(r, dict) and r.get("failed")]
    return items or ([result] if result.get("failed") or result.get("unreachable") else [])


def attribute(*texts: str) -> tuple[str, str, int | None]:
    """(operation, error code, botocore's retries) a failure's message names: botocore's ClientError ("when calling
    the X operation"), else a waiter's failed poll (the waiter's operation, "DescribeTable (waiter table_exists)")."""
    for text in texts:
        match = CALL.search(text)
        if match:
            return match["operation"], match["code"], int(match["retries"]) if match["retries"] else None
    for text in texts:
        match = WAITER.search(text)
        if match:
            operation = WAITER_OPERATIONS.get(match["waiter"], "")
            label = f"{operation} (waiter {match['waiter']})" if operation else f"waiter {match['waiter']}"
            return label, match["code"], None
    return "", "", None


def failures(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every failed task of a json-callback report that was not ignored: task, message, operation, code."""
    found = []
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for result in task.get("hosts", {}).values():
                if result.get("ignore_errors") or result.get("_ansible_ignore_errors"):
                    continue
                for failed in _failed_results(result):
                    message = str(failed.get("msg") or failed.get("stderr") or failed.get("module_stderr")
                                  or json.dumps(failed)[:500])
                    error = failed.get("error") if isinstance(failed.get("error"), dict) else {}
                    operation, code, retries = attribute(message, json.dumps(failed))
                    found.append(dict(
                        task=task["task"]["name"], action=failed.get("action") or result.get("action", ""),
                        operation=operation, code=code or error.get("code", ""), botocore_retries=retries,
                        message=message[:600]))
    return found


def changed_tasks(report: dict[str, Any]) -> int:
    return sum(s.get("changed", 0) for s in report.get("stats", {}).values())


def run_step(name: str, playbook: str, extra: list[str], env: dict[str, str], logs: Path,
             workdir: Path) -> dict[str, Any]:
    command = [str(VENV_BIN / "ansible-playbook"), f"backupkit.dynamodb.{playbook}",
               "-e", f"report_dir={workdir / 'protection-report'}"]
    for value in extra:
        command += ["-e", value]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=STEP_TIMEOUT, check=False)
        stdout, stderr, rc = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        stdout, stderr, rc = str(exc.stdout or ""), str(exc.stderr or ""), -1
    seconds = time.monotonic() - started
    slug = name.replace(" ", "_")
    (logs / f"{slug}.json").write_text(stdout, encoding="utf-8")
    if stderr.strip():
        (logs / f"{slug}.stderr").write_text(stderr, encoding="utf-8")
    report = _json_report(stdout)
    failed = failures(report) if rc != 0 else []
    if rc != 0 and not failed:
        failed = [dict(task="", action="", operation="", code="", botocore_retries=None,
                       message=(stderr or stdout).strip()[-600:] or f"exit status {rc}")]
    step = dict(step=name, ok=rc == 0, rc=rc, seconds=round(seconds, 1), changed=changed_tasks(report),
                failures=failed, log=str(logs / f"{slug}.json"))
    if name == "setup again" and step["ok"] and step["changed"]:
        step["ok"] = False
        step["failures"] = [dict(task="", action="", operation="", code="", botocore_retries=None,
                                 message=f"setup again reported changed={step['changed']} (must be 0)")]
    return step


def inventory(endpoint: str) -> dict[str, list[str]]:
    """What the account holds, as sorted names per kind (faults must be off)."""
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    dynamodb, backup, iam, kms = client("dynamodb"), client("backup"), client("iam"), client("kms")
    found: dict[str, list[str]] = {}
    found["tables"] = [n for page in dynamodb.get_paginator("list_tables").paginate() for n in page["TableNames"]]
    found["dynamodb backups"] = [b["BackupArn"] for b in dynamodb.list_backups().get("BackupSummaries", [])]
    vaults = [v["BackupVaultName"] for page in backup.get_paginator("list_backup_vaults").paginate()
              for v in page["BackupVaultList"]]
    found["vaults"] = vaults
    found["recovery points"] = [
        f"{vault}: {p['RecoveryPointArn']}" for vault in vaults
        for page in backup.get_paginator("list_recovery_points_by_backup_vault").paginate(BackupVaultName=vault)
        for p in page["RecoveryPoints"]]
    plans = [(p["BackupPlanName"], p["BackupPlanId"]) for page in backup.get_paginator("list_backup_plans").paginate()
             for p in page["BackupPlansList"]]
    found["plans"] = [name for name, _ in plans]
    found["selections"] = [
        f"{name}: {s['SelectionName']}" for name, plan_id in plans
        for page in backup.get_paginator("list_backup_selections").paginate(BackupPlanId=plan_id)
        for s in page["BackupSelectionsList"]]
    found["iam roles"] = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]]
    found["iam policies"] = [p["PolicyName"] for page in iam.get_paginator("list_policies").paginate(Scope="Local")
                             for p in page["Policies"]]
    keys = []
    for page in kms.get_paginator("list_keys").paginate():
        for key in page["Keys"]:
            state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
            if state != "PendingDeletion":
                keys.append(key["KeyId"])
    found["kms keys"] = keys
    return {kind: sorted(names) for kind, names in found.items()}


def journey(seed: int, error_rate: float, throttle_rate: float, unprocessed_rate: float,
            output: Path) -> dict[str, Any]:
    workdir = output / f"e{error_rate:g}-t{throttle_rate:g}-seed{seed}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    faults = dict(error_rate=error_rate, throttle_rate=throttle_rate, unprocessed_rate=unprocessed_rate, seed=seed)
    print(f"== seed {seed}: 5xx {error_rate:g}, throttling {throttle_rate:g}, unprocessed {unprocessed_rate:g}",
          flush=True)
    started = time.monotonic()
    steps = []
    with EmulatorProcess() as emulator:
        env = playbook_environment(emulator.endpoint)
        before = inventory(emulator.endpoint)
        emulator._call("/_backupkit/settings", "POST", faults)
        for name, playbook, extra in STEPS:
            step = run_step(name, playbook, extra, env, workdir, workdir)
            steps.append(step)
            first = step["failures"][0] if step["failures"] else {}
            call = f" {first.get('operation') or '-'} {first.get('code') or ''}".rstrip() if first else ""
            print(f"   {name:<12} {'ok' if step['ok'] else 'FAILED':<6} {step['seconds']:6.1f} s"
                  + (f"  task '{first.get('task')}':{call}" if first else ""), flush=True)
        requests = emulator.stats()
        emulator._call("/_backupkit/settings", "POST", dict(error_rate=0, throttle_rate=0, unprocessed_rate=0))
        after = inventory(emulator.endpoint)
    left = {kind: [n for n in names if n not in before.get(kind, [])] for kind, names in after.items()}
    left = {kind: names for kind, names in left.items() if names}
    print(f"   left behind: {json.dumps(left) if left else 'nothing'}", flush=True)
    return dict(seed=seed, faults=faults, steps=steps, left_behind=left,
                ok=all(s["ok"] for s in steps) and not left, seconds=round(time.monotonic() - started, 1),
                requests=sum(requests.values()), requests_by_service=_by_service(requests))


def _by_service(counts: dict[str, int]) -> dict[str, int]:
    services: dict[str, int] = {}
    for key, value in counts.items():
        service = key.split(".", 1)[0]
        services[service] = services.get(service, 0) + value
    return dict(sorted(services.items()))


def print_table(runs: list[dict[str, Any]]) -> None:
    names = [name for name, _, _ in STEPS]
    print("\n| 5xx | throttling | seed | " + " | ".join(names) + " | left behind | requests | seconds |")
    print("| ---: | ---: | ---: | " + " | ".join("---" for _ in names) + " | --- | ---: | ---: |")
    for run in runs:
        cells = []
        for step in run["steps"]:
            cells.append(f"{step['seconds']:.0f} s" if step["ok"] else f"**failed** {step['seconds']:.0f} s")
        left = ", ".join(f"{len(v)} {k}" for k, v in run["left_behind"].items()) or "nothing"
        print(f"| {run['faults']['error_rate']:g} | {run['faults']['throttle_rate']:g} | {run['seed']} | "
              + " | ".join(cells) + f" | {left} | {run['requests']} | {run['seconds']:.0f} |")
    failed = [(run, step, f) for run in runs for step in run["steps"] for f in step["failures"]]
    if failed:
        print("\nfailures:")
        for run, step, failure in failed:
            retries = (f" (botocore: reached max retries {failure['botocore_retries']})"
                       if failure.get("botocore_retries") is not None else "")
            action = f" ({failure['action']})" if failure["action"] else ""
            print(f"- 5xx {run['faults']['error_rate']:g} seed {run['seed']} {step['step']}: task "
                  f"'{failure['task']}'{action}: {failure['operation'] or '?'} "
                  f"{failure['code'] or ''}{retries}\n    {failure['message'][:300]}")
    passed = sum(1 for run in runs if run["ok"])
    print(f"\njourneys passed (every step ok, nothing left behind): {passed} of {len(runs)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--error-rate", type=float, default=0.2, help="fraction of requests answered HTTP 500")
    parser.add_argument("--throttle-rate", type=float, default=0.1, help="fraction answered with throttling")
    parser.add_argument("--unprocessed-rate", type=float, default=0.0,
                        help="fraction of BatchWriteItem requests returned in UnprocessedItems")
    parser.add_argument("--find-limit", action="store_true",
                        help="raise the 5xx rate through --limit-rates until a step fails, per seed")
    parser.add_argument("--limit-rates", type=float, nargs="+", default=[0.2, 0.3, 0.4, 0.5])
    parser.add_argument("--output", type=Path, default=ROOT / ".cache" / "bench" / "faults")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "faults_journey.json")
    args = parser.parse_args()

    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    runs: list[dict[str, Any]] = []
    limits: list[dict[str, Any]] = []
    started = time.monotonic()

    def write_json() -> None:  # after every journey, so an interrupted run keeps what it measured
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(dict(mode="find-limit" if args.find_limit else "seeds", runs=runs,
                                             limits=limits, seconds=round(time.monotonic() - started, 1),
                                             load_average=os.getloadavg()), indent=2, default=str))

    if args.find_limit:
        for seed in args.seeds:
            limit: dict[str, Any] = dict(seed=seed, throttle_rate=args.throttle_rate, passed=[], first_failing=None)
            for rate in args.limit_rates:
                run = journey(seed, rate, args.throttle_rate, args.unprocessed_rate, output)
                runs.append(run)
                write_json()
                if run["ok"]:
                    limit["passed"].append(rate)
                    continue
                limit["first_failing"] = rate
                limit["failures"] = [dict(step=s["step"], **f) for s in run["steps"] for f in s["failures"]]
                limit["left_behind"] = run["left_behind"]
                break
            limits.append(limit)
    else:
        for seed in args.seeds:
            runs.append(journey(seed, args.error_rate, args.throttle_rate, args.unprocessed_rate, output))
            write_json()
    print_table(runs)
    for limit in limits:
        if limit["first_failing"] is None:
            print(f"seed {limit['seed']}: every rate passed ({', '.join(f'{r:g}' for r in limit['passed'])})")
        else:
            calls = "; ".join(f"{f['step']}: {f['task']} {f['operation']} {f['code']}".strip()
                              for f in limit.get("failures", [])) or "left behind: " + json.dumps(limit["left_behind"])
            print(f"seed {limit['seed']}: passed at 5xx {', '.join(f'{r:g}' for r in limit['passed']) or '-'}; "
                  f"first failure at 5xx {limit['first_failing']:g} (throttling {limit['throttle_rate']:g}): {calls}")
    write_json()
    print(f"figures: {args.json}; playbook output: {output}")
    return 0 if all(run["ok"] for run in runs) or args.find_limit else 1


if __name__ == "__main__":
    sys.exit(main())
