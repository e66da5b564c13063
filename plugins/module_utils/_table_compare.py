# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Item-by-item comparison of two DynamoDB tables, behind ddb_table_compare (private).

Two methods. ``digests`` (the default up to :data:`DIGEST_ITEMS` items in both tables together,
by DescribeTable's ItemCount) reads each table once, both at the same time, each with a parallel
scan of ``segments`` segments (consistent reads), and keeps per item only a 64-bit digest of its
key, a 64-bit digest of the item as DynamoDB stores it (without the ignored attributes) and its
packed key (about 45 bytes an item for short keys, :class:`TableDigests`). Sorted by key digest,
the two lists are merged: keys only the source has are ``missing_in_target``, keys only the
target has ``extra_in_target``, same keys with other item digests ``different``. The
``sample_limit`` smallest keys of each kind are exact and complete; the different items among
them are read again from both tables with BatchGetItem to name the attributes that differ. The
reads are what the read floor is: one scan of each table.

``stream`` (larger tables, whose digests would not fit in bounded memory) makes three passes,
none of which holds a table:

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

import base64
import bisect
import decimal
import functools
import hashlib
import itertools
import json
import re
import threading
from array import array
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import canonical_attribute
from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import canonical_number
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import Budget
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import READ_CHUNK
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import batch_get
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import jsonable
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import scan_page

RETRY_ATTEMPTS = 10
# Up to this many items in both tables together (DescribeTable's ItemCount), the tables are compared
# by digests (about 45 bytes an item held, 75 while sorting: 150 MB at the limit with short keys); above it,
# by the streaming passes, whose memory does not grow with the tables.
DIGEST_ITEMS = 2000000


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
        self.types = [attr_type for _name, _role, attr_type in schema]

    def key_of(self, item):
        return dict((name, item[name]) for name in self.names)

    def values(self, item):
        """Canonical key values: equal for equal keys, hashable."""
        return tuple(canonical_attribute(item[name]) for name in self.names)

    def sort_key(self, item):
        """An order over keys that sorts numbers by value."""
        return tuple((kind, decimal.Decimal(value)) if kind == "N" else (kind, value) for kind, value in self.values(item))

    def pack(self, item):
        """The key in a few bytes: per key attribute, its length (2 bytes) and its text or bytes
        (a number as :func:`number_text`), so equal keys pack alike."""
        out = bytearray()
        for name, kind in zip(self.names, self.types):
            inner = item[name][kind]
            if kind == "B":
                data = bytes(inner)
            else:
                data = (number_text(inner) if kind == "N" else inner).encode("utf-8")
            out += len(data).to_bytes(2, "big")
            out += data
        return bytes(out)

    @staticmethod
    def digest(packed):
        """A 64-bit digest of a packed key."""
        return int.from_bytes(hashlib.blake2b(packed, digest_size=8).digest(), "big")

    def unpack(self, packed, types):
        """The key (DynamoDB JSON, as botocore gives it) of :meth:`pack`'s bytes; ``types`` per key attribute."""
        key = {}
        position = 0
        for name, kind in zip(self.names, types):
            size = int.from_bytes(packed[position:position + 2], "big")
            data = bytes(packed[position + 2:position + 2 + size])
            position += 2 + size
            key[name] = {kind: data if kind == "B" else data.decode("utf-8")}
        return key

    def projection(self):
        names = dict(("#k%d" % i, name) for i, name in enumerate(self.names))
        return dict(ProjectionExpression=", ".join(sorted(names)), ExpressionAttributeNames=names)


_PLAIN_NUMBER = re.compile(r"(-?)0*([0-9]+?)(?:\.([0-9]*?)0*)?\Z")


def number_text(text):
    """A DynamoDB number as plain decimal text without redundant zeros: equal numbers, equal text
    (``1.50``, ``1.5`` and ``15E-1`` are all ``1.5``; ``-0`` is ``0``)."""
    match = _PLAIN_NUMBER.match(text)
    if match is None:  # an exponent, a sign or a dot first: written out by Decimal
        return number_text(format(decimal.Decimal(canonical_number(text)), "f"))
    sign, whole, fraction = match.groups()
    if fraction:
        return "%s%s.%s" % (sign, whole, fraction)
    return "0" if whole == "0" else sign + whole


def _base64(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError("not JSON serializable: %r" % type(value))


def item_digest(item, ignore=()):
    """A 64-bit digest of an item as DynamoDB stores it, without the ``ignore`` attributes: equal when
    :func:`differing_attributes` finds no difference (numbers by value, sets unordered).

    Strings, booleans and nulls are hashed as they are (through json, in C); the other kinds in their
    canonical form, under a kind name no attribute value has (``~N``, ``~SS``, ...).
    """
    fixed = None
    for name, value in item.items():
        if name in ignore:
            fixed = fixed if fixed is not None else dict(item)
            del fixed[name]
            continue
        if "S" in value or "BOOL" in value or "NULL" in value:
            continue
        (kind, inner), = value.items()
        fixed = fixed if fixed is not None else dict(item)
        if kind == "B":
            fixed[name] = {"B": _base64(inner)}
        elif kind == "N":
            fixed[name] = {"~N": number_text(inner)}
        else:
            fixed[name] = {"~" + kind: repr(canonical_attribute(value))}
    text = json.dumps(item if fixed is None else fixed, sort_keys=True, separators=(",", ":"), default=_base64)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


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


class TableDigests(object):
    """Per item of one table: key digest, item digest (without ``ignore``) and packed key; safe across threads.

    :meth:`seal` sorts them by key digest. Two different keys share a 64-bit key digest about once in
    10^7 comparisons of two million-item tables; such a pair is counted as one different item, and
    the sample then shows the two keys.
    """

    def __init__(self, keys, ignore=()):
        self.keys = keys
        self.ignore = frozenset(ignore)
        self.key_digests = array("Q")
        self.item_digests = array("Q")
        self.ends = array("Q")  # end of each item's packed key in ``packed``
        self.packed = bytearray()
        self.order = None  # after seal: the position (as added) of each sorted entry
        self._lock = threading.Lock()

    def add(self, items):
        keys, ignore = self.keys, self.ignore
        key_digests, item_digests, packed = [], [], []
        for item in items:
            one = keys.pack(item)
            packed.append(one)
            key_digests.append(keys.digest(one))
            item_digests.append(item_digest(item, ignore))
        with self._lock:
            self.key_digests.extend(key_digests)
            self.item_digests.extend(item_digests)
            for one in packed:
                self.packed += one
                self.ends.append(len(self.packed))

    def __len__(self):
        return len(self.key_digests)

    def seal(self):
        """Sort by key digest (one list of Python ints at a time: ~50 bytes an item while sorting)."""
        count = len(self.key_digests)
        combined = [(digest << 32) | position for position, digest in enumerate(self.key_digests)]
        combined.sort()
        mask = (1 << 32) - 1
        self.order = array("I" if array("I").itemsize >= 4 else "L", (value & mask for value in combined))
        self.key_digests = array("Q", (value >> 32 for value in combined))
        del combined
        item_digests = self.item_digests
        self.item_digests = array("Q", (item_digests[position] for position in self.order))
        if len(self.order) != count:
            raise AssertionError("sorted %d key digests of %d" % (len(self.order), count))

    def key(self, index):
        """The key (DynamoDB JSON) of sorted entry ``index``."""
        position = self.order[index]
        start = self.ends[position - 1] if position else 0
        return self.keys.unpack(self.packed[start:self.ends[position]], self.keys.types)


def merge(source, target):
    """(missing, extra, different): sorted-entry indexes of source keys the target lacks, of target keys
    the source lacks, and (source index, target index) pairs of same keys with other item digests."""
    skeys, tkeys = source.key_digests, target.key_digests
    sitems, titems = source.item_digests, target.item_digests
    if skeys == tkeys:  # the same keys (the usual case): compare the item digests only
        if sitems == titems:
            return [], [], []
        return [], [], [(i, i) for i, (a, b) in enumerate(zip(sitems, titems)) if a != b]
    missing, extra, different = [], [], []
    i = j = 0
    ns, nt = len(skeys), len(tkeys)
    while i < ns and j < nt:
        a, b = skeys[i], tkeys[j]
        if a == b:
            if sitems[i] != titems[j]:
                different.append((i, j))
            i += 1
            j += 1
        elif a < b:
            missing.append(i)
            i += 1
        else:
            extra.append(j)
            j += 1
    missing.extend(range(i, ns))
    extra.extend(range(j, nt))
    return missing, extra, different


# ---------------------------------------------------------------------------
# the comparison


class TableComparison(object):
    """Compare ``source`` with ``target`` (table names or ARNs with the same key schema)."""

    def __init__(self, client, source, target, key_schema, ignore_attributes=(), sample_limit=10, segments=8, budget=None,
                 source_client=None, method="digests"):
        self.method = method
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

    def _parallel(self, work, workers=None):
        """Run work(n) for n below ``workers`` (the segments); the first error stops the others and is raised."""
        self._stop.clear()

        def guarded(segment):
            try:
                return work(segment)
            except BaseException:
                self._stop.set()
                raise

        workers = workers or self.segments
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(guarded, segment) for segment in range(workers)]
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

    # --- by digests
    def _digest_segment(self, table, digests, segment, client=None):
        for page in self._pages(table, segment, client=client):
            digests.add(page.get("Items", []))

    def _run_digests(self):
        source, target = TableDigests(self.keys, self.ignore), TableDigests(self.keys, self.ignore)
        work = [(self.source, source, segment, self.source_client) for segment in range(self.segments)]
        work += [(self.target, target, segment, self.client) for segment in range(self.segments)]
        self._parallel(lambda n: self._digest_segment(*work[n]), workers=len(work))
        source.seal()
        target.seal()
        missing, extra, different = merge(source, target)
        counts = self.counts
        counts.add(source_count=len(source), target_count=len(target), missing_in_target=len(missing),
                   different=len(different), extras_found=len(extra))
        for index in missing:
            key = source.key(index)
            self.missing.offer(self.keys.sort_key(key), functools.partial(jsonable, key))
        for index in extra:
            key = target.key(index)
            self.extras.offer(self.keys.sort_key(key), functools.partial(jsonable, key))
        chosen = Sample(self.sample_limit)
        for pair in different:
            key = source.key(pair[0])
            chosen.offer(self.keys.sort_key(key), functools.partial(lambda key, pair: (key, target.key(pair[1])), key, pair))
        self._describe_differences(chosen.values())
        return self.result(len(extra))

    def _describe_differences(self, pairs):
        """Read the sampled different items from both tables and name the attributes that differ."""
        for chunk in chunks(pairs):
            found = {}
            for table, position, client in ((self.source, 0, self.source_client), (self.target, 1, self.client)):
                keys = [pair[position] for pair in chunk]
                for item in batch_get(client, table, keys, self.budget):
                    found[(position, self.keys.values(item))] = item
            for source_key, target_key in chunk:
                source_item = found.get((0, self.keys.values(source_key)))
                target_item = found.get((1, self.keys.values(target_key)))
                names = differing_attributes(source_item, target_item, self.ignore) if source_item and target_item else []
                if not names:
                    raise TablesChanged(
                        "an item of key %s read again from both tables no longer differs or no longer exists: a table was "
                        "written while it was compared; compare tables that are not being written (for example a restored "
                        "table and the restore's recovery point, not the live source)" % (jsonable(source_key),)
                    )
                self.different.offer(self.keys.sort_key(source_key),
                                     functools.partial(self._difference, source_key, source_item, target_item, names))

    def run(self):
        if self.method == "digests":
            return self._run_digests()
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
