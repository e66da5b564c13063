# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine of backupkit.dynamodb.ddb_pitr_restore (private): DynamoDB point-in-time recovery into a
new table, never over an existing one.

The options are checked first (:class:`Request`), then the target is described: one restored from
the same source (at the same instant, when one was asked for) is left as it is (waited for while
it is being created); any other table of that name fails the task before anything is started.
Then the source and its restorable window are read, the restore is started, and the new table is
waited for. The AWS calls are ``_dynamodb``'s; the wait is ``_backup_restore``'s.
"""

from __future__ import annotations

import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import RestoreJobError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import TABLE_NAME
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import normalise_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import restore_in_progress
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import wait_for_table_active
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_continuous_backups
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import restore_table_to_point_in_time
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import table_name_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time

LATEST = "latest"


class Request(object):
    """The options, checked before any AWS call (ValueError names the option at fault)."""

    def __init__(self, params):
        self.source = params["source_table"]
        self.target = params["target_table_name"]
        self.wait = params.get("wait")
        self.wait_timeout = params.get("wait_timeout")
        choice = (params.get("restore_date_time") or LATEST).strip()
        self.at = None if choice.lower() == LATEST else parse_time(choice, "restore_date_time")
        if self.source.startswith("arn:"):
            parsed = parse_aws_arn(self.source) or {}
            if parsed.get("service") != "dynamodb" or not re.match(r"^table/[^/]+$", parsed.get("resource") or ""):
                raise ValueError(f"source_table: {self.source!r} is not a DynamoDB table name or table ARN")
        elif not TABLE_NAME.match(self.source):
            raise ValueError(f"source_table: {self.source!r} is not a DynamoDB table name "
                             "(3 to 255 letters, digits, '_', '-' and '.')")
        if not TABLE_NAME.match(self.target):
            raise ValueError(f"target_table_name: {self.target!r} is not a DynamoDB table name "
                             "(3 to 255 letters, digits, '_', '-' and '.')")
        if table_name_of(self.source) == self.target and not self.source.startswith("arn:"):
            raise ValueError("target_table_name must differ from source_table: a point-in-time restore creates a new table")
        if self.wait_timeout is not None and self.wait_timeout < 0:
            raise ValueError("wait_timeout must not be negative")


def _same_instant(a, b):
    """Two instants the same to the second (DynamoDB keeps RestoreDateTime to the second or finer)."""
    a, b = parse_time(a), parse_time(b)
    return a is not None and b is not None and abs((a - b).total_seconds()) < 1


class PitrRestorer(object):

    def __init__(self, module, request):
        self.module = module
        self.request = request
        self.ddb = module.client("dynamodb")
        self.ctx = CallerContext(module)

    def fail(self, msg, **extra):
        self.module.fail_json(msg=msg, **extra)

    def run(self):
        request = self.request
        source_arn = self.ctx.table_arn(request.source)
        when = iso(request.at) if request.at else "the latest restorable time"
        about = f"table {table_name_of(source_arn)} as it was at {when}"
        result = dict(source_table_arn=source_arn, restore_date_time=iso(request.at), table=None)

        target = describe_table(self.ddb, request.target)
        if target is not None:
            return self.existing(target, source_arn, about, result)

        source = describe_table(self.ddb, request.source)
        if source is None:
            self.fail(f"source_table: table {request.source} does not exist (in {self.module.region})", **result)
        result["source_table_arn"] = source_arn = source.get("TableArn") or source_arn
        backups = describe_continuous_backups(self.ddb, request.source) or {}
        pitr = backups.get("PointInTimeRecoveryDescription") or {}
        if pitr.get("PointInTimeRecoveryStatus") != "ENABLED":
            self.fail(f"source_table: point-in-time recovery is not enabled on table {table_name_of(source_arn)} "
                      "(turn it on with backupkit.dynamodb.ddb_table_protection); nothing can be restored", **result)
        earliest = parse_time(pitr.get("EarliestRestorableDateTime"))
        latest = parse_time(pitr.get("LatestRestorableDateTime"))
        result.update(earliest_restorable_date_time=iso(earliest), latest_restorable_date_time=iso(latest))
        if request.at is not None and earliest is not None and latest is not None and not earliest <= request.at <= latest:
            self.fail(f"restore_date_time {iso(request.at)} is outside the restorable window of table "
                      f"{table_name_of(source_arn)} ({iso(earliest)} to {iso(latest)})", **result)
        if self.module.check_mode:
            return dict(result, changed=True, msg=f"Would restore {about} into new table {request.target}")

        params = dict(TargetTableName=request.target)
        if request.source.startswith("arn:"):
            params["SourceTableArn"] = request.source
        else:
            params["SourceTableName"] = request.source
        if request.at is None:
            params["UseLatestRestorableTime"] = True
        else:
            params["RestoreDateTime"] = request.at
        table = restore_table_to_point_in_time(self.ddb, **params)
        if request.wait:
            table = self.wait_active(about)
            msg = f"Restored {about} into new table {request.target}"
        else:
            msg = f"Started restoring {about} into new table {request.target}"
        summary = table.get("RestoreSummary") or {}
        result["restore_date_time"] = iso(summary.get("RestoreDateTime")) or result["restore_date_time"]
        return dict(result, changed=True, msg=msg, table=normalise_table(table))

    def existing(self, table, source_arn, about, result):
        """The target exists: not changed when it was restored from the source (at the instant asked for);
        a failure, before anything is started, otherwise."""
        request = self.request
        summary = table.get("RestoreSummary") or {}
        restored_from = summary.get("SourceTableArn")
        if restored_from != source_arn:
            origin = f"it was restored from {restored_from}" if restored_from else (
                f"it was restored from backup {summary['SourceBackupArn']}" if summary.get("SourceBackupArn")
                else "it was not restored from anything")
            self.fail(f"Table {request.target} already exists and {origin}, not from table {source_arn}; it is left "
                      "untouched. Choose another target_table_name, or delete the table first.",
                      **dict(result, table=normalise_table(table)))
        if request.at is not None and not _same_instant(summary.get("RestoreDateTime"), request.at):
            self.fail(f"Table {request.target} already exists, restored from table {source_arn} as it was at "
                      f"{iso(parse_time(summary.get('RestoreDateTime')))}, not at restore_date_time {iso(request.at)}; "
                      "it is left untouched. Choose another target_table_name, or delete the table first.",
                      **dict(result, table=normalise_table(table)))
        result["restore_date_time"] = iso(parse_time(summary.get("RestoreDateTime")))
        if restore_in_progress(table) and request.wait and not self.module.check_mode:
            table = self.wait_active(about)
            msg = f"Waited for table {request.target}, being restored from {about}"
        elif restore_in_progress(table):
            msg = f"Table {request.target} is being restored from {about}"
        else:
            msg = f"Table {request.target} was already restored from table {table_name_of(source_arn)}"
        return dict(result, changed=False, msg=msg, table=normalise_table(table))

    def wait_active(self, about):
        deadline = time.monotonic() + self.request.wait_timeout
        table, ready = wait_for_table_active(self.ddb, self.request.target, deadline)
        if not ready:
            state = "does not exist" if table is None else f"is {table.get('TableStatus')}"
            raise RestoreJobError(
                message=(f"Timed out after {self.request.wait_timeout} seconds waiting for table {self.request.target}, "
                         f"restored from {about}: it {state}. The restore goes on in DynamoDB; run the task again to "
                         "wait for it without starting another."),
                table=normalise_table(table),
            )
        return table
