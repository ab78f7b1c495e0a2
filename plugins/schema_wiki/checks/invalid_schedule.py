"""A migration's ``When:`` is not a date-time with a time zone.

**Problem.** ``When:`` tells the team when the migration runs in production:
the calendar, its iCalendar feed, the freeze-window check and the
Migration Announcement read it. A value they cannot read, or a time without
a zone (14:00 where? the team is distributed), is left out of all of them.

**Fix.** Write an ISO 8601 date-time with an offset or a zone name::

    -- When: 2025-03-04T14:00:00+00:00
    -- When: 2025-03-04 14:00 Europe/Berlin
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..join.schedule import parse_when
from ..model import Finding, Level, Location, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "invalid-schedule"
LEVEL = Level.WARNING
#: Reads nothing of the wiki but its migrations (see `checks.Rule.reads`).
READS = "migrations"


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    for migration in wiki.migrations:
        field = migration.header.get("when")
        if field is None:
            continue
        problem = parse_when(field.value).problem
        if problem is None:
            continue
        path = migration.files[0].path if migration.files else migration.path
        yield Finding(
            NAME,
            LEVEL,
            migration.id,
            f"When: {field.value.strip()!r} of {migration.id} cannot be read: {problem}",
            Location(path, field.line),
        )
