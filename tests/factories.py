"""Small builders of model objects for unit tests that do not need the parser.

A `migration` made of `change` values carries the SQL that makes each change, so that
`checks_support.with_witness` can have a real PostgreSQL apply and record it."""

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
        Statement(sql=sql_of(c), location=Location(path, 20 + i), changes=(c,))
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


def _literal(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def sql_of(c: Change) -> str:
    """The SQL statement that makes ``c``, for the replay to apply (and record)."""
    t = f'"{c.schema}"."{c.table}"'
    col = f'"{c.column}"' if c.column else ""
    statements = {
        Action.CREATE_TABLE: f"CREATE TABLE {t} ()",
        Action.DROP_TABLE: f"DROP TABLE {t}",
        Action.RENAME_TABLE: f'ALTER TABLE {t} RENAME TO "{c.new_name}"',
        Action.COMMENT_TABLE: f"COMMENT ON TABLE {t} IS {_literal(c.detail)}",
        Action.ADD_COLUMN: f"ALTER TABLE {t} ADD COLUMN {col} {c.detail or 'text'}",
        Action.DROP_COLUMN: f"ALTER TABLE {t} DROP COLUMN {col}",
        Action.RENAME_COLUMN: f'ALTER TABLE {t} RENAME COLUMN {col} TO "{c.new_name}"',
        Action.ALTER_TYPE: f"ALTER TABLE {t} ALTER COLUMN {col} TYPE {c.detail}"
        f" USING {col}::{c.detail}",
        Action.SET_NOT_NULL: f"ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL",
        Action.DROP_NOT_NULL: f"ALTER TABLE {t} ALTER COLUMN {col} DROP NOT NULL",
        Action.SET_DEFAULT: f"ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {c.detail}",
        Action.DROP_DEFAULT: f"ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT",
        Action.COMMENT_COLUMN: f"COMMENT ON COLUMN {t}.{col} IS {_literal(c.detail)}",
    }
    return statements[c.action]


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
