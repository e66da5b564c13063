# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one time grammar of backupkit.dynamodb (private).

Every time an option takes (``created_after``, ``recovery_point``, ``now``, ...) and every
time AWS answers (a boto3 datetime, or the ISO 8601 text a result carries) is read by
:func:`parse_time`, as an aware UTC datetime.
"""

from __future__ import annotations

import datetime
import re

_ISO_8601 = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?)?"
    r"\s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _invalid(option, value, why=""):
    return ValueError(
        f"{option} must be an ISO 8601 date or date and time, such as 2024-05-21 or 2024-05-21T13:00:00Z; "
        f"got {value!r}{why}"
    )


def _from_text(text, option, value):
    match = _ISO_8601.match(text)
    if not match:
        raise _invalid(option, value)
    try:
        day = datetime.datetime.strptime(match.group("date"), "%Y-%m-%d")
        fraction = (match.group("fraction") or "0")[:6].ljust(6, "0")
        moment = day.replace(
            hour=int(match.group("hour") or 0),
            minute=int(match.group("minute") or 0),
            second=int(match.group("second") or 0),
            microsecond=int(fraction),
        )
    except ValueError as e:
        raise _invalid(option, value, f" ({e})") from None
    zone = match.group("zone")
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise _invalid(option, value, f" (invalid time zone offset {zone!r})")
        moment = moment.replace(tzinfo=datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes)))
    return moment


def parse_time(value, option="time"):
    """An aware UTC datetime from a datetime (boto3's), a date, or ISO 8601 text; None and '' stay None.

    Text is a date (midnight), or a date and time with optional seconds, fraction and zone
    (``Z``, ``+02:00``, ``+0200``); without a zone it is UTC. Raises ValueError naming ``option``
    when the text is not such a time.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime(value.year, value.month, value.day)
    else:
        moment = _from_text(str(value).strip(), option, value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def iso(value):
    """A datetime (or date) as ISO 8601 text; anything else (None included) unchanged."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def time_window(params):
    """(created_after, created_before) of an _info module's parameters, as aware UTC datetimes (None
    when not given); ValueError naming the option on a bad value or an empty window."""
    after = parse_time(params["created_after"], "created_after") if params.get("created_after") else None
    before = parse_time(params["created_before"], "created_before") if params.get("created_before") else None
    if after is not None and before is not None and after >= before:
        raise ValueError(f"created_after ({after.isoformat()}) must be earlier than created_before ({before.isoformat()})")
    return after, before
