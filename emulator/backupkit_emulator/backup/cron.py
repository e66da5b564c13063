"""AWS's six-field cron expressions, as AWS Backup takes them in ScheduleExpression.

``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, as the EventBridge
user guide documents them (AWS Backup points there):

- Minutes 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or JAN-DEC,
  Day-of-week 1-7 or SUN-SAT (1 is Sunday), Year 1970-2199;
- ``,`` lists, ``-`` ranges, ``*`` every value, ``/`` increments (``0/15``,
  ``*/15``, ``10-40/10``);
- ``?`` in exactly one of Day-of-month and Day-of-week (one of them must be
  ``?``: giving both is refused);
- ``L``: the last day of the month (Day-of-month), ``L`` alone in Day-of-week
  is Saturday (7), ``6L`` the month's last Friday;
- ``W``: ``3W`` is the weekday nearest the 3rd of the month, within the month;
  ``LW`` the month's last weekday;
- ``#``: ``3#2`` is the month's second Tuesday.

AWS Backup takes no ``rate()`` expressions (its API reference documents cron
only; a rate is refused), and refuses schedules that fire more often than once
an hour ("The interval between backup jobs shouldn't be less than 60 minutes.").

:func:`next_fire` answers the first instant strictly after a UTC instant at
which the expression fires in a time zone (``ScheduleExpressionTimezone``,
IANA names, ``Etc/UTC`` by default), in naive UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = {name: i for i, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
DAYS = {name: i for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
_CRON = re.compile(r"^\s*cron\((?P<body>[^)]*)\)\s*$", re.IGNORECASE)
MIN_YEAR, MAX_YEAR = 1970, 2199
TOO_OFTEN = "The interval between backup jobs shouldn't be less than 60 minutes."


class CronError(ValueError):
    """An expression AWS refuses; the message says why."""


@dataclass(frozen=True)
class DaySpec:
    """Day-of-month or day-of-week, with its special forms."""

    any: bool = False            # ?
    values: frozenset[int] = frozenset()
    last: bool = False           # L (day-of-month: last day; day-of-week: "nL" last weekday n)
    last_weekday: bool = False   # LW
    nearest_weekday: int | None = None  # nW
    nth: tuple[int, int] | None = None  # (weekday, n) for weekday#n


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    years: frozenset[int] | None  # None: every year
    dom: DaySpec
    dow: DaySpec

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        if self.years is not None and day.year not in self.years:
            return False
        spec = self.dow if self.dom.any else self.dom
        if self.dom.any:
            return _dow_matches(spec, day)
        return _dom_matches(spec, day)


def _aws_weekday(day: date) -> int:
    """1 = Sunday ... 7 = Saturday."""
    return (day.isoweekday() % 7) + 1


def _dom_matches(spec: DaySpec, day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if spec.last:
        return day.day == last
    if spec.last_weekday:
        target = date(day.year, day.month, last)
        while target.isoweekday() > 5:
            target -= timedelta(days=1)
        return day == target
    if spec.nearest_weekday is not None:
        wanted = min(spec.nearest_weekday, last)
        target = date(day.year, day.month, wanted)
        if target.isoweekday() == 6:  # Saturday: Friday before, unless that leaves the month
            target = target - timedelta(days=1) if wanted > 1 else target + timedelta(days=2)
        elif target.isoweekday() == 7:  # Sunday: Monday after, unless that leaves the month
            target = target + timedelta(days=1) if wanted < last else target - timedelta(days=2)
        return day == target
    return day.day in spec.values


def _dow_matches(spec: DaySpec, day: date) -> bool:
    weekday = _aws_weekday(day)
    if spec.nth is not None:
        wanted, n = spec.nth
        return weekday == wanted and (day.day - 1) // 7 + 1 == n
    if spec.last:
        last = calendar.monthrange(day.year, day.month)[1]
        return weekday in spec.values and day.day + 7 > last
    return weekday in spec.values


def _value(token: str, low: int, high: int, names: dict[str, int] | None, field: str) -> int:
    text = token.upper()
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise CronError(f"Invalid cron expression: {token!r} is not a valid {field} value.")
    number = int(text)
    if not low <= number <= high:
        raise CronError(f"Invalid cron expression: {field} value {number} is outside {low}-{high}.")
    return number


def _numbers(text: str, low: int, high: int, names: dict[str, int] | None, field: str) -> frozenset[int]:
    """A list of values, ranges, ``*`` and increments."""
    result: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"Invalid cron expression: empty list item in the {field} field.")
        step, stepped = 1, "/" in part
        if stepped:
            part, _, raw_step = part.partition("/")
            if not raw_step.isdigit() or int(raw_step) < 1:
                raise CronError(f"Invalid cron expression: increment {raw_step!r} in the {field} field.")
            step = int(raw_step)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            first, _, last = part.partition("-")
            start, end = _value(first, low, high, names, field), _value(last, low, high, names, field)
            if end < start:
                raise CronError(f"Invalid cron expression: range {part!r} in the {field} field runs backwards.")
        else:
            start = _value(part, low, high, names, field)
            end = high if stepped else start
        result.update(range(start, end + 1, step))
    return frozenset(result)


def _dom(text: str) -> DaySpec:
    upper = text.upper()
    if upper == "?":
        return DaySpec(any=True)
    if upper == "L":
        return DaySpec(last=True)
    if upper == "LW":
        return DaySpec(last_weekday=True)
    if upper.endswith("W"):
        return DaySpec(nearest_weekday=_value(upper[:-1], 1, 31, None, "day-of-month"))
    return DaySpec(values=_numbers(upper, 1, 31, None, "day-of-month"))


def _dow(text: str) -> DaySpec:
    upper = text.upper()
    if upper == "?":
        return DaySpec(any=True)
    if upper == "L":
        return DaySpec(values=frozenset({7}))
    if "#" in upper:
        weekday, _, nth = upper.partition("#")
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise CronError(f"Invalid cron expression: {text!r}: the # occurrence must be 1-5.")
        return DaySpec(nth=(_value(weekday, 1, 7, DAYS, "day-of-week"), int(nth)))
    if upper.endswith("L"):
        return DaySpec(values=frozenset({_value(upper[:-1], 1, 7, DAYS, "day-of-week")}), last=True)
    return DaySpec(values=_numbers(upper, 1, 7, DAYS, "day-of-week"))


@lru_cache(maxsize=512)
def parse(expression: str) -> Cron:
    """Parse ``cron(...)``; CronError with AWS's kind of message if AWS Backup refuses it."""
    if not isinstance(expression, str):
        raise CronError("Invalid schedule expression: it must be a string such as cron(0 5 ? * * *).")
    if expression.strip().lower().startswith("rate("):
        raise CronError(
            f"Invalid schedule expression {expression}: AWS Backup takes cron expressions, such as cron(0 5 ? * * *)."
        )
    match = _CRON.match(expression)
    if not match:
        raise CronError(f"Invalid schedule expression {expression}: expected cron(minutes hours "
                        "day-of-month month day-of-week year).")
    fields = match.group("body").split()
    if len(fields) != 6:
        raise CronError(f"Invalid cron expression {expression}: it must have 6 fields, it has {len(fields)}.")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise CronError(
            f"Invalid cron expression {expression}: exactly one of day-of-month and day-of-week must be '?'."
        )
    try:
        cron = Cron(
            expression=expression,
            minutes=tuple(sorted(_numbers(minute, 0, 59, None, "minutes"))),
            hours=tuple(sorted(_numbers(hour, 0, 23, None, "hours"))),
            months=_numbers(month.upper(), 1, 12, MONTHS, "month"),
            years=None if year == "*" else _numbers(year, MIN_YEAR, MAX_YEAR, None, "year"),
            dom=_dom(dom),
            dow=_dow(dow),
        )
    except CronError as error:
        raise CronError(f"{error} ({expression})") from None
    if len(cron.minutes) > 1:
        raise CronError(TOO_OFTEN)
    return cron


def zone(name: str | None) -> ZoneInfo:
    """The ScheduleExpressionTimezone; CronError naming it if unknown."""
    try:
        return ZoneInfo(name or "Etc/UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"Invalid ScheduleExpressionTimezone: {name}") from None


def next_fire(expression: str, after: datetime, timezone_name: str | None = None) -> datetime | None:
    """The first firing strictly after ``after`` (naive UTC), in naive UTC; None if it never fires again."""
    cron = parse(expression)
    tz = zone(timezone_name)
    local_after = after.replace(tzinfo=timezone.utc).astimezone(tz)
    day = local_after.date() - timedelta(days=1)  # a day's local times may fall before 'after' in UTC
    last_year = max(cron.years) if cron.years else MAX_YEAR
    while day.year <= last_year:
        if cron.years is not None and day.year not in cron.years:
            day = date(day.year + 1, 1, 1)
            continue
        if day.month not in cron.months:
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            continue
        if cron.day_matches(day):
            for hour in cron.hours:
                for minute in cron.minutes:
                    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                    # A local time a DST jump skips does not exist: AWS runs at the shifted instant.
                    moment = local.astimezone(timezone.utc).replace(tzinfo=None)
                    if moment > after:
                        return moment
        day += timedelta(days=1)
    return None
