"""Rendering without a build: page contexts, badges, foreign keys, ER diagrams, overview pages.

The wiki is built from model objects with the real `build_wiki`, so these tests
need neither PostgreSQL nor MkDocs; Markdown output is checked as text and,
where it matters, converted with Python-Markdown.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import markdown
import pytest
from pymdownx.superfences import fence_code_format

from checks_support import with_witness
from factories import migration
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import (
    Action,
    Catalog,
    CatalogColumn,
    CatalogConstraint,
    CatalogIndex,
    CatalogTable,
    CatalogTrigger,
    Change,
    Wiki,
)
from schema_wiki.render import RenderOptions, render_pages
from schema_wiki.render.erd import MAX_TABLES, Relations, er_diagram, mermaid_name, mermaid_type
from schema_wiki.render.views import column_badges, column_keys, fk_actions
from synthetic import synthetic_wiki

TODAY = dt.date(2026, 1, 31)


def col(name: str, typ: str = "text", comment: str | None = "documented", *, null: bool = True):
    return CatalogColumn(name, typ, null, None, comment, 0)


def table(
    name: str,
    *columns: CatalogColumn,
    constraints: tuple[CatalogConstraint, ...] = (),
    indexes: tuple[CatalogIndex, ...] = (),
    **kw: object,
) -> CatalogTable:
    numbered = tuple(
        CatalogColumn(c.name, c.type, c.nullable, c.default, c.comment, i + 1)
        for i, c in enumerate(columns)
    )
    return CatalogTable(
        "public",
        name,
        str(kw.pop("kind", "table")),
        str(kw.pop("comment", f"The {name}.")),
        numbered,
        constraints,
        indexes,
        **kw,  # type: ignore[arg-type]
    )


def pk(name: str, *columns: str) -> CatalogConstraint:
    return CatalogConstraint(
        f"{name}_pkey", "primary key", f"PRIMARY KEY ({', '.join(columns)})", columns
    )


def fk(name: str, column: str, target: str, ref: str = "id", tail: str = "") -> CatalogConstraint:
    definition = f"FOREIGN KEY ({column}) REFERENCES {target}({ref}){tail}"
    return CatalogConstraint(name, "foreign key", definition, (column,), "public", target, (ref,))


def shop() -> Wiki:
    """orgs <- users <- invoices, plus a view and a trigger; users has every kind of column."""
    users = table(
        "users",
        col("id", "bigint", null=False),
        col("org_id", "bigint", null=False),
        col("email", "text", null=False),
        col("created_at", "timestamp with time zone"),
        col("legacy_id", "character varying(50)", "Old ID. Can be dropped after 2025-01-01."),
        col("handle_old", "text", "Old handle. Can be dropped after 2026-02-15."),
        col("nickname", "text", "Nickname. Can be dropped after 2030-01-01."),
        col("username", "text", "DEPRECATED: use handle."),
        col("bio", "text", None),
        constraints=(
            pk("users", "id"),
            fk("users_org_id_fkey", "org_id", "orgs", tail=" ON DELETE CASCADE"),
            CatalogConstraint("users_email_key", "unique", "UNIQUE (email)", ("email",)),
        ),
        indexes=(
            CatalogIndex(
                "users_pkey",
                "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)",
                ("id",),
                unique=True,
                primary=True,
            ),
            CatalogIndex(
                "users_created_at_idx",
                "CREATE INDEX users_created_at_idx ON public.users USING btree (created_at)",
                ("created_at",),
                size_bytes=8192,
            ),
        ),
        triggers=(
            CatalogTrigger(
                "users_touch",
                "CREATE TRIGGER users_touch BEFORE UPDATE ON public.users"
                " FOR EACH ROW EXECUTE FUNCTION touch()",
            ),
        ),
        row_estimate=12345,
        total_bytes=65536,
    )
    orgs = table(
        "orgs", col("id", "bigint", null=False), col("name"), constraints=(pk("orgs", "id"),)
    )
    invoices = table(
        "invoices",
        col("id", "bigint", null=False),
        col("user_id", "bigint"),
        constraints=(pk("invoices", "id"), fk("invoices_user_id_fkey", "user_id", "users")),
    )
    active = table(
        "active_users",
        col("id", "bigint"),
        kind="view",
        definition=" SELECT users.id\n   FROM users\n  WHERE users.bio IS NOT NULL;",
    )
    create = migration(
        "20240110090000",
        "create_users",
        Change(Action.CREATE_TABLE, "public", "users"),
        *(
            # nickname was created as nick (renamed below): a history a database can apply.
            Change(
                Action.ADD_COLUMN,
                "public",
                "users",
                "nick" if c.name == "nickname" else c.name,
                detail=c.type,
            )
            for c in users.columns
        ),
        header={
            "Migration": "Create users",
            "Date": "2024-01-10",
            "Author": "Bob (@bob)",
            "Context": "First table.\nIt holds people.",
        },
    )
    rename = migration(
        "20240301100000",
        "rename_nick",
        Change(Action.RENAME_COLUMN, "public", "users", "nick", new_name="nickname"),
        header={"Migration": "Rename nick", "Date": "2024-03-01"},
    )
    drop = migration(
        "20240401100000",
        "drop_avatar",
        Change(Action.ADD_COLUMN, "public", "users", "avatar", detail="text"),
        Change(Action.DROP_COLUMN, "public", "users", "avatar"),
        header={
            "Migration": "Drop avatar",
            "Date": "2024-04-01",
            "Author": "Alice",
            "Context": "Avatars moved to the media service.",
        },
    )
    catalog = Catalog(tables=(users, orgs, invoices, active))
    migrations = [create, rename, drop]
    return build_wiki(migrations, [], with_witness(migrations, catalog), TODAY)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return render_pages(shop())


def _section(page: str, anchor: str) -> str:
    start = page.index(f"{{ #{anchor} }}")
    end = page.find("\n### ", start)
    return page[start : end if end > 0 else len(page)]


def test_each_column_gets_exactly_its_badges() -> None:
    wiki = shop()
    users = wiki.table("public", "users")
    assert users is not None
    keys = column_keys(users)
    badges = {
        c.name: set(re.findall(r">([a-zA-Z ]+)</span>", str(column_badges(wiki, users, c, keys))))
        for c in users.columns
    }
    assert badges == {
        "id": {"PK"},
        "org_id": {"FK"},
        "email": {"unique"},
        "created_at": {"indexed"},
        "legacy_id": {"expired"},
        "handle_old": {"expiring"},
        "nickname": {"deprecated"},
        "username": {"deprecated"},
        "bio": {"undocumented"},
    }


def test_warn_days_decides_expiring_or_deprecated() -> None:
    wiki = shop()
    users = wiki.table("public", "users")
    assert users is not None
    handle = users.column("handle_old")
    assert handle is not None
    assert "expiring" in column_badges(wiki, users, handle, warn_days=30)
    assert "deprecated" in column_badges(wiki, users, handle, warn_days=7)


def test_foreign_keys_link_both_ways(pages: dict[str, str]) -> None:
    users = pages["schema/public/users.md"]
    orgs = pages["schema/public/orgs.md"]
    assert "[`orgs.id`](orgs.md#column-id)" in _section(users, "column-org_id")
    assert "[`users.org_id`](users.md#column-org_id)" in _section(orgs, "column-id")
    assert "[`invoices.user_id`](invoices.md#column-user_id)" in _section(users, "column-id")
    relationships = users.split("## Relationships", 1)[1].split("\n## ", 1)[0]
    assert "**References**" in relationships and "**Referenced by**" in relationships
    assert "ON DELETE CASCADE" in relationships


def test_indexes_constraints_triggers_and_view_definition(pages: dict[str, str]) -> None:
    users = pages["schema/public/users.md"]
    assert "## Indexes" in users and "`btree (created_at)`" in users and "8.0 kB" in users
    assert "## Constraints" in users and "`UNIQUE (email)`" in users
    assert "## Triggers" in users and "BEFORE UPDATE ON public.users" in users
    assert "| Rows (estimate) | 12,345 |" in users
    view = pages["schema/public/active_users.md"]
    assert "## Definition" in view and "```sql\n SELECT users.id" in view
    assert "## Indexes" not in view


def test_introduced_shows_date_and_title_not_the_id(pages: dict[str, str]) -> None:
    users = pages["schema/public/users.md"]
    row = next(line for line in users.splitlines() if line.startswith("| [`email`]"))
    link = "[2024-01-10 &middot; Create users](../../migrations/20240110090000_create_users.md)"
    assert link in row
    assert "20240110090000_create_users`" not in row


def test_history_shows_when_something_happened_later(pages: dict[str, str]) -> None:
    users = pages["schema/public/users.md"]
    assert "**History**" not in _section(users, "column-email")
    nickname = _section(users, "column-nickname")
    assert "**History**" in nickname and "**renamed** from `nick` to `nickname`" in nickname


def test_dropped_column_page_and_overview(pages: dict[str, str]) -> None:
    dropped = pages["schema/dropped.md"]
    row = next(line for line in dropped.splitlines() if "users.avatar" in line)
    assert "2024-04-01" in row and "[Drop avatar]" in row and "Avatars moved" in row
    assert "users.md#column-avatar" in row


def test_a_to_z_lists_every_table_and_view_under_its_letter(pages: dict[str, str]) -> None:
    az = pages["schema/a-z.md"]
    for name, letter in (("active_users", "a"), ("invoices", "i"), ("orgs", "o"), ("users", "u")):
        section = az.split(f"{{ #letter-{letter} }}", 1)[1].split("\n## ", 1)[0]
        assert f"[`{name}`]({name}.md)".replace(f"({name}", f"(public/{name}") in section


def test_migrations_index_by_month_with_who_why_and_tables(pages: dict[str, str]) -> None:
    index = pages["migrations/index.md"]
    # One table, newest first, a month a heading row inside it.
    assert len(re.findall(r"^\|---", index, re.MULTILINE)) == 1
    month = r'<span class="sw-month" id="(\S+)">.*?<span class="sw-month">(.+?)</span>'
    months = re.findall(month, index)
    assert months == [
        ("2024-04", "April 2024"),
        ("2024-03", "March 2024"),
        ("2024-01", "January 2024"),
    ]
    row = next(line for line in index.splitlines() if "[Create users]" in line)
    assert "Bob (&#64;bob)" in row and "First table." in row and "It holds" not in row
    assert "[`users`](../schema/public/users.md)" in row


def test_schema_index_shows_row_estimates_and_links_overviews(pages: dict[str, str]) -> None:
    index = pages["schema/index.md"]
    row = next(line for line in index.splitlines() if line.startswith("| [`users`]"))
    assert "12,345" in row
    assert "(a-z.md)" in index and "(dropped.md)" in index


def test_er_diagram_reaches_the_configured_depth() -> None:
    wiki = shop()
    relations = Relations.of(wiki)
    orgs = wiki.table("public", "orgs")
    assert orgs is not None
    one = er_diagram(relations, orgs, 1)
    two = er_diagram(relations, orgs, 2)
    assert one is not None and two is not None
    assert '"users"' in one.source and '"invoices"' not in one.source
    assert '"invoices"' in two.source
    assert er_diagram(relations, orgs, 0) is None
    active = wiki.table("public", "active_users")
    assert active is not None and er_diagram(relations, active, 2) is None  # no keys at all
    pages = render_pages(wiki, RenderOptions(erd_depth=0))
    assert "```mermaid" not in pages["schema/public/users.md"]


def test_er_diagram_of_a_hub_is_cut_to_size() -> None:
    wiki = synthetic_wiki(200)
    relations = Relations.of(wiki)
    hub = wiki.table("public", "accounts")
    assert hub is not None
    diagram = er_diagram(relations, hub, 1)
    assert diagram is not None
    assert diagram.shown == MAX_TABLES and diagram.total > MAX_TABLES
    assert len(re.findall(r'^    t\d+\["', diagram.source, re.MULTILINE)) == MAX_TABLES


HOSTILE = 'we"ird %%{init} name\n`x`'


def test_er_diagram_survives_hostile_identifiers() -> None:
    odd = table(
        HOSTILE,
        col("pk", "character varying(10)", null=False),
        col("1st col", 'my "type"[]'),
        col("a:b", "numeric(12,2)"),
        constraints=(pk(HOSTILE, "pk"),),
    )
    child = table("child", col("ref"), constraints=(fk("child_ref_fkey", "ref", HOSTILE, "pk"),))
    wiki = build_wiki([], [], Catalog(tables=(odd, child)), TODAY)
    relations = Relations.of(wiki)
    source = er_diagram(relations, wiki.tables[0], 1)
    assert source is not None
    token = r"[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\-\[\]().,\u00C0-\uFFFF]*"
    for line in source.source.splitlines()[1:]:
        assert re.fullmatch(
            rf'    t\d+\["[^"%\\]+"\] \{{|    \}}'
            rf"|        {token} {token}( (PK|FK|UK)(,(PK|FK|UK))*)?"
            rf'|    t\d+ \S+ t\d+ : "[^"%\\]*"',
            line,
        ), line
    assert mermaid_name("pk") == "pk_" and mermaid_name("1st col") == "_1st_col"
    assert mermaid_type("timestamp with time zone") == "timestamptz"


def test_hostile_text_renders_as_text(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script> [x](javascript:alert(1)) **b** {: .x} | `c`"
    users = table("users", col("id", "bigint", evil), comment=evil)
    wiki = build_wiki([], [], Catalog(tables=(users,)), TODAY)
    page = render_pages(wiki)["schema/public/users.md"]
    html = markdown.markdown(
        page,
        extensions=[
            "tables",
            "attr_list",
            "md_in_html",
            "admonition",
            "toc",
            "pymdownx.superfences",
        ],
        extension_configs={
            "pymdownx.superfences": {
                "custom_fences": [
                    {"name": "mermaid", "class": "mermaid", "format": fence_code_format}
                ]
            }
        },
    )
    assert "<script" not in html and "<strong>b</strong>" not in html
    assert not re.search(r"""<a [^>]*href=["']?javascript""", html)
    assert html.count("&#60;script&#62;alert(1)&#60;/script&#62;") >= 2  # shown, as text


def test_fk_actions() -> None:
    assert fk_actions("FOREIGN KEY (a) REFERENCES t(id) ON DELETE CASCADE") == "ON DELETE CASCADE"
    assert (
        fk_actions('FOREIGN KEY (a, b) REFERENCES "T x"(i, j) MATCH FULL NOT VALID') == "MATCH FULL"
    )
    assert fk_actions("FOREIGN KEY (a) REFERENCES s.t(id)") == ""


def test_templates_dir_overrides_one_block(tmp_path: Path) -> None:
    # The README's example, word for word.
    (tmp_path / "table.md.j2").write_text(
        '{% extends "default/table.md.j2" %}\n'
        "{% block summary %}\n"
        "{{ super() }}\n"
        "Owned by the identity team. Questions: #identity on chat.\n"
        "{% endblock %}\n"
    )
    pages = render_pages(shop(), RenderOptions(templates_dir=tmp_path))
    users = pages["schema/public/users.md"]
    owned = r"Owned by the identity team\. Questions: #identity on chat\."
    assert re.search(rf"The users\.\n\n+{owned}\n\n+\| \| \|", users)
    assert "## Columns" in users and "## Relationships" in users  # the rest is the default
    assert "Owned by" not in pages["migrations/index.md"]
