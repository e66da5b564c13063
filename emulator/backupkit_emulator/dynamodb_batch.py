"""DynamoDB BatchWriteItem as AWS does it: limits, validation, UnprocessedItems.

moto's BatchWriteItem accepts any number of requests, only spots duplicates
whose *whole item* repeats, may write half a batch before it finds a bad item,
and never returns ``UnprocessedItems``. AWS (API reference, BatchWriteItem):

* a table's list of write requests holds 1 to 25 requests, and the whole call
  at most 25: otherwise ``ValidationException`` ("1 validation error detected:
  ... Member must have length less than or equal to 25 ..." for one table's
  list, "Too many items requested for the BatchWriteItem call" for the call);
* each WriteRequest holds exactly one of PutRequest / DeleteRequest;
* the whole batch is rejected, nothing written, if a table does not exist
  (``ResourceNotFoundException``), an item lacks a key attribute or has one of
  the wrong type, a delete key does not match the key schema, or two requests
  name the same item ("Provided list of item keys contains duplicates" -- a
  put and a delete of one key count too);
* requests DynamoDB could not process (throttling) come back in
  ``UnprocessedItems``, shaped as the request (``{table: [{"PutRequest":
  {"Item": ...}} | {"DeleteRequest": {"Key": ...}}]}``), and the caller
  retries them; if *none* could be processed the call fails with
  ``ProvisionedThroughputExceededException``;
* ``ConsumedCapacity`` is returned only when ``ReturnConsumedCapacity`` asks.

With ``SETTINGS.unprocessed_rate > 0`` each request is left unprocessed with
that probability (:meth:`Settings.sample`, repeatable under a seed).

The request body of BatchWriteItem is read with :func:`json.loads` plus base64
decoding of ``B``/``BS`` values (:func:`parse_batch_write_body`), which gives
what moto's model-driven parser gives for this operation at a fraction of the
cost (it walks the service model for every attribute value); any body that
path cannot read goes to moto's parser unchanged.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    InvalidAttributeTypeError,
    KeyIsEmptyStringException,
    MockValidationException,
)
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, validate_put_has_empty_keys

from .extend import extend, moto
from .settings import SETTINGS

MAX_REQUESTS = 25

WriteRequest = dict[str, Any]


class ProvisionedThroughputExceeded(JsonRESTError):
    """HTTP 400 ProvisionedThroughputExceededException, as DynamoDB sends it."""

    def __init__(self) -> None:
        super().__init__(
            ERROR_TYPE_PREFIX + "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. "
            "Consider increasing your provisioning level with the UpdateTable API.",
        )


class _Request:
    """One WriteRequest, resolved against its table."""

    def __init__(self, table_key: str, table: Table, raw: WriteRequest):
        self.table_key = table_key  # as the caller named it (name or ARN)
        self.table = table
        self.raw = raw
        self.kind, self.body = _kind_of(raw)

    @property
    def attributes(self) -> dict[str, Any]:
        return self.body["Item"] if self.kind == "PutRequest" else self.body["Key"]


def _kind_of(raw: Any) -> tuple[str, dict[str, Any]]:
    kinds = [k for k in ("PutRequest", "DeleteRequest") if isinstance(raw, dict) and raw.get(k) is not None]
    if len(kinds) != 1:
        raise MockValidationException(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: "
            "a WriteRequest must contain exactly one of PutRequest, DeleteRequest"
        )
    body = raw[kinds[0]]
    field = "Item" if kinds[0] == "PutRequest" else "Key"
    if not isinstance(body, dict) or not isinstance(body.get(field), dict):
        raise MockValidationException(
            f"1 validation error detected: Value null at '{field[0].lower() + field[1:]}' failed to "
            "satisfy constraint: Member must not be null"
        )
    return kinds[0], body


# --- validation ---------------------------------------------------------------


def validate_shape(request_items: Any) -> None:
    """The request-level limits AWS checks before it looks at any table."""
    if not isinstance(request_items, dict) or not request_items:
        raise MockValidationException(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        )
    for table_key, requests in request_items.items():
        if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_REQUESTS:
            raise MockValidationException(
                f"1 validation error detected: Value '{{{table_key}=[...]}}' at 'requestItems' failed to "
                "satisfy constraint: Map value must satisfy constraint: [Member must have length less than "
                "or equal to 25, Member must have length greater than or equal to 1]"
            )
    if sum(len(requests) for requests in request_items.values()) > MAX_REQUESTS:
        raise MockValidationException("Too many items requested for the BatchWriteItem call")


def item_key(request: _Request) -> tuple[Any, ...]:
    """The primary key the request writes, after checking it as AWS does."""
    table, attributes = request.table, request.attributes
    if request.kind == "PutRequest":
        return _put_key(table, attributes)
    return _delete_key(table, attributes)


def _put_key(table: Table, item: dict[str, Any]) -> tuple[Any, ...]:
    values: list[DynamoType] = []
    for name, expected in _key_schema(table):
        if name not in item:
            raise MockValidationException(
                f"One or more parameter values were invalid: Missing the key {name} in the item"
            )
        value = DynamoType(item[name])
        if value.type != expected:
            raise InvalidAttributeTypeError(name, expected_type=expected, actual_type=value.type)
        values.append(value)
    validate_put_has_empty_keys(
        item,
        table,
        custom_error_msg="One or more parameter values are not valid. The AttributeValue for a key "
        "attribute cannot contain an empty string value. Key: {}",
    )
    return (table.name, *values)


def _delete_key(table: Table, key: dict[str, Any]) -> tuple[Any, ...]:
    schema = _key_schema(table)
    if set(key) != {name for name, _ in schema}:
        raise MockValidationException("The provided key element does not match the schema")
    values: list[DynamoType] = []
    for name, expected in schema:
        value = DynamoType(key[name])
        if value.type != expected:
            raise MockValidationException("The provided key element does not match the schema")
        if value.type in ("S", "B") and value.value == "":
            raise KeyIsEmptyStringException(name)
        values.append(value)
    return (table.name, *values)


def _key_schema(table: Table) -> list[tuple[str, str]]:
    schema = [(table.hash_key_attr, table.hash_key_type)]
    if table.range_key_attr:
        schema.append((table.range_key_attr, table.range_key_type or ""))
    return schema


def resolve(handler: DynamoHandler, request_items: dict[str, list[WriteRequest]]) -> list[_Request]:
    """Every request of the batch, validated; raises before anything is written."""
    requests = [
        _Request(table_key, handler.dynamodb_backend.get_table(table_key), raw)
        for table_key, raws in request_items.items()
        for raw in raws
    ]
    seen: set[tuple[Any, ...]] = set()
    for request in requests:
        key = item_key(request)
        if key in seen:
            raise MockValidationException("Provided list of item keys contains duplicates")
        seen.add(key)
    return requests


# --- the operation -------------------------------------------------------------


def batch_write_item(handler: DynamoHandler) -> ActionResult:
    """BatchWriteItem with AWS's limits, validation and UnprocessedItems."""
    body = handler.body
    request_items = body.get("RequestItems")
    validate_shape(request_items)
    capacity_mode = body.get("ReturnConsumedCapacity", "NONE")
    if capacity_mode not in ("NONE", "TOTAL", "INDEXES"):
        raise MockValidationException(
            f"1 validation error detected: Value '{capacity_mode}' at 'returnConsumedCapacity' failed to "
            "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
        )
    requests = resolve(handler, request_items)

    skipped = set(SETTINGS.sample(requests, SETTINGS.unprocessed_rate))
    if skipped and len(skipped) == len(requests):
        raise ProvisionedThroughputExceeded()
    written: dict[str, int] = {}
    unprocessed: dict[str, list[WriteRequest]] = {}
    for index, request in enumerate(requests):
        if index in skipped:
            unprocessed.setdefault(request.table_key, []).append(request.raw)
            continue
        _write(handler, request)
        written[request.table.name] = written.get(request.table.name, 0) + 1

    result: dict[str, Any] = {"UnprocessedItems": unprocessed}
    if capacity_mode != "NONE":
        result["ConsumedCapacity"] = [_capacity(name, units, capacity_mode) for name, units in written.items()]
    return ActionResult(result)


def _write(handler: DynamoHandler, request: _Request) -> None:
    backend = handler.dynamodb_backend
    if request.kind == "PutRequest":
        backend.put_item(request.table.name, request.body["Item"])
    else:
        backend.delete_item(request.table.name, request.body["Key"])


def _capacity(table_name: str, units: int, mode: str) -> dict[str, Any]:
    capacity: dict[str, Any] = {"TableName": table_name, "CapacityUnits": float(units)}
    if mode == "INDEXES":
        capacity["Table"] = {"CapacityUnits": float(units)}
    return capacity


def _decode_blobs(value: Any) -> None:
    """Base64-decode the B and BS values of one AttributeValue, in place (into M and L too)."""
    if not isinstance(value, dict):
        raise ValueError("not an attribute value")
    for kind, inner in value.items():
        if kind == "B":
            value[kind] = base64.b64decode(inner, validate=True)
        elif kind == "BS":
            value[kind] = [base64.b64decode(v, validate=True) for v in inner]
        elif kind == "M":
            for member in inner.values():
                _decode_blobs(member)
        elif kind == "L":
            for member in inner:
                _decode_blobs(member)


def parse_batch_write_body(raw: bytes) -> dict[str, Any]:
    """A BatchWriteItem body as moto's parser reads it; ValueError/TypeError/AttributeError if unusual."""
    body = json.loads(raw or b"{}")
    for requests in body["RequestItems"].values():
        for request in requests:
            for kind, field in (("PutRequest", "Item"), ("DeleteRequest", "Key")):
                if kind in request:
                    for value in request[kind][field].values():
                        _decode_blobs(value)
    return body


class BatchWriteHandlerExtension(DynamoHandler):
    """BatchWriteItem as AWS does it (:func:`batch_write_item`), its body read by :func:`parse_batch_write_body`."""

    def parse_parameters(self, request: Any) -> None:
        if self._get_action() == "BatchWriteItem":
            try:
                self.params = parse_batch_write_body(request.data)
                return
            except (ValueError, TypeError, AttributeError, KeyError, binascii.Error):
                pass  # moto's parser decides what an unusual body means
        moto(DynamoHandler, self).parse_parameters(request)

    def batch_write_item(self) -> ActionResult:
        return batch_write_item(self)


def install() -> None:
    """Extend moto's DynamoHandler with BatchWriteItem as AWS does it (idempotent)."""
    extend(DynamoHandler, BatchWriteHandlerExtension)


def unprocessed_count(response: dict[str, Any]) -> int:
    """Number of write requests in a BatchWriteItem answer's UnprocessedItems (for tests/tools)."""
    return sum(len(requests) for requests in response.get("UnprocessedItems", {}).values())


__all__ = [
    "BatchWriteHandlerExtension",
    "ProvisionedThroughputExceeded",
    "batch_write_item",
    "install",
    "parse_batch_write_body",
    "unprocessed_count",
    "validate_shape",
]
