"""Finding, ordering and reading migrations in every layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from schema_wiki.errors import SourceError
from schema_wiki.model import Action, Change, Level, Location
from schema_wiki.sources.migrations import load_migrations

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


# --- plain -----------------------------------------------------------------------------------


def test_plain_order_ids_and_paths() -> None:
    root = FIXTURES / "plain"
    migrations, _ = load_migrations(root, Path("migrations"))
    assert [m.id for m in migrations] == [
        "20240110090000_create_users",
        # 20240215 is midnight: before 09:30 that day, although "_" sorts after "0".
        "20240215_add_legacy_id",
        "20240215093000_rename_username",
        "20240220_create_legacy_user_mapping",
        "20240301_split_users_table",
    ]
    first = migrations[0]
    assert (first.version, first.name) == ("20240110090000", "create_users")
    assert first.path == "migrations/20240110090000_create_users.sql"
    assert first.files[0].path == first.path
    assert first.statements[0].location == Location(first.path, 6)
    assert first.title == "Create users table"
    assert first.transactional is True


def test_plain_header_and_non_transactional_statement() -> None:
    migrations, _ = load_migrations(FIXTURES / "plain", FIXTURES / "plain" / "migrations")
    legacy = migrations[1]
    assert legacy.header.text("can drop after") == "2024-08-15"
    assert legacy.header.items("related migrations") == ("20240220_create_legacy_user_mapping.sql",)
    assert legacy.transactional is False
    assert legacy.changes == (
        Change(Action.ADD_COLUMN, "public", "users", column="legacy_id", detail="VARCHAR(50)"),
        Change(Action.CREATE_INDEX, "public", "users", detail="idx_users_legacy_id"),
    )


def test_directory_migration_files_in_numeric_order_with_documents() -> None:
    migrations, findings = load_migrations(FIXTURES / "plain", Path("migrations"))
    split = migrations[-1]
    assert split.path == "migrations/20240301_split_users_table"
    assert [f.path.rsplit("/", 1)[1] for f in split.files] == [
        "001_create_user_profiles.sql",
        "002_backfill_profiles.sql",
        "010_drop_old_columns.sql",
    ]
    assert sorted(split.documents) == ["PLAN.md", "README.md", "ROLLBACK.md"]
    assert split.documents["ROLLBACK.md"].startswith("# Rollback")
    # The header is the first SQL file's.
    assert split.header.text("date") == "2024-03-01"
    assert split.header.items("adr") == ("0015",)
    # Statements keep the file they come from.
    assert split.statements[-1].location == Location(
        "migrations/20240301_split_users_table/010_drop_old_columns.sql", 5
    )
    # DROP INDEX learns its table from the CREATE INDEX in an earlier migration.
    assert split.changes[-1] == Change(
        Action.DROP_INDEX, "public", "users", detail="idx_users_created_at"
    )
    # Later files' headers are still checked.
    assert [(f.rule, f.location) for f in findings] == [
        (
            "invalid-date",
            Location("migrations/20240301_split_users_table/010_drop_old_columns.sql", 2),
        )
    ]


def test_plain_ignores_files_that_are_not_migrations() -> None:
    migrations, _ = load_migrations(FIXTURES / "plain", Path("migrations"))
    paths = {f.path for m in migrations for f in m.files}
    assert not any(p.endswith((".bak", "schema.sql", "README.md", "scratch.sql")) for p in paths)


def test_numeric_versions_compare_as_numbers(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "db/10_third.sql": "SELECT 3;",
            "db/2_second.sql": "SELECT 2;",
            "db/1_first.sql": "SELECT 1;",
        },
    )
    migrations, _ = load_migrations(tmp_path, tmp_path / "db")
    assert [m.name for m in migrations] == ["first", "second", "third"]


def test_same_version_is_an_error_naming_both_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/20240215093000_add_phone.sql": "SELECT 1;",
            "m/20240215093000_add_email.sql": "SELECT 2;",
        },
    )
    with pytest.raises(SourceError) as caught:
        load_migrations(tmp_path, Path("m"))
    message = str(caught.value)
    assert "m/20240215093000_add_email.sql" in message
    assert "m/20240215093000_add_phone.sql" in message


def test_bom_crlf_and_undecodable_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/1_bom.sql": "\ufeff-- Migration: With BOM\r\nCREATE TABLE a (x int);\r\n".encode(),
            "m/2_latin1.sql": "-- Migration: Caf\xe9\nCREATE TABLE b (x int);\n".encode("latin-1"),
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("m"))
    assert [m.id for m in migrations] == ["1_bom"]
    assert migrations[0].title == "With BOM"
    assert "\r" not in migrations[0].files[0].sql
    assert migrations[0].statements[0].location.line == 2
    assert [(f.rule, f.level, f.target) for f in findings] == [
        ("unreadable-migration", Level.ERROR, "m/2_latin1.sql")
    ]
    assert "UTF-8" in findings[0].message


def test_missing_directory_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        load_migrations(tmp_path, Path("nope"))
    (tmp_path / "m").mkdir()
    with pytest.raises(SourceError, match="unknown migrations format"):
        load_migrations(tmp_path, Path("m"), fmt="liquibase")
