"""The migration calendar: scheduled runs, coming drop dates and freeze windows.

The seed's shared calendar of scheduled migrations, made from what the
repository already says: each migration's ``When:`` header, each column's
drop date (``Can drop after:``, ``Expected lifespan:`` or its comment) and
the team's ``freeze_windows:``. Two outputs:

* ``schema/calendar.md``, a page: runs still ahead, then drop dates still
  ahead or passed (a passed one is an ``expired-column``), then the freeze
  windows of the next `HORIZON_DAYS` days;
* ``schema/calendar.ics``, the same as an iCalendar feed (RFC 5545) a team
  subscribes to in its calendar application: one event per scheduled run
  (30 minutes, in UTC), an all-day event per drop date, one per freeze
  window occurrence in the horizon. Event UIDs are stable, so a
  subscription updates events instead of duplicating them; ``DTSTAMP`` is
  the build's ``today``, so the same sources give the same feed.

Both exist only when there is something to show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup

from ..join.drop_dates import DropStatus, drop_status
from ..join.schedule import FreezeWindow, freeze_hit, occurrences, parse_when, shown, zone
from ..model import Migration, Wiki

if TYPE_CHECKING:
    from .views import PageContext

CALENDAR = "schema/calendar.md"
ICS = "schema/calendar.ics"
#: How far ahead freeze windows are listed and put in the feed.
HORIZON_DAYS = 90
#: How long a scheduled run is shown in calendars (the header states only its start).
RUN_MINUTES = 30
_PRODID = "-//schema-wiki//migration calendar//EN"


@dataclass(frozen=True)
class CalendarOptions:
    """What the calendar needs besides the wiki."""

    freeze_windows: tuple[FreezeWindow, ...] = ()
    freeze_timezone: str = "UTC"
    warn_days: int = 30


@dataclass(frozen=True)
class Run:
    """A migration's scheduled run."""

    migration: Migration
    moment: dt.datetime
    #: The freeze window it falls in, if any.
    frozen: FreezeWindow | None


@dataclass(frozen=True)
class DropDay:
    """A column's drop date."""

    schema: str
    table: str
    column: str
    date: dt.date
    status: DropStatus
    stated_in: str


@dataclass(frozen=True)
class Calendar:
    """Everything the calendar shows."""

    runs: tuple[Run, ...]
    drops: tuple[DropDay, ...]
    #: (window, start, end) in the horizon, in order.
    freezes: tuple[tuple[FreezeWindow, dt.datetime, dt.datetime], ...]

    @property
    def empty(self) -> bool:
        return not (self.runs or self.drops or self.freezes)


def calendar_of(wiki: Wiki, options: CalendarOptions) -> Calendar:
    """The scheduled runs, drop dates and freeze windows of ``wiki``."""
    tz = zone(options.freeze_timezone)
    runs: list[Run] = []
    for migration in wiki.migrations:
        field = migration.header.get("when")
        moment = parse_when(field.value).moment if field is not None else None
        if moment is not None:
            runs.append(Run(migration, moment, freeze_hit(options.freeze_windows, moment, tz)))
    runs.sort(key=lambda r: (r.moment, r.migration.id))
    drops: list[DropDay] = []
    for table in wiki.tables:
        for column in table.columns:
            drop = column.drop_after
            if drop is None:
                continue
            stated = str(drop.location) if drop.location else "its comment"
            status = drop_status(drop, wiki.today, options.warn_days)
            drops.append(DropDay(table.schema, table.name, column.name, drop.date, status, stated))
    drops.sort(key=lambda d: (d.date, d.schema, d.table, d.column))
    start = dt.datetime.combine(wiki.today, dt.time(), tzinfo=tz)
    end = start + dt.timedelta(days=HORIZON_DAYS)
    freezes = [
        (window, s, e)
        for window in options.freeze_windows
        for s, e in occurrences(window, start, end, tz)
    ]
    freezes.sort(key=lambda f: (f[1], f[0].text))
    return Calendar(tuple(runs), tuple(drops), tuple(freezes))


def calendar_context(
    wiki: Wiki,
    common: Callable[[str], dict[str, object]],
    options: CalendarOptions | None,
) -> PageContext | None:
    """The calendar page's context; None when the calendar would be empty."""
    from .views import PageContext

    cal = calendar_of(wiki, options or CalendarOptions())
    if cal.empty:
        return None
    values = common(CALENDAR)
    today = wiki.today
    values.update(
        calendar=cal,
        ahead=[r for r in cal.runs if r.moment.date() >= today],
        past=[r for r in cal.runs if r.moment.date() < today],
        shown=shown,
        # A fixed file name: safe as it is (the environment escapes plain strings).
        ics=Markup(ICS.rsplit("/", 1)[-1]),
        horizon=HORIZON_DAYS,
        timezone=(options or CalendarOptions()).freeze_timezone,
    )
    return PageContext(CALENDAR, "calendar.md.j2", values)


# --- iCalendar ----------------------------------------------------------------------------


def calendar_ics(wiki: Wiki, options: CalendarOptions) -> str:
    """The feed (RFC 5545): CRLF line ends, lines folded at 75 octets, text escaped."""
    cal = calendar_of(wiki, options)
    stamp = wiki.today.strftime("%Y%m%dT000000Z")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Migrations",
    ]
    for run in cal.runs:
        m = run.migration
        start = run.moment.astimezone(dt.UTC)
        end = start + dt.timedelta(minutes=RUN_MINUTES)
        author = m.header.text("author")
        description = [f"Migration {m.id}", f"Scheduled for {shown(run.moment)}"]
        if author:
            description.append(f"Author: {author}")
        if run.frozen is not None:
            description.append(f"Inside the freeze window {run.frozen.name}")
        lines += _event(
            uid=f"run-{_uid(m.id)}",
            stamp=stamp,
            start=f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}",
            end=f"DTEND:{end.strftime('%Y%m%dT%H%M%SZ')}",
            summary=f"Migration: {m.title}",
            description="\n".join(description),
            categories="MIGRATION",
        )
    for drop in cal.drops:
        target = f"{drop.schema}.{drop.table}.{drop.column}"
        lines += _event(
            uid=f"drop-{_uid(target)}",
            stamp=stamp,
            start=f"DTSTART;VALUE=DATE:{drop.date.strftime('%Y%m%d')}",
            end=f"DTEND;VALUE=DATE:{(drop.date + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            summary=f"{target} may be dropped after today",
            description=f"Drop date of {target}, stated in {drop.stated_in}",
            categories="DROP DATE",
        )
    for window, s, e in cal.freezes:
        lines += _event(
            uid=f"freeze-{_uid(window.text + '|' + s.isoformat())}",
            stamp=stamp,
            start=f"DTSTART:{s.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}",
            end=f"DTEND:{e.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}",
            summary=f"Migration freeze: {window.label or window.text}",
            description=f"No migrations: {window.name} ({options.freeze_timezone})",
            categories="FREEZE",
        )
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _uid(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24] + "@schema-wiki"


def _event(
    *, uid: str, stamp: str, start: str, end: str, summary: str, description: str, categories: str
) -> Sequence[str]:
    return (
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        start,
        end,
        f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(description)}",
        f"CATEGORIES:{_text(categories)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    )


def _text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma escaped; line breaks as ``\\n``; no controls."""
    out = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    out = out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(ch for ch in out if ch >= " " and ch != "\x7f")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1),
    never splitting a UTF-8 sequence."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += ch
        size += width
    parts.append(current)
    return "\r\n ".join(parts)
