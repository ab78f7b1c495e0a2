"""A real ``mkdocs build`` with owners, code paths, a scheduled migration and freeze windows:
the calendar page and its feed reach the site, owners and code references the pages."""

from __future__ import annotations

import html
from pathlib import Path

import icalendar
import pytest

from helpers import run

pytestmark = pytest.mark.slow

MKDOCS = """\
site_name: t
plugins:
  - schema-wiki:
      migrations: migrations
      adrs: adrs
      owners:
        "public.*": User Service (Team A)
        "public.invoices": Billing (Team B)
      code_paths: ["src/**/*.py"]
      freeze_windows:
        - Pre-weekend freeze: Fri 12:00 - Mon 00:00
"""

MIGRATION = """\
-- Migration: Users
-- Date: 2026-01-10
-- Author: Bob (@bob)
-- When: 2026-02-06T15:00:00+00:00
-- Can drop after: 2026-06-30
--
-- Context:
-- A scheduled migration.
--

CREATE TABLE users (id bigint PRIMARY KEY);
ALTER TABLE users ADD COLUMN legacy_id text;
COMMENT ON TABLE users IS 'People.';
COMMENT ON COLUMN users.id IS 'Key.';
COMMENT ON COLUMN users.legacy_id IS 'Deprecated.';
CREATE TABLE invoices (id bigint PRIMARY KEY);
COMMENT ON TABLE invoices IS 'Invoices.';
COMMENT ON COLUMN invoices.id IS 'Key.';
"""


def test_a_build_has_the_calendar_its_feed_owners_and_code_references(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text(MKDOCS)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# t\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "20260110000000_users.sql").write_text(MIGRATION)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "sync.py").write_text("Q = 'SELECT legacy_id FROM users'\n")
    site = tmp_path / "site"
    result = run(["mkdocs", "build", "-d", str(site)], tmp_path, today="2026-01-31")
    # The scheduled run falls in the weekend freeze: an error, which fails the build.
    assert result.returncode != 0
    assert "freeze-window" in result.stderr
    assert "Fri 2026-02-06 15:00 UTC" in result.stderr

    (tmp_path / "migrations" / "20260110000000_users.sql").write_text(
        MIGRATION.replace("2026-02-06T15:00", "2026-02-05T15:00")
    )
    result = run(["mkdocs", "build", "--strict", "-d", str(site)], tmp_path, today="2026-01-31")
    assert result.returncode == 0, result.stderr
    feed = icalendar.Calendar.from_ical((site / "schema" / "calendar.ics").read_bytes())
    summaries = sorted(str(e["SUMMARY"]) for e in feed.walk("VEVENT"))
    assert "Migration: Users" in summaries
    assert any("public.users.legacy_id" in s for s in summaries)
    calendar = html.unescape((site / "schema" / "calendar" / "index.html").read_text())
    assert "Thu 2026-02-05 15:00 UTC" in calendar
    assert "calendar.ics" in calendar
    users = (site / "schema" / "public" / "users" / "index.html").read_text()
    assert "User Service (Team A)" in users
    assert "src/sync.py:1" in users
    invoices = (site / "schema" / "public" / "invoices" / "index.html").read_text()
    assert "Billing (Team B)" in invoices
    index = (site / "schema" / "index.html").read_text()
    assert "Owner" in index and "Billing (Team B)" in index
