#!/usr/bin/env python3
"""A fleet rollout through AssumeRole: setup, an unchanged setup again, then the report (issue 16).

A fresh emulator gets an AWS Organization with ``--accounts`` member accounts (each with
``OrganizationAccountAccessRole``, as AWS Organizations makes them), listed by the collection's
``aws_accounts`` inventory plugin with ``--regions`` regions (one host per account and region).
Then, one after the other, with the ``fleet_report`` callback:

1. ``ansible-playbook backupkit.dynamodb.setup`` (a three-row table, vault, plan, selection,
   guard in every host),
2. the same again, which must change nothing (``changed: 0`` on every host),
3. ``ansible-playbook backupkit.dynamodb.report`` (read-only, one protection report).

Per phase it prints the wall seconds at ``--forks``, the controller's CPU seconds (user + system
of ansible-playbook and every process it started: ``getrusage(RUSAGE_CHILDREN)``), the emulator's
CPU seconds, and the AWS API calls: per service as the emulator counted the requests
(``GET /_backupkit/stats``) and per operation as botocore reported them through its client-side
monitoring (``AWS_CSM_ENABLED``: one UDP datagram per call, also from inside every module
process). Then per-host averages and the cost model for ``--model-accounts`` accounts.

    .venv/bin/python benchmarks/fleet_rollout.py --accounts 50 --regions 2 --forks 8

``--json FILE`` writes every figure; ``--output DIR`` keeps the runs' output and reports
(default ``.cache/bench/fleet``).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from backupkit_emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
ROLE = "OrganizationAccountAccessRole"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"]
TINY_CSV = (
    "order_id,item_id,customer_id,quantity,price,status\n"
    "ORD-1,ITEM-1,C-1,2,9.99,DELIVERED\n"
    "ORD-1,ITEM-2,C-1,1,4.50,DELIVERED\n"
    "ORD-2,ITEM-1,C-2,3,7.25,SHIPPED\n"
)
PHASES = (("setup", "backupkit.dynamodb.setup"), ("setup again", "backupkit.dynamodb.setup"),
          ("report", "backupkit.dynamodb.report"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Actions that run inside ansible-playbook itself (no module process, no AWS call).
CONTROLLER_ACTIONS = {"set_fact", "debug", "assert", "fail", "set_stats", "validate_argument_spec", "include_role",
                      "import_role", "include_tasks", "import_tasks", "meta", "include_vars"}
# A callback for the anatomy run: when each task starts, and each result (a loop item counts once).
TASK_CLOCK = """
import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fleet_task_clock"
    CALLBACK_NEEDS_ENABLED = True

    def _mark(self, kind, task):
        with open(os.environ["FLEET_TASK_CLOCK"], "a", encoding="utf-8") as out:
            name = task.get_name() if task is not None else ""
            action = task.action.rsplit(".", 1)[-1] if task is not None else ""
            out.write(json.dumps([time.time(), kind, name, action]) + "\\n")

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._mark("start", task)

    def v2_playbook_on_handler_task_start(self, task):
        self._mark("start", task)

    def _ran(self, result, *args, **kwargs):
        data = getattr(result, "result", None) or getattr(result, "_result", {})
        if not data.get("results"):  # a loop's items were counted one by one
            self._mark("ran", getattr(result, "task", None) or result._task)

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_item_on_ok = v2_runner_item_on_failed = _ran

    def v2_playbook_on_stats(self, stats):
        self._mark("end", None)
"""


class CallCounter:
    """Counts botocore's client-side monitoring datagrams (ApiCall: one per operation call)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.calls: collections.Counter[str] = collections.Counter()
        self.attempts: collections.Counter[str] = collections.Counter()
        self.timeline: list[tuple[float, str]] = []  # (epoch seconds the call started, service.Api)
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            data = self.sock.recv(65536)
            try:
                event = json.loads(data)
            except ValueError:
                continue
            key = f"{event.get('Service')}.{event.get('Api')}"
            with self.lock:
                if event.get("Type") == "ApiCall":
                    self.calls[key] += 1
                    self.timeline.append((event.get("Timestamp", 0) / 1000.0, key))
                else:
                    self.attempts[key] += 1

    def take(self) -> tuple[dict[str, int], dict[str, int], list[tuple[float, str]]]:
        """The counts and the calls' timeline since the last take (after a short wait for datagrams in flight)."""
        time.sleep(1.0)
        with self.lock:
            calls, attempts, timeline = dict(self.calls), dict(self.attempts), sorted(self.timeline)
            self.calls.clear()
            self.attempts.clear()
            self.timeline.clear()
        return calls, attempts, timeline


def client(endpoint: str, service: str, credentials: dict[str, str] | None = None) -> Any:
    keys = (dict(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                 aws_session_token=credentials["SessionToken"])
            if credentials else dict(aws_access_key_id="testing", aws_secret_access_key="testing"))
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", **keys)


def create_fleet(endpoint: str, accounts: int) -> dict[str, str]:
    """An organization with OU Workloads holding `accounts` accounts fleet-001, ...; {account id: name}."""
    org = client(endpoint, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    unit = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    fleet = {}
    for n in range(1, accounts + 1):
        name = f"fleet-{n:03d}"
        account = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=unit)
        fleet[account] = name
    return fleet


def cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a running process (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_phase(name: str, playbook: str, env: dict[str, str], workdir: Path, forks: int,
              emulator: EmulatorProcess, counter: CallCounter) -> dict[str, Any]:
    slug = name.replace(" ", "_")
    report_dir = workdir / slug
    command = [str(VENV_BIN / "ansible-playbook"), playbook, "-i", str(workdir / "fleet.aws_accounts.yml"),
               "--forks", str(forks), "-e", "backupkit_hosts=aws_accounts",
               "-e", f"table_csv={workdir / 'orders.csv'}", "-e", f"report_dir={report_dir / 'protection'}"]
    emulator._call("/_backupkit/stats", method="DELETE")
    counter.take()
    emulator_cpu = cpu_seconds(emulator.process.pid)
    cpu = children_cpu()
    started = time.perf_counter()
    with (workdir / f"{slug}.log").open("w") as log:
        done = subprocess.run(command, cwd=workdir, env=dict(env, BACKUPKIT_REPORT_DIR=str(report_dir)),
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, check=False)
    wall = time.perf_counter() - started
    cpu = children_cpu() - cpu
    emulator_cpu = cpu_seconds(emulator.process.pid) - emulator_cpu
    requests = emulator.stats()
    calls, attempts, _ = counter.take()
    report_file = report_dir / f"{Path(playbook).name.split('.')[-1]}.json"
    report = json.loads(report_file.read_text()) if report_file.is_file() else None
    return dict(phase=name, rc=done.returncode, wall=wall, cpu=cpu, emulator_cpu=emulator_cpu,
                requests=requests, calls=calls, attempts=attempts,
                summary=report["summary"] if report else None, log=str(workdir / f"{slug}.log"))


def task_anatomy(env: dict[str, str], workdir: Path, host: str, emulator: EmulatorProcess,
                 counter: CallCounter) -> list[dict[str, Any]]:
    """The unchanged setup once more, on one host with --forks 1: each task's seconds, module runs and calls."""
    plugins = workdir / "callback_plugins"
    plugins.mkdir(exist_ok=True)
    (plugins / "fleet_task_clock.py").write_text(TASK_CLOCK)
    marks = workdir / "anatomy.jsonl"
    marks.unlink(missing_ok=True)
    env = dict(env, ANSIBLE_CALLBACK_PLUGINS=str(plugins), FLEET_TASK_CLOCK=str(marks),
               ANSIBLE_CALLBACKS_ENABLED=env["ANSIBLE_CALLBACKS_ENABLED"] + ",fleet_task_clock",
               BACKUPKIT_REPORT_DIR=str(workdir / "anatomy"))
    counter.take()
    with (workdir / "anatomy.log").open("w") as log:
        subprocess.run([str(VENV_BIN / "ansible-playbook"), "backupkit.dynamodb.setup",
                        "-i", str(workdir / "fleet.aws_accounts.yml"), "--forks", "1", "--limit", host,
                        "-e", "backupkit_hosts=aws_accounts", "-e", f"table_csv={workdir / 'orders.csv'}"],
                       cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, check=True)
    _, _, timeline = counter.take()
    tasks: list[dict[str, Any]] = []
    for line in marks.read_text().splitlines():
        at, kind, name, action = json.loads(line)
        if kind == "start":
            tasks.append(dict(task=name, action=action, start=at, modules=0, calls=collections.Counter()))
        elif kind == "ran" and tasks and action not in CONTROLLER_ACTIONS:
            tasks[-1]["modules"] += 1
        elif kind == "end" and tasks:
            tasks.append(dict(task="(end)", action="", start=at, modules=0, calls=collections.Counter()))
    before = [dict(task="(inventory, before the first task)", action="", start=0.0, modules=0,
                   calls=collections.Counter())]
    tasks = before + tasks
    for at, key in timeline:
        owner = max((t for t in tasks if t["start"] <= at), key=lambda t: t["start"])
        owner["calls"][key] += 1
    for this, following in zip(tasks, tasks[1:] + [None]):
        this["seconds"] = (following["start"] - this["start"]) if following and this["start"] else 0.0
        this["calls"] = dict(this["calls"])
        del this["start"]
    return [t for t in tasks if t["modules"] or t["calls"]]


def print_anatomy(anatomy: list[dict[str, Any]]) -> None:
    print("\nthe unchanged setup on one host, --forks 1: the tasks that run a module or call AWS\n")
    print("| task | module runs | seconds | API calls |")
    print("| --- | ---: | ---: | --- |")
    for task in anatomy:
        calls = ", ".join(f"{op.split('.', 1)[1]} {n}" for op, n in sorted(task["calls"].items()))
        print(f"| {task['task']} | {task['modules']} | {task['seconds']:.1f} | {calls or '-'} |")
    print(f"| all | {sum(t['modules'] for t in anatomy)} | | {sum(sum(t['calls'].values()) for t in anatomy)} |")


def by_service(counts: dict[str, int], lower: bool = False) -> dict[str, int]:
    services: collections.Counter[str] = collections.Counter()
    for key, value in counts.items():
        service = key.split(".", 1)[0]
        services[service.lower() if lower else service] += value
    return dict(services)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--regions", type=int, default=2, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--forks", type=int, default=8)
    parser.add_argument("--model-accounts", type=int, default=1000, help="accounts of the cost model (default 1000)")
    parser.add_argument("--output", type=Path, default=ROOT / ".cache" / "bench" / "fleet")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--shared-guard", action="store_true",
                        help="with several regions, keep one deny policy name for every region of an account "
                             "(the playbooks' default; its regions then race for it and overwrite each other)")
    parser.add_argument("--no-anatomy", action="store_true",
                        help="skip the last, per-task run of the unchanged setup on one host with --forks 1")
    args = parser.parse_args()

    workdir = args.output.resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    (workdir / "orders.csv").write_text(TINY_CSV)
    regions = REGIONS[: args.regions]
    counter = CallCounter()
    results: list[dict[str, Any]] = []
    with EmulatorProcess() as emulator:
        started = time.perf_counter()
        emulator_cpu = cpu_seconds(emulator.process.pid)
        fleet = create_fleet(emulator.endpoint, args.accounts)
        fleet_seconds = time.perf_counter() - started
        fleet_cpu = cpu_seconds(emulator.process.pid) - emulator_cpu
        print(f"fleet: {len(fleet)} accounts x {len(regions)} regions = {len(fleet) * len(regions)} hosts, "
              f"created in {fleet_seconds:.1f} s (emulator CPU {fleet_cpu:.1f} s)", flush=True)
        # The guard's deny policy is an IAM policy, global to the account, whose default resources are
        # the connection's region's: with several regions, one name per region (see docs/fleet.md).
        per_region_guard = len(regions) > 1 and not args.shared_guard
        (workdir / "fleet.aws_accounts.yml").write_text(
            "plugin: backupkit.dynamodb.aws_accounts\n"
            f"endpoint_url: {emulator.endpoint}\n"
            "organizational_units: [Workloads]\n"
            f"regions: [{', '.join(regions)}]\n"
            + ("compose:\n  guard_policy_name: \"'backupkit-dynamodb-deny-backup-deletion-' ~ backupkit_region\"\n"
               if per_region_guard else ""))
        if per_region_guard:
            print("guard: one deny policy per account and region (guard_policy_name ends in the region)", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "BACKUPKIT_"))}
        env.update(
            AWS_ENDPOINT_URL=emulator.endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
            AWS_CSM_ENABLED="true", AWS_CSM_HOST="127.0.0.1", AWS_CSM_PORT=str(counter.port),
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_CALLBACKS_ENABLED="backupkit.dynamodb.fleet_report",
            ANSIBLE_INVENTORY_UNPARSED_FAILED="1", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_HOME=str(workdir / "ansible-home"),
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        for name, playbook in PHASES:
            result = run_phase(name, playbook, env, workdir, args.forks, emulator, counter)
            results.append(result)
            print(f"{name}: rc {result['rc']}, {result['wall']:.1f} s wall, controller CPU {result['cpu']:.1f} s, "
                  f"emulator CPU {result['emulator_cpu']:.1f} s, {sum(result['requests'].values())} requests, "
                  f"report {result['summary']}", flush=True)
        anatomy = None if args.no_anatomy else task_anatomy(
            env, workdir, fleet[min(fleet)] + (f"-{regions[0]}" if len(regions) > 1 else ""), emulator, counter)
    hosts = len(fleet) * len(regions)
    print_tables(results, hosts, args, fleet_seconds)
    if anatomy:
        print_anatomy(anatomy)
    if args.json:
        args.json.write_text(json.dumps(dict(accounts=len(fleet), regions=regions, hosts=hosts, forks=args.forks,
                                             cpus=os.cpu_count(), load=os.getloadavg(), fleet_seconds=fleet_seconds,
                                             phases=results, anatomy=anatomy), indent=2) + "\n")
    bad = [r["phase"] for r in results if r["rc"] != 0]
    if bad:
        print(f"failed phases: {bad} (logs in {workdir})", file=sys.stderr)
        return 1
    return 0


def print_tables(results: list[dict[str, Any]], hosts: int, args: argparse.Namespace, fleet_seconds: float) -> None:
    print(f"\n{hosts} hosts ({args.accounts} accounts x {args.regions} regions), --forks {args.forks}, "
          f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}\n")
    header = "| | " + " | ".join(r["phase"] for r in results) + " |"
    print(header)
    print("| --- |" + " ---: |" * len(results))
    rows = [
        ("hosts ok / failed", [f"{r['summary']['ok']} / {r['summary']['failed']}" if r["summary"] else "-"
                               for r in results]),
        ("tasks changed", [str(r["summary"]["changed"]) if r["summary"] else "-" for r in results]),
        ("wall seconds", [f"{r['wall']:.0f}" for r in results]),
        ("controller CPU seconds", [f"{r['cpu']:.0f}" for r in results]),
        ("emulator CPU seconds", [f"{r['emulator_cpu']:.0f}" for r in results]),
        ("AWS requests (emulator)", [str(sum(r["requests"].values())) for r in results]),
        ("API calls (botocore)", [str(sum(r["calls"].values())) for r in results]),
        ("per host: wall seconds x forks", [f"{r['wall'] * args.forks / hosts:.1f}" for r in results]),
        ("per host: controller CPU seconds", [f"{r['cpu'] / hosts:.2f}" for r in results]),
        ("per host: API calls", [f"{sum(r['calls'].values()) / hosts:.1f}" for r in results]),
    ]
    for label, cells in rows:
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("\nAPI calls per operation (botocore's client-side monitoring), per host:\n")
    operations = sorted({op for r in results for op in r["calls"]}, key=lambda op: (op.split(".")[0], op))
    print(header)
    print("| --- |" + " ---: |" * len(results))
    for op in operations:
        print(f"| {op} | " + " | ".join(f"{r['calls'].get(op, 0) / hosts:.2f}" for r in results) + " |")
    print("\nrequests per service: emulator / botocore (they should agree)")
    for r in results:
        emulator_side = by_service(r["requests"], lower=True)
        client_side = by_service(r["attempts"], lower=True)
        print(f"  {r['phase']}: " + ", ".join(f"{s} {emulator_side.get(s, 0)}/{client_side.get(s, 0)}"
                                              for s in sorted(set(emulator_side) | set(client_side))))
    model = args.model_accounts * args.regions
    print(f"\ncost model for {args.model_accounts} accounts x {args.regions} regions = {model} hosts "
          "(linear in hosts: the per-host figures above x hosts):\n")
    print("| | " + " | ".join(r["phase"] for r in results) + " |")
    print("| --- |" + " ---: |" * len(results))
    print("| controller CPU hours | " + " | ".join(f"{r['cpu'] / hosts * model / 3600:.2f}" for r in results) + " |")
    print("| API calls | " + " | ".join(f"{sum(r['calls'].values()) / hosts * model:,.0f}" for r in results) + " |")
    print(f"| wall hours at --forks {args.forks} on this machine, as loaded as it was | "
          + " | ".join(f"{r['wall'] / hosts * model / 3600:.1f}" for r in results) + " |")
    for cores in (2, 8, 32):
        print(f"| wall hours on {cores} free cores (CPU-bound: CPU / cores) | "
              + " | ".join(f"{r['cpu'] / hosts * model / 3600 / cores:.2f}" for r in results) + " |")
    print(f"(fleet creation in the emulator, not part of the phases: {fleet_seconds:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
