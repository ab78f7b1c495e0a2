"""Builders for the checks' tests: migrations from real SQL text, wikis whose history a real
PostgreSQL recorded."""

from __future__ import annotations

import atexit
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence

import psycopg

from factories import TODAY
from schema_wiki.checks import Checked, Context, run_checks
from schema_wiki.config import RuleConfig
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import (
    Action,
    Adr,
    Catalog,
    CatalogColumn,
    CatalogTable,
    Finding,
    Location,
    Migration,
    MigrationFile,
    SchemaRef,
    Wiki,
)
from schema_wiki.replay.apply import apply_migrations
from schema_wiki.replay.pgserver import ThrowawayPostgres
from schema_wiki.replay.record import Witness
from schema_wiki.sources.headers import parse_header
from schema_wiki.sources.statements import split_statements

HEADER = """-- Migration: {name}
-- Date: {date}
-- Author: Alice (@alice)
--
-- Context:
-- Part of the tests.
--
"""


def sql_migration(version: str, sql: str, *, header: bool = True, name: str = "") -> Migration:
    """A one-file migration parsed from ``sql`` the way the migration reader parses it.

    With ``header``, a complete header dated by ``version`` comes first.
    """
    name = name or f"m{version}"
    path = f"migrations/{version}_{name}.sql"
    if header:
        date = f"{version[:4]}-{version[4:6]}-{version[6:8]}"
        sql = HEADER.format(name=name, date=date) + sql
    parsed, _findings = parse_header(sql, path)
    return Migration(
        id=f"{version}_{name}",
        version=version,
        name=name,
        path=path,
        header=parsed,
        files=(MigrationFile(path, sql),),
        statements=tuple(split_statements(sql, path)),
    )


def table(
    name: str, *columns: str, comment: str | None = "documented", **kw: object
) -> CatalogTable:
    """A catalog table whose columns are all ``text`` with a comment."""
    return CatalogTable(
        schema=str(kw.pop("schema", "public")),
        name=name,
        kind="table",
        comment=comment,
        columns=tuple(
            CatalogColumn(c, "text", True, None, "documented", i + 1) for i, c in enumerate(columns)
        ),
        **kw,  # type: ignore[arg-type]
    )


def wiki_of(
    migrations: Sequence[Migration] = (),
    tables: Iterable[CatalogTable] = (),
    adrs: Sequence[Adr] = (),
    today: dt.date = TODAY,
) -> Wiki:
    """A wiki whose catalog is ``tables`` and whose history is what a real PostgreSQL saw
    applying ``migrations`` (the tables no migration creates exist before them)."""
    tables = tuple(tables)
    witness = _replay(migrations, tables) if migrations else None
    return build_wiki(list(migrations), list(adrs), Catalog(tables=tables, witness=witness), today)


def with_witness(migrations: Sequence[Migration], catalog: Catalog) -> Catalog:
    """``catalog`` with the history a real PostgreSQL recorded applying ``migrations``."""
    return Catalog(
        tables=catalog.tables,
        server_version=catalog.server_version,
        enums=catalog.enums,
        domains=catalog.domains,
        witness=_replay(migrations, catalog.tables) if migrations else None,
    )


_SERVER: list[ThrowawayPostgres] = []
_DATABASES = itertools.count(1)


def _server() -> ThrowawayPostgres:
    """One throwaway server for the wikis these helpers replay, started on first use."""
    if not _SERVER:
        server = ThrowawayPostgres()
        server.start()
        atexit.register(server.stop)
        _SERVER.append(server)
    return _SERVER[0]


def _replay(migrations: Sequence[Migration], tables: Sequence[CatalogTable]) -> Witness | None:
    """Apply ``migrations`` with the recorder. What the migrations change but do not create
    exists first (``setup_sql``): the catalog's tables, walked back through the changes
    (renamed back, without the columns the migrations add, with those they drop)."""
    before: dict[tuple[str, str], dict[str, str]] = {
        (t.schema, t.name): {c.name: c.type for c in t.columns} for t in tables
    }
    for c in reversed([c for m in migrations for c in m.changes]):
        key = (c.schema, c.table)
        if c.action == Action.CREATE_TABLE:
            before.pop(key, None)
            continue
        if c.action == Action.RENAME_TABLE and c.new_name:
            before[key] = before.pop((c.schema, c.new_name), {})
            continue
        columns = before.setdefault(key, {})
        if c.action == Action.RENAME_COLUMN and c.new_name and c.column:
            columns[c.column] = columns.pop(c.new_name, "text")
        elif c.action == Action.ADD_COLUMN and c.column:
            columns.pop(c.column, None)
        elif c.column and c.column not in columns:
            columns[c.column] = "text"
    setup = []
    for (schema, name), columns in before.items():
        listed = ", ".join(f'"{n}" {t}' for n, t in columns.items())
        setup.append(f'CREATE SCHEMA IF NOT EXISTS "{schema}";')
        setup.append(f'CREATE TABLE "{schema}"."{name}" ({listed});')
    server = _server()
    conninfo = server.create_database(f"support_{next(_DATABASES)}")
    try:
        return apply_migrations(conninfo, migrations, "\n".join(setup) or None, record=True)
    finally:
        with psycopg.connect(server.conninfo, autocommit=True) as conn:
            name = psycopg.conninfo.conninfo_to_dict(conninfo)["dbname"]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def check(
    wiki: Wiki,
    settings: dict[str, RuleConfig] | None = None,
    extra: Iterable[Finding] = (),
    **context: object,
) -> list[Finding]:
    """`run_checks` as `load` calls it: the build's own findings come along."""
    return list(checked(wiki, settings, extra, **context).findings)


def checked(
    wiki: Wiki,
    settings: dict[str, RuleConfig] | None = None,
    extra: Iterable[Finding] = (),
    **context: object,
) -> Checked:
    """The whole `run_checks` result: the findings and what in-place ignores silenced."""
    return run_checks(
        wiki,
        settings,
        context=Context(**context),  # type: ignore[arg-type]
        extra=[*wiki.findings, *extra],
    )


def of_rule(findings: Iterable[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def adr(
    adr_id: str,
    *,
    refs: Sequence[str] = (),
    migrations: Sequence[str] = (),
    meta: dict[str, object] | None = None,
) -> Adr:
    """An ADR naming ``refs`` (``table`` or ``table.column``) in its front matter."""
    path = f"adrs/{adr_id}.md"
    parsed = []
    for ref in refs:
        table_name, _, column = ref.partition(".")
        parsed.append(SchemaRef(None, table_name, column or None, Location(path, 2)))
    return Adr(
        id=adr_id,
        number=int(adr_id.split("-")[0]) if adr_id[0].isdigit() else None,
        title=adr_id,
        status="accepted",
        date=None,
        path=path,
        body="",
        body_line=10,
        refs=tuple(parsed),
        migrations=tuple(migrations),
        meta=dict(meta or {}),
    )
