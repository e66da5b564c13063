# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filtering backup jobs and recovery points by the backup plan and rule that created them, for
backupkit.dynamodb.backup_job_info and backupkit.dynamodb.backup_recovery_point_info (private).

AWS records the creator of a scheduled job and of its recovery point in ``CreatedBy``
(BackupPlanId, BackupPlanArn, BackupPlanVersion, BackupRuleId; newer answers add BackupPlanName,
BackupRuleName, BackupRuleCron and BackupRuleTimezone). Only ListRecoveryPointsByBackupVault can
filter by it on the server (``ByBackupPlanId``); everything else is filtered here:

- a plan name is turned into the ids of the plans of that name, deleted ones included
  (ListBackupPlans with IncludeDeleted), since their jobs and recovery points outlive them;
- a rule name is looked up in the version of the plan that created the job (GetBackupPlan with
  the CreatedBy's BackupPlanVersion), once per plan version, unless AWS named the rule itself.
"""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_plans

# option -> CreatedBy field it is compared with
PLAN_FILTERS = {
    "backup_plan_id": "BackupPlanId",
    "backup_plan_name": "BackupPlanName",
    "backup_rule_id": "BackupRuleId",
    "backup_rule_name": "BackupRuleName",
}

# the keys every returned created_by has (None when AWS did not say)
CREATED_BY_KEYS = ("backup_plan_id", "backup_plan_arn", "backup_plan_version", "backup_rule_id")


def plan_filter_argument_spec():
    """The argument spec entries of the plan and rule filters."""
    return {name: dict(type="str") for name in PLAN_FILTERS}


PLAN_FILTER_MUTUALLY_EXCLUSIVE = [["backup_plan_id", "backup_plan_name"], ["backup_rule_id", "backup_rule_name"]]


# ---------------------------------------------------------------------------
# The filter
# ---------------------------------------------------------------------------


def normalise_created_by(raw):
    """AWS's CreatedBy in snake_case with the plan id, ARN, version and rule id always present;
    None for a job or recovery point no plan created (an on-demand backup)."""
    if not raw or not any(raw.get(field) for field in ("BackupPlanId", "BackupPlanArn", "BackupRuleId")):
        return None
    result = camel_dict_to_snake_dict(dict(raw))
    for key in CREATED_BY_KEYS:
        result.setdefault(key, None)
    return result


class CreatedByFilter:
    """The plan and rule filters a user set, applied to raw AWS answers (their ``CreatedBy``)."""

    def __init__(self, client, params):
        self.client = client
        self.wanted = {name: params.get(name) for name in PLAN_FILTERS if params.get(name)}
        self._plan_ids = None
        self._rule_names = {}

    @property
    def active(self):
        return bool(self.wanted)

    def plan_ids(self):
        """The ids of the plans the user means (None when no plan filter is set): the one given by
        backup_plan_id, or every plan, deleted ones included, named backup_plan_name."""
        if "backup_plan_id" in self.wanted:
            return [self.wanted["backup_plan_id"]]
        if "backup_plan_name" not in self.wanted:
            return None
        if self._plan_ids is None:
            name = self.wanted["backup_plan_name"]
            plans = list_backup_plans(self.client, include_deleted=True)
            self._plan_ids = sorted({plan["BackupPlanId"] for plan in plans if plan.get("BackupPlanName") == name})
        return self._plan_ids

    def _rule_name(self, created_by):
        """The name of the rule that created it: AWS's BackupRuleName, else the rule of that id in
        the plan version that created it (looked up once per plan version)."""
        if created_by.get("BackupRuleName"):
            return created_by["BackupRuleName"]
        key = (created_by.get("BackupPlanId"), created_by.get("BackupPlanVersion"))
        if not key[0]:
            return None
        if key not in self._rule_names:
            plan = get_backup_plan(self.client, key[0], key[1]) or {}
            rules = (plan.get("BackupPlan") or {}).get("Rules") or []
            self._rule_names[key] = {rule.get("RuleId"): rule.get("RuleName") for rule in rules}
        return self._rule_names[key].get(created_by.get("BackupRuleId"))

    def matches(self, raw):
        """True when the raw job or recovery point was created by the plan and rule wanted."""
        if not self.active:
            return True
        created_by = raw.get("CreatedBy") or {}
        if not created_by.get("BackupPlanId"):
            return False
        if "backup_plan_id" in self.wanted and created_by["BackupPlanId"] != self.wanted["backup_plan_id"]:
            return False
        if "backup_plan_name" in self.wanted:
            named = created_by.get("BackupPlanName")
            if named is not None and named != self.wanted["backup_plan_name"]:
                return False
            if named is None and created_by["BackupPlanId"] not in self.plan_ids():
                return False
        if "backup_rule_id" in self.wanted and created_by.get("BackupRuleId") != self.wanted["backup_rule_id"]:
            return False
        if "backup_rule_name" in self.wanted and self._rule_name(created_by) != self.wanted["backup_rule_name"]:
            return False
        return True

    def report(self, applied_by_aws=()):
        """The ``filters`` entries of the plan and rule filters: value, and who applied it."""
        result = {}
        for name, value in self.wanted.items():
            entry = {"value": value, "applied_by": "aws" if name in applied_by_aws else "module"}
            if name == "backup_plan_name":
                entry["backup_plan_ids"] = self.plan_ids()
            result[name] = entry
        return result


def filter_report(params, names, applied_by_aws=()):
    """The ``filters`` entries of the other filters the user set (value, and who applied it)."""
    return {
        name: {"value": params[name], "applied_by": "aws" if name in applied_by_aws else "module"}
        for name in names
        if params.get(name) not in (None, [], "")
    }
