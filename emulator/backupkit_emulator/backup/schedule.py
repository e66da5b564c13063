"""AWS Backup's scheduler: what falls due as the virtual clock moves (see ``clock.py``).

Two kinds of events, run in time order by :func:`run_until` with the clock frozen
at each event's instant, so that everything they stamp carries that instant:

1. A plan rule's scheduled run, at each instant its ``ScheduleExpression`` names in
   its ``ScheduleExpressionTimezone`` after the plan version that holds the rule was
   created. The run backs up what the plan's selections assign at that moment
   (:func:`selections.assigned_resources`): one backup job per resource, created at
   the scheduled instant, ``CreatedBy`` the plan (id, ARN, version) and rule, into the
   rule's vault, with its Lifecycle, RecoveryPointTags and windows. Every rule of a
   plan runs; a resource two selections assign is backed up once per rule.
2. A recovery point's deletion at its CalculatedLifecycle DeleteAt: the recovery
   point goes away, and so does the DynamoDB backup behind it.

Events at one instant run deletions first, then rules in plan-creation and rule
order; across accounts and regions by account, then region. The same state and
the same advance therefore give the same result. Storage class (cold storage at
MoveToColdStorageAt, only with advanced DynamoDB backup) and job states (RUNNING,
COMPLETED, EXPIRED) are derived from the clock when read, so they need no event.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from datetime import datetime, timezone
from typing import Any, Iterator

from ..clock import CLOCK
from .cron import CronError, next_fire

_sequence = itertools.count()
logger = logging.getLogger(__name__)


def _backends() -> Iterator[tuple[str, str, Any]]:
    """Every AWS Backup backend that exists, by account then region (never creates one)."""
    from .models import backup_backends

    for account_id, regions in sorted(dict.items(backup_backends)):
        for region, backend in sorted(dict.items(regions)):
            yield account_id, region, backend


def _as_datetime(value: Any) -> datetime:
    """moto keeps plan dates as epoch seconds; naive UTC."""
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(float(value), tz=timezone.utc).replace(tzinfo=None)


# --------------------------------------------------------------------------- #
# Per-backend state (lives on the backend: moto's reset clears it)
# --------------------------------------------------------------------------- #


def _state(backend: Any) -> dict[str, Any]:
    state = getattr(backend, "_schedule_state", None)
    if state is None:
        # cursors: (plan id, rule id) -> the last instant that rule ran (or its version's creation);
        # deletions: heap of (DeleteAt, sequence, recovery point ARN)
        state = {"cursors": {}, "next": {}, "deletions": []}
        backend._schedule_state = state
    return state


def schedule_deletion(backend: Any, recovery_point: Any) -> None:
    """Note a recovery point's DeleteAt (called when it is filed or its lifecycle changes)."""
    delete_at = (recovery_point.calculated_lifecycle or {}).get("DeleteAt")
    if delete_at is not None:
        heapq.heappush(_state(backend)["deletions"], (delete_at, next(_sequence), recovery_point.arn))


def _next_deletion(backend: Any) -> tuple[datetime, str] | None:
    """The earliest live DeleteAt (stale heap entries are dropped)."""
    heap = _state(backend)["deletions"]
    while heap:
        delete_at, _, arn = heap[0]
        point = backend.recovery_points.get(arn)
        if point is not None and (point.calculated_lifecycle or {}).get("DeleteAt") == delete_at:
            return delete_at, arn
        heapq.heappop(heap)
    return None


def _rules(backend: Any) -> Iterator[tuple[Any, int, dict[str, Any]]]:
    """(plan, rule index, rule) of every live plan, in plan-creation order."""
    plans = sorted(backend._live_plans(), key=lambda plan: (plan.creation_date, plan.backup_plan_id))
    for plan in plans:
        for index, rule in enumerate(plan.backup_plan.get("Rules") or []):
            yield plan, index, rule


def _next_rule_run(backend: Any, plan: Any, rule: dict[str, Any]) -> datetime | None:
    state = _state(backend)
    key = (plan.backup_plan_id, rule.get("RuleId"))
    cursor = state["cursors"].get(key)
    if cursor is None:
        cursor = state["cursors"][key] = _as_datetime(plan.creation_date)
    cached = state["next"].get(key)
    if cached is not None and cached[0] == cursor:
        return cached[1]
    try:
        when = next_fire(rule.get("ScheduleExpression") or "cron(0 5 ? * * *)", cursor,
                         rule.get("ScheduleExpressionTimezone"))
    except CronError:
        when = None  # refused when the plan was created; an old plan keeps quiet
    state["next"][key] = (cursor, when)
    return when


# --------------------------------------------------------------------------- #
# Running events
# --------------------------------------------------------------------------- #


def _delete(backend: Any, arn: str) -> None:
    point = backend.recovery_points.get(arn)
    if point is not None:
        backend._remove_recovery_point(point)


def run_rule(backend: Any, plan: Any, rule: dict[str, Any], at: datetime) -> list[Any]:
    """One scheduled run of a rule at ``at`` (the clock stands there): the jobs it started."""
    from .selections import assigned_resources

    state = _state(backend)
    state["cursors"][(plan.backup_plan_id, rule.get("RuleId"))] = at
    created_by = {
        "BackupPlanId": plan.backup_plan_id,
        "BackupPlanArn": plan.backup_plan_arn,
        "BackupPlanVersion": plan.version_id,
        "BackupRuleId": rule.get("RuleId"),
    }
    jobs = []
    requests: dict[str, Any] = {}  # the rule's request per selection role, validated once per run
    for arn, selection in assigned_resources(backend, plan.backup_plan_id).items():
        try:
            request = requests.get(selection.iam_role_arn)
            if request is None:
                request = requests[selection.iam_role_arn] = backend.backup_request(
                    backup_vault_name=rule.get("TargetBackupVaultName"),
                    iam_role_arn=selection.iam_role_arn,
                    start_window_minutes=rule.get("StartWindowMinutes"),
                    complete_window_minutes=rule.get("CompletionWindowMinutes"),
                    lifecycle=rule.get("Lifecycle"),
                    recovery_point_tags=rule.get("RecoveryPointTags"),
                    created_by=created_by,
                )
            backend._validate_table_arn(arn)
            job = backend.run_backup_job(request, arn)
        except Exception as error:  # noqa: BLE001 - a rule AWS would not run for this resource
            logger.warning("scheduled run of %s/%s skipped %s: %s", plan.backup_plan_id, rule.get("RuleId"), arn, error)
            continue
        jobs.append(job)
    versions = getattr(backend, "plan_versions", {}).get(plan.backup_plan_id) or []
    for version in versions:
        if version.version_id == plan.version_id:
            version.last_execution_date = (at - datetime(1970, 1, 1)).total_seconds()
    plan.last_execution_date = (at - datetime(1970, 1, 1)).total_seconds()
    return jobs


def _earliest(until: datetime) -> tuple[tuple[Any, ...], Any] | None:
    best: tuple[tuple[Any, ...], Any] | None = None
    for account_id, region, backend in _backends():
        deletion = _next_deletion(backend)
        if deletion is not None and deletion[0] <= until:
            key = (deletion[0], 0, account_id, region, "", 0)
            if best is None or key < best[0]:
                best = (key, (_delete, backend, deletion[1]))
        for plan, index, rule in _rules(backend):
            when = _next_rule_run(backend, plan, rule)
            if when is not None and when <= until:
                key = (when, 1, account_id, region, f"{plan.creation_date:020.6f}{plan.backup_plan_id}", index)
                if best is None or key < best[0]:
                    best = (key, (run_rule, backend, plan, rule, when))
    return best


def run_until(until: datetime) -> int:
    """Run, in time order, everything that falls due up to ``until``; the number of events run.

    The caller holds clock.LOCK (every request and every clock move does)."""
    count = 0
    while True:
        found = _earliest(until)
        if found is None:
            return count
        (when, *_), (action, *args) = found
        with CLOCK.frozen_at(when):
            action(*args)
        count += 1


def install() -> None:
    CLOCK.runner = run_until
