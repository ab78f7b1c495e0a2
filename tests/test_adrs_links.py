"""ADRs joined to each other and to the schema: relations both ways, cycles, dangling names,
links to tables, columns, dropped columns and migrations, and the pages that show them."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from checks_support import with_witness
from factories import TODAY, catalog, change, migration
from schema_wiki.join.adr_links import find_adr, link_relations, supersession_cycles
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import Action, Adr, Finding, Wiki
from schema_wiki.render import render_pages
from schema_wiki.sources.adrs import load_adrs, parse_adr

FIXTURES = Path(__file__).parent / "fixtures" / "adrs"


def adr(rel: str, text: str) -> Adr:
    parsed, findings = parse_adr(text.encode(), rel, rel.rsplit("/", 1)[-1].removesuffix(".md"))
    assert parsed is not None and not findings, findings
    return parsed


def relations(a: Adr) -> list[tuple[str, str | None, bool]]:
    return [(r.kind.value, r.adr_id, r.stated) for r in a.relations]


def dangling(findings: Iterable[Finding], under: str = "") -> list[tuple[str, str]]:
    return sorted(
        (str(f.location), f.message)
        for f in findings
        if f.rule == "dangling-reference" and str(f.location).startswith(under)
    )


def pages(wiki: Wiki) -> dict[str, str]:
    """Rendered Markdown with entities decoded, so assertions read like the page."""
    return {path: html.unescape(text) for path, text in render_pages(wiki).items()}


# --- relations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stated_in_a", "kind_on_a", "kind_on_b"),
    [
        ('---\nstatus: accepted\nsupersedes: ["0002"]\n---\n# A\n', "supersedes", "superseded by"),
        ("# 1. A\n\n## Status\n\nAccepted\n\nSupersedes [2. B](0002-b.md)\n", "supersedes",
         "superseded by"),
        ("---\nsuperseded-by: ADR-0002\n---\n# A\n", "superseded by", "supersedes"),
        ("# 1. A\n\n## Status\n\nSuperseded by [2. B](0002-b.md)\n", "superseded by",
         "supersedes"),
        ("---\namends: [2]\n---\n# A\n", "amends", "amended by"),
        ("# 1. A\n\n## Status\n\nAccepted\n\nAmended by [2. B](0002-b.md)\n", "amended by",
         "amends"),
        ("---\nrelates-to: [0002-b.md]\n---\n# A\n", "relates to", "relates to"),
        ("# A\n\n* Status: accepted\n\n## Links\n\n* Related to [ADR-0002](0002-b.md)\n",
         "relates to", "relates to"),
    ],
)  # fmt: skip
def test_each_relation_shows_on_both_adrs(stated_in_a: str, kind_on_a: str, kind_on_b: str) -> None:
    a = adr("adrs/0001-a.md", stated_in_a)
    b = adr("adrs/0002-b.md", "---\nstatus: accepted\n---\n# B\n")
    (a2, b2), findings = link_relations([a, b])
    assert findings == []
    assert relations(a2) == [(kind_on_a, "0002-b", True)]
    assert relations(b2) == [(kind_on_b, "0001-a", False)]
    # The inferred side points at the line that states it.
    assert b2.relations[0].location == a.relations[0].location


def test_superseded_adr_is_shown_as_superseded_even_if_its_file_says_accepted() -> None:
    old = adr("adrs/0012-old.md", "---\nstatus: accepted\n---\n# Old\n")
    new = adr("adrs/0014-new.md", '---\nstatus: accepted\nsupersedes: ["0012"]\n---\n# New\n')
    (old2, new2), _ = link_relations([old, new])
    assert (old2.status, old2.stated_status) == ("superseded", "accepted")
    assert (new2.status, new2.stated_status) == ("accepted", None)


def test_a_proposed_successor_does_not_supersede_yet() -> None:
    old = adr("adrs/0012-old.md", "---\nstatus: accepted\n---\n# Old\n")
    new = adr("adrs/0014-new.md", '---\nstatus: proposed\nsupersedes: ["0012"]\n---\n# New\n')
    (old2, _new2), _ = link_relations([old, new])
    assert old2.status == "accepted"
    assert relations(old2) == [("superseded by", "0014-new", False)]


def test_both_sides_stated_gives_one_relation_each() -> None:
    a = adr("adrs/0006-a.md", "# 6. A\n\n## Status\n\nSuperseded by [7. B](0007-b.md)\n")
    b = adr("adrs/0007-b.md", "# 7. B\n\n## Status\n\nAccepted\n\nSupersedes [6. A](0006-a.md)\n")
    (a2, b2), findings = link_relations([a, b])
    assert findings == []
    assert relations(a2) == [("superseded by", "0007-b", True)]
    assert relations(b2) == [("supersedes", "0006-a", True)]


def test_relation_to_a_missing_adr_is_dangling_with_file_and_line() -> None:
    a = adr(
        "adrs/0001-a.md", "---\nstatus: accepted\nsupersedes:\n  - '0002'\n  - '0099'\n---\n# A\n"
    )
    b = adr("adrs/0002-b.md", "# 2. B\n\n## Status\n\nAmends [9. Gone](0009-gone.md)\n")
    (a2, _b2), findings = link_relations([a, b])
    fix = "which names no ADR; fix the number or file name"
    assert dangling(findings) == [
        ("adrs/0001-a.md:5", f"ADR-0001 supersedes '0099', {fix}"),
        ("adrs/0002-b.md:5", f"ADR-0002 amends '0009-gone.md', {fix}"),
    ]
    # The page still shows what was written.
    assert relations(a2) == [("supersedes", "0002-b", True), ("supersedes", None, True)]


def test_supersession_cycle_is_a_dangling_reference_and_changes_no_status() -> None:
    a = adr("adrs/0001-a.md", '---\nstatus: accepted\nsupersedes: ["0002"]\n---\n# A\n')
    b = adr("adrs/0002-b.md", '---\nstatus: accepted\nsupersedes: ["0003"]\n---\n# B\n')
    c = adr("adrs/0003-c.md", "# 3. C\n\n## Status\n\nAccepted\n\nSupersedes ADR-0001\n")
    d = adr("adrs/0004-d.md", '---\nstatus: accepted\nsupersedes: ["0003"]\n---\n# D\n')
    linked, findings = link_relations([a, b, c, d])
    assert dangling(findings) == [
        (
            "adrs/0001-a.md:3",
            "supersession cycle: ADR-0001 supersedes ADR-0002 supersedes ADR-0003"
            " supersedes ADR-0001; remove the relation that is wrong",
        )
    ]
    assert [x.status for x in linked] == ["accepted"] * 4


def test_an_adr_that_supersedes_itself_is_a_cycle() -> None:
    a = adr("adrs/0001-a.md", '---\nstatus: accepted\nsupersedes: ["0001"]\n---\n# A\n')
    _, findings = link_relations([a])
    assert [f.message.split(";")[0] for f in findings] == [
        "supersession cycle: ADR-0001 supersedes ADR-0001"
    ]


def test_cycles_found_in_a_graph() -> None:
    assert supersession_cycles([("a", "b"), ("b", "c")]) == []
    assert supersession_cycles([("a", "b"), ("b", "a"), ("c", "c"), ("c", "d")]) == [
        ["a", "b"],
        ["c"],
    ] or supersession_cycles([("a", "b"), ("b", "a"), ("c", "c"), ("c", "d")]) == [
        ["c"],
        ["a", "b"],
    ]
    chain = [(str(i), str(i + 1)) for i in range(5000)]
    assert supersession_cycles(chain) == []  # no recursion limit on long histories


def test_find_adr_by_number_id_and_relative_path() -> None:
    adrs, _ = load_adrs(FIXTURES, FIXTURES / "formats")
    madr2 = next(a for a in adrs if a.number == 2)
    assert find_adr(adrs, madr2, "../madr/0005-split-users-table.md").number == 5  # type: ignore[union-attr]
    assert find_adr(adrs, None, "ADR-007").number == 7  # type: ignore[union-attr]
    assert find_adr(adrs, None, "20240410-use-log4brains") is not None
    assert find_adr(adrs, None, "0003") is None


def test_formats_fixture_relations_resolve_across_directories() -> None:
    adrs, _ = load_adrs(FIXTURES, FIXTURES / "formats")
    linked, findings = link_relations(adrs)
    assert findings == []
    by_number = {a.number: a for a in linked}
    assert relations(by_number[5]) == [
        ("supersedes", "0002-keep-users-small", False),
        ("amends", "0004-comment-on-everything", True),
    ]
    assert relations(by_number[4]) == [("amended by", "0005-split-users-table", False)]
    assert relations(by_number[7]) == [
        ("supersedes", "0006-record-architecture-decisions", True),
        ("amended by", "0008-number-adrs-from-the-file-name", True),
    ]
    assert relations(by_number[8]) == [("amends", "0007-record-decisions-with-madr", True)]


# --- links to the schema -----------------------------------------------------------------


def schema_wiki(*adrs: Adr) -> Wiki:
    """users (id, email), user_profiles (user_id, bio); users.legacy_id added then dropped,
    table legacy_map created then dropped; a directory migration and an ``ADR: 0015`` header."""
    migrations = [
        migration(
            "20240110090000",
            "create_users",
            change(Action.CREATE_TABLE, "users"),
            change(Action.ADD_COLUMN, "users", "id", detail="bigint"),
            change(Action.ADD_COLUMN, "users", "email", detail="text"),
        ),
        migration(
            "20240215100000",
            "add_legacy_id",
            change(Action.ADD_COLUMN, "users", "legacy_id", detail="varchar(50)"),
            change(Action.CREATE_TABLE, "legacy_map"),
            change(Action.ADD_COLUMN, "legacy_map", "legacy_id", detail="text"),
        ),
        migration(
            "20240215",
            "split_users_table",
            change(Action.CREATE_TABLE, "user_profiles"),
            change(Action.ADD_COLUMN, "user_profiles", "user_id", detail="bigint"),
            change(Action.ADD_COLUMN, "user_profiles", "bio", detail="text"),
        ),
        migration(
            "20240820140000",
            "drop_legacy",
            change(Action.DROP_COLUMN, "users", "legacy_id"),
            change(Action.DROP_TABLE, "legacy_map"),
            header={"ADR": "0015"},
        ),
    ]
    cat = catalog(
        ("users", [("id", "bigint", None), ("email", "text", "Login")]),
        ("user_profiles", [("user_id", "bigint", None), ("bio", "text", None)]),
    )
    return build_wiki(migrations, list(adrs), with_witness(migrations, cat), TODAY)


SEED = (FIXTURES / "seed" / "ADR-015.md").read_text()


def test_front_matter_backticks_and_table_page_links_reach_tables_and_columns() -> None:
    a = adr(
        "adrs/0015-split.md",
        "---\nstatus: accepted\ntables: [users]\ncolumns: [user_profiles.bio]\n---\n"
        "# Split\n\nWe keep `users.email`; see [the profile](../schema/public/user_profiles.md"
        "#column-user_id).\n",
    )
    wiki = schema_wiki(a)
    assert dangling(wiki.findings, "adrs/") == []
    users, profiles = wiki.table("public", "users"), wiki.table("public", "user_profiles")
    assert users is not None and profiles is not None
    assert users.adrs == ("0015-split",) and profiles.adrs == ("0015-split",)
    assert users.column("email").adrs == ("0015-split",)  # type: ignore[union-attr]
    assert profiles.column("bio").adrs == ("0015-split",)  # type: ignore[union-attr]
    assert profiles.column("user_id").adrs == ("0015-split",)  # type: ignore[union-attr]
    assert users.column("id").adrs == ()  # type: ignore[union-attr]


def test_reference_to_a_dropped_column_or_table_links_to_its_history() -> None:
    a = adr(
        "adrs/0013-legacy.md",
        "---\ncolumns: [users.legacy_id, legacy_map.legacy_id]\n---\n# Legacy\n",
    )
    wiki = schema_wiki(a)
    assert dangling(wiki.findings, "adrs/") == []
    users = wiki.table("public", "users")
    assert users is not None
    dropped = next(c for c in users.dropped_columns if c.name == "legacy_id")
    assert dropped.adrs == ("0013-legacy",)
    gone = next(t for t in wiki.dropped_tables if t.name == "legacy_map")
    assert gone.adrs == ("0013-legacy",)
    page = pages(wiki)["adrs/0013-legacy.md"]
    assert "(../schema/public/users.md#column-legacy_id)" in page
    assert "(../schema/dropped/public/legacy_map.md#column-legacy_id)" in page


def test_reference_to_something_that_never_existed_is_dangling_with_line() -> None:
    a = adr(
        "adrs/0015-split.md",
        "---\ntables: [users, ghosts]\ncolumns:\n  - users.phone\n---\n# Split\n\n"
        "Body: `users.nickname` is new, `config.yml` is not a column,\n"
        "and [a page](../schema/public/phantoms.md) that never was.\n",
    )
    wiki = schema_wiki(a)
    found = dangling(wiki.findings, "adrs/")
    assert [loc for loc, _ in found] == [
        "adrs/0015-split.md:2",  # ghosts
        "adrs/0015-split.md:4",  # users.phone
        "adrs/0015-split.md:8",  # `users.nickname`: the table is known
        "adrs/0015-split.md:9",  # the link to a table page
    ]
    assert all("names no table or column" in message for _, message in found)


def test_migration_header_adr_links_both_ways() -> None:
    wiki = schema_wiki(adr("adrs/0015-split.md", SEED))
    assert wiki.migration_adrs["20240820140000_drop_legacy"] == ("0015-split",)
    assert "20240820140000_drop_legacy" in wiki.adr_migrations["0015-split"]
    out = pages(wiki)
    assert "(../adrs/0015-split.md)" in out["migrations/20240820140000_drop_legacy.md"]
    assert "(../migrations/20240820140000_drop_legacy.md)" in out["adrs/0015-split.md"]


def test_migration_header_naming_a_missing_adr_is_dangling() -> None:
    wiki = schema_wiki()  # no ADR 15
    assert dangling(wiki.findings) == [
        ("migrations/20240820140000_drop_legacy.sql:1",
         "ADR '0015' does not exist; check the number in adrs/"),
    ]  # fmt: skip


def test_seed_adr_migration_plan_links_to_the_migration_directory() -> None:
    wiki = schema_wiki(adr("adrs/ADR-015.md", SEED))
    # "See: migrations/20240215_split_users_table/PLAN.md"
    assert wiki.migration_adrs["20240215_split_users_table"] == ("ADR-015",)
    assert set(wiki.adr_migrations["ADR-015"]) == {
        "20240215_split_users_table",
        "20240820140000_drop_legacy",
    }


def test_pages_show_the_links_both_ways_with_status() -> None:
    old = adr("adrs/0012-old.md", "---\nstatus: accepted\ntables: [users]\n---\n# Old way\n")
    new = adr(
        "adrs/0014-new.md",
        '---\nstatus: accepted\nsupersedes: ["0012"]\ncolumns: [users.email]\n---\n# New way\n',
    )
    out = pages(schema_wiki(old, new))
    old_page, new_page = out["adrs/0012-old.md"], out["adrs/0014-new.md"]
    assert "This decision is superseded by [ADR-0014: New way](0014-new.md)." in old_page
    assert "Its file still says `accepted`" in old_page
    assert "**Supersedes:** [ADR-0012: Old way](0012-old.md)" in new_page
    assert "[`users.email`](../schema/public/users.md#column-email)" in new_page
    table = out["schema/public/users.md"]
    assert "[ADR-0014: New way](../../adrs/0014-new.md)" in table
    assert "[ADR-0012: Old way](../../adrs/0012-old.md)" in table
    assert 'sw-badge--muted">superseded</span>' in table  # the old ADR, with its status
    log = out["adrs/index.md"]
    assert 'sw-adr-status--superseded">superseded</span> by [ADR-0012]' not in log
    assert 'sw-adr-status--superseded">superseded</span> by [ADR-0014](0014-new.md)' in log


def test_findings_show_on_the_adr_page() -> None:
    a = adr("adrs/0015-split.md", '---\nsupersedes: ["0099"]\ncolumns: [users.phone]\n---\n# S\n')
    page = pages(schema_wiki(a))["adrs/0015-split.md"]
    assert page.count('!!! warning "dangling-reference"') == 2
    assert "(`adrs/0015-split.md:2`)" in page and "(`adrs/0015-split.md:3`)" in page


def test_decision_log_has_filter_rows_and_timeline() -> None:
    adrs, _ = load_adrs(FIXTURES, FIXTURES / "formats")
    log = pages(schema_wiki(*adrs))["adrs/index.md"]
    assert '<input type="radio" name="sw-adr-status" id="sw-adr-show-all" checked>' in log
    for status in ("accepted", "superseded", "proposed"):
        assert f'id="sw-adr-show-{status}"' in log
        assert f":has(#sw-adr-show-{status}:checked)" in log
    rows = [line for line in log.splitlines() if line.startswith("| [ADR-")]
    assert len(rows) == 7  # the two log4brains ADRs have no number: labelled by id
    assert "| [20240410-use-log4brains](20240410-use-log4brains.md) |" in log
    assert "| [ADR-0005](0005-split-users-table.md) | Split users table into users and" in log
    assert "[`users`](../schema/public/users.md), [`user_profiles`]" in log
    assert "## Timeline" in log and "### 2017" in log and "### 2024" in log
    assert log.index("### 2017") < log.index("### 2024")
    assert "### undated" in log  # madr2/0002 has a placeholder date


def test_an_unreadable_adr_still_has_a_page_that_says_why() -> None:
    broken, findings = parse_adr(b"# Bad\n\n\xff title\n", "adrs/0003-bad.md", "0003-bad")
    assert broken is not None and [f.rule for f in findings] == ["invalid-file"]
    wiki = schema_wiki(broken)
    wiki = replace(wiki, findings=(*wiki.findings, *findings))
    page = pages(wiki)["adrs/0003-bad.md"]
    assert '!!! failure "This ADR cannot be read"' in page
    assert "not valid UTF-8 (byte 7); save the file as UTF-8" in page
    assert "(`adrs/0003-bad.md:3`)" in page  # the finding, with its line
