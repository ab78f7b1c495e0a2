"""When: headers, freeze windows, the freeze-window rule, the calendar page and its feed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from checks_support import check, of_rule, sql_migration, table, wiki_of
from schema_wiki.errors import ConfigError
from schema_wiki.join.schedule import (
    freeze_hit,
    next_free,
    occurrences,
    parse_freeze_windows,
    parse_when,
)
from schema_wiki.render import RenderOptions, render_pages
from schema_wiki.render.calendar_pages import CALENDAR, ICS

UTC = dt.UTC
WINDOWS = parse_freeze_windows(
    [
        "Fri 12:00 - Mon 00:00",
        {"Black Friday": dt.date(2025, 11, 28)},
        "Year-end: 2025-12-20 - 2026-01-02",
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-04T14:00:00+00:00", dt.datetime(2025, 3, 4, 14, tzinfo=UTC)),
        ("2025-03-04T14:00Z", dt.datetime(2025, 3, 4, 14, tzinfo=UTC)),
        ("2025-03-04 14:00 UTC", dt.datetime(2025, 3, 4, 14, tzinfo=UTC)),
        (
            "2025-03-04 14:00 Europe/Berlin",
            dt.datetime(2025, 3, 4, 14, tzinfo=ZoneInfo("Europe/Berlin")),
        ),
    ],
)
def test_when_reads_iso_date_times_with_a_zone(text: str, expected: dt.datetime) -> None:
    assert parse_when(text).moment == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2025-03-04 14:00", "no time zone"),
        ("2025-03-04", "no time zone"),
        ("next tuesday", "not an ISO 8601"),
        ("2025-03-04 14:00 Mars/Olympus", "not a time zone"),
        ("", "empty"),
    ],
)
def test_unreadable_when_says_why(text: str, problem: str) -> None:
    schedule = parse_when(text)
    assert schedule.moment is None
    assert schedule.problem is not None and problem in schedule.problem


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (dt.datetime(2025, 3, 7, 11, 59, tzinfo=UTC), None),  # Friday morning
        (dt.datetime(2025, 3, 7, 12, 0, tzinfo=UTC), "Fri 12:00 - Mon 00:00"),
        (dt.datetime(2025, 3, 9, 23, 59, tzinfo=UTC), "Fri 12:00 - Mon 00:00"),  # Sunday
        (dt.datetime(2025, 3, 10, 0, 0, tzinfo=UTC), None),  # Monday: the end is free
        (dt.datetime(2025, 11, 27, 23, 0, tzinfo=UTC), None),  # Thursday before
        (dt.datetime(2025, 11, 28, 10, 0, tzinfo=UTC), "2025-11-28"),  # Black Friday
        (dt.datetime(2025, 12, 23, 10, 0, tzinfo=UTC), "2025-12-20 - 2026-01-02"),
        (dt.datetime(2026, 1, 2, 10, 0, tzinfo=UTC), "2025-12-20 - 2026-01-02"),  # inclusive
        # 13:00 in Berlin is 12:00 UTC on a Friday
        (dt.datetime(2025, 3, 7, 13, 0, tzinfo=ZoneInfo("Europe/Berlin")), "Fri 12:00 - Mon 00:00"),
    ],
)
def test_freeze_windows_contain_their_times(moment: dt.datetime, inside: str | None) -> None:
    hit = freeze_hit(WINDOWS, moment, UTC)
    assert (hit.text if hit else None) == inside


def test_black_friday_is_frozen_all_day() -> None:
    morning = dt.datetime(2025, 11, 28, 8, tzinfo=UTC)
    hit = freeze_hit(WINDOWS, morning, UTC)
    assert hit is not None and hit.label == "Black Friday" and hit.name.startswith("Black Friday")


def test_windows_are_read_in_their_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    weekly = parse_freeze_windows(["Fri 12:00 - Mon 00:00"])
    # 11:30 UTC on a Friday in summer is 13:30 in Berlin: frozen there, not in UTC
    moment = dt.datetime(2025, 7, 4, 11, 30, tzinfo=UTC)
    assert freeze_hit(weekly, moment, UTC) is None
    assert freeze_hit(weekly, moment, berlin) is not None


def test_weekdays_weekends_and_wrapping_ranges() -> None:
    windows = parse_freeze_windows(["Sat", "weekends", "Sun 22:00 - Mon 06:00", "Wednesday"])
    assert [w.text for w in windows] == ["Sat", "weekends", "Sun 22:00 - Mon 06:00", "Wednesday"]
    wednesday = dt.datetime(2025, 3, 5, 9, tzinfo=UTC)
    assert freeze_hit(windows, wednesday, UTC) == windows[3]
    early_monday = dt.datetime(2025, 3, 10, 5, 59, tzinfo=UTC)
    assert freeze_hit(windows, early_monday, UTC) == windows[2]


def test_next_free_time_leaves_chained_windows() -> None:
    # Friday 15:00 inside the weekend freeze; the Monday after is free
    friday = dt.datetime(2025, 3, 7, 15, tzinfo=UTC)
    assert next_free(WINDOWS, friday, UTC) == dt.datetime(2025, 3, 10, tzinfo=UTC)
    # Inside the year-end window, which ends on a Saturday: the weekend follows
    christmas = dt.datetime(2025, 12, 24, 9, tzinfo=UTC)
    assert next_free(WINDOWS, christmas, UTC) == dt.datetime(2026, 1, 5, tzinfo=UTC)


def test_occurrences_of_a_weekly_window() -> None:
    weekly = parse_freeze_windows(["Fri 12:00 - Mon 00:00"])[0]
    start = dt.datetime(2025, 3, 1, tzinfo=UTC)  # a Saturday inside one
    found = list(occurrences(weekly, start, start + dt.timedelta(days=14), UTC))
    assert found[0] == (
        dt.datetime(2025, 2, 28, 12, tzinfo=UTC),
        dt.datetime(2025, 3, 3, tzinfo=UTC),
    )
    assert len(found) == 3


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Fri 25:00 - Mon 00:00", "not a time of day"),
        ("2025-12-24 - 2025-12-20", "ends before it starts"),
        ("during incidents", "cannot read"),
        (42, "cannot read"),
        ("Fri 12:00 - Fri 12:00", "starts where it ends"),
    ],
)
def test_bad_windows_are_configuration_errors(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_freeze_windows([raw])


def _scheduled(when: str, version: str = "20250301000000") -> object:
    migration = sql_migration(version, "ALTER TABLE users ADD COLUMN plan text;\n", name="plan")
    sql = migration.files[0].sql.replace("-- Context:", f"-- When: {when}\n-- Context:")
    return sql_migration(version, sql, header=False, name="plan")


def test_freeze_window_rule_flags_runs_ahead_only() -> None:
    inside = wiki_of([_scheduled("2026-03-06T15:00:00+00:00")], [table("users", "id", "plan")])
    found = of_rule(check(inside, freeze_windows=WINDOWS), "freeze-window")
    assert len(found) == 1
    assert "Fri 2026-03-06 15:00 UTC" in found[0].message
    assert "the first free time after it is Mon 2026-03-09 00:00 UTC" in found[0].message
    assert found[0].location is not None and found[0].location.line == 5
    # The same time in the past is history: not flagged
    past = wiki_of([_scheduled("2025-03-07T15:00:00+00:00")], [table("users", "id", "plan")])
    assert of_rule(check(past, freeze_windows=WINDOWS), "freeze-window") == []
    outside = wiki_of([_scheduled("2026-03-05T10:00:00+00:00")], [table("users", "id", "plan")])
    assert of_rule(check(outside, freeze_windows=WINDOWS), "freeze-window") == []


def test_invalid_schedule_rule() -> None:
    wiki = wiki_of([_scheduled("2026-03-06 15:00")], [table("users", "id", "plan")])
    found = of_rule(check(wiki), "invalid-schedule")
    assert len(found) == 1 and "no time zone" in found[0].message


def test_calendar_page_and_a_valid_icalendar_feed() -> None:
    migration = _scheduled("2026-03-06T15:00:00+00:00")
    drop = sql_migration("20250302000000", "ALTER TABLE users ADD COLUMN legacy_id text;\n")
    text = drop.files[0].sql.replace("-- Context:", "-- Can drop after: 2026-04-01\n-- Context:")
    drop = sql_migration("20250302000000", text, header=False, name="legacy")
    wiki = wiki_of([migration, drop], [table("users", "id", "plan", "legacy_id")])
    options = RenderOptions(freeze_windows=WINDOWS)
    pages = render_pages(wiki, options)
    page = pages[CALENDAR]
    assert "Fri 2026-03-06 15&#58;00 UTC" in page or "Fri 2026-03-06 15:00 UTC" in page
    assert "users.legacy_id" in page and "inside" in page
    feed = icalendar.Calendar.from_ical(pages[ICS])
    events = [c for c in feed.walk("VEVENT")]
    summaries = [str(e["SUMMARY"]) for e in events]
    assert "Migration: plan" in summaries[0] or any("Migration:" in s for s in summaries)
    run = next(e for e in events if str(e["SUMMARY"]).startswith("Migration:"))
    assert run.decoded("DTSTART") == dt.datetime(2026, 3, 6, 15, tzinfo=UTC)
    assert "freeze window" in str(run["DESCRIPTION"])
    drop_day = next(e for e in events if "legacy_id" in str(e["SUMMARY"]))
    assert drop_day.decoded("DTSTART") == dt.date(2026, 4, 1)
    freezes = [e for e in events if str(e["SUMMARY"]).startswith("Migration freeze")]
    assert freezes, "the weekly freeze within the horizon is in the feed"
    # RFC 5545: CRLF line ends, no line over 75 octets, every UID unique
    raw = pages[ICS]
    assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    # The same sources give the same feed (subscriptions update instead of duplicating)
    assert render_pages(wiki, options)[ICS] == raw


def test_no_calendar_without_anything_to_show() -> None:
    pages = render_pages(wiki_of([], [table("users", "id")]), RenderOptions())
    assert CALENDAR not in pages and ICS not in pages
