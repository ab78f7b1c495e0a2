"""`schema-wiki export` of the example project: the history the replay witnessed.

The example's directory migration (``20240301090000_split_users_table``) drops
``users.bio`` in its fourth file; the parser used to date and place that drop at
the first file. The export must say the file and line of the statement that did it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT, run

SPLIT = "migrations/20240301090000_split_users_table"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = tmp_path_factory.mktemp("example")
    for name in ("mkdocs.yml", "migrations", "adrs", "docs"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy(source, project / name)
    out = project / "wiki.json"
    result = run(["schema-wiki", "export", "-o", str(out)], project)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in data["tables"] if t["name"] == name)


def _line(path: str, text: str) -> int:
    lines = (ROOT / path).read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def _history(entries: list[dict[str, Any]]) -> list[tuple[str, str, str, int]]:
    return [
        (h["migration_id"], h["action"], h["location"]["path"], h["location"]["line"])
        for h in entries
    ]


def test_users_bio_is_dropped_by_the_fourth_file_at_its_line(export: dict[str, Any]) -> None:
    users = _table(export, "users")
    bio = next(c for c in users["dropped_columns"] if c["name"] == "bio")
    drop = bio["history"][-1]
    path = f"{SPLIT}/004_drop_old_columns.sql"
    assert (drop["action"], drop["location"]) == (
        "drop column",
        {"path": path, "line": _line(path, "DROP COLUMN IF EXISTS bio")},
    )
    assert drop["cascade_of"] is None
    assert bio["introduced_by"] == "migrations/20240110090000_create_users.sql"
    assert [h["action"] for h in bio["history"]] == ["add column", "comment column", "drop column"]


def test_the_directory_migration_s_statements_each_keep_their_file(export: dict[str, Any]) -> None:
    profiles = _table(export, "user_profiles")
    create = f"{SPLIT}/001_create_user_profiles.sql"
    fk = f"{SPLIT}/003_add_foreign_key.sql"
    assert _history(profiles["history"]) == [
        ("20240301090000_split_users_table", "create table", create, _line(create, "CREATE TABLE")),
        (
            "20240301090000_split_users_table",
            "comment table",
            create,
            _line(create, "COMMENT ON TABLE"),
        ),
        ("20240301090000_split_users_table", "add constraint", fk, _line(fk, "ALTER TABLE")),
        ("20240301090000_split_users_table", "validate constraint", fk, _line(fk, "VALIDATE")),
    ]


def test_measured_locks_and_rewrites_are_exported(export: dict[str, Any]) -> None:
    users = _table(export, "users")
    handle = next(c for c in users["columns"] if c["name"] == "handle")
    set_not_null = next(h for h in handle["history"] if h["action"] == "set not null")
    # users existed long before: the lock is measured, no rewrite happened.
    assert set_not_null["lock"] == "ACCESS EXCLUSIVE"
    assert set_not_null["rewrite"] is False
    # The table was created by this very migration: no lock is anyone's business.
    created = next(c for c in users["columns"] if c["name"] == "email")["history"][0]
    assert (created["action"], created["lock"]) == ("add column", None)


def test_nothing_of_the_recorder_reaches_the_export(export: dict[str, Any]) -> None:
    text = json.dumps(export)
    assert "schema_wiki_witness" not in text
    assert {t["schema"] for t in export["tables"]} == {"public"}


def test_a_live_database_gets_its_history_from_a_replay_and_is_left_alone(
    tmp_path: Path, pg_database: str
) -> None:
    """``database:`` a live database: the schema is read from it, the history comes from
    the migrations replayed on a throwaway server, and nothing is installed in it. A
    migration the replay cannot apply ends the history with a finding, not an error."""
    import psycopg

    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id bigint, email text); CREATE TABLE legacy (a int)")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Live\n")
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "20240101000000_users.sql").write_text(
        "CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN email text;\n"
    )
    (migrations / "20240201000000_legacy.sql").write_text(
        "-- legacy came from elsewhere\nALTER TABLE legacy ADD COLUMN b int;\n"
    )
    quoted = pg_database.replace("'", "''")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Live\nplugins:\n  - schema-wiki:\n"
        f"      database: '{quoted}'\n      today: 2026-01-31\n"
    )
    out = tmp_path / "wiki.json"
    result = run(["schema-wiki", "export", "-o", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    users = _table(data, "users")
    email = next(c for c in users["columns"] if c["name"] == "email")
    assert email["introduced_by"] == "migrations/20240101000000_users.sql"
    assert [h["location"]["line"] for h in email["history"]] == [2]
    [finding] = [f for f in data["findings"] if f["rule"] == "incomplete-history"]
    assert finding["target"] == "20240201000000_legacy"
    assert finding["location"] == {"path": "migrations/20240201000000_legacy.sql", "line": 2}
    assert 'relation "legacy" does not exist' in finding["message"]
    with psycopg.connect(pg_database) as conn:
        left = conn.execute(
            "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'schema_wiki%'),"
            " (SELECT count(*) FROM pg_event_trigger)"
        ).fetchone()
    assert left == (0, 0)
