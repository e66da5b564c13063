# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CSV -> DynamoDB loader behind ddb_csv_load (private).

Passes over a streamed CSV, never holding a large file:

1. *validate*: every row is converted and checked; keys are remembered as
   64-bit digests (a sorted array: 8 bytes a row) to find duplicates. A bad
   row anywhere stops the run before anything is written.
2. *read* (sync, table not empty), one of:
   - ``scan``: one parallel scan of the table records, for every stored key
     the CSV has, a 64-bit digest of the stored item (8 more bytes a row), and
     collects the keys the CSV lacks (for prune);
   - ``batch_get``: each chunk of 100 rows reads its stored items with
     BatchGetItem while it is loaded.
   ``auto`` takes the one that consumes fewer read capacity units: a scan
   costs the table's size / 4 KB, BatchGetItem at least a unit per row.
3. *load*: rows are converted again (or taken from the validation pass for
   small files) and only new or different items are written with
   BatchWriteItem, on ``concurrency`` threads with a bounded number in flight.
4. *prune* (sync + prune): stored items whose keys the CSV does not have are
   deleted (found by the scan, or by a keys-only scan after ``batch_get``).

BatchWriteItem's UnprocessedItems, throttling and 5xx answers are retried with
exponential backoff and full jitter until done or the retry budget is spent;
what is still unwritten is counted in ``failed`` with its keys.
"""

from __future__ import annotations

import codecs
import io
import math
import os
import threading
import time
from array import array
from bisect import bisect_left
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

try:
    import botocore.config
except ImportError:
    pass  # AnsibleAWSModule reports missing botocore

from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import CsvError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import RowConverter
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import canonical_item
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import csv_rows
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import decoded_lines
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import item_digest
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import key_digest
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import Budget
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import READ_CHUNK
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import READ_UNIT_BYTES
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import WRITE_CHUNK
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import batch_get
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import batch_write
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import jsonable
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import key_schema_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import scan_page
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import table_is_empty
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import botocore_retries
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import error_code_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._s3 import AnsibleS3Error
from ansible_collections.backupkit.dynamodb.plugins.module_utils._s3 import get_object

# Files up to this many rows (and, where the size is known before reading, this many bytes)
# keep their converted items from the validation pass, so the load pass does not read and
# convert the file again; larger files are streamed twice and memory stays bounded.
CACHE_ROWS = 50000
CACHE_BYTES = 8 * 1024 * 1024
# A parallel scan segment per 16 MB of table: 16 pages of 1 MB read one after another. Smaller
# tables are read by one segment (a few pages); larger ones by up to ``concurrency`` segments.
SCAN_SEGMENT_BYTES = 16 * 1024 * 1024
DIFF_SAMPLE = 10

# ---------------------------------------------------------------------------
# sources


class Source(object):
    """A re-openable CSV byte source: a local path, an S3 object or in-memory text.

    ``size`` is its length in bytes when known before it is read (None otherwise).
    """

    def __init__(self, label, opener, size=None):
        self.label = label
        self._opener = opener
        self.size = size

    def open(self):
        return self._opener()


def local_source(path):
    def opener():
        return io.open(path, "rb")

    return Source(path, opener, size=os.path.getsize(path))


def content_source(text):
    data = text.encode("utf-8")

    def opener():
        return io.BytesIO(data)

    return Source("content", opener, size=len(data))


class _StreamingLines(object):
    """Lines (with their endings) of an S3 StreamingBody, read in chunks."""

    def __init__(self, body):
        self._body = body

    def __iter__(self):
        return self._body.iter_lines(chunk_size=65536, keepends=True)

    def close(self):
        self._body.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def s3_source(s3_client, url):
    """``s3://bucket/key``; the second read is pinned to the first read's ETag."""
    bucket, _sep, key = url[len("s3://"):].partition("/")
    if not bucket or not key:
        raise CsvError("src %r is not of the form s3://bucket/key" % url)
    state = {}

    def opener():
        try:
            response = get_object(s3_client, bucket, key, if_match=state.get("etag"))
        except AnsibleS3Error as e:
            if error_code_of(e) == "PreconditionFailed":
                raise CsvError("%s changed while it was being loaded; run again" % url) from None
            raise AnsibleS3Error(message="Failed to read %s" % url, exception=e.exception) from e
        state.setdefault("etag", response.get("ETag"))
        source.size = response.get("ContentLength")
        return _StreamingLines(response["Body"])

    source = Source(url, opener)
    return source


def iter_rows(source, encoding, delimiter, fieldnames):
    """Yield (line, cells) of data rows; the header (or fieldnames) is read first.

    Returns a generator whose first item is ``("header", header)``.
    """
    stream = source.open()
    try:
        lines = decoded_lines(stream, encoding, source=source.label)
        rows = csv_rows(lines, delimiter=delimiter, source=source.label)
        if fieldnames:
            yield "header", list(fieldnames)
        else:
            try:
                _line, header = next(rows)
            except StopIteration:
                raise CsvError("the file is empty: no header row", line=1, source=source.label)
            yield "header", [h.strip() for h in header]
        for line, row in rows:
            yield line, row
    finally:
        stream.close()


def open_rows(source, encoding, delimiter, fieldnames):
    rows = iter_rows(source, encoding, delimiter, fieldnames)
    _tag, header = next(rows)
    return header, rows


# ---------------------------------------------------------------------------
# pass 1: validation and duplicates


class KeyIndex(object):
    """The CSV's key digests, sorted and distinct in a flat array (8 bytes a key): membership and position."""

    def __init__(self, sorted_digests):
        self.digests = array("Q", sorted_digests)

    def __len__(self):
        return len(self.digests)

    def find(self, digest):
        """The digest's position, or -1."""
        position = bisect_left(self.digests, digest)
        if position < len(self.digests) and self.digests[position] == digest:
            return position
        return -1

    def __contains__(self, digest):
        return self.find(digest) >= 0


class Validation(object):
    def __init__(self):
        self.rows = 0
        self.superseded_lines = set()  # rows replaced by a later row with the same key
        self.duplicates = []  # [(key text, first line, later line)]
        self.digests = None  # KeyIndex of the CSV's keys
        self.item_bytes = 0  # DynamoDB size of all rows' items
        self.read_units = 0  # strongly consistent read units to read every row's item by key
        self.items = None  # [(line, item)] when the file is small enough to keep


def validate(source, options, converter_factory):
    """Convert every row once; find duplicate keys; raise CsvError on the first bad row."""
    header, rows = open_rows(source, options["encoding"], options["delimiter"], options["fieldnames"])
    converter = converter_factory(header)
    result = Validation()
    digests = array("Q")  # every row's key digest, 8 bytes a row
    cache = [] if source.size is None or source.size <= CACHE_BYTES else None
    for line, row in rows:
        item = converter.convert(row, line)
        digests.append(key_digest(converter.key_values(item)))
        result.rows += 1
        result.item_bytes += converter.last_size
        result.read_units += -(-converter.last_size // READ_UNIT_BYTES) or 1
        if cache is not None:
            cache.append((line, item))
            if len(cache) > CACHE_ROWS:
                cache = None
    result.items = cache
    ordered = sorted(digests)
    del digests
    suspects = set(a for a, b in zip(ordered, ordered[1:]) if a == b)
    result.digests = KeyIndex(_distinct(ordered) if suspects else ordered)
    del ordered
    if suspects:
        _resolve_duplicates(source, options, converter, suspects, result)
    return converter, result


def _distinct(ordered):
    previous = None
    for value in ordered:
        if value != previous:
            yield value
            previous = value


def _resolve_duplicates(source, options, converter, suspects, result):
    """Second look at rows whose key digest repeats: confirm by real key, keep line numbers."""
    _header, rows = open_rows(source, options["encoding"], options["delimiter"], options["fieldnames"])
    last_line = {}
    first_line = {}
    for line, row in rows:
        item = converter.convert(row, line)
        key = converter.key_values(item)
        if key_digest(key) not in suspects:
            continue
        if key in last_line:
            result.duplicates.append((converter.key_text(item), first_line[key], line))
            result.superseded_lines.add(last_line[key])
        else:
            first_line[key] = line
        last_line[key] = line


# ---------------------------------------------------------------------------
# writing with retries


# ---------------------------------------------------------------------------
# pass 2: load


class Totals(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.written = 0
        self.unchanged = 0
        self.deleted = 0
        self.failed = 0
        self.failed_keys = []
        self.last_error = None
        self.samples = []
        self.write_calls = 0

    def add(self, **counts):
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def fail(self, keys, error):
        with self.lock:
            self.failed += len(keys)
            room = 100 - len(self.failed_keys)
            if room > 0:
                self.failed_keys.extend(keys[:room])
            if error is not None:
                self.last_error = str(error)

    def sample(self, key, before, after):
        with self.lock:
            if len(self.samples) < DIFF_SAMPLE:
                self.samples.append((key, before, after))


def estimated_table_bytes(table, validation):
    """The table's size: DescribeTable's ``TableSizeBytes``, else ``ItemCount`` times the CSV's mean item size."""
    table_bytes = table.get("TableSizeBytes") or 0
    if not table_bytes and validation.rows:
        table_bytes = (table.get("ItemCount") or 0) * validation.item_bytes / float(validation.rows)
    return table_bytes


def choose_compare(choice, table, validation):
    """How sync reads stored items: 'scan' or 'batch_get' (``choice`` may be 'auto').

    ``auto`` takes the read that consumes fewer read capacity units: a consistent scan
    reads the whole table (its size / 4 KB units), BatchGetItem reads each row's item
    (at least one unit a row). The table's size comes from DescribeTable
    (``TableSizeBytes``, or ``ItemCount`` times the CSV's mean item size); DynamoDB
    refreshes those figures about every six hours, and while it reports none the
    read is ``batch_get``, whose cost the file bounds.
    """
    if choice != "auto":
        return choice
    table_bytes = estimated_table_bytes(table, validation)
    if not table_bytes:
        return "batch_get"
    return "scan" if table_bytes / READ_UNIT_BYTES <= validation.read_units else "batch_get"


def scan_segments(table, validation, concurrency):
    """Parallel scan segments: one per 16 MB of table (estimated_table_bytes), at most ``concurrency``."""
    segments = math.ceil(estimated_table_bytes(table, validation) / SCAN_SEGMENT_BYTES)
    return int(max(1, min(concurrency, segments)))


class Loader(object):
    def __init__(self, client, table, converter, options, check_mode, budget=None):
        self.client = client
        self.table = table
        self.converter = converter
        self.options = options
        self.check_mode = check_mode
        self.budget = budget or Budget(options["retries"])
        self.totals = Totals()
        self.stored = None  # array of stored item digests, aligned with the KeyIndex (after scan_stored)
        self.doomed = []  # stored keys the CSV does not have (after scan_stored with prune)

    # --- reads
    def _scan_table(self, segments, handle_page, keys_only=False):
        """Parallel consistent scan; handle_page(items) runs on a second thread per segment,
        so a segment asks for its next page while the last one is handled."""
        params = dict(TableName=self.table, TotalSegments=segments, ConsistentRead=True)
        if keys_only:
            key_names = [name for name, _role, _type in self.converter.key_schema]
            names = dict(("#k%d" % i, n) for i, n in enumerate(key_names))
            params.update(ProjectionExpression=", ".join(names), ExpressionAttributeNames=names)

        def scan_segment(segment):
            start = None
            handled = None
            while True:
                page_params = dict(params, Segment=segment)
                if start:
                    page_params["ExclusiveStartKey"] = start
                page = scan_page(self.client, **page_params)
                if handled is not None:
                    handled.result()  # at most one page waits per segment
                handled = handlers.submit(handle_page, page.get("Items", []))
                start = page.get("LastEvaluatedKey")
                if not start:
                    handled.result()
                    return

        with ThreadPoolExecutor(max_workers=segments) as handlers:
            with ThreadPoolExecutor(max_workers=segments) as pool:
                list(pool.map(scan_segment, range(segments)))

    def scan_stored(self, index, segments, prune):
        """Read the whole table once: digests of stored items the CSV has keys for; keys it lacks."""
        stored = array("Q", bytes(8 * len(index)))
        doomed = []
        converter = self.converter

        def handle_page(items):
            lost = []
            for item in items:
                position = index.find(key_digest(converter.key_values(item)))
                if position >= 0:
                    stored[position] = item_digest(item)
                elif prune:
                    lost.append(converter.key_of(item))
            if lost:
                with self.totals.lock:
                    doomed.extend(lost)

        self._scan_table(segments, handle_page)
        self.stored = stored
        self.doomed = doomed

    def _get_one(self, item):
        found = batch_get(self.client, self.table, [self.converter.key_of(item)], self.budget)
        return found[0] if found else None

    # --- one chunk of up to 100 rows, read with BatchGetItem
    def _process_chunk(self, items):
        stored = {}
        keys = [self.converter.key_of(item) for item in items]
        for found in batch_get(self.client, self.table, keys, self.budget):
            stored[self.converter.key_values(found)] = found
        to_write = []
        unchanged = 0
        for item in items:
            before = stored.get(self.converter.key_values(item))
            if before is not None and canonical_item(before) == canonical_item(item):
                unchanged += 1
                continue
            if self.options["diff"]:
                self.totals.sample(self.converter.key_text(item), before, item)
            to_write.append(item)
        self.totals.add(unchanged=unchanged)
        for start in range(0, len(to_write), WRITE_CHUNK):
            self._put(to_write[start:start + WRITE_CHUNK])

    def _put(self, items):
        if self.check_mode:
            self.totals.add(written=len(items))
            return
        self._write([{"PutRequest": {"Item": item}} for item in items])

    def _write(self, requests):
        self.totals.add(write_calls=1)
        left, error = batch_write(self.client, self.table, requests, self.budget)
        done = len(requests) - len(left)
        if "PutRequest" in requests[0]:
            self.totals.add(written=done)
            if left:
                self.totals.fail([self.converter.key_text(r["PutRequest"]["Item"]) for r in left], error)
        else:
            self.totals.add(deleted=done)
            if left:
                self.totals.fail([self.converter.key_text(r["DeleteRequest"]["Key"]) for r in left], error)

    def _run_chunks(self, chunks, work):
        """Run work(chunk) on the pool with at most 2 x concurrency chunks in flight."""
        concurrency = self.options["concurrency"]
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            in_flight = set()
            try:
                for chunk in chunks:
                    if len(in_flight) >= 2 * concurrency:
                        done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                        for future in done:
                            future.result()
                    in_flight.add(pool.submit(work, chunk))
                for future in in_flight:
                    future.result()
            except BaseException:
                for future in in_flight:
                    future.cancel()
                raise

    def _rows(self, source, validation):
        """(line, item) of the rows to load: the kept rows or a second stream, without superseded rows."""
        superseded = validation.superseded_lines
        if validation.items is not None:
            converted = iter(validation.items)
        else:
            _header, rows = open_rows(source, self.options["encoding"], self.options["delimiter"], self.options["fieldnames"])
            converted = ((line, self.converter.convert(row, line)) for line, row in rows)
        for line, item in converted:
            if line not in superseded:
                yield item

    def _changed(self, items, index):
        """Items whose stored digest (from scan_stored) differs; counts the rest as unchanged."""
        stored = self.stored
        converter = self.converter
        unchanged = 0
        for item in items:
            before = stored[index.find(key_digest(converter.key_values(item)))]
            if before == item_digest(item):
                unchanged += 1
                continue
            if self.options["diff"] and len(self.totals.samples) < DIFF_SAMPLE:
                self.totals.sample(converter.key_text(item), self._get_one(item) if before else None, item)
            yield item
        self.totals.add(unchanged=unchanged)

    def load(self, source, validation, compare):
        """Write the rows; ``compare``: None (write all), 'scan' (after scan_stored) or 'batch_get'."""
        items = self._rows(source, validation)
        if compare == "batch_get":
            self._run_chunks(_chunked(items, READ_CHUNK), self._process_chunk)
            return
        if compare == "scan":
            items = self._changed(items, validation.digests)
        elif self.options["diff"]:
            items = self._sampled(items)
        self._run_chunks(_chunked(items, WRITE_CHUNK), self._put)

    def _sampled(self, items):
        for item in items:
            if len(self.totals.samples) < DIFF_SAMPLE:
                self.totals.sample(self.converter.key_text(item), None, item)
            yield item

    # --- prune
    def prune(self, digests, segments):
        """Delete stored items whose keys are not in ``digests`` (found by scan_stored, or by a keys-only scan)."""
        if self.stored is None:
            doomed = []

            def handle_page(keys):
                lost = [key for key in keys if key_digest(self.converter.key_values(key)) not in digests]
                if lost:
                    with self.totals.lock:
                        doomed.extend(lost)

            self._scan_table(segments, handle_page, keys_only=True)
        else:
            doomed = self.doomed
        if self.options["diff"]:
            for key in doomed[:DIFF_SAMPLE]:
                self.totals.sample(self.converter.key_text(key), key, None)
        if self.check_mode:
            self.totals.add(deleted=len(doomed))
            return
        batches = [doomed[i:i + WRITE_CHUNK] for i in range(0, len(doomed), WRITE_CHUNK)]
        self._run_chunks(iter(batches), lambda keys: self._write([{"DeleteRequest": {"Key": k}} for k in keys]))


def _chunked(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def make_converter_factory(key_schema, options, source_label):
    def factory(header):
        return RowConverter(
            header, key_schema, column_types=options["column_types"], empty_values=options["empty_values"], source=source_label
        )

    return factory


# ---------------------------------------------------------------------------
# the engine of ddb_csv_load

MAX_DUPLICATES_LISTED = 10


def input_problems(params):
    """What is wrong with the options, found before anything is read (messages naming the option)."""
    problems = []
    if len(params["delimiter"]) != 1:
        problems.append("delimiter must be one character, got %r" % params["delimiter"])
    if not 1 <= params["concurrency"] <= 64:
        problems.append("concurrency must be between 1 and 64, got %d" % params["concurrency"])
    if params["retries"] < 1:
        problems.append("retries must be at least 1, got %d" % params["retries"])
    if params["prune"] and params["mode"] != "sync":
        problems.append("prune needs mode: sync (upsert does not read the table)")
    try:
        codecs.lookup(params["encoding"])
    except LookupError:
        problems.append("encoding: unknown encoding %r" % params["encoding"])
    return problems


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


def load(module):
    """The engine of ddb_csv_load: validate the whole file, read what the table holds, write what differs."""
    params = module.params
    started = time.monotonic()
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
