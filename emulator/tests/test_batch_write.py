"""BatchWriteItem as AWS does it: the 25-request limit, validation, UnprocessedItems."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from backupkit_emulator.dynamodb_batch import unprocessed_count

from conftest import control


@pytest.fixture
def dynamodb(client: Callable[..., Any]) -> Any:
    ddb = client("dynamodb")
    for name in ("people", "orders"):
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return ddb


def put(item_id: str, **attrs: str) -> dict[str, Any]:
    item = {"id": {"S": item_id}, **{k: {"S": v} for k, v in attrs.items()}}
    return {"PutRequest": {"Item": item}}


def all_ids(ddb: Any, table: str) -> list[str]:
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(item["id"]["S"] for item in items)


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_25_requests_are_accepted(dynamodb: Any) -> None:
    response = dynamodb.batch_write_item(RequestItems={"people": [put(f"p{i:02}") for i in range(25)]})

    assert response["UnprocessedItems"] == {}
    assert len(all_ids(dynamodb, "people")) == 25


def test_26_requests_for_one_table_are_rejected_and_nothing_is_written(dynamodb: Any) -> None:
    code, message = error_of(
        lambda: dynamodb.batch_write_item(RequestItems={"people": [put(f"p{i:02}") for i in range(26)]})
    )

    assert code == "ValidationException"
    assert "Member must have length less than or equal to 25" in message
    assert all_ids(dynamodb, "people") == []


def test_more_than_25_requests_across_tables_are_rejected(dynamodb: Any) -> None:
    request = {
        "people": [put(f"p{i:02}") for i in range(13)],
        "orders": [put(f"o{i:02}") for i in range(13)],
    }

    code, message = error_of(lambda: dynamodb.batch_write_item(RequestItems=request))

    assert (code, message) == ("ValidationException", "Too many items requested for the BatchWriteItem call")
    assert all_ids(dynamodb, "people") == all_ids(dynamodb, "orders") == []


def test_two_puts_of_one_key_are_duplicates_even_with_different_attributes(dynamodb: Any) -> None:
    request = {"people": [put("same", name="Ann"), put("same", name="Bob")]}

    code, message = error_of(lambda: dynamodb.batch_write_item(RequestItems=request))

    assert (code, message) == ("ValidationException", "Provided list of item keys contains duplicates")
    assert all_ids(dynamodb, "people") == []


def test_a_put_and_a_delete_of_one_key_are_duplicates(dynamodb: Any) -> None:
    request = {"people": [put("x"), {"DeleteRequest": {"Key": {"id": {"S": "x"}}}}]}

    code, message = error_of(lambda: dynamodb.batch_write_item(RequestItems=request))

    assert (code, message) == ("ValidationException", "Provided list of item keys contains duplicates")


def test_the_same_key_in_two_tables_is_not_a_duplicate(dynamodb: Any) -> None:
    dynamodb.batch_write_item(RequestItems={"people": [put("k")], "orders": [put("k")]})

    assert all_ids(dynamodb, "people") == all_ids(dynamodb, "orders") == ["k"]


def test_an_item_without_its_key_rejects_the_whole_batch(dynamodb: Any) -> None:
    request = {"people": [put("good"), {"PutRequest": {"Item": {"name": {"S": "no id"}}}}]}

    code, message = error_of(lambda: dynamodb.batch_write_item(RequestItems=request))

    assert code == "ValidationException"
    assert message == "One or more parameter values were invalid: Missing the key id in the item"
    assert all_ids(dynamodb, "people") == []


def test_a_key_of_the_wrong_type_rejects_the_whole_batch(dynamodb: Any) -> None:
    request = {"people": [put("good"), {"PutRequest": {"Item": {"id": {"N": "7"}}}}]}

    code, message = error_of(lambda: dynamodb.batch_write_item(RequestItems=request))

    assert code == "ValidationException"
    assert "Type mismatch for key id expected: S actual: N" in message
    assert all_ids(dynamodb, "people") == []


def test_a_missing_table_rejects_the_whole_batch(dynamodb: Any) -> None:
    request = {"people": [put("good")], "nope": [put("x")]}

    code, _ = error_of(lambda: dynamodb.batch_write_item(RequestItems=request))

    assert code == "ResourceNotFoundException"
    assert all_ids(dynamodb, "people") == []


def test_deletes_remove_items(dynamodb: Any) -> None:
    dynamodb.batch_write_item(RequestItems={"people": [put("a"), put("b")]})

    dynamodb.batch_write_item(RequestItems={"people": [{"DeleteRequest": {"Key": {"id": {"S": "a"}}}}]})

    assert all_ids(dynamodb, "people") == ["b"]


def test_consumed_capacity_only_when_asked(dynamodb: Any) -> None:
    plain = dynamodb.batch_write_item(RequestItems={"people": [put("a")]})
    asked = dynamodb.batch_write_item(RequestItems={"people": [put("b"), put("c")]}, ReturnConsumedCapacity="TOTAL")

    assert "ConsumedCapacity" not in plain
    assert asked["ConsumedCapacity"] == [{"TableName": "people", "CapacityUnits": 2.0}]


def test_unprocessed_items_are_returned_in_the_request_shape_and_not_written(
    endpoint: str, dynamodb: Any
) -> None:
    control(endpoint, unprocessed_rate=0.5, seed=3)
    requests = {"people": [put(f"p{i:02}", name=f"n{i}") for i in range(20)]}

    response = dynamodb.batch_write_item(RequestItems=requests)

    unprocessed = response["UnprocessedItems"]
    assert set(unprocessed) == {"people"}
    assert 0 < unprocessed_count(response) < 20
    assert all(entry in requests["people"] for entry in unprocessed["people"])
    left_out = {entry["PutRequest"]["Item"]["id"]["S"] for entry in unprocessed["people"]}
    written = set(all_ids(dynamodb, "people"))
    assert written.isdisjoint(left_out)
    assert written | left_out == {f"p{i:02}" for i in range(20)}


def test_retrying_unprocessed_items_writes_everything_exactly_once(endpoint: str, dynamodb: Any) -> None:
    control(endpoint, unprocessed_rate=0.4, seed=11)
    expected = {f"p{i:03}": f"name {i}" for i in range(100)}
    chunks = [list(expected.items())[i:i + 25] for i in range(0, 100, 25)]
    retries = 0

    for chunk in chunks:
        pending: dict[str, Any] = {"people": [put(k, name=v) for k, v in chunk]}
        while pending:
            try:
                pending = dynamodb.batch_write_item(RequestItems=pending)["UnprocessedItems"]
            except ClientError as exc:  # every request of the batch left out
                assert exc.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
            retries += 1 if pending else 0
            assert retries < 200

    items = dynamodb.scan(TableName="people", ConsistentRead=True)["Items"]
    assert retries > 0
    assert len(items) == 100
    assert {item["id"]["S"]: item["name"]["S"] for item in items} == expected


def test_when_no_request_can_be_processed_the_call_is_throttled(endpoint: str, dynamodb: Any) -> None:
    control(endpoint, unprocessed_rate=1.0)

    code, _ = error_of(lambda: dynamodb.batch_write_item(RequestItems={"people": [put("a"), put("b")]}))

    assert code == "ProvisionedThroughputExceededException"
    assert all_ids(dynamodb, "people") == []


def test_boto3_batch_writer_copes_with_unprocessed_items(endpoint: str, client: Callable[..., Any],
                                                         dynamodb: Any) -> None:
    import boto3

    control(endpoint, unprocessed_rate=0.3, seed=5)
    resource = boto3.resource(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    with resource.Table("people").batch_writer() as writer:
        for i in range(60):
            writer.put_item(Item={"id": f"w{i:02}", "n": i})

    assert all_ids(dynamodb, "people") == [f"w{i:02}" for i in range(60)]


BODIES = [
    {
        "RequestItems": {
            "orders": [
                {"PutRequest": {"Item": {
                    "pk": {"S": "a"}, "n": {"N": "1.50"}, "b": {"B": "aGVsbG8="}, "bs": {"BS": ["aGk=", "eW8="]},
                    "m": {"M": {"inner": {"B": "AAE="}, "l": {"L": [{"BOOL": True}, {"NULL": True}, {"B": "/w=="}]}}},
                    "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]},
                }}},
                {"DeleteRequest": {"Key": {"pk": {"S": "b"}}}},
            ],
            "other": [{"DeleteRequest": {"Key": {"pk": {"B": "AQID"}}}}],
        },
        "ReturnConsumedCapacity": "TOTAL",
    },
    {"RequestItems": {"orders": [{"PutRequest": {"Item": {"pk": {"S": "only"}}}}]}},
]


@pytest.mark.parametrize("body", BODIES)
def test_the_batch_write_body_reads_as_moto_parses_it(body: dict[str, Any]) -> None:
    import json

    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.utils import get_service_model

    from backupkit_emulator.dynamodb_batch import parse_batch_write_body

    raw = json.dumps(body).encode()
    operation = get_service_model("dynamodb").operation_model("BatchWriteItem")
    expected = PROTOCOL_PARSERS["json"](operation, map_type=dict).parse(
        {"method": "POST", "values": {}, "headers": {"Content-Type": "application/x-amz-json-1.0"}, "body": raw,
         "url_path": "/", "url_params": {}}
    )
    assert parse_batch_write_body(raw) == expected


def test_binary_values_round_trip_through_batch_write(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName="blobs", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "B"}], BillingMode="PAY_PER_REQUEST",
    )
    item = {"pk": {"B": b"\x00\x01"}, "bs": {"BS": [b"\xff", b"a"]}, "m": {"M": {"x": {"L": [{"B": b"z"}]}}}}
    assert unprocessed_count(dynamodb.batch_write_item(RequestItems={"blobs": [{"PutRequest": {"Item": item}}]})) == 0
    stored = dynamodb.get_item(TableName="blobs", Key={"pk": {"B": b"\x00\x01"}})["Item"]
    assert stored["m"] == item["m"] and sorted(stored["bs"]["BS"]) == sorted(item["bs"]["BS"])
