"""ddb_table_compare of two large tables against the read floor, on the emulator.

Loads two tables of ``--items`` order items (default 200,000) through DynamoDB's ImportTable from
a CSV object in the emulator's S3 (the fast way AWS offers to fill a new table; the emulator
imports 100,000 rows in about 2 s of CPU), the target with ``--differences`` items missing, as
many changed and as many extra. Then, in one run:
  (m) ddb_table_compare run by ansible-playbook (as users run it), ``--segments`` segments
  (f) the read floor: a plain boto3 parallel Scan of both tables, ``--segments`` segments and
      threads per table, both tables at once and one after the other, the fastest counting
and prints m/f, the module's peak RSS (VmHWM of the module process) and whether the report
names the first differing keys (the smallest keys of each kind, as the module documents).
Without ``--skip-big`` it also compares two ``--big-items`` tables (default 1,000,000) on a
fresh emulator without latency and reports that peak RSS.

With ``--baseline DIR`` it also times, in the same run, the module of another copy of the collection
(``git archive`` of an earlier commit under DIR/ansible_collections/backupkit/dynamodb): (b).

Usage: python benchmarks/table_compare.py [--items 200000] [--segments 8] [--repeat 2]
                                          [--latency-ms 25] [--skip-big] [--big-items 1000000]
                                          [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from backupkit_emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
HEADER = "order_id,item_id,customer_id,product,quantity,price,order_date,status\n"


def client(endpoint: str, service: str = "dynamodb") -> Any:
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=64, retries={"mode": "standard"}, read_timeout=600),
    )


# ---------------------------------------------------------------- data


def order_row(n: int, rng: random.Random, status: str | None = None) -> str:
    products = ("keyboard", "mouse", "monitor", "laptop", "dock", "cable", "headset", "webcam")
    statuses = ("NEW", "PAID", "SHIPPED", "DELIVERED")
    return (f"ORD-{n // 3:08d},{n % 3 + 1},CUST-{rng.randrange(50000):06d},{rng.choice(products)},"
            f"{rng.randint(1, 5)},{rng.uniform(5, 2000):.2f},2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
            f"{status or rng.choice(statuses)}\n")


def tables_csv(items: int, differences: int) -> tuple[bytes, bytes, dict[str, list[tuple[str, str]]]]:
    """(source CSV, target CSV, the keys that differ by kind). The differing items are spread over
    the table; the target lacks ``differences`` items, has as many changed and as many extra."""
    picks = random.Random(11).sample(range(items), 2 * differences)
    missing, changed = sorted(picks[:differences]), sorted(picks[differences:])
    extra = list(range(items, items + differences))
    source, target = [HEADER], [HEADER]
    rng_s, rng_t = random.Random(7), random.Random(7)
    skip, alter = set(missing), set(changed)
    for n in range(items):
        row = order_row(n, rng_s)
        source.append(row)
        other = order_row(n, rng_t)
        if n in skip:
            continue
        target.append(other.rsplit(",", 1)[0] + ",CHANGED\n" if n in alter else other)
    for n in extra:
        target.append(order_row(n, rng_t))

    def key(n: int) -> tuple[str, str]:
        return (f"ORD-{n // 3:08d}", str(n % 3 + 1))

    expected = dict(missing_in_target=[key(n) for n in missing], different=[key(n) for n in changed],
                    extra_in_target=[key(n) for n in extra])
    return "".join(source).encode(), "".join(target).encode(), expected


def import_tables(emulator: EmulatorProcess, tables: dict[str, bytes]) -> float:
    """Create and fill each table through ImportTable from the emulator's S3; returns seconds."""
    s3, ddb = client(emulator.endpoint, "s3"), client(emulator.endpoint)
    started = time.perf_counter()
    s3.create_bucket(Bucket="bench-tables")
    arns = []
    for name, body in tables.items():
        s3.put_object(Bucket="bench-tables", Key=f"{name}/part-0000.csv", Body=body)
        arns.append(ddb.import_table(
            S3BucketSource={"S3Bucket": "bench-tables", "S3KeyPrefix": f"{name}/"},
            InputFormat="CSV",
            TableCreationParameters={
                "TableName": name,
                "KeySchema": [{"AttributeName": "order_id", "KeyType": "HASH"},
                              {"AttributeName": "item_id", "KeyType": "RANGE"}],
                "AttributeDefinitions": [{"AttributeName": "order_id", "AttributeType": "S"},
                                         {"AttributeName": "item_id", "AttributeType": "N"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        )["ImportTableDescription"]["ImportArn"])
    emulator.advance(61, timeout=3600)  # the imports end (--import-seconds 60)
    for arn in arns:
        final = ddb.describe_import(ImportArn=arn)["ImportTableDescription"]
        if final["ImportStatus"] != "COMPLETED" or final["ErrorCount"]:
            raise SystemExit(f"import failed: {final}")
    return time.perf_counter() - started


# ---------------------------------------------------------------- runs


def run_module(endpoint: str, source: str, target: str, segments: int,
               collections: str | None = None) -> tuple[float, int, dict[str, Any]]:
    """ansible-playbook running ddb_table_compare (of ``collections``, a directory holding
    ansible_collections/backupkit/dynamodb, when given); returns (seconds, module peak RSS KiB, result)."""
    playbook = Path(tempfile.mkdtemp()) / "compare.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - backupkit.dynamodb.ddb_table_compare:\n"
        f"        source_table: {source}\n        target_table: {target}\n        segments: {segments}\n"
    )
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="us-east-1", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    env.pop("AWS_CA_BUNDLE", None)
    if collections:
        env["ANSIBLE_COLLECTIONS_PATH"] = f"{collections}:{ROOT / '.venv' / 'collections'}"
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    if b"AnsiballZ_ddb_table_compare" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                        continue
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"VmHWM:\s+(\d+) kB", status)
                if match:
                    peak[0] = max(peak[0], int(match.group(1)))
            stop.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    done = subprocess.run([str(VENV_BIN / "ansible-playbook"), str(playbook)], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    if done.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout[done.stdout.index("=> ") + 3:])
    return elapsed, peak[0], result


def scan_table(ddb: Any, table: str, segments: int) -> int:
    def segment(n: int) -> int:
        count, start = 0, None
        while True:
            params = dict(TableName=table, Segment=n, TotalSegments=segments)
            if start:
                params["ExclusiveStartKey"] = start
            page = ddb.scan(**params)
            count += len(page["Items"])
            start = page.get("LastEvaluatedKey")
            if not start:
                return count

    with ThreadPoolExecutor(segments) as pool:
        return sum(pool.map(segment, range(segments)))


def run_floor(endpoint: str, tables: list[str], segments: int, together: bool) -> tuple[float, list[int]]:
    """A plain parallel Scan of every table (``segments`` threads each), at once or one after the other."""
    ddb = client(endpoint)
    started = time.perf_counter()
    if together:
        with ThreadPoolExecutor(len(tables)) as pool:
            counts = list(pool.map(lambda table: scan_table(ddb, table, segments), tables))
    else:
        counts = [scan_table(ddb, table, segments) for table in tables]
    return time.perf_counter() - started, counts


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def names_first_keys(result: dict[str, Any], expected: dict[str, list[tuple[str, str]]], limit: int = 10) -> list[str]:
    """What is wrong with the report's samples (empty when each names the smallest differing keys)."""
    problems = []

    def key(sample: dict[str, Any]) -> tuple[str, str]:
        sample = sample.get("key", sample)
        return sample["order_id"]["S"], sample["item_id"]["N"]

    for kind, keys in expected.items():
        if result[kind] != len(keys):
            problems.append(f"{kind}: {result[kind]} counted, {len(keys)} made")
        got = [key(sample) for sample in result["samples"][kind]]
        want = sorted(keys, key=lambda k: (k[0], int(k[1])))[:limit]
        if sorted(got) != sorted(want) or (kind != "extra_in_target" and got != want):
            problems.append(f"{kind}: samples {got}, expected {want}")
    return problems


def compare_run(items: int, differences: int, segments: int, repeat: int, latency_ms: float, floor: bool,
                baseline: str | None = None) -> dict[str, Any]:
    source_csv, target_csv, expected = tables_csv(items, differences)
    flags = ["--import-seconds", "60"] + (["--latency-ms", str(latency_ms)] if latency_ms else [])
    emulator = EmulatorProcess(*flags, start_timeout=120)
    emulator.wait_ready()
    try:
        loaded = import_tables(emulator, {"source": source_csv, "target": target_csv})
        print(f"{items} items per table ({len(source_csv) / 1e6:.1f} MB of CSV each) loaded by ImportTable in "
              f"{loaded:.1f} s; emulator --latency-ms {latency_ms}; load average {load()}", flush=True)
        runs = []
        floors = []
        baselines = []
        for n in range(repeat):
            if baseline:
                baselines.append(run_module(emulator.endpoint, "source", "target", segments, collections=baseline))
                print(f"  (b) ddb_table_compare of {baseline}  {baselines[-1][0]:7.2f} s  peak RSS "
                      f"{baselines[-1][1] / 1024:.1f} MB  load average {load()}", flush=True)
            runs.append(run_module(emulator.endpoint, "source", "target", segments))
            print(f"  (m) ddb_table_compare          {runs[-1][0]:7.2f} s  peak RSS {runs[-1][1] / 1024:.1f} MB  "
                  f"load average {load()}", flush=True)
            if not floor:
                continue
            for together in (True, False):
                seconds, counts = run_floor(emulator.endpoint, ["source", "target"], segments, together)
                floors.append(seconds)
                print(f"  (f) plain parallel scan, {'at once   ' if together else 'in turn   '}  {seconds:7.2f} s  "
                      f"({counts[0]} + {counts[1]} items)  load average {load()}", flush=True)
    finally:
        emulator.stop()
    seconds, _rss, result = min(runs, key=lambda run: run[0])
    return dict(items=items, module=seconds, module_runs=[run[0] for run in runs], floor=min(floors) if floors else None,
                floor_runs=floors, rss_mb=max(run[1] for run in runs) / 1024, result=result,
                baseline=min(run[0] for run in baselines) if baselines else None,
                baseline_rss_mb=max(run[1] for run in baselines) / 1024 if baselines else None,
                problems=names_first_keys(result, expected))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--big-items", type=int, default=1_000_000)
    parser.add_argument("--differences", type=int, default=5, help="items missing, changed and extra in the target, each")
    parser.add_argument("--segments", type=int, default=8, help="the module's segments and the floor's, per table")
    parser.add_argument("--repeat", type=int, default=2, help="runs of (m) and of (f); the fastest counts")
    parser.add_argument("--latency-ms", type=float, default=25)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--baseline", metavar="DIR",
                        help="also time the module of another copy of the collection (DIR/ansible_collections/backupkit/"
                             "dynamodb, e.g. from git archive of an earlier commit) in the same run: (b)")
    args = parser.parse_args()

    run = compare_run(args.items, args.differences, args.segments, args.repeat, args.latency_ms, floor=True,
                      baseline=args.baseline)
    result = run["result"]
    print()
    print(f"m = {run['module']:.2f} s (of {', '.join(f'{s:.2f}' for s in run['module_runs'])}), "
          f"f = {run['floor']:.2f} s (of {', '.join(f'{s:.2f}' for s in run['floor_runs'])})")
    print(f"m/f = {run['module'] / run['floor']:.3f}   (target <= 1.3)")
    print(f"module peak RSS, {args.items} items = {run['rss_mb']:.1f} MB")
    if run["baseline"] is not None:
        print(f"baseline: b = {run['baseline']:.2f} s, b/f = {run['baseline'] / run['floor']:.3f}, "
              f"peak RSS {run['baseline_rss_mb']:.1f} MB")
    print(f"report: equal={result['equal']} missing_in_target={result['missing_in_target']} "
          f"extra_in_target={result['extra_in_target']} different={result['different']}")
    print("report names the first differing keys: " + ("yes" if not run["problems"] else "NO: " + "; ".join(run["problems"])))
    if not args.skip_big:
        big = compare_run(args.big_items, args.differences, args.segments, 1, 0, floor=False)
        print(f"module peak RSS, {args.big_items} items = {big['rss_mb']:.1f} MB   (target < 300 MB; "
              f"{big['module']:.0f} s; report names the first differing keys: {'yes' if not big['problems'] else big['problems']})")
    return 1 if run["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
