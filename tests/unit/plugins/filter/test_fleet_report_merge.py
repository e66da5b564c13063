"""The fleet_report_merge filter: the slices of an AWX sliced job merged into one fleet report."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.backupkit.dynamodb.plugins.filter.fleet_report_merge import fleet_report_markdown
from ansible_collections.backupkit.dynamodb.plugins.filter.fleet_report_merge import fleet_report_merge


def row(host: str, status: str = "ok", account: str | int = "111111111111", **extra: object) -> dict[str, object]:
    return dict(host=host, account_id=account, account_name=host, region="us-east-1", status=status, changed=None,
                vault_arn=f"arn:aws:backup:us-east-1:{account}:backup-vault:v" if status == "ok" else None,
                plan_arn=None, last_error=None, failed_task=None, **extra)


def payload(job: str, *rows: dict[str, object], finished: str = "2026-12-07T10:00:00") -> dict[str, object]:
    return dict(playbook="setup", job=job, started="2026-12-07T09:00:00", finished=finished, hosts=list(rows))


def test_every_host_once_sorted_with_its_slice() -> None:
    merged = fleet_report_merge([payload("702", row("b"), row("d")), payload("701", row("a"), row("c", "failed"))])
    assert [(r["host"], r["status"], r["job"]) for r in merged["hosts"]] == [
        ("a", "ok", "701"), ("b", "ok", "702"), ("c", "failed", "701"), ("d", "ok", "702")]
    assert merged["summary"] == {"hosts": 4, "ok": 3, "failed": 1, "unreachable": 0, "not_run": 0, "changed": 0}
    assert merged["playbook"] == "setup" and [s["job"] for s in merged["slices"]] == ["701", "702"]


def test_a_host_of_two_slices_keeps_the_latest_jobs_row() -> None:
    """Job 10 ran after job 9 (numerically, not as text): its row wins."""
    merged = fleet_report_merge([payload("10", row("a")), payload("9", row("a", "failed"))])
    assert [(r["host"], r["status"], r["job"]) for r in merged["hosts"]] == [("a", "ok", "10")]


def test_expected_hosts_that_no_slice_reported_are_no_result() -> None:
    expected = [{"host": "a", "account_id": "111111111111"},
                {"host": "z", "account_id": "012345670123", "account_name": "zed", "region": "eu-west-1"}]
    merged = fleet_report_merge([payload("1", row("a"))], expected)
    z = merged["hosts"][1]
    assert (z["host"], z["status"], z["job"], z["account_id"], z["account_name"], z["region"]) == (
        "z", "no_result", None, "012345670123", "zed", "eu-west-1")
    assert "no slice passed a result" in z["last_error"]
    assert merged["summary"]["no_result"] == 1 and merged["summary"]["hosts"] == 2
    markdown = fleet_report_markdown(merged)
    assert markdown.startswith("# setup: 1 ok, 0 failed, 0 unreachable, 1 no result\n")
    assert "| z | 012345670123 (zed) | eu-west-1 | no_result | - |" in markdown


def test_values_that_arrived_as_numbers_are_text_again_and_the_inventory_wins() -> None:
    """AWX's !unsafe '701' reaches ansible-core 2.19 as the int 701, and '0123' as 83."""
    merged = fleet_report_merge([payload(701, row("a", account=111111111111), row("b", account=83))],
                                [{"host": "b", "account_id": "000000000123"}])
    a, b = merged["hosts"]
    assert (a["account_id"], a["job"]) == ("111111111111", "701")
    assert b["account_id"] == "000000000123"


def test_bad_input_is_a_filter_error() -> None:
    with pytest.raises(AnsibleFilterError, match="fleet_report_merge"):
        fleet_report_merge({"hosts": []})
    with pytest.raises(AnsibleFilterError, match="fleet_report_merge"):
        fleet_report_merge([{"job": "1"}])
    with pytest.raises(AnsibleFilterError, match="fleet_report_markdown"):
        fleet_report_markdown([])
