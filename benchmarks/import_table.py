"""How much emulator CPU a DynamoDB ImportTable of a large CSV costs.

Starts ``backupkit-emulator`` as a child process, puts one CSV object of ROWS order rows (six
columns, keys ``order_id`` (S) + ``item_id`` (N), like ``data/order_data.csv``) into the
emulator's S3, gzipped with ``--gzip``, then times the ImportTable call (the emulator loads the
object in a worker thread after it answers), then moves the clock past the import's end (which
waits for the worker) and reads DescribeImport's counters back. It prints how long the call took,
the wall and emulator CPU seconds from the call to the end of the advance (a loaded machine
inflates wall time, not CPU time), rows per CPU second, the counters and the emulator's peak RSS.

    .venv/bin/python benchmarks/import_table.py [--rows 100000] [--gzip]
"""

from __future__ import annotations

import argparse
import gzip
import os
import time
from typing import Any

import boto3

from backupkit_emulator.process import EmulatorProcess

try:  # run as a script: benchmarks/ is on sys.path
    from clock_advance import cpu_seconds, peak_rss_mb
except ImportError:  # pragma: no cover - imported as benchmarks.import_table
    from benchmarks.clock_advance import cpu_seconds, peak_rss_mb


def order_csv(rows: int) -> bytes:
    """ROWS order lines: 4 lines per order, the header first."""
    lines = ["order_id,item_id,sku,quantity,price,status"]
    for n in range(rows):
        lines.append(f"order-{n // 4:07d},{n % 4 + 1},SKU-{n * 7919 % 100000:05d},{n % 9 + 1},{n % 5000 / 100:.2f},"
                     f"{'shipped' if n % 3 else 'open'}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--gzip", action="store_true", help="put the object gzipped (InputCompressionType GZIP)")
    args = parser.parse_args()

    body = order_csv(args.rows)
    with EmulatorProcess("--import-seconds", "60") as emulator:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=emulator.endpoint, region_name="us-east-1",
                                aws_access_key_id="testing", aws_secret_access_key="testing")

        s3, ddb = client("s3"), client("dynamodb")
        s3.create_bucket(Bucket="import-source")
        s3.put_object(Bucket="import-source", Key="orders/part-0000.csv",
                      Body=gzip.compress(body) if args.gzip else body)
        pid = emulator.process.pid
        cpu_before, started = cpu_seconds(pid), time.perf_counter()
        arn = ddb.import_table(
            S3BucketSource={"S3Bucket": "import-source", "S3KeyPrefix": "orders/"},
            InputFormat="CSV",
            InputCompressionType="GZIP" if args.gzip else "NONE",
            TableCreationParameters={
                "TableName": "orders",
                "KeySchema": [{"AttributeName": "order_id", "KeyType": "HASH"},
                              {"AttributeName": "item_id", "KeyType": "RANGE"}],
                "AttributeDefinitions": [{"AttributeName": "order_id", "AttributeType": "S"},
                                         {"AttributeName": "item_id", "AttributeType": "N"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        )["ImportTableDescription"]["ImportArn"]
        call = time.perf_counter() - started
        emulator.advance(61, timeout=3600)
        seconds, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
        final = ddb.describe_import(ImportArn=arn)["ImportTableDescription"]
        rss = peak_rss_mb(pid)
    print(f"ImportTable of {args.rows} CSV rows ({len(body) / 1e6:.1f} MB{', gzipped' if args.gzip else ''})")
    print(f"the ImportTable call answered in {call:.2f} s")
    print(f"call to end of import: {seconds:.2f} s wall, {cpu:.2f} s CPU of the emulator process "
          f"({args.rows / cpu if cpu else float('inf'):,.0f} rows per CPU second; "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"status {final['ImportStatus']}: processed {final['ProcessedItemCount']}, imported "
          f"{final['ImportedItemCount']}, errors {final['ErrorCount']}, {final['ProcessedSizeBytes']} bytes")
    print(f"emulator peak RSS: {rss:.1f} MB")


if __name__ == "__main__":
    main()
