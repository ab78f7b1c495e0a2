"""Synthetic schemas of any size, for rendering tests and the page-weight benchmark.

`synthetic_wiki(n)` builds migrations and a catalog the way the sources would
(one migration per table creating it, a second one adding a column and a
comment) and joins them with the real `build_wiki`. Foreign keys look like a
real schema's: every table points at its parent in a binary tree (two
children each), every fifth table at the ``accounts`` hub, so the hub is
referenced by a fifth of the schema.
"""

from __future__ import annotations

import datetime as dt

from factories import migration
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import (
    Action,
    Catalog,
    CatalogColumn,
    CatalogConstraint,
    CatalogIndex,
    CatalogTable,
    Change,
    Wiki,
)

TODAY = dt.date(2026, 1, 31)
_WORDS = [
    "accounts",
    "billing",
    "catalog",
    "delivery",
    "events",
    "feedback",
    "grants",
    "history",
    "invites",
    "jobs",
    "keys",
    "ledger",
    "members",
    "notes",
    "orders",
    "payments",
    "quotas",
    "refunds",
    "sessions",
    "tickets",
    "uploads",
    "vouchers",
    "webhooks",
    "exports",
    "yields",
    "zones",
]
_TYPES = ("bigint", "text", "character varying(120)", "timestamp with time zone", "jsonb")


def table_name(i: int) -> str:
    """``accounts`` for 0, then ``billing_0001``, ``catalog_0002``... (every letter used)."""
    return "accounts" if i == 0 else f"{_WORDS[i % len(_WORDS)]}_{i:04d}"


def synthetic_wiki(n_tables: int, n_columns: int = 20, today: dt.date = TODAY) -> Wiki:
    """A wiki of ``n_tables`` tables with ``n_columns`` columns each (see the module doc)."""
    migrations = []
    tables = []
    start = dt.date(2020, 1, 1)
    for i in range(n_tables):
        name = table_name(i)
        day = start + dt.timedelta(days=i)
        columns = [CatalogColumn("id", "bigint", False, None, f"Identity of a row of {name}.", 1)]
        constraints = [
            CatalogConstraint(f"{name}_pkey", "primary key", "PRIMARY KEY (id)", ("id",))
        ]
        indexes = [
            CatalogIndex(
                f"{name}_pkey",
                f"CREATE UNIQUE INDEX {name}_pkey ON public.{name} USING btree (id)",
                ("id",),
                unique=True,
                primary=True,
                size_bytes=16384,
            )
        ]
        refs: list[tuple[str, str]] = []
        if i > 0:
            refs.append(("parent_id", table_name((i - 1) // 2)))
        if i > 0 and i % 5 == 0 and (i - 1) // 2 != 0:
            refs.append(("account_id", "accounts"))
        for column, target in refs:
            columns.append(
                CatalogColumn(
                    column, "bigint", False, None, f"The {target} row this belongs to.", 0
                )
            )
            constraints.append(
                CatalogConstraint(
                    f"{name}_{column}_fkey",
                    "foreign key",
                    f"FOREIGN KEY ({column}) REFERENCES {target}(id) ON DELETE CASCADE",
                    (column,),
                    "public",
                    target,
                    ("id",),
                )
            )
            indexes.append(
                CatalogIndex(
                    f"{name}_{column}_idx",
                    f"CREATE INDEX {name}_{column}_idx ON public.{name} USING btree ({column})",
                    (column,),
                    size_bytes=8192,
                )
            )
        while len(columns) < n_columns:
            k = len(columns)
            comment = (
                f"Attribute {k} of {name}: what it means, its unit and who writes it, in a"
                " sentence or two as a team would write it in COMMENT ON COLUMN."
                if k % 7
                else None
            )
            columns.append(
                CatalogColumn(f"attr_{k:02d}", _TYPES[k % len(_TYPES)], True, None, comment, 0)
            )
        columns = [
            CatalogColumn(c.name, c.type, c.nullable, c.default, c.comment, p + 1)
            for p, c in enumerate(columns)
        ]
        create = [Change(Action.CREATE_TABLE, "public", name)]
        create += [
            Change(Action.ADD_COLUMN, "public", name, c.name, detail=c.type.upper())
            for c in columns[:-1]
        ]
        create += [
            Change(Action.COMMENT_COLUMN, "public", name, c.name, detail=c.comment)
            for c in columns[:-1]
            if c.comment
        ]
        version = day.strftime("%Y%m%d") + "090000"
        header = {
            "Migration": f"Create {name}",
            "Date": day.isoformat(),
            "Author": "Alice (@alice)",
            "Ticket": f"PROJ-{1000 + i}",
            "Context": f"The {name} table holds what its feature needs. Owned by team {i % 4}.",
        }
        migrations.append(migration(version, f"create_{name}", *create, header=header))
        later = day + dt.timedelta(days=400)
        migrations.append(
            migration(
                later.strftime("%Y%m%d") + "100000",
                f"add_{columns[-1].name}_to_{name}",
                Change(Action.ADD_COLUMN, "public", name, columns[-1].name, detail="JSONB"),
                Change(Action.SET_DEFAULT, "public", name, columns[-1].name, detail="'{}'"),
                header={
                    "Migration": f"Add {columns[-1].name} to {name}",
                    "Date": later.isoformat(),
                },
            )
        )
        tables.append(
            CatalogTable(
                schema="public",
                name=name,
                kind="table",
                comment=f"The {name} of the product. Rows are written by the {name} service.",
                columns=tuple(columns),
                constraints=tuple(constraints),
                indexes=tuple(indexes),
                row_estimate=1000 * (i + 1),
                total_bytes=65536 * (i + 1),
            )
        )
    migrations.sort(key=lambda m: m.version)
    return build_wiki(migrations, [], Catalog(tables=tuple(tables)), today)
