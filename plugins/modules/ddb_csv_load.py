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
  - With O(method=import) a table that does not exist yet is created and loaded by DynamoDB's
    ImportTable from an S3 object, on AWS's side (no write capacity used; suited to files too large
    to write from one machine). The file is validated first (O(validate)), the module waits for the
    import with O(wait_timeout) and reports its counts in RV(table_import). A table that exists is
    loaded by writing (V(write) semantics, with O(mode) and O(prune)), so a second run of the same task
    compares the table with the file and reports no change when they are equal.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  table:
    description:
      - Name of the DynamoDB table. Unless the module imports it (O(method)), it must exist; the key schema
        of an existing table decides the key columns.
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
      - An import (O(method)) refuses duplicate keys whatever this says, because ImportTable keeps one of
        the rows and which one is not defined.
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
  method:
    description:
      - How a table that does not exist yet is loaded. A table that exists is always loaded by writing.
      - V(write) writes the rows with BatchWriteItem into an existing table (the table must exist).
      - V(import) creates the table with DynamoDB's ImportTable from O(src) (an S3 object), with the key from
        O(hash_key_name) / O(range_key_name) and O(billing_mode), and loads it on AWS's side. It needs
        every non-key column to be a string (O(column_types) may only type the key columns, as the key options do),
        O(empty_values=omit), a UTF-8 file and a delimiter ImportTable accepts (V(,) V(;) V(:) V(|), tab, space);
        otherwise the task fails before anything is read.
      - V(auto) is V(write), except that it picks V(import) for a table that does not exist when O(src) is an S3
        object larger than 100 MiB (104857600 bytes), O(hash_key_name) is given and V(import) could load the file
        as typed. Below that size writing takes less time than an import's fixed start-up of some minutes.
    type: str
    choices: [auto, write, import]
    default: auto
  validate:
    description:
      - With the import, whether the whole file is first read and validated as O(method=write) validates it
        (key cells present and of the key's type, rows as wide as the header, duplicate keys, item sizes).
      - ImportTable itself keeps one of the rows of a duplicate key without saying so, and counts a bad row
        in RV(table_import.error_count) while it imports the others; validation refuses such a file before a
        table is created. V(false) skips that read for very large files; the import's own checks remain.
      - V(false) is accepted only with O(method=import); writing always converts every row first.
    type: bool
    default: true
  hash_key_name:
    description:
      - The partition key of the table the import creates. Required with O(method=import); with
        O(method=auto) an import needs it too.
      - When the table exists already, it must have this key (the task fails otherwise).
    type: str
  hash_key_type:
    description:
      - Type of O(hash_key_name).
    type: str
    choices: [STRING, NUMBER, BINARY]
    default: STRING
  range_key_name:
    description:
      - The sort key of the table the import creates, if any.
    type: str
  range_key_type:
    description:
      - Type of O(range_key_name).
    type: str
    choices: [STRING, NUMBER, BINARY]
    default: STRING
  billing_mode:
    description:
      - Billing mode of the table the import creates.
    type: str
    choices: [PAY_PER_REQUEST, PROVISIONED]
    default: PAY_PER_REQUEST
  read_capacity:
    description:
      - Read capacity units of the imported table with O(billing_mode=PROVISIONED) (required then).
    type: int
  write_capacity:
    description:
      - Write capacity units of the imported table with O(billing_mode=PROVISIONED) (required then).
    type: int
  wait_timeout:
    description:
      - Seconds to wait for an import to end. DescribeImport is polled with a growing delay (1 second at
        first, at most 15 seconds); each status is logged.
      - On timeout the task fails naming the import; the import goes on in AWS, and running the task again
        waits for it and then compares the table with the file.
    type: int
    default: 3600
notes:
  - Numbers are checked as DynamoDB checks them (at most 38 significant digits, magnitude between
    1E-130 and 9.99E+125); items larger than 400 KB and key values larger than DynamoDB allows are refused.
  - RV(elapsed_seconds) and RV(items_per_second) measure the module's own work.
  - With O(compare_by=scan) the stored items are compared through 64-bit digests of their canonical form, so
    memory stays at a few bytes a row whatever the items hold.
  - "ImportTable reads every object whose key starts with the key of O(src) (its C(S3KeyPrefix)), so the import
    is refused when another object's key starts with it. The object must be uncompressed and must not change
    while the import runs. ImportTable sets no tags; tag the table afterwards (for example with
    community.aws.dynamodb_table)."
  - "An import that ends C(FAILED) with C(ItemValidationError) (rows DynamoDB refused, counted in
    RV(table_import.error_count) and logged by AWS in CloudWatch Logs) fails the task naming the count; the table
    then exists with the other rows, and a later run writes into it."
  - The import needs C(dynamodb:ImportTable), C(dynamodb:DescribeImport), C(dynamodb:ListImports) (to find an import
    a timed-out run left), C(s3:GetObject), C(s3:ListBucket) and the C(logs:) permissions AWS documents for ImportTable.
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

- name: Create and load a large table on AWS's side with ImportTable (a second run compares instead)
  backupkit.dynamodb.ddb_csv_load:
    table: order_history
    src: s3://example-bucket/exports/order_history.csv
    method: import
    hash_key_name: order_id
    range_key_name: item_id
    wait_timeout: 7200
  register: history_load

- name: Import a headerless, semicolon-separated file without reading it first
  backupkit.dynamodb.ddb_csv_load:
    table: clicks_2026
    src: s3://example-bucket/exports/clicks.csv
    method: import
    validate: false
    delimiter: ";"
    fieldnames: [click_id, at, page]
    hash_key_name: click_id

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
  description:
    - Data rows in the file.
    - With O(validate=false) the file is not read, so this is the import's processed item count (0 in check mode).
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
method:
  description: How the rows were loaded, V(write) or V(import).
  returned: always
  type: str
  sample: import
table_import:
  description:
    - The import, as DescribeImport last described it. V(null) when the table was written, and in check mode.
    - When the table was still being created by an import (a run that timed out), the module waits for that import,
      then writes; RV(table_import) is then that import.
    - With O(method=import) RV(written) is the imported item count and RV(failed) the import's error count.
  returned: always
  type: dict
  contains:
    import_arn:
      description: ARN of the import.
      type: str
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/order_history/import/01700000000000-a1b2c3d4
    import_status:
      description: V(IN_PROGRESS) (after a timeout), V(COMPLETED), V(FAILED) or V(CANCELLED).
      type: str
      sample: COMPLETED
    table_arn:
      description: ARN of the table the import created.
      type: str
    table_id:
      description: Id of that table.
      type: str
    processed_item_count:
      description: Rows ImportTable read (AWS fills the counts in when the import ends).
      type: int
      sample: 20000
    imported_item_count:
      description: Items ImportTable wrote.
      type: int
      sample: 20000
    error_count:
      description: Rows ImportTable refused.
      type: int
      sample: 0
    processed_size_bytes:
      description: Bytes ImportTable read.
      type: int
      sample: 1048576
    failure_code:
      description: Why the import failed, for example V(ItemValidationError); V(null) otherwise.
      type: str
    failure_message:
      description: AWS's message for the failure.
      type: str
    cloud_watch_log_group_arn:
      description: The log group where AWS logs the rows it refused.
      type: str
    start_time:
      description: When the import started (ISO 8601).
      type: str
    end_time:
      description: When it ended (ISO 8601); V(null) while it runs.
      type: str
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
        method=dict(type="str", choices=["auto", "write", "import"], default="auto"),
        validate=dict(type="bool", default=True),
        hash_key_name=dict(type="str"),
        hash_key_type=dict(type="str", choices=["STRING", "NUMBER", "BINARY"], default="STRING"),
        range_key_name=dict(type="str"),
        range_key_type=dict(type="str", choices=["STRING", "NUMBER", "BINARY"], default="STRING"),
        billing_mode=dict(type="str", choices=["PAY_PER_REQUEST", "PROVISIONED"], default="PAY_PER_REQUEST"),
        read_capacity=dict(type="int"),
        write_capacity=dict(type="int"),
        wait_timeout=dict(type="int", default=3600),
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
