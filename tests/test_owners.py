"""Ownership: ``owners:`` patterns and CODEOWNERS-style files, on pages and in the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks_support import check, of_rule, sql_migration, table, wiki_of
from schema_wiki.errors import ConfigError
from schema_wiki.join.owners import OwnerRule, owner_of, owners_of, parse_owners, read_owners_file
from schema_wiki.render import RenderOptions, render_pages

RULES = parse_owners(
    {
        "public.*": "User Service (Team A)",
        "public.invoices": "Billing (Team B)",
        "invoice_*": "Billing (Team B)",
        "*.audit_log": "Security",
        "analytics.*": "Analytics (Team C)",
    }
)


@pytest.mark.parametrize(
    ("schema", "name", "owner"),
    [
        ("public", "users", "User Service (Team A)"),
        # exact beats any wildcard, whatever the order
        ("public", "invoices", "Billing (Team B)"),
        # a qualified glob beats an unqualified one ... when it has as many literals
        ("public", "invoice_lines", "User Service (Team A)"),
        ("billing", "invoice_lines", "Billing (Team B)"),
        # more literal characters win between globs
        ("public", "audit_log", "Security"),
        ("analytics", "events", "Analytics (Team C)"),
        ("other", "things", None),
    ],
)
def test_the_most_specific_pattern_wins(schema: str, name: str, owner: str | None) -> None:
    assert owner_of(RULES, schema, name) == owner


def test_ties_go_to_the_later_rule_like_codeowners() -> None:
    rules = (OwnerRule("public.*", "A"), OwnerRule("public.*", "B"))
    assert owner_of(rules, "public", "x") == "B"


def test_owners_of_lists_each_owner_once_in_order() -> None:
    tables = [("public", "users"), ("public", "invoices"), ("public", "sessions")]
    assert owners_of(RULES, tables) == ["User Service (Team A)", "Billing (Team B)"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["public.*"], "expected a mapping"),
        ({"public.*": ""}, "name the owner"),
        ({"": "A"}, "is not a table pattern"),
    ],
)
def test_bad_owners_are_configuration_errors(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_owners(raw)


def test_a_codeowners_style_file(tmp_path: Path) -> None:
    path = tmp_path / "OWNERS"
    path.write_text(
        "# who owns which tables\n"
        "public.*          @acme/users   # the default\n"
        "public.invoices   Billing (Team B)\n"
        "\n"
    )
    file_rules = read_owners_file(path, "OWNERS")
    assert file_rules[1] == OwnerRule("public.invoices", "Billing (Team B)", "OWNERS:3")
    # mkdocs.yml's entries come after the file's: they win a tie
    rules = parse_owners({"public.*": "Users (Team A)"}, file_rules)
    assert owner_of(rules, "public", "users") == "Users (Team A)"
    assert owner_of(rules, "public", "invoices") == "Billing (Team B)"


def test_a_file_line_without_owner_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "OWNERS"
    path.write_text("public.*\n")
    with pytest.raises(ConfigError, match=r"OWNERS:1: 'public\.\*' names no owner"):
        read_owners_file(path, "OWNERS")
    with pytest.raises(ConfigError, match="does not exist"):
        read_owners_file(tmp_path / "missing", "missing")


def test_owners_show_on_the_table_page_and_the_schema_index() -> None:
    wiki = wiki_of([], [table("users", "id"), table("invoices", "id")])
    pages = render_pages(wiki, RenderOptions(owners=RULES))
    assert "| Owner | Billing (Team B) |" in pages["schema/public/invoices.md"]
    assert "| Owner | User Service (Team A) |" in pages["schema/public/users.md"]
    index = pages["schema/index.md"]
    # All are tables: no Kind column (browse leaves out columns alike for every row).
    assert "| Table | Owner | Columns |" in index
    assert "Billing (Team B)" in index
    # without owners: no column, no row
    plain = render_pages(wiki, RenderOptions())
    assert "Owner" not in plain["schema/index.md"]
    assert "| Owner |" not in plain["schema/public/users.md"]


def test_cross_team_change_names_every_owner() -> None:
    migration = sql_migration(
        "20250301000000",
        "ALTER TABLE users ADD COLUMN plan text;\nALTER TABLE invoices ADD COLUMN plan text;\n",
        name="plans",
    )
    wiki = wiki_of([migration], [table("users", "id", "plan"), table("invoices", "id", "plan")])
    found = of_rule(check(wiki, owners=RULES), "cross-team-change")
    assert len(found) == 1
    assert found[0].target == migration.id
    assert "User Service (Team A): public.users" in found[0].message
    assert "Billing (Team B): public.invoices" in found[0].message
    # one owner: nothing; no owners configured: nothing
    alone = wiki_of(
        [sql_migration("20250301000000", "ALTER TABLE users ADD COLUMN plan text;\n")],
        [table("users", "id", "plan")],
    )
    assert of_rule(check(alone, owners=RULES), "cross-team-change") == []
    assert of_rule(check(wiki), "cross-team-change") == []
