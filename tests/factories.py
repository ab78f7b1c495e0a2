"""Small builders of model objects for unit tests that do not need the parser."""

from __future__ import annotations

import datetime as dt

from schema_wiki.model import (
    Action,
    Catalog,
    CatalogColumn,
    CatalogTable,
    Change,
    HeaderField,
    Location,
    Migration,
    MigrationFile,
    MigrationHeader,
    Statement,
)


def migration(
    version: str,
    name: str,
    *changes: Change,
    header: dict[str, str] | None = None,
) -> Migration:
    path = f"migrations/{version}_{name}.sql"
    fields = {
        k.lower(): HeaderField(k, v, i + 1, tuple(x.strip() for x in v.split(",")))
        for i, (k, v) in enumerate((header or {}).items())
    }
    statements = tuple(
        Statement(sql=f"-- {c.action}", location=Location(path, 20 + i), changes=(c,))
        for i, c in enumerate(changes)
    )
    return Migration(
        id=f"{version}_{name}",
        version=version,
        name=name,
        path=path,
        header=MigrationHeader(fields),
        files=(MigrationFile(path, ""),),
        statements=statements,
    )


def change(action: Action, table: str, column: str | None = None, **kw: str | None) -> Change:
    return Change(action, kw.pop("schema", None) or "public", table, column, **kw)  # type: ignore[arg-type]


def catalog(
    *tables: tuple[str, list[tuple[str, str, str | None]]], comment: str | None = "t"
) -> Catalog:
    """``("users", [("id", "bigint", None), ("email", "text", "Login")])``"""
    return Catalog(
        tables=tuple(
            CatalogTable(
                schema="public",
                name=name,
                kind="table",
                comment=comment,
                columns=tuple(
                    CatalogColumn(col, typ, True, None, note, i + 1)
                    for i, (col, typ, note) in enumerate(cols)
                ),
            )
            for name, cols in tables
        )
    )


TODAY = dt.date(2026, 1, 31)
