# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine of backupkit.dynamodb.backup_plan (private).

describe -> desired -> predict -> the same normalised view before and after -> apply ->
describe again (:func:`ensure_present`, :func:`ensure_absent`). The AWS calls are
``_backup``'s. The pure functions validate the options, turn the options and AWS's
answers into one normalised snake_case shape (the *view*), and compare them; they
take plain dicts and make no calls, so the unit tests exercise them directly.

The view of a plan::

    {
        "backup_plan_name": str,
        "rules": [rule, ...],                 # sorted by rule_name
        "advanced_backup_settings": [...],    # sorted by resource_type
        "tags": {str: str},
    }

    rule = {
        "rule_name", "target_backup_vault_name", "schedule_expression",
        "schedule_expression_timezone", "start_window_minutes",
        "completion_window_minutes", "enable_continuous_backup",
        "lifecycle": {...},                   # {} keeps backups forever
        "recovery_point_tags": {...},         # keys and values exactly as given
        "copy_actions": [copy_action, ...],   # sorted and de-duplicated: a set
    }

AWS's defaults are filled in on both sides, server-owned fields (RuleId, VersionId,
dates) are left out, and user maps (tags, recovery point tags, backup options) are
never case-converted.
"""

from __future__ import annotations

import copy
import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import create_backup_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_backup_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_region_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_plans
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_tags
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import tag_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import untag_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import update_backup_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import LIFECYCLE_FIELDS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import MINIMUM_START_WINDOW
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_problems
from ansible_collections.backupkit.dynamodb.plugins.module_utils._lifecycle import lifecycle_to_aws
from ansible_collections.backupkit.dynamodb.plugins.module_utils._schedule import schedule_problem
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso

try:
    import zoneinfo
except ImportError:  # Python < 3.9 on the managed node: time zones are left to AWS to check
    zoneinfo = None

# What AWS fills in for a rule that leaves these out.
RULE_DEFAULTS = {
    "schedule_expression": "cron(0 5 ? * * *)",
    "schedule_expression_timezone": "Etc/UTC",
    "start_window_minutes": 480,
    "completion_window_minutes": 10080,
    "enable_continuous_backup": False,
}

# Continuous backups are kept for at most this many days.
CONTINUOUS_BACKUP_MAXIMUM_DAYS = 35

RULE_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
VAULT_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_-]{2,50}$")
CRON_FIELD_PATTERN = re.compile(r"^[0-9A-Za-z,\-*/?#]+$")
CRON_FIELD_NAMES = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")

# option name <-> AWS field name, for the parts of a rule this module manages
RULE_FIELDS = {
    "rule_name": "RuleName",
    "target_backup_vault_name": "TargetBackupVaultName",
    "schedule_expression": "ScheduleExpression",
    "schedule_expression_timezone": "ScheduleExpressionTimezone",
    "start_window_minutes": "StartWindowMinutes",
    "completion_window_minutes": "CompletionWindowMinutes",
    "enable_continuous_backup": "EnableContinuousBackup",
}
# Rule fields of AWS's that this module does not manage: left out of the comparison,
# and carried over unchanged when a rule of the same name is updated.
MANAGED_RULE_KEYS = set(RULE_FIELDS.values()) | {"Lifecycle", "RecoveryPointTags", "CopyActions", "RuleId"}
MANAGED_PLAN_KEYS = {"BackupPlanName", "Rules", "AdvancedBackupSettings"}

CONTINUOUS_BACKUP_WARNING = (
    "rule {rule!r}: enable_continuous_backup makes continuous (point-in-time) backups of Amazon RDS, "
    "Aurora, Amazon S3 and SAP HANA on Amazon EC2 only; AWS Backup has no continuous backup for DynamoDB, "
    "so DynamoDB tables get snapshot backups from this rule (DynamoDB's own point-in-time recovery is "
    "set on the table)."
)


# --------------------------------------------------------------------------- reading AWS


ACCESS_DENIED_CODES = ("AccessDenied", "AccessDeniedException")


def is_access_denied(error):
    """True if an :class:`AnsibleBackupError` comes from AWS refusing the caller access."""
    exception = getattr(error, "exception", None)
    response = getattr(exception, "response", None) or {}
    return (response.get("Error") or {}).get("Code") in ACCESS_DENIED_CODES


def advanced_dynamodb_backup(client):
    """ResourceTypeManagementPreference.DynamoDB (True/False, None when AWS does not say);
    None when the caller may not read the region settings."""
    try:
        settings = describe_region_settings(client)
    except AnsibleBackupError as e:
        if is_access_denied(e):
            return None
        raise
    return (settings.get("ResourceTypeManagementPreference") or {}).get("DynamoDB")


def describe(client, backup_plan_id):
    """The plan (GetBackupPlan's answer, with its tags under "Tags"), or None if it is gone."""
    raw = get_backup_plan(client, backup_plan_id)
    if raw is None or raw.get("DeletionDate"):
        return None
    raw = dict(raw)
    raw["Tags"] = list_tags(client, raw["BackupPlanArn"])
    return raw


# --------------------------------------------------------------------------- validation


def _rule_label(rule, index):
    name = rule.get("rule_name")
    return repr(name) if name else f"#{index + 1}"


def _validate_lifecycle(label, where, lifecycle, errors):
    errors.extend(f"rule {label}: {problem}" for problem in lifecycle_problems(lifecycle, where))


def cron_problem(expression):
    """Why ``expression`` is not an AWS Backup schedule (None if it is one).

    AWS Backup takes cron expressions only, in AWS's six-field form
    ``cron(minutes hours day-of-month month day-of-week year)``, where exactly one of
    day-of-month and day-of-week is ``?``.
    """
    text = (expression or "").strip()
    if text.startswith("rate(") or text.startswith("at("):
        return f"{text!r} is not a cron expression: AWS Backup schedules take cron(...) only, not rate() or at()"
    match = re.fullmatch(r"cron\((.*)\)", text)
    if not match:
        return f"{text!r} is not of the form cron(minutes hours day-of-month month day-of-week year)"
    fields = match.group(1).split()
    if len(fields) != 6:
        return (
            f"{text!r} has {len(fields)} fields; AWS cron expressions have six: "
            "cron(minutes hours day-of-month month day-of-week year), for example cron(0 5 ? * * *)"
        )
    for name, field in zip(CRON_FIELD_NAMES, fields):
        if not CRON_FIELD_PATTERN.match(field):
            return f"{text!r}: the {name} field {field!r} has characters AWS cron expressions do not use"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return (
            f"{text!r}: exactly one of day-of-month ({day_of_month!r}) and day-of-week ({day_of_week!r}) "
            "must be '?'"
        )
    return None


def is_time_zone(name):
    """True for an IANA time zone name (True when this Python cannot tell: no zoneinfo, or no tz database)."""
    if zoneinfo is None:
        return True
    try:
        known = zoneinfo.available_timezones()
    except Exception:  # pylint: disable=broad-except
        return True
    return not known or name in known


def validate_rules(rules):
    """Every problem with the ``rules`` option, as messages naming the rule and the field."""
    errors = []
    if not rules:
        return ["rules: a backup plan needs at least one rule"]
    seen = set()
    for index, rule in enumerate(rules):
        label = _rule_label(rule, index)
        name = rule.get("rule_name")
        if not name or not RULE_NAME_PATTERN.match(name):
            errors.append(f"rule {label}: rule_name must be 1 to 50 letters, digits or '-_.' characters")
        if name in seen:
            errors.append(f"rule {label}: rule_name appears more than once; rule names must be unique in a plan")
        seen.add(name)

        expression = rule.get("schedule_expression", RULE_DEFAULTS["schedule_expression"])
        # the shape first, then every field in its range (_schedule)
        problem = cron_problem(expression) or schedule_problem(expression)
        if problem:
            errors.append(f"rule {label}: schedule_expression {problem}")

        start = rule.get("start_window_minutes")
        start = RULE_DEFAULTS["start_window_minutes"] if start is None else start
        completion = rule.get("completion_window_minutes")
        completion = RULE_DEFAULTS["completion_window_minutes"] if completion is None else completion
        if start < MINIMUM_START_WINDOW:
            errors.append(f"rule {label}: start_window_minutes must be at least {MINIMUM_START_WINDOW}, got {start}")
        if completion <= start:
            errors.append(
                f"rule {label}: completion_window_minutes ({completion}) must be longer than "
                f"start_window_minutes ({start})"
            )

        timezone = rule.get("schedule_expression_timezone")
        if timezone and not is_time_zone(timezone):
            errors.append(
                f"rule {label}: schedule_expression_timezone {timezone!r} is not an IANA time zone name "
                "(for example Etc/UTC or Europe/Paris)"
            )

        lifecycle = rule.get("lifecycle") or {}
        _validate_lifecycle(label, "lifecycle", lifecycle, errors)
        for action_index, action in enumerate(rule.get("copy_actions") or []):
            destination = action.get("destination_backup_vault_arn")
            if not VAULT_ARN_PATTERN.match(str(destination or "")):
                errors.append(
                    f"rule {label}: copy_actions[{action_index}].destination_backup_vault_arn {destination!r} is not a "
                    "backup vault ARN (arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME)"
                )
            _validate_lifecycle(label, f"copy_actions[{action_index}].lifecycle", action.get("lifecycle"), errors)

        if rule.get("enable_continuous_backup"):
            if lifecycle.get("move_to_cold_storage_after_days") is not None:
                errors.append(
                    f"rule {label}: enable_continuous_backup cannot be combined with "
                    "lifecycle.move_to_cold_storage_after_days: continuous backups never move to cold storage"
                )
            delete = lifecycle.get("delete_after_days")
            if delete is not None and delete > CONTINUOUS_BACKUP_MAXIMUM_DAYS:
                errors.append(
                    f"rule {label}: with enable_continuous_backup, lifecycle.delete_after_days ({delete}) "
                    f"must be at most {CONTINUOUS_BACKUP_MAXIMUM_DAYS}: AWS keeps continuous backups "
                    f"for 1 to {CONTINUOUS_BACKUP_MAXIMUM_DAYS} days"
                )
    return errors


def rule_warnings(rules):
    """Warnings about rules that are valid but may not do what the caller expects."""
    warnings = []
    for index, rule in enumerate(rules or []):
        label = _rule_label(rule, index)
        if rule.get("enable_continuous_backup"):
            warnings.append(CONTINUOUS_BACKUP_WARNING.format(rule=rule.get("rule_name") or label))
        lifecycle = _lifecycle_from_options(rule.get("lifecycle"))
        if not lifecycle:
            continue
        for action in rule.get("copy_actions") or []:
            if not _lifecycle_from_options(action.get("lifecycle")):
                described = ", ".join(f"{key}={value}" for key, value in sorted(lifecycle.items()))
                warnings.append(
                    f"rule {label}: the copy action to {action.get('destination_backup_vault_arn')} has no lifecycle "
                    f"of its own, so it takes the rule's ({described}); without one AWS would keep the copies forever"
                )
    return warnings


def uses_cold_storage(rules):
    """Names of the rules that move backups (or their copies) to cold storage."""
    names = []
    for index, rule in enumerate(rules or []):
        lifecycles = [rule.get("lifecycle")] + [action.get("lifecycle") for action in rule.get("copy_actions") or []]
        if any((lifecycle or {}).get("move_to_cold_storage_after_days") is not None for lifecycle in lifecycles):
            names.append(rule.get("rule_name") or _rule_label(rule, index))
    return names


# --------------------------------------------------------------------------- normalising


def _lifecycle_from_options(lifecycle):
    """A lifecycle option as the normalised dict: unset days and a false opt-in left out."""
    result = {}
    for key in LIFECYCLE_FIELDS:
        value = (lifecycle or {}).get(key)
        if value is None or value is False:
            continue
        result[key] = value
    return result


def _lifecycle_from_aws(lifecycle):
    result = {}
    for key, field in LIFECYCLE_FIELDS.items():
        value = (lifecycle or {}).get(field)
        if value is None or value is False:
            continue
        result[key] = value
    return result


def _sorted_unique(items):
    """A list of dicts as a set: duplicates dropped, in a stable order."""
    unique = {json.dumps(item, sort_keys=True): item for item in items}
    return [unique[key] for key in sorted(unique)]


def _copy_actions(actions):
    return _sorted_unique(actions)


def rule_from_options(rule):
    """One ``rules`` element as a normalised rule (AWS defaults filled in).

    A copy action without a lifecycle takes the rule's, as the module documents.
    """
    result = {}
    for key in RULE_FIELDS:
        value = rule.get(key)
        result[key] = RULE_DEFAULTS.get(key) if value is None else value
    lifecycle = _lifecycle_from_options(rule.get("lifecycle"))
    result["lifecycle"] = lifecycle
    # AWS holds tag values as strings; a YAML number or boolean is compared as AWS will hold it.
    result["recovery_point_tags"] = {key: str(value) for key, value in (rule.get("recovery_point_tags") or {}).items()}
    actions = []
    for action in rule.get("copy_actions") or []:
        action_lifecycle = _lifecycle_from_options(action.get("lifecycle")) or copy.deepcopy(lifecycle)
        actions.append(
            {"destination_backup_vault_arn": action.get("destination_backup_vault_arn"), "lifecycle": action_lifecycle}
        )
    result["copy_actions"] = _copy_actions(actions)
    return result


def rule_from_aws(rule):
    """One AWS BackupRule as a normalised rule (AWS defaults filled in, RuleId left out)."""
    result = {}
    for key, field in RULE_FIELDS.items():
        value = rule.get(field)
        result[key] = RULE_DEFAULTS.get(key) if value is None else value
    result["lifecycle"] = _lifecycle_from_aws(rule.get("Lifecycle"))
    result["recovery_point_tags"] = dict(rule.get("RecoveryPointTags") or {})
    result["copy_actions"] = _copy_actions(
        {
            "destination_backup_vault_arn": action.get("DestinationBackupVaultArn"),
            "lifecycle": _lifecycle_from_aws(action.get("Lifecycle")),
        }
        for action in rule.get("CopyActions") or []
    )
    return result


def _advanced_settings_from_options(settings):
    result = []
    for setting in settings or []:
        options = {key: value for key, value in (setting.get("backup_options") or {}).items() if value is not None}
        result.append({"resource_type": setting.get("resource_type"), "backup_options": options})
    return sorted(result, key=lambda item: json.dumps(item, sort_keys=True))


def _advanced_settings_from_aws(settings):
    result = [
        {"resource_type": setting.get("ResourceType"), "backup_options": dict(setting.get("BackupOptions") or {})}
        for setting in settings or []
    ]
    return sorted(result, key=lambda item: json.dumps(item, sort_keys=True))


def desired(name, rules, advanced_backup_settings):
    """The module's options as a normalised plan (without tags)."""
    return {
        "backup_plan_name": name,
        "rules": sorted((rule_from_options(rule) for rule in rules or []), key=lambda rule: rule["rule_name"]),
        "advanced_backup_settings": _advanced_settings_from_options(advanced_backup_settings),
    }


def view(raw):
    """A described plan (see :func:`describe`) as the normalised view, with its tags."""
    plan = raw.get("BackupPlan") or {}
    settings = plan.get("AdvancedBackupSettings")
    if settings is None:
        settings = raw.get("AdvancedBackupSettings")
    return {
        "backup_plan_name": plan.get("BackupPlanName"),
        "rules": sorted((rule_from_aws(rule) for rule in plan.get("Rules") or []), key=lambda rule: rule["rule_name"]),
        "advanced_backup_settings": _advanced_settings_from_aws(settings),
        "tags": dict(raw.get("Tags") or {}),
    }


def without_tags(plan):
    """The part of a view that UpdateBackupPlan changes (everything but tags)."""
    return {key: value for key, value in plan.items() if key != "tags"}


def predicted_tags(current, desired, purge_tags):
    """The tags after TagResource/UntagResource, as compare_aws_tags would change them."""
    current = dict(current or {})
    if desired is None:
        return current, {}, []
    to_set, to_unset = compare_aws_tags(current, desired, purge_tags=purge_tags)
    result = {key: value for key, value in current.items() if key not in to_unset}
    result.update({key: str(value) for key, value in to_set.items()})
    return result, to_set, to_unset


# --------------------------------------------------------------------------- to AWS


def rule_to_aws(rule):
    result = {field: rule[key] for key, field in RULE_FIELDS.items() if rule.get(key) is not None}
    if rule.get("lifecycle"):
        result["Lifecycle"] = lifecycle_to_aws(rule["lifecycle"])
    if rule.get("recovery_point_tags"):
        result["RecoveryPointTags"] = dict(rule["recovery_point_tags"])
    if rule.get("copy_actions"):
        actions = []
        for action in rule["copy_actions"]:
            item = {"DestinationBackupVaultArn": action["destination_backup_vault_arn"]}
            if action.get("lifecycle"):
                item["Lifecycle"] = lifecycle_to_aws(action["lifecycle"])
            actions.append(item)
        result["CopyActions"] = actions
    return result


def plan_to_aws(plan, ordered_rules=None, current_raw=None):
    """A normalised plan as BackupPlanInput.

    ``ordered_rules`` (rule names) keeps the caller's order of rules. Fields of a rule
    that this module does not manage (for example IndexActions) are carried over from
    the current rule of the same name, and the plan's unmanaged fields from the
    current plan, so an update never drops them.
    """
    rules = {rule["rule_name"]: rule for rule in plan["rules"]}
    order = [name for name in (ordered_rules or []) if name in rules]
    order += [name for name in sorted(rules) if name not in order]
    current = (current_raw or {}).get("BackupPlan") or {}
    current_rules = {rule.get("RuleName"): rule for rule in current.get("Rules") or []}
    aws_rules = []
    for name in order:
        aws_rule = rule_to_aws(rules[name])
        for key, value in (current_rules.get(name) or {}).items():
            if key not in MANAGED_RULE_KEYS:
                aws_rule.setdefault(key, copy.deepcopy(value))
        aws_rules.append(aws_rule)
    result = {"BackupPlanName": plan["backup_plan_name"], "Rules": aws_rules}
    if plan.get("advanced_backup_settings"):
        result["AdvancedBackupSettings"] = [
            {"ResourceType": setting["resource_type"], "BackupOptions": dict(setting["backup_options"])}
            for setting in plan["advanced_backup_settings"]
        ]
    for key, value in current.items():
        if key not in MANAGED_PLAN_KEYS:
            result.setdefault(key, copy.deepcopy(value))
    return result


# --------------------------------------------------------------------------- results


def plan_result(plan, raw=None, ordered_rules=None):
    """The module's return values (amazon.aws.backup_plan's keys) for a normalised plan.

    ``raw`` is the plan as AWS described it (see :func:`describe`), which gives the
    ids, dates and RuleIds; without it (check mode, before a create) those are None.
    Rules come in ``ordered_rules`` order, else in AWS's order, else by name.
    """
    raw = raw or {}
    rules = {rule["rule_name"]: rule for rule in plan["rules"]}
    aws_rules = (raw.get("BackupPlan") or {}).get("Rules") or []
    rule_ids = {rule.get("RuleName"): rule.get("RuleId") for rule in aws_rules}
    if ordered_rules is None:
        ordered_rules = [rule.get("RuleName") for rule in aws_rules]
    order = [name for name in ordered_rules if name in rules]
    order += [name for name in sorted(rules) if name not in order]
    returned_rules = []
    for name in order:
        rule = copy.deepcopy(rules[name])
        rule["rule_id"] = rule_ids.get(name)
        returned_rules.append(rule)
    return {
        "backup_plan_name": plan["backup_plan_name"],
        "backup_plan_id": raw.get("BackupPlanId"),
        "backup_plan_arn": raw.get("BackupPlanArn"),
        "version_id": raw.get("VersionId"),
        "creation_date": iso(raw.get("CreationDate")),
        "creator_request_id": raw.get("CreatorRequestId"),
        "last_execution_date": iso(raw.get("LastExecutionDate")),
        "advanced_backup_settings": copy.deepcopy(plan["advanced_backup_settings"]),
        "backup_plan": {
            "backup_plan_name": plan["backup_plan_name"],
            "rules": returned_rules,
            "advanced_backup_settings": copy.deepcopy(plan["advanced_backup_settings"]),
            "tags": dict(plan["tags"]),
        },
        "tags": dict(plan["tags"]),
    }


def plans_named(plans, name):
    """The ListBackupPlans entries with exactly this name (AWS allows several)."""
    return [plan for plan in plans or [] if plan.get("BackupPlanName") == name and not plan.get("DeletionDate")]


# --------------------------------------------------------------------------- the engine


class PlanSelectionError(AnsibleBackupError):
    """The options do not select exactly one plan."""


def input_problems(params):
    """Every problem with the options, found before any AWS call (messages naming the option)."""
    if params.get("state", "present") != "present":
        return []
    return validate_rules(params.get("rules"))


def find(client, name, plan_id):
    """The plan the options select (described, with tags), or None when there is none."""
    if plan_id:
        raw = describe(client, plan_id)
        if raw is not None and name and raw["BackupPlan"]["BackupPlanName"] != name:
            raise PlanSelectionError(
                message=f"backup plan {plan_id} is named {raw['BackupPlan']['BackupPlanName']!r}, not {name!r}; "
                "AWS Backup plans cannot be renamed"
            )
        return raw
    matches = plans_named(list_backup_plans(client), name)
    if len(matches) > 1:
        ids = ", ".join(sorted(plan["BackupPlanId"] for plan in matches))
        raise PlanSelectionError(
            message=f"{len(matches)} backup plans are named {name!r} (ids: {ids}); choose one with backup_plan_id"
        )
    if not matches:
        return None
    return describe(client, matches[0]["BackupPlanId"])


def warn_about_cold_storage(module, client, rules):
    """Cold storage of DynamoDB backups needs advanced DynamoDB backup; warn when it is off."""
    names = uses_cold_storage(rules)
    if not names:
        return
    try:
        advanced = advanced_dynamodb_backup(client)
    except AnsibleBackupError as e:
        # The check only serves a warning; it never stops the plan.
        module.warn(f"could not read the AWS Backup region settings to check advanced DynamoDB backup: {e}")
        return
    if advanced is not False:
        return
    module.warn(
        f"rule(s) {', '.join(repr(name) for name in names)} move backups to cold storage, but advanced DynamoDB "
        "backup is off in this region (AWS Backup region settings, ResourceTypeManagementPreference DynamoDB), "
        "so DynamoDB backups will not move to cold storage; turn it on with backupkit.dynamodb.backup_region_settings"
    )


def check_target_vaults(module, client, rules):
    """Every rule's target vault must exist (AWS accepts a plan into a vault that does not); returns
    the names of the missing ones. In check mode a missing vault is no error and no warning: an
    earlier task of the same run may create it (a whole playbook in check mode, or a role that checks
    a plan before it creates the vault), so the result lists it instead."""
    missing = {}
    for index, rule in enumerate(rules):
        name = rule["target_backup_vault_name"]
        if name not in missing:
            missing[name] = describe_backup_vault(client, name) is None
        if missing[name] and not module.check_mode:
            module.fail_json(msg=(f"rules[{index}].target_backup_vault_name: backup vault {name!r} does not exist in "
                                  f"{module.region}; create it first (backupkit.dynamodb.backup_vault). "
                                  "Nothing was changed."))
    return [name for name, absent in missing.items() if absent]


def predict(before, wanted, tags, purge_tags):
    """The view after the run: the desired plan with the tags as compare_aws_tags would leave them."""
    return dict(wanted, tags=predicted_tags((before or {}).get("tags"), tags, purge_tags)[0])


def create(module, client, wanted, ordered_rules):
    """CreateBackupPlan, then the plan described. A plan of that name that another run created
    meanwhile (AlreadyExistsException) is described instead, to be converged like any existing plan;
    returns (raw, created)."""
    params = module.params
    create_params = dict(BackupPlan=plan_to_aws(wanted, ordered_rules))
    if params["tags"]:
        create_params["BackupPlanTags"] = {key: str(value) for key, value in params["tags"].items()}
    if params["creator_request_id"]:
        create_params["CreatorRequestId"] = params["creator_request_id"]
    try:
        created = create_backup_plan(client, **create_params)
    except is_ansible_aws_error_code("AlreadyExistsException"):
        raw = find(client, wanted["backup_plan_name"], None)
        if raw is None:
            raise
        return raw, False
    return describe(client, created["BackupPlanId"]), True


def apply(client, raw, before, predicted, wanted, ordered_rules, purge_tags, tags):
    """UpdateBackupPlan and TagResource / UntagResource for what differs between ``before`` and ``predicted``."""
    _tags, to_set, to_unset = predicted_tags(before["tags"], tags, purge_tags)
    if without_tags(predicted) != without_tags(before):
        update_backup_plan(client, raw["BackupPlanId"], plan_to_aws(wanted, ordered_rules, raw))
    if to_unset:
        untag_resource(client, raw["BackupPlanArn"], to_unset)
    if to_set:
        tag_resource(client, raw["BackupPlanArn"], {key: str(value) for key, value in to_set.items()})


def ensure_present(module):
    params = module.params
    client = module.client("backup")
    rules = params["rules"] or []
    for warning in rule_warnings(rules):
        module.warn(warning)
    warn_about_cold_storage(module, client, rules)

    raw = find(client, params["backup_plan_name"], params["backup_plan_id"])
    if raw is None and params["backup_plan_id"]:
        raise PlanSelectionError(message=f"there is no backup plan with id {params['backup_plan_id']}")
    ordered_rules = [rule["rule_name"] for rule in rules]
    name = params["backup_plan_name"] or raw["BackupPlan"]["BackupPlanName"]
    wanted = desired(name, rules, params["advanced_backup_settings"])
    before = view(raw) if raw is not None else None
    predicted = predict(before, wanted, params["tags"], params["purge_tags"])
    if predicted == before:
        return changed_result(before, predicted, module._diff, exists=True, **plan_result(predicted, raw))
    missing_vaults = check_target_vaults(module, client, rules)
    if module.check_mode:
        return changed_result(before, predicted, module._diff, exists=True, missing_target_vaults=missing_vaults,
                              **plan_result(predicted, raw, ordered_rules if raw is None else None))

    if raw is None:
        raw, created = create(module, client, wanted, ordered_rules)
        if not created:
            current = view(raw)
            apply(client, raw, current, predict(current, wanted, params["tags"], params["purge_tags"]), wanted,
                  ordered_rules, params["purge_tags"], params["tags"])
            raw = describe(client, raw["BackupPlanId"])
    else:
        apply(client, raw, before, predicted, wanted, ordered_rules, params["purge_tags"], params["tags"])
        raw = describe(client, raw["BackupPlanId"])
    after = view(raw)
    return changed_result(before, after, module._diff, exists=True, **plan_result(after, raw))


def ensure_absent(module):
    params = module.params
    client = module.client("backup")
    raw = find(client, params["backup_plan_name"], params["backup_plan_id"])
    if raw is None:
        return changed_result(
            None, None, module._diff, exists=False,
            backup_plan_name=params["backup_plan_name"], backup_plan_id=params["backup_plan_id"],
        )
    before = view(raw)
    result = dict(
        exists=False,
        backup_plan_name=before["backup_plan_name"],
        backup_plan_id=raw["BackupPlanId"],
        backup_plan_arn=raw["BackupPlanArn"],
        version_id=raw.get("VersionId"),
        deletion_date=None,
    )
    if not module.check_mode:
        deleted = delete_backup_plan(client, raw["BackupPlanId"])
        result["deletion_date"] = iso(deleted.get("DeletionDate"))
        result["version_id"] = deleted.get("VersionId") or result["version_id"]
    return changed_result(before, None, module._diff, **result)
