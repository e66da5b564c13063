"""AWS Backup: restore testing plans and selections, run on the clock (backend and response mixins).

Operations: CreateRestoreTestingPlan, GetRestoreTestingPlan, UpdateRestoreTestingPlan,
DeleteRestoreTestingPlan, ListRestoreTestingPlans; CreateRestoreTestingSelection,
GetRestoreTestingSelection, UpdateRestoreTestingSelection, DeleteRestoreTestingSelection,
ListRestoreTestingSelections; PutRestoreValidationResult, GetRestoreJobMetadata and
GetRestoreTestingInferredMetadata, with the request and answer shapes of AWS's API reference.

A plan runs at each instant its ``ScheduleExpression`` names in its
``ScheduleExpressionTimezone`` (AWS Backup's cron, as for backup plans; the first run is the
first instant after the plan was created), through ``schedule.py``. A run, for each of the
plan's selections (in creation order), takes the protected resources of the selection's
``ProtectedResourceType`` that have recovery points in this account and Region which are
``COMPLETED``, in a vault ``IncludeVaults`` names and ``ExcludeVaults`` does not (vault ARNs
with ``*`` wildcards), created at most ``SelectionWindowDays`` (default 30) before the run,
and of a ``RecoveryPointTypes`` the emulator has (``SNAPSHOT``; ``CONTINUOUS`` selects
nothing); keeps those ``ProtectedResourceArns`` names (``["*"]``: all) whose tags satisfy
``ProtectedResourceConditions`` (``StringEquals`` / ``StringNotEquals`` on tag keys, with or
without ``aws:ResourceTag/``; tags are the table's when it exists here, else the recovery
point's); and for each resource (in ARN order) picks one recovery point: the newest
(``LATEST_WITHIN_WINDOW``) or one drawn at random (``RANDOM_WITHIN_WINDOW``; the draw is
seeded by the emulator's ``seed`` setting, the account, Region, plan name, the run's instant and
the resource, so the same state and seed draw the same). It starts a restore job of it (StartRestoreJob, as AWS does), ``CreatedBy``
``{"RestoreTestingPlanArn": ...}``, with the selection's ``IamRoleArn`` and the inferred
metadata AWS documents for DynamoDB (*Restore testing inferred metadata*):
``targetTableName`` ``awsbackup-restore-test-`` plus a random suffix (12 hex digits here: the
suffix's form is not documented), ``encryptionType`` ``Default``, ``deletionProtection``
``false``, overridden by the selection's ``RestoreMetadataOverrides`` (``encryptionType``,
``kmsMasterKeyArn``; keys are not case sensitive).

The restored table is deleted when validation completes (PutRestoreValidationResult with
``SUCCESSFUL``, ``FAILED`` or ``TIMED_OUT``) or when the validation window closes
(``ValidationWindowHours`` after the restore job completed; absent or 0: as soon as it
completes), whichever comes first, as AWS describes it ("Once the optional validation
completes or the validation window closes, AWS Backup deletes the resources"); the restore
job then shows ``DeletionStatus`` ``SUCCESSFUL`` (``FAILED`` with DynamoDB's message if the
table cannot be deleted, e.g. someone turned its deletion protection on). A restore job that
failed leaves nothing to delete and no DeletionStatus.

The emulator's own wording, where AWS's is not documented: the messages of refusals, and
a ValidationStatus is never set by the emulator itself (only by PutRestoreValidationResult).
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from typing import Any, Iterator

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from ..clock import iso
from ..iam_policy import wildcard_match
from ..settings import SETTINGS
from . import cron
from .exceptions import (
    AlreadyExistsException,
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from .jobs import ROLE_ARN
from .pagination import paginate
from .plans import validate_creator_request_id
from .recovery_points import RESOURCE_TYPE, compact, now_ms, request_json, uri_param

NAME = re.compile(r"^[a-zA-Z0-9_]{1,50}$")
ALGORITHMS = ("LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW")
RECOVERY_POINT_TYPES = ("CONTINUOUS", "SNAPSHOT")
PROTECTED_RESOURCE_TYPES = ("Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3")
DEFAULT_SELECTION_WINDOW_DAYS = 30
DEFAULT_START_WINDOW_HOURS = 24
MAX_START_WINDOW_HOURS = 168
MAX_VALIDATION_WINDOW_HOURS = 168
MAX_PROTECTED_RESOURCE_ARNS = 30
DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"
#: DynamoDB's overridable restore metadata keys (AWS: "key values are not case sensitive")
DYNAMODB_OVERRIDES = {"encryptiontype": "encryptionType", "kmsmasterkeyarn": "kmsMasterKeyArn"}
TABLE_PREFIX = "awsbackup-restore-test-"
VALIDATION_STATUSES = ("FAILED", "SUCCESSFUL", "TIMED_OUT", "VALIDATING")
FINAL_VALIDATION = ("FAILED", "SUCCESSFUL", "TIMED_OUT")
TAG_KEY_PREFIX = "aws:ResourceTag/"


class RestoreTestingPlan:
    def __init__(self, backend: Any, body: dict[str, Any], creator_request_id: str | None):
        self.name: str = body["RestoreTestingPlanName"]
        partition = get_partition(backend.region_name)
        self.arn = (f"arn:{partition}:backup:{backend.region_name}:{backend.account_id}:restore-testing-plan:"
                    f"{self.name}-{mock_random.uuid4()}")
        self.creator_request_id = creator_request_id
        self.creation_time = now_ms()
        self.last_update_time: datetime | None = None
        self.last_execution_time: datetime | None = None
        self.apply(body)

    def apply(self, body: dict[str, Any]) -> None:
        self.schedule_expression: str = body["ScheduleExpression"]
        self.schedule_timezone: str | None = body.get("ScheduleExpressionTimezone")
        self.start_window_hours: int = body.get("StartWindowHours", DEFAULT_START_WINDOW_HOURS)
        self.recovery_point_selection: dict[str, Any] = body["RecoveryPointSelection"]

    def for_list(self) -> dict[str, Any]:
        return compact({
            "CreationTime": self.creation_time,
            "LastExecutionTime": self.last_execution_time,
            "LastUpdateTime": self.last_update_time,
            "RestoreTestingPlanArn": self.arn,
            "RestoreTestingPlanName": self.name,
            "ScheduleExpression": self.schedule_expression,
            "ScheduleExpressionTimezone": self.schedule_timezone,
            "StartWindowHours": self.start_window_hours,
        })

    def for_get(self) -> dict[str, Any]:
        return compact({
            **self.for_list(),
            "CreatorRequestId": self.creator_request_id,
            "RecoveryPointSelection": dict(self.recovery_point_selection),
        })


class RestoreTestingSelection:
    def __init__(self, plan: RestoreTestingPlan, body: dict[str, Any], creator_request_id: str | None):
        self.plan_name = plan.name
        self.plan_arn = plan.arn
        self.name: str = body["RestoreTestingSelectionName"]
        self.protected_resource_type: str = body["ProtectedResourceType"]
        self.creator_request_id = creator_request_id
        self.creation_time = now_ms()
        self.update_time: datetime | None = None
        self.apply(body)

    def apply(self, body: dict[str, Any]) -> None:
        self.iam_role_arn: str = body["IamRoleArn"]
        self.protected_resource_arns: list[str] | None = body.get("ProtectedResourceArns")
        self.protected_resource_conditions: dict[str, Any] | None = body.get("ProtectedResourceConditions")
        self.restore_metadata_overrides: dict[str, str] | None = body.get("RestoreMetadataOverrides")
        self.validation_window_hours: int | None = body.get("ValidationWindowHours")

    def document(self) -> dict[str, Any]:
        return compact({
            "IamRoleArn": self.iam_role_arn,
            "ProtectedResourceArns": self.protected_resource_arns,
            "ProtectedResourceConditions": self.protected_resource_conditions,
            "ProtectedResourceType": self.protected_resource_type,
            "RestoreMetadataOverrides": self.restore_metadata_overrides,
            "RestoreTestingSelectionName": self.name,
            "ValidationWindowHours": self.validation_window_hours,
        })

    def for_list(self) -> dict[str, Any]:
        return compact({
            "CreationTime": self.creation_time,
            "IamRoleArn": self.iam_role_arn,
            "ProtectedResourceType": self.protected_resource_type,
            "RestoreTestingPlanName": self.plan_name,
            "RestoreTestingSelectionName": self.name,
            "ValidationWindowHours": self.validation_window_hours,
        })

    def for_get(self) -> dict[str, Any]:
        return compact({
            **self.document(),
            "CreationTime": self.creation_time,
            "CreatorRequestId": self.creator_request_id,
            "RestoreTestingPlanName": self.plan_name,
        })


# --------------------------------------------------------------------------- #
# Validation (AWS's constraints from the API reference)
# --------------------------------------------------------------------------- #


def _int_in(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidParameterValueException(f"{name} must be an integer from {low} to {high}, got {value!r}.")
    return value


def _string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidParameterValueException(f"{name} must be a list of strings.")
    return list(value)


def _recovery_point_selection(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MissingParameterValueException("RecoveryPointSelection is required.")
    for required in ("Algorithm", "IncludeVaults", "RecoveryPointTypes"):
        if not value.get(required):
            raise MissingParameterValueException(f"RecoveryPointSelection.{required} is required.")
    if value["Algorithm"] not in ALGORITHMS:
        raise InvalidParameterValueException(
            f"Invalid Algorithm {value['Algorithm']}. Valid values are {', '.join(ALGORITHMS)}.")
    types = _string_list(value["RecoveryPointTypes"], "RecoveryPointTypes")
    unknown = [t for t in types if t not in RECOVERY_POINT_TYPES]
    if unknown:
        raise InvalidParameterValueException(
            f"Invalid RecoveryPointTypes {unknown[0]}. Valid values are {', '.join(RECOVERY_POINT_TYPES)}.")
    result = {
        "Algorithm": value["Algorithm"],
        "IncludeVaults": _string_list(value["IncludeVaults"], "IncludeVaults"),
        "RecoveryPointTypes": types,
        "SelectionWindowDays": _int_in(value.get("SelectionWindowDays", DEFAULT_SELECTION_WINDOW_DAYS),
                                       "SelectionWindowDays", 1, 365),
    }
    if value.get("ExcludeVaults") is not None:
        result["ExcludeVaults"] = _string_list(value["ExcludeVaults"], "ExcludeVaults")
    return result


def _schedule(expression: Any, timezone: Any) -> None:
    try:
        cron.parse(expression)
        cron.zone(timezone)
    except cron.CronError as error:
        raise InvalidParameterValueException(str(error)) from None


def validate_plan(body: Any, creating: bool) -> dict[str, Any]:
    """A RestoreTestingPlanForCreate (``creating``) or ForUpdate, checked; defaults filled on create."""
    if not isinstance(body, dict):
        raise MissingParameterValueException("RestoreTestingPlan is required.")
    result: dict[str, Any] = {}
    if creating:
        name = body.get("RestoreTestingPlanName")
        if not name:
            raise MissingParameterValueException("RestoreTestingPlanName is required.")
        if not isinstance(name, str) or not NAME.match(name):
            raise InvalidParameterValueException(
                f"Invalid RestoreTestingPlanName {name!r}: it must be 1 to 50 alphanumeric characters or underscores.")
        result["RestoreTestingPlanName"] = name
        if not body.get("ScheduleExpression"):
            raise MissingParameterValueException("ScheduleExpression is required.")
    if "ScheduleExpression" in body or "ScheduleExpressionTimezone" in body:
        _schedule(body.get("ScheduleExpression") or DEFAULT_SCHEDULE, body.get("ScheduleExpressionTimezone"))
    for key in ("ScheduleExpression", "ScheduleExpressionTimezone"):
        if body.get(key) is not None:
            result[key] = body[key]
    if body.get("StartWindowHours") is not None:
        result["StartWindowHours"] = _int_in(body["StartWindowHours"], "StartWindowHours", 1, MAX_START_WINDOW_HOURS)
    if creating or body.get("RecoveryPointSelection") is not None:
        result["RecoveryPointSelection"] = _recovery_point_selection(body.get("RecoveryPointSelection"))
    return result


def _conditions(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidParameterValueException("ProtectedResourceConditions must be an object.")
    result = {}
    for operator, entries in value.items():
        if operator not in ("StringEquals", "StringNotEquals"):
            raise InvalidParameterValueException(
                f"Invalid condition {operator}. Valid conditions are StringEquals and StringNotEquals.")
        if not isinstance(entries, list):
            raise InvalidParameterValueException(f"{operator} must be a list of Key and Value pairs.")
        for entry in entries:
            if not isinstance(entry, dict) or not entry.get("Key") or "Value" not in entry:
                raise MissingParameterValueException(f"Every {operator} entry needs a Key and a Value.")
        result[operator] = [{"Key": e["Key"], "Value": e["Value"]} for e in entries]
    return result


def validate_selection(body: Any, creating: bool) -> dict[str, Any]:
    """A RestoreTestingSelectionForCreate (``creating``) or ForUpdate, checked."""
    if not isinstance(body, dict):
        raise MissingParameterValueException("RestoreTestingSelection is required.")
    result: dict[str, Any] = {}
    if creating:
        for required in ("RestoreTestingSelectionName", "ProtectedResourceType", "IamRoleArn"):
            if not body.get(required):
                raise MissingParameterValueException(f"{required} is required.")
        name = body["RestoreTestingSelectionName"]
        if not isinstance(name, str) or not NAME.match(name):
            raise InvalidParameterValueException(
                f"Invalid RestoreTestingSelectionName {name!r}: it must be 1 to 50 alphanumeric characters or "
                "underscores.")
        if body["ProtectedResourceType"] not in PROTECTED_RESOURCE_TYPES:
            raise InvalidParameterValueException(
                f"Invalid ProtectedResourceType {body['ProtectedResourceType']}. Valid values are "
                f"{', '.join(PROTECTED_RESOURCE_TYPES)}.")
        result["RestoreTestingSelectionName"] = name
        result["ProtectedResourceType"] = body["ProtectedResourceType"]
    if body.get("IamRoleArn") is not None:
        if not ROLE_ARN.match(str(body["IamRoleArn"])):
            raise InvalidParameterValueException(f"Invalid IAM role ARN: {body['IamRoleArn']}")
        result["IamRoleArn"] = body["IamRoleArn"]
    if body.get("ProtectedResourceArns") is not None:
        arns = _string_list(body["ProtectedResourceArns"], "ProtectedResourceArns")
        if "*" in arns and len(arns) > 1:
            raise InvalidParameterValueException(
                'ProtectedResourceArns takes specific ARNs or the wildcard ["*"], not both.')
        if len(arns) > MAX_PROTECTED_RESOURCE_ARNS:
            raise InvalidParameterValueException(
                f"ProtectedResourceArns takes at most {MAX_PROTECTED_RESOURCE_ARNS} ARNs.")
        result["ProtectedResourceArns"] = arns
    if body.get("ProtectedResourceConditions") is not None:
        result["ProtectedResourceConditions"] = _conditions(body["ProtectedResourceConditions"])
    if body.get("RestoreMetadataOverrides") is not None:
        overrides = body["RestoreMetadataOverrides"]
        if not isinstance(overrides, dict):
            raise InvalidParameterValueException("RestoreMetadataOverrides must be a map of strings.")
        result["RestoreMetadataOverrides"] = {str(k): str(v) for k, v in overrides.items()}
    if body.get("ValidationWindowHours") is not None:
        result["ValidationWindowHours"] = _int_in(body["ValidationWindowHours"], "ValidationWindowHours", 0,
                                                  MAX_VALIDATION_WINDOW_HOURS)
    return result


def check_selection(document: dict[str, Any]) -> None:
    """What a whole selection (created, or updated) must be: resources by ARNs or by conditions with
    the wildcard, never specific ARNs and conditions together; only overridable metadata."""
    arns = document.get("ProtectedResourceArns")
    conditions = document.get("ProtectedResourceConditions")
    if not arns and not conditions:
        raise MissingParameterValueException(
            "A restore testing selection needs ProtectedResourceArns or ProtectedResourceConditions.")
    if conditions and arns and arns != ["*"]:
        raise InvalidParameterValueException(
            'ProtectedResourceConditions can only be used with ProtectedResourceArns ["*"] (or none), '
            "not with specific ARNs.")
    if document.get("ProtectedResourceType") == RESOURCE_TYPE:
        for key in document.get("RestoreMetadataOverrides") or {}:
            if key.lower() not in DYNAMODB_OVERRIDES:
                raise InvalidParameterValueException(
                    f"Invalid RestoreMetadataOverrides key {key} for DynamoDB. Overridable keys are "
                    f"{', '.join(DYNAMODB_OVERRIDES.values())}.")


# --------------------------------------------------------------------------- #
# Backend
# --------------------------------------------------------------------------- #


class RestoreTestingBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    def _setup_restore_testing(self) -> None:
        self.restore_testing_plans: dict[str, RestoreTestingPlan] = {}
        self.restore_testing_selections: dict[tuple[str, str], RestoreTestingSelection] = {}
        # plan name -> (cursor: the last run or the creation, next run or None, schedule it was computed for)
        self._restore_test_schedule: dict[str, tuple[datetime, datetime | None, tuple[Any, Any]]] = {}

    def _restore_testing_plan(self, name: str) -> RestoreTestingPlan:
        plan = self.restore_testing_plans.get(name)
        if plan is None:
            raise ResourceNotFoundException(msg=f"Restore testing plan {name} not found.")
        return plan

    # -- plans -----------------------------------------------------------------

    def create_restore_testing_plan(self, body: Any, creator_request_id: str | None,
                                    tags: dict[str, str] | None) -> RestoreTestingPlan:
        validate_creator_request_id(creator_request_id)
        document = validate_plan(body, creating=True)
        if creator_request_id:
            for plan in self.restore_testing_plans.values():
                if plan.creator_request_id == creator_request_id:
                    return plan
        if document["RestoreTestingPlanName"] in self.restore_testing_plans:
            raise AlreadyExistsException(msg=f"Restore testing plan {document['RestoreTestingPlanName']} already exists.")
        plan = RestoreTestingPlan(self, document, creator_request_id)
        self.restore_testing_plans[plan.name] = plan
        if tags:
            self.tag_resource(plan.arn, tags)  # type: ignore[attr-defined]
        return plan

    def get_restore_testing_plan(self, name: str) -> RestoreTestingPlan:
        return self._restore_testing_plan(name)

    def update_restore_testing_plan(self, name: str, body: Any) -> RestoreTestingPlan:
        plan = self._restore_testing_plan(name)
        document = validate_plan(body, creating=False)
        merged = {
            "ScheduleExpression": plan.schedule_expression,
            "ScheduleExpressionTimezone": plan.schedule_timezone,
            "StartWindowHours": plan.start_window_hours,
            "RecoveryPointSelection": plan.recovery_point_selection,
            **document,
        }
        _schedule(merged["ScheduleExpression"], merged["ScheduleExpressionTimezone"])
        plan.apply(merged)
        plan.last_update_time = now_ms()
        return plan

    def delete_restore_testing_plan(self, name: str) -> None:
        plan = self._restore_testing_plan(name)
        if any(key[0] == name for key in self.restore_testing_selections):
            raise InvalidRequestException(
                msg=f"Restore testing plan {name} still has restore testing selections: delete them first.")
        del self.restore_testing_plans[name]
        self._restore_test_schedule.pop(name, None)
        self.tagger.delete_all_tags_for_resource(plan.arn)  # type: ignore[attr-defined]

    def list_restore_testing_plans(self) -> list[RestoreTestingPlan]:
        return sorted(self.restore_testing_plans.values(), key=lambda plan: (plan.creation_time, plan.name))

    # -- selections ------------------------------------------------------------

    def create_restore_testing_selection(self, plan_name: str, body: Any,
                                         creator_request_id: str | None) -> RestoreTestingSelection:
        validate_creator_request_id(creator_request_id)
        plan = self._restore_testing_plan(plan_name)
        document = validate_selection(body, creating=True)
        check_selection(document)
        if creator_request_id:
            for selection in self.restore_testing_selections.values():
                if selection.plan_name == plan_name and selection.creator_request_id == creator_request_id:
                    return selection
        key = (plan_name, document["RestoreTestingSelectionName"])
        if key in self.restore_testing_selections:
            raise AlreadyExistsException(
                msg=f"Restore testing selection {key[1]} already exists in restore testing plan {plan_name}.")
        selection = RestoreTestingSelection(plan, document, creator_request_id)
        self.restore_testing_selections[key] = selection
        return selection

    def _restore_testing_selection(self, plan_name: str, name: str) -> RestoreTestingSelection:
        self._restore_testing_plan(plan_name)
        selection = self.restore_testing_selections.get((plan_name, name))
        if selection is None:
            raise ResourceNotFoundException(
                msg=f"Restore testing selection {name} not found in restore testing plan {plan_name}.")
        return selection

    def get_restore_testing_selection(self, plan_name: str, name: str) -> RestoreTestingSelection:
        return self._restore_testing_selection(plan_name, name)

    def update_restore_testing_selection(self, plan_name: str, name: str, body: Any) -> RestoreTestingSelection:
        selection = self._restore_testing_selection(plan_name, name)
        document = validate_selection(body, creating=False)
        if (document.get("ProtectedResourceConditions") and selection.protected_resource_arns
                and selection.protected_resource_arns != ["*"] and "ProtectedResourceArns" not in document):
            raise InvalidParameterValueException(
                "This restore testing selection names specific ProtectedResourceArns: it cannot take "
                "ProtectedResourceConditions.")
        merged = {**selection.document(), **document}
        check_selection(merged)
        selection.apply(merged)
        selection.update_time = now_ms()
        return selection

    def delete_restore_testing_selection(self, plan_name: str, name: str) -> None:
        self._restore_testing_selection(plan_name, name)
        del self.restore_testing_selections[(plan_name, name)]

    def list_restore_testing_selections(self, plan_name: str) -> list[RestoreTestingSelection]:
        self._restore_testing_plan(plan_name)
        return sorted((s for key, s in self.restore_testing_selections.items() if key[0] == plan_name),
                      key=lambda s: (s.creation_time, s.name))

    # -- restore jobs of restore tests -------------------------------------------

    def put_restore_validation_result(self, restore_job_id: str, status: Any, message: Any) -> None:
        if not status:
            raise MissingParameterValueException("ValidationStatus is required.")
        if status not in VALIDATION_STATUSES:
            raise InvalidParameterValueException(
                f"Invalid ValidationStatus {status}. Valid values are {', '.join(VALIDATION_STATUSES)}.")
        job = self.describe_restore_job(restore_job_id)  # type: ignore[attr-defined]
        if not (job.created_by or {}).get("RestoreTestingPlanArn"):
            raise InvalidRequestException(
                msg=f"Restore job {restore_job_id} was not started by a restore testing plan.")
        if job.status != "COMPLETED":
            raise InvalidRequestException(msg=f"Restore job {restore_job_id} is {job.status}, not COMPLETED.")
        if job.deletion_status is not None:
            raise InvalidRequestException(
                msg=f"The validation window of restore job {restore_job_id} has closed: its resource was deleted.")
        job.validation_status = status
        job.validation_status_message = None if message is None else str(message)
        if status in FINAL_VALIDATION:
            end_restore_test(self, job)

    def get_restore_job_metadata(self, restore_job_id: str) -> dict[str, Any]:
        job = self.describe_restore_job(restore_job_id)  # type: ignore[attr-defined]
        return {"RestoreJobId": job.restore_job_id, "Metadata": dict(job.metadata)}

    def get_restore_testing_inferred_metadata(self, vault_name: str | None, recovery_point_arn: str | None,
                                              vault_account_id: str | None = None) -> dict[str, str]:
        for name, value in (("BackupVaultName", vault_name), ("RecoveryPointArn", recovery_point_arn)):
            if not value:
                raise MissingParameterValueException(f"{name} is required.")
        point = self._recovery_point_in(vault_name, recovery_point_arn)  # type: ignore[attr-defined]
        return inferred_metadata(random.Random(f"{SETTINGS.seed}|{point.arn}|{iso(utcnow())}"))


def inferred_metadata(rng: random.Random) -> dict[str, str]:
    """What AWS Backup infers to restore a DynamoDB recovery point in a restore test."""
    return {
        "deletionProtection": "false",
        "encryptionType": "Default",
        "targetTableName": f"{TABLE_PREFIX}{rng.getrandbits(48):012x}",
    }


# --------------------------------------------------------------------------- #
# Running plans (schedule.py calls these)
# --------------------------------------------------------------------------- #


def due_restore_tests(backend: Any, until: datetime) -> Iterator[tuple[datetime, str, RestoreTestingPlan]]:
    """(when, order, plan) of each restore testing plan whose next run is at or before ``until``."""
    plans = getattr(backend, "restore_testing_plans", None)
    if not plans:
        return
    cache = backend._restore_test_schedule
    for plan in plans.values():
        schedule = (plan.schedule_expression, plan.schedule_timezone)
        entry = cache.get(plan.name)
        cursor = entry[0] if entry else plan.creation_time
        if entry is None or entry[2] != schedule:
            try:
                when = cron.next_fire(plan.schedule_expression, cursor, plan.schedule_timezone)
            except cron.CronError:
                when = None
            entry = cache[plan.name] = (cursor, when, schedule)
        if entry[1] is not None and entry[1] <= until:
            yield entry[1], f"{plan.creation_time.isoformat()}{plan.name}", plan


def _move_cursor(backend: Any, plan: RestoreTestingPlan, at: datetime) -> None:
    backend._restore_test_schedule[plan.name] = (at, None, None)


def miss_restore_test(backend: Any, plan: RestoreTestingPlan, at: datetime) -> None:
    """A run that does not happen (its Region is unavailable)."""
    _move_cursor(backend, plan, at)


def run_restore_test(backend: Any, plan: RestoreTestingPlan, at: datetime) -> list[Any]:
    """One scheduled run of a restore testing plan at ``at`` (the clock stands there): its restore jobs."""
    _move_cursor(backend, plan, at)
    plan.last_execution_time = now_ms()
    jobs = []
    for selection in backend.list_restore_testing_selections(plan.name):
        if selection.protected_resource_type != RESOURCE_TYPE:
            continue
        for resource_arn, points in sorted(_candidates(backend, plan, selection, at).items()):
            rng = random.Random(f"{SETTINGS.seed}|{backend.account_id}|{backend.region_name}|{plan.name}|"
                                f"{iso(at)}|{resource_arn}")
            points.sort(key=lambda point: (point.creation_date, point.arn))
            algorithm = plan.recovery_point_selection.get("Algorithm")
            point = rng.choice(points) if algorithm == "RANDOM_WITHIN_WINDOW" else points[-1]
            metadata = inferred_metadata(rng)
            for key, value in (selection.restore_metadata_overrides or {}).items():
                metadata[DYNAMODB_OVERRIDES[key.lower()]] = value
            try:
                job = backend.start_restore_job(
                    point.arn, metadata, iam_role_arn=selection.iam_role_arn,
                    created_by={"RestoreTestingPlanArn": plan.arn},
                )
            except Exception:  # noqa: BLE001 - metadata AWS refuses: no job, as a refused StartRestoreJob
                continue
            jobs.append(job)
            if job.failure is None:
                from .schedule import schedule_timer

                hours = selection.validation_window_hours or 0
                schedule_timer(backend, job.progress.ends_at + timedelta(hours=hours), end_restore_test, backend, job)
    return jobs


def _candidates(backend: Any, plan: RestoreTestingPlan, selection: RestoreTestingSelection,
                at: datetime) -> dict[str, list[Any]]:
    """Resource ARN -> its recovery points the plan and the selection may test at ``at``."""
    chosen = plan.recovery_point_selection
    if "SNAPSHOT" not in chosen.get("RecoveryPointTypes", []):
        return {}
    oldest = at - timedelta(days=chosen.get("SelectionWindowDays", DEFAULT_SELECTION_WINDOW_DAYS))
    include = chosen.get("IncludeVaults") or []
    exclude = chosen.get("ExcludeVaults") or []
    arns = selection.protected_resource_arns or ["*"]
    by_resource: dict[str, list[Any]] = {}
    for point in backend.recovery_points.values():
        if point.status != "COMPLETED" or point.creation_date < oldest or point.creation_date > at:
            continue
        if not any(wildcard_match(p, point.vault_arn) for p in include):
            continue
        if any(wildcard_match(p, point.vault_arn) for p in exclude):
            continue
        if arns != ["*"] and point.resource_arn not in arns:
            continue
        by_resource.setdefault(point.resource_arn, []).append(point)
    conditions = selection.protected_resource_conditions or {}
    if conditions:
        by_resource = {arn: points for arn, points in by_resource.items()
                       if _conditions_hold(conditions, _resource_tags(backend, arn, points))}
    return by_resource


def _resource_tags(backend: Any, resource_arn: str, points: list[Any]) -> dict[str, str]:
    table = next((t for t in backend._dynamodb_backend().tables.values() if t.table_arn == resource_arn), None)
    if table is not None:
        return {tag["Key"]: tag["Value"] for tag in (table.tags or [])}
    newest = max(points, key=lambda point: point.creation_date)
    return dict(backend.list_tags(newest.arn))


def _conditions_hold(conditions: dict[str, Any], tags: dict[str, str]) -> bool:
    def key(entry: dict[str, str]) -> str:
        name = entry["Key"]
        return name[len(TAG_KEY_PREFIX):] if name.startswith(TAG_KEY_PREFIX) else name

    return all(tags.get(key(e)) == e["Value"] for e in conditions.get("StringEquals") or []) and all(
        tags.get(key(e)) != e["Value"] for e in conditions.get("StringNotEquals") or [])


def end_restore_test(backend: Any, job: Any) -> None:
    """Validation completed or the window closed: delete the restored table (once)."""
    from moto.dynamodb.exceptions import DeletionProtectedException

    if job.deletion_status is not None or job.status != "COMPLETED":
        return
    ddb = backend._dynamodb_backend()
    name = job.metadata.get("targetTableName")
    table = ddb.tables.get(name)
    if table is not None and table.table_arn == job.created_resource_arn:
        try:
            ddb.delete_table(name)
        except DeletionProtectedException as error:
            job.deletion_status, job.deletion_status_message = "FAILED", error.message
            return
    job.deletion_status = "SUCCESSFUL"


# --------------------------------------------------------------------------- #
# Responses
# --------------------------------------------------------------------------- #


def _page(items: list[Any], querystring: dict[str, list[str]]) -> tuple[list[Any], str | None]:
    """One page by the ``MaxResults`` / ``NextToken`` query parameters (restore testing's capitalised names)."""
    max_results = (querystring.get("MaxResults") or [None])[0]
    if max_results not in (None, ""):
        try:
            max_results = int(max_results)
        except ValueError:
            raise InvalidParameterValueException(f"MaxResults must be an integer, got {max_results!r}.") from None
    return paginate(items, max_results, (querystring.get("NextToken") or [None])[0])


class RestoreTestingResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    def create_restore_testing_plan(self) -> ActionResult:
        params = request_json(self)
        plan = self.backup_backend.create_restore_testing_plan(
            params.get("RestoreTestingPlan"), params.get("CreatorRequestId"), params.get("Tags"))
        return ActionResult({"CreationTime": plan.creation_time, "RestoreTestingPlanArn": plan.arn,
                             "RestoreTestingPlanName": plan.name})

    def get_restore_testing_plan(self) -> ActionResult:
        plan = self.backup_backend.get_restore_testing_plan(uri_param(self, "RestoreTestingPlanName"))
        return ActionResult({"RestoreTestingPlan": plan.for_get()})

    def update_restore_testing_plan(self) -> ActionResult:
        plan = self.backup_backend.update_restore_testing_plan(
            uri_param(self, "RestoreTestingPlanName"), request_json(self).get("RestoreTestingPlan"))
        return ActionResult({"CreationTime": plan.creation_time, "RestoreTestingPlanArn": plan.arn,
                             "RestoreTestingPlanName": plan.name, "UpdateTime": plan.last_update_time})

    def delete_restore_testing_plan(self) -> EmptyResult:
        self.backup_backend.delete_restore_testing_plan(uri_param(self, "RestoreTestingPlanName"))
        return EmptyResult()

    def list_restore_testing_plans(self) -> ActionResult:
        page, token = _page(self.backup_backend.list_restore_testing_plans(), self.querystring)
        return ActionResult(compact({"RestoreTestingPlans": [plan.for_list() for plan in page], "NextToken": token}))

    def create_restore_testing_selection(self) -> ActionResult:
        params = request_json(self)
        selection = self.backup_backend.create_restore_testing_selection(
            uri_param(self, "RestoreTestingPlanName"), params.get("RestoreTestingSelection"),
            params.get("CreatorRequestId"))
        return ActionResult({
            "CreationTime": selection.creation_time, "RestoreTestingPlanArn": selection.plan_arn,
            "RestoreTestingPlanName": selection.plan_name, "RestoreTestingSelectionName": selection.name})

    def get_restore_testing_selection(self) -> ActionResult:
        selection = self.backup_backend.get_restore_testing_selection(
            uri_param(self, "RestoreTestingPlanName"), uri_param(self, "RestoreTestingSelectionName"))
        return ActionResult({"RestoreTestingSelection": selection.for_get()})

    def update_restore_testing_selection(self) -> ActionResult:
        selection = self.backup_backend.update_restore_testing_selection(
            uri_param(self, "RestoreTestingPlanName"), uri_param(self, "RestoreTestingSelectionName"),
            request_json(self).get("RestoreTestingSelection"))
        return ActionResult({
            "CreationTime": selection.creation_time, "RestoreTestingPlanArn": selection.plan_arn,
            "RestoreTestingPlanName": selection.plan_name, "RestoreTestingSelectionName": selection.name,
            "UpdateTime": selection.update_time})

    def delete_restore_testing_selection(self) -> EmptyResult:
        self.backup_backend.delete_restore_testing_selection(
            uri_param(self, "RestoreTestingPlanName"), uri_param(self, "RestoreTestingSelectionName"))
        return EmptyResult()

    def list_restore_testing_selections(self) -> ActionResult:
        selections = self.backup_backend.list_restore_testing_selections(uri_param(self, "RestoreTestingPlanName"))
        page, token = _page(selections, self.querystring)
        return ActionResult(compact({"RestoreTestingSelections": [s.for_list() for s in page], "NextToken": token}))

    def put_restore_validation_result(self) -> EmptyResult:
        params = request_json(self)
        self.backup_backend.put_restore_validation_result(
            uri_param(self, "restoreJobId"), params.get("ValidationStatus"), params.get("ValidationStatusMessage"))
        return EmptyResult()

    def get_restore_job_metadata(self) -> ActionResult:
        return ActionResult(self.backup_backend.get_restore_job_metadata(uri_param(self, "restoreJobId")))

    def get_restore_testing_inferred_metadata(self) -> ActionResult:
        query = self.querystring
        metadata = self.backup_backend.get_restore_testing_inferred_metadata(
            (query.get("BackupVaultName") or [None])[0], (query.get("RecoveryPointArn") or [None])[0],
            (query.get("BackupVaultAccountId") or [None])[0])
        return ActionResult({"InferredMetadata": metadata})
