# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet report's Markdown, and the merge of the reports of several runs (AWX job slices).

Used by the ``fleet_report`` callback (one run) and the ``fleet_report_merge`` filter (the rows
that each slice of an AWX sliced job passed on with ``set_stats``, merged into one report).
"""

from ansible.module_utils.common.text.converters import to_text

STATUSES = ("ok", "failed", "unreachable", "not_run", "no_result")
NO_RESULT_ERROR = "no slice passed a result for this host (its slice failed on every host, or never ran)"
TEXT_KEYS = ("host", "account_id", "account_name", "region", "vault_arn", "plan_arn", "last_error", "failed_task")
ROW_KEYS = ("host", "account_id", "account_name", "region", "status", "changed", "vault_arn", "plan_arn",
            "last_error", "failed_task")


def cell(value):
    """A Markdown table cell: one line, pipes escaped, '-' when empty."""
    text = "" if value is None else to_text(value)
    text = " ".join(text.split())
    return text.replace("|", "\\|") or "-"


def summarise(rows):
    """The counts of a report: hosts, one per status, and the changed tasks (unknown changes count 0)."""
    summary = {"hosts": len(rows)}
    for status in STATUSES:
        if status != "no_result" or any(row["status"] == status for row in rows):
            summary[status] = sum(1 for row in rows if row["status"] == status)
    summary["changed"] = sum(row.get("changed") or 0 for row in rows)
    return summary


def render_markdown(report):
    summary = report["summary"]
    extra = "".join(f", {summary[key]} {label}" for key, label in (("not_run", "not run"), ("no_result", "no result"))
                    if summary.get(key))
    lines = [
        f"# {report['playbook']}: {summary['ok']} ok, {summary['failed']} failed, "
        f"{summary['unreachable']} unreachable" + extra,
        "",
        f"Started {report['started']}, finished {report['finished']}.",
        "",
        "| host | account | region | status | changed | vault | plan | last error |",
        "| --- | --- | --- | --- | ---: | --- | --- | --- |",
    ]
    for row in report["hosts"]:
        account = row["account_id"] or ""
        if row["account_name"]:
            account = f"{account} ({row['account_name']})" if account else row["account_name"]
        error = row["last_error"]
        if error and row["failed_task"]:
            error = f"{row['failed_task']}: {error}"
        lines.append("| " + " | ".join(cell(v) for v in (
            row["host"], account, row["region"], row["status"], row["changed"],
            row["vault_arn"], row["plan_arn"], error,
        )) + " |")
    return "\n".join(lines) + "\n"


def _text(value):
    return None if value is None else to_text(value)


def _job_order(job):
    """Sort key of a slice's job: AWX job ids numerically, other names after them, by name."""
    text = to_text(job if job is not None else "")
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def merge_slices(slices, expected_hosts=None, playbook=None):
    """One report from the payloads of several runs (the slices of one AWX sliced job).

    Each payload is a dict ``{"playbook", "job", "started", "finished", "hosts": [rows]}``. A host
    reported by several payloads (a slice run twice) keeps the row of the latest job (the
    highest AWX job id). A host of ``expected_hosts`` that no payload reports gets a row with
    status ``no_result``: a slice whose every host failed stops before it can pass anything on. An
    expected host is a name, or a dict with ``host`` and the ``account_id``, ``account_name`` and
    ``region`` its row gets when no slice reports it.
    Rows are sorted by host, so every host is in the report exactly once.
    """
    if not isinstance(slices, (list, tuple)):
        raise TypeError("expects a list of slice payloads (dicts with a 'hosts' list)")
    rows = {}
    jobs = []
    for payload in sorted(slices, key=lambda item: _job_order((item or {}).get("job"))):
        if not isinstance(payload, dict) or not isinstance(payload.get("hosts"), list):
            raise TypeError(f"a slice payload is not a dict with a 'hosts' list: {to_text(payload)[:200]}")
        job = _text(payload.get("job"))
        jobs.append({"job": job, "hosts": len(payload["hosts"]), "started": payload.get("started"),
                     "finished": payload.get("finished")})
        for row in payload["hosts"]:
            merged = {key: row.get(key) for key in ROW_KEYS}
            for key in TEXT_KEYS:
                merged[key] = _text(merged[key])
            merged["status"] = merged["status"] if merged["status"] in STATUSES else "failed"
            merged["job"] = job
            rows[merged["host"]] = merged
    for expected in expected_hosts or []:
        known = dict(expected) if isinstance(expected, dict) else {"host": expected}
        host = _text(known.get("host"))
        row = rows.setdefault(host, dict({key: None for key in ROW_KEYS}, host=host, status="no_result",
                                         last_error=NO_RESULT_ERROR, job=None))
        # The inventory's account id, name and region over what came through the artifacts: a value that
        # looks like a number may arrive as one (ansible-core 2.19 reads AWX's !unsafe '0123' as 83).
        for key in ("account_id", "account_name", "region"):
            if known.get(key) not in (None, ""):
                row[key] = _text(known[key])
    ordered = [rows[host] for host in sorted(rows)]
    starts = [job["started"] for job in jobs if job["started"]]
    ends = [job["finished"] for job in jobs if job["finished"]]
    names = sorted({to_text(payload.get("playbook")) for payload in slices if payload.get("playbook")})
    return {
        "playbook": playbook or (names[0] if len(names) == 1 else "fleet"),
        "started": min(starts) if starts else None,
        "finished": max(ends) if ends else None,
        "summary": summarise(ordered),
        "slices": jobs,
        "hosts": ordered,
    }
