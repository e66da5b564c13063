#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ddb_csv_load
short_description: Load a CSV file into a DynamoDB table, idempotently
version_added: 0.1.0
description:
  - Loads the rows of a CSV file into an existing DynamoDB table, one item per row.
  - The whole file is validated before anything is written, so a bad row near the end never
    leaves a half-loaded table. Errors name the file, line and column.
  - In O(mode=sync) only items that are new or differ from the stored item are written, so
    loading the same file twice reports no change the second time and writes nothing.
    Values are compared the way DynamoDB stores them (V(1.50) and V(1.5) are the same number,
    sets are unordered). The stored items are read by one parallel scan or by key, see O(compare_by).
  - The file is streamed, never held whole, so memory stays bounded as the file grows.
  - Writes use BatchWriteItem from O(concurrency) threads. Throttling, HTTP 5xx answers and
    unprocessed items are retried with exponential backoff and jitter; rows still unwritten when
    the retry budget is spent are counted in RV(failed) with their keys, and the task fails.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  table:
    description:
      - Name of the DynamoDB table. It must exist; its key schema decides the key columns.
    type: str
    required: true
    aliases: [table_name]
  src:
    description:
      - The CSV file, as a path on the host that runs the module, or V(s3://bucket/key) (read as a stream).
      - Exactly one of O(src) and O(content) is required.
    type: str
  content:
    description:
      - The CSV text itself.
      - Exactly one of O(src) and O(content) is required.
    type: str
  delimiter:
    description:
      - The one-character field delimiter.
    type: str
    default: ","
  encoding:
    description:
      - The encoding of O(src). A UTF-8 byte-order mark at the start is dropped.
      - Bytes that are not valid in the encoding are an error naming the line.
    type: str
    default: utf-8
  fieldnames:
    description:
      - Column names for a file without a header row. When given, the first line is data.
    type: list
    elements: str
  column_types:
    description:
      - DynamoDB type per column. V(S), V(N), V(BOOL) (true/false, yes/no, 1/0 in any case), V(NULL),
        V(B) (base64), and V(SS), V(NS), V(BS), V(L), V(M), whose cells are JSON (an array for sets
        and lists, an object for maps).
      - Key columns take their type from the table's attribute definitions; other columns default to V(S).
    type: dict
    default: {}
  empty_values:
    description:
      - What an empty non-key cell becomes. V(omit) leaves the attribute out of the item, V(null)
        stores a NULL, V(keep) stores an empty string in V(S) columns (other types are left out).
      - An empty key cell is always an error.
    type: str
    choices: [omit, "null", keep]
    default: omit
  mode:
    description:
      - V(sync) reads the stored items and writes only rows that are new or differ.
      - V(upsert) writes every row without reading.
    type: str
    choices: [sync, upsert]
    default: sync
  prune:
    description:
      - With O(mode=sync), delete stored items whose keys are not in the CSV, so the table ends
        up holding exactly the file.
    type: bool
    default: false
  compare_by:
    description:
      - How O(mode=sync) reads the stored items it compares the rows with.
      - V(scan) reads the whole table once with a parallel, strongly consistent scan (also finding
        the items O(prune) deletes). It suits a file that holds most of the table.
      - V(batch_get) reads each row's item by key with BatchGetItem. It suits a small file loaded
        into a large table.
      - V(auto) takes the one that consumes fewer read capacity units, from the table size DynamoDB
        reports (refreshed about every six hours; while it reports none, V(batch_get), whose cost
        the file bounds).
    type: str
    choices: [auto, scan, batch_get]
    default: auto
  on_duplicate:
    description:
      - What to do when two rows have the same key. V(error) refuses the file and names the key and
        both line numbers; V(last) keeps the last row and counts the others in RV(duplicates).
    type: str
    choices: [error, last]
    default: error
  concurrency:
    description:
      - Number of parallel readers and writers.
    type: int
    default: 16
  retries:
    description:
      - Attempts per batch for throttling, HTTP 5xx answers and unprocessed items, with exponential
        backoff and jitter between attempts.
    type: int
    default: 10
notes:
  - Numbers are checked as DynamoDB checks them (at most 38 significant digits, magnitude between
    1E-130 and 9.99E+125); items larger than 400 KB and key values larger than DynamoDB allows are refused.
  - RV(elapsed_seconds) and RV(items_per_second) measure the module's own work.
  - With O(compare_by=scan) the stored items are compared through 64-bit digests of their canonical form, so
    memory stays at a few bytes a row whatever the items hold.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Validates the file, reads the table and predicts every count; writes nothing.
  diff_mode:
    support: full
    description: Returns a bounded sample of changed items before and after, with the counts.
"""

EXAMPLES = r"""
- name: Load the walk-through's orders (keys order_id + item_id come from the table)
  backupkit.dynamodb.ddb_csv_load:
    table: order_transaction
    src: data/order_data.csv
    column_types:
      quantity: N
      price: N
      gift_wrap: BOOL
      tags: SS

- name: Load from S3, mirroring the file exactly (delete items the file no longer has)
  backupkit.dynamodb.ddb_csv_load:
    table: order_transaction
    src: s3://example-bucket/exports/order_data.csv
    prune: true

- name: Load inline CSV without a header row, keeping the last row of repeated keys
  backupkit.dynamodb.ddb_csv_load:
    table: order_transaction
    fieldnames: [order_id, item_id, status]
    on_duplicate: last
    content: |
      o-1,i-1,NEW
      o-1,i-1,SHIPPED
"""

RETURN = r"""
rows:
  description: Data rows in the file.
  returned: always
  type: int
  sample: 20000
written:
  description: Items written (in check mode, that would be written).
  returned: always
  type: int
  sample: 120
unchanged:
  description: Rows whose stored item already equals the row (O(mode=sync)).
  returned: always
  type: int
  sample: 19880
deleted:
  description: Stored items deleted by O(prune) (in check mode, that would be deleted).
  returned: always
  type: int
  sample: 0
failed:
  description: Rows still unwritten after the retry budget was spent; the task fails when this is not 0.
  returned: always
  type: int
  sample: 0
failed_keys:
  description: Up to 100 keys of the failed rows.
  returned: always
  type: list
  elements: str
  sample: []
duplicates:
  description: Rows replaced by a later row with the same key (O(on_duplicate=last)).
  returned: always
  type: int
  sample: 0
elapsed_seconds:
  description: Seconds the module spent validating, reading and writing.
  returned: always
  type: float
  sample: 3.42
items_per_second:
  description: Rows handled per second.
  returned: always
  type: float
  sample: 5848.0
compared_by:
  description: How the stored items were read (V(scan) or V(batch_get)); V(null) when nothing
    was read (O(mode=upsert), or the table was empty).
  returned: always
  type: str
  sample: scan
table:
  description: The table loaded.
  returned: always
  type: str
  sample: order_transaction
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import input_problems
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import load


def main():
    argument_spec = dict(
        table=dict(type="str", required=True, aliases=["table_name"]),
        src=dict(type="str"),
        content=dict(type="str"),
        delimiter=dict(type="str", default=","),
        encoding=dict(type="str", default="utf-8"),
        fieldnames=dict(type="list", elements="str"),
        column_types=dict(type="dict", default={}),
        empty_values=dict(type="str", choices=["omit", "null", "keep"], default="omit"),
        mode=dict(type="str", choices=["sync", "upsert"], default="sync"),
        prune=dict(type="bool", default=False),
        compare_by=dict(type="str", choices=["auto", "scan", "batch_get"], default="auto"),
        on_duplicate=dict(type="str", choices=["error", "last"], default="error"),
        concurrency=dict(type="int", default=16),
        retries=dict(type="int", default=10),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["src", "content"]],
        required_one_of=[["src", "content"]],
        supports_check_mode=True,
    )
    run_module(module, load, input_problems=input_problems)


if __name__ == "__main__":
    main()
