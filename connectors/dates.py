"""The date strings platforms write into exports, as ISO-8601.

Parsed by hand rather than with `strptime("%b")`, whose month names follow the
process locale: LinkedIn writes English abbreviations whatever the UI language.
Every function returns '' for text it cannot read, so one odd date never loses
a connection.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
    ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
    ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december"),
), start=1) for name in names}

_DAY_MON_YEAR_RE = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{4}|\d{2})$", re.ASCII)
_US_DATETIME_RE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\s*([AaPp])\.?[Mm]\.?)?$", re.ASCII)
_UTC_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\s*(?:UTC|Z))?$", re.ASCII)


def _year(text: str) -> int:
    """Two-digit years the way `%y` reads them: 69-99 -> 19xx, 00-68 -> 20xx."""
    value = int(text)
    if len(text) == 2:
        value += 1900 if value >= 69 else 2000
    return value


def day_month_year(text: str) -> str:
    """`05 Mar 2024` or `05-Mar-19` (LinkedIn Connected On) -> `2024-03-05`."""
    match = _DAY_MON_YEAR_RE.match(text.strip())
    if not match:
        return ""
    month = _MONTHS.get(match.group(2).casefold())
    if month is None:
        return ""
    try:
        return date(_year(match.group(3)), month, int(match.group(1))).isoformat()
    except ValueError:
        return ""


def us_datetime(text: str) -> str:
    """`1/29/26, 2:37 PM` (LinkedIn Sent At) -> `2026-01-29T14:37:00`, no zone: none is given."""
    match = _US_DATETIME_RE.match(text.strip())
    if not match:
        return ""
    month, day, year, hour, minute, second, half = match.groups()
    hour_24 = int(hour)
    if half:
        if not 1 <= hour_24 <= 12:
            return ""
        hour_24 = hour_24 % 12 + (12 if half in "Pp" else 0)
    try:
        moment = datetime(_year(year), int(month), int(day), hour_24, int(minute),
                          int(second or 0))
    except ValueError:
        return ""
    return moment.isoformat(timespec="seconds")


def utc_datetime(text: str) -> str:
    """`2024-05-01 10:00:00` (TikTok, stated to be UTC) -> `2024-05-01T10:00:00Z`."""
    match = _UTC_DATETIME_RE.match(text.strip())
    if not match:
        return ""
    parts = [int(part) if part else 0 for part in match.groups()]
    try:
        moment = datetime(*parts)
    except ValueError:
        return ""
    return moment.isoformat(timespec="seconds") + "Z"
