"""Migration header comments: fields, continuation lines, lists, dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema_wiki.model import Level, Location
from schema_wiki.sources.headers import (
    date_problem,
    header_lines,
    is_placeholder,
    parse_header,
    read_date,
    read_lifespan,
)

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


# --- where the header is ------------------------------------------------------------


def test_header_after_transaction_control_and_settings() -> None:
    sql = (
        "BEGIN;\n"
        "SET LOCAL lock_timeout = '5s';\n"
        "-- Migration: Add legacy_id column\n"
        "-- Date: 15 August 2024\n"
        "-- Can drop after: 2024-08-15\n"
        "SET search_path TO\n"
        "    public;\n"
        "-- Author: Alice\n"
        "ALTER TABLE users ADD COLUMN legacy_id varchar(50);\n"
        "-- Context: not the header any more\n"
        "COMMIT;\n"
    )
    header, findings = parse_header(sql, "m.sql")
    assert findings == []
    assert header.text("migration") == "Add legacy_id column"
    assert header.get("date").line == 4  # type: ignore[union-attr]
    assert header.get("date").date == dt.date(2024, 8, 15)  # type: ignore[union-attr]
    assert header.get("can drop after").date == dt.date(2024, 8, 15)  # type: ignore[union-attr]
    assert header.text("author") == "Alice"
    assert header.get("context") is None


def test_header_before_begin_and_pg_dump_settings() -> None:
    sql = (
        "-- Migration: Baseline\n"
        "START TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n"
        "SET statement_timeout = 0;\n"
        "SELECT pg_catalog.set_config('search_path', '', false);\n"
        "\\set ON_ERROR_STOP on\n"
        "RESET ROLE; SET x.y = 'a;b'; -- a trailing remark is not a field\n"
        "-- Date: 2024-01-02\n"
        "CREATE TABLE t (a int);\n"
    )
    header, _ = parse_header(sql, "m.sql")
    assert header.text("migration") == "Baseline"
    assert header.text("date") == "2024-01-02"
    assert [n for n, _text in header_lines(sql) if _text] == [1, 7]


def test_a_schema_changing_statement_still_ends_the_header() -> None:
    sql = "BEGIN;\nCREATE TABLE t (a int);\n-- Migration: too late\n"
    header, _ = parse_header(sql, "m.sql")
    assert header.get("migration") is None
    # A SET that only starts a schema statement's line ends it too.
    sql = "BEGIN; ALTER TABLE t ADD b int;\n-- Migration: too late\n"
    assert parse_header(sql, "m.sql")[0].get("migration") is None


def test_a_comment_after_begin_does_not_continue_a_field() -> None:
    sql = "-- Context: the reason\nBEGIN; -- start\n-- Risk: low\nSELECT 1;\n"
    header, _ = parse_header(sql, "m.sql")
    assert header.text("context") == "the reason"
    assert header.text("risk") == "low"


# --- dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-08-15",
        "2024-8-15",
        "2024/08/15",
        "2024.08.15",
        "15 August 2024",
        "15 Aug 2024",
        "15th August 2024",
        "15th of August, 2024",
        "15-Aug-2024",
        "Aug 15 2024",
        "August 15, 2024",
        "Aug. 15th, 2024",
        "aug 15 2024",
        "AUG 15 2024",
        "Thursday 15 August 2024",
        "Thu, Aug 15, 2024",
        "2024-08-15 14:00",
        "2024-08-15T14:00:00Z",
        "2024-08-15 (when the sync is off)",
        "August 15, 2024 once the backfill is verified",
    ],
)
def test_dates_in_the_forms_people_write(text: str) -> None:
    assert read_date(text) == dt.date(2024, 8, 15)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("08/07/2024", "ambiguous"),
        ("15/08/2024", "ambiguous"),
        ("8.7.24", "ambiguous"),
        ("2024-02-30", "not a real calendar date"),
        ("30 February 2024", "not a real calendar date"),
        ("Smarch 3 2024", "not a real calendar date"),
        ("next spring", "not a date"),
        ("Q3 2024", "not a date"),
        ("August 2024", "not a date"),
        ("20240815", "not a date"),
        ("15 Aug 24", "not a date"),
    ],
)
def test_dates_that_are_never_read(text: str, why: str) -> None:
    assert read_date(text) is None
    assert why in date_problem(text)


def test_september_spellings() -> None:
    assert read_date("Sept 3, 2024") == read_date("3 September 2024") == dt.date(2024, 9, 3)


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("6 months (until migration complete)", dt.date(2024, 8, 15)),
        ("six months", dt.date(2024, 8, 15)),
        ("a year", dt.date(2025, 2, 15)),
        ("2 weeks", dt.date(2024, 2, 29)),
        ("90 days", dt.date(2024, 5, 15)),
        ("until 1 September 2024", dt.date(2024, 9, 1)),
        ("Sep 1 2024", dt.date(2024, 9, 1)),
    ],
)
def test_lifespans(text: str, end: dt.date) -> None:
    reading = read_lifespan(text)
    assert reading is not None and reading.end(dt.date(2024, 2, 15)) == end


# --- drop dates that cannot be read are errors ----------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "-- Can drop after: after the Q3 migration\n",
        "-- Can drop after: 08/07/2024\n",
        "-- Can drop after:\n-- - users.legacy_id: 08/15/2024\n",
        "-- Can drop after:\n-- - users.legacy_id soonish\n",
        "-- Expected lifespan: until legacy sync is retired\n",
        "-- Expected lifespan: 08/07/2024\n",
    ],
)
def test_unreadable_drop_dates_are_errors_naming_file_line_and_forms(header: str) -> None:
    sql = "-- Migration: x\n" + header + "ALTER TABLE users ADD COLUMN legacy_id text;\n"
    _, findings = parse_header(sql, "migrations/20240215_x.sql")
    assert [(f.rule, f.level) for f in findings] == [("invalid-drop-date", Level.ERROR)]
    assert findings[0].location == Location("migrations/20240215_x.sql", 2)
    assert "gate" in findings[0].message
    assert "2024-08-15" in findings[0].message or "6 months" in findings[0].message


@pytest.mark.parametrize(
    "header",
    [
        "-- Can drop after: never\n",
        "-- Can drop after: permanent (this is the new primary key)\n",
        "-- Can drop after: TBD\n",
        "-- Can drop after: 15 August 2024\n",
        "-- Can drop after:\n-- - users.legacy_id: Aug 15, 2024\n-- - users.b: 2024/09/01\n",
        "-- Expected lifespan: permanent\n",
        "-- Expected lifespan: forever, it is the key\n",
        "-- Expected lifespan: 6 months (until migration complete)\n",
        # A readable Can drop after makes the lifespan prose only.
        "-- Expected lifespan: until the sync is retired\n-- Can drop after: 2024-08-15\n",
    ],
)
def test_readable_or_absent_drop_dates_are_not_findings(header: str) -> None:
    sql = "-- Migration: x\n" + header + "ALTER TABLE users ADD COLUMN legacy_id text;\n"
    assert parse_header(sql, "m.sql")[1] == []


# --- placeholders -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        *("", "  ", "TODO", "todo", "TBD", "TBC", "FIXME", "XXX", "none", "None.", "n/a", "N/A"),
        *("-", "?", "...", "<ticket>", "{ticket}", "TODO: why this change is needed", "TBD later"),
    ],
)
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value", ["PROJ-1234", "Alice (@alice)", "Todoist sync job", "None of the above: B", "0015"]
)
def test_real_values_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


def test_placeholder_items_are_not_items() -> None:
    header, _ = parse_header("-- ADR: none\n-- Ticket: TODO\n-- Reviewers: TBD, bob\n", "m.sql")
    assert header.items("adr") == ()
    assert header.items("ticket") == ()
    assert header.items("reviewers") == ("bob",)


def test_adr_dates_are_read_by_the_same_parser() -> None:
    from schema_wiki.sources.adrs import parse_adr

    text = b"---\nstatus: accepted\ndate: 15 August 2024\n---\n# 1. Split\n\nText.\n"
    adr, findings = parse_adr(text, "adrs/0001-split.md", "0001-split")
    assert findings == [] and adr is not None and adr.date == dt.date(2024, 8, 15)
    text = b"---\nstatus: accepted\ndate: 08/07/2024\n---\n# 1. Split\n\nText.\n"
    adr, findings = parse_adr(text, "adrs/0001-split.md", "0001-split")
    assert adr is not None and adr.date is None
    assert [f.rule for f in findings] == ["invalid-date"]


_LOST = "its drop date is lost and the expired-column gate never fires"
_FORMS = "2024-08-15, 2024/08/15, 15 August 2024, 15 Aug 2024, Aug 15 2024 or August 15, 2024"


@pytest.mark.parametrize(
    ("header", "line", "message"),
    [
        (
            "-- Can drop after: 08/07/2024",
            1,
            f"Can drop after: '08/07/2024' is ambiguous (day/month or month/day?) and is not"
            f" guessed; {_LOST}; write one of {_FORMS}, or 'never'",
        ),
        (
            "-- Can drop after: soon-ish",
            1,
            f"Can drop after: 'soon-ish' is not a date; {_LOST}; write one of {_FORMS}, or 'never'",
        ),
        (
            "-- Can drop after: 2024-13-01",
            1,
            f"Can drop after: '2024-13-01' is not a real calendar date; {_LOST}; write one of"
            f" {_FORMS}, or 'never'",
        ),
        (
            "-- Can drop after: users.legacy_id: someday",
            1,
            f"Can drop after (users.legacy_id): 'someday' is not a date; {_LOST}; write one of"
            f" {_FORMS}",
        ),
        (
            "-- Can drop after:\n-- - users.legacy_id: 2024-02-30",
            1,
            f"Can drop after (users.legacy_id): '2024-02-30' is not a real calendar date; {_LOST};"
            f" write one of {_FORMS}",
        ),
        (
            "-- Can drop after:\n-- - nonsense here",
            1,
            f"Can drop after: 'nonsense here' is not 'table.column: date'; {_LOST}; write one"
            " column and its date per line, for example '- users.legacy_id: 2024-08-15'",
        ),
        (
            "-- Date: 2024-01-01\n-- Expected lifespan: a while",
            2,
            "Expected lifespan: 'a while' cannot be read, so no column of this migration gets a"
            " drop date and the expired-column gate never fires; write a length or an end:"
            " 6 months, 2 weeks, 90 days, 1 year, 'until 2024-08-15' or permanent"
            f" (dates: {_FORMS})",
        ),
    ],
)
def test_each_unreadable_drop_date_says_what_is_wrong_and_what_to_write(
    header: str, line: int, message: str
) -> None:
    _, findings = parse_header(header + "\nSELECT 1;\n", "m.sql")
    assert [(f.rule, f.level, f.location, f.message) for f in findings] == [
        ("invalid-drop-date", Level.ERROR, Location("m.sql", line), message)
    ]


def test_the_header_reads_past_quoted_settings_and_nested_block_comments() -> None:
    # A quote doubled inside a setting's value, and a semicolon in one, end nothing early.
    sql = (
        "SET search_path = 'it''s', public; SET x.y = 'a;b';\n"
        "/* outer /* nested */ still the comment */\n"
        "-- Migration: after quotes\n"
        "-- Can drop after: 2024-08-15\n"
        "ALTER TABLE t ADD x int;\n"
    )
    header, findings = parse_header(sql, "m.sql")
    assert findings == []
    assert {k: (f.value, f.line) for k, f in header.fields.items()} == {
        "migration": ("after quotes", 3),
        "can drop after": ("2024-08-15", 4),
    }


def test_a_block_comment_header_keeps_its_lines() -> None:
    sql = "/* Migration: in a block\n   Date: 2024-02-15 */\nALTER TABLE t ADD x int;\n"
    header, _ = parse_header(sql, "m.sql")
    assert {k: (f.value, f.line) for k, f in header.fields.items()} == {
        "migration": ("in a block", 1),
        "date": ("2024-02-15", 2),
    }


@pytest.mark.parametrize(("length", "shown"), [(60, 60), (61, 57)])
def test_a_long_unreadable_value_is_cut_short_in_the_message(length: int, shown: int) -> None:
    value = "x" * length
    _, [finding] = parse_header(f"-- Can drop after: {value}\nSELECT 1;\n", "m.sql")
    quoted = finding.message.split("'")[1]
    assert quoted == "x" * shown + ("..." if shown < length else "")
