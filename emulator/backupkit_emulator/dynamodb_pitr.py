"""DynamoDB point-in-time recovery (PITR) on the virtual clock.

moto 5.2.5's RestoreTableToPointInTime ignores the requested time (it copies the table as it
is now) and DescribeContinuousBackups reports the instant PITR was turned on as both the
earliest and the latest restorable time. Here, as on AWS:

- UpdateContinuousBackups with ``PointInTimeRecoveryEnabled`` true starts a history of the
  table's items on the emulator's clock; ``RecoveryPeriodInDays`` (1-35, default 35) is how
  far back it reaches. Turning PITR off drops the history (turning it on again starts anew).
- DescribeContinuousBackups reports ``EarliestRestorableDateTime`` (when PITR was turned on,
  or now minus the recovery period once that is later) and ``LatestRestorableDateTime``
  (now minus 5 minutes, as AWS documents "typically", never before the earliest), and the
  ``RecoveryPeriodInDays``.
- RestoreTableToPointInTime (``RestoreDateTime`` or ``UseLatestRestorableTime``, source by
  ``SourceTableName`` or ``SourceTableArn``) creates the target table holding the items as
  they were at that instant, with the source's key schema, indexes, billing mode and
  encryption (``RestoreSummary.RestoreDateTime`` is that instant). A time outside the
  restorable window answers ``InvalidRestoreTimeException``; a table without PITR
  ``PointInTimeRecoveryUnavailableException`` ("Point in time recovery is not enabled for
  table 'NAME'", moto's wording); a missing source ``SourceTableNotFoundException``; a target
  that exists ``TableAlreadyExistsException``.

How, cheaply: a history is the table's items when PITR was turned on (references to moto's
``Item`` objects, no copy) plus a log of ``(time, key, item or None)``, one entry per PutItem,
UpdateItem, DeleteItem, BatchWriteItem request, transaction or PartiQL write, in time order
(a TransactWriteItems that fails takes back what it logged: moto then puts back a copy of the
table, and the history moves to the copy).
moto replaces an item on a put (a new ``Item``) and changes it in place only in UpdateItem;
UpdateItem on a table with a history first swaps a copy of the item into the table, so an
object the history holds never changes afterwards. The state at T is the base plus the log
entries up to T; entries older than the recovery period are folded into the base as they
age out (on each write and each read of the history), so memory follows the writes inside
the period. Tables without PITR pay one dictionary lookup per write.
"""

from __future__ import annotations

import copy
import weakref
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from moto.core.utils import unix_time, utcnow
from moto.dynamodb.exceptions import (
    MockValidationException,
    PointInTimeRecoveryUnavailable,
    SourceTableNotFoundException,
    TableAlreadyExistsException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import RestoredPITTable, Table
from moto.dynamodb.responses import DynamoHandler
from moto.core.exceptions import JsonRESTError

from .extend import extend, moto

__all__ = ["PitrHistory", "history_of", "install"]

#: DynamoDB: "LatestRestorableDateTime is typically 5 minutes before the current time."
LATEST_LAG = timedelta(minutes=5)
DEFAULT_RECOVERY_PERIOD_DAYS = 35
MIN_RECOVERY_PERIOD_DAYS = 1
MAX_RECOVERY_PERIOD_DAYS = 35

Key = tuple[Any, Any]


class InvalidRestoreTimeException(JsonRESTError):
    """DynamoDB's error for a RestoreDateTime outside the restorable window (wording: the emulator's)."""

    def __init__(self, message: str):
        super().__init__("com.amazonaws.dynamodb.v20120810#InvalidRestoreTimeException", message)


class PitrHistory:
    """The items of one table as they were at any instant since ``base_time``."""

    __slots__ = ("base_time", "base", "log", "period_days", "recorded")

    def __init__(self, table: Any, now: datetime, period_days: int):
        self.base_time = now
        self.base: dict[Key, Any] = dict(_items(table))
        self.log: deque[tuple[datetime, Key, Any]] = deque()
        self.period_days = period_days
        #: entries ever logged (a failed transaction takes back what it logged)
        self.recorded = 0

    def record(self, when: datetime, key: Key, item: Any) -> None:
        """An item was written (``item``) or deleted (None) at ``when``."""
        self.log.append((when, key, item))
        self.recorded += 1
        self.prune(when)

    def take_back(self, recorded_before: int) -> None:
        """Forget the entries logged since ``recorded`` was ``recorded_before`` (the newest ones)."""
        while self.recorded > recorded_before and self.log:
            self.log.pop()
            self.recorded -= 1

    def prune(self, now: datetime) -> None:
        """Fold what is older than the recovery period into the base."""
        cutoff = now - timedelta(days=self.period_days)
        if self.base_time >= cutoff:
            return
        log, base = self.log, self.base
        while log and log[0][0] <= cutoff:
            _, key, item = log.popleft()
            if item is None:
                base.pop(key, None)
            else:
                base[key] = item
        self.base_time = cutoff

    def earliest(self, now: datetime) -> datetime:
        self.prune(now)
        return self.base_time

    def latest(self, now: datetime) -> datetime:
        return max(self.earliest(now), now - LATEST_LAG)

    def state_at(self, when: datetime) -> dict[Key, Any]:
        """The items (moto Items, shared: copy before use) as they were at ``when``."""
        state = dict(self.base)
        for moment, key, item in self.log:
            if moment > when:
                break
            if item is None:
                state.pop(key, None)
            else:
                state[key] = item
        return state


# table -> its history; weak, so a deleted table's history goes with it (never deep-copied with it)
_HISTORIES: "weakref.WeakKeyDictionary[Any, PitrHistory]" = weakref.WeakKeyDictionary()


def history_of(table: Any) -> PitrHistory | None:
    return _HISTORIES.get(table)


def _items(table: Any) -> Iterator[tuple[Key, Any]]:
    """(key, item) of every item, keys as (hash, range or None)."""
    if table.range_key_attr is not None:
        for hash_value, by_range in table.items.items():
            for range_value, item in by_range.items():
                yield (hash_value, range_value), item
    else:
        for hash_value, item in table.items.items():
            yield (hash_value, None), item


def _ms(moment: datetime) -> datetime:
    """``moment`` at the millisecond precision DynamoDB reports times with (rounded down)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _key_of(item: Any) -> Key:
    return item.hash_key, item.range_key


def _as_datetime(value: Any) -> datetime:
    """A request's timestamp (epoch number or ISO text, as botocore sends it) as naive UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc).replace(tzinfo=None)
        except (TypeError, ValueError):
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


# --------------------------------------------------------------------------- #
# Recording writes
# --------------------------------------------------------------------------- #


class PitrTableExtension(Table):
    """PutItem and DeleteItem (every write path ends in one of them, or in UpdateItem) are logged."""

    def put_item(self, *args: Any, **kwargs: Any) -> Any:
        item = moto(Table, self).put_item(*args, **kwargs)
        history = _HISTORIES.get(self)
        if history is not None:
            history.record(utcnow(), _key_of(item), item)
        return item

    def delete_item(self, hash_key: Any, range_key: Any) -> Any:
        item = moto(Table, self).delete_item(hash_key, range_key)
        if item is not None:
            history = _HISTORIES.get(self)
            if history is not None:
                history.record(utcnow(), _key_of(item), None)
        return item


class PitrBackendExtension(DynamoDBBackend):
    """UpdateItem keeps the history's items unchanged; PITR settings, description and restore."""

    def update_item(self, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(table_name)
        history = _HISTORIES.get(table)
        if history is not None:
            _detach(self, table, key)
        item = moto(DynamoDBBackend, self).update_item(table_name, key, *args, **kwargs)
        if history is not None and item is not None:
            history.record(utcnow(), _key_of(item), item)
        return item

    def transact_write_items(self, transact_items: list[dict[str, Any]]) -> None:
        """moto's, which on failure puts back a deep copy of each table it touched: the history moves
        to the copy and forgets what the failed transaction logged."""
        tables = dict(self.tables)
        marks = {table: history.recorded for table in tables.values()
                 if (history := _HISTORIES.get(table)) is not None}
        try:
            moto(DynamoDBBackend, self).transact_write_items(transact_items)
        except Exception:
            for name, old in tables.items():
                history = _HISTORIES.get(old)
                if history is None:
                    continue
                history.take_back(marks[old])
                new = self.tables.get(name)
                if new is not None and new is not old:
                    _HISTORIES[new] = _HISTORIES.pop(old)
            raise

    def update_continuous_backups(self, table_name: str, point_in_time_spec: dict[str, Any]) -> dict[str, Any]:
        period = point_in_time_spec.get("RecoveryPeriodInDays")
        if period is not None and (isinstance(period, bool) or not isinstance(period, int)
                                   or not MIN_RECOVERY_PERIOD_DAYS <= period <= MAX_RECOVERY_PERIOD_DAYS):
            raise MockValidationException(
                f"1 validation error detected: Value '{period}' at "
                "'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: "
                f"Member must have value between {MIN_RECOVERY_PERIOD_DAYS} and {MAX_RECOVERY_PERIOD_DAYS}"
            )
        moto(DynamoDBBackend, self).update_continuous_backups(table_name, point_in_time_spec)
        table = self.get_table(table_name)
        description = table.continuous_backups["PointInTimeRecoveryDescription"]
        if description.get("PointInTimeRecoveryStatus") == "ENABLED":
            days = int(description.get("RecoveryPeriodInDays") or DEFAULT_RECOVERY_PERIOD_DAYS)
            history = _HISTORIES.get(table)
            if history is None:
                _HISTORIES[table] = PitrHistory(table, utcnow(), days)
            else:
                history.period_days = days
        else:
            _HISTORIES.pop(table, None)
        return self.describe_continuous_backups(table_name)

    def describe_continuous_backups(self, table_name: str) -> dict[str, Any]:
        result = moto(DynamoDBBackend, self).describe_continuous_backups(table_name)
        table = self.get_table(table_name)
        history = _HISTORIES.get(table)
        if history is None:
            return result
        now = utcnow()
        result = copy.deepcopy(result)
        result["PointInTimeRecoveryDescription"].update(
            EarliestRestorableDateTime=unix_time(history.earliest(now)),
            LatestRestorableDateTime=unix_time(history.latest(now)),
            RecoveryPeriodInDays=history.period_days,
        )
        return result

    def restore_table_to_point_in_time_at(
        self,
        target_table_name: str,
        source_table_name: str | None,
        source_table_arn: str | None,
        restore_date_time: Any,
        use_latest: bool,
        billing_mode_override: str | None = None,
    ) -> Any:
        """RestoreTableToPointInTime as AWS does it (see the module's description)."""
        source = _source_table(self, source_table_name, source_table_arn)
        if target_table_name in self.tables:
            raise TableAlreadyExistsException(target_table_name)
        history = _HISTORIES.get(source)
        if history is None:
            raise PointInTimeRecoveryUnavailable(source.name)
        if use_latest and restore_date_time is not None:
            raise MockValidationException(
                "Only one of RestoreDateTime or UseLatestRestorableTime can be specified"
            )
        if not use_latest and restore_date_time is None:
            raise MockValidationException(
                "Either RestoreDateTime or UseLatestRestorableTime must be specified"
            )
        now = utcnow()
        earliest, latest = _ms(history.earliest(now)), history.latest(now)
        when = latest if use_latest else _as_datetime(restore_date_time)
        if not earliest <= when <= latest:
            raise InvalidRestoreTimeException(
                f"Invalid restore time: {when.isoformat()}Z is outside the restorable window of table "
                f"{source.name} ({earliest.isoformat()}Z to {latest.isoformat()}Z)"
            )
        table = RestoredPITTable(
            target_table_name, account_id=self.account_id, region=self.region_name, source=source,
            items=_unflatten(source, history.state_at(when)), restore_time=when,
        )
        if billing_mode_override in ("PROVISIONED", "PAY_PER_REQUEST"):
            table.billing_mode = billing_mode_override
        self.tables[target_table_name] = table
        return table


def _detach(backend: Any, table: Any, key: dict[str, Any]) -> None:
    """Put a copy of the item in the table before UpdateItem changes it in place (the history keeps
    the object it holds); nothing when the key is malformed (moto then answers as it does)."""
    try:
        hash_value, range_value = backend.get_keys_value(table, key)
    except Exception:  # noqa: BLE001 - moto's own validation answers
        return
    item = table.get_item(hash_value, range_value)
    if item is None:
        return
    fresh = copy.deepcopy(item)
    if range_value is not None:
        table.items[hash_value][range_value] = fresh
    else:
        table.items[hash_value] = fresh


def _source_table(backend: Any, name: str | None, arn: str | None) -> Any:
    if arn:
        table = next((t for t in backend.tables.values() if t.table_arn == arn), None)
        if table is None:
            raise SourceTableNotFoundException(arn)
        return table
    table = backend.tables.get(name) if name else None
    if table is None:
        raise SourceTableNotFoundException(name or "")
    return table


def _unflatten(source: Any, state: dict[Key, Any]) -> Any:
    """Items in moto's table layout, each a copy (the restored table may change them)."""
    from collections import defaultdict

    if source.range_key_attr is not None:
        items: Any = defaultdict(dict)
        for (hash_value, range_value), item in state.items():
            items[hash_value][range_value] = copy.deepcopy(item)
        return items
    return {hash_value: copy.deepcopy(item) for (hash_value, _), item in state.items()}


class PitrHandlerExtension(DynamoHandler):
    """RestoreTableToPointInTime reads the whole request (moto reads only the two names)."""

    def restore_table_to_point_in_time(self) -> Any:
        from moto.dynamodb.responses import DynamoResult

        body = self.body
        table = self.dynamodb_backend.restore_table_to_point_in_time_at(
            target_table_name=body.get("TargetTableName"),
            source_table_name=body.get("SourceTableName"),
            source_table_arn=body.get("SourceTableArn"),
            restore_date_time=body.get("RestoreDateTime"),
            use_latest=bool(body.get("UseLatestRestorableTime")),
            billing_mode_override=body.get("BillingModeOverride"),
        )
        return DynamoResult(table.describe())


def install() -> None:
    """Extend moto's DynamoDB table, backend and handler (idempotent); the restored table's items are
    ``dynamodb.RestoredPITTableExtension``'s."""
    extend(Table, PitrTableExtension)
    extend(DynamoDBBackend, PitrBackendExtension)
    extend(DynamoHandler, PitrHandlerExtension)
