"""Builders for the checks' tests: migrations from real SQL text, wikis without a database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from factories import TODAY
from schema_wiki.checks import Checked, Context, run_checks
from schema_wiki.config import RuleConfig
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import (
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
    return build_wiki(list(migrations), list(adrs), Catalog(tables=tuple(tables)), today)


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
