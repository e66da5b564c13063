"""AWS Backup: selections (resource assignments), which moto lacks.

A selection belongs to a live backup plan. AWS stores the BackupSelection document
as given, except that ``NotResources`` and ``ListOfTags`` come back as empty lists
when not given and ``Conditions`` always comes back with all four operators
(``StringEquals``, ``StringNotEquals``, ``StringLike``, ``StringNotLike``), empty
lists for those not given; amazon.aws.backup_selection relies on that form.
CreateBackupSelection refuses a role that does not exist as AWS refuses a role it
cannot assume (InvalidParameterValueException "IAM Role ARN cannot be assumed by
AWS Backup"), and so, with the ``iam_propagation_seconds`` setting, a role created
less than that many seconds ago (IAM's propagation delay). :func:`assigned_resources` evaluates what a plan's selections assign.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta
from typing import Any

from moto.core.common_models import BaseModel
from moto.core.utils import unix_time, utcnow
from moto.moto_api._internal import mock_random

from ..settings import SETTINGS
from .exceptions import (
    InvalidParameterValueException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from .pagination import query_page
from .plans import validate_creator_request_id

CONDITION_OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")
_SELECTION_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
# IAM's own pattern for a role ARN (any partition).
_ROLE_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:iam::\d{12}:role/[\w+=,.@\-/]+$")
# A resource ARN, or a pattern of one: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, any part may use * and ?.
_RESOURCE_ARN = re.compile(r"^arn:[^:\s]*:[^:\s]*:[^:\s]*:[^:\s]*:\S+$")


def validate_selection(selection: Any) -> None:
    """Refuse a BackupSelection as AWS does: no valid name or IAM role ARN, a Resources or
    NotResources entry that is neither a (wildcard) resource ARN nor ``*``, a ListOfTags
    condition without its ConditionType, ConditionKey or ConditionValue (all required) or
    of a type other than STRINGEQUALS.

    A selection with no Resources, ListOfTags or Conditions is accepted: AWS then
    selects every supported, opted-in resource (its API reference warns about it).
    """
    if not isinstance(selection, dict):
        raise MissingParameterValueException("BackupSelection is required.")
    name = selection.get("SelectionName")
    if not name:
        raise MissingParameterValueException("SelectionName is required.")
    if not _SELECTION_NAME.match(name):
        raise InvalidParameterValueException(
            f"Invalid selection name {name!r}: it must contain 1 to 50 alphanumeric or '-_.' characters."
        )
    role = selection.get("IamRoleArn")
    if not role:
        raise MissingParameterValueException("IamRoleArn is required.")
    if not _ROLE_ARN.match(role):
        raise InvalidParameterValueException(f"Invalid IAM role ARN: {role}")
    for member in ("Resources", "NotResources"):
        for entry in selection.get(member) or []:
            if not isinstance(entry, str) or not (entry == "*" or _RESOURCE_ARN.match(entry)):
                raise InvalidParameterValueException(
                    f"Invalid ARN {entry!r} in {member}: give resource ARNs (wildcards allowed) or '*'."
                )
    for condition in selection.get("ListOfTags") or []:
        condition = condition if isinstance(condition, dict) else {}
        for required in ("ConditionType", "ConditionKey", "ConditionValue"):
            if condition.get(required) is None:
                raise MissingParameterValueException(f"{required} is required in every ListOfTags condition.")
        if condition["ConditionType"] != "STRINGEQUALS":
            raise InvalidParameterValueException(
                f"Invalid ConditionType {condition['ConditionType']!r} in ListOfTags: the only value is STRINGEQUALS."
            )


def role_problem(role_arn: str) -> str | None:
    """AWS Backup's answer when it cannot assume the selection's role: the role does not exist,
    or it was created less than ``SETTINGS.iam_propagation_seconds`` ago (virtual clock).

    AWS cannot tell a missing role from one IAM has not propagated yet, and answers both
    with this message; clients retry on it for a while (amazon.aws and our modules do).
    The propagation delay is 0 unless set (``POST /_backupkit/settings``), so that such
    retries can be exercised against the emulator.
    """
    from moto.iam.models import iam_backends

    match = re.match(r"^arn:(?P<partition>aws[a-zA-Z-]*):iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[^/]+)$",
                     role_arn)
    if match is None:
        return None  # the ARN's form was checked before
    backend = iam_backends[match.group("account")][match.group("partition")]
    try:
        role = backend.get_role(match.group("name"))
    except Exception:  # moto raises NoSuchEntity
        role = None
    if role is None or getattr(role, "arn", role_arn) != role_arn or not _propagated(role):
        return f"IAM Role {role_arn} cannot be assumed by AWS Backup"
    return None


def _propagated(role: Any) -> bool:
    """Whether IAM's eventual consistency has let AWS Backup see the role yet (SETTINGS.iam_propagation_seconds)."""
    delay = SETTINGS.iam_propagation_seconds
    created = getattr(role, "create_date", None)
    if delay <= 0 or not isinstance(created, datetime):
        return True
    return utcnow() >= created + timedelta(seconds=delay)


def stored_selection(selection: dict[str, Any]) -> dict[str, Any]:
    """The document as AWS keeps it: as given, with NotResources and ListOfTags empty lists
    when not given and Conditions with all four operators (amazon.aws's target asserts these)."""
    stored = copy.deepcopy(selection)
    stored["NotResources"] = stored.get("NotResources") or []
    stored["ListOfTags"] = stored.get("ListOfTags") or []
    conditions = stored.get("Conditions") or {}
    stored["Conditions"] = {op: conditions.get(op) or [] for op in CONDITION_OPERATORS}
    return stored


class Selection(BaseModel):
    """A resource assignment: which resources a backup plan protects."""

    def __init__(self, backup_plan_id: str, backup_selection: dict[str, Any], creator_request_id: str | None):
        self.selection_id = str(mock_random.uuid4())
        self.backup_plan_id = backup_plan_id
        self.backup_selection = stored_selection(backup_selection)
        self.creation_date = unix_time()
        self.creator_request_id = creator_request_id

    @property
    def selection_name(self) -> str:
        return self.backup_selection["SelectionName"]

    @property
    def iam_role_arn(self) -> str:
        return self.backup_selection["IamRoleArn"]

    def _with_request_id(self, dct: dict[str, Any]) -> dict[str, Any]:
        if self.creator_request_id is not None:
            dct["CreatorRequestId"] = self.creator_request_id
        return dct

    def to_create_dict(self) -> dict[str, Any]:
        return {
            "SelectionId": self.selection_id,
            "BackupPlanId": self.backup_plan_id,
            "CreationDate": self.creation_date,
        }

    def to_get_dict(self) -> dict[str, Any]:
        """GetBackupSelection's answer."""
        return self._with_request_id({
            "BackupSelection": self.backup_selection,
            "SelectionId": self.selection_id,
            "BackupPlanId": self.backup_plan_id,
            "CreationDate": self.creation_date,
        })

    def to_list_dict(self) -> dict[str, Any]:
        """A BackupSelectionsListMember."""
        return self._with_request_id({
            "SelectionId": self.selection_id,
            "SelectionName": self.selection_name,
            "BackupPlanId": self.backup_plan_id,
            "CreationDate": self.creation_date,
            "IamRoleArn": self.iam_role_arn,
        })


class SelectionsBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_selections(self) -> None:
        # backup plan id -> selection id -> selection, in creation order
        self.selections: dict[str, dict[str, Selection]] = {}

    def selections_for_plan(self, plan_id: str) -> list[Selection]:
        """The selections of a plan, oldest first (empty for an unknown plan)."""
        return list(self.selections.get(plan_id, {}).values())

    def create_backup_selection(
        self, backup_plan_id: str, backup_selection: dict[str, Any], creator_request_id: str | None
    ) -> Selection:
        """AWS CreateBackupSelection: the plan must be live; a CreatorRequestId already
        used on this plan returns that selection instead of making another."""
        self.live_plan(backup_plan_id)  # type: ignore[attr-defined]
        validate_creator_request_id(creator_request_id)
        if creator_request_id:
            for existing in self.selections_for_plan(backup_plan_id):
                if existing.creator_request_id == creator_request_id:
                    return existing
        validate_selection(backup_selection)
        problem = role_problem(backup_selection["IamRoleArn"])
        if problem:
            raise InvalidParameterValueException(problem)
        selection = Selection(backup_plan_id, backup_selection, creator_request_id)
        self.selections.setdefault(backup_plan_id, {})[selection.selection_id] = selection
        return selection

    def get_backup_selection(self, backup_plan_id: str, selection_id: str) -> Selection:
        self.live_plan(backup_plan_id)  # type: ignore[attr-defined]
        selection = self.selections.get(backup_plan_id, {}).get(selection_id)
        if selection is None:
            raise ResourceNotFoundException(
                msg=f"Failed reading selection {selection_id} of backup plan {backup_plan_id}"
            )
        return selection

    def list_backup_selections(self, backup_plan_id: str) -> list[Selection]:
        self.live_plan(backup_plan_id)  # type: ignore[attr-defined]
        return self.selections_for_plan(backup_plan_id)

    def delete_backup_selection(self, backup_plan_id: str, selection_id: str) -> None:
        self.get_backup_selection(backup_plan_id, selection_id)
        del self.selections[backup_plan_id][selection_id]


class SelectionsResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    body: Any
    querystring: dict[str, list[str]]
    uri_match: dict[str, Any]
    backup_backend: Any

    def create_backup_selection(self) -> str:
        params = json.loads(self.body or "{}")
        selection = self.backup_backend.create_backup_selection(
            self.uri_match["backupPlanId"], params.get("BackupSelection"), params.get("CreatorRequestId")
        )
        return json.dumps(selection.to_create_dict())

    def get_backup_selection(self) -> str:
        selection = self.backup_backend.get_backup_selection(
            self.uri_match["backupPlanId"], self.uri_match["selectionId"]
        )
        return json.dumps(selection.to_get_dict())

    def list_backup_selections(self) -> str:
        selections = self.backup_backend.list_backup_selections(self.uri_match["backupPlanId"])
        page, token = query_page(selections, self.querystring)
        result: dict[str, Any] = {"BackupSelectionsList": [s.to_list_dict() for s in page]}
        if token:
            result["NextToken"] = token
        return json.dumps(result)

    def delete_backup_selection(self) -> str:
        self.backup_backend.delete_backup_selection(self.uri_match["backupPlanId"], self.uri_match["selectionId"])
        return "{}"


# --------------------------------------------------------------------------- #
# Which resources a plan's selections assign (the scheduler and reports use this)
# --------------------------------------------------------------------------- #

TAG_KEY_PREFIX = "aws:ResourceTag/"


def _glob(pattern: str) -> re.Pattern[str]:
    """AWS's wildcards: ``*`` any run of characters, ``?`` one character; everything else literal."""
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def _tag_key(condition_key: str) -> str:
    return condition_key[len(TAG_KEY_PREFIX):] if condition_key.startswith(TAG_KEY_PREFIX) else condition_key


def _condition_holds(operator: str, condition: dict[str, Any], tags: dict[str, str]) -> bool:
    """One Conditions entry against a resource's tags (operators are case sensitive, as AWS says)."""
    value = tags.get(_tag_key(condition.get("ConditionKey", "")))
    wanted = condition.get("ConditionValue", "")
    if operator == "StringEquals":
        return value == wanted
    if operator == "StringNotEquals":
        return value != wanted
    if operator == "StringLike":
        return value is not None and bool(_glob(wanted).match(value))
    if operator == "StringNotLike":
        return value is None or not _glob(wanted).match(value)
    return False


def selection_matches(document: dict[str, Any], arn: str, tags: dict[str, str] | None) -> bool:
    """Whether one BackupSelection document assigns the resource ``arn`` (tags None: it does not exist).

    As AWS evaluates it: ``Resources`` (ARNs, ``*``/``?`` wildcards) OR ``ListOfTags``
    (any one STRINGEQUALS tag); neither given means every resource. That AND every
    ``Conditions`` entry (StringEquals/NotEquals/Like/NotLike on ``aws:ResourceTag/KEY``),
    minus ``NotResources``. A resource that does not exist is only assigned by its own
    ARN in Resources, with no tag to test (its job then fails, as on AWS).
    """
    resources = document.get("Resources") or []
    list_of_tags = document.get("ListOfTags") or []
    conditions = document.get("Conditions") or {}
    if any(_glob(pattern).match(arn) for pattern in document.get("NotResources") or []):
        return False
    if tags is None:
        has_conditions = any(conditions.get(op) for op in CONDITION_OPERATORS)
        return arn in resources and not has_conditions
    if resources or list_of_tags:
        by_arn = any(_glob(pattern).match(arn) for pattern in resources)
        by_tag = any(
            tags.get(_tag_key(tag.get("ConditionKey", ""))) == tag.get("ConditionValue")
            for tag in list_of_tags
            if (tag.get("ConditionType") or "STRINGEQUALS").upper() == "STRINGEQUALS"
        )
        if not (by_arn or by_tag):
            return False
    return all(
        _condition_holds(operator, condition, tags)
        for operator in CONDITION_OPERATORS
        for condition in conditions.get(operator) or []
    )


def assigned_resources(backend: Any, plan_id: str) -> dict[str, "Selection"]:
    """The resources a plan's selections assign now, each once, with the (oldest) selection that
    assigns it: ARN -> Selection, in ARN order. Only DynamoDB tables, and only where the region's
    settings opt DynamoDB in. Tags are read from the DynamoDB table at this moment."""
    settings = getattr(backend, "region_settings", {}).get("ResourceTypeOptInPreference", {})
    if not settings.get("DynamoDB", True):
        return {}
    ddb = backend._dynamodb_backend()
    own_tables = f":dynamodb:{backend.region_name}:{backend.account_id}:table/"
    own_tables = f"arn:{backend.partition}{own_tables}" if hasattr(backend, "partition") else "arn:aws" + own_tables
    tables: dict[str, dict[str, str]] = {}
    for table in list(ddb.tables.values()):
        tables[table.table_arn] = {tag["Key"]: tag["Value"] for tag in (table.tags or [])}
    assigned: dict[str, Selection] = {}
    for selection in backend.selections_for_plan(plan_id):
        document = selection.backup_selection
        candidates = list(tables) + [arn for arn in document.get("Resources") or [] if arn not in tables
                                     and arn.startswith(own_tables) and "*" not in arn and "?" not in arn]
        for arn in candidates:
            if arn not in assigned and selection_matches(document, arn, tables.get(arn)):
                assigned[arn] = selection
    return dict(sorted(assigned.items()))
