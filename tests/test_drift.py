"""Schema drift against a snapshot and against a second live database, both ways."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from helpers import FIXTURES, run
from schema_wiki.config import WikiConfig
from schema_wiki.output.export import export_json
from schema_wiki.pipeline import load


def _config(root: Path, compare_with: str) -> WikiConfig:
    return WikiConfig(
        root=root,
        migrations_dir=root / "migrations",
        adrs_dir=root / "adrs",
        compare_with=compare_with,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drift") / "renames"
    shutil.copytree(FIXTURES / "projects" / "renames", root)
    return root


def _drift(wiki) -> set[tuple[str, str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    return {(d.target, d.aspect, d.ours, d.theirs) for d in wiki.drift}


def test_snapshot_drift_both_ways(project: Path) -> None:
    baseline = load(_config(project, ""))
    snapshot = json.loads(export_json(baseline))
    (users,) = snapshot["tables"]
    users["columns"] = [c for c in users["columns"] if c["name"] != "id"]  # only in migrations
    handle = next(c for c in users["columns"] if c["name"] == "handle")
    handle["type"] = "text"
    handle["nullable"] = True
    handle["comment"] = "Old words"
    users["columns"].append(dict(handle, name="nickname"))  # only in the snapshot
    snapshot["tables"].append(dict(users, name="audit_log", columns=[]))
    (project / "prod.json").write_text(json.dumps(snapshot))

    wiki = load(_config(project, "prod.json"))
    assert _drift(wiki) == {
        ("public.users.id", "column", "bigint", None),
        ("public.users.handle", "type", "character varying(80)", "text"),
        ("public.users.handle", "nullable", "NOT NULL", "NULL"),
        (
            "public.users.handle",
            "comment",
            "Public handle, shown as @handle.\nUnique.",
            "Old words",
        ),
        ("public.users.nickname", "column", None, "text"),
        ("public.audit_log", "table", None, "table"),
    }
    drift = [f for f in wiki.findings if f.rule == "schema-drift"]
    assert len(drift) == 6
    messages = " | ".join(f.message for f in drift)
    assert "exists in the migrations but not in snapshot prod.json" in messages
    assert "exists in snapshot prod.json but not in the migrations" in messages


def test_no_drift_against_own_snapshot(project: Path) -> None:
    baseline = load(_config(project, ""))
    (project / "same.json").write_text(export_json(baseline))
    wiki = load(_config(project, "same.json"))
    assert wiki.drift == () and wiki.drift_label == "snapshot same.json"


def test_database_drift_and_drift_page(project: Path, pg_database: str, tmp_path: Path) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint PRIMARY KEY, handle varchar(80) NOT NULL DEFAULT '',"
            " legacy_id text)"
        )
        conn.execute("COMMENT ON TABLE users IS 'People with an account.'")
        conn.execute(
            "COMMENT ON COLUMN users.handle IS 'Public handle, shown as @handle.\nUnique.'"
        )
    wiki = load(_config(project, pg_database))
    # Same types, nullability, default and comments; only legacy_id differs.
    assert _drift(wiki) == {("public.users.legacy_id", "column", None, "text")}
    assert wiki.drift_label is not None and wiki.drift_label.startswith("database ")

    (project / "mkdocs.yml").write_text(
        (project / "mkdocs.yml").read_text() + f'      compare_with: "{pg_database}"\n'
    )
    site = tmp_path / "site"
    result = run(["mkdocs", "build", "-d", str(site)], project)
    assert result.returncode == 0, result.stderr
    assert "schema-drift" in result.stderr
    page = (site / "schema" / "drift" / "index.html").read_text()
    assert "legacy_id" in page and "Schema drift" in page
