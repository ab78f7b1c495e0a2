"""Every rule, one failing and one passing case each, run through `run_checks`.

Rules with a ``check`` of their own get a wiki built without a database;
rules the sources report get real files read by the real readers, so the
case proves the finding reaches the same machinery (levels, exclusions,
ignores) as every other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from checks_support import adr, check, of_rule, sql_migration, table, wiki_of
from factories import TODAY
from schema_wiki.checks import RULES, Context, run_checks
from schema_wiki.config import CoverageMin, RuleConfig, WikiConfig
from schema_wiki.join import drift
from schema_wiki.model import (
    Catalog,
    CatalogConstraint,
    CatalogIndex,
    Finding,
    Level,
)
from schema_wiki.pipeline import load
from schema_wiki.sources.adrs import load_adrs
from schema_wiki.sources.migrations import load_migrations

Case = Callable[[Path], list[Finding]]


def _drop_date(day: str, today: dt.date = TODAY) -> list[Finding]:
    m = sql_migration(
        "20240215000000",
        "ALTER TABLE users ADD COLUMN legacy_id text;\n",
        name="legacy",
    )
    header = m.files[0].sql.replace("-- Context:", f"-- Can drop after: {day}\n-- Context:")
    m = sql_migration("20240215000000", header, header=False, name="legacy")
    return check(wiki_of([m], [table("users", "id", "legacy_id")], today=today))


def _comments(table_comment: str | None, column_comment: str | None, **ctx: object) -> Case:
    def run(_: Path) -> list[Finding]:
        t = table("users", "id", comment=table_comment)
        t = type(t)(
            **{
                **t.__dict__,
                "columns": tuple(
                    type(c)(**{**c.__dict__, "comment": column_comment}) for c in t.columns
                ),
            }
        )
        return check(wiki_of([], [t]), **ctx)

    return run


def _headerless(_: Path) -> list[Finding]:
    return check(wiki_of([sql_migration("20240101000000", "SELECT 1;\n", header=False)]))


def _headed(_: Path) -> list[Finding]:
    return check(wiki_of([sql_migration("20240101000000", "SELECT 1;\n")]))


def _unsafe(sql: str) -> Case:
    def run(_: Path) -> list[Finding]:
        first = sql_migration("20240101000000", "CREATE TABLE users (id bigint, email text);\n")
        return check(wiki_of([first, sql_migration("20240201000000", sql)]))

    return run


def _index(valid: bool) -> Case:
    def run(_: Path) -> list[Finding]:
        index = CatalogIndex("idx_users_email", "CREATE INDEX ...", ("email",), valid=valid)
        return check(wiki_of([], [table("users", "email", indexes=(index,))]))

    return run


def _constraint(validated: bool) -> Case:
    def run(_: Path) -> list[Finding]:
        constraint = CatalogConstraint(
            "users_email_check", "check", "CHECK (email <> '')", ("email",), validated=validated
        )
        return check(wiki_of([], [table("users", "email", constraints=(constraint,))]))

    return run


def _standin(standins: tuple[str, ...]) -> Case:
    def run(_: Path) -> list[Finding]:
        first = sql_migration("20240101000000", 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n')
        wiki = wiki_of([first], [table("users", "id")])
        assert wiki.catalog is not None
        wiki = replace(wiki, catalog=replace(wiki.catalog, standins=standins))
        return check(wiki)

    return run


def _drift(same: bool) -> Case:
    def run(_: Path) -> list[Finding]:
        ours = Catalog((table("users", "id", "email"),))
        theirs = ours if same else Catalog((table("users", "id"),))
        found = drift.findings(drift.compare(ours, theirs), "production", "compare_with")
        return check(wiki_of([], ours.tables), extra=found)

    return run


def _reference(name: str) -> Case:
    def run(_: Path) -> list[Finding]:
        return check(wiki_of([], [table("users", "id")], [adr("0001-x", refs=[name])]))

    return run


def _header_date(day: str) -> Case:
    def run(tmp: Path) -> list[Finding]:
        (tmp / "migrations").mkdir()
        (tmp / "migrations" / "20240101000000_a.sql").write_text(
            f"-- Migration: a\n-- Date: {day}\n-- Author: A\n-- Context: c\nSELECT 1;\n"
        )
        migrations, found = load_migrations(tmp, tmp / "migrations")
        return check(wiki_of(migrations), extra=found)

    return run


def _adr_file(content: bytes) -> Case:
    def run(tmp: Path) -> list[Finding]:
        (tmp / "adrs").mkdir()
        (tmp / "adrs" / "0001-decision.md").write_bytes(content)
        adrs, found = load_adrs(tmp, tmp / "adrs")
        return check(wiki_of([], [], adrs), extra=found)

    return run


_GOOD_ADR = b"---\nstatus: accepted\ndate: 2024-01-01\n---\n# 1. Decision\n\nText.\n"


def _migration_bytes(data: bytes) -> Case:
    def run(tmp: Path) -> list[Finding]:
        (tmp / "migrations").mkdir()
        (tmp / "migrations" / "20240101000000_a.sql").write_bytes(data)
        migrations, found = load_migrations(tmp, tmp / "migrations")
        return check(wiki_of(migrations), extra=found)

    return run


_SQL = b"-- Migration: a\n-- Date: 2024-01-01\n-- Author: A\n-- Context: c\nSELECT 1;\n"


def _drizzle(journal: str, files: dict[str, str]) -> Case:
    def run(tmp: Path) -> list[Finding]:
        directory = tmp / "drizzle"
        (directory / "meta").mkdir(parents=True)
        (directory / "meta" / "_journal.json").write_text(journal)
        for name, sql in files.items():
            (directory / name).write_text(sql)
        migrations, found = load_migrations(tmp, directory, fmt="drizzle")
        return check(wiki_of(migrations), extra=found)

    return run


def _journal(*tags: str) -> str:
    entries = [
        {"idx": i, "version": "7", "when": 1704877200000 + i, "tag": t, "breakpoints": True}
        for i, t in enumerate(tags)
    ]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": entries})


def _sqitch(plan_line: str) -> Case:
    def run(tmp: Path) -> list[Finding]:
        (tmp / "deploy").mkdir()
        (tmp / "deploy" / "users.sql").write_text("CREATE TABLE users (id int);\n")
        (tmp / "sqitch.plan").write_text("%syntax-version=1.0.0\n%project=p\n\n" + plan_line + "\n")
        migrations, found = load_migrations(tmp, tmp, fmt="sqitch")
        return check(wiki_of(migrations), extra=found)

    return run


def _diesel(metadata: str) -> Case:
    def run(tmp: Path) -> list[Finding]:
        directory = tmp / "migrations" / "2024-01-01-000000_create_users"
        directory.mkdir(parents=True)
        (directory / "up.sql").write_text("CREATE TABLE users (id int);\n")
        (directory / "down.sql").write_text("DROP TABLE users;\n")
        (directory / "metadata.toml").write_text(metadata)
        migrations, found = load_migrations(tmp, tmp / "migrations", fmt="diesel")
        return check(wiki_of(migrations), extra=found)

    return run


def _ignore(sql: str) -> Case:
    def run(_: Path) -> list[Finding]:
        first = sql_migration("20240101000000", "CREATE TABLE users (id bigint);\n")
        return check(wiki_of([first, sql_migration("20240201000000", sql)]))

    return run


def _replay(sql: str) -> Case:
    """The real pipeline on a real throwaway PostgreSQL: a second migration ``sql``."""

    def run(tmp: Path) -> list[Finding]:
        migrations = tmp / "migrations"
        migrations.mkdir()
        (migrations / "20240101000000_users.sql").write_text(
            "CREATE TABLE users (id bigint);\n", encoding="utf-8"
        )
        (migrations / "20240201000000_more.sql").write_text(sql, encoding="utf-8")
        config = WikiConfig(root=tmp, migrations_dir=migrations, adrs_dir=tmp / "adrs")
        return list(load(config).findings)

    return run


def _live(sql: str) -> Case:
    """A project whose ``database:`` is a live database holding ``legacy``; the migrations
    replay (for the history) on a throwaway server that has no ``legacy``."""

    def run(tmp: Path) -> list[Finding]:
        from checks_support import _server
        from schema_wiki.config import WikiConfig
        from schema_wiki.pipeline import load

        server = _server()
        live = server.create_database(f"live_{abs(hash(str(tmp)))}")
        with psycopg.connect(live, autocommit=True) as conn:
            conn.execute("CREATE TABLE legacy (a int)")
        (tmp / "migrations").mkdir()
        (tmp / "migrations" / "20240101000000_a.sql").write_text(sql)
        config = WikiConfig(
            root=tmp,
            migrations_dir=tmp / "migrations",
            adrs_dir=tmp / "adrs",
            database=live,
            today=TODAY,
        )
        return list(load(config).findings)

    return run


_PLAN = "users 2024-01-11T10:00:00Z Marge <marge@example.com> # Users."


def _files(files: dict[str, str], directory: str = "migrations") -> Case:
    def run(tmp: Path) -> list[Finding]:
        for name, text in files.items():
            path = tmp / directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (tmp / directory).mkdir(exist_ok=True)
        migrations, found = load_migrations(tmp, tmp / directory)
        return check(wiki_of(migrations), extra=found)

    return run


def _drop_field(value: str) -> Case:
    sql = f"-- Migration: a\n-- Can drop after: {value}\nALTER TABLE t ADD x int;\n"
    return _files({"20240101000000_a.sql": sql})


_LIQUIBASE = "--liquibase formatted sql\n--changeset a:1 dbms:{dbms}\nSELECT 1;\n"


#: rule -> (a case that must report it, a case that must not)
def _owned(*tables: str) -> Case:
    def run(_: Path) -> list[Finding]:
        from schema_wiki.join.owners import parse_owners

        sql = "".join(f"ALTER TABLE {t} ADD COLUMN plan text;\n" for t in tables)
        m = sql_migration("20250301000000", sql, name="plans")
        owners = parse_owners({"public.*": "Team A", "public.invoices": "Team B"})
        return check(wiki_of([m], [table(t, "id", "plan") for t in tables]), owners=owners)

    return run


def _scheduled(when: str, **ctx: object) -> Case:
    def run(_: Path) -> list[Finding]:
        from schema_wiki.join.schedule import parse_freeze_windows

        m = sql_migration("20250301000000", "ALTER TABLE users ADD COLUMN plan text;\n")
        sql = m.files[0].sql.replace("-- Context:", f"-- When: {when}\n-- Context:")
        m = sql_migration("20250301000000", sql, header=False)
        windows = parse_freeze_windows(["Fri 12:00 - Mon 00:00"])
        return check(wiki_of([m], [table("users", "id", "plan")]), freeze_windows=windows)

    return run


def _edited(old: str, new: str, name: str = "m") -> Case:
    def run(_: Path) -> list[Finding]:
        from schema_wiki.checks.edited_migration import compare, digest

        def one(sql: str) -> object:
            m = sql_migration("20250301000000", sql, name=name)
            if name.startswith("R__"):
                path = f"migrations/{name}.sql"
                m = replace(m, version="R", path=path, files=(replace(m.files[0], path=path),))
            return m

        before, after = one(old), one(new)
        return list(compare([digest(before)], [after]))  # type: ignore[list-item, arg-type]

    return run


CASES: dict[str, tuple[Case, Case]] = {
    "migration-failed": (
        _replay("ALTER TABLE userz ADD COLUMN email text;\n"),
        _replay("ALTER TABLE users ADD COLUMN email text;\n"),
    ),
    "cross-team-change": (_owned("users", "invoices"), _owned("users", "sessions")),
    "freeze-window": (
        _scheduled("2026-03-06T15:00:00+00:00"),
        _scheduled("2026-03-05T15:00:00+00:00"),
    ),
    "invalid-schedule": (_scheduled("2026-03-06 15:00"), _scheduled("2026-03-06 15:00 UTC")),
    "edited-migration": (
        _edited("CREATE TABLE a (id int);\n", "CREATE TABLE a (id bigint);\n"),
        _edited("CREATE VIEW a AS SELECT 1;\n", "CREATE VIEW a AS SELECT 2;\n", "R__views"),
    ),
    "expired-column": (lambda _: _drop_date("2024-08-15"), lambda _: _drop_date("2031-01-01")),
    "expiring-column": (lambda _: _drop_date("2026-02-20"), lambda _: _drop_date("2026-06-20")),
    "undocumented-table": (_comments(None, "c"), _comments("Users.", "c")),
    "undocumented-column": (_comments("t", "  "), _comments("t", "The id.")),
    "low-coverage": (
        _comments("t", None, coverage_min=CoverageMin(tables=50, columns=50)),
        _comments("t", None, coverage_min=CoverageMin(tables=50, columns=0)),
    ),
    "missing-header-field": (_headerless, _headed),
    "unsafe-migration": (
        _unsafe("CREATE INDEX idx_users_email ON users (email);\n"),
        _unsafe("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n"),
    ),
    "invalid-index": (_index(valid=False), _index(valid=True)),
    "unvalidated-constraint": (_constraint(validated=False), _constraint(validated=True)),
    "schema-drift": (_drift(same=False), _drift(same=True)),
    "standin-extension": (_standin(("uuid-ossp",)), _standin(())),
    "dangling-reference": (_reference("userz.id"), _reference("users.id")),
    "invalid-date": (_header_date("2024-02-30"), _header_date("2024-02-29")),
    "invalid-status": (
        _adr_file(_GOOD_ADR.replace(b"accepted", b"done")),
        _adr_file(_GOOD_ADR),
    ),
    "invalid-front-matter": (
        _adr_file(_GOOD_ADR.replace(b"status: accepted", b"status: [accepted")),
        _adr_file(_GOOD_ADR),
    ),
    "invalid-file": (_adr_file(_GOOD_ADR + b"caf\xe9\n"), _adr_file(_GOOD_ADR + "café\n".encode())),
    "unreadable-migration": (
        _migration_bytes(_SQL + b"-- caf\xe9\n"),
        _migration_bytes(_SQL + "-- café\n".encode()),
    ),
    "invalid-journal": (
        _drizzle("{not json", {}),
        _drizzle(_journal("0000_a"), {"0000_a.sql": "CREATE TABLE a (id int);"}),
    ),
    "missing-migration": (
        _drizzle(_journal("0000_a"), {}),
        _drizzle(_journal("0000_a"), {"0000_a.sql": "CREATE TABLE a (id int);"}),
    ),
    "migration-not-in-journal": (
        _drizzle(_journal(), {"0000_a.sql": "CREATE TABLE a (id int);"}),
        _drizzle(_journal("0000_a"), {"0000_a.sql": "CREATE TABLE a (id int);"}),
    ),
    "invalid-plan": (_sqitch("users on a tuesday"), _sqitch(_PLAN)),
    "incomplete-history": (
        _live("ALTER TABLE legacy ADD COLUMN b int;\n"),
        _live("CREATE TABLE legacy (a int);\n"),
    ),
    "invalid-metadata": (
        _diesel("run_in_transaction = \n"),
        _diesel("run_in_transaction = false\n"),
    ),
    "invalid-drop-date": (_drop_field("15/08/2024"), _drop_field("15 August 2024")),
    "unrecognised-file": (
        _files({"20240101_a.sql": "SELECT 1;", "schema.sql": "SELECT 2;"}),
        _files({"20240101_a.sql": "SELECT 1;", "20240102_schema.sql": "SELECT 2;"}),
    ),
    "no-migrations": (_files({"schema.sql": "SELECT 1;"}), _files({})),
    "shared-version": (
        _files({"20240215_a.sql": "SELECT 1;", "20240215_b/001_x.sql": "SELECT 2;"}),
        _files({"20240215_a.sql": "SELECT 1;", "20240216_b/001_x.sql": "SELECT 2;"}),
    ),
    "skipped-migration": (
        _files({"changes.sql": _LIQUIBASE.format(dbms="oracle")}),
        _files({"changes.sql": _LIQUIBASE.format(dbms="postgresql,oracle")}),
    ),
    "unused-ignore": (
        _ignore(
            "-- schema-wiki: ignore unsafe-migration small table\n"
            "CREATE INDEX CONCURRENTLY idx ON users (id);\n"
        ),
        _ignore(
            "-- schema-wiki: ignore unsafe-migration small table\nCREATE INDEX idx ON users (id);\n"
        ),
    ),
}


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    assert set(CASES) == {r.name for r in RULES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_fails(name: str, tmp_path: Path) -> None:
    failing, _ = CASES[name]
    found = of_rule(failing(tmp_path), name)
    assert found, f"{name} found nothing in its failing case"
    assert all(f.message for f in found)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_passes(name: str, tmp_path: Path) -> None:
    _, passing = CASES[name]
    found = passing(tmp_path)
    assert of_rule(found, name) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_rule_obeys_its_configured_level(name: str, tmp_path: Path) -> None:
    """Whoever reports a finding, ``checks: {rule: level}`` applies to it."""
    failing, _ = CASES[name]
    raw = of_rule(failing(tmp_path), name)
    assert raw
    wiki = wiki_of()
    assert (
        of_rule(run_checks(wiki, {name: RuleConfig(level=Level.IGNORE)}, extra=raw).findings, name)
        == []
    )
    as_info = of_rule(
        run_checks(wiki, {name: RuleConfig(level=Level.INFO)}, extra=raw).findings, name
    )
    assert as_info and {f.level for f in as_info} == {Level.INFO}


def test_every_rule_is_documented() -> None:
    for rule in RULES:
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert "**Problem.**" in rule.doc and "**Fix.**" in rule.doc, rule.name
        assert rule.summary.endswith("."), rule.name


def test_source_rules_say_who_reports_them() -> None:
    with_check = {
        "migration-failed",
        "expired-column",
        "expiring-column",
        "undocumented-table",
        "undocumented-column",
        "low-coverage",
        "missing-header-field",
        "unsafe-migration",
        "invalid-index",
        "unvalidated-constraint",
        "standin-extension",
        "cross-team-change",
        "freeze-window",
        "invalid-schedule",
    }
    for rule in RULES:
        if rule.name in with_check:
            assert rule.reported_by is None, rule.name
        else:
            assert rule.reported_by, rule.name
            assert list(rule.check(wiki_of(), Context())) == []


# --- details of single rules -----------------------------------------------------------


def test_expired_column_names_column_date_and_header_line() -> None:
    [f] = of_rule(_drop_date("2024-08-15"), "expired-column")
    assert f.level == Level.ERROR
    assert f.target == "public.users.legacy_id"
    assert "2024-08-15" in f.message
    assert f.location is not None and f.location.path.endswith("_legacy.sql")
    assert f.location.line == 5  # the Can drop after line of the header


def test_standin_extension_points_at_its_create_extension() -> None:
    [f] = of_rule(_standin(("uuid-ossp",))(Path()), "standin-extension")
    assert f.level == Level.INFO
    assert f.target == "20240101000000_m20240101000000"
    assert f.location is not None and f.location.line == 8  # after the 7-line header
    assert "uuid-ossp was replaced by schema-wiki's stand-in" in f.message
    assert "postgres_bin" in f.message


def test_expiring_column_follows_warn_days() -> None:
    m = _drop_date("2026-03-31")
    assert of_rule(m, "expiring-column") == []  # 59 days away, warn_days 30
    wiki_findings = _drop_date("2026-03-31")
    assert not of_rule(wiki_findings, "expiring-column")
    first = sql_migration(
        "20240215000000",
        "-- Can drop after: 2026-03-31\nALTER TABLE users ADD COLUMN legacy_id text;\n",
        header=False,
    )
    wiki = wiki_of([first], [table("users", "legacy_id")])
    assert of_rule(check(wiki, warn_days=60), "expiring-column")
    assert not of_rule(check(wiki, warn_days=58), "expiring-column")


def test_missing_header_field_lists_what_is_missing_and_follows_the_option() -> None:
    partial = sql_migration(
        "20240101000000", "-- Migration: x\n-- Date: 2024-01-01\nSELECT 1;\n", header=False
    )
    wiki = wiki_of([partial])
    [f] = of_rule(check(wiki), "missing-header-field")
    assert "Author, Context" in f.message
    assert f.target == partial.id
    assert str(f.location) == f"{partial.files[0].path}:1"
    assert of_rule(check(wiki, required_header_fields=()), "missing-header-field") == []
    [g] = of_rule(check(wiki, required_header_fields=("ticket",)), "missing-header-field")
    assert "ticket" in g.message
    # A field that is present but empty counts as missing.
    empty = sql_migration(
        "20240101000000", "-- Migration: x\n-- Author:\nSELECT 1;\n", header=False
    )
    [h] = of_rule(
        check(wiki_of([empty]), required_header_fields=("Author",)), "missing-header-field"
    )
    assert "Author" in h.message


def test_invalid_index_points_at_the_migration_that_made_it() -> None:
    m = sql_migration(
        "20240101000000",
        "CREATE TABLE users (email text);\n"
        "CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n",
    )
    index = CatalogIndex("idx_users_email", "CREATE INDEX ...", ("email",), valid=False)
    wiki = wiki_of([m], [table("users", "email", indexes=(index,))])
    [f] = of_rule(check(wiki), "invalid-index")
    assert f.level == Level.ERROR
    assert f.target == "public.users"
    assert "idx_users_email" in f.message and "REINDEX" in f.message
    assert f.location is not None and f.location.path == m.path
    assert f.location.line == m.statements[1].location.line


def test_low_coverage_is_per_schema_and_rounds_down() -> None:
    tables = [
        table("a", "x", "y", "z", schema="app"),
        table("b", "x", schema="audit", comment=None),
    ]
    tables[0] = type(tables[0])(
        **{
            **tables[0].__dict__,
            "columns": tuple(
                type(c)(**{**c.__dict__, "comment": None if c.name == "z" else "c"})
                for c in tables[0].columns
            ),
        }
    )
    wiki = wiki_of([], tables)
    found = of_rule(check(wiki, coverage_min=CoverageMin(tables=100, columns=66.7)), "low-coverage")
    # app: 2 of 3 columns = 66.66 % < 66.7; audit: 0 of 1 tables.
    assert sorted((f.target, "66.6%" in f.message) for f in found) == [
        ("app", True),
        ("audit", False),
    ]
    excluded = check(
        wiki,
        {"low-coverage": RuleConfig(exclude=("audit",))},
        coverage_min=CoverageMin(tables=100, columns=0),
    )
    assert of_rule(excluded, "low-coverage") == []


def test_unknown_rule_in_settings_is_a_config_error() -> None:
    from schema_wiki.errors import ConfigError

    with pytest.raises(ConfigError, match="did you mean 'expired-column'"):
        run_checks(wiki_of(), {"expird-column": RuleConfig(level=Level.ERROR)})


def test_exclusion_patterns_match_targets_and_file_paths() -> None:
    first = sql_migration("20230101000000", "CREATE TABLE users (id bigint, email text);\n")
    old = sql_migration("20230601000000", "CREATE INDEX a ON users (email);\n")
    new = sql_migration("20240601000000", "CREATE INDEX b ON users (email);\n")
    wiki = wiki_of([first, old, new])
    settings = {"unsafe-migration": RuleConfig(exclude=("migrations/2023*",))}
    [f] = of_rule(check(wiki, settings), "unsafe-migration")
    assert f.location is not None and f.location.path == new.path
    by_table = {"unsafe-migration": RuleConfig(exclude=("users",))}
    assert of_rule(check(wiki, by_table), "unsafe-migration") == []


def test_findings_come_most_serious_first() -> None:
    found = run_checks(
        wiki_of(),
        extra=[
            Finding("invalid-date", Level.WARNING, "a", "w", None),
            Finding("invalid-file", Level.ERROR, "b", "e", None),
        ],
    ).findings
    assert [f.level for f in found] == [Level.ERROR, Level.WARNING]


def test_catalog_rules_need_a_catalog() -> None:
    wiki = replace(wiki_of(), catalog=None)
    assert check(wiki) == []
