"""ddb_csv_load against the usual idioms, on the emulator with 25 ms per request.

Times, in one run:
  (a) ddb_csv_load run by ansible-playbook into an empty table
  (b) the same rows written by boto3's Table.batch_writer() in one thread
  (c) a lower bound: BatchWriteItem requests built in advance, sent at the module's concurrency
  ((a), (b) and (c) are each the fastest of three runs, each into an empty table)
  (d) a second ddb_csv_load run of the unchanged file
  (e) the floor for (d): the fastest plain boto3 read of the whole table (parallel scan)
and prints a/b, a/c, d/e, the write calls in (d) (counted by the emulator), and the peak
RSS of the module process for this file and for a 1,000,000-row file.

Usage: python benchmarks/csv_load.py [--rows 20000] [--big-rows 1000000] [--skip-big] [--skip-writer] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
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
CONCURRENCY = 16
REPEAT = 3
COLUMN_TYPES = {"quantity": "N", "price": "N", "gift_wrap": "BOOL"}


# ---------------------------------------------------------------- emulator


class Emulator(EmulatorProcess):
    def __init__(self, *flags: str):
        super().__init__(*flags)
        self.wait_ready()

    def stats(self) -> dict[str, int]:
        try:
            return super().stats()
        except Exception:
            return {}


def client(endpoint: str, service: str = "dynamodb") -> Any:
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(max_pool_connections=64, retries={"mode": "standard"}),
    )


def create_table(endpoint: str, name: str) -> None:
    ddb = client(endpoint)
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}, {"AttributeName": "item_id", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "order_id", "AttributeType": "S"},
            {"AttributeName": "item_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


# ---------------------------------------------------------------- data


def write_orders(path: Path, rows: int, seed: int = 7) -> None:
    """Orders shaped like the walk-through's order_transaction table."""
    rng = random.Random(seed)
    products = ["keyboard", "mouse", "monitor", "laptop", "dock", "cable", "headset", "webcam"]
    statuses = ["NEW", "PAID", "SHIPPED", "DELIVERED"]
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "item_id", "customer_id", "product", "quantity", "price", "order_date", "status", "gift_wrap"])
        for n in range(rows):
            order = n // 3
            out.writerow([
                f"ORD-{order:08d}", f"ITEM-{n % 3 + 1:02d}", f"CUST-{rng.randrange(50000):06d}", rng.choice(products),
                rng.randint(1, 5), f"{rng.uniform(5, 2000):.2f}", f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice(statuses), rng.choice(["true", "false"]),
            ])


def items_from_csv(path: Path) -> list[dict[str, Any]]:
    """Plain-Python items (for the resource-level batch_writer idiom)."""
    from decimal import Decimal

    items = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            row["quantity"] = Decimal(row["quantity"])
            row["price"] = Decimal(row["price"])
            row["gift_wrap"] = row["gift_wrap"] == "true"
            items.append(row)
    return items


def wire(item: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in item.items():
        if isinstance(v, bool):
            out[k] = {"BOOL": v}
        elif k in ("quantity", "price"):
            out[k] = {"N": str(v)}
        else:
            out[k] = {"S": v}
    return out


# ---------------------------------------------------------------- runs


def run_module(endpoint: str, table: str, csv_path: Path) -> tuple[float, int, dict[str, Any]]:
    """ansible-playbook running ddb_csv_load; returns (seconds, module peak RSS KiB, result)."""
    playbook = Path(tempfile.mkdtemp()) / "load.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - backupkit.dynamodb.ddb_csv_load:\n"
        f"        table: {table}\n        src: {csv_path}\n        concurrency: {CONCURRENCY}\n"
        f"        column_types: {json.dumps(COLUMN_TYPES)}\n"
    )
    # The minimal callback prints the task's whole result ("localhost | CHANGED => {...}"),
    # so the playbook is the module's one task and nothing else is timed.
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="us-east-1", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    env.pop("AWS_CA_BUNDLE", None)
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    if b"AnsiballZ_ddb_csv_load" not in Path(f"/proc/{pid}/cmdline").read_bytes():
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


def run_batch_writer(endpoint: str, table: str, items: list[dict[str, Any]]) -> float:
    resource = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
    started = time.perf_counter()
    with resource.Table(table).batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)
    return time.perf_counter() - started


def run_prebuilt(endpoint: str, table: str, items: list[dict[str, Any]]) -> float:
    ddb = client(endpoint)
    requests = [
        {table: [{"PutRequest": {"Item": wire(i)}} for i in items[n:n + 25]]} for n in range(0, len(items), 25)
    ]

    def send(request: dict[str, Any]) -> None:
        while request:
            request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(send, requests))
    return time.perf_counter() - started


def run_parallel_scan(endpoint: str, table: str, segments: int) -> tuple[float, int]:
    ddb = client(endpoint)

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

    started = time.perf_counter()
    with ThreadPoolExecutor(segments) as pool:
        total = sum(pool.map(segment, range(segments)))
    return time.perf_counter() - started, total


def _listed(seconds: Any) -> str:
    return ", ".join(f"{value:.2f}" for value in seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--latency-ms", type=float, default=25)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs of (a), (b), (c); the fastest counts")
    parser.add_argument("--skip-writer", action="store_true",
                        help="skip (b), boto3's batch_writer (one thread: minutes at 100,000 rows); a/b is then not reported")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="csvbench-"))
    orders = work / "order_data.csv"
    write_orders(orders, args.rows)
    items = items_from_csv(orders)
    print(f"{args.rows} rows, {orders.stat().st_size / 1e6:.1f} MB; emulator --latency-ms {args.latency_ms}", flush=True)

    emulator = Emulator("--latency-ms", str(args.latency_ms))
    try:
        # (a), (b) and (c) are each the fastest of REPEAT runs into an empty table: the least
        # noisy estimate on a shared machine, and the same treatment for the module and the idioms.
        kinds = ("module", "prebuilt") if args.skip_writer else ("module", "writer", "prebuilt")
        for name in [f"t_{kind}{n}" for kind in kinds for n in range(args.repeat)]:
            create_table(emulator.endpoint, name)
        module_runs = [run_module(emulator.endpoint, f"t_module{n}", orders) for n in range(args.repeat)]
        fastest = min(range(args.repeat), key=lambda n: module_runs[n][0])
        a, _rss, result_a = module_runs[fastest]
        rss_a = max(run[1] for run in module_runs)
        print(f"(a) ddb_csv_load, empty table      {a:7.2f} s  written={result_a['written']}  "
              f"(fastest of {_listed(run[0] for run in module_runs)})", flush=True)
        b = None
        if not args.skip_writer:
            writer_runs = [run_batch_writer(emulator.endpoint, f"t_writer{n}", items) for n in range(args.repeat)]
            b = min(writer_runs)
            print(f"(b) boto3 batch_writer, 1 thread   {b:7.2f} s  (fastest of {_listed(writer_runs)})", flush=True)
        prebuilt = [run_prebuilt(emulator.endpoint, f"t_prebuilt{n}", items) for n in range(args.repeat)]
        c = min(prebuilt)
        print(f"(c) pre-built BatchWriteItem x{CONCURRENCY}  {c:7.2f} s  (fastest of {_listed(prebuilt)})", flush=True)
        loaded = f"t_module{fastest}"
        before = emulator.stats()
        d, rss_d, result_d = run_module(emulator.endpoint, loaded, orders)
        after = emulator.stats()
        writes_d = after.get("dynamodb.BatchWriteItem", 0) - before.get("dynamodb.BatchWriteItem", 0) \
            + after.get("dynamodb.PutItem", 0) - before.get("dynamodb.PutItem", 0)
        print(f"(d) ddb_csv_load, unchanged file   {d:7.2f} s  changed={result_d['changed']} unchanged={result_d['unchanged']}",
              flush=True)
        scans = [run_parallel_scan(emulator.endpoint, loaded, n) for n in (1, 4, 8, 16)]
        e, scanned = min(scans)
        print(f"(e) fastest parallel scan          {e:7.2f} s  ({scanned} items; 1/4/8/16 segments: "
              f"{', '.join(f'{s:.2f}' for s, _ in scans)})", flush=True)
    finally:
        emulator.stop()

    print()
    if b is not None:
        print(f"a/b = {a / b:.3f}   (target <= 0.25)")
    print(f"a/c = {a / c:.3f}   (target <= 1.3)")
    print(f"d/e = {d / e:.3f}   (target <= 1.3)")
    print(f"write calls in (d) = {writes_d if before else 'n/a (emulator has no /_backupkit/stats)'}   (target 0)")
    print(f"module peak RSS, {args.rows} rows = {max(rss_a, rss_d) / 1024:.1f} MB")

    if not args.skip_big:
        big = work / "big.csv"
        write_orders(big, args.big_rows)
        emulator = Emulator()
        try:
            create_table(emulator.endpoint, "t_big")
            big_s, rss_big, result_big = run_module(emulator.endpoint, "t_big", big)
        finally:
            emulator.stop()
        print(f"module peak RSS, {args.big_rows} rows = {rss_big / 1024:.1f} MB   (target < 300 MB; "
              f"{big_s:.0f} s, written={result_big['written']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
