"""ADR names as written, ids in text as links, and a table's history by migration."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from markupsafe import Markup

from factories import migration
from schema_wiki.model import Action, Adr, Column, Event, Location, Table, Wiki
from schema_wiki.render import adr_titles
from schema_wiki.render.mentions import Mentions, migration_facts
from schema_wiki.render.table_history import table_history


def adr(adr_id: str, number: int | None, body: str, title: str = "Title") -> Adr:
    return Adr(
        id=adr_id,
        number=number,
        title=title,
        status="accepted",
        date=None,
        path=f"adrs/{adr_id}.md",
        body=body,
    )


@pytest.mark.parametrize(
    ("adr_id", "number", "heading", "label"),
    [
        ("0015-split-users-table", 15, "# ADR-015: Split users table", "ADR-015"),
        ("0013-migrate-legacy", 13, "# Migrate accounts", "ADR-0013"),
        ("0006-record-decisions", 6, "# 6. Record decisions", "ADR-0006"),
        ("adr-7", 7, "# Seven", "ADR-7"),
        ("record-decisions", 6, "# 6. Record decisions", "ADR-6"),
        ("20240410-use-log4brains", None, "# Use log4brains", "20240410-use-log4brains"),
    ],
)
def test_an_adr_is_named_with_its_number_as_written(
    adr_id: str, number: int | None, heading: str, label: str
) -> None:
    assert adr_titles.label(adr(adr_id, number, f"{heading}\n\nText.")) == label


def test_the_page_title_is_the_adrs_title_and_the_body_loses_its_heading() -> None:
    a = adr("0015-split", 15, "```\n# not a title\n```\n# ADR-015: Split\n\n## Status\n", "Split")
    assert adr_titles.page_title(a) == "ADR-015: Split"
    assert adr_titles.without_heading(a.body) == "```\n# not a title\n```\n\n## Status\n"
    assert adr_titles.page_title(adr("log", None, "# Use it", "Use it")) == "Use it"


def _wiki() -> Wiki:
    related = migration(
        "20240220150000",
        "create_mapping",
        header={"Migration": "Create mapping", "Date": "2024-02-20"},
    )
    legacy = migration(
        "20240215100000",
        "add_legacy_id",
        header={
            "Migration": "Add legacy_id",
            "Date": "2024-02-15",
            "Dependencies": "legacy_sync, see 20240220150000_create_mapping",
            "Related migrations": "20240220150000_create_mapping, 20990101000000_nowhere",
            "ADR": "0013, 0099",
        },
    )
    adrs = [
        adr("0013-legacy", 13, "# ADR-013: Legacy\n"),
        adr("0014-comments", 14, "# ADR-014: Comments\n"),
    ]
    return Wiki(
        tables=[],
        today=dt.date(2026, 6, 1),
        migrations=[legacy, related],
        adrs=adrs,
        migration_adrs={legacy.id: ["0013-legacy"]},
    )


def _url(page: str, anchor: str | None) -> str:
    return page + (f"#{anchor}" if anchor else "")


def test_ids_in_markdown_become_links_except_in_code_links_and_headings() -> None:
    mentions = Mentions(_wiki(), _url, source="adrs/0014-comments.md")
    line = mentions.markdown(
        "Superseded by ADR-013, not ADR-014 (itself) nor ADR-099; "
        "see 20240220150000_create_mapping and `20240215100000_add_legacy_id`."
    )
    assert "Superseded by [ADR-013](adrs/0013-legacy.md)," in line
    assert "ADR-014 (itself)" in line and "ADR-099;" in line
    assert "(migrations/20240220150000_create_mapping.md)" in line
    assert "[`20240215100000_add_legacy_id`](migrations/20240215100000_add_legacy_id.md)" in line
    untouched = "[ADR-013](elsewhere.md) and <a title='ADR-013'>"
    assert mentions.markdown(untouched) == untouched
    assert mentions.markdown("## ADR-013 in a heading") == "## ADR-013 in a heading"


def test_plain_text_is_escaped_around_its_links() -> None:
    mentions = Mentions(_wiki(), _url)
    out = mentions.inline("<b>x</b> after ADR-013 *done*")
    assert out == "&#60;b&#62;x&#60;/b&#62; after [ADR-013](adrs/0013-legacy.md) &#42;done&#42;"


def test_migration_facts_state_each_fact_once_with_links() -> None:
    wiki = _wiki()
    m = wiki.migrations[0]
    rows = dict(migration_facts(wiki, m, Mentions(wiki, _url), lambda i: Markup(f"<{i}>")))
    assert "Migration" not in rows and "ADR" not in rows
    assert list(rows)[:2] == ["Id", "File"]
    related = rows["Related migrations"]
    assert (
        "2024-02-20 &middot; Create mapping](migrations/20240220150000_create_mapping.md)"
        in related
    )
    assert html.unescape(related).endswith("<br>20990101000000_nowhere")  # unknown: text
    assert "(migrations/20240220150000_create_mapping.md)" in rows["Dependencies"]
    assert html.unescape(rows["Decisions"]) == "<0013-legacy><br>0099"  # 0099: no such ADR


def _event(mid: str, action: Action, day: int, **kw: str) -> Event:
    return Event(mid, action, dt.date(2024, 1, day), Location(f"migrations/{mid}.sql", 1), **kw)


def test_a_tables_history_tells_each_migration_once() -> None:
    def column(name: str, *events: Event, dropped: bool = False) -> Column:
        first = events[0].migration_id
        return Column(
            name, "text", True, None, None, 1, first, history=list(events), dropped=dropped
        )

    columns = [
        column(
            "email",
            _event("m1", Action.ADD_COLUMN, 1, detail="text"),
            _event("m1", Action.COMMENT_COLUMN, 1, detail="Login."),
        ),
        column(
            "handle",
            _event("m2", Action.ADD_COLUMN, 2, detail="varchar(50)"),
            _event("m3", Action.RENAME_COLUMN, 3, old_name="nick", new_name="handle"),
        ),
    ]
    bio = column(
        "bio",
        _event("m1", Action.ADD_COLUMN, 1, detail="text"),
        _event("m4", Action.DROP_COLUMN, 4),
        dropped=True,
    )
    history = [
        _event("m1", Action.CREATE_TABLE, 1),
        _event("m1", Action.COMMENT_TABLE, 1, detail="People."),
        _event("m3", Action.CREATE_INDEX, 3, detail="users_email_idx"),
    ]
    users = Table(
        "public", "users", "table", "People.", columns, history=history, dropped_columns=[bio]
    )
    rows = table_history(users, lambda n: Markup(f"[{n}]"), {}, {"m1": 0, "m2": 1, "m3": 2})
    assert [r.migration_id for r in rows] == ["m1", "m2", "m3", "m4"]
    assert (
        rows[0].changes == "**created** with [email], [bio]; **commented** the table and 1 column"
    )
    assert rows[1].changes == "**added** [handle] `character varying(50)`"
    assert rows[2].changes == (
        "**renamed** `nick` &rarr; `handle`; **index created** `users_email_idx`"
    )
    assert rows[3].changes == "**dropped** [bio]"
