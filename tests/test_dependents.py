"""What depends on each table and column, read from pg_depend and shown on the pages."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import psycopg

from helpers import run
from schema_wiki.model import CatalogDependent
from schema_wiki.replay.pgserver import ThrowawayPostgres
from schema_wiki.sources.catalog import read_catalog

SCHEMA = """\
CREATE SCHEMA reporting;
CREATE TABLE users (
    id bigint PRIMARY KEY,
    email text NOT NULL UNIQUE,
    username text,
    bio text,
    created_at timestamptz NOT NULL DEFAULT now(),
    email_lower text GENERATED ALWAYS AS (lower(email)) STORED
);
COMMENT ON TABLE users IS 'Accounts.';
CREATE INDEX users_username_idx ON users (username) INCLUDE (created_at);
CREATE INDEX users_lower_username ON users (lower(username)) WHERE bio IS NOT NULL;
CREATE TABLE invoices (
    id bigint PRIMARY KEY,
    user_id bigint REFERENCES users (id),
    amount numeric CHECK (amount >= 0)
);
CREATE VIEW active_users AS SELECT id, email FROM users WHERE username IS NOT NULL;
CREATE MATERIALIZED VIEW reporting.user_totals AS
    SELECT u.id, sum(i.amount) AS total FROM users u JOIN invoices i ON i.user_id = u.id
    GROUP BY u.id;
CREATE VIEW active_user_emails AS SELECT email FROM active_users;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER users_touch BEFORE UPDATE OF username ON users
    FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON users USING (username = current_user);
CREATE FUNCTION user_count() RETURNS bigint LANGUAGE sql RETURN (SELECT count(*) FROM users);
CREATE SCHEMA elsewhere;
CREATE VIEW elsewhere.emails AS SELECT email FROM public.users;
CREATE TABLE lonely (x int DEFAULT 1);
"""


def dep(kind: str, relation: str | None, name: str, *columns: str, schema: str = "public"):
    return CatalogDependent(kind, schema, relation, name, columns)


def test_dependents_of_tables_views_and_columns(pg_bin_dir: Path) -> None:
    with ThrowawayPostgres(pg_bin_dir) as pg:
        with psycopg.connect(pg.conninfo, autocommit=True) as conn:
            conn.execute(SCHEMA)
        catalog = read_catalog(pg.conninfo, schemas=["public", "reporting"])
    users = catalog.table("public", "users")
    assert users is not None
    assert users.dependents == (
        # Views in a schema not read are still named.
        dep("view", "emails", "emails", "email", schema="elsewhere"),
        # The WHERE clause's column counts as much as the selected ones.
        dep("view", "active_users", "active_users", "id", "email", "username"),
        dep("materialized view", "user_totals", "user_totals", "id", schema="reporting"),
        dep("foreign key", "invoices", "invoices_user_id_fkey", "id"),
        dep("primary key", "users", "users_pkey", "id"),
        dep("unique", "users", "users_email_key", "email"),
        # Columns in expressions and predicates, and INCLUDE columns.
        dep("index", "users", "users_lower_username", "username", "bio"),
        dep("index", "users", "users_username_idx", "username", "created_at"),
        dep("generated column", "users", "email_lower", "email"),
        dep("trigger", "users", "users_touch", "username"),
        dep("policy", "users", "own_rows", "username"),
        # A function with an SQL body reads the table as a whole.
        dep("function", None, "user_count()"),
    )
    assert [d.name for d in users.dependents_of("bio")] == ["users_lower_username"]
    # A default (now(), 1) is not something that depends on its column.
    assert users.dependents_of("created_at") == (
        dep("index", "users", "users_username_idx", "username", "created_at"),
    )
    assert catalog.table("public", "lonely").dependents == ()  # type: ignore[union-attr]
    invoices = catalog.table("public", "invoices")
    assert invoices is not None and invoices.dependents == (
        dep(
            "materialized view",
            "user_totals",
            "user_totals",
            "user_id",
            "amount",
            schema="reporting",
        ),
        dep("foreign key", "invoices", "invoices_user_id_fkey", "user_id"),
        dep("primary key", "invoices", "invoices_pkey", "id"),
        dep("check", "invoices", "invoices_amount_check", "amount"),
    )
    # Views depend on views.
    view = catalog.table("public", "active_users")
    assert view is not None
    assert view.dependents == (dep("view", "active_user_emails", "active_user_emails", "email"),)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_used_by_on_table_and_column_pages(tmp_path: Path) -> None:
    project = tmp_path / "p"
    (project / "migrations").mkdir(parents=True)
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# Wiki\n")
    header = "-- Migration: Schema\n-- Date: 2024-01-10\n-- Author: A\n-- Context: c\n"
    (project / "migrations" / "20240110090000_schema.sql").write_text(header + SCHEMA)
    (project / "mkdocs.yml").write_text(
        "site_name: t\nplugins:\n  - schema-wiki:\n      today: 2026-01-31\n"
    )
    result = run(["mkdocs", "build", "-d", "site"], project)
    assert result.returncode == 0, result.stderr
    html = (project / "site" / "schema" / "public" / "users" / "index.html").read_text()
    text = _text(html)
    start = text.index("Used by What else")
    section = text[start : text.index("Indexes", start)]
    # Other relations, functions and policies; not the table's own keys and indexes.
    assert "elsewhere.emails view email" in section
    assert "active_users view id , email , username" in section
    assert "reporting.user_totals materialized view id" in section
    assert "invoices_user_id_fkey on invoices foreign key id" in section
    assert "user_count() function the whole table" in section
    assert "own_rows policy username" in section
    assert "users_pkey" not in section and "users_username_idx" not in section
    # Links: the view's page, and the key's table.
    assert 'href="../active_users/"' in html and 'href="../invoices/"' in html
    # A column lists everything that uses it, its own keys and indexes too.
    details = text.index("Column details", start)
    email = text[text.index("email unique", details) :]
    email = email[: email.index("Introduced by")]
    assert (
        "Used by view elsewhere.emails , view active_users , unique users_email_key ,"
        " generated column email_lower"
    ) in email
    invoices = _text(
        (project / "site" / "schema" / "public" / "invoices" / "index.html").read_text()
    )
    assert "reporting.user_totals materialized view user_id , amount" in invoices
