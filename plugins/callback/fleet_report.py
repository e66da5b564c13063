# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: fleet_report
type: aggregate
short_description: Write a per-account report (JSON and Markdown) at the end of a run
version_added: 0.1.0
description:
  - At the end of each C(ansible-playbook) run, writes C(<report_name>.json) and
    C(<report_name>.md) into O(report_dir), with one row per host (an account, or an account
    and region, with the C(backupkit.dynamodb.aws_accounts) inventory) and its status
    (V(ok), V(failed), V(unreachable), or V(not_run) for a host of the play that never ran
    because the play stopped first, for example at C(max_fail_percentage)), the number of
    changed tasks, the vault and plan ARNs and the last error.
  - The vault and plan ARNs are the host's facts C(protection_vault_arn) and
    C(protection_plan_arn), or the same keys in the host's C(ansible.builtin.set_stats) data
    (C(per_host=true)), as the C(backupkit.dynamodb.protection) role sets them. Every other
    per-host C(set_stats) key is kept in the JSON report under C(stats).
  - The last error is the message of the host's last failed task whose failure was not ignored
    (for an account whose role cannot be assumed, the AccessDenied message of STS).
  - The account id, account name and region come from the host variables C(aws_account_id),
    C(aws_account_name) and C(backupkit_region) that the C(aws_accounts) inventory sets; without
    them the account id is taken from the vault ARN.
  - It adds to the output of the run and prints one line saying where the report is.
  - Enable it with C(callbacks_enabled = backupkit.dynamodb.fleet_report) in C(ansible.cfg) or
    C(ANSIBLE_CALLBACKS_ENABLED=backupkit.dynamodb.fleet_report).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
requirements:
  - enabled in the configuration (C(callbacks_enabled)), as every aggregate callback
options:
  report_dir:
    description: The directory the report is written into (created when missing).
    type: path
    default: fleet-report
    env:
      - name: BACKUPKIT_REPORT_DIR
    ini:
      - section: callback_fleet_report
        key: report_dir
  report_name:
    description:
      - The report's file name without extension.
      - Empty means the name of the playbook file without its extension (V(setup) for
        C(ansible-playbook backupkit.dynamodb.setup)), so the reports of different playbooks
        sit side by side.
    type: str
    default: ""
    env:
      - name: BACKUPKIT_REPORT_NAME
    ini:
      - section: callback_fleet_report
        key: report_name
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# callbacks_enabled = backupkit.dynamodb.fleet_report
# [callback_fleet_report]
# report_dir = reports
#
# or for one run:
#   ANSIBLE_CALLBACKS_ENABLED=backupkit.dynamodb.fleet_report BACKUPKIT_REPORT_DIR=reports \
#     ansible-playbook backupkit.dynamodb.setup -i inventory/fleet.aws_accounts.yml --forks 20
#
# reports/setup.json:
# {"playbook": "setup", "summary": {"hosts": 9, "ok": 8, "failed": 1, "unreachable": 0}, "hosts": [
#   {"host": "shop-1", "account_id": "210987654321", "account_name": "shop 1", "region": "us-east-1",
#    "status": "ok", "changed": 0, "vault_arn": "arn:aws:backup:...", "plan_arn": "arn:aws:backup:...",
#    "last_error": null, "failed_task": null, ...}, ...]}
"""

import datetime
import json
import os

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.callback import CallbackBase

from ansible_collections.backupkit.dynamodb.plugins.plugin_utils._fleet_report import render_markdown

VAULT_KEY = "protection_vault_arn"
PLAN_KEY = "protection_plan_arn"
HOST_VARS = {"account_id": "aws_account_id", "account_name": "aws_account_name", "region": "backupkit_region"}
MAX_ERROR_CHARS = 2000


def _result_of(result):
    """The result dict of a callback task result (ansible-core 2.17 to 2.19+)."""
    data = getattr(type(result), "result", None)
    return result.result if data is not None else result._result


def _host_of(result):
    return getattr(result, "host", None) or result._host


def _task_of(result):
    return getattr(result, "task", None) or result._task


def error_message(data):
    """The message of a failed result: msg, else stderr, else the first failed loop item's."""
    message = data.get("msg") or data.get("stderr") or data.get("reason") or data.get("censored")
    items = [item for item in data.get("results") or [] if isinstance(item, dict) and item.get("failed")]
    if items and (not message or message == "One or more items failed"):
        message = error_message(items[-1]) or message
    if not message and data.get("exception"):
        message = to_text(data["exception"]).strip().splitlines()[-1]
    return to_text(message or "failed")[:MAX_ERROR_CHARS]


def account_of_arn(arn):
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] else None


def status_of(name, stats):
    if name not in stats.processed:
        return "not_run"
    summary = stats.summarize(name)
    if summary.get("unreachable"):
        return "unreachable"
    if summary.get("failures"):
        return "failed"
    return "ok"


def build_rows(hosts, stats):
    """One row per host of the run's plays, from what the events recorded and the run's stats."""
    names = sorted(set(stats.processed) | set(hosts))
    rows = []
    for name in names:
        seen = hosts.get(name, {})
        summary = stats.summarize(name)
        custom = stats.custom.get(name) or {}
        facts = seen.get("facts", {})
        vault = facts.get(VAULT_KEY) or custom.get(VAULT_KEY)
        plan = facts.get(PLAN_KEY) or custom.get(PLAN_KEY)
        status = status_of(name, stats)
        host_vars = seen.get("vars", {})
        row = {
            "host": name,
            "account_id": host_vars.get("account_id") or account_of_arn(vault) or account_of_arn(plan),
            "account_name": host_vars.get("account_name"),
            "region": host_vars.get("region"),
            "status": status,
            "changed": summary.get("changed", 0),
            "vault_arn": vault,
            "plan_arn": plan,
            "last_error": seen.get("error") if status in ("failed", "unreachable") else None,
            "failed_task": seen.get("failed_task") if status in ("failed", "unreachable") else None,
            "counts": summary,
            "stats": custom,
        }
        rows.append(row)
    return rows


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "backupkit.dynamodb.fleet_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self._hosts = {}
        self._playbook = "playbook"
        self._started = _now()

    def _record(self, host):
        """The record of a host, its inventory variables captured once."""
        record = self._hosts.setdefault(host.get_name(), {"facts": {}})
        if "vars" not in record:
            inventory_vars = host.vars if isinstance(getattr(host, "vars", None), dict) else {}
            record["vars"] = {
                key: to_text(inventory_vars[var]) for key, var in HOST_VARS.items() if inventory_vars.get(var)
            }
        return record

    def _seen(self, result):
        return self._record(_host_of(result))

    def v2_playbook_on_play_start(self, play):
        """Every host of the play gets a row, also those a failed batch stops before they run."""
        try:
            inventory = play.get_variable_manager()._inventory
            hosts = inventory.get_hosts(play.hosts, ignore_restrictions=True)
        except Exception:  # pylint: disable=broad-except
            return  # rows then come from the hosts that ran
        for host in hosts:
            self._record(host)

    def v2_playbook_on_start(self, playbook):
        self._started = _now()
        file_name = getattr(playbook, "_file_name", None) or "playbook"
        self._playbook = os.path.splitext(os.path.basename(to_text(file_name)))[0]

    def v2_runner_on_ok(self, result):
        record = self._seen(result)
        facts = _result_of(result).get("ansible_facts") or {}
        for key in (VAULT_KEY, PLAN_KEY):
            if facts.get(key):
                record["facts"][key] = to_text(facts[key])

    def v2_runner_on_failed(self, result, ignore_errors=False):
        record = self._seen(result)
        if ignore_errors:
            return
        record["error"] = error_message(_result_of(result))
        record["failed_task"] = to_text(_task_of(result).get_name())

    def v2_runner_on_unreachable(self, result):
        record = self._seen(result)
        record["error"] = error_message(_result_of(result))
        record["failed_task"] = to_text(_task_of(result).get_name())

    def v2_runner_on_skipped(self, result):
        self._seen(result)

    def v2_playbook_on_stats(self, stats):
        rows = build_rows(self._hosts, stats)
        report = {
            "playbook": self._playbook,
            "started": self._started,
            "finished": _now(),
            "summary": {
                "hosts": len(rows),
                "ok": sum(1 for row in rows if row["status"] == "ok"),
                "failed": sum(1 for row in rows if row["status"] == "failed"),
                "unreachable": sum(1 for row in rows if row["status"] == "unreachable"),
                "not_run": sum(1 for row in rows if row["status"] == "not_run"),
                "changed": sum(row["changed"] for row in rows),
            },
            "hosts": rows,
        }
        directory = self.get_option("report_dir")
        name = self.get_option("report_name") or self._playbook
        try:
            os.makedirs(directory, exist_ok=True)
            base = os.path.join(directory, name)
            with open(base + ".json", "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2, sort_keys=False, default=to_text)
                handle.write("\n")
            with open(base + ".md", "w", encoding="utf-8") as handle:
                handle.write(render_markdown(report))
        except OSError as e:
            self._display.warning(f"fleet_report: cannot write the report into {directory}: {e}")
            return
        summary = report["summary"]
        not_run = f", {summary['not_run']} not run" if summary["not_run"] else ""
        self._display.display(
            f"fleet report: {base}.json, {base}.md ({summary['ok']} ok, {summary['failed']} failed, "
            f"{summary['unreachable']} unreachable{not_run})"
        )
