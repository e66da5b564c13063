# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup restore testing: the AWS calls and the engines of backup_restore_testing_plan and
backup_restore_testing_selection (private).

Each restore testing operation is wrapped once in ``_backup`` (with AWS Backup's other calls, under
its error handler and ``_retry``'s retries), as are TagResource / UntagResource / ListTags.
Each engine is describe -> desired -> predict -> compare -> apply -> describe again, over one
normalised snake_case *view* of a plan or a selection, built the same way from the options and
from AWS's answers so that "changed" is exactly "the views differ".
"""

from __future__ import annotations

import copy
import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import create_restore_testing_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import create_restore_testing_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_restore_testing_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_restore_testing_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_restore_testing_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_restore_testing_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_restore_testing_selections
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_tags
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import tag_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import untag_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import update_restore_testing_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import update_restore_testing_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_plan import is_time_zone
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_plan import predicted_tags
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._schedule import schedule_problem
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso

# AWS's constraints (API reference of CreateRestoreTestingPlan / CreateRestoreTestingSelection)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,50}$")
ALGORITHMS = ("LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW")
RECOVERY_POINT_TYPES = ("SNAPSHOT", "CONTINUOUS")
START_WINDOW_HOURS = (1, 168)
SELECTION_WINDOW_DAYS = (1, 365)
DEFAULT_SELECTION_WINDOW_DAYS = 30
VALIDATION_WINDOW_HOURS = (0, 168)
MAX_PROTECTED_RESOURCE_ARNS = 30
# DynamoDB's restore metadata a restore testing selection may override (AWS: keys are not case sensitive)
DYNAMODB_OVERRIDES = {"encryptiontype": "encryptionType", "kmsmasterkeyarn": "kmsMasterKeyArn"}
VAULT_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_*?-]+$")
CONDITION_OPERATORS = {"string_equals": "StringEquals", "string_not_equals": "StringNotEquals"}


# --------------------------------------------------------------------------- shared checks


def _int_problem(option, value, bounds):
    low, high = bounds
    if value is not None and not low <= value <= high:
        return f"{option} must be from {low} to {high}, got {value}"
    return None


def _name_problem(option, value):
    if value is not None and not NAME_PATTERN.match(value):
        return f"{option} {value!r} must be 1 to 50 letters, digits or underscores (AWS allows no '-' here)"
    return None


# --------------------------------------------------------------------------- plans


def plan_input_problems(params):
    """Every problem with backup_restore_testing_plan's options, before any AWS call."""
    problems = [p for p in [_name_problem("name", params.get("name"))] if p]
    if params.get("state") == "absent":
        return problems
    expression = params.get("schedule_expression")
    if expression is not None:
        problem = schedule_problem(expression)
        if problem:
            problems.append(f"schedule_expression {problem}")
    timezone = params.get("schedule_expression_timezone")
    if timezone and not is_time_zone(timezone):
        problems.append(f"schedule_expression_timezone {timezone!r} is not an IANA time zone name (for example Etc/UTC)")
    problem = _int_problem("start_window_hours", params.get("start_window_hours"), START_WINDOW_HOURS)
    if problem:
        problems.append(problem)
    selection = params.get("recovery_point_selection") or {}
    problem = _int_problem("recovery_point_selection.selection_window_days", selection.get("selection_window_days"),
                           SELECTION_WINDOW_DAYS)
    if problem:
        problems.append(problem)
    for option in ("include_vaults", "exclude_vaults"):
        for vault in selection.get(option) or []:
            if vault != "*" and vault.startswith("arn:") and not VAULT_ARN_PATTERN.match(vault):
                problems.append(f"recovery_point_selection.{option}: {vault!r} is not a backup vault ARN "
                                "(arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME, '*' wildcards allowed), a vault name or '*'")
    if selection and not selection.get("include_vaults"):
        problems.append("recovery_point_selection.include_vaults needs at least one vault ARN, vault name or '*'")
    if selection and not selection.get("recovery_point_types"):
        problems.append("recovery_point_selection.recovery_point_types needs at least one of SNAPSHOT, CONTINUOUS")
    return problems


def vault_arn(ctx, vault):
    """A vault name as its ARN in this account and Region ('*' and ARNs unchanged)."""
    if vault == "*" or vault.startswith("arn:"):
        return vault
    return f"arn:{ctx.partition}:backup:{ctx.region}:{ctx.account_id}:backup-vault:{vault}"


def plan_view(raw, tags):
    """GetRestoreTestingPlan's answer (and the plan's tags) as the normalised view."""
    selection = raw.get("RecoveryPointSelection") or {}
    return {
        "name": raw.get("RestoreTestingPlanName"),
        "schedule_expression": raw.get("ScheduleExpression"),
        "schedule_expression_timezone": raw.get("ScheduleExpressionTimezone") or "Etc/UTC",
        "start_window_hours": raw.get("StartWindowHours") if raw.get("StartWindowHours") is not None else 24,
        "recovery_point_selection": {
            "algorithm": selection.get("Algorithm"),
            "include_vaults": sorted(selection.get("IncludeVaults") or []),
            "exclude_vaults": sorted(selection.get("ExcludeVaults") or []),
            "recovery_point_types": sorted(selection.get("RecoveryPointTypes") or []),
            "selection_window_days": selection.get("SelectionWindowDays") or DEFAULT_SELECTION_WINDOW_DAYS,
        },
        "tags": dict(tags or {}),
    }


def plan_desired(params, before, ctx):
    """The view the options ask for: an option left out keeps what the plan has (AWS's default for a new one)."""
    before = before or {}
    selection = params.get("recovery_point_selection")
    if selection is None:
        wanted_selection = copy.deepcopy(before.get("recovery_point_selection"))
    else:
        wanted_selection = {
            "algorithm": selection["algorithm"],
            "include_vaults": sorted(vault_arn(ctx, vault) for vault in selection["include_vaults"]),
            "exclude_vaults": sorted(vault_arn(ctx, vault) for vault in selection.get("exclude_vaults") or []),
            "recovery_point_types": sorted(set(selection["recovery_point_types"])),
            "selection_window_days": selection.get("selection_window_days") or DEFAULT_SELECTION_WINDOW_DAYS,
        }
    timezone = params.get("schedule_expression_timezone")
    start = params.get("start_window_hours")
    return {
        "name": params["name"],
        "schedule_expression": params.get("schedule_expression") or before.get("schedule_expression"),
        "schedule_expression_timezone": timezone or before.get("schedule_expression_timezone") or "Etc/UTC",
        "start_window_hours": start if start is not None else before.get("start_window_hours", 24),
        "recovery_point_selection": wanted_selection,
        "tags": predicted_tags(before.get("tags"), params.get("tags"), params.get("purge_tags"))[0],
    }


def plan_to_aws(view):
    selection = view["recovery_point_selection"]
    aws_selection = {
        "Algorithm": selection["algorithm"],
        "IncludeVaults": list(selection["include_vaults"]),
        "RecoveryPointTypes": list(selection["recovery_point_types"]),
        "SelectionWindowDays": selection["selection_window_days"],
    }
    if selection.get("exclude_vaults"):
        aws_selection["ExcludeVaults"] = list(selection["exclude_vaults"])
    return {
        "ScheduleExpression": view["schedule_expression"],
        "ScheduleExpressionTimezone": view["schedule_expression_timezone"],
        "StartWindowHours": view["start_window_hours"],
        "RecoveryPointSelection": aws_selection,
    }


def _describe_plan(client, name):
    raw = get_restore_testing_plan(client, name)
    if raw is None:
        return None, None
    return raw, plan_view(raw, list_tags(client, raw["RestoreTestingPlanArn"]))


def _plan_result(view, raw):
    raw = raw or {}
    result = copy.deepcopy(view) if view else {}
    result.update(
        arn=raw.get("RestoreTestingPlanArn"),
        creation_time=iso(raw.get("CreationTime")),
        last_execution_time=iso(raw.get("LastExecutionTime")),
        last_update_time=iso(raw.get("LastUpdateTime")),
    )
    return result


def ensure_plan_present(module):
    params = module.params
    client = module.client("backup")
    ctx = CallerContext(module)
    raw, before = _describe_plan(client, params["name"])
    if before is None:
        missing = [option for option in ("schedule_expression", "recovery_point_selection") if params.get(option) is None]
        if missing:
            module.fail_json(msg=f"restore testing plan {params['name']!r} does not exist; creating it needs "
                                 f"{' and '.join(missing)}")
    after = plan_desired(params, before, ctx)
    if after == before or module.check_mode:
        return changed_result(before, after, module._diff, restore_testing_plan=_plan_result(after, raw))

    if before is None:
        create = {"RestoreTestingPlan": dict(plan_to_aws(after), RestoreTestingPlanName=params["name"])}
        if after["tags"]:
            create["Tags"] = dict(after["tags"])
        create_restore_testing_plan(client, **create)
    else:
        if {k: v for k, v in after.items() if k != "tags"} != {k: v for k, v in before.items() if k != "tags"}:
            update_restore_testing_plan(client, params["name"], plan_to_aws(after))
        _tags, to_set, to_unset = predicted_tags(before["tags"], params.get("tags"), params.get("purge_tags"))
        if to_unset:
            untag_resource(client, raw["RestoreTestingPlanArn"], to_unset)
        if to_set:
            tag_resource(client, raw["RestoreTestingPlanArn"], {key: str(value) for key, value in to_set.items()})
    raw, after = _describe_plan(client, params["name"])
    return changed_result(before, after, module._diff, restore_testing_plan=_plan_result(after, raw))


def ensure_plan_absent(module):
    name = module.params["name"]
    client = module.client("backup")
    raw, before = _describe_plan(client, name)
    if before is None:
        return changed_result(None, None, module._diff, restore_testing_plan={})
    selections = list_restore_testing_selections(client, name)
    if selections:
        names = ", ".join(sorted(s.get("RestoreTestingSelectionName") for s in selections))
        module.fail_json(
            msg=(f"restore testing plan {name!r} still has restore testing selections ({names}); AWS deletes a plan only "
                 "without them: delete them first with backupkit.dynamodb.backup_restore_testing_selection state=absent. "
                 "Nothing was deleted."),
            restore_testing_plan=_plan_result(before, raw),
        )
    if not module.check_mode:
        delete_restore_testing_plan(client, name)
    return changed_result(before, None, module._diff, restore_testing_plan=_plan_result(before, raw))


# --------------------------------------------------------------------------- selections


def selection_input_problems(params):
    """Every problem with backup_restore_testing_selection's options, before any AWS call."""
    problems = [p for p in (_name_problem("restore_testing_plan_name", params.get("restore_testing_plan_name")),
                            _name_problem("name", params.get("name"))) if p]
    if params.get("state") == "absent":
        return problems
    arns = params.get("protected_resource_arns")
    conditions = params.get("protected_resource_conditions")
    if arns is not None:
        if "*" in arns and len(arns) > 1:
            problems.append("protected_resource_arns takes specific tables or ['*'], not both")
        if len(arns) > MAX_PROTECTED_RESOURCE_ARNS:
            problems.append(f"protected_resource_arns takes at most {MAX_PROTECTED_RESOURCE_ARNS} tables, got {len(arns)}")
        for arn in arns:
            if arn.startswith("arn:") and ":dynamodb:" not in arn:
                problems.append(f"protected_resource_arns: {arn!r} is not a DynamoDB table ARN")
    if arns is not None and not arns and not _has_conditions(conditions):
        problems.append("protected_resource_arns is empty: name tables, ['*'] or give protected_resource_conditions")
    if _has_conditions(conditions) and arns and arns != ["*"]:
        problems.append("protected_resource_conditions can be used only with protected_resource_arns ['*'] (or without "
                        "protected_resource_arns), not with specific tables: AWS takes either ARNs or conditions")
    for key in params.get("restore_metadata_overrides") or {}:
        if str(key).lower() not in DYNAMODB_OVERRIDES:
            problems.append(f"restore_metadata_overrides: {key!r} cannot be overridden for DynamoDB; AWS allows "
                            f"{' and '.join(DYNAMODB_OVERRIDES.values())}")
    problem = _int_problem("validation_window_hours", params.get("validation_window_hours"), VALIDATION_WINDOW_HOURS)
    if problem:
        problems.append(problem)
    return problems


def _has_conditions(conditions):
    return any((conditions or {}).get(option) for option in CONDITION_OPERATORS)


def _conditions_from_options(conditions):
    result = {}
    for option in CONDITION_OPERATORS:
        entries = (conditions or {}).get(option) or []
        if entries:
            result[option] = sorted(({"key": e["key"], "value": e["value"]} for e in entries),
                                    key=lambda e: (e["key"], e["value"]))
    return result


def _conditions_from_aws(conditions):
    result = {}
    for option, field in CONDITION_OPERATORS.items():
        entries = (conditions or {}).get(field) or []
        if entries:
            result[option] = sorted(({"key": e.get("Key"), "value": e.get("Value")} for e in entries),
                                    key=lambda e: (e["key"], e["value"]))
    return result


def selection_view(raw):
    """GetRestoreTestingSelection's answer as the normalised view (conditions without ARNs: ARNs ['*'])."""
    conditions = _conditions_from_aws(raw.get("ProtectedResourceConditions"))
    arns = sorted(raw.get("ProtectedResourceArns") or [])
    return {
        "name": raw.get("RestoreTestingSelectionName"),
        "restore_testing_plan_name": raw.get("RestoreTestingPlanName"),
        "protected_resource_type": raw.get("ProtectedResourceType"),
        "protected_resource_arns": arns or (["*"] if conditions else []),
        "protected_resource_conditions": conditions,
        "iam_role_arn": raw.get("IamRoleArn"),
        "restore_metadata_overrides": dict(raw.get("RestoreMetadataOverrides") or {}),
        "validation_window_hours": raw.get("ValidationWindowHours") or 0,
    }


def selection_desired(params, before, ctx):
    """The view the options ask for; an option left out keeps what the selection has."""
    before = before or {}
    arns = params.get("protected_resource_arns")
    conditions = params.get("protected_resource_conditions")
    overrides = params.get("restore_metadata_overrides")
    window = params.get("validation_window_hours")
    if arns is None and conditions is None:
        wanted_arns, wanted_conditions = before.get("protected_resource_arns"), before.get("protected_resource_conditions")
    else:
        wanted_conditions = _conditions_from_options(conditions)
        if not arns:
            wanted_arns = ["*"] if wanted_conditions else []
        else:
            wanted_arns = sorted(arn if arn == "*" else ctx.table_arn(arn) for arn in arns)
    role = ctx.role_arn(role_arn=params.get("iam_role_arn"), role_name=params.get("iam_role_name"))
    return {
        "name": params["name"],
        "restore_testing_plan_name": params["restore_testing_plan_name"],
        "protected_resource_type": params["protected_resource_type"],
        "protected_resource_arns": wanted_arns,
        "protected_resource_conditions": wanted_conditions or {},
        "iam_role_arn": role or before.get("iam_role_arn"),
        "restore_metadata_overrides": ({str(k): str(v) for k, v in overrides.items()} if overrides is not None
                                       else dict(before.get("restore_metadata_overrides") or {})),
        "validation_window_hours": window if window is not None else before.get("validation_window_hours", 0),
    }


def selection_to_aws(view, creating):
    result = {
        "IamRoleArn": view["iam_role_arn"],
        "ProtectedResourceArns": list(view["protected_resource_arns"]),
        "ValidationWindowHours": view["validation_window_hours"],
    }
    if creating:
        result["RestoreTestingSelectionName"] = view["name"]
        result["ProtectedResourceType"] = view["protected_resource_type"]
    if view["protected_resource_conditions"]:
        result["ProtectedResourceConditions"] = {
            CONDITION_OPERATORS[option]: [{"Key": e["key"], "Value": e["value"]} for e in entries]
            for option, entries in view["protected_resource_conditions"].items()
        }
    if view["restore_metadata_overrides"]:
        result["RestoreMetadataOverrides"] = dict(view["restore_metadata_overrides"])
    return result


def needs_recreate(before, after):
    """UpdateRestoreTestingSelection cannot change the resource type, and AWS documents no way to remove
    conditions or metadata overrides with it: such a change deletes the selection and creates it again."""
    if before["protected_resource_type"] != after["protected_resource_type"]:
        return True
    for key in ("protected_resource_conditions", "restore_metadata_overrides"):
        if before[key] and not after[key]:
            return True
        if any(option not in after[key] for option in before[key]):
            return True
    return False


def _selection_result(view, raw):
    raw = raw or {}
    result = copy.deepcopy(view) if view else {}
    result.update(creation_time=iso(raw.get("CreationTime")))
    return result


def ensure_selection_present(module):
    params = module.params
    client = module.client("backup")
    ctx = CallerContext(module)
    plan_name, name = params["restore_testing_plan_name"], params["name"]
    if get_restore_testing_plan(client, plan_name) is None:
        if module.check_mode:
            # an earlier task of the same check-mode run may create the plan
            module.warn(f"restore_testing_plan_name: restore testing plan {plan_name!r} does not exist (yet)")
            raw, before = None, None
        else:
            module.fail_json(msg=f"restore_testing_plan_name: restore testing plan {plan_name!r} does not exist; create it "
                                 "first (backupkit.dynamodb.backup_restore_testing_plan). Nothing was changed.")
    else:
        raw = get_restore_testing_selection(client, plan_name, name)
        before = selection_view(raw) if raw is not None else None
    try:
        after = selection_desired(params, before, ctx)
    except ValueError as e:
        module.fail_json(msg=f"iam_role_name: {e}" if "IAM role" in str(e) else f"protected_resource_arns: {e}")
    if before is None:
        missing = []
        if not after["iam_role_arn"]:
            missing.append("iam_role_arn or iam_role_name")
        if not after["protected_resource_arns"] and not after["protected_resource_conditions"]:
            missing.append("protected_resource_arns or protected_resource_conditions")
        if missing:
            module.fail_json(msg=f"restore testing selection {name!r} does not exist; creating it needs {' and '.join(missing)}")
    recreate = before is not None and after != before and needs_recreate(before, after)
    if after == before or module.check_mode:
        return changed_result(before, after, module._diff, recreated=recreate,
                              restore_testing_selection=_selection_result(after, raw))
    if before is None:
        try:
            create_restore_testing_selection(client, plan_name, selection_to_aws(after, creating=True))
        except is_ansible_aws_error_code("AlreadyExistsException"):
            # another run created it meanwhile: converge it like an existing one
            update_restore_testing_selection(client, plan_name, name, selection_to_aws(after, creating=False))
    elif recreate:
        delete_restore_testing_selection(client, plan_name, name)
        create_restore_testing_selection(client, plan_name, selection_to_aws(after, creating=True))
    else:
        update_restore_testing_selection(client, plan_name, name, selection_to_aws(after, creating=False))
    raw = get_restore_testing_selection(client, plan_name, name)
    after = selection_view(raw)
    return changed_result(before, after, module._diff, recreated=recreate,
                          restore_testing_selection=_selection_result(after, raw))


def ensure_selection_absent(module):
    params = module.params
    client = module.client("backup")
    plan_name, name = params["restore_testing_plan_name"], params["name"]
    raw = get_restore_testing_selection(client, plan_name, name)
    if raw is None:
        return changed_result(None, None, module._diff, restore_testing_selection={})
    before = selection_view(raw)
    if not module.check_mode:
        delete_restore_testing_selection(client, plan_name, name)
    return changed_result(before, None, module._diff, restore_testing_selection=_selection_result(before, raw))
