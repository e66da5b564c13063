# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet_report callback's rows, statuses, error messages and Markdown."""

from __future__ import annotations

from ansible.executor.stats import AggregateStats

from ansible_collections.backupkit.dynamodb.plugins.callback import fleet_report as report

VAULT = "arn:aws:backup:us-east-1:210987654321:backup-vault:v"
PLAN = "arn:aws:backup:us-east-1:210987654321:backup-plan:p"


def stats_of(**counts: dict[str, int]) -> AggregateStats:
    stats = AggregateStats()
    for host, what in counts.items():
        for key, number in what.items():
            for dummy in range(number):
                stats.increment(key, host)
    return stats


def test_rows_say_ok_failed_unreachable_and_not_run() -> None:
    stats = stats_of(good={"ok": 5, "changed": 2}, bad={"ok": 1, "failures": 1}, gone={"dark": 1})
    hosts = {
        "good": {"facts": {"protection_vault_arn": VAULT, "protection_plan_arn": PLAN},
                 "vars": {"account_id": "210987654321", "account_name": "shop", "region": "us-east-1"}},
        "bad": {"facts": {}, "vars": {"account_id": "111122223333"}, "error": "Cannot assume x: AccessDenied",
                "failed_task": "session : Stop"},
        "gone": {"facts": {}, "vars": {}, "error": "unreachable", "failed_task": "t"},
        "later": {"facts": {}, "vars": {"account_id": "444455556666"}},
    }

    rows = {row["host"]: row for row in report.build_rows(hosts, stats)}

    assert [rows[h]["status"] for h in ("good", "bad", "gone", "later")] == ["ok", "failed", "unreachable", "not_run"]
    assert (rows["good"]["changed"], rows["good"]["vault_arn"], rows["good"]["plan_arn"]) == (2, VAULT, PLAN)
    assert rows["good"]["last_error"] is None
    assert (rows["bad"]["last_error"], rows["bad"]["failed_task"]) == ("Cannot assume x: AccessDenied", "session : Stop")
    assert rows["later"]["account_id"] == "444455556666"


def test_per_host_set_stats_data_gives_the_arns_and_is_kept() -> None:
    stats = stats_of(h={"ok": 1})
    stats.set_custom_stats("protection_vault_arn", VAULT, "h")
    stats.set_custom_stats("protection_plan_arn", PLAN, "h")
    stats.set_custom_stats("rows", 3, "h")

    (row,) = report.build_rows({}, stats)

    assert (row["vault_arn"], row["plan_arn"]) == (VAULT, PLAN)
    assert row["account_id"] == "210987654321"  # from the vault ARN when the inventory has none
    assert row["stats"]["rows"] == 3


def test_a_recovered_failure_is_not_the_last_error() -> None:
    stats = stats_of(h={"ok": 3, "rescued": 1})

    (row,) = report.build_rows({"h": {"facts": {}, "vars": {}, "error": "boom", "failed_task": "t"}}, stats)

    assert (row["status"], row["last_error"]) == ("ok", None)


def test_error_messages() -> None:
    assert report.error_message({"msg": "Cannot assume r: AccessDenied"}) == "Cannot assume r: AccessDenied"
    assert report.error_message({"stderr": "no such file"}) == "no such file"
    assert report.error_message({
        "msg": "One or more items failed",
        "results": [{"failed": False, "msg": "fine"}, {"failed": True, "msg": "item 2 broke"}],
    }) == "item 2 broke"
    assert report.error_message({"exception": "Traceback\n  ...\nValueError: bad"}) == "ValueError: bad"
    assert report.error_message({}) == "failed"
    assert len(report.error_message({"msg": "x" * 5000})) == report.MAX_ERROR_CHARS


def test_markdown_has_a_summary_and_one_escaped_row_per_host() -> None:
    rows = report.build_rows(
        {"a": {"facts": {}, "vars": {"account_id": "1", "account_name": "shop"}, "error": "bad | worse\nline 2",
               "failed_task": "t"}},
        stats_of(a={"failures": 1}, b={"ok": 1}),
    )
    markdown = report.render_markdown({
        "playbook": "setup", "started": "s", "finished": "f", "hosts": rows,
        "summary": {"ok": 1, "failed": 1, "unreachable": 0, "not_run": 0},
    })

    lines = markdown.splitlines()
    assert lines[0] == "# setup: 1 ok, 1 failed, 0 unreachable"
    assert lines[-2] == "| a | 1 (shop) | - | failed | 0 | - | - | t: bad \\| worse line 2 |"
    assert lines[-1] == "| b | - | - | ok | 0 | - | - | - |"
