"""The checks end to end: a real catalog with an INVALID index and a NOT VALID constraint,
and a real project (throwaway PostgreSQL, real `mkdocs build`) with ignores, the health
page, the rules page and the build failing under --strict."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import textwrap
from pathlib import Path

import psycopg
import pytest

from conftest import drop_database, new_database
from helpers import run
from schema_wiki.checks import run_checks
from schema_wiki.config import CoverageMin, WikiConfig, parse_checks
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import Migration, MigrationFile, MigrationHeader
from schema_wiki.pipeline import load
from schema_wiki.render import render_pages
from schema_wiki.render.paths import HEALTH, migration_page
from schema_wiki.render.reports import RULES_PAGE
from schema_wiki.replay.apply import apply_migrations
from schema_wiki.replay.pgserver import ThrowawayPostgres
from schema_wiki.sources.catalog import read_catalog
from schema_wiki.sources.statements import split_statements


def test_invalid_index_and_unvalidated_constraint_from_a_real_catalog(
    pg_database: str, pg_server: ThrowawayPostgres
) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id int, email text, org int)")
        conn.execute("INSERT INTO users VALUES (1, 'a@x', 1), (2, 'a@x', 1)")
        # The seed's failed build: a unique index over duplicates, built concurrently.
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY idx_users_email ON users (email)")
        conn.execute("CREATE INDEX idx_users_org ON users (org)")
        conn.execute("ALTER TABLE users ADD CONSTRAINT users_id_pos CHECK (id > 0) NOT VALID")
        conn.execute("ALTER TABLE users ADD CONSTRAINT users_org_pos CHECK (org > 0)")
    catalog = read_catalog(pg_database)
    sql = (
        "CREATE UNIQUE INDEX CONCURRENTLY idx_users_email ON users (email);\n"
        "ALTER TABLE users ADD CONSTRAINT users_id_pos CHECK (id > 0) NOT VALID;\n"
    )
    path = "migrations/20240101000000_users.sql"
    migration = Migration(
        "20240101000000_users",
        "20240101000000",
        "users",
        path,
        MigrationHeader(),
        (MigrationFile(path, sql),),
        tuple(split_statements(sql, path)),
    )
    # The live database's catalog, the history of a replay (as with `database:`).
    replay = new_database(pg_server, "replay")
    try:
        witness = apply_migrations(
            replay, [migration], "CREATE TABLE users (id int, email text, org int)", record=True
        )
    finally:
        drop_database(pg_server, replay)
    catalog = dataclasses.replace(catalog, witness=witness)
    wiki = build_wiki([migration], [], catalog, dt.date(2026, 1, 31))
    catalog_rules = ("invalid-index", "unvalidated-constraint")
    found = {f.rule: f for f in run_checks(wiki).findings if f.rule in catalog_rules}
    assert set(found) == {"invalid-index", "unvalidated-constraint"}
    assert "idx_users_email" in found["invalid-index"].message
    assert "idx_users_org" not in found["invalid-index"].message
    assert str(found["invalid-index"].location) == f"{path}:1"
    assert "users_id_pos" in found["unvalidated-constraint"].message
    assert str(found["unvalidated-constraint"].location) == f"{path}:2"


PROJECT = {
    "mkdocs.yml": """
        site_name: Checks fixture
        docs_dir: docs
        theme:
          name: mkdocs
        plugins:
          - schema-wiki:
              today: 2026-01-31
              coverage_min: {tables: 100, columns: 30}
              checks:
                undocumented-column: {exclude: ["*.id"]}
        """,
    "docs/index.md": "# Home\n",
    "migrations/20240101000000_create_users.sql": """
        -- Migration: Create users
        -- Date: 2024-01-01
        -- Author: Bob
        -- Context:
        -- The first table.

        CREATE TABLE users (id bigint PRIMARY KEY, email text, age int);
        COMMENT ON TABLE users IS 'People.';
        COMMENT ON COLUMN users.email IS 'Login.';
        """,
    "migrations/20240201000000_tune_users.sql": """
        -- Migration: Tune users
        -- Date: 2024-02-01
        -- Context:
        -- Indexes.

        -- schema-wiki: ignore unsafe-migration users has 30 rows; measured 4 ms
        CREATE INDEX idx_users_email ON users (email);
        CREATE INDEX idx_users_age ON users (age);
        -- schema-wiki: ignore unsafe-migration stale
        CREATE INDEX CONCURRENTLY idx_users_both ON users (email, age);
        """,
    "adrs/0001-age-stays-undocumented.md": """
        ---
        status: accepted
        columns: [users.age]
        ignore:
          undocumented-column: age explains itself
        ---
        # 1. Age stays undocumented
        """,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("checks-project")
    for name, text in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def _config(root: Path) -> WikiConfig:
    return WikiConfig(
        root=root,
        migrations_dir=root / "migrations",
        adrs_dir=root / "adrs",
        today=dt.date(2026, 1, 31),
        checks=parse_checks({"undocumented-column": {"exclude": ["*.id"]}}),
        coverage_min=CoverageMin(tables=100, columns=30),
    )


def test_a_real_project_reports_silences_and_renders(project: Path) -> None:
    wiki = load(_config(project))
    summary = sorted((f.rule, f.target, str(f.location)) for f in wiki.findings)
    tune = "migrations/20240201000000_tune_users.sql"
    assert summary == [
        ("missing-header-field", "20240201000000_tune_users", f"{tune}:1"),
        ("unsafe-migration", "public.users", f"{tune}:8"),
        ("unused-ignore", "20240201000000_tune_users", f"{tune}:9"),
    ]
    assert sorted((s.finding.rule, s.finding.target, s.ignore.reason) for s in wiki.silenced) == [
        ("undocumented-column", "public.users.age", "age explains itself"),
        ("unsafe-migration", "public.users", "users has 30 rows; measured 4 ms"),
    ]
    # Coverage 1 of 3 columns (33 %: id counts, excluded or not) passes columns: 30.
    assert not [f for f in wiki.findings if f.rule == "low-coverage"]

    pages = render_pages(wiki)
    health = pages[HEALTH]
    assert "## Findings by rule" in health and "## Findings by table" in health
    assert "](../migrations/20240201000000_tune_users.md)" in health
    assert "## Silenced in place" in health and "age explains itself" in health
    assert f"]({Path(RULES_PAGE).name}#rule-unsafe-migration)" in health
    assert "| `public` | 1 | 100% (1) | 3 | 33% (1) |" in html.unescape(health)
    rules = pages[RULES_PAGE]
    assert "{ #rule-unused-ignore }" in rules and "**Problem.**" in rules
    tune_page = pages[migration_page("20240201000000_tune_users")]
    assert f"`{tune}:8`" in tune_page


def test_mkdocs_build_passes_with_warnings_and_strict_fails(project: Path) -> None:
    plain = run(["mkdocs", "build", "-d", str(project / "site")], project, today=None)
    assert plain.returncode == 0, plain.stderr
    assert "unsafe-migration" in plain.stderr
    strict = run(["mkdocs", "build", "--strict", "-d", str(project / "site")], project, today=None)
    assert strict.returncode == 1
    assert "warnings in strict mode" in strict.stdout + strict.stderr
    page = (project / "site" / "schema" / "rules" / "index.html").read_text(encoding="utf-8")
    assert 'id="rule-expired-column"' in page
