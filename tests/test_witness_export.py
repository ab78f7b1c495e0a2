"""`schema-wiki export` of the example project: the history the replay witnessed.

The example's directory migration (``20240301090000_split_users_table``) drops
``users.bio`` in its fourth file; the parser used to date and place that drop at
the first file. The export must say the file and line of the statement that did it.
"""

from __future__ import annotations

import json
import shutil
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
