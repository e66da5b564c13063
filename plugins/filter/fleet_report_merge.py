# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: fleet_report_merge
short_description: Merge the fleet report rows of several runs (the slices of an AWX sliced job) into one report
version_added: 0.2.0
description:
  - AWX / Automation Controller runs a job template with C(job_slice_count) above 1 as several jobs, each on
    every n-th host of the inventory, possibly on different execution nodes. Each slice passes its hosts' rows
    on with C(ansible.builtin.set_stats), under a key of its own (a later slice would overwrite a shared key);
    a workflow node after the sliced job gets every slice's key as an extra variable, and this filter merges
    them into one report of the shape the C(backupkit.dynamodb.fleet_report) callback writes.
  - Every host is in the result exactly once, sorted by name. A host reported by several slices (a slice run
    again) keeps the row of the latest job (the highest AWX job id). A host of O(expected_hosts) that no slice
    reported gets status V(no_result) (a slice whose every host failed stops before it can pass anything on).
  - C(backupkit.dynamodb.fleet_report_markdown) renders the result as the callback's Markdown.
  - C(examples/awx/playbooks/fleet_setup.yml) shows what a slice passes on, C(examples/awx/playbooks/fleet_merge.yml)
    the merge step.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
positional: expected_hosts, playbook
options:
  _input:
    description:
      - The slices' payloads, each a dictionary with C(playbook), C(job) (the AWX job id of the slice),
        C(started), C(finished) and C(hosts), a list of rows with the callback's row keys (C(host),
        C(account_id), C(account_name), C(region), C(status), C(changed), C(vault_arn), C(plan_arn),
        C(last_error), C(failed_task)).
    type: list
    elements: dict
    required: true
  expected_hosts:
    description:
      - The hosts the merged report must have a row for (the sliced job's inventory pattern).
      - Each a host name, or a dictionary with C(host) and the C(account_id), C(account_name) and C(region) that
        its row shows when no slice reported it.
    type: list
    elements: raw
    default: []
  playbook:
    description: The report's C(playbook) name; default the slices' own (or V(fleet) when they differ).
    type: str
"""

EXAMPLES = r"""
- name: One report from the rows every slice passed on (backupkit_fleet_slice_<job id> variables)
  ansible.builtin.set_fact:
    merged: >-
      {{ query('ansible.builtin.varnames', '^backupkit_fleet_slice_')
         | map('extract', vars) | list
         | backupkit.dynamodb.fleet_report_merge(query('ansible.builtin.inventory_hostnames', 'aws_accounts')) }}
"""

RETURN = r"""
_value:
  description:
    - The merged report - C(playbook), C(started) (the earliest slice's start), C(finished) (the latest slice's end),
      C(summary) (C(hosts), C(ok), C(failed), C(unreachable), C(not_run), C(no_result) when any, C(changed)),
      C(slices) (C(job), C(hosts), C(started), C(finished) of each slice) and C(hosts), one row per host with
      the slice's C(job) added.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.backupkit.dynamodb.plugins.plugin_utils._fleet_report import merge_slices
from ansible_collections.backupkit.dynamodb.plugins.plugin_utils._fleet_report import render_markdown


def fleet_report_merge(slices, expected_hosts=None, playbook=None):
    try:
        return merge_slices(slices, expected_hosts, playbook)
    except TypeError as e:
        raise AnsibleFilterError(f"fleet_report_merge: {e}") from e


def fleet_report_markdown(report):
    if not isinstance(report, dict) or "hosts" not in report or "summary" not in report:
        raise AnsibleFilterError("fleet_report_markdown expects a fleet report (a dict with summary and hosts)")
    return render_markdown(report)


class FilterModule(object):
    def filters(self):
        return {"fleet_report_merge": fleet_report_merge, "fleet_report_markdown": fleet_report_markdown}
