"""A column's drop date is coming up.

**Problem.** The column may be dropped within ``warn_days`` days (30 by
default). If nobody plans the cleanup now, it will be an ``expired-column``
error soon.

**Fix.** Plan the cleanup migration (announce it, check who still reads the
column), or move the date in a new migration and say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..join.drop_dates import DropStatus, drop_status
from ..model import Finding, Level, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "expiring-column"
EXPIRING = DropStatus.EXPIRING
LEVEL = Level.WARNING


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    for table in wiki.tables:
        for column in table.columns:
            drop = column.drop_after
            if drop is None or drop_status(drop, wiki.today, context.warn_days) != EXPIRING:
                continue
            days = (drop.date - wiki.today).days
            yield Finding(
                NAME,
                LEVEL,
                f"{table.qualified}.{column.name}",
                f"{table.qualified}.{column.name} may be dropped after {drop.date.isoformat()},"
                f" in {days} days; plan the cleanup migration",
                drop.location,
            )
