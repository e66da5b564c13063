"""The protection_report filter: hosts' results combined, failed hosts listed, one summary."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import jsonschema

from ansible_collections.backupkit.dynamodb.plugins.filter.protection_report import protection_report
from ansible_collections.backupkit.dynamodb.plugins.module_utils._protection import (
    evaluate_controls,
    merge_controls,
    points_summary,
    status_of,
)

SCHEMA = Path(__file__).resolve().parents[4] / "roles" / "report" / "files" / "report.schema.json"
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)


def row(account: str, name: str, pitr: bool) -> dict[str, object]:
    entry: dict[str, object] = dict(
        account_id=account, region="us-east-1", table_name=name, table_arn=f"arn:aws:dynamodb:us-east-1:{account}:table/{name}",
        table_status="ACTIVE", table_creation_date=None, deletion_protection_enabled=False, tags=None,
        point_in_time_recovery=dict(enabled=pitr, earliest_restorable_time=None, latest_restorable_time=None),
        protected=False, coverage=[], selection_note=None, last_backup_job=None, backup_jobs=[],
        jobs_by_state=dict(days=7, states={}), recovery_points=points_summary([], NOW, 35), vaults_used=[], vaults=[],
        last_restore=None)
    entry["findings"] = evaluate_controls(entry, merge_controls({"BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN": False}), NOW)
    entry["status"] = status_of(entry["findings"])
    entry["failing_controls"] = [f["control"] for f in entry["findings"] if f["status"] == "NON_COMPLIANT"]
    entry["recovery_points"] = {k: v for k, v in entry["recovery_points"].items() if k != "items"}
    entry["recovery_points"]["retention_days"] = []
    return entry


def result(account: str, *rows: dict[str, object]) -> dict[str, object]:
    return dict(changed=False, tables=list(rows), account_id=account, region="us-east-1",
                generated_at=NOW.isoformat(), controls=merge_controls({}))


def test_hosts_are_combined_and_failures_listed() -> None:
    report = protection_report([
        {"host": "b", "result": result("222222222222", row("222222222222", "zeta", True))},
        {"host": "a", "result": result("111111111111", row("111111111111", "orders", False), row("111111111111", "alpha", True))},
        {"host": "c", "account_id": "333333333333", "result": {"failed": True, "msg": "Failed to list DynamoDB tables: AccessDenied"}},
    ], ["d"], "Fleet")
    assert [(r["account_id"], r["table_name"], r["host"]) for r in report["tables"]] == [
        ("111111111111", "alpha", "a"), ("111111111111", "orders", "a"), ("222222222222", "zeta", "b")]
    assert [(h["host"], h["status"], h["tables"]) for h in report["hosts"]] == [
        ("a", "ok", 2), ("b", "ok", 1), ("c", "failed", 0), ("d", "failed", 0)]
    assert report["hosts"][2]["error"] == "Failed to list DynamoDB tables: AccessDenied"
    assert report["findings"] == [dict(account_id="111111111111", region="us-east-1", table_name="orders",
                                       control="DYNAMODB_PITR_ENABLED", status="NON_COMPLIANT",
                                       reason="point-in-time recovery is off", parameters={})]
    summary = report["summary"]
    assert (summary["tables"], summary["compliant"], summary["non_compliant"], summary["hosts"], summary["hosts_failed"],
            summary["accounts"]) == (3, 2, 1, 4, 2, 2)
    assert report["title"] == "Fleet" and report["generated_at"] == NOW.isoformat()
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")),
                                    format_checker=jsonschema.FormatChecker()).validate(json.loads(json.dumps(report)))


def test_no_host_read_gives_an_empty_valid_report() -> None:
    report = protection_report([], ["only"])
    assert report["tables"] == [] and report["findings"] == [] and report["generated_at"] is None
    assert report["summary"]["hosts_failed"] == 1 and report["summary"]["tables"] == 0
    jsonschema.validate(report, json.loads(SCHEMA.read_text(encoding="utf-8")))
