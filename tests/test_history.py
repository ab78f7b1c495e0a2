"""History replay and the join: renames, drops, comments, drop dates."""

from __future__ import annotations

import datetime as dt

from factories import TODAY, catalog, change, migration
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import Action


def test_column_renamed_twice_with_its_table_keeps_one_history() -> None:
    migrations = [
        migration(
            "20240101000000",
            "create",
            change(Action.CREATE_TABLE, "accounts"),
            change(Action.ADD_COLUMN, "accounts", "login", detail="text"),
        ),
        migration(
            "20240201000000",
            "rename_col",
            change(Action.RENAME_COLUMN, "accounts", "login", new_name="username"),
        ),
        migration(
            "20240301000000",
            "rename_table",
            change(Action.RENAME_TABLE, "accounts", new_name="users"),
        ),
        migration(
            "20240401000000",
            "rename_again",
            change(Action.RENAME_COLUMN, "users", "username", new_name="handle"),
        ),
        migration(
            "20240501000000",
            "document",
            change(Action.COMMENT_COLUMN, "users", "handle", detail="Public handle"),
        ),
    ]
    wiki = build_wiki(
        migrations, [], catalog(("users", [("handle", "text", "Public handle")])), TODAY
    )
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


def test_dropped_column_and_table_stay_as_history() -> None:
    migrations = [
        migration(
            "20240101000000",
            "create",
            change(Action.CREATE_TABLE, "users"),
            change(Action.ADD_COLUMN, "users", "id", detail="bigint"),
            change(Action.ADD_COLUMN, "users", "legacy_id", detail="varchar(50)"),
            change(Action.CREATE_TABLE, "legacy_map"),
            change(Action.ADD_COLUMN, "legacy_map", "old_id", detail="text"),
        ),
        migration(
            "20240901000000",
            "cleanup",
            change(Action.DROP_COLUMN, "users", "legacy_id"),
            change(Action.DROP_TABLE, "legacy_map"),
        ),
    ]
    wiki = build_wiki(migrations, [], catalog(("users", [("id", "bigint", None)])), TODAY)
    users = wiki.tables[0]
    assert [c.name for c in users.dropped_columns] == ["legacy_id"]
    assert users.dropped_columns[0].history[-1].migration_id == "20240901000000_cleanup"
    assert [t.name for t in wiki.dropped_tables] == ["legacy_map"]
    assert wiki.dropped_tables[0].dropped


def test_drop_date_from_header_applies_to_added_columns_only() -> None:
    migrations = [
        migration(
            "20240101000000",
            "create",
            change(Action.CREATE_TABLE, "users"),
            change(Action.ADD_COLUMN, "users", "id", detail="bigint"),
        ),
        migration(
            "20240215000000",
            "legacy",
            change(Action.ADD_COLUMN, "users", "legacy_id", detail="varchar(50)"),
            header={"Can drop after": "2024-08-15"},
        ),
    ]
    wiki = build_wiki(
        migrations,
        [],
        catalog(("users", [("id", "bigint", None), ("legacy_id", "text", "x")])),
        TODAY,
    )
    users = wiki.tables[0]
    assert users.column("id").drop_after is None  # type: ignore[union-attr]
    drop = users.column("legacy_id").drop_after  # type: ignore[union-attr]
    assert drop is not None and drop.date == dt.date(2024, 8, 15) and drop.source == "header"
    assert str(drop.location) == "migrations/20240215000000_legacy.sql:1"


def test_drop_date_from_expected_lifespan() -> None:
    m = migration(
        "20240215000000",
        "legacy",
        change(Action.ADD_COLUMN, "users", "legacy_id", detail="text"),
        header={"Date": "2024-02-15", "Expected lifespan": "6 months (until done)"},
    )
    wiki = build_wiki([m], [], catalog(("users", [("legacy_id", "text", "x")])), TODAY)
    drop = wiki.tables[0].columns[0].drop_after
    assert drop is not None and drop.date == dt.date(2024, 8, 15)


def test_deprecating_migration_dates_the_columns_it_touches() -> None:
    migrations = [
        migration(
            "20240101000000",
            "create",
            change(Action.CREATE_TABLE, "users"),
            change(Action.ADD_COLUMN, "users", "username", detail="text"),
            change(Action.ADD_COLUMN, "users", "email", detail="text"),
        ),
        migration(
            "20240509000000",
            "deprecate",
            change(Action.COMMENT_COLUMN, "users", "username", detail="Deprecated"),
            header={"Can drop after": "2031-06-30"},
        ),
    ]
    wiki = build_wiki(
        migrations,
        [],
        catalog(("users", [("username", "text", "Deprecated"), ("email", "text", "e")])),
        TODAY,
    )
    users = wiki.tables[0]
    assert users.column("username").drop_after.date == dt.date(2031, 6, 30)  # type: ignore[union-attr]
    assert users.column("email").drop_after is None  # type: ignore[union-attr]


def test_drop_date_from_comment_points_at_the_comment_statement() -> None:
    text = "Legacy id.\n   Can be removed after 2024-08-15 when migration is complete."
    migrations = [
        migration(
            "20240215000000",
            "legacy",
            change(Action.ADD_COLUMN, "users", "legacy_id", detail="text"),
            change(Action.COMMENT_COLUMN, "users", "legacy_id", detail=text),
        ),
    ]
    wiki = build_wiki(migrations, [], catalog(("users", [("legacy_id", "text", text)])), TODAY)
    drop = wiki.tables[0].columns[0].drop_after
    assert drop is not None and drop.source == "comment"
    assert drop.date == dt.date(2024, 8, 15)
    assert str(drop.location) == "migrations/20240215000000_legacy.sql:21"


def test_per_column_drop_dates_in_one_header() -> None:
    m = migration(
        "20240215000000",
        "two",
        change(Action.ADD_COLUMN, "users", "a", detail="text"),
        change(Action.ADD_COLUMN, "users", "b", detail="text"),
        header={"Can drop after": "\n- users.a: 2025-01-01\n- users.b: 2026-06-30"},
    )
    wiki = build_wiki([m], [], catalog(("users", [("a", "text", "x"), ("b", "text", "y")])), TODAY)
    a, b = wiki.tables[0].columns
    assert a.drop_after.date == dt.date(2025, 1, 1)  # type: ignore[union-attr]
    assert b.drop_after.date == dt.date(2026, 6, 30)  # type: ignore[union-attr]


def test_column_created_outside_migrations_has_no_introducer() -> None:
    wiki = build_wiki([], [], catalog(("users", [("id", "bigint", None)])), TODAY)
    assert wiki.tables[0].columns[0].introduced_by is None
    assert wiki.tables[0].columns[0].history == ()
