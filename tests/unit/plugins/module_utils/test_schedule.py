# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of _schedule: AWS's six-field cron with every field in range, and rate()."""

from __future__ import annotations

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _backup_plan
from ansible_collections.backupkit.dynamodb.plugins.module_utils._schedule import schedule_problem


@pytest.mark.parametrize("expression", [
    "cron(0 5 ? * * *)",
    "cron(0 5/12 ? * * *)",
    "cron(59 23 31 12 ? 2199)",
    "cron(0 3 ? * SUN *)",
    "cron(0 3 ? * 1-7 *)",
    "cron(0 3 L * ? *)",
    "cron(0 3 15W * ? *)",
    "cron(0 3 ? * 6L *)",
    "cron(0 3 ? * MON#2 *)",
    "cron(0/30 8-17 ? JAN-MAR,DEC MON-FRI 2025-2030)",
])
def test_accepts_what_aws_accepts(expression):
    assert schedule_problem(expression) is None


@pytest.mark.parametrize("expression, words", [
    ("cron(99 3 ? * * *)", "the minutes field '99': '99' is out of range (allowed: 0-59)"),
    ("cron(0 24 ? * * *)", "the hours field '24'"),
    ("cron(0 5/25 ? * * *)", None),
    ("cron(0 3 32 * ? *)", "the day-of-month field '32'"),
    ("cron(0 3 0 * ? *)", "the day-of-month field '0'"),
    ("cron(0 3 ? 13 * *)", "the month field '13'"),
    ("cron(0 3 ? FOO * *)", "the month field 'FOO'"),
    ("cron(0 3 ? * 8 *)", "the day-of-week field '8'"),
    ("cron(0 3 ? * MON#6 *)", "'#' must be 1-5"),
    ("cron(0 3 ? * * 1969)", "the year field '1969'"),
    ("cron(0 3 ? * * */0)", "the step after '/'"),
    ("cron(0 3,,4 ? * * *)", "empty list element"),
    ("rate(1 day)", "cron(...) only"),
])
def test_refuses_fields_out_of_range_naming_the_field(expression, words):
    problem = schedule_problem(expression)
    if words is None:
        # a step may run past the range's end (AWS takes 5/25: it fires at 5 only)
        assert problem is None
    else:
        assert problem is not None and words in problem, problem


@pytest.mark.parametrize("expression, problem", [
    ("rate(1 day)", None),
    ("rate(12 hours)", None),
    ("rate(5 minutes)", None),
    ("rate(1 days)", "in the singular"),
    ("rate(2 hour)", "rate(2 hours)"),
    ("rate(0 hours)", "positive"),
    ("rate(3 weeks)", "minute(s), hour(s) or day(s)"),
    ("rate(hourly)", "not of the form rate("),
])
def test_rate_when_allowed(expression, problem):
    found = schedule_problem(expression, allow_rate=True)
    assert found == problem if problem is None else problem in found


def test_backup_plan_rule_validation_refuses_a_field_out_of_range():
    rule = {"rule_name": "daily", "target_backup_vault_name": "v", "schedule_expression": "cron(99 3 ? * * *)",
            "start_window_minutes": 60, "completion_window_minutes": 180}
    errors = _backup_plan.validate_rules([rule])
    assert errors == ["rule 'daily': schedule_expression 'cron(99 3 ? * * *)': the minutes field '99': "
                      "'99' is out of range (allowed: 0-59)"]
