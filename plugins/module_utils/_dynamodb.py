# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every DynamoDB call of backupkit.dynamodb, and the DynamoDB helpers (private).

One error handler (:class:`DynamoDBErrorHandler`), each call wrapped once. The reads (ListTables,
DescribeTable, DescribeContinuousBackups, ListTagsOfResource, a Scan page, DescribeImport, ListImports)
are retried by :func:`read_retry` (transient error codes, and read timeouts and connection
errors after botocore gave up), the other control-plane calls by :data:`aws_retry` (error codes
only). The batch calls (BatchWriteItem, BatchGetItem) retry themselves on
a :class:`Budget`, because AWS answers them in part (UnprocessedItems / UnprocessedKeys)
as well as with throttling and 5xx errors; both retry the same error codes.
"""

from __future__ import annotations

import base64
import random
import time

try:
    import botocore
except ImportError:
    pass  # the module reports missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._poll import retry_while
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import error_code_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import is_retryable
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import read_retry

READ_CHUNK = 100  # BatchGetItem's limit
WRITE_CHUNK = 25  # BatchWriteItem's limit
READ_UNIT_BYTES = 4096  # a strongly consistent read unit


class AnsibleDynamoDBError(AnsibleAWSError):
    pass


class DynamoDBErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleDynamoDBError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["ResourceNotFoundException", "ImportNotFoundException"])


def _paged(client, operation, key, **params):
    return client.get_paginator(operation).paginate(**params).build_full_result().get(key) or []


@DynamoDBErrorHandler.common_error_handler("list DynamoDB tables")
@read_retry
def list_tables(client):
    return _paged(client, "list_tables", "TableNames")


@DynamoDBErrorHandler.list_error_handler("describe table")
@read_retry
def describe_table(client, name):
    """DescribeTable's Table, or None when there is no such table."""
    return client.describe_table(TableName=name)["Table"]


@DynamoDBErrorHandler.list_error_handler("describe the table's continuous backups")
@read_retry
def describe_continuous_backups(client, name):
    """DescribeContinuousBackups' ContinuousBackupsDescription, or None when there is no such table."""
    return client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]


@DynamoDBErrorHandler.common_error_handler("update the table's point-in-time recovery")
@aws_retry
def _update_continuous_backups(client, name, specification):
    return client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=specification)[
        "ContinuousBackupsDescription"
    ]


# DynamoDB answers this while it is still turning on backups for a new table ("Backups have not yet been
# enabled for this table"); UpdateContinuousBackups is made again for up to this many seconds.
CONTINUOUS_BACKUPS_WAIT = 60


def update_continuous_backups(client, name, specification, timeout=CONTINUOUS_BACKUPS_WAIT, **poll_options):
    """UpdateContinuousBackups (``specification`` is its PointInTimeRecoverySpecification); made again
    for up to ``timeout`` seconds while DynamoDB answers ContinuousBackupsUnavailableException."""
    return retry_while(lambda: _update_continuous_backups(client, name, specification),
                       lambda error: error_code_of(error) == "ContinuousBackupsUnavailableException",
                       timeout=timeout, **poll_options)


@DynamoDBErrorHandler.common_error_handler("restore the table to a point in time")
@aws_retry
def restore_table_to_point_in_time(client, **params):
    """RestoreTableToPointInTime's TableDescription (the target is CREATING)."""
    return client.restore_table_to_point_in_time(**params)["TableDescription"]


@DynamoDBErrorHandler.common_error_handler("update the table")
@aws_retry
def update_table(client, name, **params):
    """UpdateTable's TableDescription."""
    return client.update_table(TableName=name, **params)["TableDescription"]


@DynamoDBErrorHandler.list_error_handler("list the table's tags", default_value=[])
@read_retry
def list_tags_of_resource(client, arn):
    """The table's tags as [{Key, Value}] (every page); [] when there is no such table."""
    return _paged(client, "list_tags_of_resource", "Tags", ResourceArn=arn)


@DynamoDBErrorHandler.common_error_handler("scan the table")
@read_retry
def scan_page(client, **params):
    """One Scan answer (one page of one segment)."""
    return client.scan(**params)


@DynamoDBErrorHandler.common_error_handler("import a table from S3")
@aws_retry
def import_table(client, **params):
    """ImportTable's ImportTableDescription (the import has started: IN_PROGRESS)."""
    return client.import_table(**params)["ImportTableDescription"]


@DynamoDBErrorHandler.list_error_handler("describe the import")
@read_retry
def describe_import(client, import_arn):
    """DescribeImport's ImportTableDescription, or None when AWS does not know the import."""
    return client.describe_import(ImportArn=import_arn)["ImportTableDescription"]


@DynamoDBErrorHandler.common_error_handler("list the table's imports")
@read_retry
def list_imports(client, table_arn):
    """ListImports' ImportSummaryList for one table (every page; AWS keeps 90 days of imports)."""
    summaries = []
    params = dict(TableArn=table_arn, PageSize=25)
    while True:
        page = client.list_imports(**params)
        summaries.extend(page.get("ImportSummaryList") or [])
        if not page.get("NextToken"):
            return summaries
        params["NextToken"] = page["NextToken"]


def table_is_empty(client, name, key_names):
    """True when a consistent one-item Scan of the table finds nothing."""
    names = dict(("#k%d" % i, n) for i, n in enumerate(key_names))
    response = scan_page(
        client, TableName=name, Limit=1, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names,
        ConsistentRead=True,
    )
    return not response.get("Items") and not response.get("LastEvaluatedKey")


def key_schema_of(table):
    """[(name, 'HASH'|'RANGE', type)] from DescribeTable, hash key first."""
    types = dict((d["AttributeName"], d["AttributeType"]) for d in table.get("AttributeDefinitions", []))
    schema = sorted(table["KeySchema"], key=lambda k: 0 if k["KeyType"] == "HASH" else 1)
    return [(k["AttributeName"], k["KeyType"], types.get(k["AttributeName"], "S")) for k in schema]


# ---------------------------------------------------------------------------
# batch calls, retried on a budget


class Budget(object):
    """Retry policy: exponential backoff with full jitter, bounded attempts."""

    def __init__(self, attempts, base=0.05, cap=2.0, sleep=time.sleep, rng=None):
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.sleep = sleep
        self.rng = rng or random.Random()

    def pause(self, attempt):
        self.sleep(self.rng.uniform(0, min(self.cap, self.base * (2 ** attempt))))


def is_retryable_error(exc):
    """True for a throttling or transient error (or a connection failure) worth another attempt."""
    if isinstance(exc, botocore.exceptions.ClientError):
        return is_retryable(error_code_of(exc))
    return isinstance(exc, (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError))


def batch_write(client, table, requests, budget):
    """Write up to 25 requests; return the requests still unwritten after the budget (and the last error)."""
    pending = list(requests)
    error = None
    for attempt in range(budget.attempts):
        try:
            response = client.batch_write_item(RequestItems={table: pending})
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            if not is_retryable_error(exc):
                raise AnsibleDynamoDBError(message="Failed to write items to %s" % table, exception=exc)
            error = exc
            budget.pause(attempt)
            continue
        pending = response.get("UnprocessedItems", {}).get(table, [])
        if not pending:
            return [], None
        error = None
        budget.pause(attempt)
    return pending, error


def batch_get(client, table, keys, budget):
    """Read up to 100 items by key (consistent); return {digest-able key tuple: item} as a list of items."""
    found = []
    request = {table: {"Keys": list(keys), "ConsistentRead": True}}
    for attempt in range(budget.attempts):
        try:
            response = client.batch_get_item(RequestItems=request)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            if not is_retryable_error(exc):
                raise AnsibleDynamoDBError(message="Failed to read items from %s" % table, exception=exc)
            budget.pause(attempt)
            continue
        found.extend(response.get("Responses", {}).get(table, []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return found
        budget.pause(attempt)
    raise AnsibleDynamoDBError(message="Failed to read items from %s: retry budget spent on unprocessed keys" % table)


def jsonable(value):
    """An item or attribute value with bytes as base64 text (for results and diffs)."""
    if isinstance(value, dict):
        return dict((k, jsonable(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


# --------------------------------------------------------------------------- time to live and tags


@DynamoDBErrorHandler.list_error_handler("describe the table's time to live")
@aws_retry
def describe_time_to_live(client, name):
    """DescribeTimeToLive's TimeToLiveDescription, or None when there is no such table."""
    return client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]


@DynamoDBErrorHandler.common_error_handler("update the table's time to live")
@aws_retry
def update_time_to_live(client, name, attribute_name):
    return client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute_name})


@DynamoDBErrorHandler.common_error_handler("tag the table")
@aws_retry
def tag_table(client, arn, tags):
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])


@DynamoDBErrorHandler.common_error_handler("untag the table")
@aws_retry
def untag_table(client, arn, keys):
    client.untag_resource(ResourceArn=arn, TagKeys=list(keys))
