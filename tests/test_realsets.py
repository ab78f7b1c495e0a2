"""Real migration directories build under the default configuration (tests/fixtures/real).

Each vendored set (see its LICENSE-NOTE.md) is built with a real ``mkdocs
build`` in a copy of its own; the migration tool's own tables exist while its
migrations apply and are hidden afterwards (replay/bookkeeping.py); pgcrypto
and uuid-ossp come from the stand-ins and the wiki says so.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg
import pytest

from factories import catalog
from helpers import FIXTURES, run
from realsets import REAL, export, project
from schema_wiki.replay.bookkeeping import TOOL_TABLES, about_hidden, create_tool_tables, hide

#: The migration tool's own tables, by vendored set: never in the wiki.
TOOL_TABLE_OF = {
    "crates-io": "public.__diesel_schema_migrations",
    "dittofeed": "drizzle.__drizzle_migrations",
    "harbor": "public.schema_migrations",
    "kestra": "public.flyway_schema_history",
    "measure": "measure.schema_migrations",
    "supabase-auth": "public.schema_migrations",
    "umami": "public._prisma_migrations",
}


def _tables(data: dict[str, Any]) -> set[str]:
    return {f"{t['schema']}.{t['name']}" for t in data["tables"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", REAL)
def test_real_set_builds_under_the_default_configuration(name: str) -> None:
    data = export(f"real/{name}")
    root = project(f"real/{name}")
    result = run(["mkdocs", "build", "-q"], root)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    pages = list((root / "site" / "schema").rglob("index.html"))
    assert len(pages) > len(data["tables"])  # a page per table, and the index pages
    hidden = TOOL_TABLE_OF[name]
    if hidden is not None:
        schema, table = hidden.split(".")
        assert hidden not in _tables(data)
        assert not any(f["target"].startswith(hidden) for f in data["findings"])
        assert not (root / "site" / "schema" / schema / table).exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("crates-io", "migrations/2020-07-14-113112_change_api_token_to_bytea/up.sql:1"),
        ("umami", "migrations/01_init/migration.sql:2"),
    ],
)
def test_pgcrypto_stand_in_is_used_and_labelled(name: str, where: str) -> None:
    data = export(f"real/{name}")
    notes = [f for f in data["findings"] if f["rule"] == "standin-extension"]
    assert [(f["level"], f"{f['location']['path']}:{f['location']['line']}") for f in notes] == [
        ("info", where)
    ]
    assert notes[0]["message"].startswith("pgcrypto was replaced by schema-wiki's stand-in")
    root = project(f"real/{name}")
    if not (root / "site").exists():
        assert run(["mkdocs", "build", "-q"], root).returncode == 0
    health = (root / "site" / "schema" / "health" / "index.html").read_text()
    assert "pgcrypto was replaced by schema-wiki&#x27;s stand-in" in health or (
        "pgcrypto was replaced by schema-wiki's stand-in" in health
    )


def test_harbor_alters_golang_migrates_own_table_and_it_stays_hidden() -> None:
    # 0030 adds a column to schema_migrations, 0040 drops it: without the tool's table
    # the replay would stop at 0030.
    text = (FIXTURES / "real/harbor/migrations/0030_2.0.0_schema.up.sql").read_text()
    assert "ALTER TABLE schema_migrations ADD COLUMN data_version" in text
    data = export("real/harbor")
    assert "public.schema_migrations" not in _tables(data)
    assert not [f for f in data["findings"] if "schema_migrations" in f["target"]]


# --- the tools' own tables ------------------------------------------------------------------

#: What each tool creates, read back from the catalog: table -> [(column, type, not null)].
EXPECTED: dict[str, dict[str, list[tuple[str, str, bool]]]] = {
    "diesel": {
        "__diesel_schema_migrations": [
            ("version", "character varying(50)", True),
            ("run_on", "timestamp without time zone", True),
        ]
    },
    "golang-migrate": {
        "schema_migrations": [("version", "bigint", True), ("dirty", "boolean", True)]
    },
    "dbmate": {"schema_migrations": [("version", "character varying(255)", True)]},
    "goose": {
        "goose_db_version": [
            ("id", "integer", True),
            ("version_id", "bigint", True),
            ("is_applied", "boolean", True),
            ("tstamp", "timestamp without time zone", True),
        ]
    },
    "flyway": {
        "flyway_schema_history": [
            ("installed_rank", "integer", True),
            ("version", "character varying(50)", False),
            ("description", "character varying(200)", True),
            ("type", "character varying(20)", True),
            ("script", "character varying(1000)", True),
            ("checksum", "integer", False),
            ("installed_by", "character varying(100)", True),
            ("installed_on", "timestamp without time zone", True),
            ("execution_time", "integer", True),
            ("success", "boolean", True),
        ]
    },
    "drizzle": {
        "__drizzle_migrations": [
            ("id", "integer", True),
            ("hash", "text", True),
            ("created_at", "bigint", False),
        ]
    },
    "prisma": {
        "_prisma_migrations": [
            ("id", "character varying(36)", True),
            ("checksum", "character varying(64)", True),
            ("finished_at", "timestamp with time zone", False),
            ("migration_name", "character varying(255)", True),
            ("logs", "text", False),
            ("rolled_back_at", "timestamp with time zone", False),
            ("started_at", "timestamp with time zone", True),
            ("applied_steps_count", "integer", True),
        ]
    },
}

_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname || '.' || c.relname = ANY(%s) ORDER BY c.relname, a.attnum
"""


@pytest.mark.parametrize("fmt", sorted(TOOL_TABLES))
def test_each_tool_table_is_created_where_the_tool_puts_it(fmt: str, pg_database: str) -> None:
    spec = TOOL_TABLES[fmt]
    with psycopg.connect(pg_database, autocommit=True) as conn:
        created = create_tool_tables(conn, fmt)
        schema = spec.schema or "public"
        assert created == tuple(f"{schema}.{t}" for t in spec.tables)
        rows = conn.execute(_COLUMNS, (list(created),)).fetchall()
        # A second run finds the tables and creates nothing (the tool would use them).
        assert create_tool_tables(conn, fmt) == ()
    found: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, type_, notnull in rows:
        found.setdefault(table, []).append((column, type_, notnull))
    assert set(found) == set(spec.tables)
    if fmt in EXPECTED:
        assert found == EXPECTED[fmt]


def test_the_tool_table_goes_to_the_first_schema_of_the_search_path(pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA app; SET search_path TO app, public")
        assert create_tool_tables(conn, "dbmate") == ("app.schema_migrations",)
        assert create_tool_tables(conn, "plain") == ()


def test_a_trigger_on_diesels_table_applies_and_the_table_stays_hidden(tmp_path: Path) -> None:
    # Lemmy's 2025-08-01-000017_forbid_diesel_cli does this (tests/fixtures/real has no
    # Lemmy: its migrations are 1 MB); written here in the same shape.
    setup = tmp_path / "migrations" / "00000000000000_diesel_initial_setup"
    setup.mkdir(parents=True)
    (setup / "up.sql").write_text("CREATE TABLE posts (id serial PRIMARY KEY, title text);\n")
    guard = tmp_path / "migrations" / "2025-08-01-000017_forbid_diesel_cli"
    guard.mkdir()
    (guard / "up.sql").write_text(
        "CREATE FUNCTION forbid_diesel_cli() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN RAISE 'migrations must be run by the server'; END $$;\n"
        "CREATE TRIGGER forbid_diesel_cli BEFORE INSERT OR UPDATE OR DELETE\n"
        "    ON __diesel_schema_migrations EXECUTE FUNCTION forbid_diesel_cli();\n"
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# x\n")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\ntheme:\n  name: mkdocs\nplugins:\n  - schema-wiki\n"
    )
    result = run(["schema-wiki", "export", "-o", "out.json"], tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out.json").read_text()
    assert '"name": "posts"' in text
    assert "__diesel_schema_migrations" not in text


# --- what the real sets need, said clearly -------------------------------------------------


def _first_migration_only(name: str, tmp_path: Path, edit: Any = None) -> Path:
    source = FIXTURES / "real" / name
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# x\n")
    first = sorted((source / "migrations").glob("*.sql"))[0]
    (tmp_path / "migrations").mkdir()
    text = first.read_text()
    (tmp_path / "migrations" / first.name).write_text(edit(text) if edit else text)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\ntheme:\n  name: mkdocs\nplugins:\n  - schema-wiki\n"
    )
    return tmp_path


def test_measure_without_its_schema_says_so_at_the_line(tmp_path: Path) -> None:
    # Measure's init-postgres.sh creates the schema; without setup_sql the first
    # migration stops with PostgreSQL's message at its file and line.
    root = _first_migration_only("measure", tmp_path)
    result = run(["schema-wiki", "export", "-o", "out.json"], root)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "migrations/20240830075257_create_roles_table.sql:2" in result.stderr
    assert 'schema "measure" does not exist' in result.stderr


def test_supabase_auth_unrendered_template_is_named_at_its_line(tmp_path: Path) -> None:
    # The vendored copy has GoTrue's {{ index .Options "Namespace" }} rendered as auth
    # (LICENSE-NOTE.md); the file as GoTrue ships it stops at its first placeholder.
    def unrender(text: str) -> str:
        return re.sub(r"\bauth\.", '{{ index .Options "Namespace" }}.', text)

    root = _first_migration_only("supabase-auth", tmp_path, unrender)
    result = run(["schema-wiki", "export", "-o", "out.json"], root)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "migrations/00_init_auth_schema.up.sql:3" in result.stderr
    assert 'syntax error at or near "{"' in result.stderr


def test_hidden_tables_leave_the_catalog_and_their_findings() -> None:
    whole = catalog(
        ("schema_migrations", [("version", "bigint", None), ("dirty", "boolean", None)]),
        ("users", [("id", "bigint", None)]),
    )
    hidden = hide(whole, ("public.schema_migrations",))
    assert [t.name for t in hidden.tables] == ["users"]
    assert hidden.hidden_tables == ("public.schema_migrations",)
    assert about_hidden("public.schema_migrations.dirty", hidden)
    assert about_hidden("public.schema_migrations", hidden)
    assert not about_hidden("public.schema_migrations_archive", hidden)
    assert hide(whole, ()) is whole
