"""DynamoDB where moto differs from AWS in ways our collection meets.

What AWS does and moto 5.2.5 does not:

- DescribeTable returns ``TableId``, a UUID fixed for the table's life
  (community.aws.dynamodb_table reads it). A backup keeps its source's id; a
  restored table gets a new one; a table ImportTable creates has the import's, and is
  ``CREATING`` until the import ends (``dynamodb_import.py``).
- A table restored from a backup (or to a point in time) keeps the source's
  billing mode and indexes, and (DynamoDB API) its encryption; tags, streams,
  TTL and deletion protection are not restored. While the restore runs the table is ``CREATING`` and its
  ``RestoreSummary.RestoreInProgress`` is true.
- Storing an item costs time linear in its attributes: moto 5.2.5 re-measures
  the whole item for every attribute it adds (quadratic), which made each
  BatchWriteItem of 25 order rows about 2 ms slower. The 400 KB limit is
  checked once, on the same sizes, with the same error.
- Backups made by AWS Backup are DynamoDB backups of type ``AWS_BACKUP``:
  ``ListBackups`` lists them only for ``BackupType`` ``AWS_BACKUP`` or ``ALL``
  (its default is ``USER``), and they are ``CREATING`` until the backup job ends.

Speed, not behaviour: moto's ``Backup`` deep-copies its table, and AWS Backup's
scheduler takes one backup per table per rule run. A backup holds a *frozen copy*
(:func:`frozen_copy`): one deep copy of the table and its item bytes, shared by
every backup taken while no request changed any table. Every AWS request that
is not a read (:func:`request_may_write`, counted by the request pipeline in
``faults.py``) moves :data:`WRITES` on, after it ran, so the next backup copies
the table again and sees the change. Nothing modifies a frozen copy: restores
copy what they take from it (moto's ``RestoredTable`` deep-copies items,
indexes, schema and throughput; ours copies encryption and tags).

The AWS Backup model (``backup/jobs.py``) uses :func:`take_snapshot`,
:func:`register_snapshot` and :func:`restore_snapshot` from here.
"""

from __future__ import annotations

import copy
import re
import weakref
from datetime import datetime, timezone
from typing import Any

from moto.core.utils import unix_time, utcnow
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Backup, RestoredPITTable, RestoredTable, Table
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api._internal import mock_random

from .extend import extend, moto

__all__ = [
    "BackupExtension",
    "DynamoHandlerExtension",
    "ItemExtension",
    "RestoredPITTableExtension",
    "RestoredTableExtension",
    "TableExtension",
    "frozen_copy",
    "install",
    "note_write",
    "register_snapshot",
    "request_may_write",
    "restore_snapshot",
    "take_snapshot",
]

#: moto's limit for an item (AWS documents 400 KB; moto measured 409-410 KB and checks 405,000 bytes).
ITEM_SIZE_LIMIT = 405000

#: DynamoDB ListBackups' BackupType filter: which backup types each value lists.
BACKUP_TYPE_FILTER = {
    "USER": {"USER"},
    "SYSTEM": {"SYSTEM"},
    "AWS_BACKUP": {"AWS_BACKUP"},
    "ALL": {"USER", "SYSTEM", "AWS_BACKUP"},
}


# --------------------------------------------------------------------------- #
# Item: the size limit, checked once per item
# --------------------------------------------------------------------------- #


class ItemExtension(Item):
    """moto's ``Item.__init__`` with one size check (moto's ``Item.size``) instead of one per attribute."""

    def __init__(self, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        self.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.update(self.attrs, ((key, DynamoType(value)) for key, value in attrs.items()))
        if self.size() > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge


# --------------------------------------------------------------------------- #
# Table: TableId
# --------------------------------------------------------------------------- #


class TableExtension(Table):
    """Every table gets a TableId at creation, and DescribeTable shows it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        moto(Table, self).__init__(*args, **kwargs)
        self.table_id = str(mock_random.uuid4())

    def describe(self, base_key: str = "TableDescription") -> dict[str, Any]:
        job = getattr(self, "import_job", None)  # the import creating this table (dynamodb_import.py)
        creating = job is not None and job.running()  # (an import that has ended is published first)
        result = moto(Table, self).describe(base_key=base_key)
        table_id = getattr(self, "table_id", None)
        if table_id is None:  # a table created before install()
            table_id = self.table_id = str(mock_random.uuid4())
        result[base_key]["TableId"] = table_id
        if creating:
            result[base_key]["TableStatus"] = "CREATING"
        return result


# --------------------------------------------------------------------------- #
# Backups
# --------------------------------------------------------------------------- #


class BackupExtension(Backup):
    """moto's DynamoDB Backup with TableId in summaries and an availability time.

    ``available_at`` (naive UTC) makes the backup ``CREATING`` until then, as an
    AWS Backup job's DynamoDB backup is until the job completes.
    """

    def __init__(
        self,
        account_id: str,
        region_name: str,
        name: str,
        table: Any,
        status: str | None = None,
        type_: str | None = None,
        available_at: datetime | None = None,
    ):
        # moto's Backup.__init__, with the table's frozen copy in place of a deep copy of its own
        self.available_at = available_at
        self.region_name = region_name
        self.account_id = account_id
        self.name = name
        self.table, self.size_bytes = frozen_copy(table)
        self.status = status or "AVAILABLE"
        self.type = type_ or "USER"
        self.creation_date_time = utcnow()
        self.identifier = self._make_identifier()

    @property
    def status(self) -> str:
        if self._status == "AVAILABLE" and self.available_at and utcnow() < self.available_at:
            return "CREATING"
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        self._status = value

    @property
    def details(self) -> dict[str, Any]:  # type: ignore[override]
        return dict(moto(Backup, self).details, BackupSizeBytes=self.size_bytes)

    @property
    def summary(self) -> dict[str, Any]:  # type: ignore[override]
        result = dict(moto(Backup, self).summary, BackupSizeBytes=self.size_bytes)
        table_id = getattr(self.table, "table_id", None)
        if table_id:
            result["TableId"] = table_id
        return result


# --------------------------------------------------------------------------- #
# Frozen copies: one deep copy of a table shared by the backups taken while it is unchanged
# --------------------------------------------------------------------------- #

#: How many requests that may have changed a table have been answered (process-wide, moved under clock.LOCK).
WRITES = 0
# table -> (WRITES when copied, the copy, its item bytes); weak, so a deleted table's entry goes with it
_FROZEN: "weakref.WeakKeyDictionary[Any, tuple[int, Any, int]]" = weakref.WeakKeyDictionary()

#: DynamoDB operations that change no table (every other DynamoDB operation may).
DYNAMODB_READS = frozenset({
    "BatchGetItem", "DescribeBackup", "DescribeContinuousBackups", "DescribeContributorInsights",
    "DescribeEndpoints", "DescribeExport", "DescribeGlobalTable", "DescribeGlobalTableSettings",
    "DescribeImport", "DescribeKinesisStreamingDestination", "DescribeLimits", "DescribeTable",
    "DescribeTableReplicaAutoScaling", "DescribeTimeToLive", "GetItem", "GetResourcePolicy",
    "ListBackups", "ListContributorInsights", "ListExports", "ListGlobalTables", "ListImports",
    "ListTables", "ListTagsOfResource", "Query", "Scan", "TransactGetItems",
})


def request_may_write(service: str | None, operation: str | None, method: str) -> bool:
    """Whether an AWS request may have changed a DynamoDB table: anything but a read.

    GET and HEAD requests read (REST services); DynamoDB's reads are :data:`DYNAMODB_READS`.
    Every other request counts as a write, whatever the service: the Resource Groups Tagging
    API tags tables, PartiQL statements name their tables in text, a table name may be an ARN.
    Counting too many only costs a copy.
    """
    if method in ("GET", "HEAD"):
        return False
    return not (service == "dynamodb" and operation in DYNAMODB_READS)


def note_write() -> None:
    """A request that may have changed a table was answered: later backups copy tables afresh."""
    global WRITES
    WRITES += 1


def frozen_copy(table: Any) -> tuple[Any, int]:
    """A deep copy of ``table`` as it is now, and the bytes of its items as DynamoDB counts them.

    The same copy is handed to every backup taken while no request may have changed a table
    (:func:`note_write`); callers never modify it.
    """
    cached = _FROZEN.get(table)
    if cached is not None and cached[0] == WRITES:
        return cached[1], cached[2]
    frozen = copy.deepcopy(table)
    size = sum(item.size() for item in frozen.all_items())
    _FROZEN[table] = (WRITES, frozen, size)
    return frozen, size


def take_snapshot(ddb_backend: Any, table: Any, name: str, available_at: datetime) -> Any:
    """Copy ``table`` now, as the DynamoDB backup an AWS Backup job makes (not yet registered)."""
    return Backup(
        ddb_backend.account_id,
        ddb_backend.region_name,
        name,
        table,
        type_="AWS_BACKUP",
        available_at=available_at,
    )


def register_snapshot(ddb_backend: Any, snapshot: Any) -> None:
    """Make the snapshot a DynamoDB backup (ListBackups / DescribeBackup / RestoreTableFromBackup)."""
    ddb_backend.backups[snapshot.arn] = snapshot


def unregister_snapshot(ddb_backend: Any, snapshot: Any) -> None:
    """Delete the DynamoDB backup behind a recovery point (no error if already gone)."""
    ddb_backend.backups.pop(snapshot.arn, None)


# --------------------------------------------------------------------------- #
# Restored tables
# --------------------------------------------------------------------------- #


class RestoredTableExtension(RestoredTable):
    """A table restored from a backup, as DynamoDB restores one.

    Kept from the source (as at backup time): key schema, attribute definitions,
    indexes, billing mode, provisioned throughput, items. Encryption is the
    source's unless ``sse_specification`` overrides it. Not restored: tags
    (unless ``tags`` is given, as AWS Backup's CopySourceTagsToRestoredResource
    does), streams, TTL, deletion protection.
    """

    def __init__(
        self,
        name: str,
        account_id: str,
        region: str,
        backup: Any,
        source_backup_arn: str | None = None,
        sse_specification: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
        ready_at: datetime | None = None,
    ):
        moto(RestoredTable, self).__init__(name, account_id=account_id, region=region, backup=backup)
        source = backup.table
        self.billing_mode = source.billing_mode
        if sse_specification is None:
            sse_specification = copy.deepcopy(getattr(source, "sse_specification", None))
        self.sse_specification = sse_specification
        self.tags = copy.deepcopy(tags) if tags else []
        if source_backup_arn:
            self.source_backup_arn = source_backup_arn
        self.ready_at = ready_at

    @property
    def restore_in_progress(self) -> bool:
        return bool(self.ready_at and utcnow() < self.ready_at)

    def describe(self, base_key: str = "TableDescription") -> dict[str, Any]:
        result = moto(RestoredTable, self).describe(base_key=base_key)
        description = result[base_key]
        if self.restore_in_progress:
            description["TableStatus"] = "CREATING"
            description["RestoreSummary"]["RestoreInProgress"] = True
        if self.billing_mode == "PAY_PER_REQUEST":
            description["BillingModeSummary"] = {
                "BillingMode": "PAY_PER_REQUEST",
                "LastUpdateToPayPerRequestDateTime": self.created_at,
            }
        return result


class RestoredPITTableExtension(RestoredPITTable):
    """A point-in-time restore: billing mode and encryption come from the source table, as in AWS.

    ``items`` (moto's layout, owned by the new table) and ``restore_time`` are the state and the
    instant ``dynamodb_pitr`` restores; without them the table holds the source's items now
    (moto's behaviour).
    """

    def __init__(self, name: str, account_id: str, region: str, source: Any,
                 items: Any = None, restore_time: datetime | None = None):
        if items is None:
            moto(RestoredPITTable, self).__init__(name, account_id=account_id, region=region, source=source)
        else:  # moto's __init__, without its deep copy of the source's current items
            Table.__init__(self, name, account_id=account_id, region=region,
                           **self._parse_params_from_table(source))
            self.indexes = copy.deepcopy(source.indexes)
            self.global_indexes = copy.deepcopy(source.global_indexes)
            self.items = items
            self.source_table_arn = source.table_arn
            self.restore_date_time = restore_time or self.created_at
        self.billing_mode = source.billing_mode
        self.sse_specification = copy.deepcopy(getattr(source, "sse_specification", None))


def restore_snapshot(
    ddb_backend: Any,
    target_table_name: str,
    snapshot: Any,
    source_backup_arn: str,
    sse_specification: dict[str, Any] | None,
    tags: list[dict[str, str]] | None,
    ready_at: datetime,
) -> Any:
    """Create ``target_table_name`` holding exactly the snapshot's items.

    Raises moto's TableAlreadyExistsException ("Table already exists: NAME") when
    a table of that name exists, as DynamoDB's restore does.
    """
    from moto.dynamodb.exceptions import TableAlreadyExistsException

    if target_table_name in ddb_backend.tables:
        raise TableAlreadyExistsException(target_table_name)
    table = RestoredTable(
        target_table_name,
        account_id=ddb_backend.account_id,
        region=ddb_backend.region_name,
        backup=snapshot,
        source_backup_arn=source_backup_arn,
        sse_specification=sse_specification,
        tags=tags,
        ready_at=ready_at,
    )
    ddb_backend.tables[target_table_name] = table
    return table


# --------------------------------------------------------------------------- #
# Responses
# --------------------------------------------------------------------------- #


def _epoch(value: Any) -> float | None:
    """A request timestamp (parsed datetime or epoch number) as epoch seconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return float(value)


#: DeleteBackup's answer for a backup AWS Backup made: it is deleted through AWS Backup
#: (DeleteRecoveryPoint or the rule's lifecycle), never through DynamoDB.
AWS_BACKUP_DELETE_MESSAGE = (
    "Backup {arn} was created by AWS Backup and can only be deleted through AWS Backup "
    "(DeleteRecoveryPoint)."
)


# CreateTable's TableName as AWS constrains it (3-255 of [a-zA-Z0-9_.-]).
TABLE_NAME_PATTERN = re.compile(r"[a-zA-Z0-9_.-]+")


def table_name_errors(name: Any) -> list[str]:
    """AWS's validation messages for a CreateTable TableName (empty when AWS takes it)."""
    text = str(name)
    errors = []
    if len(text) < 3:
        errors.append(f"Value '{text}' at 'tableName' failed to satisfy constraint: "
                      "Member must have length greater than or equal to 3")
    if len(text) > 255:
        errors.append(f"Value '{text}' at 'tableName' failed to satisfy constraint: "
                      "Member must have length less than or equal to 255")
    if not TABLE_NAME_PATTERN.fullmatch(text):
        errors.append(f"Value '{text}' at 'tableName' failed to satisfy constraint: "
                      "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    return errors


class DynamoHandlerExtension(DynamoHandler):
    """DynamoDB requests: ListBackups filters and pages as AWS does, DeleteBackup refuses AWS Backup's
    backups, CreateTable refuses a name AWS refuses."""

    def list_backups(self) -> Any:
        """ListBackups with AWS's BackupType filter (default USER), time range and paging."""
        from moto.dynamodb.exceptions import MockValidationException
        from moto.dynamodb.responses import DynamoResult

        body = self.body
        backup_type = body.get("BackupType") or "USER"
        if backup_type not in BACKUP_TYPE_FILTER:
            raise MockValidationException(
                f"1 validation error detected: Value '{backup_type}' at 'backupType' failed to satisfy "
                "constraint: Member must satisfy enum value set: [USER, SYSTEM, AWS_BACKUP, ALL]"
            )
        wanted = BACKUP_TYPE_FILTER[backup_type]
        lower = _epoch(body.get("TimeRangeLowerBound"))
        upper = _epoch(body.get("TimeRangeUpperBound"))
        backups = []
        for backup in self.dynamodb_backend.list_backups(body.get("TableName")):
            created = unix_time(backup.creation_date_time)
            if backup.type not in wanted:
                continue
            if lower is not None and created < lower:
                continue
            if upper is not None and created >= upper:
                continue
            backups.append(backup)
        start = 0
        exclusive_start = body.get("ExclusiveStartBackupArn")
        if exclusive_start:
            arns = [backup.arn for backup in backups]
            start = arns.index(exclusive_start) + 1 if exclusive_start in arns else len(backups)
        limit = body.get("Limit")
        page = backups[start : start + int(limit)] if limit else backups[start:]
        response: dict[str, Any] = {"BackupSummaries": [backup.summary for backup in page]}
        if limit and start + int(limit) < len(backups):
            response["LastEvaluatedBackupArn"] = page[-1].arn
        return DynamoResult(response)

    def delete_backup(self) -> Any:
        """DeleteBackup refuses a backup AWS Backup manages (BackupType AWS_BACKUP), as AWS does."""
        from moto.dynamodb.exceptions import MockValidationException

        arn = self.body.get("BackupArn")
        backup = self.dynamodb_backend.backups.get(arn) if arn else None
        if backup is not None and getattr(backup, "type", None) == "AWS_BACKUP":
            raise MockValidationException(AWS_BACKUP_DELETE_MESSAGE.format(arn=arn))
        return moto(DynamoHandler, self).delete_backup()

    def create_table(self) -> Any:
        from moto.dynamodb.exceptions import MockValidationException

        errors = table_name_errors(self.body.get("TableName", ""))
        if errors:
            count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: "
            raise MockValidationException(count + "; ".join(errors))
        return moto(DynamoHandler, self).create_table()


class TagBackendExtension(DynamoDBBackend):
    """TagResource replaces the value of a key the table has already, as AWS does (moto appended a
    second tag of the same key)."""

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        for table in self.tables.values():
            if table.table_arn == arn:
                table.tags = [tag for tag in table.tags if tag["Key"] not in tags] + [
                    {"Key": key, "Value": value} for key, value in tags.items()]


def install() -> None:
    """Extend moto's DynamoDB models and request handler (idempotent)."""
    extend(DynamoDBBackend, TagBackendExtension)
    extend(Item, ItemExtension)
    extend(Table, TableExtension)
    extend(Backup, BackupExtension)
    extend(RestoredTable, RestoredTableExtension)
    extend(RestoredPITTable, RestoredPITTableExtension)
    extend(DynamoHandler, DynamoHandlerExtension)
