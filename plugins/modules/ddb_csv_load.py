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

import codecs
import os
import time

try:
    import botocore.config
except ImportError:
    pass  # AnsibleAWSModule reports missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import CsvError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import Loader
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import choose_compare
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import content_source
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import local_source
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import make_converter_factory
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import s3_source
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import scan_segments
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import validate
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import jsonable
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import key_schema_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import table_is_empty
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import botocore_retries

MAX_DUPLICATES_LISTED = 10


def check_options(module):
    params = module.params
    if len(params["delimiter"]) != 1:
        module.fail_json(msg="delimiter must be one character, got %r" % params["delimiter"])
    if not 1 <= params["concurrency"] <= 64:
        module.fail_json(msg="concurrency must be between 1 and 64, got %d" % params["concurrency"])
    if params["retries"] < 1:
        module.fail_json(msg="retries must be at least 1, got %d" % params["retries"])
    if params["prune"] and params["mode"] != "sync":
        module.fail_json(msg="prune needs mode: sync (upsert does not read the table)")
    try:
        codecs.lookup(params["encoding"])
    except LookupError:
        module.fail_json(msg="encoding: unknown encoding %r" % params["encoding"])


def make_source(module):
    src = module.params["src"]
    if module.params["content"] is not None:
        return content_source(module.params["content"])
    if src.startswith("s3://"):
        return s3_source(module.client("s3"), src)
    if not os.path.isfile(src):
        module.fail_json(msg="src %s: no such file on the host that runs the module" % src)
    return local_source(src)


def duplicate_message(duplicates):
    listed = ["%s (lines %d and %d)" % dup for dup in duplicates[:MAX_DUPLICATES_LISTED]]
    more = len(duplicates) - len(listed)
    return "duplicate keys, nothing was written: %s%s. Set on_duplicate: last to keep the last row of each key." % (
        "; ".join(listed),
        " and %d more" % more if more > 0 else "",
    )


def diff_of(totals, table, counts):
    before, after = {}, {}
    for key, old, new in totals.samples:
        if old is not None:
            before[key] = jsonable(old)
        if new is not None:
            after[key] = jsonable(new)
    summary = "%(written)d written, %(deleted)d deleted, %(unchanged)d unchanged" % counts
    return {
        "before_header": "%s (sample of changed items; %s)" % (table, summary),
        "after_header": "%s (sample of changed items; %s)" % (table, summary),
        "before": before,
        "after": after,
    }


def run(module):
    params = module.params
    started = time.monotonic()
    check_options(module)
    # Every item is validated against DynamoDB's rules before it is sent, so botocore's own
    # parameter validation (about 4 ms of CPU per 25-item batch) is skipped.
    config = dict(max_pool_connections=params["concurrency"] + 4, parameter_validation=False)
    retries = botocore_retries(params)
    if retries:
        config["retries"] = retries
    config = botocore.config.Config(**config)
    client = module.client("dynamodb", config=config)
    table = describe_table(client, params["table"])
    if table is None:
        module.fail_json(msg="table %s does not exist; create it first (for example with community.aws.dynamodb_table)" % params["table"])
    key_schema = key_schema_of(table)
    options = dict(
        encoding=params["encoding"], delimiter=params["delimiter"], fieldnames=params["fieldnames"],
        column_types=params["column_types"] or {}, empty_values=params["empty_values"],
        concurrency=params["concurrency"], retries=params["retries"], diff=module._diff,
    )

    source = make_source(module)
    try:
        converter, validation = validate(source, options, make_converter_factory(key_schema, options, source.label))
    except CsvError as exc:
        module.fail_json(msg="%s; nothing was written" % exc)
    if validation.duplicates and params["on_duplicate"] == "error":
        module.fail_json(msg=duplicate_message(validation.duplicates), rows=validation.rows, written=0)

    loader = Loader(client, params["table"], converter, options, module.check_mode)
    compare = None
    if params["mode"] == "sync" and not table_is_empty(client, params["table"], [k[0] for k in key_schema]):
        compare = choose_compare(params["compare_by"], table, validation)
    segments = scan_segments(table, validation, params["concurrency"])
    try:
        if compare == "scan":
            loader.scan_stored(validation.digests, segments, prune=params["prune"])
        loader.load(source, validation, compare)
        if params["prune"] and compare:
            loader.prune(validation.digests, segments)
    except CsvError as exc:  # the source changed between passes
        module.fail_json(msg=str(exc))

    totals = loader.totals
    elapsed = time.monotonic() - started
    counts = dict(
        rows=validation.rows,
        written=totals.written,
        unchanged=totals.unchanged,
        deleted=totals.deleted,
        failed=totals.failed,
        failed_keys=totals.failed_keys,
        duplicates=len(validation.superseded_lines),
        elapsed_seconds=round(elapsed, 3),
        items_per_second=round(validation.rows / elapsed, 1) if elapsed > 0 else 0.0,
        compared_by=compare,
        table=params["table"],
    )
    result = dict(changed=bool(totals.written or totals.deleted), **counts)
    if module._diff:
        result["diff"] = diff_of(totals, params["table"], counts)
    if totals.failed:
        module.fail_json(
            msg="%d of %d rows were not written after %d attempts each (last error: %s); first keys: %s. "
            "Run again to complete the table: rows already written are not written twice."
            % (totals.failed, validation.rows, params["retries"], totals.last_error or "unprocessed items",
               ", ".join(totals.failed_keys[:5])),
            **result
        )
    return result


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
    try:
        result = run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
