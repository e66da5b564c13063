"""AWS Backup: plans (backend and response mixins).

moto has CreateBackupPlan, GetBackupPlan, ListBackupPlans and DeleteBackupPlan; this
module keeps moto's ``Plan`` model and changes what AWS does differently:

- a deleted plan's name can be reused (moto refuses every name it has ever seen);
  AWS refuses only a plan document identical to a live plan's (AlreadyExistsException),
  and returns the existing plan when the CreatorRequestId matches one;
- UpdateBackupPlan makes a new version: new VersionId, new RuleIds, defaults filled;
- every version stays readable: GetBackupPlan with VersionId, ListBackupPlanVersions;
- a deleted plan answers ResourceNotFoundException to GetBackupPlan (without a
  VersionId), UpdateBackupPlan and DeleteBackupPlan, and is only listed by
  ListBackupPlans with IncludeDeleted;
- DeleteBackupPlan is refused while the plan still has selections;
- a rule's StartWindowMinutes under 60 is refused (InvalidParameterValueException), as
  AWS documents, instead of every scheduled job of the rule expiring; so are a
  TargetBackupVaultName outside AWS's pattern, a CopyAction without a
  DestinationBackupVaultArn (MissingParameterValueException) or whose destination is
  not a backup vault ARN, and a ScheduleExpressionTimezone that is not an IANA zone.
  A TargetBackupVaultName that names no vault is accepted, as the API reference allows
  (nothing there says otherwise): the rule's jobs then FAIL ("Backup vault NAME does not
  exist.");
- the List operations paginate (MaxResults / NextToken).
"""

from __future__ import annotations

import base64
import copy
import json
import re
from typing import Any

from moto.backup.models import Plan
from moto.core.common_models import BaseModel
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random

from .exceptions import (
    AlreadyExistsException,
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from . import cron
from .pagination import query_page

PLAN_NOT_FOUND = "Failed reading Backup plan with provided version"
SELECTIONS_REMAIN = "Related backup plan selections must be deleted prior to backup plan deletion"

# What AWS fills in for a rule that leaves these out (moto's Plan uses the same values).
RULE_DEFAULTS: dict[str, Any] = {
    "ScheduleExpression": "cron(0 5 ? * * *)",
    "StartWindowMinutes": 480,
    "CompletionWindowMinutes": 10080,
    "ScheduleExpressionTimezone": "Etc/UTC",
}
# 1-200 characters through the API (the console allows 50).
_PLAN_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,200}$")
_RULE_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
_REQUEST_ID = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
# BackupRuleInput.TargetBackupVaultName's pattern; a CopyAction's destination is a vault ARN.
_VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
_VAULT_ARN = re.compile(r"^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[a-zA-Z0-9\-_]{2,50}$")
# AWS keeps a backup in cold storage for at least this many days before deleting it.
COLD_STORAGE_MINIMUM_DAYS = 90
# BackupRuleInput's StartWindowMinutes: "it must be at least 60 minutes"; at most 100 years.
MIN_START_WINDOW_MINUTES = 60
MAX_WINDOW_MINUTES = 52_560_000


def new_version_id() -> str:
    """A VersionId in AWS's form: a base64-encoded UUID (48 characters)."""
    return base64.b64encode(str(mock_random.uuid4()).encode()).decode()


def validate_creator_request_id(value: str | None) -> None:
    """AWS: if used, CreatorRequestId must be 1 to 50 alphanumeric or '-_.' characters."""
    if value is not None and not _REQUEST_ID.match(value):
        raise InvalidParameterValueException(
            "CreatorRequestId must contain 1 to 50 alphanumeric or '-_.' characters."
        )


def validate_plan_input(backup_plan: Any) -> None:
    """Refuse a BackupPlanInput the way AWS does: missing or malformed parts."""
    if not isinstance(backup_plan, dict):
        raise MissingParameterValueException("BackupPlan is required.")
    name = backup_plan.get("BackupPlanName")
    if not name:
        raise MissingParameterValueException("BackupPlanName is required.")
    if not _PLAN_NAME.match(name):
        raise InvalidParameterValueException(
            f"Invalid backup plan name {name!r}: it must contain 1 to 200 alphanumeric or '-_.' characters."
        )
    rules = backup_plan.get("Rules")
    if rules is None:
        raise MissingParameterValueException("Rules are required.")
    if not isinstance(rules, list) or not rules:
        raise InvalidParameterValueException("A backup plan must contain at least one rule.")
    for rule in rules:
        _validate_rule(rule)


def _validate_rule(rule: dict[str, Any]) -> None:
    name = rule.get("RuleName")
    if not name:
        raise MissingParameterValueException("RuleName is required.")
    if not _RULE_NAME.match(name):
        raise InvalidParameterValueException(
            f"Invalid rule name {name!r}: it must contain 1 to 50 alphanumeric or '-_.' characters."
        )
    vault = rule.get("TargetBackupVaultName")
    if not vault:
        raise MissingParameterValueException("TargetBackupVaultName is required.")
    if not isinstance(vault, str) or not _VAULT_NAME.match(vault):
        raise InvalidParameterValueException(
            f"Invalid TargetBackupVaultName {vault!r}: it must contain 2 to 50 alphanumeric, '-' or '_' characters."
        )
    try:
        if rule.get("ScheduleExpression") is not None:
            cron.parse(rule["ScheduleExpression"])
        cron.zone(rule.get("ScheduleExpressionTimezone"))
    except cron.CronError as error:
        raise InvalidParameterValueException(str(error)) from None
    _validate_start_window(rule.get("StartWindowMinutes"))
    _validate_lifecycle(rule.get("Lifecycle"))
    for action in rule.get("CopyActions") or []:
        _validate_copy_action(action)


def _validate_copy_action(action: Any) -> None:
    """A CopyAction names its destination by a backup vault ARN (required), in any Region or account."""
    destination = action.get("DestinationBackupVaultArn") if isinstance(action, dict) else None
    if not destination:
        raise MissingParameterValueException("DestinationBackupVaultArn is required in every CopyAction.")
    if not isinstance(destination, str) or not _VAULT_ARN.match(destination):
        raise InvalidParameterValueException(
            f"Invalid DestinationBackupVaultArn {destination!r}: it must be a backup vault ARN, such as "
            "arn:aws:backup:us-east-1:123456789012:backup-vault:aBackupVault."
        )
    _validate_lifecycle(action.get("Lifecycle"))


def _validate_start_window(minutes: Any) -> None:
    """AWS (BackupRuleInput): StartWindowMinutes, if included, must be at least 60 minutes;
    at most 100 years (52,560,000 minutes). A shorter window would make every job EXPIRED."""
    if minutes is None:
        return
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise InvalidParameterValueException(f"StartWindowMinutes must be a whole number of minutes, got {minutes!r}.")
    if not MIN_START_WINDOW_MINUTES <= minutes <= MAX_WINDOW_MINUTES:
        raise InvalidParameterValueException(
            f"Invalid StartWindowMinutes {minutes}: the start window must be at least {MIN_START_WINDOW_MINUTES} "
            f"minutes and at most {MAX_WINDOW_MINUTES} minutes (100 years)."
        )


def _validate_lifecycle(lifecycle: dict[str, Any] | None) -> None:
    """AWS: DeleteAfterDays must be at least 90 days more than MoveToColdStorageAfterDays."""
    if not lifecycle:
        return
    cold = lifecycle.get("MoveToColdStorageAfterDays")
    delete = lifecycle.get("DeleteAfterDays")
    if cold is not None and delete is not None and delete < cold + COLD_STORAGE_MINIMUM_DAYS:
        raise InvalidParameterValueException(
            f"Invalid lifecycle: DeleteAfterDays ({delete}) must be at least "
            f"{COLD_STORAGE_MINIMUM_DAYS} days greater than MoveToColdStorageAfterDays ({cold})."
        )


def plan_document(backup_plan: dict[str, Any]) -> str:
    """The plan as AWS compares documents: defaults filled in, server-owned RuleIds left out."""
    doc = copy.deepcopy(backup_plan)
    for rule in doc.get("Rules") or []:
        for key, value in RULE_DEFAULTS.items():
            rule.setdefault(key, value)
        rule.pop("RuleId", None)
    return json.dumps(doc, sort_keys=True, default=str)


class PlanVersion(BaseModel):
    """One version of a backup plan, as it was when created or updated."""

    def __init__(self, plan: Plan):
        self.backup_plan_id = plan.backup_plan_id
        self.backup_plan_arn = plan.backup_plan_arn
        self.version_id = plan.version_id
        self.creation_date = plan.creation_date
        self.creator_request_id = plan.creator_request_id
        self.backup_plan = copy.deepcopy(plan.backup_plan)
        self.advanced_backup_settings = copy.deepcopy(plan.advanced_backup_settings)
        self.deletion_date: float | None = None
        self.last_execution_date: float | None = None

    def _common(self) -> dict[str, Any]:
        dct: dict[str, Any] = {
            "BackupPlanId": self.backup_plan_id,
            "BackupPlanArn": self.backup_plan_arn,
            "CreationDate": self.creation_date,
            "VersionId": self.version_id,
        }
        optional = {
            "AdvancedBackupSettings": self.advanced_backup_settings or None,
            "CreatorRequestId": self.creator_request_id,
            "DeletionDate": self.deletion_date,
            "LastExecutionDate": self.last_execution_date,
        }
        dct.update({key: value for key, value in optional.items() if value is not None})
        return dct

    def to_get_dict(self) -> dict[str, Any]:
        """GetBackupPlan's answer for this version."""
        dct = self._common()
        dct["BackupPlan"] = self.backup_plan
        return dct

    def to_list_dict(self) -> dict[str, Any]:
        """A BackupPlansListMember (ListBackupPlanVersions)."""
        dct = self._common()
        dct["BackupPlanName"] = self.backup_plan.get("BackupPlanName")
        return dct


class PlansBackendMixin:
    """State and operations; mixed into BackupkitBackend (moto's BackupBackend)."""

    plans: dict[str, Plan]

    def _setup_plans(self) -> None:
        # backup plan id -> its versions, oldest first; the last one is the current one.
        self.plan_versions: dict[str, list[PlanVersion]] = {}

    # --- lookups other mixins use -------------------------------------------------

    def live_plan(self, backup_plan_id: str) -> Plan:
        """The plan if it exists and is not deleted; ResourceNotFoundException otherwise."""
        plan = self.plans.get(backup_plan_id)
        if plan is None or plan.deletion_date is not None:
            raise ResourceNotFoundException(msg=PLAN_NOT_FOUND)
        return plan

    def _live_plans(self) -> list[Plan]:
        return [plan for plan in self.plans.values() if plan.deletion_date is None]

    # --- operations -----------------------------------------------------------------

    def create_backup_plan(
        self,
        backup_plan: dict[str, Any],
        backup_plan_tags: dict[str, str] | None,
        creator_request_id: str | None,
    ) -> Plan:
        """AWS CreateBackupPlan: names of deleted plans are free again; an identical live
        plan document is refused; a known CreatorRequestId returns that plan."""
        validate_creator_request_id(creator_request_id)
        if creator_request_id:
            for plan in self._live_plans():
                if plan.creator_request_id == creator_request_id:
                    return plan
        validate_plan_input(backup_plan)
        document = plan_document(backup_plan)
        if any(plan_document(plan.backup_plan) == document for plan in self._live_plans()):
            raise AlreadyExistsException(msg="Backup plan with the same plan document already exists")
        plan = Plan(backup_plan=backup_plan, creator_request_id=creator_request_id, backend=self)  # type: ignore[arg-type]
        plan.version_id = new_version_id()
        if backup_plan_tags:
            self.tag_resource(plan.backup_plan_arn, backup_plan_tags)  # type: ignore[attr-defined]
        self.plans[plan.backup_plan_id] = plan
        self.plan_versions[plan.backup_plan_id] = [PlanVersion(plan)]
        return plan

    def update_backup_plan(self, backup_plan_id: str, backup_plan: dict[str, Any]) -> Plan:
        """AWS UpdateBackupPlan: a new version with a new VersionId, new RuleIds and
        AWS's rule defaults; the previous versions stay readable."""
        plan = self.live_plan(backup_plan_id)
        validate_plan_input(backup_plan)
        # moto's Plan fills the rule defaults and RuleIds; take its rules for the new version.
        draft = Plan(backup_plan=backup_plan, creator_request_id=plan.creator_request_id, backend=self)  # type: ignore[arg-type]
        plan.backup_plan = draft.backup_plan
        plan.advanced_backup_settings = draft.advanced_backup_settings
        plan.version_id = new_version_id()
        plan.creation_date = unix_time()
        self.plan_versions.setdefault(backup_plan_id, []).append(PlanVersion(plan))
        return plan

    def get_backup_plan(self, backup_plan_id: str, version_id: Any | None) -> Plan:
        """The current version of a live plan (moto's Plan); a deleted plan is not found."""
        plan = self.live_plan(backup_plan_id)
        if version_id and version_id != plan.version_id:
            raise ResourceNotFoundException(msg=PLAN_NOT_FOUND)
        return plan

    def get_backup_plan_version(self, backup_plan_id: str, version_id: str | None) -> PlanVersion:
        """GetBackupPlan: without a VersionId the current version of a live plan; with
        one, that version, even if newer versions exist or the plan was deleted."""
        if not version_id:
            self.live_plan(backup_plan_id)
            return self.plan_versions[backup_plan_id][-1]
        for version in self.plan_versions.get(backup_plan_id, []):
            if version.version_id == version_id:
                return version
        raise ResourceNotFoundException(msg=PLAN_NOT_FOUND)

    def list_backup_plan_versions(self, backup_plan_id: str) -> list[PlanVersion]:
        """Every version of a plan, oldest first (deleted plans keep theirs)."""
        if backup_plan_id not in self.plans:
            raise ResourceNotFoundException(msg=PLAN_NOT_FOUND)
        return list(self.plan_versions.get(backup_plan_id, []))

    def delete_backup_plan(self, backup_plan_id: str) -> tuple[str, str, float, str]:
        """AWS DeleteBackupPlan: refused while selections remain; a deleted plan is not found."""
        plan = self.live_plan(backup_plan_id)
        if self.selections_for_plan(backup_plan_id):  # type: ignore[attr-defined]
            raise InvalidRequestException(msg=SELECTIONS_REMAIN)
        plan.deletion_date = unix_time()
        versions = self.plan_versions.get(backup_plan_id)
        if versions:
            versions[-1].deletion_date = plan.deletion_date
        return plan.backup_plan_id, plan.backup_plan_arn, plan.deletion_date, plan.version_id


class PlansResponseMixin:
    """Request handlers; method names are the operations in snake_case."""

    body: Any
    querystring: dict[str, list[str]]
    uri_match: dict[str, Any]
    backup_backend: Any

    def _plan_id(self) -> str:
        return self.uri_match["backupPlanId"]

    def update_backup_plan(self) -> str:
        params = json.loads(self.body or "{}")
        plan = self.backup_backend.update_backup_plan(self._plan_id(), params.get("BackupPlan"))
        return json.dumps(plan.to_dict())

    def get_backup_plan(self) -> str:
        version_id = (self.querystring.get("versionId") or [None])[0]
        version = self.backup_backend.get_backup_plan_version(self._plan_id(), version_id)
        return json.dumps(version.to_get_dict())

    def list_backup_plans(self) -> str:
        include = (self.querystring.get("includeDeleted") or ["false"])[0]
        plans = self.backup_backend.list_backup_plans(include_deleted=include.lower() == "true")
        page, token = query_page(plans, self.querystring)
        result: dict[str, Any] = {"BackupPlansList": [plan.to_list_dict() for plan in page]}
        if token:
            result["NextToken"] = token
        return json.dumps(result)

    def list_backup_plan_versions(self) -> str:
        versions = self.backup_backend.list_backup_plan_versions(self._plan_id())
        page, token = query_page(versions, self.querystring)
        result: dict[str, Any] = {"BackupPlanVersionsList": [v.to_list_dict() for v in page]}
        if token:
            result["NextToken"] = token
        return json.dumps(result)
