"""When may a column be dropped? From a migration header or from its comment.

Header forms understood (dates in any form `sources.headers.read_date`
reads: ``2024-08-15``, ``15 August 2024``, ``Aug 15 2024``...):

* ``Can drop after: 2024-08-15`` applies to every column the migration adds;
* ``Can drop after:`` followed by ``- users.legacy_id: 2024-08-15`` lines
  gives each column its own date (``table.column`` or ``schema.table.column``);
  in a migration of several files, such lines in any step's header count;
* with no ``Can drop after``, ``Date`` plus ``Expected lifespan: 6 months``
  gives the date (days, weeks, months and years, or ``until <date>``).

A comment such as "Can be removed after 15 August 2024" states a date as well.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from ..model import DropDate, HeaderField, Location, Migration
from ..sources.headers import add_months, column_date, read_date, read_lifespan

__all__ = [
    "ALL_COLUMNS",
    "DropStatus",
    "add_months",
    "comment_drop_date",
    "drop_status",
    "header_drop_dates",
    "lifespan_end",
]

_IN_COMMENT = re.compile(
    r"\b(?:drop|dropp?ed|remove|removed|delete|deleted)\s+(?:after|on|from|by)\s+(?P<rest>.+)",
    re.IGNORECASE | re.DOTALL,
)
_BULLET = re.compile(r"^\s*[-*•+]\s+")

#: Key for "every column this migration adds".
ALL_COLUMNS = "*"


def lifespan_end(start: dt.date, lifespan: str) -> dt.date | None:
    """The end of ``Expected lifespan: 6 months`` counted from ``start``."""
    reading = read_lifespan(lifespan.split("\n")[0])
    return reading.end(start) if reading is not None else None


def header_drop_dates(migration: Migration) -> dict[str, tuple[dt.date, Location]]:
    """Drop dates the header states: ``ALL_COLUMNS`` or a column reference -> (date, where)."""
    out: dict[str, tuple[dt.date, Location]] = {}
    field = migration.header.get("can drop after")
    if field is not None:
        where = Location(_header_path(migration), field.line)
        whole = field.date or read_date(field.value.split("\n")[0])
        if whole is not None:
            out[ALL_COLUMNS] = (whole, where)
        _per_column(field, where, out)
    # Later steps of a directory migration name their own columns.
    for step in migration.steps[1:]:
        own = step.header.get("can drop after") if "can drop after" in step.own else None
        if own is not None:
            _per_column(own, Location(step.path, own.line), out)
    if field is not None:
        return out
    lifespan = migration.header.get("expected lifespan")
    start = migration.date
    if lifespan is not None and start is not None:
        end = lifespan_end(start, lifespan.value)
        if end is not None:
            out[ALL_COLUMNS] = (end, Location(_header_path(migration), lifespan.line))
    return out


def _per_column(
    field: HeaderField, where: Location, out: dict[str, tuple[dt.date, Location]]
) -> None:
    for line in (*field.value.split("\n"), *field.items):
        parsed = column_date(_BULLET.sub("", line))
        day = read_date(parsed[1]) if parsed else None
        if parsed and day is not None:
            out.setdefault(parsed[0].lower(), (day, where))


def comment_drop_date(comment: str | None) -> dt.date | None:
    """A date stated in a comment ("Can be removed after 2024-08-15"), or None."""
    if not comment:
        return None
    for m in _IN_COMMENT.finditer(comment):
        day = read_date(m.group("rest"))
        if day is not None:
            return day
    return None


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
