"""edited-migration: what `compare` says about each way a base migration can change."""

from __future__ import annotations

from dataclasses import replace

from checks_support import sql_migration
from schema_wiki.checks.edited_migration import compare, digest
from schema_wiki.model import Level, Location, Migration, MigrationFile

SQL = "CREATE TABLE a (id int);\nCREATE INDEX a_id ON a (id);\n"


def _one(sql: str = SQL, name: str = "a") -> Migration:
    return sql_migration("20250101000000", sql, header=False, name=name)


def _directory(**files: str) -> Migration:
    paths = tuple(
        MigrationFile(f"migrations/20250101000000_dir/{name}", sql) for name, sql in files.items()
    )
    base = _one("".join(files.values()), name="dir")
    return replace(base, path="migrations/20250101000000_dir", files=paths)


def test_an_unchanged_migration_says_nothing() -> None:
    assert list(compare([digest(_one())], [_one()])) == []


def test_an_edited_statement_is_an_error_at_the_first_changed_line() -> None:
    edited = _one(SQL.replace("a (id)", "a (id DESC)"))
    [finding] = compare([digest(_one())], [edited], lambda path: SQL)
    assert (finding.rule, finding.level, finding.target) == (
        "edited-migration",
        Level.ERROR,
        "20250101000000_a",
    )
    assert finding.location == Location("migrations/20250101000000_a.sql", 2)
    assert finding.message == (
        "20250101000000_a exists on the base branch and was edited on this one"
        " (migrations/20250101000000_a.sql); databases that ran it will never see the edit:"
        " restore it and make the change in a new migration"
    )


def test_without_the_base_text_the_finding_points_at_the_first_line() -> None:
    [finding] = compare([digest(_one())], [_one(SQL + "DROP INDEX a_id;\n")])
    assert finding.location == Location("migrations/20250101000000_a.sql", 1)


def test_lines_added_at_the_end_point_past_the_old_text() -> None:
    longer = SQL + "DROP INDEX a_id;\n"
    [finding] = compare([digest(_one())], [_one(longer)], lambda path: SQL)
    # SQL has two lines and a final newline: the first new text is on line 3.
    assert finding.location == Location("migrations/20250101000000_a.sql", 3)


def test_a_comment_only_edit_is_still_an_error_and_says_so() -> None:
    commented = _one("-- who knew\n" + SQL)
    [finding] = compare([digest(_one())], [commented], lambda path: SQL)
    assert finding.level == Level.ERROR
    assert "only its comments changed" in finding.message
    assert "Flyway" in finding.message and "never see the edit" not in finding.message


def test_a_removed_migration_is_an_error_at_its_old_path() -> None:
    [finding] = compare([digest(_one())], [])
    assert finding.target == "20250101000000_a"
    assert finding.location == Location("migrations/20250101000000_a.sql")
    assert "was removed on this one" in finding.message
    assert "restore it and undo them in a new migration" in finding.message


def test_a_repeatable_migration_may_change() -> None:
    path = "migrations/R__views.sql"
    old = replace(_one(), id="R__views", version="R", path=path)
    old = replace(old, files=(MigrationFile(path, SQL),))
    new = replace(old, files=(MigrationFile(path, SQL + "-- again\n"),))
    assert digest(old).repeatable
    assert list(compare([digest(old)], [new])) == []
    assert list(compare([digest(old)], [])) == []
    # A versioned file whose name merely starts like one is not exempt.
    versioned = replace(_one(), path="migrations/R__views.sql")
    assert not digest(versioned).repeatable


def test_a_directory_migration_names_every_changed_file_and_points_at_the_first() -> None:
    base = _directory(**{"001_a.sql": "CREATE TABLE a (id int);\n", "002_b.sql": "SELECT 1;\n"})
    edited = _directory(
        **{"001_a.sql": "CREATE TABLE a (id bigint);\n", "002_b.sql": "SELECT 2;\n"}
    )
    texts = {f.path: f.sql for f in base.files}
    [finding] = compare([digest(base)], [edited], texts.get)
    first, second = (f.path for f in base.files)
    assert f"({first}, {second})" in finding.message
    assert finding.location == Location(first, 1)


def test_a_file_added_to_a_directory_migration_is_an_edit() -> None:
    base = _directory(**{"001_a.sql": "CREATE TABLE a (id int);\n"})
    grown = _directory(**{"001_a.sql": "CREATE TABLE a (id int);\n", "002_b.sql": "SELECT 1;\n"})
    [finding] = compare([digest(base)], [grown], lambda path: None)
    added = grown.files[1].path
    assert f"({added})" in finding.message
    assert finding.location == Location(added, 1)


def test_a_file_removed_from_a_directory_migration_points_at_the_migration() -> None:
    base = _directory(**{"001_a.sql": "CREATE TABLE a (id int);\n", "002_b.sql": "SELECT 1;\n"})
    shrunk = _directory(**{"001_a.sql": "CREATE TABLE a (id int);\n"})
    [finding] = compare([digest(base)], [shrunk])
    assert f"({base.files[1].path})" in finding.message
    assert finding.location == Location("migrations/20250101000000_dir")


def test_each_base_migration_is_judged_on_its_own() -> None:
    other = sql_migration("20250102000000", "SELECT 1;\n", header=False, name="b")
    found = list(compare([digest(_one()), digest(other)], [_one(SQL + "-- x\n")]))
    assert [f.target for f in found] == ["20250101000000_a", "20250102000000_b"]
    assert "edited" in found[0].message and "removed" in found[1].message
