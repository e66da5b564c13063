# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine of backupkit.dynamodb.backup_selection (private).

describe -> desired -> predict -> the same normalised view before and after -> apply ->
describe again (:func:`ensure_present`, :func:`ensure_absent`). The AWS calls are
``_backup``'s (and ``_iam``'s, ``_identity``'s); the pure functions turn a selection - as
the module's options describe it, or as AWS returns it - into one normalised snake_case
dict, so that the two can be compared with ``==``.

A selection cannot be updated in AWS: a changed selection is deleted and created again.
AWS allows several selections of one name in a plan; two runs at once can create two. The
module keeps one, always the same for every run: the one as wanted, else the oldest
(CreationDate, then SelectionId).
"""

from __future__ import annotations

import re

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import create_backup_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_backup_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_plans
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_selections
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import get_role
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import get_caller_identity
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import EPOCH
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time

# option name (amazon.aws.backup_selection's conditions suboptions) -> AWS Conditions field
CONDITION_FIELDS = {
    "string_equals": "StringEquals",
    "string_like": "StringLike",
    "string_not_equals": "StringNotEquals",
    "string_not_like": "StringNotLike",
}

# The only ConditionType AWS knows for ListOfTags; used when list_of_tags leaves it out.
DEFAULT_CONDITION_TYPE = "STRINGEQUALS"


# --------------------------------------------------------------------------
# Reading: plan and selection by name
# --------------------------------------------------------------------------


def find_plan_id(client, plan_name):
    """The id of the (not deleted) backup plan called ``plan_name``, or None."""
    for plan in list_backup_plans(client):
        if plan.get("BackupPlanName") == plan_name:
            return plan["BackupPlanId"]
    return None


def find_selections(client, plan_id, selection_name):
    """GetBackupSelection answers of every selection of the plan called ``selection_name``.

    Reads every page of ListBackupSelections. An empty list if there is none, or if
    the plan has gone meanwhile.
    """
    found = []
    for summary in list_backup_selections(client, plan_id) or []:
        if summary.get("SelectionName") != selection_name:
            continue
        selection = get_backup_selection(client, plan_id, summary["SelectionId"])
        if selection is not None:
            found.append(selection)
    return found


# --------------------------------------------------------------------------
# Normalisation (pure)
# --------------------------------------------------------------------------


def _text(value):
    return "" if value is None else str(value)


def normalise_list_of_tags(tags):
    """ListOfTags as a sorted, duplicate-free list of {condition_type, condition_key, condition_value}.

    Accepts the option's snake_case dicts or AWS's CamelCase ones. Keys and values are
    the user's tag keys and values: they are never case-converted. A missing
    ``condition_type`` is V(STRINGEQUALS), the only type AWS knows.
    """
    triples = set()
    for tag in tags or []:
        condition_type = tag.get("condition_type", tag.get("ConditionType"))
        triples.add(
            (
                _text(condition_type) or DEFAULT_CONDITION_TYPE,
                _text(tag.get("condition_key", tag.get("ConditionKey"))),
                _text(tag.get("condition_value", tag.get("ConditionValue"))),
            )
        )
    return [
        {"condition_type": condition_type, "condition_key": key, "condition_value": value}
        for condition_type, key, value in sorted(triples)
    ]


def _normalise_condition_parameters(parameters):
    pairs = set()
    for parameter in parameters or []:
        pairs.add(
            (
                _text(parameter.get("condition_key", parameter.get("ConditionKey"))),
                _text(parameter.get("condition_value", parameter.get("ConditionValue"))),
            )
        )
    return [{"condition_key": key, "condition_value": value} for key, value in sorted(pairs)]


def normalise_conditions(conditions):
    """Conditions in the option's format, every type present (empty lists filled, as AWS returns them).

    Accepts the option's format (``string_equals`` ...) or AWS's (``StringEquals`` ...);
    each list becomes a sorted, duplicate-free list of {condition_key, condition_value}.
    """
    conditions = conditions or {}
    return {
        option: _normalise_condition_parameters(conditions.get(option, conditions.get(field)))
        for option, field in CONDITION_FIELDS.items()
    }


def _arns(values):
    return sorted({str(value) for value in values or []})


def normalise_selection(selection):
    """AWS's BackupSelection structure as the normalised dict the module compares."""
    return {
        "selection_name": selection.get("SelectionName"),
        "iam_role_arn": selection.get("IamRoleArn"),
        "resources": _arns(selection.get("Resources")),
        "not_resources": _arns(selection.get("NotResources")),
        "list_of_tags": normalise_list_of_tags(selection.get("ListOfTags")),
        "conditions": normalise_conditions(selection.get("Conditions")),
    }


def desired(selection_name, iam_role_arn, resources=None, not_resources=None,
            list_of_tags=None, conditions=None):
    """The module's options as the normalised dict the module compares."""
    return {
        "selection_name": selection_name,
        "iam_role_arn": iam_role_arn,
        "resources": _arns(resources),
        "not_resources": _arns(not_resources),
        "list_of_tags": normalise_list_of_tags(list_of_tags),
        "conditions": normalise_conditions(conditions),
    }


def to_api(selection):
    """A normalised selection as CreateBackupSelection's BackupSelection structure (empty parts left out)."""
    api = {"SelectionName": selection["selection_name"], "IamRoleArn": selection["iam_role_arn"]}
    if selection["resources"]:
        api["Resources"] = list(selection["resources"])
    if selection["not_resources"]:
        api["NotResources"] = list(selection["not_resources"])
    if selection["list_of_tags"]:
        api["ListOfTags"] = [
            {"ConditionType": tag["condition_type"], "ConditionKey": tag["condition_key"],
             "ConditionValue": tag["condition_value"]}
            for tag in selection["list_of_tags"]
        ]
    conditions = {
        field: [{"ConditionKey": p["condition_key"], "ConditionValue": p["condition_value"]}
                for p in selection["conditions"][option]]
        for option, field in CONDITION_FIELDS.items()
        if selection["conditions"][option]
    }
    if conditions:
        api["Conditions"] = conditions
    return api


def selection_result(response):
    """GetBackupSelection's answer as the module's ``backup_selection`` return value.

    The normalised selection plus the fields AWS owns (``backup_plan_id``, ``selection_id``,
    ``creation_date``, ``creator_request_id``).
    """
    result = normalise_selection(response.get("BackupSelection") or {})
    result["backup_plan_id"] = response.get("BackupPlanId")
    result["selection_id"] = response.get("SelectionId")
    result["creation_date"] = iso(response.get("CreationDate"))
    if response.get("CreatorRequestId"):
        result["creator_request_id"] = response["CreatorRequestId"]
    return result


def flatten_response(response):
    """GetBackupSelection's answer with BackupSelection's fields lifted to the top, dates as text.

    This is the ``current_selection`` element amazon.aws.backup_selection returns.
    """
    flat = {key: iso(value) for key, value in response.items() if key != "BackupSelection"}
    flat.update(response.get("BackupSelection") or {})
    return flat


VIEW_KEYS = ("selection_name", "iam_role_arn", "resources", "not_resources", "list_of_tags", "conditions")


def view(selection, duplicates=()):
    """What before and after compare: the part of a ``backup_selection`` dict (or of :func:`desired`) that
    the user controls, and the ids of the other selections of the same name (``duplicates``, none wanted)."""
    if selection is None:
        return None
    result = {key: selection[key] for key in VIEW_KEYS}
    result["duplicates"] = sorted(duplicates)
    return result


# --------------------------------------------------------------------------
# Input checks (pure, before any AWS call)
# --------------------------------------------------------------------------

# DynamoDB's table name rule
TABLE_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
# an ARN, possibly with AWS Backup's wildcards ("arn:aws:dynamodb:*:*:table/*")
ARN_PATTERN = re.compile(r"^arn:[a-z*-]+:[a-z0-9*-]+:[a-z0-9*-]*:(\d{12}|\*)?:.+$")


def input_problems(params):
    """What is wrong with the options of a selection to be present (messages naming the option)."""
    if params.get("state", "present") != "present":
        return []
    problems = []
    for option in ("resources", "not_resources"):
        for value in params.get(option) or []:
            if value != "*" and not ARN_PATTERN.match(str(value)):
                problems.append(f"{option}: {value!r} is not an ARN (nor '*')")
    for table in params.get("dynamodb_tables") or []:
        text = str(table)
        if text.startswith("arn:"):
            if not ARN_PATTERN.match(text) or ":dynamodb:" not in text or ":table/" not in text:
                problems.append(f"dynamodb_tables: {table!r} is not a DynamoDB table ARN")
        elif not TABLE_NAME_PATTERN.match(text):
            problems.append(
                f"dynamodb_tables: {table!r} is not a DynamoDB table name (3 to 255 letters, digits, '_', '-' or '.')"
            )
    for index, tag in enumerate(params.get("list_of_tags") or []):
        for field in ("condition_key", "condition_value"):
            if not (tag or {}).get(field):
                problems.append(f"list_of_tags[{index}]: {field} is required")
    conditions = params.get("conditions") or {}
    has_conditions = any(conditions.get(kind) for kind in conditions)
    if not (params.get("resources") or params.get("dynamodb_tables") or params.get("list_of_tags") or has_conditions):
        problems.append(
            "a selection needs resources, dynamodb_tables, list_of_tags or conditions: without any it selects nothing"
        )
    return problems


# --------------------------------------------------------------------------
# dynamodb_tables
# --------------------------------------------------------------------------


def dynamodb_table_arn(table, partition, region, account_id):
    """The ARN of DynamoDB table ``table`` in the account and region; an ARN is kept as it is."""
    table = str(table)
    if table.startswith("arn:"):
        return table
    return f"arn:{partition}:dynamodb:{region}:{account_id}:table/{table}"


# --------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------


def resolve_role_arn(module):
    """O(iam_role_arn), or the ARN of the role O(iam_role_name) (an error if it does not exist)."""
    if module.params["iam_role_arn"]:
        return module.params["iam_role_arn"]
    role_name = module.params["iam_role_name"]
    role = get_role(module.client("iam"), role_name)
    if role is None:
        raise AnsibleBackupError(message=f"iam_role_name: the IAM role {role_name!r} does not exist")
    return role["Arn"]


def resolve_resources(module, client):
    """O(resources) plus the ARNs of O(dynamodb_tables) in the connection's account and region."""
    resources = list(module.params["resources"] or [])
    tables = module.params["dynamodb_tables"] or []
    if tables:
        account_id = None
        if any(not str(table).startswith("arn:") for table in tables):
            account_id = get_caller_identity(module.client("sts"))["Account"]
        resources.extend(
            dynamodb_table_arn(table, client.meta.partition, client.meta.region_name, account_id) for table in tables
        )
    return resources


def age_key(response):
    """Oldest first: CreationDate, then SelectionId (the same order for every run)."""
    return (parse_time(response.get("CreationDate")) or EPOCH, response.get("SelectionId") or "")


def keep_one(selections, wanted):
    """(the selection to keep, the others): the one as wanted, else the oldest."""
    ordered = sorted(selections, key=lambda response: (view(selection_result(response)) != view(wanted), age_key(response)))
    return (ordered[0] if ordered else None), ordered[1:]


def converge_after_create(client, plan_id, created_id, wanted):
    """Another run may have created a selection of the same name at the same time: of those listed now,
    the oldest is kept by every run. Returns the kept selection (GetBackupSelection's answer), after
    deleting the one this run created when it is not that one; fails when the kept one is not as wanted."""
    selections = find_selections(client, plan_id, wanted["selection_name"])
    if not any(response["SelectionId"] == created_id for response in selections):
        return None
    keeper = sorted(selections, key=age_key)[0]
    if keeper["SelectionId"] == created_id:
        return keeper
    delete_backup_selection(client, plan_id, created_id)
    if view(selection_result(keeper)) != view(wanted):
        raise AnsibleBackupError(
            message=(f"Another run created backup selection {wanted['selection_name']!r} ({keeper['SelectionId']}) "
                     f"at the same time, not as this task asks; the one this task created ({created_id}) was deleted "
                     "to keep one selection of that name. Run the task again to replace it.")
        )
    return keeper


def ensure_present(module):
    client = module.client("backup")
    plan_name = module.params["backup_plan_name"]
    wanted = desired(
        selection_name=module.params["backup_selection_name"],
        iam_role_arn=resolve_role_arn(module),
        resources=resolve_resources(module, client),
        not_resources=module.params["not_resources"],
        list_of_tags=module.params["list_of_tags"],
        conditions=module.params["conditions"],
    )

    plan_id = find_plan_id(client, plan_name)
    if plan_id is None:
        raise AnsibleBackupError(message=f"The backup plan {plan_name} does not exist. Please create one first.")
    current, others = keep_one(find_selections(client, plan_id, wanted["selection_name"]), wanted)
    duplicates = [selection["SelectionId"] for selection in others]
    current_result = selection_result(current) if current else None
    before = view(current_result, duplicates)
    extra = dict(current_selection=[flatten_response(current)] if current else [], exists=True, replaced=False)
    if duplicates:
        extra["msg"] = (f"{'Would have deleted' if module.check_mode else 'Deleted'} {len(duplicates)} more backup "
                        f"selection(s) named {wanted['selection_name']!r}: {', '.join(duplicates)}")
        if not module.check_mode:
            for selection_id in duplicates:
                delete_backup_selection(client, plan_id, selection_id)

    if before is not None and view(current_result) == view(wanted):
        after = view(current_result)
        return changed_result(before, after, module._diff, backup_selection=current_result, **extra)

    old_id = current["SelectionId"] if current else None
    if old_id:
        extra.update(replaced=True, replaced_selection_id=old_id)
    predicted = view(wanted)
    if module.check_mode:
        action = "replaced" if old_id else "created"
        extra["msg"] = f"Would have {action} selection if not in check mode" + (f"; {extra['msg']}" if duplicates else "")
        return changed_result(before, predicted, module._diff, backup_selection=dict(wanted, backup_plan_id=plan_id), **extra)

    if old_id:
        delete_backup_selection(client, plan_id, old_id)
    try:
        created = create_backup_selection(client, plan_id, to_api(wanted))
    except AnsibleBackupError as e:
        if old_id:
            raise AnsibleBackupError(
                message=(f"Deleted backup selection {wanted['selection_name']} ({old_id}) to replace it, "
                         "but failed to create its replacement"),
                exception=e.exception,
            ) from e
        raise
    response = converge_after_create(client, plan_id, created["SelectionId"], wanted)
    if response is None:  # not listed yet: report what was created
        response = get_backup_selection(client, plan_id, created["SelectionId"]) or dict(created, BackupSelection=to_api(wanted))
    after_result = selection_result(response)
    return changed_result(before, view(after_result), module._diff, backup_selection=after_result, **extra)


def ensure_absent(module):
    client = module.client("backup")
    gone = dict(backup_selection={}, exists=False, replaced=False, current_selection=[])
    plan_id = find_plan_id(client, module.params["backup_plan_name"])
    existing = find_selections(client, plan_id, module.params["backup_selection_name"]) if plan_id else []
    if not existing:
        return changed_result(None, None, module._diff, **gone)

    existing.sort(key=age_key)
    before = view(selection_result(existing[0]), [selection["SelectionId"] for selection in existing[1:]])
    gone["current_selection"] = [flatten_response(existing[0])]
    if module.check_mode:
        return changed_result(before, None, module._diff, msg="Would have deleted backup selection if not in check mode", **gone)
    for selection in existing:
        delete_backup_selection(client, plan_id, selection["SelectionId"])
    return changed_result(before, None, module._diff, **gone)
