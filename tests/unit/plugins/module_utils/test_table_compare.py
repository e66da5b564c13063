"""ddb_table_compare's engine: what is counted as missing, extra and different, and what is sampled."""

from __future__ import annotations

import threading

import botocore.exceptions
import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import AnsibleDynamoDBError, Budget
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_compare import (
    Keys,
    Sample,
    TableComparison,
    TablesChanged,
    differing_attributes,
    extra_count,
    key_schema_mismatch,
    summary,
)

SCHEMA = [("order_id", "HASH", "S"), ("item_id", "RANGE", "N")]


# ---------------------------------------------------------------------------
# pure parts


def test_numbers_and_sets_compare_as_stored():
    source = {"p": {"N": "1.50"}, "t": {"SS": ["a", "b"]}, "n": {"NS": ["1", "2.0"]}, "m": {"M": {"x": {"N": "10"}}}}
    target = {"p": {"N": "1.5"}, "t": {"SS": ["b", "a"]}, "n": {"NS": ["2", "1.00"]}, "m": {"M": {"x": {"N": "1E1"}}}}
    assert differing_attributes(source, target) == []


def test_differing_attributes_names_changed_and_one_sided_attributes():
    source = {"k": {"S": "1"}, "status": {"S": "NEW"}, "gone": {"S": "x"}, "same": {"N": "2"}}
    target = {"k": {"S": "1"}, "status": {"S": "PAID"}, "added": {"BOOL": True}, "same": {"N": "2.0"}}
    assert differing_attributes(source, target) == ["added", "gone", "status"]


def test_lists_keep_their_order_and_types_matter():
    assert differing_attributes({"l": {"L": [{"S": "a"}, {"S": "b"}]}}, {"l": {"L": [{"S": "b"}, {"S": "a"}]}}) == ["l"]
    assert differing_attributes({"v": {"N": "1"}}, {"v": {"S": "1"}}) == ["v"]


def test_ignore_attributes_hide_differences_and_one_sided_attributes():
    source = {"status": {"S": "NEW"}, "loaded_at": {"S": "2024-01-01"}}
    target = {"status": {"S": "NEW"}, "loaded_at": {"S": "2024-02-02"}, "etl_run": {"N": "7"}}
    assert differing_attributes(source, target) == ["etl_run", "loaded_at"]
    assert differing_attributes(source, target, ignore=["loaded_at", "etl_run"]) == []


def test_extra_count_arithmetic():
    assert extra_count(200, 3, 201) == 4
    assert extra_count(200, 0, 200) == 0
    assert extra_count(0, 0, 5) == 5
    assert extra_count(10, 10, 0) == 0


def test_counts_that_do_not_add_up_say_a_table_changed():
    with pytest.raises(TablesChanged, match="written while it was compared"):
        extra_count(200, 3, 190)


def test_key_schema_mismatch_names_both_schemas():
    assert key_schema_mismatch(SCHEMA, list(SCHEMA)) is None
    message = key_schema_mismatch(SCHEMA, [("order_id", "HASH", "S"), ("item_id", "RANGE", "S")])
    assert message == (
        "the key schemas differ: source has order_id (S, HASH), item_id (N, RANGE); "
        "target has order_id (S, HASH), item_id (S, RANGE)"
    )
    assert "target has order_id (S, HASH)" in key_schema_mismatch(SCHEMA, [("order_id", "HASH", "S")])


def test_sample_keeps_the_smallest_keys_whatever_the_order_offered():
    keys = Keys(SCHEMA)
    items = [{"order_id": {"S": "o"}, "item_id": {"N": str(n)}} for n in (30, 4, 100, 2, 9, 1000, 1)]
    sample = Sample(3)
    made = []
    for item in items:
        sample.offer(keys.sort_key(item), lambda item=item: made.append(item) or item["item_id"]["N"])
    assert sample.values() == ["1", "2", "4"]  # numbers by value, not as text
    assert len(sample) == 3
    assert len(made) < len(items)  # values are built only for kept entries


def test_sample_limit_zero_keeps_nothing():
    sample = Sample(0)
    assert sample.offer((1,), lambda: pytest.fail("built a value for a sample of 0")) is False
    assert sample.values() == []


def test_sample_is_bounded_under_threads():
    sample = Sample(5)

    def offer(start):
        for n in range(start, 2000, 8):
            sample.offer((n,), lambda n=n: n)

    threads = [threading.Thread(target=offer, args=(s,)) for s in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sample.values() == [0, 1, 2, 3, 4]


def test_summary_line():
    result = dict(source_count=200, target_count=201, missing_in_target=3, extra_in_target=4, different=2)
    assert summary(result, "a", "b") == (
        "a and b differ: 200 items in the source, 201 in the target; 3 missing in the target, 4 extra in the target, 2 different"
    )


# ---------------------------------------------------------------------------
# the comparison against a fake DynamoDB


def _throttled(operation):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, operation
    )


class FakeDynamoDB(object):
    """Scan (segments, pages, COUNT, projection), BatchGetItem (unprocessed keys), and injected throttling."""

    def __init__(self, tables, page_size=7, throttle_every=0, unprocessed_every=0):
        self.tables = tables  # name -> list of items
        self.page_size = page_size
        self.throttle_every = throttle_every
        self.unprocessed_every = unprocessed_every
        self.calls = {"scan": 0, "batch_get_item": 0}
        self.largest_batch = 0
        self.projections = []
        self._lock = threading.Lock()

    def _count(self, operation):
        with self._lock:
            self.calls[operation] += 1
            return self.calls[operation]

    @staticmethod
    def _key(item):
        return (item["order_id"]["S"], item["item_id"]["N"])

    def scan(self, TableName, Segment, TotalSegments, ConsistentRead, ExclusiveStartKey=None, Select=None,
             ProjectionExpression=None, ExpressionAttributeNames=None):
        assert ConsistentRead is True
        calls = self._count("scan")
        if self.throttle_every and calls % self.throttle_every == 0:
            raise _throttled("Scan")
        items = [i for n, i in enumerate(self.tables[TableName]) if n % TotalSegments == Segment]
        start = int(ExclusiveStartKey["pos"]["N"]) if ExclusiveStartKey else 0
        page = items[start:start + self.page_size]
        response = {"Count": len(page), "ScannedCount": len(page)}
        if Select != "COUNT":
            if ProjectionExpression:
                self.projections.append((ProjectionExpression, ExpressionAttributeNames))
                names = [ExpressionAttributeNames[n.strip()] for n in ProjectionExpression.split(",")]
                page = [dict((k, i[k]) for k in names) for i in page]
            response["Items"] = page
        if start + self.page_size < len(items):
            response["LastEvaluatedKey"] = {"pos": {"N": str(start + self.page_size)}}
        return response

    def batch_get_item(self, RequestItems):
        (table, request), = RequestItems.items()
        assert request["ConsistentRead"] is True
        keys = request["Keys"]
        with self._lock:
            self.largest_batch = max(self.largest_batch, len(keys))
        calls = self._count("batch_get_item")
        if self.throttle_every and calls % self.throttle_every == 0:
            raise _throttled("BatchGetItem")
        stored = dict((self._key(i), i) for i in self.tables[table])
        unprocessed = []
        if self.unprocessed_every and len(keys) > 1 and self.calls["batch_get_item"] % self.unprocessed_every == 0:
            keys, unprocessed = keys[: len(keys) // 2], keys[len(keys) // 2:]
        found = [stored[self._key(k)] for k in keys if self._key(k) in stored]
        response = {"Responses": {table: found}}
        if unprocessed:
            response["UnprocessedKeys"] = {table: dict(request, Keys=unprocessed)}
        return response


def order(n, **extra):
    item = {"order_id": {"S": "O-%03d" % (n // 4)}, "item_id": {"N": str(n % 4)}, "price": {"N": "%d.50" % n}, "tags": {"SS": ["a", "b"]}}
    item.update(extra)
    return item


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    monkeypatch.setattr("ansible_collections.amazon.aws.plugins.module_utils.cloud.time.sleep", lambda seconds: None)


METHODS = pytest.mark.parametrize("method", ["digests", "stream"])


def compare(client, **kwargs):
    kwargs.setdefault("budget", Budget(10, sleep=lambda seconds: None))
    kwargs.setdefault("method", "digests")
    comparison = TableComparison(client, "src", "dst", SCHEMA, **kwargs)
    return comparison, comparison.run()


@METHODS
def test_equal_tables_with_numbers_and_sets_written_differently(method):
    source = [order(n) for n in range(250)]
    target = [dict(order(n), price={"N": "%d.5" % n}, tags={"SS": ["b", "a"]}) for n in reversed(range(250))]
    client = FakeDynamoDB({"src": source, "dst": target})
    comparison, result = compare(client, method=method, segments=4)
    assert result == dict(
        equal=True, source_count=250, target_count=250, missing_in_target=0, extra_in_target=0, different=0,
        samples=dict(missing_in_target=[], extra_in_target=[], different=[]),
    )
    assert client.largest_batch <= 100
    assert client.projections == []  # no extras, no keys-only scan


@METHODS
def test_missing_extra_and_different_are_counted_and_sampled(method):
    source = [order(n) for n in range(200)]
    target = [order(n) for n in range(200) if n not in (5, 50, 150)]
    target = [dict(i, status={"S": "CHANGED"}) if i["order_id"]["S"] in ("O-010", "O-020") and i["item_id"]["N"] == "1" else i
              for i in target]
    target += [order(n) for n in range(1000, 1004)]
    client = FakeDynamoDB({"src": source, "dst": target})
    _comparison, result = compare(client, method=method, segments=3, sample_limit=10)
    assert (result["source_count"], result["target_count"]) == (200, 201)
    assert (result["missing_in_target"], result["extra_in_target"], result["different"]) == (3, 4, 2)
    assert result["equal"] is False
    samples = result["samples"]
    assert samples["missing_in_target"] == [
        {"order_id": {"S": "O-001"}, "item_id": {"N": "1"}},
        {"order_id": {"S": "O-012"}, "item_id": {"N": "2"}},
        {"order_id": {"S": "O-037"}, "item_id": {"N": "2"}},
    ]
    assert sorted(k["order_id"]["S"] + "/" + k["item_id"]["N"] for k in samples["extra_in_target"]) == [
        "O-250/0", "O-250/1", "O-250/2", "O-250/3"
    ]
    assert samples["different"] == [
        {"key": {"order_id": {"S": "O-010"}, "item_id": {"N": "1"}}, "attributes": ["status"], "source": {},
         "target": {"status": {"S": "CHANGED"}}},
        {"key": {"order_id": {"S": "O-020"}, "item_id": {"N": "1"}}, "attributes": ["status"], "source": {},
         "target": {"status": {"S": "CHANGED"}}},
    ]
    if method == "stream":  # a keys-only scan of the target found the extras
        assert client.projections and all(p[1] == {"#k0": "order_id", "#k1": "item_id"} for p in client.projections)
    else:  # each table read once; BatchGetItem only for the two different items, in both tables
        assert client.projections == [] and client.calls["batch_get_item"] == 2


@METHODS
def test_samples_are_bounded_and_the_same_on_every_run(method):
    source = [order(n) for n in range(100)]
    target = [dict(order(n), price={"N": "0"}) for n in range(100) if n % 2] + [order(n) for n in range(500, 540)]
    runs = []
    for segments in (1, 5, 8):
        _comparison, result = compare(FakeDynamoDB({"src": source, "dst": target}, page_size=3), method=method, segments=segments, sample_limit=2)
        assert (result["missing_in_target"], result["different"], result["extra_in_target"]) == (50, 50, 40)
        assert all(len(v) == 2 for v in result["samples"].values())
        runs.append((result["samples"]["missing_in_target"], result["samples"]["different"]))
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][0] == [{"order_id": {"S": "O-000"}, "item_id": {"N": "0"}}, {"order_id": {"S": "O-000"}, "item_id": {"N": "2"}}]
    assert runs[0][1][0]["source"] == {"price": {"N": "1.50"}} and runs[0][1][0]["target"] == {"price": {"N": "0"}}


def test_extra_search_stops_once_the_sample_is_full():
    source = [order(n) for n in range(10)]
    target = source + [order(n) for n in range(100, 400)]
    client = FakeDynamoDB({"src": source, "dst": target}, page_size=5)
    comparison, result = compare(client, segments=1, sample_limit=3, method="stream")
    assert result["extra_in_target"] == 300
    assert len(result["samples"]["extra_in_target"]) == 3
    assert comparison.extras_complete
    assert len(client.projections) < 310 // 5  # stopped long before the end of the target


@METHODS
def test_sample_limit_zero_reads_no_extras(method):
    client = FakeDynamoDB({"src": [order(1)], "dst": [order(2)]})
    _comparison, result = compare(client, sample_limit=0, method=method, segments=2)
    assert (result["missing_in_target"], result["extra_in_target"]) == (1, 1)
    assert result["samples"] == dict(missing_in_target=[], extra_in_target=[], different=[])
    assert client.projections == []


@METHODS
def test_ignore_attributes_in_the_comparison(method):
    source = [order(n, loaded_at={"S": "monday"}) for n in range(20)]
    target = [order(n, loaded_at={"S": "tuesday"}) for n in range(20)]
    _comparison, result = compare(FakeDynamoDB({"src": source, "dst": target}), method=method, segments=2)
    assert result["different"] == 20 and result["samples"]["different"][0]["attributes"] == ["loaded_at"]
    _comparison, result = compare(FakeDynamoDB({"src": source, "dst": target}), method=method, segments=2, ignore_attributes=["loaded_at"])
    assert result["equal"] is True


@METHODS
def test_throttling_and_unprocessed_keys_give_the_same_counts(method):
    source = [order(n) for n in range(300)]
    target = [order(n) for n in range(3, 303)]
    calm = compare(FakeDynamoDB({"src": source, "dst": target}), method=method, segments=4)[1]
    client = FakeDynamoDB({"src": source, "dst": target}, throttle_every=3, unprocessed_every=2)
    stormy = compare(client, method=method, segments=4)[1]
    assert stormy == calm
    assert (calm["missing_in_target"], calm["extra_in_target"]) == (3, 3)


def test_an_error_in_one_segment_stops_the_comparison():
    class Broken(FakeDynamoDB):
        def batch_get_item(self, RequestItems):
            raise botocore.exceptions.ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}, "BatchGetItem")

    with pytest.raises(AnsibleDynamoDBError, match="Failed to read items from dst"):
        compare(Broken({"src": [order(n) for n in range(50)], "dst": []}), segments=4, method="stream")
    with pytest.raises(AnsibleDynamoDBError, match="Failed to read items from src"):  # a difference is read again
        compare(Broken({"src": [order(n) for n in range(50)], "dst": [order(n, price={"N": "0"}) for n in range(50)]}),
                segments=4)


def test_a_target_emptied_during_the_comparison_is_reported():
    class Shrinking(FakeDynamoDB):
        def scan(self, TableName, **kwargs):
            if kwargs.get("Select") == "COUNT":
                self.tables["dst"] = []
            return FakeDynamoDB.scan(self, TableName, **kwargs)

    with pytest.raises(TablesChanged):
        compare(Shrinking({"src": [order(n) for n in range(10)], "dst": [order(n) for n in range(10)]}), segments=2,
                method="stream")


def test_a_difference_gone_when_read_again_is_reported():
    class Mending(FakeDynamoDB):
        def batch_get_item(self, RequestItems):
            self.tables["dst"] = [order(n) for n in range(10)]  # the target is written back meanwhile
            return FakeDynamoDB.batch_get_item(self, RequestItems)

    with pytest.raises(TablesChanged, match="written while it was compared"):
        compare(Mending({"src": [order(n) for n in range(10)], "dst": [order(n, price={"N": "0"}) for n in range(10)]}),
                segments=2)


def test_digests_find_the_smallest_extra_keys_and_each_table_is_read_once():
    source = [order(n) for n in range(50)]
    target = [order(n) for n in range(50)] + [order(n) for n in range(900, 1000)]
    client = FakeDynamoDB({"src": source, "dst": target}, page_size=4)
    comparison, result = compare(client, segments=3, sample_limit=2)
    assert result["extra_in_target"] == 100 and comparison.extras_complete
    assert result["samples"]["extra_in_target"] == [{"order_id": {"S": "O-225"}, "item_id": {"N": "0"}},
                                                    {"order_id": {"S": "O-225"}, "item_id": {"N": "1"}}]
    # one scan of each table: segment pages of at most 4 items, no keys-only scan, no BatchGetItem
    assert client.calls["scan"] == sum(-(-len(range(s, n, 3)) // 4) or 1 for n in (50, 150) for s in range(3))
    assert client.calls["batch_get_item"] == 0 and client.projections == []


def test_packed_keys_come_back_as_stored():
    keys = Keys([("id", "HASH", "B"), ("at", "RANGE", "N")])
    for key in ({"id": {"B": b"\x00\xff,"}, "at": {"N": "1.5"}}, {"id": {"B": b""}, "at": {"N": "-7"}}):
        assert keys.unpack(keys.pack(key), keys.types) == key
    text = Keys([("name", "HASH", "S")])
    assert text.unpack(text.pack({"name": {"S": "\u00e9t\u00e9 \x00"}}), text.types) == {"name": {"S": "\u00e9t\u00e9 \x00"}}


# ---------------------------------------------------------------------------
# a Scan whose answer does not come in time is made again (it is a read)


class TimingOut(FakeDynamoDB):
    """The first ``failures`` Scans end in botocore's read timeout (after botocore's own attempts)."""

    def __init__(self, tables, failures=2, error=None, **kwargs):
        FakeDynamoDB.__init__(self, tables, **kwargs)
        self.failures = failures
        self.error = error or botocore.exceptions.ReadTimeoutError(endpoint_url="http://127.0.0.1:5000/")
        self.scans = 0

    def scan(self, TableName, **kwargs):
        with self._lock:
            self.scans += 1
            failing = self.scans <= self.failures
        if failing:
            raise self.error
        return FakeDynamoDB.scan(self, TableName, **kwargs)


@pytest.fixture
def read_waits(monkeypatch):
    from ansible_collections.backupkit.dynamodb.plugins.module_utils import _retry

    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    waits = []
    monkeypatch.setattr(_retry, "_sleep", waits.append)
    return waits


@pytest.mark.parametrize("error", [
    botocore.exceptions.ReadTimeoutError(endpoint_url="http://127.0.0.1:5000/"),
    botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:5000/"),
    botocore.exceptions.ConnectionClosedError(endpoint_url="http://127.0.0.1:5000/"),
])
def test_a_scan_that_timed_out_is_made_again(read_waits, error):
    source = [order(n) for n in range(40)]
    target = [order(n) for n in range(40) if n != 7]
    client = TimingOut({"src": source, "dst": target}, failures=2, error=error)
    _comparison, result = compare(client, segments=1)
    assert (result["source_count"], result["target_count"], result["missing_in_target"]) == (40, 39, 1)
    assert len(read_waits) == 2 and all(0 <= wait <= 2.0 for wait in read_waits)


def test_scan_timeouts_are_bounded_and_then_reported(read_waits):
    from ansible_collections.backupkit.dynamodb.plugins.module_utils import _retry

    client = TimingOut({"src": [order(1)], "dst": [order(1)]}, failures=100)
    with pytest.raises(AnsibleDynamoDBError, match="Read timeout"):
        compare(client, segments=1)
    assert client.scans == _retry.ATTEMPTS and len(read_waits) == _retry.ATTEMPTS - 1


def test_scan_timeouts_are_not_made_again_when_the_user_chose_the_attempts(read_waits, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # botocore makes that many; the collection makes the call once
    client = TimingOut({"src": [order(1)], "dst": [order(1)]}, failures=1)
    with pytest.raises(AnsibleDynamoDBError, match="Read timeout"):
        compare(client, segments=1)
    assert client.scans == 1 and read_waits == []


def test_item_digests_are_equal_exactly_when_no_attribute_differs():
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_compare import item_digest

    base = {"id": {"S": "1"}, "n": {"N": "1.50"}, "ss": {"SS": ["a", "b"]}, "b": {"B": b"\x00"},
            "m": {"M": {"x": {"NS": ["2", "1"]}, "y": {"L": [{"S": "p"}, {"N": "3"}]}}}, "ok": {"BOOL": True}, "no": {"NULL": True}}
    same = {"no": {"NULL": True}, "ok": {"BOOL": True}, "id": {"S": "1"}, "n": {"N": "1.5"}, "ss": {"SS": ["b", "a"]},
            "b": {"B": bytearray(b"\x00")}, "m": {"M": {"y": {"L": [{"S": "p"}, {"N": "3.0"}]}, "x": {"NS": ["1", "2"]}}}}
    assert differing_attributes(base, same) == [] and item_digest(base) == item_digest(same)
    for name, other in [("id", {"N": "1"}), ("b", {"S": "AA=="}), ("n", {"S": "1.5"}), ("ok", {"BOOL": False}),
                        ("m", {"M": {"x": {"NS": ["1", "2"]}, "y": {"L": [{"N": "3"}, {"S": "p"}]}}})]:
        changed = dict(base, **{name: other})
        assert differing_attributes(base, changed) == [name] and item_digest(base) != item_digest(changed)
    assert item_digest(base, frozenset(["n"])) == item_digest(dict(base, n={"N": "9"}), frozenset(["n"]))


@pytest.mark.parametrize("texts,expected", [
    (["1.50", "1.5", "15E-1", "0001.5000", "+1.5"], "1.5"),
    (["100", "1E2", "1e+2", "100.000"], "100"),
    (["0", "-0", "0.000", "0E5", "-0.0"], "0"),
    (["-12.250", "-1225E-2"], "-12.25"),
    ([".5", "0.50"], "0.5"),
    (["1E-130"], "0." + "0" * 129 + "1"),
])
def test_number_text_is_the_same_for_equal_numbers(texts, expected):
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_compare import number_text

    assert [number_text(text) for text in texts] == [expected] * len(texts)


def test_a_source_in_another_region_is_read_with_its_own_client_only():
    # the same table name in two Regions (a DR drill): the source client holds the source, the target client the copy
    source_region = FakeDynamoDB({"orders": [order(n) for n in range(30)]})
    dr_region = FakeDynamoDB({"orders": [order(n) for n in range(30) if n != 7] + [order(500)]})
    comparison = TableComparison(dr_region, "orders", "orders", SCHEMA, segments=2, sample_limit=5,
                                 budget=Budget(10, sleep=lambda seconds: None), source_client=source_region)
    result = comparison.run()
    assert (result["source_count"], result["target_count"]) == (30, 30)
    assert (result["missing_in_target"], result["extra_in_target"], result["different"]) == (1, 1, 0)
    assert result["samples"]["missing_in_target"] == [{"order_id": {"S": "O-001"}, "item_id": {"N": "3"}}]
    assert result["samples"]["extra_in_target"] == [{"order_id": {"S": "O-125"}, "item_id": {"N": "0"}}]


def test_count_target_scans_the_target_only():
    client = FakeDynamoDB({"dst": [order(n) for n in range(23)]})
    assert TableComparison(client, None, "dst", SCHEMA, segments=3).count_target() == 23
    assert client.calls["batch_get_item"] == 0
