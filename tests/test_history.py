"""History from the replay and the join: renames, drops, comments, drop dates.

The migrations are real SQL applied (and recorded) by a real PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from checks_support import sql_migration
from factories import TODAY, catalog
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import Action
from schema_wiki.replay.pgserver import ThrowawayPostgres
from witness_support import line_of, replayed


def test_column_renamed_twice_with_its_table_keeps_one_history(
    pg_server: ThrowawayPostgres,
) -> None:
    migrations = [
        sql_migration("20240101000000", "CREATE TABLE accounts (login text);\n", name="create"),
        sql_migration(
            "20240201000000",
            "ALTER TABLE accounts RENAME COLUMN login TO username;\n",
            name="rename_col",
        ),
        sql_migration(
            "20240301000000", "ALTER TABLE accounts RENAME TO users;\n", name="rename_table"
        ),
        sql_migration(
            "20240401000000",
            "ALTER TABLE users RENAME COLUMN username TO handle;\n",
            name="rename_again",
        ),
        sql_migration(
            "20240501000000",
            "COMMENT ON COLUMN users.handle IS 'Public handle';\n",
            name="document",
        ),
    ]
    wiki = replayed(pg_server, migrations)
    handle = wiki.tables[0].columns[0]
    assert handle.introduced_by == "20240101000000_create"
    assert [(e.action, e.old_name, e.new_name) for e in handle.history] == [
        (Action.ADD_COLUMN, None, None),
        (Action.RENAME_COLUMN, "login", "username"),
        (Action.RENAME_COLUMN, "username", "handle"),
        (Action.COMMENT_COLUMN, None, None),
    ]
    assert handle.history[-1].migration_id == "20240501000000_document"
    assert wiki.tables[0].introduced_by == "20240101000000_create"
    assert [e.action for e in wiki.tables[0].history] == [Action.CREATE_TABLE, Action.RENAME_TABLE]


def test_dropped_column_and_table_stay_as_history(pg_server: ThrowawayPostgres) -> None:
    migrations = [
        sql_migration(
            "20240101000000",
            "CREATE TABLE users (id bigint, legacy_id varchar(50));\n"
            "CREATE TABLE legacy_map (old_id text);\n",
            name="create",
        ),
        sql_migration(
            "20240901000000",
            "ALTER TABLE users DROP COLUMN legacy_id;\nDROP TABLE legacy_map;\n",
            name="cleanup",
        ),
    ]
    wiki = replayed(pg_server, migrations)
    users = wiki.tables[0]
    assert [c.name for c in users.dropped_columns] == ["legacy_id"]
    assert users.dropped_columns[0].history[-1].migration_id == "20240901000000_cleanup"
    assert users.dropped_columns[0].type == "character varying(50)"
    assert [t.name for t in wiki.dropped_tables] == ["legacy_map"]
    assert wiki.dropped_tables[0].dropped


def test_drop_date_from_header_applies_to_added_columns_only(
    pg_server: ThrowawayPostgres,
) -> None:
    migrations = [
        sql_migration("20240101000000", "CREATE TABLE users (id bigint);\n", name="create"),
        sql_migration(
            "20240215000000",
            "-- Can drop after: 2024-08-15\nALTER TABLE users ADD COLUMN legacy_id varchar(50);\n",
            header=False,
            name="legacy",
        ),
    ]
    wiki = replayed(pg_server, migrations)
    users = wiki.tables[0]
    assert users.column("id").drop_after is None  # type: ignore[union-attr]
    drop = users.column("legacy_id").drop_after  # type: ignore[union-attr]
    assert drop is not None and drop.date == dt.date(2024, 8, 15) and drop.source == "header"
    assert str(drop.location) == "migrations/20240215000000_legacy.sql:1"


def test_drop_date_from_expected_lifespan(pg_server: ThrowawayPostgres) -> None:
    m = sql_migration(
        "20240215000000",
        "-- Date: 2024-02-15\n-- Expected lifespan: 6 months (until done)\n--\n"
        "CREATE TABLE users (legacy_id text);\n",
        header=False,
        name="legacy",
    )
    wiki = replayed(pg_server, [m])
    drop = wiki.tables[0].columns[0].drop_after
    assert drop is not None and drop.date == dt.date(2024, 8, 15)


def test_deprecating_migration_dates_the_columns_it_touches(pg_server: ThrowawayPostgres) -> None:
    migrations = [
        sql_migration(
            "20240101000000", "CREATE TABLE users (username text, email text);\n", name="create"
        ),
        sql_migration(
            "20240509000000",
            "-- Can drop after: 2031-06-30\nCOMMENT ON COLUMN users.username IS 'Deprecated';\n",
            header=False,
            name="deprecate",
        ),
    ]
    wiki = replayed(pg_server, migrations)
    users = wiki.tables[0]
    assert users.column("username").drop_after.date == dt.date(2031, 6, 30)  # type: ignore[union-attr]
    assert users.column("email").drop_after is None  # type: ignore[union-attr]


def test_drop_date_from_comment_points_at_the_comment_statement(
    pg_server: ThrowawayPostgres,
) -> None:
    text = "Legacy id.\n   Can be removed after 2024-08-15 when migration is complete."
    m = sql_migration(
        "20240215000000",
        "CREATE TABLE users (id int);\n"
        "ALTER TABLE users ADD COLUMN legacy_id text;\n"
        f"COMMENT ON COLUMN users.legacy_id IS '{text}';\n",
        name="legacy",
    )
    wiki = replayed(pg_server, [m])
    drop = wiki.tables[0].column("legacy_id").drop_after  # type: ignore[union-attr]
    assert drop is not None and drop.source == "comment"
    assert drop.date == dt.date(2024, 8, 15)
    assert str(drop.location) == f"migrations/20240215000000_legacy.sql:{line_of(m, 'COMMENT')}"


def test_per_column_drop_dates_in_one_header(pg_server: ThrowawayPostgres) -> None:
    m = sql_migration(
        "20240215000000",
        "-- Can drop after:\n--   - users.a: 2025-01-01\n--   - users.b: 2026-06-30\n--\n"
        "CREATE TABLE users (a text, b text);\n",
        header=False,
        name="two",
    )
    wiki = replayed(pg_server, [m])
    a, b = wiki.tables[0].columns
    assert a.drop_after.date == dt.date(2025, 1, 1)  # type: ignore[union-attr]
    assert b.drop_after.date == dt.date(2026, 6, 30)  # type: ignore[union-attr]


def test_without_a_replay_there_is_no_history() -> None:
    """A wiki built by hand (no witness) has no history: the parser does not guess one."""
    wiki = build_wiki([], [], catalog(("users", [("id", "bigint", None)])), TODAY)
    assert wiki.tables[0].columns[0].introduced_by is None
    assert wiki.tables[0].columns[0].history == ()
