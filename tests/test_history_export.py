"""A column's exported history through real parsing and a real PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import FIXTURES, run


def test_column_renamed_twice_with_table_renamed_and_commented_later(tmp_path: Path) -> None:
    project = tmp_path / "renames"
    shutil.copytree(FIXTURES / "projects" / "renames", project)
    out = tmp_path / "wiki.json"
    result = run(["schema-wiki", "export", "-o", str(out)], project)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    (users,) = data["tables"]
    assert (users["schema"], users["name"]) == ("public", "users")
    assert users["comment"] == "People with an account."
    handle = next(c for c in users["columns"] if c["name"] == "handle")
    assert handle["type"] == "character varying(80)"  # the catalog's format_type
    assert handle["nullable"] is False
    assert handle["comment"] == "Public handle, shown as @handle.\nUnique."
    assert handle["introduced_by"] == "migrations/20240101090000_create_accounts.sql"
    history = [
        (h["migration_id"], h["action"], h["from"], h["to"], h["location"]["line"])
        for h in handle["history"]
    ]
    assert history == [
        ("20240101090000_create_accounts", "add column", None, None, 4),
        ("20240201090000_rename_login", "rename column", "login", "username", 3),
        ("20240401090000_rename_username", "rename column", "username", "handle", 3),
        ("20240501090000_tighten_handle", "alter type", None, None, 4),
        ("20240501090000_tighten_handle", "set default", None, None, 4),
        ("20240501090000_tighten_handle", "set not null", None, None, 7),
        ("20240601090000_document_handle", "comment column", None, None, 3),
    ]
    assert handle["history"][-1]["detail"] == "Public handle, shown as @handle.\nUnique."
    assert handle["history"][0]["date"] == "2024-01-01"
    table_history = [(h["action"], h["from"], h["to"]) for h in users["history"]]
    assert table_history == [
        ("create table", None, None),
        ("rename table", "accounts", "users"),
        ("comment table", None, None),
    ]
