# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: protection_report
short_description: Combine the backup_protection_info results of several hosts into one protection report
version_added: 0.2.0
description:
  - Takes the results of M(backupkit.dynamodb.backup_protection_info) of every host of a play (one account and
    region each) and returns the report that C(report.json) holds - every table's row, the hosts, and a
    summary over all of them (the same counts as the module's RV(backupkit.dynamodb.backup_protection_info#module:summary)).
  - Used by the C(backupkit.dynamodb.report) role; its schema is C(roles/report/files/report.schema.json).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
positional: failed_hosts, title
options:
  _input:
    description: A list of C({host, result}) dictionaries, C(result) being a registered module result.
    type: list
    elements: dict
    required: true
  failed_hosts:
    description: Hosts of the play that stopped before they could report (listed with status V(failed)).
    type: list
    elements: str
    default: []
  title:
    description: The report's title.
    type: str
    default: DynamoDB protection report
"""

EXAMPLES = r"""
- name: One report over the play's hosts
  ansible.builtin.set_fact:
    report: >-
      {{ ansible_play_hosts | map('extract', hostvars, '__report_host') | list
         | backupkit.dynamodb.protection_report(ansible_play_hosts_all | difference(ansible_play_hosts)) }}
  run_once: true
"""

RETURN = r"""
_value:
  description:
    - The report, with C(schema_version), C(title), C(generated_at), C(summary), C(hosts), C(tables), C(controls),
      and C(findings) (the failing controls of every table).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._protection import parse_time
from ansible_collections.backupkit.dynamodb.plugins.module_utils._protection import summarise

SCHEMA_VERSION = 1


def protection_report(host_results, failed_hosts=None, title="DynamoDB protection report"):
    if not isinstance(host_results, list):
        raise AnsibleFilterError("protection_report expects a list of {host, result} dictionaries")
    hosts, rows, controls, times = [], [], None, []
    for entry in host_results:
        result = entry.get("result") or {}
        if result.get("failed") or "tables" not in result:
            hosts.append(dict(host=entry.get("host"), account_id=entry.get("account_id"), region=entry.get("region"),
                              status="failed", error=result.get("msg") or "no result", tables=0))
            continue
        hosts.append(dict(host=entry.get("host"), account_id=result.get("account_id"), region=result.get("region"),
                          status="ok", error=None, tables=len(result["tables"])))
        for row in result["tables"]:
            rows.append(dict(row, host=entry.get("host")))
        controls = controls or result.get("controls")
        times.append(result.get("generated_at"))
    for host in failed_hosts or []:
        hosts.append(dict(host=str(host), account_id=None, region=None, status="failed",
                          error="the host failed before the report was read", tables=0))
    rows.sort(key=lambda row: (row["account_id"], row["region"], row["table_name"]))
    hosts.sort(key=lambda host: host["host"] or "")
    moments = [parse_time(t) for t in times if t]
    now = max(moments) if moments else None
    summary = summarise(rows, now) if now else summarise([], parse_time("1970-01-01T00:00:00Z"))
    summary["hosts"] = len(hosts)
    summary["hosts_failed"] = sum(1 for host in hosts if host["status"] == "failed")
    summary["accounts"] = len({row["account_id"] for row in rows})
    findings = [dict(account_id=row["account_id"], region=row["region"], table_name=row["table_name"], **finding)
                for row in rows for finding in row["findings"] if finding["status"] == "NON_COMPLIANT"]
    return dict(
        schema_version=SCHEMA_VERSION,
        title=title,
        generated_at=now.isoformat() if now else None,
        summary=summary,
        hosts=hosts,
        tables=rows,
        findings=findings,
        controls=controls or {},
    )


class FilterModule(object):
    def filters(self):
        return {"protection_report": protection_report}
