# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DynamoDB's own protection of a table (point-in-time recovery, deletion protection): the engine
of backupkit.dynamodb.ddb_table_protection (private).

The AWS calls are ``_dynamodb``'s. :func:`settings_of` renders both sides of the diff, so
``before`` and ``after`` have the same keys by construction.
"""

from __future__ import annotations

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_continuous_backups
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import update_continuous_backups
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import update_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso

# DynamoDB's limits of RecoveryPeriodInDays, and its default
RECOVERY_PERIOD_MIN = 1
RECOVERY_PERIOD_MAX = 35
RECOVERY_PERIOD_DEFAULT = 35


# ---------------------------------------------------------------------------
# Pure
# ---------------------------------------------------------------------------


def input_problems(params):
    """Everything wrong with ddb_table_protection's options that can be found without AWS."""
    problems = []
    period = params.get("recovery_period_days")
    if period is not None:
        if not RECOVERY_PERIOD_MIN <= period <= RECOVERY_PERIOD_MAX:
            problems.append(
                f"recovery_period_days must be from {RECOVERY_PERIOD_MIN} to {RECOVERY_PERIOD_MAX}, got {period}"
            )
        if params.get("point_in_time_recovery") is False:
            problems.append("recovery_period_days needs point_in_time_recovery=true; it was given with point_in_time_recovery=false")
    if not params["name"].strip():
        problems.append("name must name a DynamoDB table")
    return problems


def settings_of(table, continuous_backups):
    """The managed settings of a table: ``{point_in_time_recovery, recovery_period_days, deletion_protection}``."""
    pitr = (continuous_backups or {}).get("PointInTimeRecoveryDescription") or {}
    enabled = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
    return {
        "point_in_time_recovery": enabled,
        "recovery_period_days": (pitr.get("RecoveryPeriodInDays") or RECOVERY_PERIOD_DEFAULT) if enabled else None,
        "deletion_protection": bool((table or {}).get("DeletionProtectionEnabled")),
    }


def desired_settings(current, point_in_time_recovery=None, recovery_period_days=None, deletion_protection=None):
    """The settings after the module's run: the current ones with each option that is set applied."""
    desired = dict(current)
    if point_in_time_recovery is not None:
        desired["point_in_time_recovery"] = point_in_time_recovery
    if desired["point_in_time_recovery"]:
        desired["recovery_period_days"] = (
            recovery_period_days or current.get("recovery_period_days") or RECOVERY_PERIOD_DEFAULT
        )
    else:
        desired["recovery_period_days"] = None
    if deletion_protection is not None:
        desired["deletion_protection"] = deletion_protection
    return desired


def pitr_specification(current, desired):
    """UpdateContinuousBackups' PointInTimeRecoverySpecification that turns ``current`` into ``desired``,
    or None when point-in-time recovery needs no change."""
    if (current["point_in_time_recovery"], current["recovery_period_days"]) == (
        desired["point_in_time_recovery"], desired["recovery_period_days"]
    ):
        return None
    specification = {"PointInTimeRecoveryEnabled": desired["point_in_time_recovery"]}
    if desired["point_in_time_recovery"]:
        specification["RecoveryPeriodInDays"] = desired["recovery_period_days"]
    return specification


def result_of(table, settings, continuous_backups):
    """The table_protection the module returns: the settings, the table's name and ARN, and the
    restorable window (None while point-in-time recovery is off, or in check mode before it is on)."""
    pitr = (continuous_backups or {}).get("PointInTimeRecoveryDescription") or {}
    enabled = settings["point_in_time_recovery"] and pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
    result = dict(settings)
    result.update(
        table_name=table.get("TableName"),
        table_arn=table.get("TableArn"),
        earliest_restorable_date_time=iso(pitr.get("EarliestRestorableDateTime")) if enabled else None,
        latest_restorable_date_time=iso(pitr.get("LatestRestorableDateTime")) if enabled else None,
    )
    return result


# ---------------------------------------------------------------------------
# The engine of ddb_table_protection
# ---------------------------------------------------------------------------


def ensure(module):
    params = module.params
    client = module.client("dynamodb")
    name = params["name"]

    table = describe_table(client, name)
    if table is None:
        module.fail_json(msg=f"name: DynamoDB table {name} does not exist in Region {module.region}")
    backups = describe_continuous_backups(client, name)
    current = settings_of(table, backups)
    if params.get("recovery_period_days") is not None and params.get("point_in_time_recovery") is None \
            and not current["point_in_time_recovery"]:
        module.fail_json(
            msg=(
                f"recovery_period_days applies while point-in-time recovery is on, and it is off for table {name}; "
                "set point_in_time_recovery=true as well"
            )
        )
    desired = desired_settings(current, params.get("point_in_time_recovery"), params.get("recovery_period_days"),
                               params.get("deletion_protection"))
    specification = pitr_specification(current, desired)
    protect = desired["deletion_protection"] != current["deletion_protection"]

    if module.check_mode or desired == current:
        return changed_result(current, desired, module._diff, table_protection=result_of(table, desired, backups))

    if protect:
        table = update_table(client, name, DeletionProtectionEnabled=desired["deletion_protection"])
        module.log(f"deletion protection of table {name}: {desired['deletion_protection']}")
    if specification is not None:
        update_continuous_backups(client, name, specification)
        module.log(f"point-in-time recovery of table {name}: {specification}")

    table = describe_table(client, name) or table
    backups = describe_continuous_backups(client, name)
    after = settings_of(table, backups)
    return changed_result(current, after, module._diff, table_protection=result_of(table, after, backups))
