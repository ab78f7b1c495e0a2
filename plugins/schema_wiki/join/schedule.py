"""When migrations are scheduled to run, and when no migration may run.

A migration's header may say when it is scheduled to run in production::

    -- When: 2025-03-04T14:00:00+00:00

an ISO 8601 date-time with its zone: an offset (``+01:00``, ``Z``) or a
zone name after it (``2025-03-04 14:00 Europe/Berlin``, ``... UTC``). A
time without a zone is ambiguous across a distributed team and is reported
(``invalid-schedule``) rather than guessed.

``freeze_windows:`` lists the times no migration may run, each a string, or
a one-key mapping from a label to one (``Black Friday: 2025-11-28``):

* a weekly range: ``Fri 12:00 - Mon 00:00`` (day names in English, three
  letters or in full; a day without a time starts at 00:00 and ends at the
  end of that day);
* a weekday, every week: ``Sat``, ``Sunday``; ``weekends`` is Saturday and
  Sunday;
* a date or a date range, inclusive: ``2025-12-24``, ``2025-12-20 -
  2026-01-02``; with times: ``2025-11-28 06:00 - 2025-11-28 22:00``.

Windows are read in ``freeze_timezone:`` (an IANA name, default ``UTC``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError

__all__ = [
    "FreezeWindow",
    "Schedule",
    "freeze_hit",
    "next_free",
    "occurrences",
    "parse_freeze_windows",
    "parse_when",
    "zone",
]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
_TIME = r"(\d{1,2}):(\d{2})"
_WEEKLY = re.compile(rf"^{_DAY}(?:\s+{_TIME})?\s*(?:-|\u2013|to)\s*{_DAY}(?:\s+{_TIME})?$", re.I)
_WEEKDAY = re.compile(rf"^{_DAY}$", re.I)
_WEEKENDS = re.compile(r"^weekends?$", re.I)
_DATE = r"(\d{4}-\d{2}-\d{2})"
_DATES = re.compile(
    rf"^{_DATE}(?:[ T]{_TIME})?(?:\s*(?:-|\u2013|to)\s*{_DATE}(?:[ T]{_TIME})?)?$", re.I
)
_WEEK_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class FreezeWindow:
    """One freeze window as configured.

    Weekly windows use ``start_minute`` / ``end_minute``: minutes since Monday
    00:00 (the end may be smaller than the start: the window wraps past
    Sunday). Date windows use ``start`` / ``end``: local date-times, the end
    exclusive.
    """

    text: str
    label: str = ""
    weekly: bool = False
    start_minute: int = 0
    end_minute: int = 0
    start: dt.datetime | None = None
    end: dt.datetime | None = None

    @property
    def name(self) -> str:
        """The label and the window: ``Black Friday (2025-11-28)``, or the window alone."""
        return f"{self.label} ({self.text})" if self.label else self.text


def zone(name: str) -> dt.tzinfo:
    """The time zone called ``name`` (IANA); raises `ConfigError` for an unknown one."""
    if name.strip().upper() in ("UTC", "Z"):
        return dt.UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"freeze_timezone: {name!r} is not a time zone; use an IANA name such as"
            " UTC or Europe/Berlin"
        ) from None


def parse_freeze_windows(raw: object) -> tuple[FreezeWindow, ...]:
    """``freeze_windows:`` as read from mkdocs.yml. Raises `ConfigError` naming the bad item."""
    if raw is None:
        return ()
    if isinstance(raw, str | Mapping):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        raise ConfigError("freeze_windows: expected a list, e.g. ['Fri 12:00 - Mon 00:00']")
    out: list[FreezeWindow] = []
    for item in raw:
        if isinstance(item, Mapping):
            for label, value in item.items():
                out.append(_window(_text(value), str(label).strip()))
        else:
            text = _text(item)
            label, sep, rest = text.partition(": ")
            if sep and _parses(rest):
                out.append(_window(rest.strip(), label.strip()))
            else:
                out.append(_window(text, ""))
    return tuple(out)


def _text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _parses(text: str) -> bool:
    try:
        _window(text.strip(), "")
    except ConfigError:
        return False
    return True


def _window(text: str, label: str) -> FreezeWindow:
    spec = " ".join(text.split())
    if _WEEKENDS.match(spec):
        return FreezeWindow(spec, label, True, 5 * 1440, 0)
    m = _WEEKDAY.match(spec)
    if m:
        day = _DAYS.index(m.group(1).lower())
        return FreezeWindow(spec, label, True, day * 1440, ((day + 1) % 7) * 1440)
    m = _WEEKLY.match(spec)
    if m:
        start_day, sh, sm, end_day, eh, em = m.groups()
        start = _DAYS.index(start_day.lower()) * 1440 + _minutes(sh, sm, spec)
        end_index = _DAYS.index(end_day.lower())
        if eh is None:  # a day without a time ends at the end of that day
            end = ((end_index + 1) % 7) * 1440
        else:
            end = end_index * 1440 + _minutes(eh, em, spec)
        if start == end:
            raise ConfigError(f"freeze_windows: {spec!r} starts where it ends")
        return FreezeWindow(spec, label, True, start % _WEEK_MINUTES, end % _WEEK_MINUTES)
    m = _DATES.match(spec)
    if m:
        d1, h1, m1, d2, h2, m2 = m.groups()
        begin = _datetime(d1, h1, m1, spec)
        if d2 is None:
            finish = begin + (dt.timedelta(days=1) if h1 is None else dt.timedelta(minutes=1))
        else:
            finish = _datetime(d2, h2, m2, spec)
            if h2 is None:
                finish += dt.timedelta(days=1)  # a date range includes its last day
        if finish <= begin:
            raise ConfigError(f"freeze_windows: {spec!r} ends before it starts")
        return FreezeWindow(spec, label, False, start=begin, end=finish)
    raise ConfigError(
        f"freeze_windows: cannot read {spec!r}; write a weekly range ('Fri 12:00 - Mon 00:00'),"
        " a weekday ('Sat'), 'weekends', a date ('2025-12-24') or a date range"
        " ('2025-12-20 - 2026-01-02')"
    )


def _minutes(hours: str, minutes: str, spec: str) -> int:
    h, m = int(hours), int(minutes)
    if h > 24 or m > 59 or (h == 24 and m):
        raise ConfigError(f"freeze_windows: {hours}:{minutes} in {spec!r} is not a time of day")
    return h * 60 + m


def _datetime(day: str, hours: str | None, minutes: str | None, spec: str) -> dt.datetime:
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise ConfigError(f"freeze_windows: {day} in {spec!r} is not a date") from None
    moment = dt.datetime.combine(date, dt.time())
    if hours is not None and minutes is not None:
        moment += dt.timedelta(minutes=_minutes(hours, minutes, spec))
    return moment


# --- When: ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A migration's ``When:``: the moment, or why it could not be read."""

    moment: dt.datetime | None
    problem: str | None = None


_ZONE_SUFFIX = re.compile(r"^(.*?\d)\s+([A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*)$")


def parse_when(text: str) -> Schedule:
    """``When:`` as an aware date-time; a `Schedule` with ``problem`` set when unreadable."""
    value = " ".join(text.split())
    if not value:
        return Schedule(None, "it is empty")
    tz: dt.tzinfo | None = None
    m = _ZONE_SUFFIX.match(value)
    if m and not re.fullmatch(r"[+-]\d{2}(:?\d{2})?", m.group(2)):
        value = m.group(1)
        try:
            tz = zone(m.group(2))
        except ConfigError:
            return Schedule(None, f"{m.group(2)!r} is not a time zone")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return Schedule(None, "it is not an ISO 8601 date-time such as 2025-03-04T14:00:00+00:00")
    if tz is not None:
        if moment.tzinfo is not None:
            return Schedule(None, "it states both an offset and a zone name")
        moment = moment.replace(tzinfo=tz)
    if moment.tzinfo is None:
        return Schedule(None, "it has no time zone; add an offset (+00:00, Z) or a zone name (UTC)")
    if len(value) <= 10:
        return Schedule(None, "it has no time of day")
    return Schedule(moment)


# --- matching --------------------------------------------------------------------------


def freeze_hit(
    windows: Sequence[FreezeWindow], moment: dt.datetime, tz: dt.tzinfo
) -> FreezeWindow | None:
    """The first window ``moment`` (aware) falls inside, read in ``tz``; None if free."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    for window in windows:
        if window.weekly:
            minute = local.weekday() * 1440 + local.hour * 60 + local.minute
            if _in_week(window, minute):
                return window
        elif (
            window.start is not None
            and window.end is not None
            and (window.start <= local < window.end)
        ):
            return window
    return None


def _in_week(window: FreezeWindow, minute: int) -> bool:
    if window.start_minute < window.end_minute:
        return window.start_minute <= minute < window.end_minute
    return minute >= window.start_minute or minute < window.end_minute


def next_free(
    windows: Sequence[FreezeWindow], moment: dt.datetime, tz: dt.tzinfo
) -> dt.datetime | None:
    """The first moment at or after ``moment`` outside every window (None within 60 days)."""
    current = moment
    for _ in range(64):
        hit = freeze_hit(windows, current, tz)
        if hit is None:
            return current
        ends = [
            end
            for start, end in occurrences(
                hit, current - dt.timedelta(days=8), current + dt.timedelta(days=8), tz
            )
            if start <= current < end
        ]
        if not ends:
            return None
        current = max(ends)
    return None


def occurrences(
    window: FreezeWindow, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Each time ``window`` applies between ``start`` and ``end`` (aware), as aware (start,
    end) pairs in ``tz``: a weekly window once a week, a date window once."""
    if not window.weekly:
        assert window.start is not None and window.end is not None
        s, e = window.start.replace(tzinfo=tz), window.end.replace(tzinfo=tz)
        if s < end and e > start:
            yield s, e
        return
    length = (window.end_minute - window.start_minute) % _WEEK_MINUTES
    local = start.astimezone(tz).replace(tzinfo=None)
    monday = dt.datetime.combine(local.date() - dt.timedelta(days=local.weekday()), dt.time())
    week = monday - dt.timedelta(days=7)
    while True:
        begin = week + dt.timedelta(minutes=window.start_minute)
        finish = begin + dt.timedelta(minutes=length)
        b, f = begin.replace(tzinfo=tz), finish.replace(tzinfo=tz)
        if b >= end:
            return
        if f > start:
            yield b, f
        week += dt.timedelta(days=7)


def day_name(moment: dt.datetime) -> str:
    """``Fri``: the English weekday abbreviation, whatever the locale."""
    return _DAY_NAMES[moment.weekday()]


def shown(moment: dt.datetime) -> str:
    """``Fri 2025-03-07 14:00 UTC``: a moment as people read it, in its own zone."""
    zone_name = moment.tzname() or moment.strftime("%z")
    return f"{day_name(moment)} {moment.strftime('%Y-%m-%d %H:%M')} {zone_name}"
