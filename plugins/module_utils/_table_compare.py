# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Item-by-item comparison of two DynamoDB tables, behind ddb_table_compare (private).

Three passes, none of which holds a table:

1. *compare*: a parallel scan of the source (``segments`` segments, consistent
   reads), page by page; each page's keys are read from the target with
   BatchGetItem (100 keys a call) and the items are compared as DynamoDB
   stores them, without the ignored attributes -> ``missing_in_target`` and
   ``different``.
2. *count*: a parallel ``Select=COUNT`` scan of the target -> ``target_count``;
   ``extra_in_target`` is what the target holds beyond the source items found
   in it: ``target_count - (source_count - missing_in_target)``.
3. *extras* (only when ``extra_in_target > 0`` and samples are wanted): a
   parallel keys-only scan of the target whose keys are looked up in the
   source, until ``sample_limit`` extra keys are found.

Memory is one scan page (at most 1 MB on AWS) and one batch of 100 items per
segment, plus the samples. Samples of missing and different items are the
``sample_limit`` smallest keys (numbers by value), so they are the same on
every run whatever the threads' timing.
"""

from __future__ import annotations

import bisect
import decimal
import functools
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import canonical_attribute
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import Budget
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import READ_CHUNK
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import batch_get
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import jsonable
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import scan_page

RETRY_ATTEMPTS = 10


class TablesChanged(Exception):
    """The counts contradict each other: a table was written while it was compared."""


# ---------------------------------------------------------------------------
# pure parts


def describe_key_schema(schema):
    """``order_id (S, HASH), item_id (S, RANGE)`` for messages."""
    return ", ".join("%s (%s, %s)" % (name, attr_type, role) for name, role, attr_type in schema)


def key_schema_mismatch(source_schema, target_schema):
    """None when the key schemas match (names, roles and types), else a message."""
    if list(source_schema) == list(target_schema):
        return None
    return "the key schemas differ: source has %s; target has %s" % (
        describe_key_schema(source_schema), describe_key_schema(target_schema)
    )


class Keys(object):
    """The key attributes of a table's key schema: [(name, role, type)], hash key first."""

    def __init__(self, schema):
        self.names = [name for name, _role, _type in schema]

    def key_of(self, item):
        return dict((name, item[name]) for name in self.names)

    def values(self, item):
        """Canonical key values: equal for equal keys, hashable."""
        return tuple(canonical_attribute(item[name]) for name in self.names)

    def sort_key(self, item):
        """An order over keys that sorts numbers by value."""
        return tuple((kind, decimal.Decimal(value)) if kind == "N" else (kind, value) for kind, value in self.values(item))

    def projection(self):
        names = dict(("#k%d" % i, name) for i, name in enumerate(self.names))
        return dict(ProjectionExpression=", ".join(sorted(names)), ExpressionAttributeNames=names)


def differing_attributes(source, target, ignore=()):
    """Names of the attributes whose stored values differ, sorted; ``ignore`` names are skipped.

    Values are compared as DynamoDB stores them: ``1.50`` equals ``1.5``, sets are unordered.
    """
    ignored = set(ignore)
    names = (set(source) | set(target)) - ignored
    differ = []
    for name in names:
        if name not in source or name not in target:
            differ.append(name)
        elif canonical_attribute(source[name]) != canonical_attribute(target[name]):
            differ.append(name)
    return sorted(differ)


def extra_count(source_count, missing_in_target, target_count):
    """Items of the target whose keys the source does not have.

    The target holds the ``source_count - missing_in_target`` source items that were
    found in it, and the rest are extra. A negative result means a table changed
    while it was being compared.
    """
    found = source_count - missing_in_target
    extra = target_count - found
    if extra < 0:
        raise TablesChanged(
            "the target holds %d items but %d source items were found in it: a table was written while it was "
            "compared; compare tables that are not being written (for example a restored table and the "
            "restore's recovery point, not the live source)" % (target_count, found)
        )
    return extra


class Sample(object):
    """At most ``limit`` entries, the ones with the smallest sort keys; safe across threads.

    ``offer(sort_key, make)`` calls ``make()`` only for an entry that is kept.
    """

    def __init__(self, limit):
        self.limit = max(0, limit)
        self._entries = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def offer(self, sort_key, make):
        if self.limit == 0:
            return False
        with self._lock:
            if len(self._entries) >= self.limit and not sort_key < self._entries[-1][0]:
                return False
            bisect.insort(self._entries, (sort_key, next(self._order), make()))
            if len(self._entries) > self.limit:
                self._entries.pop()
            return True

    def __len__(self):
        return len(self._entries)

    def values(self):
        with self._lock:
            return [value for _key, _order, value in self._entries]


class Counts(object):
    def __init__(self):
        self._lock = threading.Lock()
        self.source_count = 0
        self.missing_in_target = 0
        self.different = 0
        self.target_count = 0
        self.extras_found = 0

    def add(self, **counts):
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)
            return dict((name, getattr(self, name)) for name in counts)


def chunks(items, size=READ_CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# ---------------------------------------------------------------------------
# the comparison


class TableComparison(object):
    """Compare ``source`` with ``target`` (table names or ARNs with the same key schema)."""

    def __init__(self, client, source, target, key_schema, ignore_attributes=(), sample_limit=10, segments=8, budget=None,
                 source_client=None):
        self.client = client
        # the source table may be in another Region (a DR drill): read it with its own client
        self.source_client = source_client or client
        self.source = source
        self.target = target
        self.keys = Keys(key_schema)
        self.ignore = frozenset(ignore_attributes or ())
        self.sample_limit = sample_limit
        self.segments = segments
        self.budget = budget or Budget(RETRY_ATTEMPTS)
        self.counts = Counts()
        self.missing = Sample(sample_limit)
        self.different = Sample(sample_limit)
        self.extras = Sample(sample_limit)
        self.extras_complete = True
        self._stop = threading.Event()

    # --- scanning
    def _pages(self, table, segment, client=None, **extra):
        params = dict(TableName=table, Segment=segment, TotalSegments=self.segments, ConsistentRead=True, **extra)
        while not self._stop.is_set():
            page = scan_page(client or self.client, **params)
            yield page
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            params["ExclusiveStartKey"] = start

    def _parallel(self, work):
        """Run work(segment) for every segment; the first error stops the others and is raised."""
        self._stop.clear()

        def guarded(segment):
            try:
                return work(segment)
            except BaseException:
                self._stop.set()
                raise

        with ThreadPoolExecutor(max_workers=self.segments) as pool:
            futures = [pool.submit(guarded, segment) for segment in range(self.segments)]
            results = []
            error = None
            for future in futures:
                try:
                    results.append(future.result())
                except Exception as exc:  # pylint: disable=broad-except
                    error = error or exc
            if error is not None:
                raise error
        self._stop.clear()
        return results

    # --- pass 1
    def _compare_chunk(self, items):
        keys = [self.keys.key_of(item) for item in items]
        stored = dict((self.keys.values(found), found) for found in batch_get(self.client, self.target, keys, self.budget))
        missing = different = 0
        for item, key in zip(items, keys):
            other = stored.get(self.keys.values(item))
            if other is None:
                missing += 1
                self.missing.offer(self.keys.sort_key(item), functools.partial(jsonable, key))
                continue
            names = differing_attributes(item, other, self.ignore)
            if names:
                different += 1
                self.different.offer(self.keys.sort_key(item), functools.partial(self._difference, key, item, other, names))
        self.counts.add(source_count=len(items), missing_in_target=missing, different=different)

    @staticmethod
    def _difference(key, source, target, names):
        return dict(
            key=jsonable(key),
            attributes=names,
            source=jsonable(dict((name, source[name]) for name in names if name in source)),
            target=jsonable(dict((name, target[name]) for name in names if name in target)),
        )

    def _compare_segment(self, segment):
        for page in self._pages(self.source, segment, client=self.source_client):
            for chunk in chunks(page.get("Items", [])):
                self._compare_chunk(chunk)

    # --- pass 2
    def _count_segment(self, segment):
        total = 0
        for page in self._pages(self.target, segment, Select="COUNT"):
            total += page.get("Count", 0)
        self.counts.add(target_count=total)

    # --- pass 3
    def _extras_segment(self, segment, wanted):
        for page in self._pages(self.target, segment, **self.keys.projection()):
            for chunk in chunks(page.get("Items", [])):
                keys = [self.keys.key_of(key) for key in chunk]
                known = set(self.keys.values(found) for found in batch_get(self.source_client, self.source, keys, self.budget))
                extra = [key for key in keys if self.keys.values(key) not in known]
                for key in extra:
                    self.extras.offer(self.keys.sort_key(key), functools.partial(jsonable, key))
                if extra and self.counts.add(extras_found=len(extra))["extras_found"] >= wanted:
                    self._stop.set()
                    return

    def count_target(self):
        """Items in the target table (a parallel COUNT scan), without reading the source."""
        self._parallel(self._count_segment)
        return self.counts.target_count

    def run(self):
        self._parallel(self._compare_segment)
        self._parallel(self._count_segment)
        counts = self.counts
        extra = extra_count(counts.source_count, counts.missing_in_target, counts.target_count)
        wanted = min(extra, self.sample_limit)
        if wanted > 0:
            self._parallel(lambda segment: self._extras_segment(segment, wanted))
            self.extras_complete = counts.extras_found >= wanted
        return self.result(extra)

    def result(self, extra):
        counts = self.counts
        return dict(
            equal=not (counts.missing_in_target or counts.different or extra),
            source_count=counts.source_count,
            target_count=counts.target_count,
            missing_in_target=counts.missing_in_target,
            extra_in_target=extra,
            different=counts.different,
            samples=dict(
                missing_in_target=self.missing.values(),
                extra_in_target=self.extras.values(),
                different=self.different.values(),
            ),
        )


def summary(result, source, target):
    """One line for messages: the counts of a comparison."""
    return (
        "%s and %s differ: %d items in the source, %d in the target; %d missing in the target, "
        "%d extra in the target, %d different" % (
            source, target, result["source_count"], result["target_count"], result["missing_in_target"],
            result["extra_in_target"], result["different"],
        )
    )
