"""Dropped objects keep their story; ADR and header links reach what people write.

One real ``mkdocs build`` and one real ``schema-wiki export`` of the seed-style
fixture (``tests/fixtures/projects/seed``): the seed's ``legacy_id`` header,
ADR-015 naming ``users`` and ``user_profiles`` in backticks, a directory
migration whose second step drops a column and whose README / PLAN / ROLLBACK
name tables, a billing column renamed after an ADR named it, Related
migrations (one of them missing), tickets as ids and as a URL, ``ticket_url``.
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from checks_support import sql_migration, table, wiki_of
from helpers import FIXTURES, run
from schema_wiki.join.wiki import find_related, resolve_ref
from schema_wiki.model import Location, SchemaRef
from schema_wiki.render.tickets import ticket_links

SEED = FIXTURES / "projects" / "seed"
TICKET_URL = "https://tracker.example.com/browse/{ticket}"
LEGACY = "migrations/20240215100000_add_legacy_id_to_users.sql"
DROP = "20240820140000_drop_legacy_user_columns"
SPLIT = "20240301090000_split_users_table"


class Built:
    """The built site and the export of one project."""

    def __init__(self, root: Path, log: str, export: dict[str, Any]) -> None:
        self.root = root
        self.log = log
        self.export = export

    def html(self, page: str) -> str:
        return (self.root / "site" / page / "index.html").read_text(encoding="utf-8")

    def text(self, page: str) -> str:
        """The page's article as text: tags gone, entities decoded, spaces collapsed."""
        body = self.html(page)
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())

    def table(self, schema: str, name: str) -> dict[str, Any]:
        for t in [*self.export["tables"], *self.export["dropped_tables"]]:
            if (t["schema"], t["name"]) == (schema, name):
                return t
        raise AssertionError(f"no table {schema}.{name}")

    def column(self, schema: str, name: str, column: str) -> dict[str, Any]:
        t = self.table(schema, name)
        for c in [*t["columns"], *t["dropped_columns"]]:
            if c["name"] == column:
                return c
        raise AssertionError(f"no column {column}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("seed") / "p"
    shutil.copytree(SEED, root)
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + f'      ticket_url: "{TICKET_URL}"\n',
        encoding="utf-8",
    )
    result = run(["mkdocs", "build", "-d", "site"], root)
    assert result.returncode == 0, result.stderr
    exported = run(["schema-wiki", "export", "-o", "model.json"], root)
    assert exported.returncode == 0, exported.stderr
    export = json.loads((root / "model.json").read_text(encoding="utf-8"))
    return Built(root, result.stderr, export)


# --- 3. dropped tables and columns keep their story -------------------------------------


def test_a_dropped_column_keeps_who_when_why_its_drop_date_and_its_adrs(built: Built) -> None:
    legacy = built.column("public", "users", "legacy_id")
    assert legacy["dropped"] is True
    assert legacy["type"] == "character varying(50)"  # format_type's spelling, as live ones
    assert legacy["drop_after"] == "2024-08-15"
    assert legacy["drop_after_source"] == {
        "kind": "header",
        "location": {"path": LEGACY, "line": 11},
    }
    assert legacy["adrs"] == ["0013-migrate-legacy-user-system"]
    assert legacy["decided_by"] == ["0013-migrate-legacy-user-system"]
    intro = legacy["introduced"]
    assert (intro["migration"], intro["date"], intro["author"], intro["ticket"]) == (
        LEGACY,
        "2024-02-15",
        "Alice (@alice)",
        "PROJ-1234",
    )
    assert intro["why"].startswith("We're migrating from legacy user system.")
    gone = legacy["dropped_by"]
    assert (gone["migration_id"], gone["date"], gone["author"], gone["ticket"]) == (
        DROP,
        "2024-08-20",
        "Alice (@alice)",
        "PROJ-1490",
    )
    assert gone["why"].startswith("The migration from the legacy user system is complete.")
    assert gone["step"] is None


def test_a_column_dropped_by_a_step_names_the_step(built: Built) -> None:
    bio = built.column("public", "users", "bio")
    assert bio["dropped_by"]["migration_id"] == SPLIT
    assert bio["dropped_by"]["step"] == 2
    assert bio["dropped_by"]["step_path"] == f"migrations/{SPLIT}/002_drop_old_columns.sql"
    assert bio["dropped_by"]["author"] == "Dan (@dan)"


def test_a_dropped_table_keeps_its_story_and_its_columns_theirs(built: Built) -> None:
    mapping = built.table("public", "legacy_user_mapping")
    assert mapping["dropped"] is True
    assert mapping["introduced"]["author"] == "Alice (@alice)"
    assert mapping["dropped_by"]["migration_id"] == DROP
    assert mapping["decided_by"] == ["0013-migrate-legacy-user-system"]
    types = {c["name"]: c["type"] for c in mapping["columns"]}
    assert types == {
        "legacy_id": "character varying(50)",
        "user_id": "bigint",
        "synced_at": "timestamp with time zone",
    }
    # "Can drop after" of the migration that created them, and dropped with the table.
    assert {c["drop_after"] for c in mapping["columns"]} == {"2024-08-15"}
    assert {c["dropped_by"]["migration_id"] for c in mapping["columns"]} == {DROP}


def test_the_dropped_column_page_tells_the_story(built: Built) -> None:
    page = built.text("schema/public/users")
    start = page.index("Dropped columns")
    legacy = page[page.index("legacy_id", start) :]
    assert "dropped character varying(50)" in legacy
    assert "VARCHAR(50)" not in page
    assert (
        "Introduced by Add legacy_id column ( 20240215100000_add_legacy_id_to_users ) on"
        " 2024-02-15 by Alice (@alice), ticket PROJ-1234"
    ) in legacy
    assert "Why We're migrating from legacy user system." in legacy
    assert f"Could be dropped after 2024-08-15 (stated in {LEGACY}:11 )" in legacy
    assert "Decided by ADR-013: Migrate accounts from the legacy user system" in legacy
    assert (
        f"Dropped by Drop legacy_id and legacy_user_mapping ( {DROP} ) on 2024-08-20"
        " by Alice (@alice), ticket PROJ-1490"
    ) in legacy
    bio = page[page.index("bio", start) : page.index("legacy_id", start)]
    assert "step 2, 002_drop_old_columns.sql" in bio


def test_the_dropped_table_page_says_who_dropped_it(built: Built) -> None:
    page = built.text("schema/dropped/public/legacy_user_mapping")
    assert (
        "Dropped by Drop legacy_id and legacy_user_mapping on 2024-08-20 by Alice (@alice)"
        " ( PROJ-1490 )"
    ) in page
    assert "character varying(50)" in page


def test_a_drop_date_in_the_comment_of_a_dropped_column_is_kept() -> None:
    first = sql_migration(
        "20240101000000",
        "CREATE TABLE t (id int, old text);\n"
        "COMMENT ON COLUMN t.old IS 'Can be removed after 2024-05-01';\n",
    )
    second = sql_migration("20240601000000", "ALTER TABLE t DROP COLUMN old;\n")
    wiki = wiki_of([first, second], [table("t", "id")])
    [old] = wiki.tables[0].dropped_columns
    assert old.drop_after is not None and old.drop_after.date.isoformat() == "2024-05-01"
    assert old.drop_after.source == "comment"


# --- 4. ADR links -------------------------------------------------------------------


def _links(html: str) -> dict[str, str]:
    """Code labels of links -> their href."""
    return {
        unescape(label): href
        for href, label in re.findall(r'<a href="([^"]+)"><code>([^<]+)</code></a>', html)
    }


def test_bare_table_names_and_schema_tables_in_an_adr_link(built: Built) -> None:
    links = _links(built.html("adrs/0015-split-users-table"))
    assert links["users"] == "../../schema/public/users/"
    assert links["user_profiles"] == "../../schema/public/user_profiles/"
    assert links["billing.customers"] == "../../schema/billing/customers/"
    assert "true" not in links and "config.yml" not in links  # just code
    assert built.table("public", "user_profiles")["adrs"] == ["0015-split-users-table"]
    refs = next(a["refs"] for a in built.export["adrs"] if a["number"] == 15)
    assert "true" not in refs and "config.yml" not in refs


def test_a_column_named_by_its_old_name_links_to_it_as_it_is_now(built: Built) -> None:
    links = _links(built.html("adrs/0016-billing-logins"))
    assert links["billing.customers.username"] == "../../schema/billing/customers/#column-login"
    assert built.column("billing", "customers", "login")["adrs"] == ["0016-billing-logins"]
    assert built.column("billing", "customers", "login")["former_names"] == ["username"]
    assert not [f for f in built.export["findings"] if f["target"].startswith("0016")]
    assert "billing.customers.username names no table" not in built.log


def test_adrs_of_a_migration_header_are_decisions_marked_apart_from_mentions(
    built: Built,
) -> None:
    users = built.table("public", "users")
    assert users["decided_by"] == [
        "0012-own-users-table",
        "0013-migrate-legacy-user-system",
        "0015-split-users-table",
    ]
    profiles = built.table("public", "user_profiles")
    assert profiles["decided_by"] == ["0015-split-users-table"]
    billing = built.table("billing", "customers")
    assert billing["decided_by"] == []
    assert billing["adrs"] == ["0015-split-users-table", "0016-billing-logins"]
    page = built.text("schema/billing/customers")
    assert "ADR-015: Split users table into users and user_profiles accepted · mentions it" in page
    assert "Decided by" not in page
    page = built.text("schema/public/user_profiles")
    assert "ADR-015: Split users table into users and user_profiles accepted · decided" in page
    assert "decided: named in the header of a migration that changed it" in page


def test_migration_documents_link_what_they_name(built: Built) -> None:
    html = built.html(f"migrations/{SPLIT}")
    links = _links(html)
    assert links["users"] == "../../schema/public/users/"
    assert links["user_profiles"] == "../../schema/public/user_profiles/"
    assert links["users.bio"] == "../../schema/public/users/#column-bio"  # dropped, still there
    assert links["user_profiles.bio"] == "../../schema/public/user_profiles/#column-bio"
    assert links["billing.customers"] == "../../schema/billing/customers/"


def _wiki_with_billing() -> Any:
    first = sql_migration(
        "20240101000000",
        "CREATE SCHEMA billing;\nCREATE TABLE billing.customers (id int, username text);\n",
    )
    second = sql_migration(
        "20240201000000", "ALTER TABLE billing.customers RENAME COLUMN username TO login;\n"
    )
    third = sql_migration("20240301000000", "ALTER TABLE billing.customers RENAME TO clients;\n")
    return wiki_of([first, second, third], [table("clients", "id", "login", schema="billing")])


@pytest.mark.parametrize(
    ("text", "table_name", "column", "exists"),
    [
        ("billing.customers", "clients", None, True),
        ("billing.clients", "clients", None, True),
        ("billing.customers.username", "clients", "login", True),
        ("customers.username", "clients", "login", True),
        ("clients.login", "clients", "login", True),
        ("customers", "clients", None, True),
        ("billing.nothing", None, None, False),
        ("billing.clients.nothing", None, None, False),
    ],
)
def test_names_resolve_through_schemas_and_renames(
    text: str, table_name: str | None, column: str | None, exists: bool
) -> None:
    parts = text.split(".")
    ref = SchemaRef(
        *(
            (parts[0], parts[1], parts[2])
            if len(parts) == 3
            else (None, parts[0], parts[1] if len(parts) == 2 else None)
        ),
        location=Location("adrs/x.md", 1),
    )
    found, col, now = resolve_ref(_wiki_with_billing(), ref)
    assert (found.name if found else None, col, now) == (table_name, column, exists)


# --- 5. header links ----------------------------------------------------------------


def test_related_migrations_link_both_ways(built: Built) -> None:
    mapping = built.text("migrations/20240220150000_create_legacy_user_mapping")
    assert (
        "Related migrations 2024-02-15 · Add legacy_id column (names this one)"
        " 2024-08-20 · Drop legacy_id and legacy_user_mapping (names this one)"
    ) in mapping
    legacy = built.text("migrations/20240215100000_add_legacy_id_to_users")
    assert "Related migrations 2024-02-20 · Create legacy_user_mapping 2024-08-20" in legacy
    related = {m["id"]: m["related"] for m in built.export["migrations"]}
    assert related["20240220150000_create_legacy_user_mapping"] == [
        {"migration_id": "20240215100000_add_legacy_id_to_users", "stated": False},
        {"migration_id": DROP, "stated": False},
    ]


def test_a_related_migration_that_does_not_exist_is_a_dangling_reference(built: Built) -> None:
    [finding] = [
        f
        for f in built.export["findings"]
        if f["rule"] == "dangling-reference" and f["target"] == DROP
    ]
    assert finding["location"] == {"path": f"migrations/{DROP}.sql", "line": 15}
    assert "20240230000000_archive_legacy_users" in finding["message"]
    page = built.text(f"migrations/{DROP}")
    assert "20240230000000_archive_legacy_users (no such migration)" in page


def test_tickets_link_as_urls_and_through_ticket_url(built: Built) -> None:
    html = built.html("migrations/20240115090000_create_billing_customers")
    assert '<a href="https://tracker.example.com/browse/BILL-7">' in html
    html = built.html("migrations/20240215100000_add_legacy_id_to_users")
    assert '<a href="https://tracker.example.com/browse/PROJ-1234">PROJ-1234</a>' in html
    users = built.html("schema/public/users")
    assert '<a href="https://tracker.example.com/browse/PROJ-1490">PROJ-1490</a>' in users


@pytest.mark.parametrize(
    ("text", "template", "expected"),
    [
        ("PROJ-1234", None, "PROJ-1234"),
        ("PROJ-1234", TICKET_URL, "[PROJ-1234](https://tracker.example.com/browse/PROJ-1234)"),
        (
            "#12",
            "https://github.com/o/r/issues/{ticket}",
            "[&#35;12](https://github.com/o/r/issues/12)",
        ),
        ("https://x.example/a|b", None, "(https://x.example/a%7Cb)"),
        ("javascript:alert(1)", TICKET_URL, "javascript&#58;alert(1)"),
        ("[x](javascript:alert(1))", None, "&#91;x&#93;"),
    ],
)
def test_ticket_links_are_safe(text: str, template: str | None, expected: str) -> None:
    out = str(ticket_links(text, template))
    assert expected in out
    assert "javascript:" not in out


def test_find_related_does_not_match_a_neighbour_by_prefix() -> None:
    wiki = wiki_of([sql_migration("20240101000000", "SELECT 1;\n", name="a")])
    assert find_related(wiki, "20240101000000_a") is not None
    assert find_related(wiki, "20240101000000_a.sql (the first)") is not None
    assert find_related(wiki, "20240101") is None
    assert find_related(wiki, "20240101000000_b") is None


@pytest.mark.parametrize(
    "value", ["https://tracker.example.com/browse/", "tracker/{ticket}", "javascript:{ticket}"]
)
def test_a_bad_ticket_url_is_a_configuration_error(tmp_path: Path, value: str) -> None:
    root = tmp_path / "p"
    shutil.copytree(SEED, root)
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + f'      ticket_url: "{value}"\n', encoding="utf-8"
    )
    result = run(["schema-wiki", "check"], root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ticket_url:" in result.stderr
