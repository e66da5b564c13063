# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup selections for backupkit.dynamodb (private).

Two halves:

* the AWS calls (Backup, plus the STS and IAM look-ups the module needs), each a
  small function decorated once for error translation and once for retries; they
  raise :class:`AnsibleBackupError` and nothing else;
* pure functions that turn a selection - as the module's options describe it, or
  as AWS returns it - into one normalised snake_case dict, so that the two can be
  compared with ``==``.

A selection cannot be updated in AWS: a changed selection is deleted and created again.
"""

from __future__ import annotations

import datetime
import functools
import re
import time
import uuid

try:
    from botocore.exceptions import ClientError
except ImportError:
    ClientError = None  # Handled by AnsibleAWSModule


from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import BackupErrorHandler
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_plans
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import get_caller_identity
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import get_role
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry

# option name (amazon.aws.backup_selection's conditions suboptions) -> AWS Conditions field
CONDITION_FIELDS = {
    "string_equals": "StringEquals",
    "string_like": "StringLike",
    "string_not_equals": "StringNotEquals",
    "string_not_like": "StringNotLike",
}

# The only ConditionType AWS knows for ListOfTags; used when list_of_tags leaves it out.
DEFAULT_CONDITION_TYPE = "STRINGEQUALS"

# InvalidParameterValueException messages AWS Backup answers while a new IAM role
# has not yet propagated, for example
#   "IAM Role arn:aws:iam::123456789012:role/x cannot be assumed by AWS Backup"
#   "IAM Role arn:aws:iam::123456789012:role/x is not authorized to call tag:GetResources"
ROLE_PROPAGATION_MESSAGES = (
    "cannot be assumed",
    "could not be assumed",
    "unable to assume",
    "not authorized",
)
ROLE_PROPAGATION_TIMEOUT = 60
ROLE_PROPAGATION_DELAY = 2
ROLE_PROPAGATION_MAX_DELAY = 16


# --------------------------------------------------------------------------
# IAM eventual consistency
# --------------------------------------------------------------------------


def is_role_propagation_error(error) -> bool:
    """True if ``error`` is AWS Backup refusing a role that IAM has not finished propagating.

    Only ``InvalidParameterValueException`` answers whose message says the role cannot be
    assumed or is not authorised count; any other error (a malformed ARN, a missing plan,
    throttling, ...) is not retried here.
    """
    if ClientError is None or not isinstance(error, ClientError):
        return False
    details = error.response.get("Error") or {}
    if details.get("Code") != "InvalidParameterValueException":
        return False
    message = str(details.get("Message") or "").lower()
    return any(phrase in message for phrase in ROLE_PROPAGATION_MESSAGES)


def retry_while_role_propagates(timeout=ROLE_PROPAGATION_TIMEOUT, delay=ROLE_PROPAGATION_DELAY,
                                max_delay=ROLE_PROPAGATION_MAX_DELAY, sleep=time.sleep, clock=time.monotonic):
    """Retry the decorated call for up to ``timeout`` seconds while :func:`is_role_propagation_error`.

    The wait doubles from ``delay`` up to ``max_delay`` and never passes the deadline; the
    last error is raised once the deadline is reached. ``sleep`` and ``clock`` exist for tests.
    """

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            deadline = clock() + timeout
            wait = delay
            while True:
                try:
                    return func(*args, **kwargs)
                except Exception as e:  # pylint: disable=broad-except
                    if not is_role_propagation_error(e):
                        raise
                    remaining = deadline - clock()
                    if remaining <= 0:
                        raise
                    sleep(min(wait, remaining))
                    wait = min(wait * 2, max_delay)

        return wrapper

    return decorator


# --------------------------------------------------------------------------
# AWS calls
# --------------------------------------------------------------------------


@BackupErrorHandler.list_error_handler("list AWS Backup selections", default_value=None)
@aws_retry
def list_backup_selections(client, plan_id):
    """Every selection of the plan, across all pages (None if the plan is gone)."""
    paginator = client.get_paginator("list_backup_selections")
    return paginator.paginate(BackupPlanId=plan_id).build_full_result().get("BackupSelectionsList", [])


@BackupErrorHandler.list_error_handler("get AWS Backup selection")
@aws_retry
def get_backup_selection(client, plan_id, selection_id):
    """GetBackupSelection's answer without ResponseMetadata (None if it is gone)."""
    response = client.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    response.pop("ResponseMetadata", None)
    return response


@BackupErrorHandler.common_error_handler("create AWS Backup selection")
@retry_while_role_propagates()
@aws_retry
def _create_backup_selection(client, plan_id, selection, creator_request_id):
    response = client.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection=selection, CreatorRequestId=creator_request_id
    )
    response.pop("ResponseMetadata", None)
    return response


def create_backup_selection(client, plan_id, selection):
    """CreateBackupSelection with one idempotency token for all its retries.

    ``selection`` is the API's BackupSelection structure (see :func:`to_api`). Answers
    ``{"SelectionId", "BackupPlanId", "CreationDate"}``.
    """
    return _create_backup_selection(client, plan_id, selection, str(uuid.uuid4()))


@BackupErrorHandler.deletion_error_handler("delete AWS Backup selection")
@aws_retry
def delete_backup_selection(client, plan_id, selection_id):
    client.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    return True


def get_caller_account(sts_client):
    """The caller's account id (STS GetCallerIdentity, wrapped once in _identity)."""
    return get_caller_identity(sts_client)["Account"]


def get_role_arn(iam_client, role_name):
    """The ARN of the IAM role ``role_name`` (None if there is no such role)."""
    role = get_role(iam_client, role_name)
    return role["Arn"] if role else None


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


def desired_selection(selection_name, iam_role_arn, resources=None, not_resources=None,
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


def _timestamp(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def describe_result(response):
    """GetBackupSelection's answer as the module's ``backup_selection`` return value.

    The normalised selection plus the fields AWS owns (``backup_plan_id``, ``selection_id``,
    ``creation_date``, ``creator_request_id``).
    """
    result = normalise_selection(response.get("BackupSelection") or {})
    result["backup_plan_id"] = response.get("BackupPlanId")
    result["selection_id"] = response.get("SelectionId")
    result["creation_date"] = _timestamp(response.get("CreationDate"))
    if response.get("CreatorRequestId"):
        result["creator_request_id"] = response["CreatorRequestId"]
    return result


def flatten_response(response):
    """GetBackupSelection's answer with BackupSelection's fields lifted to the top, dates as text.

    This is the ``current_selection`` element amazon.aws.backup_selection returns.
    """
    flat = {key: _timestamp(value) for key, value in response.items() if key != "BackupSelection"}
    flat.update(response.get("BackupSelection") or {})
    return flat


def comparable(selection):
    """The part of a ``backup_selection`` dict that the user controls (what before/after compare)."""
    if selection is None:
        return None
    return {key: selection[key] for key in
            ("selection_name", "iam_role_arn", "resources", "not_resources", "list_of_tags", "conditions")}


# --------------------------------------------------------------------------
# Input checks (pure, before any AWS call)
# --------------------------------------------------------------------------

# DynamoDB's table name rule
TABLE_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
# an ARN, possibly with AWS Backup's wildcards ("arn:aws:dynamodb:*:*:table/*")
ARN_PATTERN = re.compile(r"^arn:[a-z*-]+:[a-z0-9*-]+:[a-z0-9*-]*:(\d{12}|\*)?:.+$")


def selection_problems(params):
    """What is wrong with the options of a selection to be present (messages naming the option)."""
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


__all__ = [
    "AnsibleBackupError",
    "comparable",
    "create_backup_selection",
    "delete_backup_selection",
    "describe_result",
    "desired_selection",
    "dynamodb_table_arn",
    "find_plan_id",
    "find_selections",
    "selection_problems",
    "flatten_response",
    "get_caller_account",
    "get_role_arn",
    "is_role_propagation_error",
    "normalise_conditions",
    "normalise_list_of_tags",
    "normalise_selection",
    "retry_while_role_propagates",
    "to_api",
]
