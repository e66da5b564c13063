"""DynamoDB ImportTable, DescribeImport and ListImports from S3, as AWS does them.

moto 5.2.5 reads DYNAMODB_JSON only, runs the import in a thread of its own (outside the
emulator's lock), counts nothing the way AWS does and has no ListImports. Here the whole
import family is the emulator's own, reading the objects from moto's S3 in the same process.

Sources: the DynamoDB API reference (ImportTable, DescribeImport, ListImports, CsvOptions,
ImportTableDescription, ImportSummary), the developer guide pages "DynamoDB data import from
Amazon S3: how it works", "Amazon S3 import formats for DynamoDB" and "Import format quotas
and validation" (S3DataImport.*), and ScyllaDB's conformance tests for the same API measured
against AWS (scylladb/scylladb test/alternator/test_import.py, the "measured" notes below).

The call (``ImportTable``):

* ``ClientToken`` must be present (measured: a request without one is a
  ``ValidationException``; botocore fills one in, so ordinary callers never see it) and match
  ``^[^$]+$``. ``InputFormat`` is ``CSV`` / ``DYNAMODB_JSON`` / ``ION``, ``InputCompressionType``
  ``NONE`` (the default, measured) / ``GZIP`` / ``ZSTD``; ``InputFormatOptions`` only with
  ``CSV`` (measured); ``Delimiter`` one of ``, ; : | tab space``; ``HeaderList`` 1-255 names;
  ``S3Bucket``, ``S3KeyPrefix``, ``S3BucketOwner`` and the table's name, keys, attribute
  definitions, billing mode and throughput as CreateTable checks them. A violation is a
  ``ValidationException`` naming the member, and nothing is created.
* The same ``ClientToken`` again while its import runs (or, once it ended, within 8 hours if
  the table does not exist) gives that import back. Measured: only a different
  ``TableName`` conflicts, ``ImportConflictException`` "Duplicate request detected with
  conflicting parameters" (the reference's ClientToken text says IdempotentParameterMismatch;
  the modelled error and AWS say ImportConflictException); a different bucket, prefix, format or
  compression silently gives the original import back. The emulator conflicts on any change
  to ``TableCreationParameters`` (only TableName was measured).
* A table of that name that exists (and is not the one this token's running import creates)
  is ``ResourceInUseException`` "Table already exists: NAME" (developer guide).
* At most 50 imports run at once per account (``LimitExceededException``; the wording is the
  emulator's).
* ``ION`` and ``ZSTD`` are refused with a ``ValidationException`` that says the emulator does
  not implement them (AWS accepts both).

What clients see follows the virtual clock. An import is ``IN_PROGRESS`` from the call until
``SETTINGS.import_seconds`` later (``--import-seconds``, clock time; ImportTable itself always
answers ``IN_PROGRESS``), then ``COMPLETED`` or ``FAILED``; no API cancels an import, so
``CANCELLING`` / ``CANCELLED`` never occur. While it runs (measured) the counters read 0 and
``EndTime``, ``ProcessedSizeBytes``, ``FailureCode`` and ``FailureMessage`` are absent; its table
is ``CREATING`` (DescribeTable, with the ``TableId`` the import reported, ItemCount 0), item
operations on it answer ``ResourceNotFoundException`` (the API reference: a table whose status is
not ACTIVE) and DeleteTable / UpdateTable ``ResourceInUseException``.

The work: at the call (under the emulator's lock) the bucket is found, the table created and the
bytes of the objects under the prefix copied; a worker thread then parses them into items of its
own, so the call answers at once and other requests go on. :func:`settle`, run by the clock's
catch-up before every request and every clock move, publishes an import whose end has come (its
items into the table, waiting for the worker if it is not done): nothing sees the result before
the end, and everything after it does, however fast the machine. Objects put after the call are
not read. A 100,000-row CSV costs about 1.8 s of emulator CPU, 1,000,000 rows about 17 s
(``benchmarks/import_table.py``); the cyclic garbage collector is off while a worker runs.

What the import does, per object under ``S3KeyPrefix`` in key order (every object, of any
name: the format given takes precedence over extensions):

* ``GZIP`` objects are decompressed; ``ProcessedSizeBytes`` counts uncompressed bytes (measured).
  A zero-length object is zero items (measured).
* ``CSV``: the first line names the attributes unless ``HeaderList`` does (then the first line is
  data); the delimiter is ``Delimiter`` (default ``,``); quotes are escaped by doubling them.
  Key attributes of the table and its GSIs are typed by ``AttributeDefinitions`` (``N`` must be
  a DynamoDB number, ``B`` base64); every other column is a string (developer guide). An empty
  cell leaves the attribute out (not documented by AWS; the emulator's choice, as ``ddb_csv_load``
  does by default). Empty lines are skipped.
* ``DYNAMODB_JSON``: one ``{"Item": {...}}`` per line (developer guide); empty and blank lines are
  neither items nor errors (measured).
* An item that cannot be made (a missing or empty key attribute, a key of the wrong type, a row
  whose number of columns differs from the header, malformed JSON or CSV quoting, undecodable
  bytes, an item over 400 KB) is an error: ``ErrorCount`` counts it and, as AWS does (measured
  for DYNAMODB_JSON; the developer guide: "we may skip processing the remaining portion of the
  object"), the rest of that object is skipped. AWS logs each error to CloudWatch Logs
  (``/aws-dynamodb/imports``); the emulator only counts them (``CloudWatchLogGroupArn`` is
  still reported, as AWS always does, measured).
* Items with the same key overwrite each other; the last one read wins (AWS: "in random order";
  not errors). ``ProcessedItemCount`` and ``ImportedItemCount`` count items read and written,
  duplicates included (measured), and ProcessedItemCount = ImportedItemCount + ErrorCount.

How it ends:

* no errors: ``COMPLETED``; the table is ``ACTIVE``. A prefix matching no object completes too,
  with an empty table (measured).
* errors: ``FAILED``, ``FailureCode`` ``ItemValidationError``, "Some of the items failed validation
  checks and were not imported. Please check CloudWatch error logs for more details." (developer
  guide); the table stays, ``ACTIVE``, with the items that were valid.
* a bucket that does not exist: ``FAILED``, ``S3NoSuchBucket``, "The specified bucket does not
  exist (Service: Amazon S3; Status Code: 404; ...)", and no table is created (developer guide).
* ``S3BucketOwner`` that is not the bucket's owner: ``FAILED``, ``S3AccessDenied`` (S3 answers
  AccessDenied for a wrong expected owner; the failure code is the emulator's guess), no table.
  ``S3BucketOwner`` defaults to the caller's account and is reported so (developer guide's
  examples), so a bucket of another account needs it; S3 permissions are not checked.

``ListImports`` lists imports started in the past 90 days, running ones included (measured),
oldest first, ``TableArn`` filtering by the table imported into, ``PageSize`` 1-25 (default 25
is the emulator's choice) and ``NextToken`` in AWS's shape (112+ hex digits); a summary holds
only the ImportSummary members (measured). ``DescribeImport`` of a well-formed ARN that names no
import is ``ImportNotFoundException``; of a malformed one, ``ValidationException``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import decimal
import gc
import gzip
import hashlib
import io
import json
import logging
import re
import threading
import zlib
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Iterator

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    MockValidationException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from .clock import CLOCK
from .dynamodb import note_write, table_name_errors
from .dynamodb_batch import _decode_blobs
from .extend import extend, moto
from .settings import SETTINGS

__all__ = ["ImportHandlerExtension", "ImportJob", "install"]

logger = logging.getLogger(__name__)

INPUT_FORMATS = ("DYNAMODB_JSON", "ION", "CSV")
COMPRESSION_TYPES = ("GZIP", "ZSTD", "NONE")
DELIMITER_PATTERN = re.compile(r"[,;:|\t ]")
HEADER_PATTERN = re.compile(r"[\x20-\x21\x23-\x2B\x2D-\x7E]*")
BUCKET_PATTERN = re.compile(r"^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$")
OWNER_PATTERN = re.compile(r"[0-9]{12}")
TOKEN_PATTERN = re.compile(r"^[^\$]+$")
NEXT_TOKEN_PATTERN = re.compile(r"([0-9a-f]{16})+")
#: arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/import/ID
IMPORT_ARN_PATTERN = re.compile(
    r"arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/([a-zA-Z0-9_.-]{3,255})/import/[0-9a-zA-Z-]+"
)

#: Imports running at once per account (developer guide, "Import quotas"; LimitExceededException's text).
MAX_CONCURRENT_IMPORTS = 50
#: ListImports' PageSize bounds (API reference) and the emulator's default.
MAX_PAGE_SIZE = 25
#: A ClientToken is valid for 8 hours after its import completes (API reference).
TOKEN_HOURS = 8
#: ListImports lists the imports of the past 90 days (API reference).
LIST_DAYS = 90
#: DynamoDB's limits that an imported item must meet, as PutItem's.
ITEM_SIZE_LIMIT = 405000  # moto's, as dynamodb.ITEM_SIZE_LIMIT
HASH_KEY_LIMIT = 2048
RANGE_KEY_LIMIT = 1024

ITEM_VALIDATION_MESSAGE = (
    "Some of the items failed validation checks and were not imported. "
    "Please check CloudWatch error logs for more details."
)
CONFLICT_MESSAGE = "Import conflict: Duplicate request detected with conflicting parameters"


# --------------------------------------------------------------------------- #
# Errors at the call
# --------------------------------------------------------------------------- #


class ImportConflictException(JsonRESTError):
    def __init__(self, message: str = CONFLICT_MESSAGE) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "ImportConflictException", message)


class ImportNotFoundException(JsonRESTError):
    def __init__(self, arn: str) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "ImportNotFoundException", f"Import not found: {arn}")


class LimitExceededException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "LimitExceededException", message)


def _invalid(errors: list[str]) -> MockValidationException:
    count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: "
    return MockValidationException(count + "; ".join(errors))


def _constraint(value: Any, where: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{where}' failed to satisfy constraint: {constraint}"


def validate_request(body: dict[str, Any]) -> None:
    """Everything ImportTable refuses before it accepts the request (ValidationException)."""
    errors: list[str] = []
    token = body.get("ClientToken")
    if token is None:
        errors.append(_constraint(None, "clientToken", "Member must not be null"))
    elif not TOKEN_PATTERN.match(str(token)):
        errors.append(_constraint(token, "clientToken",
                                  "Member must satisfy regular expression pattern: ^[^\\$]+$"))
    fmt = body.get("InputFormat")
    if fmt is None:
        errors.append(_constraint(None, "inputFormat", "Member must not be null"))
    elif fmt not in INPUT_FORMATS:
        errors.append(_constraint(fmt, "inputFormat",
                                  "Member must satisfy enum value set: [DYNAMODB_JSON, ION, CSV]"))
    compression = body.get("InputCompressionType")
    if compression is not None and compression not in COMPRESSION_TYPES:
        errors.append(_constraint(compression, "inputCompressionType",
                                  "Member must satisfy enum value set: [GZIP, ZSTD, NONE]"))
    source = body.get("S3BucketSource")
    if not isinstance(source, dict) or source.get("S3Bucket") is None:
        errors.append(_constraint(None, "s3BucketSource.s3Bucket", "Member must not be null"))
    else:
        bucket = str(source["S3Bucket"])
        if len(bucket) > 255:
            errors.append(_constraint(bucket, "s3BucketSource.s3Bucket",
                                      "Member must have length less than or equal to 255"))
        if not BUCKET_PATTERN.match(bucket):
            errors.append(_constraint(bucket, "s3BucketSource.s3Bucket",
                                      "Member must satisfy regular expression pattern: "
                                      "^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$"))
        prefix = source.get("S3KeyPrefix")
        if prefix is not None and len(str(prefix)) > 1024:
            errors.append(_constraint(prefix, "s3BucketSource.s3KeyPrefix",
                                      "Member must have length less than or equal to 1024"))
        owner = source.get("S3BucketOwner")
        if owner is not None and not OWNER_PATTERN.fullmatch(str(owner)):
            errors.append(_constraint(owner, "s3BucketSource.s3BucketOwner",
                                      "Member must satisfy regular expression pattern: [0-9]{12}"))
    options = body.get("InputFormatOptions")
    if options:
        csv_options = options.get("Csv") if isinstance(options, dict) else None
        if fmt in INPUT_FORMATS and fmt != "CSV":
            errors.append(f"InputFormatOptions can only be given with InputFormat CSV, not {fmt}")
        elif isinstance(csv_options, dict):
            errors.extend(_csv_option_errors(csv_options))
    parameters = body.get("TableCreationParameters")
    if not isinstance(parameters, dict):
        errors.append(_constraint(None, "tableCreationParameters", "Member must not be null"))
    else:
        for error in table_name_errors(parameters.get("TableName", "")):
            errors.append(error.replace("'tableName'", "'tableCreationParameters.tableName'"))
        for member in ("KeySchema", "AttributeDefinitions"):
            if not parameters.get(member):
                where = f"tableCreationParameters.{member[0].lower()}{member[1:]}"
                errors.append(_constraint(None, where, "Member must not be null"))
    if errors:
        raise _invalid(errors)


def _csv_option_errors(options: dict[str, Any]) -> list[str]:
    errors = []
    delimiter = options.get("Delimiter")
    if delimiter is not None and (len(str(delimiter)) != 1 or not DELIMITER_PATTERN.fullmatch(str(delimiter))):
        errors.append(_constraint(delimiter, "inputFormatOptions.csv.delimiter",
                                  "Member must satisfy regular expression pattern: [,;:|\\t ]"))
    headers = options.get("HeaderList")
    if headers is not None:
        if not isinstance(headers, list) or not 1 <= len(headers) <= 255:
            errors.append(_constraint(headers, "inputFormatOptions.csv.headerList",
                                      "Member must have length less than or equal to 255, "
                                      "Member must have length greater than or equal to 1"))
        else:
            for header in headers:
                text = str(header)
                if not 1 <= len(text) <= 65536 or not HEADER_PATTERN.fullmatch(text):
                    errors.append(_constraint(text, "inputFormatOptions.csv.headerList.member",
                                              "Member must satisfy regular expression pattern: "
                                              "[\\x20-\\x21\\x23-\\x2B\\x2D-\\x7E]*"))
    return errors


# --------------------------------------------------------------------------- #
# The import
# --------------------------------------------------------------------------- #


class ImportJob:
    """One import: its request as AWS reports it back, and its outcome (shown from ``end_at`` on)."""

    def __init__(self, backend: Any, body: dict[str, Any], start: datetime, seconds: float):
        parameters = body["TableCreationParameters"]
        partition = get_partition(backend.region_name)
        self.account_id = backend.account_id
        self.region_name = backend.region_name
        self.table_name: str = parameters["TableName"]
        self.table_arn = (f"arn:{partition}:dynamodb:{backend.region_name}:{backend.account_id}"
                          f":table/{self.table_name}")
        import_id = f"{_epoch_ms(start):014d}-{mock_random.get_random_hex(8)}"  # as AWS's: ms, then 8 hex
        self.arn = f"{self.table_arn}/import/{import_id}"
        self.table_id = str(mock_random.uuid4())
        self.client_token: str = body["ClientToken"]
        source = dict(body["S3BucketSource"])
        source.setdefault("S3BucketOwner", backend.account_id)  # AWS reports the owner (developer guide)
        self.s3_source = source
        self.input_format: str = body["InputFormat"]
        self.input_format_options = body.get("InputFormatOptions") or None
        self.compression: str = body.get("InputCompressionType") or "NONE"
        self.table_parameters = parameters
        self.log_group_arn = (f"arn:{partition}:logs:{backend.region_name}:{backend.account_id}"
                              ":log-group:/aws-dynamodb/imports:*")
        self.start = start
        self.end_at = start + timedelta(seconds=seconds)
        # the outcome, shown once the clock reaches end_at
        self.final_status = "COMPLETED"
        self.failure_code: str | None = None
        self.failure_message: str | None = None
        self.processed_items = 0
        self.imported_items = 0
        self.errors = 0
        self.processed_bytes = 0
        self.created_table = False
        self.table: Any = None
        self.worker: threading.Thread | None = None
        self.items: Any = None  # the worker's result, published by settle()

    def __deepcopy__(self, memo: dict[int, Any]) -> "ImportJob":
        """The import itself: a copy of its table (a backup's snapshot) still belongs to this import."""
        return self

    # -- what clients see -------------------------------------------------------

    def running(self, now: datetime | None = None) -> bool:
        """Whether the import is still IN_PROGRESS at ``now``. Once it is not, its result is published
        first (:func:`settle`), so whoever asked reads the whole result, never half of it."""
        now = now or utcnow()
        if now < self.end_at:
            return True
        if self.worker is not None and self in _PENDING:
            settle(now)
        return False

    def describe(self, as_started: bool = False) -> dict[str, Any]:
        """ImportTableDescription now (``as_started``: as ImportTable answers, IN_PROGRESS whatever
        ``import_seconds`` is)."""
        running = as_started or self.running()
        description: dict[str, Any] = {
            "ImportArn": self.arn,
            "ImportStatus": "IN_PROGRESS" if running else self.final_status,
            "TableArn": self.table_arn,
            "TableId": self.table_id,
            "ClientToken": self.client_token,
            "S3BucketSource": self.s3_source,
            "ErrorCount": 0 if running else self.errors,
            "CloudWatchLogGroupArn": self.log_group_arn,
            "InputFormat": self.input_format,
            "InputCompressionType": self.compression,
            "TableCreationParameters": self.table_parameters,
            "StartTime": self.start,
            "ProcessedItemCount": 0 if running else self.processed_items,
            "ImportedItemCount": 0 if running else self.imported_items,
        }
        if self.input_format_options:
            description["InputFormatOptions"] = self.input_format_options
        if not running:
            description["EndTime"] = self.end_at
            description["ProcessedSizeBytes"] = self.processed_bytes
            if self.failure_code:
                description["FailureCode"] = self.failure_code
                description["FailureMessage"] = self.failure_message
        return description

    def summary(self) -> dict[str, Any]:
        running = self.running()
        summary: dict[str, Any] = {
            "ImportArn": self.arn,
            "ImportStatus": "IN_PROGRESS" if running else self.final_status,
            "TableArn": self.table_arn,
            "S3BucketSource": self.s3_source,
            "CloudWatchLogGroupArn": self.log_group_arn,
            "InputFormat": self.input_format,
            "StartTime": self.start,
        }
        if not running:
            summary["EndTime"] = self.end_at
        return summary

    def fail(self, code: str, message: str) -> None:
        self.final_status = "FAILED"
        self.failure_code = code
        self.failure_message = message


def _epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of a naive UTC datetime."""
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)


def _s3_error(message: str, status: int, code: str) -> str:
    """An S3 failure as the import reports it (developer guide's S3NoSuchBucket example)."""
    request_id = mock_random.get_random_hex(16).upper()
    extended = base64.b64encode(mock_random.get_random_hex(48).encode()).decode()
    return (f"{message} (Service: Amazon S3; Status Code: {status}; Error Code: {code}; "
            f"Request ID: {request_id}; S3 Extended Request ID: {extended}; Proxy: null)")


def _find_bucket(name: str) -> tuple[Any, Any, str] | None:
    """(S3 backend, bucket, owner account) of ``name``, or None when no account has it."""
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(name)
    if owner is None:
        return None
    bucket_partition, owner_account = owner
    backend = s3_backends[owner_account][bucket_partition]
    bucket = backend.buckets.get(name)
    if bucket is None:
        return None
    return backend, bucket, owner_account


def _objects(s3_backend: Any, bucket: Any, prefix: str) -> list[Any]:
    """The objects under ``prefix`` (their current versions), in key order, as S3 lists them."""
    from moto.s3.models import FakeKey

    keys, _, _, _ = s3_backend.list_objects(bucket, prefix=prefix or None, delimiter=None, marker=None,
                                            max_keys=None)
    return sorted((key for key in keys if isinstance(key, FakeKey)), key=lambda key: key.name)


class ObjectError(Exception):
    """An item that cannot be imported: counted as an error, and the rest of its object is skipped."""


class UnreadableItem(ObjectError):
    """A line that does not even make an item (bad quoting, JSON, bytes, column count, key value)."""


class _Loader:
    """Turns the rows of each object into items of the new table, checked and counted as AWS does."""

    def __init__(self, job: ImportJob, table: Any):
        self.job = job
        self.hash_attr: str = table.hash_key_attr
        self.range_attr: str | None = table.range_key_attr
        #: every key attribute of the table and its GSIs, typed (all other CSV columns are strings)
        self.key_types = {d["AttributeName"]: d["AttributeType"] for d in job.table_parameters["AttributeDefinitions"]}
        self.index_keys = [name for name in self.key_types if name not in (self.hash_attr, self.range_attr)]
        #: the table's items as moto keeps them ([hash] or [hash][range]), built apart and published at the end
        self.items: defaultdict[Any, Any] = defaultdict(dict)

    def load(self, name: str, data: bytes) -> None:
        """Every item of one object (decompressed), up to the first one that cannot be imported."""
        job = self.job
        job.processed_bytes += len(data)
        rows = self._csv_items(data) if job.input_format == "CSV" else self._json_items(data)
        try:
            for attrs in rows:
                job.processed_items += 1
                self.put(attrs)
        except UnreadableItem as error:
            job.processed_items += 1
            job.errors += 1
            logger.debug("import %s: s3 object %s: %s; the rest of the object is skipped", job.arn, name, error)
        except ObjectError as error:
            job.errors += 1
            logger.debug("import %s: s3 object %s: %s; the rest of the object is skipped", job.arn, name, error)

    # -- one item ---------------------------------------------------------------

    def put(self, attrs: dict[str, tuple[str, Any]]) -> None:
        """Check an item (attribute name -> (type, value)) as DynamoDB checks it and store it; an item of
        the same key is replaced. Scalars are made into moto's types directly (moto's constructors
        re-inspect every value, which made a 100,000-row import take seconds more)."""
        hash_value = self._key(attrs, self.hash_attr, HASH_KEY_LIMIT)
        range_value = self._key(attrs, self.range_attr, RANGE_KEY_LIMIT) if self.range_attr else None
        for name in self.index_keys:  # index keys may be missing (a sparse index), never of another type or empty
            value = attrs.get(name)
            if value is None:
                continue
            kind, raw = value
            if kind != self.key_types[name]:
                raise ObjectError(f"One or more parameter values were invalid: Type mismatch for Index Key {name} "
                                  f"Expected: {self.key_types[name]} Actual: {kind}")
            if kind in ("S", "B") and len(raw) == 0:
                raise ObjectError("One or more parameter values are not valid. A value specified for a secondary "
                                  f"index key is not supported. The AttributeValue for a key attribute cannot "
                                  f"contain an empty string value. Key: {name}")
        stored = LimitedSizeDict.__new__(LimitedSizeDict)
        size = 0
        for name, (kind, raw) in attrs.items():
            if kind == "S":
                dynamo = _scalar(kind, raw)
                size += len(name.encode()) + len(raw.encode())
            elif kind == "N" or kind == "B":
                dynamo = _scalar(kind, raw)
                size += len(name.encode()) + len(raw)
            else:
                dynamo = DynamoType({kind: raw})
                size += len(name.encode()) + dynamo.size()
            dict.__setitem__(stored, name, dynamo)
        if size > ITEM_SIZE_LIMIT:
            raise ObjectError("Item size has exceeded the maximum allowed size")
        item = _new(Item)
        item.hash_key = hash_value
        item.range_key = range_value
        item.attrs = stored
        if range_value is not None:
            self.items[hash_value][range_value] = item
        else:
            self.items[hash_value] = item
        self.job.imported_items += 1

    def _key(self, attrs: dict[str, tuple[str, Any]], name: str, limit: int) -> DynamoType:
        value = attrs.get(name)
        if value is None:
            raise ObjectError(f"One or more parameter values were invalid: Missing the key {name} in the item")
        kind, raw = value
        expected = self.key_types[name]
        if kind != expected:
            raise ObjectError(f"One or more parameter values were invalid: Type mismatch for key {name} "
                              f"expected: {expected} actual: {kind}")
        if kind in ("S", "B") and len(raw) == 0:
            raise ObjectError("One or more parameter values are not valid. The AttributeValue for a key "
                              f"attribute cannot contain an empty string value. Key: {name}")
        size = len(raw.encode("utf-8")) if kind == "S" else len(raw) if kind == "B" else 0
        if size > limit:
            raise ObjectError(f"One or more parameter values were invalid: Size of key {name} is above the "
                              f"limit of {limit} bytes")
        return _scalar(kind, raw)

    # -- the formats --------------------------------------------------------------

    @staticmethod
    def _lines(data: bytes) -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict", newline="")

    def _csv_items(self, data: bytes) -> Iterator[dict[str, tuple[str, Any]]]:
        """CSV rows as items: strings, but key attributes typed; empty cells left out; blank lines skipped."""
        options = (self.job.input_format_options or {}).get("Csv") or {}
        header: list[str] | None = list(options["HeaderList"]) if options.get("HeaderList") else None
        reader = csv.reader(self._lines(data), delimiter=options.get("Delimiter") or ",", quotechar='"',
                            doublequote=True, strict=True)
        key_types = self.key_types
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as error:
                raise UnreadableItem(f"the line cannot be read as CSV: {error}") from None
            if not row:
                continue
            if header is None:
                header = row
                continue
            if len(row) != len(header):
                raise UnreadableItem(f"the line has {len(row)} columns, the header {len(header)}")
            attrs: dict[str, tuple[str, Any]] = {}
            for column, cell in zip(header, row):
                if cell == "":
                    continue
                kind = key_types.get(column, "S")
                if kind == "S":
                    attrs[column] = ("S", cell)
                elif kind == "N":
                    attrs[column] = ("N", _number(cell))
                else:
                    attrs[column] = ("B", _binary(cell))
            yield attrs

    def _json_items(self, data: bytes) -> Iterator[dict[str, tuple[str, Any]]]:
        """DynamoDB JSON lines (``{"Item": {...}}``) as items; blank lines skipped."""
        lines = self._lines(data)
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except UnicodeDecodeError as error:
                raise UnreadableItem(f"the object is not UTF-8: {error}") from None
            if not line.strip():
                continue
            try:
                attrs = json.loads(line)["Item"]
                if not isinstance(attrs, dict):
                    raise TypeError("Item is not a map")
                for attr_name, value in attrs.items():
                    if not attr_name:
                        raise ValueError("an attribute name is empty")
                    _check_value(value)
            except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as error:
                raise UnreadableItem(f"the line is not a DynamoDB JSON item: {error!r}") from None
            yield {name: next(iter(value.items())) for name, value in attrs.items()}


_new = object.__new__


def _scalar(kind: str, value: Any) -> DynamoType:
    """moto's DynamoType of an S, N or B value, made without re-inspecting it."""
    dynamo = _new(DynamoType)
    dynamo.type = kind
    dynamo.value = value
    return dynamo


def _number(text: str) -> str:
    """``text`` if DynamoDB takes it as a number (38 significant digits, magnitude 1E-130 to below 1E+126)."""
    try:
        value = decimal.Decimal(text)
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise UnreadableItem("A value provided cannot be converted into a number") from None
    if text != text.strip() or not value.is_finite():
        raise UnreadableItem("A value provided cannot be converted into a number")
    if value:
        if len(value.normalize().as_tuple().digits) > 38:
            raise UnreadableItem("Attempting to store more than 38 significant digits in a Number")
        magnitude = value.copy_abs()
        if magnitude >= decimal.Decimal("1E126"):
            raise UnreadableItem("Number overflow. Attempting to store a number with magnitude larger than "
                                 "supported range")
        if magnitude < decimal.Decimal("1E-130"):
            raise UnreadableItem("Number underflow. Attempting to store a number with magnitude smaller than "
                                 "supported range")
    return text


def _binary(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise UnreadableItem("Invalid Binary value: it is not base64") from None


_TYPES = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}


def _check_value(value: Any) -> None:
    """One AttributeValue of DynamoDB JSON, checked, its binaries decoded in place (ValueError if bad)."""
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _TYPES:
        raise ValueError(f"not an attribute value: {value!r}")
    kind, inner = next(iter(value.items()))
    if kind == "S" and not isinstance(inner, str):
        raise ValueError("S must be a string")
    if kind == "N":
        _number(inner if isinstance(inner, str) else None)  # type: ignore[arg-type]
    if kind == "BOOL" and not isinstance(inner, bool):
        raise ValueError("BOOL must be true or false")
    if kind == "NULL" and inner is not True:
        raise ValueError("NULL must be true")
    if kind in ("SS", "NS", "BS"):
        if not isinstance(inner, list) or not inner or len(set(map(str, inner))) != len(inner):
            raise ValueError(f"{kind} must be a set of at least one distinct value")
        if kind == "NS":
            for member in inner:
                _number(member if isinstance(member, str) else None)  # type: ignore[arg-type]
    if kind == "L":
        if not isinstance(inner, list):
            raise ValueError("L must be a list")
        for member in inner:
            _check_value(member)
        return
    if kind == "M":
        if not isinstance(inner, dict):
            raise ValueError("M must be a map")
        for member in inner.values():
            _check_value(member)
        return
    _decode_blobs(value)


def _decompress(data: bytes, compression: str) -> bytes:
    if compression == "GZIP" and data:
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise UnreadableItem(f"the object is not GZIP: {error}") from None
    return data


def start_import(job: ImportJob, ddb_backend: Any) -> None:
    """At the call (under the lock): find the bucket, create the table, copy the objects' bytes and
    start the worker that reads them. An S3 failure is known at once, and no table is created."""
    source = job.s3_source
    found = _find_bucket(source["S3Bucket"])
    if found is None:
        job.fail("S3NoSuchBucket", _s3_error("The specified bucket does not exist", 404, "NoSuchBucket"))
        return
    s3_backend, bucket, owner = found
    if source["S3BucketOwner"] != owner:
        job.fail("S3AccessDenied", _s3_error("Access Denied", 403, "AccessDenied"))
        return
    table = create_table(job, ddb_backend)
    objects = [(key.name, key.value) for key in _objects(s3_backend, bucket, source.get("S3KeyPrefix") or "")]
    job.table = table
    job.worker = threading.Thread(target=_work, args=(job, _Loader(job, table), objects),
                                  name=f"import {job.table_name}", daemon=True)
    _PENDING.append(job)
    job.worker.start()


def _work(job: ImportJob, loader: _Loader, objects: list[tuple[str, bytes]]) -> None:
    """The worker: every object, in key order, into ``loader.items`` and the job's counters. It touches
    nothing any request reads: :func:`settle` publishes the result once the clock reaches the end."""
    _collector_off()
    try:
        for name, raw in objects:
            try:
                data = _decompress(raw, job.compression)
            except UnreadableItem as error:
                job.processed_items += 1
                job.errors += 1
                logger.debug("import %s: s3 object %s: %s", job.arn, name, error)
                continue
            loader.load(name, data)
        if job.errors:
            job.fail("ItemValidationError", ITEM_VALIDATION_MESSAGE)
        job.items = loader.items
    except Exception as error:  # noqa: BLE001 - a bug here must end the import, not hang it
        logger.exception("import %s failed unexpectedly", job.arn)
        job.fail("InternalServerError", f"backupkit-emulator: the import failed: {error}")
    finally:
        _collector_on()


#: Imports whose worker has not been settled yet (process-wide; changed under clock.LOCK).
_PENDING: list[ImportJob] = []
_collector_lock = threading.Lock()
_collector_users = 0
_collector_was_on = True


def _collector_off() -> None:
    """Turn the cyclic garbage collector off while workers run: a 100,000-row import makes a million
    objects, and the collector would walk the whole heap again and again (2/3 of the import's time)."""
    global _collector_users, _collector_was_on
    with _collector_lock:
        if _collector_users == 0:
            _collector_was_on = gc.isenabled()
            gc.disable()
        _collector_users += 1


def _collector_on() -> None:
    global _collector_users
    with _collector_lock:
        _collector_users -= 1
        if _collector_users == 0 and _collector_was_on:
            gc.enable()


def settle(until: datetime) -> None:
    """Publish every import that ends by ``until`` (waiting for its worker if need be): its table gets
    the items. Runs before every request and every clock move (the clock's catch-up), under the lock,
    so nothing sees an import's result before its end, and always sees it after."""
    for job in list(_PENDING):
        if job.end_at > until:
            continue
        job.worker.join()
        _PENDING.remove(job)
        if job.items is not None and job.table is not None:
            job.table.items = job.items
            note_write()  # a backup taken from now on copies the table afresh (dynamodb.frozen_copy)
        job.items = job.worker = None


def create_table(job: ImportJob, ddb_backend: Any) -> Any:
    """The import's table, CREATING until the import ends, with the import's TableId."""
    parameters = job.table_parameters
    billing_mode = "PAY_PER_REQUEST" if parameters.get("BillingMode") == "PAY_PER_REQUEST" else "PROVISIONED"
    sse = parameters.get("SSESpecification")
    table = ddb_backend.create_table(
        job.table_name,
        schema=parameters["KeySchema"],
        throughput=parameters.get("ProvisionedThroughput"),
        attr=parameters["AttributeDefinitions"],
        global_indexes=parameters.get("GlobalSecondaryIndexes") or [],
        indexes=[],
        streams=None,
        billing_mode=billing_mode,
        sse_specification=dict(sse) if sse else None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    table.table_id = job.table_id
    table.import_job = job  # CREATING while the import runs (dynamodb.TableExtension.describe)
    job.created_table = True
    return table


# --------------------------------------------------------------------------- #
# Per-backend state (on moto's DynamoDB backend: moto's reset clears it)
# --------------------------------------------------------------------------- #


def _imports(backend: Any) -> dict[str, Any]:
    """moto's ``table_imports`` (import ARN -> import), which holds ours."""
    return backend.table_imports


def _tokens(backend: Any) -> dict[str, ImportJob]:
    tokens = getattr(backend, "_import_tokens", None)
    if tokens is None:
        tokens = backend._import_tokens = {}
    return tokens


def _running_in_account(account_id: str) -> int:
    from moto.dynamodb.models import dynamodb_backends

    now = utcnow()
    count = 0
    for _, backend in dict.items(dynamodb_backends.get(account_id) or {}):
        count += sum(1 for job in _imports(backend).values() if isinstance(job, ImportJob) and job.running(now))
    return count


def importing_table(backend: Any, name: str) -> ImportJob | None:
    """The running import whose table is ``name`` (a name or a table ARN), if any."""
    if not name:
        return None
    if name.startswith("arn:"):
        name = name.split("table/", 1)[-1].split("/", 1)[0]
    now = utcnow()
    for job in _imports(backend).values():
        if isinstance(job, ImportJob) and job.created_table and job.table_name == name and job.running(now):
            return job
    return None


def _conflicts(job: ImportJob, body: dict[str, Any]) -> bool:
    """Whether a request with ``job``'s ClientToken asks for something else: another table (measured),
    or other table parameters (the emulator's reading of the API reference)."""
    return _canonical(body.get("TableCreationParameters")) != _canonical(job.table_parameters)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# --------------------------------------------------------------------------- #
# Requests
# --------------------------------------------------------------------------- #

#: DynamoDB item operations, refused on a table being imported into (ResourceNotFoundException).
ITEM_OPERATIONS = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
    "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
})
#: Table operations refused while the table is being created (ResourceInUseException).
TABLE_CHANGES = frozenset({"DeleteTable", "UpdateTable"})


def _tables_named(operation: str, body: dict[str, Any]) -> list[str]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        items = body.get("RequestItems")
        return list(items) if isinstance(items, dict) else []
    if operation in ("TransactGetItems", "TransactWriteItems"):
        names = []
        for entry in body.get("TransactItems") or []:
            for part in (entry or {}).values():
                if isinstance(part, dict) and part.get("TableName"):
                    names.append(part["TableName"])
        return names
    name = body.get("TableName")
    return [name] if name else []


def _next_token(backend: Any, offset: int, table_arn: str | None) -> str:
    """AWS's NextToken shape (hex, 16 digits a group, at least 112): the offset, then a check sum."""
    secret = getattr(backend, "_import_token_secret", None)
    if secret is None:
        secret = backend._import_token_secret = mock_random.get_random_hex(32)
    check = hashlib.sha256(f"{secret}|{offset}|{table_arn or ''}".encode()).hexdigest()
    return f"{offset:016x}{check}{check[:32]}"


def _token_offset(backend: Any, token: str, table_arn: str | None) -> int:
    bad = MockValidationException(f"Invalid NextToken: {token}")
    if len(token) < 112 or not NEXT_TOKEN_PATTERN.fullmatch(token):
        raise bad
    offset = int(token[:16], 16)
    if _next_token(backend, offset, table_arn) != token:
        raise bad
    return offset


class ImportHandlerExtension(DynamoHandler):
    """ImportTable, DescribeImport and ListImports as AWS does them; a table being imported into
    refuses item operations and changes until the import ends."""

    def call_action(self) -> Any:
        operation = self._get_action()
        if operation in ITEM_OPERATIONS or operation in TABLE_CHANGES:
            body = getattr(self, "params", None) or {}
            for name in _tables_named(operation, body):
                job = importing_table(self.dynamodb_backend, name)
                if job is None:
                    continue
                if operation in TABLE_CHANGES:
                    raise ResourceInUseException(
                        f"Attempt to change a resource which is still in use: Table is being created: {job.table_name}")
                raise ResourceNotFoundException()
        return moto(DynamoHandler, self).call_action()

    def import_table(self) -> ActionResult:
        body = self.body
        validate_request(body)
        fmt = body["InputFormat"]
        compression = body.get("InputCompressionType") or "NONE"
        if fmt == "ION" or compression == "ZSTD":
            what = "InputFormat ION" if fmt == "ION" else "InputCompressionType ZSTD"
            raise MockValidationException(f"backupkit-emulator does not implement ImportTable with {what} "
                                          "(AWS does); use CSV or DYNAMODB_JSON, NONE or GZIP")
        parameters = body["TableCreationParameters"]
        self._validate_table_creation(
            billing_mode="PAY_PER_REQUEST" if parameters.get("BillingMode") == "PAY_PER_REQUEST" else "PROVISIONED",
            throughput=parameters.get("ProvisionedThroughput"),
            key_schema=parameters["KeySchema"],
            global_indexes=parameters.get("GlobalSecondaryIndexes"),
            local_secondary_indexes=None,
            attr=parameters["AttributeDefinitions"],
            warm_throughput=None,
        )
        backend = self.dynamodb_backend
        now = utcnow()
        tokens = _tokens(backend)
        earlier = tokens.get(body["ClientToken"])
        if earlier is not None and earlier.running(now):
            if _conflicts(earlier, body):
                raise ImportConflictException()
            return ActionResult({"ImportTableDescription": earlier.describe()})
        if parameters["TableName"] in backend.tables:
            raise ResourceInUseException(f"Table already exists: {parameters['TableName']}")
        if earlier is not None and now < earlier.end_at + timedelta(hours=TOKEN_HOURS):
            if _conflicts(earlier, body):
                raise ImportConflictException()
            return ActionResult({"ImportTableDescription": earlier.describe()})
        if _running_in_account(backend.account_id) >= MAX_CONCURRENT_IMPORTS:
            raise LimitExceededException(
                f"There can be at most {MAX_CONCURRENT_IMPORTS} import table operations in progress per account")
        job = ImportJob(backend, body, now, SETTINGS.import_seconds)
        start_import(job, backend)
        _imports(backend)[job.arn] = job
        tokens[job.client_token] = job
        return ActionResult({"ImportTableDescription": job.describe(as_started=True)})

    def describe_import(self) -> ActionResult:
        arn = self.body.get("ImportArn") or ""
        if not IMPORT_ARN_PATTERN.fullmatch(arn):
            raise MockValidationException(f"Invalid Import ARN: {arn}")
        job = _imports(self.dynamodb_backend).get(arn)
        if not isinstance(job, ImportJob):
            raise ImportNotFoundException(arn)
        return ActionResult({"ImportTableDescription": job.describe()})

    def list_imports(self) -> ActionResult:
        body = self.body
        backend = self.dynamodb_backend
        page_size = body.get("PageSize")
        if page_size is not None and not 1 <= int(page_size) <= MAX_PAGE_SIZE:
            bound = "less than or equal to 25" if int(page_size) > MAX_PAGE_SIZE else "greater than or equal to 1"
            raise _invalid([_constraint(page_size, "pageSize", f"Member must have value {bound}")])
        limit = int(page_size) if page_size is not None else MAX_PAGE_SIZE
        table_arn = body.get("TableArn")
        since = utcnow() - timedelta(days=LIST_DAYS)
        jobs = [job for job in _imports(backend).values()
                if isinstance(job, ImportJob) and job.start >= since
                and (not table_arn or job.table_arn == table_arn)]
        jobs.sort(key=lambda job: (job.start, job.arn))
        token = body.get("NextToken")
        start = _token_offset(backend, token, table_arn) if token else 0
        page = jobs[start:start + limit]
        result: dict[str, Any] = {"ImportSummaryList": [job.summary() for job in page]}
        if start + limit < len(jobs):
            result["NextToken"] = _next_token(backend, start + limit, table_arn)
        return ActionResult(result)


def install() -> None:
    """Extend moto's DynamoHandler with the import operations, and have the clock's catch-up publish
    imports that ended (run after AWS Backup's scheduler is installed; idempotent)."""
    extend(DynamoHandler, ImportHandlerExtension)
    runner = CLOCK.runner
    if getattr(runner, "settles_imports", False):
        return

    def run_until(until: datetime) -> Any:
        settle(until)
        return runner(until) if runner is not None else 0

    run_until.settles_imports = True  # type: ignore[attr-defined]
    CLOCK.runner = run_until
