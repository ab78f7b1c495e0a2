"""Migration header comments: fields, continuation lines, lists, dates."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schema_wiki.model import Level, Location
from schema_wiki.sources.headers import header_lines, parse_header

# The header of the seed's "Migration Comments" example, verbatim.
SEED = """\
-- Migration: Add legacy_id column
-- Date: 2024-02-15
-- Author: Alice (@alice)
-- Ticket: PROJ-1234
--
-- Context:
-- We're migrating from legacy user system. This column stores
-- the old system's user ID for data reconciliation.
--
-- Expected lifespan: 6 months (until migration complete)
-- Can drop after: 2024-08-15
-- Dependencies: legacy_sync background job
--
-- Related migrations:
-- - 20240220_create_legacy_user_mapping.sql
--

ALTER TABLE users ADD COLUMN legacy_id VARCHAR(50);
CREATE INDEX CONCURRENTLY idx_users_legacy_id ON users(legacy_id);
"""


def test_seed_header_verbatim() -> None:
    header, findings = parse_header(SEED, "migrations/20240215_add_legacy_id.sql")
    assert findings == []
    assert header.text("migration") == "Add legacy_id column"
    assert header.text("Date") == "2024-02-15"
    assert header.text("author") == "Alice (@alice)"
    assert header.text("ticket") == "PROJ-1234"
    assert header.text("context") == (
        "We're migrating from legacy user system. This column stores\n"
        "the old system's user ID for data reconciliation."
    )
    assert header.text("expected lifespan") == "6 months (until migration complete)"
    assert header.text("can drop after") == "2024-08-15"
    assert header.items("dependencies") == ("legacy_sync background job",)
    assert header.items("related migrations") == ("20240220_create_legacy_user_mapping.sql",)
    lines = {key: f.line for key, f in header.fields.items()}
    assert lines == {
        "migration": 1,
        "date": 2,
        "author": 3,
        "ticket": 4,
        "context": 6,
        "expected lifespan": 10,
        "can drop after": 11,
        "dependencies": 12,
        "related migrations": 14,
    }
    assert header.get("can drop after").key == "Can drop after"  # type: ignore[union-attr]


def test_block_comment_header_with_decoration_and_case_insensitive_keys() -> None:
    sql = """/*
 * MIGRATION: Create invoices
 * date: 2024-01-25
 * related_migrations: 20240110_create_users, 20240111_seed
 * ADRs: 0014
 */
CREATE TABLE invoices (id bigint);
"""
    header, findings = parse_header(sql, "m.sql")
    assert findings == []
    assert header.text("migration") == "Create invoices"
    assert header.get("migration").line == 2  # type: ignore[union-attr]
    assert header.items("related migrations") == ("20240110_create_users", "20240111_seed")
    assert header.items("adr") == ("0014",)


def test_header_stops_at_the_first_statement() -> None:
    sql = "-- Migration: one\nSELECT 1;\n-- Date: 2024-01-01\n"
    header, _ = parse_header(sql, "m.sql")
    assert header.text("migration") == "one"
    assert header.get("date") is None


def test_empty_context_waits_past_a_blank_line_and_lists_do_not_swallow_prose() -> None:
    sql = """-- Context:
--
-- Why we do this,
-- on two lines.
--
-- Related migrations:
--
-- This paragraph is prose, not a list.
-- Risk: low
"""
    header, _ = parse_header(sql, "m.sql")
    assert header.text("context") == "Why we do this,\non two lines."
    assert header.items("related migrations") == ()
    assert header.text("risk") == "low"


def test_none_means_no_items_and_unknown_keys_continue_the_value() -> None:
    sql = "-- Dependencies: none\n-- Context: first line\n-- See: PROJ-1\n"
    header, _ = parse_header(sql, "m.sql")
    assert header.items("dependencies") == ()
    assert header.text("context") == "first line\nSee: PROJ-1"


def test_per_column_drop_dates_are_items() -> None:
    sql = """-- Can drop after:
-- - users.legacy_id: 2024-08-15
-- - public.users.legacy_code: 2024-09-01
"""
    header, findings = parse_header(sql, "m.sql")
    assert findings == []
    assert header.items("can drop after") == (
        "users.legacy_id: 2024-08-15",
        "public.users.legacy_code: 2024-09-01",
    )


def test_invalid_dates_are_findings_with_file_and_line() -> None:
    sql = "-- Migration: x\n-- Date: 2024-02-30\n-- Can drop after: soon\n"
    _, findings = parse_header(sql, "migrations/x.sql")
    assert [(f.rule, f.level, f.location) for f in findings] == [
        ("invalid-date", Level.WARNING, Location("migrations/x.sql", 2)),
        ("invalid-drop-date", Level.ERROR, Location("migrations/x.sql", 3)),
    ]
    assert "Date" in findings[0].message and "2024-02-30" in findings[0].message
    assert "not a real calendar date" in findings[0].message
    assert "2024-08-15" in findings[0].message and "15 August 2024" in findings[0].message
    assert "Can drop after" in findings[1].message and "soon" in findings[1].message
    assert "gate" in findings[1].message and "August 15, 2024" in findings[1].message
    assert all(f.target == "migrations/x.sql" for f in findings)


def test_bad_per_column_date_and_never() -> None:
    _, findings = parse_header("-- Can drop after:\n-- - users.a: 2024-13-01\n", "m.sql")
    assert len(findings) == 1 and "users.a" in findings[0].message
    _, findings = parse_header("-- Can drop after: never\n", "m.sql")
    assert findings == []


def test_directives_are_skipped() -> None:
    sql = "-- migrate:up\n-- Migration: dbmate style\nCREATE TABLE t (a int);\n"
    header, _ = parse_header(sql, "m.sql")
    assert header.text("migration") == "dbmate style"
    assert [n for n, _ in header_lines(sql)] == [2]


def test_bom_and_crlf() -> None:
    header, _ = parse_header("\ufeff-- Migration: bom\r\n-- Date: 2024-01-01\r\n", "m.sql")
    assert header.text("migration") == "bom"
    assert header.text("date") == "2024-01-01"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("-/*:\n \tABCDate2024-13ModiratnC,;'$\r\ufeff"))))
def test_any_text_never_raises(text: str) -> None:
    header, findings = parse_header(text, "m.sql")
    for f in header.fields.values():
        assert f.line >= 1
    for finding in findings:
        assert finding.location is not None


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_unicode_text_never_raises(text: str) -> None:
    parse_header(text, "m.sql")


def test_an_ignore_directive_ends_a_multi_line_field() -> None:
    sql = (
        "-- Migration: Drop old columns\n"
        "-- Context:\n"
        "-- The split is complete.\n"
        "-- schema-wiki: ignore unsafe-migration dropped after the backfill was verified\n"
        "ALTER TABLE users DROP COLUMN bio;\n"
    )
    header, findings = parse_header(sql, "m.sql")
    assert findings == []
    assert header.text("context") == "The split is complete."
