"""The loader writes every row exactly once, whether it keeps converted rows or streams the file again."""

from __future__ import annotations

import threading

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _csv_load

KEYS = [("order_id", "HASH", "S"), ("item_id", "RANGE", "N")]
CSV = "order_id,item_id,qty\n" + "".join(f"o-{n // 3},{n % 3},{n}\n" for n in range(60)) + "o-0,0,999\n"


class FakeDynamoDB:
    """Accepts BatchWriteItem, leaving the first request of every call unprocessed once."""

    def __init__(self):
        self.items = {}
        self.calls = 0
        self.lock = threading.Lock()
        self.deferred = set()

    def batch_write_item(self, RequestItems):
        ((table, requests),) = RequestItems.items()
        with self.lock:
            self.calls += 1
            first = requests[0]["PutRequest"]["Item"]
            key = (first["order_id"]["S"], first["item_id"]["N"])
            left = []
            for request in requests:
                item = request["PutRequest"]["Item"]
                k = (item["order_id"]["S"], item["item_id"]["N"])
                if k == key and k not in self.deferred:
                    self.deferred.add(k)
                    left.append(request)
                    continue
                assert k not in self.items or item == self.items[k] or k == ("o-0", "0")
                self.items[k] = item
        return {"UnprocessedItems": {table: left} if left else {}}


@pytest.mark.parametrize("cache_rows", [0, 1000])
def test_every_row_is_written_once_with_the_last_duplicate(monkeypatch, cache_rows):
    monkeypatch.setattr(_csv_load, "CACHE_ROWS", cache_rows)
    options = dict(encoding="utf-8", delimiter=",", fieldnames=None, column_types={"qty": "N"},
                   empty_values="omit", concurrency=4, retries=5, diff=False)
    source = _csv_load.content_source(CSV)
    converter, validation = _csv_load.validate(source, options, _csv_load.make_converter_factory(KEYS, options, "content"))
    assert (validation.items is None) == (cache_rows == 0)
    assert validation.rows == 61 and validation.duplicates == [("order_id=o-0, item_id=0", 2, 62)]
    client = FakeDynamoDB()
    loader = _csv_load.Loader(client, "t", converter, options, check_mode=False,
                              budget=_csv_load.Budget(5, sleep=lambda seconds: None))
    loader.load(source, validation, compare=None)
    assert loader.totals.written == 60 and loader.totals.failed == 0
    assert len(client.items) == 60
    assert client.items[("o-0", "0")]["qty"] == {"N": "999"}


class _Rows:
    def __init__(self, rows, item_bytes):
        self.rows, self.item_bytes, self.read_units = rows, item_bytes, rows


@pytest.mark.parametrize(
    "table,choice,expected",
    [
        ({"TableSizeBytes": 0, "ItemCount": 0}, "auto", "batch_get"),  # no statistics yet: the file bounds the cost
        ({"TableSizeBytes": 2_000_000, "ItemCount": 20_000}, "auto", "scan"),  # 489 units against 20,000
        ({"TableSizeBytes": 0, "ItemCount": 25_000}, "auto", "scan"),  # size estimated from the file's rows
        ({"TableSizeBytes": 500 * 1024 ** 3, "ItemCount": 10 ** 9}, "auto", "batch_get"),  # a huge table, a small file
        ({"TableSizeBytes": 500 * 1024 ** 3, "ItemCount": 10 ** 9}, "scan", "scan"),
        ({"TableSizeBytes": 0, "ItemCount": 0}, "scan", "scan"),
    ],
)
def test_sync_reads_the_cheaper_way(table, choice, expected):
    assert _csv_load.choose_compare(choice, table, _Rows(20_000, 20_000 * 100)) == expected


def test_scan_segments_grow_with_the_table_up_to_the_concurrency():
    rows = _Rows(1000, 1000 * 100)
    assert _csv_load.scan_segments({"TableSizeBytes": 3_000_000}, rows, 16) == 1
    assert _csv_load.scan_segments({"TableSizeBytes": 100 * 1024 ** 2}, rows, 16) == 7
    assert _csv_load.scan_segments({"TableSizeBytes": 100 * 1024 ** 3}, rows, 16) == 16
    assert _csv_load.scan_segments({"ItemCount": 0}, rows, 16) == 1


class ScanTimingOut:
    """A table of three items whose first two Scans end in botocore's read timeout."""

    def __init__(self):
        self.scans = 0
        self.lock = threading.Lock()

    def scan(self, **params):
        import botocore.exceptions

        with self.lock:
            self.scans += 1
            if self.scans <= 2:
                raise botocore.exceptions.ReadTimeoutError(endpoint_url="http://127.0.0.1:5000/")
        assert params["ConsistentRead"] is True and params["TotalSegments"] == 1
        return {"Items": [{"order_id": {"S": "o-0"}, "item_id": {"N": str(n)}, "qty": {"N": str(n)}} for n in range(3)]}


def test_sync_scan_that_timed_out_is_made_again(monkeypatch):
    from ansible_collections.backupkit.dynamodb.plugins.module_utils import _retry

    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    waits = []
    monkeypatch.setattr(_retry, "_sleep", waits.append)
    options = dict(encoding="utf-8", delimiter=",", fieldnames=None, column_types={"qty": "N"},
                   empty_values="omit", concurrency=4, retries=5, diff=False)
    source = _csv_load.content_source(CSV)
    converter, validation = _csv_load.validate(source, options, _csv_load.make_converter_factory(KEYS, options, "content"))
    client = ScanTimingOut()
    loader = _csv_load.Loader(client, "t", converter, options, check_mode=True)
    loader.scan_stored(validation.digests, segments=1, prune=False)
    assert client.scans == 3 and len(waits) == 2
    assert sum(1 for digest in loader.stored if digest) == 3  # the three stored items were read
