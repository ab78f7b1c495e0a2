"""Every kind of object the catalog knows appears in the export and on its page.

The project points ``database:`` at a live database (read-only), where an
INVALID index from a failed ``CREATE UNIQUE INDEX CONCURRENTLY`` can exist.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import psycopg
import pytest

from helpers import run

SETUP = [
    "CREATE TYPE mood AS ENUM ('happy', 'sad')",
    "COMMENT ON TYPE mood IS 'How a user feels today.'",
    "CREATE DOMAIN positive_cents AS bigint NOT NULL DEFAULT 0 CHECK (VALUE >= 0)",
    "COMMENT ON DOMAIN positive_cents IS 'Money in cents, never negative.'",
    """CREATE TABLE accounts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email text NOT NULL UNIQUE,
        balance positive_cents,
        feeling mood,
        email_domain text GENERATED ALWAYS AS (split_part(email, '@', 2)) STORED,
        CONSTRAINT email_has_at CHECK (email LIKE '%@%')
    )""",
    "COMMENT ON TABLE accounts IS 'Accounts.'",
    "ALTER TABLE accounts ADD CONSTRAINT balance_small CHECK (balance < 1000000) NOT VALID",
    "CREATE INDEX accounts_rich ON accounts (balance) WHERE balance > 1000",
    """CREATE TABLE bookings (
        id bigint PRIMARY KEY,
        account_id bigint REFERENCES accounts (id) ON DELETE CASCADE,
        during tstzrange NOT NULL,
        EXCLUDE USING gist (during WITH &&)
    )""",
    """CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RETURN NEW; END $$""",
    "CREATE TRIGGER bookings_touch BEFORE UPDATE ON bookings FOR EACH ROW EXECUTE FUNCTION touch()",
    """CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at)""",
    """CREATE TABLE events_2024 PARTITION OF events
       FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')""",
    "CREATE VIEW rich_accounts AS SELECT id, email FROM accounts WHERE balance > 1000",
    "CREATE MATERIALIZED VIEW account_count AS SELECT count(*) AS n FROM accounts",
    "CREATE FOREIGN DATA WRAPPER dummy_fdw",
    "CREATE SERVER elsewhere FOREIGN DATA WRAPPER dummy_fdw",
    "CREATE FOREIGN TABLE remote_accounts (id bigint) SERVER elsewhere",
    "CREATE TABLE dupes (code text)",
    "INSERT INTO dupes VALUES ('a'), ('a')",
]


@pytest.fixture()
def live_project(tmp_path: Path, pg_database: str) -> Path:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement)
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY dupes_code ON dupes (code)")
    project = tmp_path / "live"
    (project / "docs").mkdir(parents=True)
    (project / "migrations").mkdir()
    (project / "docs" / "index.md").write_text("# Live\n")
    (project / "mkdocs.yml").write_text(
        "site_name: Live\ntheme:\n  name: mkdocs\nplugins:\n  - schema-wiki:\n"
        f'      database: "{pg_database}"\n'
        # The INVALID index is an error by default; the pages are what this test reads.
        "      checks:\n        invalid-index: warning\n"
    )
    return project


def test_every_object_kind_in_export_and_pages(live_project: Path) -> None:
    out = live_project / "wiki.json"
    result = run(["schema-wiki", "export", "-o", str(out)], live_project)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    tables = {t["name"]: t for t in data["tables"]}
    assert tables["rich_accounts"]["kind"] == "view"
    assert "WHERE balance::bigint > 1000" in tables["rich_accounts"]["definition"]
    assert tables["account_count"]["kind"] == "materialized view"
    assert tables["remote_accounts"]["kind"] == "foreign table"
    assert tables["events"]["kind"] == "partitioned table"
    assert tables["events"]["partition_key"] == "RANGE (at)"
    assert [p["name"] for p in tables["events"]["partitions"]] == ["events_2024"]
    assert "events_2024" not in tables  # folded into its parent
    columns = {c["name"]: c for c in tables["accounts"]["columns"]}
    assert columns["id"]["identity"] == "always"
    assert "split_part" in columns["email_domain"]["generated"]
    assert columns["feeling"]["type"] == "mood"
    kinds = {c["name"]: c for c in tables["accounts"]["constraints"]}
    assert kinds["accounts_pkey"]["kind"] == "primary key"
    assert kinds["email_has_at"]["kind"] == "check"
    assert kinds["balance_small"]["validated"] is False
    assert any(c["kind"] == "unique" for c in kinds.values())
    booking_kinds = {c["kind"] for c in tables["bookings"]["constraints"]}
    assert {"foreign key", "exclusion", "primary key"} <= booking_kinds
    fk = next(c for c in tables["bookings"]["constraints"] if c["kind"] == "foreign key")
    assert (fk["ref_table"], fk["ref_columns"]) == ("accounts", ["id"])
    indexes = {i["name"]: i for i in tables["accounts"]["indexes"]}
    assert indexes["accounts_rich"]["predicate"] == "((balance)::bigint > 1000)"
    assert {i["name"]: i["valid"] for i in tables["dupes"]["indexes"]} == {"dupes_code": False}
    assert [t["name"] for t in tables["bookings"]["triggers"]] == ["bookings_touch"]
    enums = {e["name"]: e for e in data["types"]["enums"]}
    assert enums["mood"]["values"] == ["happy", "sad"]
    assert enums["mood"]["comment"] == "How a user feels today."
    domains = {d["name"]: d for d in data["types"]["domains"]}
    assert domains["positive_cents"]["nullable"] is False
    assert domains["positive_cents"]["checks"] == ["CHECK (VALUE >= 0)"]

    site = live_project / "site"
    build = run(["mkdocs", "build", "-d", str(site)], live_project)
    assert build.returncode == 0, build.stderr
    assert "warning invalid-index: index dupes_code on public.dupes is INVALID" in build.stderr

    def visible(path: Path) -> str:
        """What a reader sees: tags (highlighting spans too) removed, entities decoded."""
        return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))

    def page(name: str) -> str:
        return visible(site / "schema" / "public" / name / "index.html")

    accounts = page("accounts")
    for text in (
        "accounts_pkey",
        "email_has_at",
        "balance_small",
        "accounts_rich",
        "identity",
        "split_part",
    ):
        assert text in accounts, text
    assert "NOT VALID" in accounts or "not valid" in accounts.lower()
    bookings = page("bookings")
    assert "bookings_touch" in bookings and "EXCLUDE" in bookings
    assert "INVALID" in page("dupes") or "invalid" in page("dupes")
    assert "events_2024" in page("events") and "RANGE (at)" in page("events")
    assert "WHERE balance::bigint > 1000" in page("rich_accounts")
    types = visible(site / "schema" / "types" / "index.html")
    assert "happy" in types and "How a user feels today." in types
    assert "CHECK (VALUE >= 0)" in types
