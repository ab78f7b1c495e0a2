"""The schema diff: the base's catalog against the branch's, with renames followed.

Renames come from the replay's record, where a table is its oid and a
column its attnum, so a rename is exact (`Renamed`). When the record is
not available, renames are read from the branch's statements (``ALTER TABLE
... RENAME``, as the statement analysis understood them), and the review
says so: a rename done some other way (in a ``DO`` block) then shows as a
drop and an add.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..model import (
    Action,
    Catalog,
    CatalogColumn,
    CatalogConstraint,
    CatalogDomain,
    CatalogEnum,
    CatalogIndex,
    CatalogTable,
    CatalogTrigger,
    Migration,
)
from .model import Renamed, SchemaChange

__all__ = ["diff_catalogs", "renames_from_statements"]


def renames_from_statements(migrations: Iterable[Migration]) -> list[Renamed]:
    """Renames as the statement analysis read them from ``migrations``, in order."""
    out: list[Renamed] = []
    for migration in migrations:
        for change in migration.changes:
            if change.new_name is None:
                continue
            if change.action == Action.RENAME_TABLE:
                out.append(
                    Renamed("table", change.schema, change.new_name, change.table, change.new_name)
                )
            elif change.action == Action.RENAME_COLUMN and change.column is not None:
                out.append(
                    Renamed("column", change.schema, change.table, change.column, change.new_name)
                )
    return out


def _kind(table: CatalogTable) -> str:
    return "view" if "view" in table.kind else "table"


def diff_catalogs(
    base: Catalog,
    head: Catalog,
    renames: Sequence[Renamed],
    base_drops: Mapping[str, str],
    head_drops: Mapping[str, str],
    by_migration: Mapping[str, str] | None = None,
) -> list[SchemaChange]:
    """Every difference from ``base`` to ``head``.

    ``base_drops`` / ``head_drops`` map ``schema.table.column`` to its drop date
    (ISO) on each side; ``by_migration`` maps a table or column target (head's
    names) to the branch migration that changed it last.
    """
    owner = by_migration or {}
    # head name -> base name, for tables and for columns (by head table name).
    table_was: dict[tuple[str, str], str] = {}
    column_was: dict[tuple[str, str, str], str] = {}
    for r in renames:
        if r.kind == "table":
            origin = table_was.pop((r.schema, r.old), r.old)
            table_was[(r.schema, r.new)] = origin
            for moved in [k for k in column_was if k[:2] == (r.schema, r.old)]:
                column_was[(r.schema, r.new, moved[2])] = column_was.pop(moved)
        else:
            origin = column_was.pop((r.schema, r.table, r.old), r.old)
            column_was[(r.schema, r.table, r.new)] = origin

    old_tables = {(t.schema, t.name): t for t in base.tables}
    new_tables = {(t.schema, t.name): t for t in head.tables}
    out: list[SchemaChange] = []

    def who(target: str) -> str | None:
        return owner.get(target) or owner.get(target.rsplit(".", 1)[0])

    matched_old: set[tuple[str, str]] = set()
    for key in sorted(new_tables):
        new = new_tables[key]
        was = table_was.get(key)
        old_key = (key[0], was) if was else key
        old = old_tables.get(old_key)
        if old is None:
            target = new.qualified
            out.append(SchemaChange(_kind(new), "added", target, None, new.kind, who(target)))
            continue
        matched_old.add(old_key)
        if old_key != key:
            out.append(
                SchemaChange(
                    _kind(new),
                    "renamed",
                    new.qualified,
                    old.qualified,
                    new.qualified,
                    who(new.qualified),
                )
            )
        out.extend(_table_changes(old, new, column_was, base_drops, head_drops, who))
    for key in sorted(set(old_tables) - matched_old):
        old = old_tables[key]
        out.append(SchemaChange(_kind(old), "dropped", old.qualified, old.kind, None))
    out.extend(_type_changes(base.enums, head.enums, base.domains, head.domains))
    return out


def _table_changes(
    old: CatalogTable,
    new: CatalogTable,
    column_was: Mapping[tuple[str, str, str], str],
    base_drops: Mapping[str, str],
    head_drops: Mapping[str, str],
    who: object,
) -> Iterable[SchemaChange]:
    assert callable(who)
    t = new.qualified
    if (old.comment or "") != (new.comment or ""):
        yield SchemaChange(
            "comment",
            _comment_action(old.comment, new.comment),
            t,
            old.comment,
            new.comment,
            who(t),
        )
    if old.definition != new.definition and new.definition is not None:
        yield SchemaChange("view", "changed", t, old.definition, new.definition, who(t))
    olds = {c.name: c for c in old.columns}
    seen: set[str] = set()
    for column in new.columns:
        name = column_was.get((new.schema, new.name, column.name), column.name)
        before = olds.get(name)
        target = f"{t}.{column.name}"
        if before is None:
            yield SchemaChange("column", "added", target, None, _column(column), who(target))
            continue
        seen.add(name)
        if name != column.name:
            yield SchemaChange("column", "renamed", target, f"{t}.{name}", target, who(target))
        if before.type != column.type:
            yield SchemaChange("column", "retyped", target, before.type, column.type, who(target))
        if before.nullable != column.nullable:
            yield SchemaChange(
                "column",
                "changed",
                target,
                "nullable" if before.nullable else "NOT NULL",
                "nullable" if column.nullable else "NOT NULL",
                who(target),
            )
        if (before.default or "") != (column.default or ""):
            yield SchemaChange(
                "column",
                "changed",
                target,
                _default(before.default),
                _default(column.default),
                who(target),
            )
        if (before.comment or "") != (column.comment or ""):
            yield SchemaChange(
                "comment",
                _comment_action(before.comment, column.comment),
                target,
                before.comment,
                column.comment,
                who(target),
            )
        old_drop = base_drops.get(f"{old.qualified}.{name}")
        new_drop = head_drops.get(target)
        if old_drop != new_drop and new_drop is not None:
            action = "added" if old_drop is None else "changed"
            yield SchemaChange("drop date", action, target, old_drop, new_drop, who(target))
    for name in olds:
        if name not in seen:
            yield SchemaChange(
                "column", "dropped", f"{t}.{name}", _column(olds[name]), None, who(f"{t}.{name}")
            )
    yield from _named(
        "index", t, {i.name: i for i in old.indexes}, {i.name: i for i in new.indexes}, who
    )
    yield from _named(
        "trigger", t, {g.name: g for g in old.triggers}, {g.name: g for g in new.triggers}, who
    )
    yield from _named(
        "constraint",
        t,
        {c.name: c for c in old.constraints},
        {c.name: c for c in new.constraints},
        who,
    )


def _named(
    kind: str,
    table: str,
    old: Mapping[str, CatalogIndex | CatalogConstraint | CatalogTrigger],
    new: Mapping[str, CatalogIndex | CatalogConstraint | CatalogTrigger],
    who: object,
) -> Iterable[SchemaChange]:
    assert callable(who)
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        target = f"{table} {name}"
        if a is None and b is not None:
            yield SchemaChange(kind, "added", target, None, _definition(b), who(table))
        elif b is None and a is not None:
            yield SchemaChange(kind, "dropped", target, _definition(a), None, who(table))
        elif a is not None and b is not None and _definition(a) != _definition(b):
            yield SchemaChange(kind, "changed", target, _definition(a), _definition(b), who(table))


def _definition(item: CatalogIndex | CatalogConstraint | CatalogTrigger) -> str:
    if isinstance(item, CatalogTrigger):
        return item.definition if item.enabled else f"{item.definition} (DISABLED)"
    if isinstance(item, CatalogIndex):
        text = item.definition
        return text if item.valid else f"{text} (INVALID)"
    text = item.definition
    return text if item.validated or "NOT VALID" in text else f"{text} NOT VALID"


def _type_changes(
    old_enums: Sequence[CatalogEnum],
    new_enums: Sequence[CatalogEnum],
    old_domains: Sequence[CatalogDomain],
    new_domains: Sequence[CatalogDomain],
) -> Iterable[SchemaChange]:
    a = {f"{e.schema}.{e.name}": e for e in old_enums}
    b = {f"{e.schema}.{e.name}": e for e in new_enums}
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        if x is None and y is not None:
            yield SchemaChange("type", "added", name, None, "enum (" + ", ".join(y.values) + ")")
        elif y is None and x is not None:
            yield SchemaChange("type", "dropped", name, "enum", None)
        elif x is not None and y is not None and x.values != y.values:
            yield SchemaChange("type", "changed", name, ", ".join(x.values), ", ".join(y.values))
    c = {f"{d.schema}.{d.name}": d for d in old_domains}
    d = {f"{x.schema}.{x.name}": x for x in new_domains}
    for name in sorted(set(c) | set(d)):
        x2, y2 = c.get(name), d.get(name)
        if x2 is None and y2 is not None:
            yield SchemaChange("type", "added", name, None, f"domain over {y2.type}")
        elif y2 is None and x2 is not None:
            yield SchemaChange("type", "dropped", name, f"domain over {x2.type}", None)
        elif x2 is not None and y2 is not None and x2 != y2:
            yield SchemaChange("type", "changed", name, _domain(x2), _domain(y2))


def _domain(d: CatalogDomain) -> str:
    parts = [d.type, *d.checks]
    if not d.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def _column(c: CatalogColumn) -> str:
    text = c.type + ("" if c.nullable else " NOT NULL")
    return text + (f" DEFAULT {c.default}" if c.default else "")


def _default(value: str | None) -> str:
    return f"default {value}" if value else "no default"


def _comment_action(before: str | None, after: str | None) -> str:
    if not before:
        return "added"
    if not after:
        return "dropped"
    return "changed"
