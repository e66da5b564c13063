# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The protection report's reading and judging (private).

The AWS calls are ``_backup``'s and ``_dynamodb``'s (list calls paged in full);
:class:`ProtectionReader` makes them once per account and region. The rest are pure functions,
unit-tested without AWS: how AWS Backup's selections choose resources
  (:func:`selection_covers`), how often a cron or rate expression fires
  (:func:`schedule_interval_hours`), whether a vault access policy denies
  ``backup:DeleteRecoveryPoint`` (:func:`policy_denies_delete`), and the controls, modelled
  on AWS Backup Audit Manager's (:func:`evaluate_controls`).
"""

from __future__ import annotations

import calendar
import copy
import datetime
import fnmatch
import json
import math
import re

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_region_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_plans
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_selections
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_vaults
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_recovery_points_by_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_restore_jobs
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_continuous_backups
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import list_tables
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import list_tags_of_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time

RESOURCE_TYPE = "DynamoDB"
FAILED_JOB_STATES = ("FAILED", "ABORTED", "EXPIRED", "PARTIAL")
COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
NOT_APPLICABLE = "NOT_APPLICABLE"
# the summary counts the failed jobs of the last 7 days
SUMMARY_DAYS = 7


def hours_between(earlier, later):
    return round((later - earlier).total_seconds() / 3600.0, 2)


# -- selections -------------------------------------------------------------------------------

def arn_pattern_matches(pattern, arn):
    """AWS Backup's resource ARN patterns: ``*`` matches any run of characters, nothing else is special."""
    if pattern == "*":
        return True
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, arn) is not None


def _tag_key(condition_key):
    return condition_key[len("aws:ResourceTag/"):] if condition_key.startswith("aws:ResourceTag/") else condition_key


def _like(pattern, value):
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _condition_holds(operator, condition, tags):
    key = _tag_key(condition.get("ConditionKey", ""))
    expected = condition.get("ConditionValue", "")
    value = tags.get(key)
    if operator in ("StringEquals", "STRINGEQUALS"):
        return value == expected
    if operator == "StringNotEquals":
        return value != expected
    if operator == "StringLike":
        return value is not None and _like(expected, value)
    if operator == "StringNotLike":
        return value is None or not _like(expected, value)
    raise ValueError("unknown condition operator %s" % operator)


def selection_needs_tags(selection):
    conditions = selection.get("Conditions") or {}
    return bool(selection.get("ListOfTags")) or any(conditions.get(op) for op in conditions)


def selection_covers(selection, arn, tags, opted_in=True):
    """(covered, reason): whether a BackupSelection document chooses the table, as AWS Backup does.

    A resource type that is not opted in is never chosen. Then the table must be named by
    ``Resources`` (ARN patterns) or match one of ``ListOfTags`` (OR) - with neither, every
    resource is a candidate - and it must meet every one of ``Conditions`` (AND) and not be
    named by ``NotResources``.
    """
    if not opted_in:
        return False, "DynamoDB is not opted in to AWS Backup in this region"
    resources = selection.get("Resources") or []
    list_of_tags = selection.get("ListOfTags") or []
    conditions = selection.get("Conditions") or {}
    tags = tags or {}
    if resources or list_of_tags:
        by_arn = [pattern for pattern in resources if arn_pattern_matches(pattern, arn)]
        by_tag = [c for c in list_of_tags if _condition_holds(c.get("ConditionType", "STRINGEQUALS"), c, tags)]
        if not by_arn and not by_tag:
            return False, "neither Resources nor ListOfTags match"
        how = "Resources %s" % by_arn[0] if by_arn else "tag %s" % _tag_key(by_tag[0]["ConditionKey"])
    else:
        how = "every resource (no Resources or ListOfTags)"
    for operator in sorted(conditions):
        for condition in conditions.get(operator) or []:
            if not _condition_holds(operator, condition, tags):
                return False, "condition %s %s=%s does not hold" % (
                    operator, condition.get("ConditionKey"), condition.get("ConditionValue"))
    for pattern in selection.get("NotResources") or []:
        if arn_pattern_matches(pattern, arn):
            return False, "excluded by NotResources %s" % pattern
    return True, "chosen by %s" % how


# -- schedules --------------------------------------------------------------------------------

MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}
WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.I)
_CRON = re.compile(r"^cron\((.*)\)$", re.I)


def _field(text, low, high, names=None):
    """The set of values a cron field allows (``*``, ``?``, lists, ranges, steps, names)."""
    values = set()
    for part in text.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            start_text, end_text = part.split("-", 1)
            start, end = _value(start_text, names), _value(end_text, names)
        else:
            start = _value(part, names)
            end = high if step != 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ValueError("%s is out of range %d-%d" % (part, low, high))
        values.update(range(start, end + 1, step))
    return values


def _value(text, names):
    if names and text in names:
        return names[text]
    return int(text)


def _day_matcher(dom_text, dow_text):
    """A function(date) telling whether a cron's day-of-month and day-of-week fields allow the day."""
    dom_text, dow_text = dom_text.upper(), dow_text.upper()

    def dom_ok(day):
        if dom_text in ("*", "?"):
            return True
        if dom_text == "L":
            return day.day == calendar.monthrange(day.year, day.month)[1]
        if dom_text.endswith("W"):
            return day.day == int(dom_text[:-1])
        return day.day in _field(dom_text, 1, 31)

    def dow_ok(day):
        if dow_text in ("*", "?"):
            return True
        aws_weekday = (day.isoweekday() % 7) + 1  # SUN=1 ... SAT=7
        if "#" in dow_text:
            weekday_text, nth = dow_text.split("#", 1)
            return aws_weekday == _value(weekday_text, WEEKDAYS) and (day.day - 1) // 7 + 1 == int(nth)
        if dow_text.endswith("L"):
            last = calendar.monthrange(day.year, day.month)[1]
            return aws_weekday == _value(dow_text[:-1] or "7", WEEKDAYS) and day.day > last - 7
        return aws_weekday in _field(dow_text, 1, 7, WEEKDAYS)

    return lambda day: dom_ok(day) and dow_ok(day)


def schedule_runs(expression, start, days):
    """The times a cron expression fires in ``days`` days from ``start`` (UTC), in order."""
    match = _CRON.match(expression.strip())
    if not match:
        raise ValueError("not a cron() expression: %s" % expression)
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ValueError("a cron expression has 6 fields (minutes hours day-of-month month day-of-week year): %s" % expression)
    minutes = sorted(_field(fields[0], 0, 59))
    hours = sorted(_field(fields[1], 0, 23))
    months = _field(fields[3], 1, 12, MONTHS)
    years = None if fields[5] in ("*", "?") else _field(fields[5], 1970, 2199)
    day_ok = _day_matcher(fields[2], fields[4])
    runs = []
    first = start.date()
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        if day.month not in months or (years is not None and day.year not in years) or not day_ok(day):
            continue
        for hour in hours:
            for minute in minutes:
                runs.append(datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.timezone.utc))
    return runs


def schedule_interval_hours(expression, reference=None):
    """The longest time between two runs of a schedule, in hours: the frequency it guarantees.

    ``cron(...)`` (AWS Backup's six fields) is expanded over 400 days from ``reference``
    (a fixed date when not given), so monthly and yearly schedules are measured too;
    ``rate(N unit)`` is exact. None for an empty expression (the rule runs on demand only).
    """
    if not expression:
        return None
    rate = _RATE.match(expression.strip())
    if rate:
        number, unit = int(rate.group(1)), rate.group(2).lower().rstrip("s")
        return float(number) * {"minute": 1.0 / 60, "hour": 1.0, "day": 24.0}[unit]
    start = reference or datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    runs = schedule_runs(expression, start, 400)
    if len(runs) < 2:
        raise ValueError("%s runs less than twice a year" % expression)
    return round(max((b - a).total_seconds() for a, b in zip(runs, runs[1:])) / 3600.0, 2)


def frequency_words(hours):
    """A schedule's interval in words: hourly, every 12 hours, daily, weekly, monthly, every N days."""
    if hours is None:
        return "on demand only"
    if hours <= 1:
        return "hourly"
    if hours < 24:
        return "every %g hours" % hours
    if hours == 24:
        return "daily"
    if hours == 168:
        return "weekly"
    if 28 * 24 <= hours <= 31 * 24:
        return "monthly"
    return "every %g days" % round(hours / 24.0, 1)


def rule_summary(rule, vaults_by_name=None):
    """A plan rule, as the report shows it: schedule, frequency, retention, vault, copies."""
    lifecycle = rule.get("Lifecycle") or {}
    expression = rule.get("ScheduleExpression") or ""
    try:
        interval = schedule_interval_hours(expression)
        schedule_error = None
    except ValueError as e:
        interval, schedule_error = None, str(e)
    copies = []
    for action in rule.get("CopyActions") or []:
        destination = action.get("DestinationBackupVaultArn", "")
        parts = destination.split(":")
        copies.append(dict(
            destination_backup_vault_arn=destination,
            region=parts[3] if len(parts) > 5 else None,
            account_id=parts[4] if len(parts) > 5 else None,
            retention_days=(action.get("Lifecycle") or {}).get("DeleteAfterDays"),
        ))
    return dict(
        rule_name=rule.get("RuleName"),
        schedule_expression=expression or None,
        schedule_expression_timezone=rule.get("ScheduleExpressionTimezone"),
        schedule_error=schedule_error,
        interval_hours=interval,
        frequency=frequency_words(interval) if schedule_error is None else "unreadable schedule",
        retention_days=lifecycle.get("DeleteAfterDays"),
        cold_storage_after_days=lifecycle.get("MoveToColdStorageAfterDays"),
        target_backup_vault_name=rule.get("TargetBackupVaultName"),
        copy_actions=copies,
    )


# -- vaults -----------------------------------------------------------------------------------

def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _action_matches(patterns, action):
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in _as_list(patterns))


def _everyone(principal):
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _as_list(principal.get("AWS"))
    return False


def policy_denies_delete(policy):
    """Whether a vault access policy denies ``backup:DeleteRecoveryPoint`` to everyone.

    A ``Deny`` statement for every principal (``"*"`` or ``{"AWS": "*"}``) whose actions include
    DeleteRecoveryPoint (wildcards count) and whose resources are ``*`` or recovery points.
    Conditions (such as exceptions for a break-glass role) are allowed; ``NotAction`` and
    ``NotPrincipal`` statements are not counted.
    """
    if not policy:
        return False
    if isinstance(policy, str):
        policy = json.loads(policy)
    for statement in _as_list(policy.get("Statement")):
        if statement.get("Effect") != "Deny" or not _everyone(statement.get("Principal")):
            continue
        if not _action_matches(statement.get("Action"), "backup:DeleteRecoveryPoint"):
            continue
        resources = _as_list(statement.get("Resource"))
        if any(r == "*" or ":recovery-point:" in r or r.endswith(":*") for r in resources):
            return True
    return False


def vault_summary(vault, policy, now):
    """A vault as the report shows it, with its lock (None when not locked) and its deletion guard."""
    lock = None
    if vault.get("Locked") or vault.get("MinRetentionDays") is not None or vault.get("MaxRetentionDays") is not None:
        lock_date = parse_time(vault.get("LockDate"))
        if lock_date is None:
            mode = "GOVERNANCE"
        elif lock_date <= now:
            mode = "COMPLIANCE"
        else:
            mode = "COMPLIANCE_GRACE"
        lock = dict(mode=mode, min_retention_days=vault.get("MinRetentionDays"),
                    max_retention_days=vault.get("MaxRetentionDays"), lock_date=iso(lock_date))
    return dict(
        backup_vault_name=vault.get("BackupVaultName"),
        backup_vault_arn=vault.get("BackupVaultArn"),
        encryption_key_arn=vault.get("EncryptionKeyArn"),
        lock=lock,
        access_policy_denies_delete=policy_denies_delete(policy),
    )


# -- controls ---------------------------------------------------------------------------------

# Defaults modelled on AWS Backup Audit Manager's controls and their default parameters.
# None disables a control; a dict enables it with those parameters.
DEFAULT_CONTROLS = {
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN": {},
    "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK": {
        "requiredFrequencyUnit": "days", "requiredFrequencyValue": 1, "requiredRetentionDays": 35},
    "BACKUP_LAST_RECOVERY_POINT_CREATED": {"recoveryPointAgeUnit": "days", "recoveryPointAgeValue": 1},
    "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK": {"requiredRetentionDays": 35},
    "BACKUP_RECOVERY_POINT_ENCRYPTED": {},
    "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED": {},
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK": {"minRetentionDays": None, "maxRetentionDays": None},
    "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION": {"crossRegionList": []},
    "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT": {"crossAccountList": []},
    "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET": {"maxRestoreTime": None},
    "BACKUP_NO_FAILED_JOBS": {"days": 7},
    "DYNAMODB_PITR_ENABLED": {},
    "DYNAMODB_DELETION_PROTECTION_ENABLED": None,
}


def merge_controls(overrides):
    """The defaults with the user's controls on top: a dict updates a control's parameters
    (and enables it), ``false``/``None`` disables it. Unknown names or parameters raise ValueError."""
    controls = copy.deepcopy(DEFAULT_CONTROLS)
    for name, value in (overrides or {}).items():
        if name not in DEFAULT_CONTROLS:
            raise ValueError("unknown control %s; known: %s" % (name, ", ".join(sorted(DEFAULT_CONTROLS))))
        if value is None or value is False:
            controls[name] = None
            continue
        if value is True:
            value = {}
        if not isinstance(value, dict):
            raise ValueError("controls.%s must be a dictionary of parameters, true or false" % name)
        known = DEFAULT_CONTROLS[name] or {}
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError("controls.%s has no parameter %s; it has: %s" % (
                name, ", ".join(unknown), ", ".join(sorted(known)) or "none"))
        merged = dict(known)
        merged.update(value)
        for unit, number in (("requiredFrequencyUnit", "requiredFrequencyValue"), ("recoveryPointAgeUnit", "recoveryPointAgeValue")):
            if unit in merged:
                if str(merged[unit]).lower() not in ("hours", "days"):
                    raise ValueError("controls.%s.%s must be hours or days, not %s" % (name, unit, merged[unit]))
                try:
                    if float(merged[number]) <= 0:
                        raise ValueError
                except (TypeError, ValueError):
                    raise ValueError("controls.%s.%s must be a positive number, not %s" % (name, number, merged[number]))
        controls[name] = merged
    return controls


def _hours(unit, value, name):
    unit = (unit or "").lower()
    if unit not in ("hours", "days"):
        raise ValueError("%s must be hours or days, not %s" % (name, unit))
    return float(value) * (24 if unit == "days" else 1)


def _finding(control, parameters, status, reason):
    return dict(control=control, status=status, reason=reason, parameters=dict(parameters or {}))


def evaluate_controls(row, controls, now):
    """The findings for one table row (as :func:`build_row` makes it), one per enabled control."""
    findings = []
    covered = row["coverage"]
    rules = [rule for entry in covered for rule in entry["rules"]]
    points = row["recovery_points"]
    vaults = row["vaults"]

    def add(name, status, reason):
        findings.append(_finding(name, controls[name], status, reason))

    def enabled(name):
        return controls.get(name) is not None

    not_protected = "no backup plan covers the table"
    name = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
    if enabled(name):
        if covered:
            add(name, COMPLIANT, "covered by %s" % ", ".join(
                "%s (selection %s)" % (e["backup_plan_name"], e["selection_name"]) for e in covered))
        else:
            add(name, NON_COMPLIANT, "no selection of any backup plan chooses the table%s" % (
                " (%s)" % row["selection_note"] if row.get("selection_note") else ""))

    name = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"
    if enabled(name):
        p = controls[name]
        required_hours = _hours(p.get("requiredFrequencyUnit"), p.get("requiredFrequencyValue"), "requiredFrequencyUnit")
        required_days = p.get("requiredRetentionDays")
        if not rules:
            add(name, NOT_APPLICABLE, not_protected)
        else:
            good = [r for r in rules if r["interval_hours"] is not None and r["interval_hours"] <= required_hours
                    and (required_days is None or r["retention_days"] is None or r["retention_days"] >= required_days)]
            if good:
                add(name, COMPLIANT, "rule %s runs %s and keeps backups %s" % (
                    good[0]["rule_name"], good[0]["frequency"], _days_words(good[0]["retention_days"])))
            else:
                add(name, NON_COMPLIANT, "; ".join(
                    "rule %s runs %s and keeps backups %s" % (r["rule_name"], r["frequency"], _days_words(r["retention_days"]))
                    for r in rules) + "; required: at least every %s, kept %s" % (
                    _interval_words(required_hours), _days_words(required_days, at_least=True)))

    name = "BACKUP_LAST_RECOVERY_POINT_CREATED"
    if enabled(name):
        p = controls[name]
        limit = _hours(p.get("recoveryPointAgeUnit"), p.get("recoveryPointAgeValue"), "recoveryPointAgeUnit")
        newest = parse_time(points["newest"])
        if not covered and newest is None:
            add(name, NOT_APPLICABLE, not_protected)
        elif newest is None:
            add(name, NON_COMPLIANT, "the table has no completed recovery point")
        else:
            age = hours_between(newest, now)
            status = COMPLIANT if age <= limit else NON_COMPLIANT
            add(name, status, "the newest recovery point is %s old (limit %s)" % (_age_words(age), _interval_words(limit, one="1 day")))

    name = "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"
    if enabled(name):
        required = controls[name].get("requiredRetentionDays")
        short = [rp for rp in points["items"] if rp["retention_days"] is not None and required is not None
                 and rp["retention_days"] < required]
        if not points["items"]:
            add(name, NOT_APPLICABLE, "the table has no recovery point")
        elif short:
            add(name, NON_COMPLIANT, "%d of %d recovery points are kept less than %s days (%s)" % (
                len(short), len(points["items"]), required, ", ".join(sorted({str(rp["retention_days"]) for rp in short}))))
        else:
            add(name, COMPLIANT, "every recovery point is kept at least %s days" % required)

    name = "BACKUP_RECOVERY_POINT_ENCRYPTED"
    if enabled(name):
        plain = [rp for rp in points["items"] if not rp["is_encrypted"]]
        if not points["items"]:
            add(name, NOT_APPLICABLE, "the table has no recovery point")
        elif plain:
            add(name, NON_COMPLIANT, "%d recovery points are not encrypted" % len(plain))
        else:
            add(name, COMPLIANT, "every recovery point is encrypted")

    used_vaults = [v for v in vaults if v["backup_vault_name"] in row["vaults_used"]]
    name = "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"
    if enabled(name):
        open_vaults = [v["backup_vault_name"] for v in used_vaults if not v["access_policy_denies_delete"]]
        if not used_vaults:
            add(name, NOT_APPLICABLE, "the table has no vault (no plan, no recovery point)")
        elif open_vaults:
            add(name, NON_COMPLIANT, "the access policy of vault %s does not deny backup:DeleteRecoveryPoint" % ", ".join(open_vaults))
        else:
            add(name, COMPLIANT, "the access policy of every vault used denies backup:DeleteRecoveryPoint")

    name = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK"
    if enabled(name):
        p = controls[name]
        problems = []
        for vault in used_vaults:
            lock = vault["lock"]
            if lock is None:
                problems.append("vault %s has no vault lock" % vault["backup_vault_name"])
                continue
            if p.get("minRetentionDays") is not None and (lock["min_retention_days"] or 0) < p["minRetentionDays"]:
                problems.append("vault %s locks a minimum retention of %s days, less than %s" % (
                    vault["backup_vault_name"], lock["min_retention_days"], p["minRetentionDays"]))
            if p.get("maxRetentionDays") is not None and (lock["max_retention_days"] is None or lock["max_retention_days"] > p["maxRetentionDays"]):
                problems.append("vault %s locks a maximum retention of %s days, more than %s" % (
                    vault["backup_vault_name"], lock["max_retention_days"], p["maxRetentionDays"]))
        if not used_vaults:
            add(name, NOT_APPLICABLE, "the table has no vault (no plan, no recovery point)")
        elif problems:
            add(name, NON_COMPLIANT, "; ".join(problems))
        else:
            add(name, COMPLIANT, "every vault used is locked (%s)" % ", ".join(
                "%s: %s" % (v["backup_vault_name"], v["lock"]["mode"].lower()) for v in used_vaults))

    for name, key, field in (("BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION", "crossRegionList", "region"),
                             ("BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT", "crossAccountList", "account_id")):
        if not enabled(name):
            continue
        wanted = [str(v) for v in controls[name].get(key) or []]
        if not wanted:
            add(name, NOT_APPLICABLE, "no %s given" % key)
            continue
        if not rules:
            add(name, NOT_APPLICABLE, not_protected)
            continue
        reached = sorted({copy_action[field] for rule in rules for copy_action in rule["copy_actions"]
                          if copy_action[field] in wanted})
        if reached:
            add(name, COMPLIANT, "copied to %s" % ", ".join(reached))
        else:
            add(name, NON_COMPLIANT, "no rule copies the backups to any of %s" % ", ".join(wanted))

    name = "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"
    if enabled(name):
        target = controls[name].get("maxRestoreTime")
        restore = row["last_restore"]
        if target is None:
            add(name, NOT_APPLICABLE, "no maxRestoreTime given")
        elif restore is None or restore.get("minutes") is None:
            add(name, NOT_APPLICABLE, "the table has no completed restore")
        elif restore["minutes"] <= float(target):
            add(name, COMPLIANT, "the last restore took %s minutes (target %s)" % (restore["minutes"], target))
        else:
            add(name, NON_COMPLIANT, "the last restore took %s minutes, more than the target of %s" % (restore["minutes"], target))

    name = "BACKUP_NO_FAILED_JOBS"
    if enabled(name):
        days = float(controls[name].get("days") or 7)
        since = now - datetime.timedelta(days=days)
        failed = [job for job in row["backup_jobs"] if job["state"] in FAILED_JOB_STATES
                  and parse_time(job["creation_date"]) >= since]
        if not row["backup_jobs"] and not covered:
            add(name, NOT_APPLICABLE, not_protected)
        elif failed:
            last = failed[0]
            add(name, NON_COMPLIANT, "%d backup job%s failed in the last %g days; the last one on %s: %s" % (
                len(failed), "" if len(failed) == 1 else "s", days, last["creation_date"][:16].replace("T", " "),
                last["status_message"] or last["state"]))
        else:
            add(name, COMPLIANT, "no backup job failed in the last %g days" % days)

    name = "DYNAMODB_PITR_ENABLED"
    if enabled(name):
        if row["point_in_time_recovery"]["enabled"]:
            add(name, COMPLIANT, "point-in-time recovery is on")
        else:
            add(name, NON_COMPLIANT, "point-in-time recovery is off")

    name = "DYNAMODB_DELETION_PROTECTION_ENABLED"
    if enabled(name):
        if row["deletion_protection_enabled"]:
            add(name, COMPLIANT, "deletion protection is on")
        else:
            add(name, NON_COMPLIANT, "deletion protection is off")
    return findings


def _days_words(days, at_least=False):
    if days is None:
        return "forever" if not at_least else "any time"
    return "%s%s days" % ("at least " if at_least else "", days)


def _interval_words(hours, one="day"):
    if hours % 24 == 0:
        days = int(hours // 24)
        return one if days == 1 else "%d days" % days
    return "%g hours" % hours


def _age_words(hours):
    if hours >= 48:
        return "%.1f days" % (hours / 24.0)
    return "%.1f hours" % hours


# -- rows -------------------------------------------------------------------------------------

def storage_class(raw, now):
    """WARM or COLD at ``now``: AWS's StorageClass when it says, else COLD once the point's
    CalculatedLifecycle.MoveToColdStorageAt has passed."""
    if raw.get("StorageClass"):
        return raw["StorageClass"]
    move_at = parse_time((raw.get("CalculatedLifecycle") or {}).get("MoveToColdStorageAt"))
    return "COLD" if move_at is not None and move_at <= now else "WARM"


def recovery_point_entry(raw, now):
    lifecycle = raw.get("Lifecycle") or {}
    return dict(
        recovery_point_arn=raw.get("RecoveryPointArn"),
        backup_vault_name=raw.get("BackupVaultName"),
        status=raw.get("Status"),
        creation_date=iso(parse_time(raw.get("CreationDate"))),
        storage_class=storage_class(raw, now),
        retention_days=lifecycle.get("DeleteAfterDays"),
        cold_storage_after_days=lifecycle.get("MoveToColdStorageAfterDays"),
        delete_at=iso(parse_time((raw.get("CalculatedLifecycle") or {}).get("DeleteAt"))),
        encryption_key_arn=raw.get("EncryptionKeyArn"),
        is_encrypted=bool(raw.get("IsEncrypted", True)),
    )


def job_entry(raw, now):
    created = parse_time(raw.get("CreationDate"))
    return dict(
        backup_job_id=raw.get("BackupJobId"),
        state=raw.get("State"),
        status_message=raw.get("StatusMessage") or None,
        backup_vault_name=raw.get("BackupVaultName"),
        creation_date=iso(created),
        completion_date=iso(parse_time(raw.get("CompletionDate"))),
        age_hours=hours_between(created, now) if created else None,
        created_by_plan=((raw.get("CreatedBy") or {}).get("BackupPlanId")),
    )


def restore_entry(raw):
    created = parse_time(raw.get("CreationDate"))
    completed = parse_time(raw.get("CompletionDate"))
    minutes = raw.get("RestoreTimeMinutes") if "RestoreTimeMinutes" in raw else None
    if minutes is None and created and completed:
        minutes = round((completed - created).total_seconds() / 60.0, 1)
    return dict(
        restore_job_id=raw.get("RestoreJobId"),
        status=raw.get("Status"),
        creation_date=iso(created),
        completion_date=iso(completed),
        minutes=minutes,
        created_resource_arn=raw.get("CreatedResourceArn"),
        recovery_point_arn=raw.get("RecoveryPointArn"),
    )


def points_summary(points, now, strip_days):
    """Count, newest and oldest completed point, vaults, storage classes, keys, and points per day."""
    completed = [p for p in points if p["status"] in (None, "COMPLETED")]
    completed.sort(key=lambda p: p["creation_date"], reverse=True)
    today = now.date()
    per_day = []
    for offset in range(strip_days - 1, -1, -1):
        day = today - datetime.timedelta(days=offset)
        per_day.append(dict(date=day.isoformat(), count=sum(1 for p in completed if p["creation_date"][:10] == day.isoformat())))
    newest = completed[0] if completed else None
    return dict(
        count=len(completed),
        newest=newest["creation_date"] if newest else None,
        newest_age_hours=hours_between(parse_time(newest["creation_date"]), now) if newest else None,
        oldest=completed[-1]["creation_date"] if completed else None,
        vaults=sorted({p["backup_vault_name"] for p in completed}),
        storage_classes=sorted({p["storage_class"] for p in completed}),
        encryption_key_arns=sorted({p["encryption_key_arn"] for p in completed if p["encryption_key_arn"]}),
        newest_lifecycle=dict(retention_days=newest["retention_days"], cold_storage_after_days=newest["cold_storage_after_days"],
                              delete_at=newest["delete_at"]) if newest else None,
        by_day=per_day,
        items=completed,
    )


def status_of(findings):
    """The table's status: NON_COMPLIANT when any control fails, else COMPLIANT."""
    return NON_COMPLIANT if any(f["status"] == NON_COMPLIANT for f in findings) else COMPLIANT


def summarise(rows, now):
    """The summary the tiles show, over rows of one or many accounts."""
    def failed_since(row, hours):
        since = now - datetime.timedelta(hours=hours)
        return sum(1 for job in row["backup_jobs"] if job["state"] in FAILED_JOB_STATES and parse_time(job["creation_date"]) >= since)

    ages = [row["recovery_points"]["newest_age_hours"] for row in rows if row["recovery_points"]["newest"]]
    unbacked = [row for row in rows if not row["recovery_points"]["newest"]]
    return dict(
        tables=len(rows),
        protected=sum(1 for row in rows if row["protected"]),
        compliant=sum(1 for row in rows if row["status"] == COMPLIANT),
        non_compliant=sum(1 for row in rows if row["status"] == NON_COMPLIANT),
        failed_jobs_24h=sum(failed_since(row, 24) for row in rows),
        failed_jobs_7d=sum(failed_since(row, 24 * 7) for row in rows),
        oldest_last_good_backup_hours=max(ages) if ages else None,
        tables_without_backup=len(unbacked),
        failing_controls=sum(1 for row in rows for f in row["findings"] if f["status"] == NON_COMPLIANT),
    )


# -- the report for one account and region ----------------------------------------------------

class ProtectionReader(object):
    """Reads what AWS has for one account and region, with list calls paged once each.

    AWS Backup: plans, their rules and selections (per plan and selection), vaults with their
    access policy and recovery points (per vault), backup jobs of the window, restore jobs,
    region settings - never per table. DynamoDB: ListTables, then per table DescribeTable and
    DescribeContinuousBackups (DynamoDB has no batch call for them) and ListTagsOfResource only
    when some selection chooses by tags.
    """

    def __init__(self, backup, dynamodb, now, job_days=7, strip_days=35):
        self.backup = backup
        self.dynamodb = dynamodb
        self.now = now
        self.job_days = job_days
        self.strip_days = strip_days

    def selections(self):
        """[(plan summary, selection document)] of every live plan."""
        found = []
        for plan in list_backup_plans(self.backup):
            detail = get_backup_plan(self.backup, plan["BackupPlanId"])
            if detail is None:
                continue
            rules = [rule_summary(rule) for rule in detail["BackupPlan"].get("Rules") or []]
            summary = dict(backup_plan_name=detail["BackupPlan"]["BackupPlanName"], backup_plan_id=plan["BackupPlanId"],
                           backup_plan_arn=plan.get("BackupPlanArn"), rules=rules)
            for listed in list_backup_selections(self.backup, plan["BackupPlanId"]) or []:
                selection = get_backup_selection(self.backup, plan["BackupPlanId"], listed["SelectionId"])
                if selection is not None:
                    found.append((summary, listed["SelectionId"], selection["BackupSelection"]))
        return found

    def opted_in(self):
        settings = describe_region_settings(self.backup)
        return bool((settings.get("ResourceTypeOptInPreference") or {}).get(RESOURCE_TYPE, True))

    def vaults(self):
        summaries, points = [], []
        for vault in list_backup_vaults(self.backup):
            policy = get_backup_vault_access_policy(self.backup, vault["BackupVaultName"])
            summaries.append(vault_summary(vault, policy, self.now))
            points_of_vault = list_recovery_points_by_backup_vault(
                self.backup, BackupVaultName=vault["BackupVaultName"], ByResourceType=RESOURCE_TYPE) or []
            for raw in points_of_vault:
                entry = recovery_point_entry(raw, self.now)
                entry["resource_arn"] = raw.get("ResourceArn")
                points.append(entry)
        return summaries, points

    def job_window_days(self, controls=None):
        """The days of backup jobs the report reads: the longest of job_days, the strip of points per
        day (its failed jobs), the summary's 7 days and BACKUP_NO_FAILED_JOBS' days."""
        no_failed = (controls or {}).get("BACKUP_NO_FAILED_JOBS")
        days = [self.job_days, self.strip_days, SUMMARY_DAYS]
        if no_failed is not None:
            days.append(float(no_failed.get("days") or 7))
        return int(math.ceil(max(days)))

    def jobs(self, controls=None):
        after = self.now - datetime.timedelta(days=self.job_window_days(controls))
        raw_jobs = list_backup_jobs(self.backup, ByResourceType=RESOURCE_TYPE, ByCreatedAfter=after)
        backup_jobs = [dict(job_entry(raw, self.now), resource_arn=raw.get("ResourceArn")) for raw in raw_jobs]
        backup_jobs.sort(key=lambda job: job["creation_date"] or "", reverse=True)
        restores = []
        for raw in list_restore_jobs(self.backup):
            entry = restore_entry(raw)
            entry["source_resource_arn"] = raw.get("SourceResourceArn")
            restores.append(entry)
        restores.sort(key=lambda job: job["creation_date"] or "", reverse=True)
        return backup_jobs, restores

    def tables(self, names=None):
        """[(description, continuous backups)] of the given tables (all when None); missing names are left out."""
        found = []
        for name in (names if names is not None else list_tables(self.dynamodb)):
            table = describe_table(self.dynamodb, name)
            if table is None:
                continue
            found.append((table, describe_continuous_backups(self.dynamodb, name) or {}))
        return found

    def report(self, controls, names=None):
        """The rows (one per table) and the account's vaults."""
        selections = self.selections()
        opted_in = self.opted_in()
        vaults, points = self.vaults()
        backup_jobs, restores = self.jobs(controls)
        need_tags = any(selection_needs_tags(doc) for _plan, _id, doc in selections)
        rows = []
        for table, continuous in self.tables(names):
            arn = table["TableArn"]
            tags = {t["Key"]: t["Value"] for t in list_tags_of_resource(self.dynamodb, arn)} if need_tags else None
            rows.append(self.row(table, continuous, tags, selections, opted_in, vaults, points, backup_jobs, restores, controls))
        return rows, vaults

    def row(self, table, continuous, tags, selections, opted_in, vaults, points, backup_jobs, restores, controls):
        arn = table["TableArn"]
        parts = arn.split(":")
        coverage, notes = [], []
        for plan, selection_id, doc in selections:
            covered, reason = selection_covers(doc, arn, tags, opted_in)
            if covered:
                coverage.append(dict(backup_plan_name=plan["backup_plan_name"], backup_plan_id=plan["backup_plan_id"],
                                     backup_plan_arn=plan["backup_plan_arn"], selection_name=doc.get("SelectionName"),
                                     selection_id=selection_id, reason=reason, rules=plan["rules"]))
            elif not opted_in:
                notes = [reason]
        own_points = [p for p in points if p.get("resource_arn") == arn]
        summary = points_summary(own_points, self.now, self.strip_days)
        jobs = [j for j in backup_jobs if j.get("resource_arn") == arn]
        for day in summary["by_day"]:
            day["failed_jobs"] = sum(1 for j in jobs if j["state"] in FAILED_JOB_STATES and (j["creation_date"] or "")[:10] == day["date"])
        window_start = self.now - datetime.timedelta(days=self.job_days)
        in_window = [j for j in jobs if parse_time(j["creation_date"]) >= window_start]
        by_state = {}
        for job in in_window:
            by_state[job["state"]] = by_state.get(job["state"], 0) + 1
        own_restores = [r for r in restores if r.get("source_resource_arn") == arn
                        or r.get("recovery_point_arn") in {p["recovery_point_arn"] for p in own_points}]
        completed_restores = [r for r in own_restores if r["status"] == "COMPLETED"]
        last_restore = (completed_restores or own_restores or [None])[0]
        pitr = (continuous.get("PointInTimeRecoveryDescription") or {})
        vaults_used = sorted(set(summary["vaults"]) | {rule["target_backup_vault_name"] for c in coverage for rule in c["rules"]})
        row = dict(
            account_id=parts[4],
            region=parts[3],
            table_name=table["TableName"],
            table_arn=arn,
            table_status=table.get("TableStatus"),
            table_creation_date=iso(parse_time(table.get("CreationDateTime"))),
            deletion_protection_enabled=bool(table.get("DeletionProtectionEnabled", False)),
            point_in_time_recovery=dict(
                enabled=pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
                earliest_restorable_time=iso(parse_time(pitr.get("EarliestRestorableDateTime"))),
                latest_restorable_time=iso(parse_time(pitr.get("LatestRestorableDateTime"))),
            ),
            tags=tags,
            protected=bool(coverage),
            coverage=coverage,
            selection_note="; ".join(notes) or None,
            last_backup_job=jobs[0] if jobs else None,
            backup_jobs=jobs,
            jobs_by_state=dict(days=self.job_days, states=by_state),
            recovery_points=summary,
            vaults_used=vaults_used,
            vaults=[v for v in vaults if v["backup_vault_name"] in vaults_used],
            last_restore=last_restore,
        )
        row["findings"] = evaluate_controls(row, controls, self.now)
        row["status"] = status_of(row["findings"])
        row["failing_controls"] = [f["control"] for f in row["findings"] if f["status"] == NON_COMPLIANT]
        # Only the completed points' summary is returned, not every point.
        row["recovery_points"] = dict((k, v) for k, v in summary.items() if k != "items")
        row["recovery_points"]["retention_days"] = sorted({p["retention_days"] for p in summary["items"] if p["retention_days"] is not None})
        return row
