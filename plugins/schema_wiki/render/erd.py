"""Foreign keys between tables, and Mermaid ER diagrams of a table's neighbourhood.

`Relations` indexes every foreign key of the wiki once, in both directions,
so a table page can list what it references and what references it without
scanning the whole schema. `er_diagram` writes the Mermaid ``erDiagram`` text
of one table and the tables within ``depth`` foreign-key hops of it.

Nothing from the database reaches the diagram unchecked: entities get
generated ids (``t0``, ``t1``...) with the table name as a quoted label, and
column names and types are reduced to the characters Mermaid's ER grammar
accepts, so no identifier can break or inject diagram syntax.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import CatalogConstraint, Table, Wiki

#: Most tables one diagram shows; a hub table's neighbourhood is cut to this many.
MAX_TABLES = 20
#: Most columns shown for the table the diagram is about; neighbours show only keys.
MAX_COLUMNS = 30

TableKey = tuple[str, str]


@dataclass(frozen=True)
class ForeignKey:
    """One foreign key between two tables of the wiki."""

    constraint: CatalogConstraint
    source: Table
    #: None when the referenced table is not documented (an excluded schema).
    target: Table | None

    @property
    def columns(self) -> tuple[str, ...]:
        """The referencing columns."""
        return self.constraint.columns

    @property
    def ref_columns(self) -> tuple[str, ...]:
        """The referenced columns, in the same order."""
        return self.constraint.ref_columns


@dataclass
class Relations:
    """Every foreign key of a wiki, indexed by the referencing and the referenced table."""

    tables: dict[TableKey, Table] = field(default_factory=dict)
    outgoing: dict[TableKey, list[ForeignKey]] = field(default_factory=dict)
    incoming: dict[TableKey, list[ForeignKey]] = field(default_factory=dict)

    @classmethod
    def of(cls, wiki: Wiki) -> Relations:
        """Index the foreign keys of the wiki's current tables."""
        rel = cls(tables={(t.schema, t.name): t for t in wiki.tables})
        for table in wiki.tables:
            for con in table.constraints:
                if con.kind != "foreign key" or not con.ref_table:
                    continue
                target = rel.tables.get((con.ref_schema or table.schema, con.ref_table))
                fk = ForeignKey(con, table, target)
                rel.outgoing.setdefault((table.schema, table.name), []).append(fk)
                if target is not None:
                    rel.incoming.setdefault((target.schema, target.name), []).append(fk)
        return rel

    def references(self, table: Table) -> list[ForeignKey]:
        """The foreign keys declared on ``table``."""
        return self.outgoing.get((table.schema, table.name), [])

    def referenced_by(self, table: Table) -> list[ForeignKey]:
        """The foreign keys of other tables (or this one) that point at ``table``."""
        return self.incoming.get((table.schema, table.name), [])

    def neighbours(self, table: Table) -> list[Table]:
        """Tables one foreign key away, either direction, sorted by schema and name."""
        found: dict[TableKey, Table] = {}
        for fk in self.references(table):
            if fk.target is not None:
                found[(fk.target.schema, fk.target.name)] = fk.target
        for fk in self.referenced_by(table):
            found[(fk.source.schema, fk.source.name)] = fk.source
        found.pop((table.schema, table.name), None)
        return [found[k] for k in sorted(found)]

    def neighbourhood(self, table: Table, depth: int, limit: int = MAX_TABLES) -> list[Table]:
        """``table`` first, then tables within ``depth`` hops, nearest first, at most ``limit``."""
        seen: dict[TableKey, Table] = {(table.schema, table.name): table}
        queue: deque[tuple[Table, int]] = deque([(table, 0)])
        while queue and len(seen) < limit:
            current, distance = queue.popleft()
            if distance >= depth:
                continue
            for other in self.neighbours(current):
                key = (other.schema, other.name)
                if key in seen:
                    continue
                if len(seen) >= limit:
                    break
                seen[key] = other
                queue.append((other, distance + 1))
        return list(seen.values())

    def reachable(self, table: Table, depth: int) -> int:
        """How many tables lie within ``depth`` hops, ``table`` included (no limit)."""
        return len(self.neighbourhood(table, depth, limit=len(self.tables) + 1))


@dataclass(frozen=True)
class Diagram:
    """A Mermaid ER diagram and what it leaves out."""

    source: str
    #: Tables drawn, the subject included.
    shown: int
    #: Tables within the depth, the subject included; more than ``shown`` when cut.
    total: int


_TYPE_NAMES = {
    "character varying": "varchar",
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "time with time zone": "timetz",
    "time without time zone": "time",
    "double precision": "float8",
    "bit varying": "varbit",
    "character": "char",
}
_NAME_BAD = re.compile(r"[^A-Za-z0-9_\-\[\]().,\u00C0-\uFFFF]")
_LABEL_BAD = re.compile(r'["%\\\x00-\x1f\x7f]')
# Mermaid renders labels as HTML and decodes its own entity codes (``#lt;``) to
# HTML entities: markup in a table's name stays text (``<img>`` would otherwise
# reach the page, without its event handlers but with its src).
_LABEL_ENTITIES = str.maketrans({"<": "#lt;", ">": "#gt;", "&": "#amp;", "#": "#35;"})
_KEYWORDS = {"pk", "fk", "uk"}


def mermaid_name(text: str) -> str:
    """An attribute name or type Mermaid's ER grammar reads as one token."""
    cleaned = _NAME_BAD.sub("_", text.strip()) or "_"
    if not re.match(r"[A-Za-z_\u00C0-\uFFFF]", cleaned):
        cleaned = "_" + cleaned
    if cleaned.lower() in _KEYWORDS:
        cleaned += "_"
    return cleaned


def mermaid_type(pg_type: str) -> str:
    """A short, token-safe form of a type: ``character varying(50)`` -> ``varchar(50)``."""
    text = pg_type.strip()
    for long, short in _TYPE_NAMES.items():
        if text.startswith(long):
            text = short + text[len(long) :]
            break
    return mermaid_name(text.replace(" ", "_").replace("\t", "_")) if text else "unknown"


def mermaid_label(text: str) -> str:
    """Text for a quoted Mermaid label: no quotes, percent signs, backslashes or controls;
    ``<``, ``>``, ``&`` and ``#`` as Mermaid entity codes."""
    return _LABEL_BAD.sub(" ", text).strip().translate(_LABEL_ENTITIES) or "_"


def _keys(table: Table) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}

    def add(columns: Iterable[str], key: str) -> None:
        for name in columns:
            marks = keys.setdefault(name, [])
            if key not in marks:
                marks.append(key)

    for con in table.constraints:
        if con.kind == "primary key":
            add(con.columns, "PK")
        elif con.kind == "foreign key":
            add(con.columns, "FK")
        elif con.kind == "unique" and len(con.columns) == 1:
            add(con.columns, "UK")
    for index in table.indexes:
        if index.unique and not index.primary and len(index.columns) == 1 and not index.predicate:
            add(index.columns, "UK")
    return keys


def _cardinality(fk: ForeignKey) -> str:
    """The Mermaid relationship between referenced (left) and referencing (right) table."""
    source = fk.source
    nullable = any(
        (c := source.column(name)) is None or c.nullable for name in fk.constraint.columns
    )
    left = "|o" if nullable else "||"
    wanted = set(fk.constraint.columns)
    one_to_one = any(
        con.kind in ("primary key", "unique") and set(con.columns) == wanted
        for con in source.constraints
    ) or any(ix.unique and not ix.predicate and set(ix.columns) == wanted for ix in source.indexes)
    right = "o|" if one_to_one else "o{"
    return f"{left}--{right}"


def er_diagram(
    relations: Relations,
    table: Table,
    depth: int,
    *,
    limit: int = MAX_TABLES,
    max_columns: int = MAX_COLUMNS,
) -> Diagram | None:
    """The ER diagram of ``table`` and its neighbours within ``depth`` hops.

    None when ``depth`` is below 1 or the table has no foreign key either way.
    The subject shows its columns (at most ``max_columns``); neighbours show
    only their key columns, which keeps a diagram readable and small.
    """
    if depth < 1 or not relations.neighbours(table):
        return None
    tables = relations.neighbourhood(table, depth, limit)
    ids = {(t.schema, t.name): f"t{i}" for i, t in enumerate(tables)}
    lines = ["erDiagram"]
    for t in tables:
        key = (t.schema, t.name)
        label = t.name if t.schema == table.schema else f"{t.schema}.{t.name}"
        keys = _keys(t)
        subject = t is table
        columns = t.columns[:max_columns] if subject else [c for c in t.columns if c.name in keys]
        lines.append(f'    {ids[key]}["{mermaid_label(label)}"] {{')
        for c in columns:
            marks = ",".join(keys.get(c.name, []))
            attr = f"{mermaid_type(c.type)} {mermaid_name(c.name)}"
            lines.append(f"        {attr} {marks}".rstrip())
        if subject and len(t.columns) > max_columns:
            lines.append(f"        \u2026 and_{len(t.columns) - max_columns}_more")
        lines.append("    }")
    drawn = set(ids)
    for t in tables:
        for fk in relations.references(t):
            if fk.target is None or (fk.target.schema, fk.target.name) not in drawn:
                continue
            left = ids[(fk.target.schema, fk.target.name)]
            right = ids[(t.schema, t.name)]
            label = mermaid_label(", ".join(fk.constraint.columns) or fk.constraint.name)
            lines.append(f'    {left} {_cardinality(fk)} {right} : "{label}"')
    total = len(tables) if len(tables) < limit else relations.reachable(table, depth)
    return Diagram("\n".join(lines) + "\n", shown=len(tables), total=total)
