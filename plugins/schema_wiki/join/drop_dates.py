"""When may a column be dropped? From a migration header or from its comment.

Header forms understood:

* ``Can drop after: 2024-08-15`` applies to every column the migration adds;
* ``Can drop after:`` followed by ``- users.legacy_id: 2024-08-15`` lines
  gives each column its own date (``table.column`` or ``schema.table.column``);
* with no ``Can drop after``, ``Date`` plus ``Expected lifespan: 6 months``
  gives the date (days, weeks, months and years are understood).

A comment such as "Can be removed after 2024-08-15" states a date as well.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import StrEnum

from ..model import DropDate, Location, Migration, parse_date

_LIFESPAN = re.compile(r"(\d+)\s*(day|week|month|year)s?\b", re.IGNORECASE)
_PER_COLUMN = re.compile(r"^\s*-?\s*((?:[\w$]+\.){1,2}[\w$]+)\s*[:=]?\s*(\d{4}-\d{2}-\d{2})\b")
_IN_COMMENT = re.compile(
    r"\b(?:drop|dropp?ed|remove|removed|delete|deleted)\s+(?:after|on|from|by)\s+"
    r"(\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)

#: Key for "every column this migration adds".
ALL_COLUMNS = "*"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def lifespan_end(start: dt.date, lifespan: str) -> dt.date | None:
    """The end of ``Expected lifespan: 6 months`` counted from ``start``."""
    m = _LIFESPAN.search(lifespan)
    if not m:
        return None
    count, unit = int(m.group(1)), m.group(2).lower()
    if unit == "day":
        return start + dt.timedelta(days=count)
    if unit == "week":
        return start + dt.timedelta(weeks=count)
    if unit == "month":
        return add_months(start, count)
    return add_months(start, 12 * count)


def header_drop_dates(migration: Migration) -> dict[str, tuple[dt.date, Location]]:
    """Drop dates the header states: ``ALL_COLUMNS`` or a column reference -> (date, where)."""
    out: dict[str, tuple[dt.date, Location]] = {}
    field = migration.header.get("can drop after")
    if field is not None:
        where = Location(_header_path(migration), field.line)
        whole = parse_date(field.value.split("\n")[0])
        if whole is not None:
            out[ALL_COLUMNS] = (whole, where)
        for line in (*field.value.split("\n"), *field.items):
            m = _PER_COLUMN.match(line)
            day = parse_date(m.group(2)) if m else None
            if m and day is not None:
                out.setdefault(m.group(1).lower(), (day, where))
        return out
    lifespan = migration.header.get("expected lifespan")
    start = migration.date
    if lifespan is not None and start is not None:
        end = lifespan_end(start, lifespan.value)
        if end is not None:
            out[ALL_COLUMNS] = (end, Location(_header_path(migration), lifespan.line))
    return out


def comment_drop_date(comment: str | None) -> dt.date | None:
    """A date stated in a comment ("Can be removed after 2024-08-15"), or None."""
    if not comment:
        return None
    m = _IN_COMMENT.search(comment)
    return parse_date(m.group(1)) if m else None


def _header_path(migration: Migration) -> str:
    # The header lives in the first SQL file (a directory migration's too).
    return migration.files[0].path if migration.files else migration.path


class DropStatus(StrEnum):
    """Where a column stands against its drop date, on a given day."""

    #: No drop date.
    NONE = "none"
    #: A drop date further away than the warning window.
    SCHEDULED = "scheduled"
    #: The drop date is today or within ``warn_days``.
    EXPIRING = "expiring"
    #: The drop date has passed: the column should be gone.
    EXPIRED = "expired"


def drop_status(drop: DropDate | None, today: dt.date, warn_days: int) -> DropStatus:
    """The one rule for what a drop date means today, used by the checks and the badges.

    A column may be dropped *after* its date: on the date itself it is expiring,
    from the next day on it is expired.
    """
    if drop is None:
        return DropStatus.NONE
    if drop.date < today:
        return DropStatus.EXPIRED
    if drop.date <= today + dt.timedelta(days=warn_days):
        return DropStatus.EXPIRING
    return DropStatus.SCHEDULED
