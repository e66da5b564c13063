# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Schedule expressions as AWS writes them (private, pure functions, no AWS calls).

AWS's six-field cron, ``cron(minutes hours day-of-month month day-of-week year)``, with the
ranges and wildcards AWS documents for scheduled expressions (EventBridge, AWS Backup):

========== ============== ==================
field      values         wildcards
========== ============== ==================
minutes    0-59           , - * /
hours      0-23           , - * /
day-of-mon 1-31           , - * ? / L W
month      1-12, JAN-DEC  , - * /
day-of-wk  1-7, SUN-SAT   , - * ? L #
year       1970-2199      , - * /
========== ============== ==================

and ``rate(value unit)`` (unit ``minute(s)``, ``hour(s)``, ``day(s)``; ``1`` takes the singular).
AWS Backup plans take cron only; :func:`schedule_problem` says so for a rate() unless
``allow_rate`` is true.
"""

from __future__ import annotations

import re

FIELD_NAMES = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# field name -> (lowest, highest, names for 1.., extra single-token wildcards)
RANGES = {
    "minutes": (0, 59, (), ()),
    "hours": (0, 23, (), ()),
    "day-of-month": (1, 31, (), ("?", "L", "LW")),
    "month": (1, 12, MONTHS, ()),
    "day-of-week": (1, 7, WEEKDAYS, ("?", "L")),
    "year": (1970, 2199, (), ()),
}
RATE_PATTERN = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
RATE_UNITS = ("minute", "hour", "day")


def _value(token, lowest, highest, names):
    """The number ``token`` stands for, or None when it is not a value of the field."""
    upper = token.upper()
    if names and upper in names:
        return names.index(upper) + 1
    if not token.isdigit():
        return None
    number = int(token)
    return number if lowest <= number <= highest else None


def _field_problem(name, field):
    lowest, highest, names, specials = RANGES[name]
    allowed = f"{lowest}-{highest}" + (f" or {names[0]}-{names[-1]}" if names else "")
    if field in specials:
        return None
    for part in field.split(","):
        if not part:
            return f"the {name} field {field!r} has an empty list element"
        if name == "day-of-month" and re.fullmatch(r"\d+W", part):
            part = part[:-1]
        if name == "day-of-week":
            hash_match = re.fullmatch(r"([^#]+)#(\d+)", part)
            if hash_match:
                if not 1 <= int(hash_match.group(2)) <= 5:
                    return f"the {name} field {field!r}: the week after '#' must be 1-5"
                part = hash_match.group(1)
            elif re.fullmatch(r"[^L]+L", part) and part != "L":
                part = part[:-1]
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) < 1):
            return f"the {name} field {field!r}: the step after '/' must be a positive number"
        if base == "*":
            continue
        low, dash, high = base.partition("-")
        for token in (low, high) if dash else (low,):
            if _value(token, lowest, highest, names) is None:
                return f"the {name} field {field!r}: {token!r} is out of range (allowed: {allowed})"
    return None


def cron_problem(expression):
    """Why ``expression`` is not an AWS six-field cron expression with every field in range (None if it is)."""
    text = (expression or "").strip()
    match = re.fullmatch(r"cron\((.*)\)", text)
    if not match:
        return f"{text!r} is not of the form cron(minutes hours day-of-month month day-of-week year)"
    fields = match.group(1).split()
    if len(fields) != 6:
        return (
            f"{text!r} has {len(fields)} fields; AWS cron expressions have six: "
            "cron(minutes hours day-of-month month day-of-week year), for example cron(0 5 ? * * *)"
        )
    for name, field in zip(FIELD_NAMES, fields):
        problem = _field_problem(name, field)
        if problem:
            return f"{text!r}: {problem}"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return (
            f"{text!r}: exactly one of day-of-month ({day_of_month!r}) and day-of-week ({day_of_week!r}) "
            "must be '?'"
        )
    return None


def rate_problem(expression):
    """Why ``expression`` is not ``rate(value unit)`` (None if it is one)."""
    text = (expression or "").strip()
    match = RATE_PATTERN.match(text)
    if not match:
        return f"{text!r} is not of the form rate(value unit), for example rate(12 hours)"
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        return f"{text!r}: the value must be a positive number"
    singular = unit[:-1] if unit.endswith("s") else unit
    if singular not in RATE_UNITS:
        return f"{text!r}: the unit must be minute(s), hour(s) or day(s)"
    if (value == 1) != (unit == singular):
        return f"{text!r}: AWS writes rate(1 {singular}) but rate({value} {singular}s)" if value != 1 else (
            f"{text!r}: AWS writes rate(1 {singular}), in the singular"
        )
    return None


def schedule_problem(expression, allow_rate=False):
    """Why ``expression`` is not a schedule AWS takes (None if it is one).

    cron() always; rate() only with ``allow_rate`` (AWS Backup plans take cron only).
    """
    text = (expression or "").strip()
    if text.startswith("rate("):
        if not allow_rate:
            return f"{text!r} is not a cron expression: AWS Backup schedules take cron(...) only, not rate() or at()"
        return rate_problem(text)
    if text.startswith("at("):
        return f"{text!r} is not a cron expression: AWS Backup schedules take cron(...) only, not rate() or at()"
    return cron_problem(text)
