"""A migration is scheduled to run inside a freeze window.

**Problem.** The migration's header says when it runs (``When:``) and that
moment falls in one of the team's freeze windows (``freeze_windows:`` in
mkdocs.yml): Friday afternoons, weekends, holidays, launch days. The seed:
"Freeze periods (no migrations allowed)": a migration that goes wrong then
meets a team that is away or busy.

**Fix.** Move ``When:`` out of the window (the message names the first free
moment after it), or, for an agreed exception, say so in place:
``-- schema-wiki: ignore freeze-window approved by @carol for the launch``.
Only runs still ahead (on or after today) are checked: history cannot be
rescheduled.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..join.schedule import freeze_hit, next_free, parse_when, shown, zone
from ..model import Finding, Level, Location, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "freeze-window"
LEVEL = Level.ERROR


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    if not context.freeze_windows:
        return
    tz = zone(context.freeze_timezone)
    for migration in wiki.migrations:
        field = migration.header.get("when")
        if field is None:
            continue
        moment = parse_when(field.value).moment
        if moment is None or moment.date() < wiki.today:
            continue
        window = freeze_hit(context.freeze_windows, moment, tz)
        if window is None:
            continue
        free = next_free(context.freeze_windows, moment, tz)
        later = f"; the first free time after it is {shown(free.astimezone(tz))}" if free else ""
        path = migration.files[0].path if migration.files else migration.path
        yield Finding(
            NAME,
            LEVEL,
            migration.id,
            f"{migration.id} is scheduled for {shown(moment)} (When:), inside the freeze"
            f" window {window.name}{later}",
            Location(path, field.line),
        )
