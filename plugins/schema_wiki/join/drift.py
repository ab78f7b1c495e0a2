"""Schema drift: the schema the migrations produce against another one.

The other side is a second database (``compare_with:`` a connection string,
read read-only like any catalog) or a snapshot committed to the repository
(``compare_with:`` a ``.json`` file written by ``schema-wiki export``). Every
difference is a `Difference` and a ``schema-drift`` finding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Catalog, CatalogColumn, CatalogTable, Difference, Finding, Level

RULE = "schema-drift"


def compare(ours: Catalog, theirs: Catalog) -> list[Difference]:
    """Every difference in tables, columns, types, nullability, defaults and comments."""
    mine = {t.qualified: t for t in ours.tables}
    other = {t.qualified: t for t in theirs.tables}
    out: list[Difference] = []
    for name in sorted(mine.keys() | other.keys()):
        a, b = mine.get(name), other.get(name)
        if a is None or b is None:
            out.append(Difference(name, "table", a.kind if a else None, b.kind if b else None))
            continue
        out.extend(_compare_table(a, b))
    return out


def _compare_table(a: CatalogTable, b: CatalogTable) -> list[Difference]:
    out: list[Difference] = []
    if (a.comment or None) != (b.comment or None):
        out.append(Difference(a.qualified, "comment", a.comment, b.comment))
    mine = {c.name: c for c in a.columns}
    other = {c.name: c for c in b.columns}
    order = [c.name for c in a.columns] + [c.name for c in b.columns if c.name not in mine]
    for name in order:
        target = f"{a.qualified}.{name}"
        x, y = mine.get(name), other.get(name)
        if x is None or y is None:
            out.append(Difference(target, "column", x.type if x else None, y.type if y else None))
            continue
        out.extend(_compare_column(target, x, y))
    return out


def _compare_column(target: str, x: CatalogColumn, y: CatalogColumn) -> list[Difference]:
    out: list[Difference] = []
    if x.type != y.type:
        out.append(Difference(target, "type", x.type, y.type))
    if x.nullable != y.nullable:
        out.append(Difference(target, "nullable", _null(x.nullable), _null(y.nullable)))
    if (x.default or None) != (y.default or None):
        out.append(Difference(target, "default", x.default, y.default))
    if (x.comment or None) != (y.comment or None):
        out.append(Difference(target, "comment", x.comment, y.comment))
    return out


def _null(nullable: bool) -> str:
    return "NULL" if nullable else "NOT NULL"


def findings(differences: list[Difference], label: str, where: str) -> list[Finding]:
    """The differences as ``schema-drift`` warnings (``where``: what to name as the other side)."""
    return [
        Finding(RULE, Level.WARNING, d.target, d.describe(label) + f" ({where})")
        for d in differences
    ]


def load_snapshot(path: Path) -> Catalog:
    """A catalog from a ``schema-wiki export`` JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"compare_with: {path} does not exist; write one with `schema-wiki export -o {path}`"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"compare_with: {path} is not a schema-wiki export: {exc}") from None
    try:
        return Catalog(tables=tuple(_table(t) for t in data["tables"]))
    except (KeyError, TypeError) as exc:
        raise ConfigError(
            f"compare_with: {path} is not a schema-wiki export (missing {exc});"
            " write it with `schema-wiki export`"
        ) from None


def _table(t: dict[str, Any]) -> CatalogTable:
    return CatalogTable(
        schema=str(t["schema"]),
        name=str(t["name"]),
        kind=str(t.get("kind", "table")),
        comment=t.get("comment"),
        columns=tuple(
            CatalogColumn(
                name=str(c["name"]),
                type=str(c["type"]),
                nullable=bool(c["nullable"]),
                default=c.get("default"),
                comment=c.get("comment"),
                position=int(c.get("position", i + 1)),
            )
            for i, c in enumerate(t["columns"])
        ),
    )


def is_snapshot(value: str) -> bool:
    """Whether ``compare_with`` names a snapshot file rather than a connection string."""
    text = value.strip()
    return text.endswith(".json") and "=" not in text and "://" not in text


def other_side(compare_with: str, root: Path, **options: Any) -> tuple[Catalog, str]:
    """The catalog to compare against and how to name it in messages.

    A connection string is read like ``database:`` (read-only, with timeouts;
    the label never carries a password); a ``.json`` path is a snapshot
    relative to the project root.
    """
    if is_snapshot(compare_with):
        path = Path(compare_with)
        path = path if path.is_absolute() else root / path
        return load_snapshot(path), f"snapshot {compare_with.strip()}"
    from ..sources.catalog import read_catalog, redact_conninfo

    return read_catalog(compare_with, **options), f"database {redact_conninfo(compare_with)}"
