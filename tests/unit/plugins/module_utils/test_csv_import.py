"""ddb_csv_load's ImportTable choices: when it imports, what it asks ImportTable for, what it refuses."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _csv_load

BASE = dict(
    table="orders", src="s3://bucket/exports/orders.csv", content=None, delimiter=",", encoding="utf-8",
    fieldnames=None, column_types={}, empty_values="omit", mode="sync", prune=False, compare_by="auto",
    on_duplicate="error", concurrency=16, retries=10, method="import", validate=True,
    hash_key_name="order_id", hash_key_type="STRING", range_key_name="item_id", range_key_type="NUMBER",
    billing_mode="PAY_PER_REQUEST", read_capacity=None, write_capacity=None, wait_timeout=3600,
)


def params(**changes):
    return dict(BASE, **changes)


def test_import_request_carries_the_key_the_csv_options_and_one_object():
    request = _csv_load.import_request(params(delimiter=";", fieldnames=["order_id", "item_id", "note"]),
                                       "bucket", "exports/orders.csv")
    assert request["S3BucketSource"] == {"S3Bucket": "bucket", "S3KeyPrefix": "exports/orders.csv"}
    assert request["InputFormat"] == "CSV" and request["InputCompressionType"] == "NONE"
    assert request["InputFormatOptions"] == {"Csv": {"Delimiter": ";", "HeaderList": ["order_id", "item_id", "note"]}}
    table = request["TableCreationParameters"]
    assert table["KeySchema"] == [{"AttributeName": "order_id", "KeyType": "HASH"},
                                  {"AttributeName": "item_id", "KeyType": "RANGE"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "order_id", "AttributeType": "S"},
                                             {"AttributeName": "item_id", "AttributeType": "N"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST" and "ProvisionedThroughput" not in table


def test_a_file_with_a_header_sends_no_header_list_and_provisioned_sends_throughput():
    request = _csv_load.import_request(
        params(range_key_name=None, billing_mode="PROVISIONED", read_capacity=5, write_capacity=7), "b", "k")
    assert request["InputFormatOptions"] == {"Csv": {"Delimiter": ","}}
    table = request["TableCreationParameters"]
    assert table["KeySchema"] == [{"AttributeName": "order_id", "KeyType": "HASH"}]
    assert table["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7}


@pytest.mark.parametrize("changes, words", [
    (dict(column_types={"qty": "N", "order_id": "S", "item_id": "N"}), "qty: N"),
    (dict(empty_values="null"), "empty_values"),
    (dict(encoding="latin-1"), "UTF-8"),
    (dict(delimiter="#"), "delimiter"),
    (dict(src="data/orders.csv"), "s3://"),
    (dict(src=None, content="a,b\n"), "s3://"),
])
def test_what_import_cannot_load_as_typed_is_refused_naming_the_option(changes, words):
    problems = _csv_load.import_problems(params(**changes))
    assert len(problems) == 1 and words in problems[0]


def test_key_columns_may_be_typed_and_tab_is_a_delimiter():
    assert _csv_load.import_problems(params(column_types={"item_id": "N", "note": "S"}, delimiter="\t")) == []


def test_input_problems_for_import_and_validate():
    problems = _csv_load.input_problems(params(hash_key_name=None, range_key_name=None))
    assert any("hash_key_name" in p for p in problems)
    assert any("validate" in p for p in _csv_load.input_problems(params(method="write", validate=False)))
    assert any("PROVISIONED" in p for p in _csv_load.input_problems(params(billing_mode="PROVISIONED")))
    assert any("wait_timeout" in p for p in _csv_load.input_problems(params(wait_timeout=0)))
    assert _csv_load.input_problems(params()) == []


def never(*_args):
    raise AssertionError("the object's size was read")


@pytest.mark.parametrize("method, exists, size, chosen", [
    ("import", True, None, "write"),  # an existing table is compared and written: idempotence
    ("import", False, None, "import"),
    ("write", False, None, "write"),
    ("auto", True, None, "write"),
    ("auto", False, _csv_load.IMPORT_AUTO_BYTES + 1, "import"),
    ("auto", False, _csv_load.IMPORT_AUTO_BYTES, "write"),
])
def test_choose_method(method, exists, size, chosen):
    object_size = (lambda: size) if size is not None else never
    assert _csv_load.choose_method(params(method=method), exists, object_size) == chosen


def test_auto_never_imports_what_import_would_refuse_or_without_a_key():
    def big():
        return _csv_load.IMPORT_AUTO_BYTES * 10

    assert _csv_load.choose_method(params(method="auto", column_types={"qty": "N"}), False, big) == "write"
    assert _csv_load.choose_method(params(method="auto", hash_key_name=None), False, big) == "write"
    assert _csv_load.choose_method(params(method="auto", src="local.csv"), False, never) == "write"


def test_a_failed_import_names_the_error_count_and_the_log_group():
    imported = _csv_load.normalise_import(dict(
        ImportArn="arn:i", ImportStatus="FAILED", ProcessedItemCount=3, ImportedItemCount=2, ErrorCount=1,
        FailureCode="ItemValidationError", CloudWatchLogGroupArn="arn:logs",
        StartTime=datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc),
    ))
    assert imported["start_time"] == "2026-12-07T00:00:00+00:00" and imported["end_time"] is None
    assert imported["processed_size_bytes"] == 0
    message = _csv_load.import_failure_message("orders", imported)
    assert "1 row(s) failed" in message and "2 of 3" in message and "arn:logs" in message and "arn:i" in message


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, **changes):
        self.params = params(**changes)
        self.logged = []

    def log(self, message):
        self.logged.append(message)

    def fail_json(self, **result):
        raise Failed(result)


def test_a_run_after_a_timeout_waits_for_the_running_import_then_writes(monkeypatch):
    table = {"TableArn": "arn:t", "TableStatus": "CREATING"}
    listed = [{"ImportArn": "arn:t/import/old", "ImportStatus": "COMPLETED"},
              {"ImportArn": "arn:t/import/new", "ImportStatus": "IN_PROGRESS"}]
    answers = iter([{"ImportArn": "arn:t/import/new", "ImportStatus": "IN_PROGRESS"},
                    {"ImportArn": "arn:t/import/new", "ImportStatus": "COMPLETED", "ImportedItemCount": 3}])
    monkeypatch.setattr(_csv_load, "list_imports", lambda client, arn: listed if arn == "arn:t" else [])
    monkeypatch.setattr(_csv_load, "describe_import", lambda client, arn: next(answers))
    monkeypatch.setattr(_csv_load, "describe_table", lambda client, name: dict(table, TableStatus="ACTIVE"))
    monkeypatch.setattr(_csv_load, "poll", lambda read, done, timeout: _poll_now(read, done))
    module = FakeModule()
    described, imported = _csv_load.finish_running_import(module, None, table)
    assert described["TableStatus"] == "ACTIVE"
    assert imported["import_arn"] == "arn:t/import/new" and imported["imported_item_count"] == 3
    assert module.logged == ["import arn:t/import/new: IN_PROGRESS", "import arn:t/import/new: COMPLETED"]


def _poll_now(read, done):
    while True:
        value = read()
        if done(value):
            return value, True


def test_a_table_creating_without_an_import_is_an_error_not_a_wait(monkeypatch):
    monkeypatch.setattr(_csv_load, "list_imports", lambda client, arn: [])
    with pytest.raises(Failed, match="CREATING"):
        _csv_load.finish_running_import(FakeModule(), None, {"TableArn": "arn:t", "TableStatus": "CREATING"})
