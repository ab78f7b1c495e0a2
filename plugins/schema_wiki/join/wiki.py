"""Join the three sources into one cross-linked `Wiki`.

The catalog says what exists now; the migrations say who added it, when and
why, and what happened to it since; the ADRs say which decisions concern it.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from ..model import (
    Action,
    Adr,
    Catalog,
    CatalogTable,
    Column,
    DropDate,
    Finding,
    Level,
    Location,
    Migration,
    SchemaRef,
    Table,
    Wiki,
)
from .adr_links import link_relations
from .drop_dates import ALL_COLUMNS, comment_drop_date, header_drop_dates
from .history import ColumnTrail, History, TableTrail, replay

_DIGITS = re.compile(r"(\d+)")
_T = TypeVar("_T")


@dataclass
class JoinCache:
    """The ADR-independent part of the last join, for a ``mkdocs serve`` rebuild.

    Saving an ADR changes only which ADRs each table and column lists; the
    history replay and the drop dates (seconds with thousands of migrations)
    depend on the migrations, the catalog and today alone. The cache keeps
    the objects it was built from, so it is reused only for those very objects.
    """

    migrations: list[Migration] = field(default_factory=list)
    catalog: Catalog | None = None
    today: dt.date | None = None
    touched: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)
    history: History | None = None
    #: Tables and dropped tables with no ADR linked yet: every build links copies.
    tables: list[Table] = field(default_factory=list)
    dropped_tables: list[Table] = field(default_factory=list)
    hits: int = 0

    def matches(self, migrations: list[Migration], catalog: Catalog, today: dt.date) -> bool:
        return (
            self.catalog is catalog
            and self.today == today
            and len(self.migrations) == len(migrations)
            and all(a is b for a, b in zip(self.migrations, migrations, strict=True))
        )


def build_wiki(
    migrations: list[Migration],
    adrs: list[Adr],
    catalog: Catalog,
    today: dt.date,
    cache: JoinCache | None = None,
) -> Wiki:
    """Join migrations, ADRs and the catalog. Findings about references are added to the wiki.

    With ``cache``, a join of the same migrations, catalog and day reuses the
    history of the last one.
    """
    wiki = Wiki(
        tables=[], migrations=list(migrations), adrs=list(adrs), today=today, catalog=catalog
    )
    if cache is not None and cache.matches(migrations, catalog, today):
        cache.hits += 1
        wiki.tables = [_unlinked(t) for t in cache.tables]
        wiki.dropped_tables = [_unlinked(t) for t in cache.dropped_tables]
        wiki.touched = cache.touched
        wiki.history = cache.history
    else:
        history = replay(migrations, catalog.witness)
        stated = header_dates(migrations, history)
        for ct in catalog.tables:
            wiki.tables.append(_table(ct, history.table(ct.schema, ct.name), stated))
        wiki.dropped_tables = [_dropped_table(t) for t in history.dropped_tables]
        _attach_dropped_columns(wiki, history)
        wiki.touched = history.touched
        wiki.history = history
        if cache is not None:
            cache.history = history
            cache.migrations, cache.catalog, cache.today = list(migrations), catalog, today
            cache.touched = history.touched
            cache.tables = [_unlinked(t) for t in wiki.tables]
            cache.dropped_tables = [_unlinked(t) for t in wiki.dropped_tables]
    _link_adrs(wiki)
    _link_migrations_and_adrs(wiki)
    return wiki


def _unlinked(table: Table) -> Table:
    """A copy of ``table`` whose ADR lists (the only thing linking changes) are its own."""
    out = _shallow_copy(table)
    out.adrs = list(table.adrs)
    out.columns = [_unlinked_column(c) for c in table.columns]
    out.dropped_columns = [_unlinked_column(c) for c in table.dropped_columns]
    return out


def _unlinked_column(column: Column) -> Column:
    out = _shallow_copy(column)
    out.adrs = list(column.adrs)
    return out


def _shallow_copy(value: _T) -> _T:
    # copy.copy goes through __reduce_ex__: 20 times slower, and a serve rebuild of a
    # 1,000-table wiki copies 20,000 columns.
    out: _T = object.__new__(type(value))
    out.__dict__.update(value.__dict__)
    return out


def _table(
    ct: CatalogTable, trail: TableTrail | None, stated: dict[tuple[str, str, str], DropDate]
) -> Table:
    table = Table(
        schema=ct.schema,
        name=ct.name,
        kind=ct.kind,
        comment=ct.comment,
        introduced_by=trail.introduced_by if trail else None,
        history=list(trail.events) if trail else [],
        constraints=ct.constraints,
        indexes=ct.indexes,
        triggers=ct.triggers,
        definition=ct.definition,
        partition_key=ct.partition_key,
        partitions=ct.partitions,
        row_estimate=ct.row_estimate,
        total_bytes=ct.total_bytes,
    )
    for cc in ct.columns:
        col_trail = trail.columns.get(cc.name) if trail else None
        column = Column(
            name=cc.name,
            type=cc.type,
            nullable=cc.nullable,
            default=cc.default,
            comment=cc.comment,
            position=cc.position,
            identity=cc.identity,
            generated=cc.generated,
        )
        if col_trail is not None:
            column.introduced_by = col_trail.introduced_by
            column.history = list(col_trail.events)
        column.drop_after = _drop_after(ct, column, col_trail, stated)
        table.columns.append(column)
    return table


def header_dates(
    migrations: list[Migration], history: History
) -> dict[tuple[str, str, str], DropDate]:
    """Drop dates stated in migration headers, by column (today's names).

    A header's plain date applies to the columns that migration adds; a
    migration that adds none (one that deprecates a column with a comment or
    an ALTER) gives it to the columns it touches. ``table.column: date`` items
    name their columns explicitly. A later migration's date replaces an earlier one.
    """
    former: dict[str, tuple[str, str, str]] = {}
    for (schema, tname), trail in history.tables.items():
        for cname, col in trail.columns.items():
            for t in (tname, *trail.former_names):
                for n in (cname, *col.former_names):
                    former.setdefault(f"{t}.{n}".lower(), (schema, tname, cname))
                    former.setdefault(f"{schema}.{t}.{n}".lower(), (schema, tname, cname))
    out: dict[tuple[str, str, str], DropDate] = {}
    for migration in migrations:
        dates = header_drop_dates(migration)
        if not dates:
            continue
        touched = [(s, t, c) for s, t, c in history.touched.get(migration.id, []) if c]
        added = [key for key in touched if _introduced_by(history, key) == migration.id]
        if ALL_COLUMNS in dates:
            day, where = dates[ALL_COLUMNS]
            for key in added or touched:
                out[key] = DropDate(day, where, "header")
        for ref, (day, where) in dates.items():
            if ref != ALL_COLUMNS and ref in former:
                out[former[ref]] = DropDate(day, where, "header")
    return out


def _introduced_by(history: History, key: tuple[str, str, str]) -> str | None:
    table_trail = history.table(key[0], key[1])
    column_trail = table_trail.columns.get(key[2]) if table_trail else None
    return column_trail.introduced_by if column_trail else None


def _drop_after(
    ct: CatalogTable,
    column: Column,
    trail: ColumnTrail | None,
    stated: dict[tuple[str, str, str], DropDate],
) -> DropDate | None:
    """The header's date first (an explicit field), else a date stated in the comment."""
    from_header = stated.get((ct.schema, ct.name, column.name))
    if from_header is not None:
        return from_header
    day = comment_drop_date(column.comment)
    if day is None:
        return None
    where: Location | None = None
    if trail is not None:
        for event in reversed(trail.events):
            if (
                event.action == Action.COMMENT_COLUMN
                and event.detail
                and day.isoformat() in event.detail
            ):
                where = event.location
                break
    return DropDate(day, where, "comment")


def _dropped_table(trail: TableTrail) -> Table:
    table = Table(
        schema=trail.schema,
        name=trail.name,
        kind=trail.kind,
        comment=_last_comment(trail.events),
        introduced_by=trail.introduced_by,
        history=list(trail.events),
        dropped=True,
    )
    for position, ct in enumerate([*trail.columns.values(), *trail.dropped_columns], start=1):
        table.columns.append(_dropped_column(ct, position, dropped=ct in trail.dropped_columns))
    return table


def _dropped_column(trail: ColumnTrail, position: int, *, dropped: bool = True) -> Column:
    return Column(
        name=trail.name,
        type=trail.type or "",
        nullable=True,
        default=None,
        comment=_last_comment(trail.events),
        position=position,
        introduced_by=trail.introduced_by,
        history=list(trail.events),
        dropped=dropped,
    )


def _last_comment(events: Iterable[object]) -> str | None:
    comment: str | None = None
    for event in events:
        action = getattr(event, "action", None)
        if action in (Action.COMMENT_COLUMN, Action.COMMENT_TABLE):
            comment = getattr(event, "detail", None)
    return comment


def _attach_dropped_columns(wiki: Wiki, history: History) -> None:
    for table in wiki.tables:
        trail = history.table(table.schema, table.name)
        if trail is None:
            continue
        table.dropped_columns = [
            _dropped_column(ct, 10_000 + i) for i, ct in enumerate(trail.dropped_columns)
        ]


# --- references -----------------------------------------------------------------


#: id(wiki) -> ((the tables list's id, its length), tables by name, by lower-case name).
_TABLE_INDEX: dict[int, tuple[tuple[int, int], dict[str, list[Table]], dict[str, list[Table]]]] = {}


def _tables_by_name(wiki: Wiki) -> tuple[dict[str, list[Table]], dict[str, list[Table]]]:
    """Tables by name, built once per wiki: ADRs and pages resolve thousands of names, and a
    scan of every table for each made the ADR pages of a 1,000-table wiki take seconds."""
    key = id(wiki)
    entry = _TABLE_INDEX.get(key)
    shape = (id(wiki.tables), len(wiki.tables))
    if entry is None or entry[0] != shape:
        exact: dict[str, list[Table]] = {}
        lowered: dict[str, list[Table]] = {}
        for t in wiki.tables:
            exact.setdefault(t.name, []).append(t)
            lowered.setdefault(t.name.lower(), []).append(t)
        if entry is None:
            weakref.finalize(wiki, _TABLE_INDEX.pop, key, None)
        entry = _TABLE_INDEX[key] = (shape, exact, lowered)
    return entry[1], entry[2]


def find_table(wiki: Wiki, schema: str | None, name: str) -> Table | None:
    """A current table by name; unqualified names prefer ``public``."""
    exact, lowered = _tables_by_name(wiki)
    candidates = [t for t in exact.get(name, ()) if schema is None or t.schema == schema]
    if not candidates:
        candidates = [
            t for t in lowered.get(name.lower(), ()) if schema is None or t.schema == schema
        ]
    candidates.sort(key=lambda t: (t.schema != "public", t.schema))
    return candidates[0] if candidates else None


def find_dropped_table(wiki: Wiki, schema: str | None, name: str) -> Table | None:
    for t in wiki.dropped_tables:
        if t.name == name and (schema is None or t.schema == schema):
            return t
    return None


def resolve_ref(wiki: Wiki, ref: SchemaRef) -> tuple[Table | None, str | None, bool]:
    """(table, column name or None, exists now) for a reference; table None when unknown.

    A reference to something that existed and was dropped resolves to the
    table holding its history, with ``exists now`` False.
    """
    table = find_table(wiki, ref.schema, ref.table)
    if table is not None:
        if ref.column is None or table.column(ref.column) is not None:
            return table, ref.column, True
        if any(c.name == ref.column for c in table.dropped_columns):
            return table, ref.column, False
        return None, None, False
    gone = find_dropped_table(wiki, ref.schema, ref.table)
    if gone is not None and (ref.column is None or gone.column(ref.column) is not None):
        return gone, ref.column, False
    return None, None, False


def _link_adrs(wiki: Wiki) -> None:
    """Resolve relations between ADRs (`adr_links`), give each table and column the ADRs
    that name it, and report names that never existed."""
    wiki.adrs, relation_findings = link_relations(wiki.adrs)
    wiki.findings.extend(relation_findings)
    known_tables = {t.name for t in [*wiki.tables, *wiki.dropped_tables]}
    for adr in wiki.adrs:
        for ref in adr.refs:
            table, column, _exists = resolve_ref(wiki, ref)
            if table is None:
                # Backticked text that does not name a known table is just code.
                if ref.explicit or _is_front_matter(adr, ref) or ref.table in known_tables:
                    wiki.findings.append(
                        Finding(
                            "dangling-reference",
                            Level.WARNING,
                            adr.id,
                            f"{ref.text} names no table or column that exists or existed;"
                            " fix the name or remove the reference",
                            ref.location,
                        )
                    )
                continue
            if adr.id not in table.adrs:
                table.adrs.append(adr.id)
            if column is not None:
                col = table.column(column) or next(
                    (c for c in table.dropped_columns if c.name == column), None
                )
                if col is not None and adr.id not in col.adrs:
                    col.adrs.append(adr.id)


def _is_front_matter(adr: Adr, ref: SchemaRef) -> bool:
    # Body references carry a line past the front matter.
    return ref.location.line is not None and ref.location.line < adr.body_line


def adr_number(text: str) -> int | None:
    """``0015``, ``ADR-015`` or ``adr 15`` -> 15."""
    m = _DIGITS.search(text)
    return int(m.group(1)) if m else None


def _link_migrations_and_adrs(wiki: Wiki) -> None:
    by_number = {a.number: a for a in wiki.adrs if a.number is not None}

    def link(migration_id: str, adr_id: str) -> None:
        wiki.migration_adrs.setdefault(migration_id, [])
        wiki.adr_migrations.setdefault(adr_id, [])
        if adr_id not in wiki.migration_adrs[migration_id]:
            wiki.migration_adrs[migration_id].append(adr_id)
        if migration_id not in wiki.adr_migrations[adr_id]:
            wiki.adr_migrations[adr_id].append(migration_id)

    for migration in wiki.migrations:
        field = migration.header.get("adr")
        if field is None:
            continue
        for item in field.items or (field.value,):
            number = adr_number(item)
            adr = by_number.get(number) if number is not None else None
            if adr is None:
                wiki.findings.append(
                    Finding(
                        "dangling-reference",
                        Level.WARNING,
                        migration.id,
                        f"ADR {item!r} does not exist; check the number in adrs/",
                        Location(
                            migration.files[0].path if migration.files else migration.path,
                            field.line,
                        ),
                    )
                )
                continue
            link(migration.id, adr.id)
    for adr in wiki.adrs:
        for name in adr.migrations:
            named = find_migration(wiki, name)
            if named is not None:
                link(named.id, adr.id)


def find_migration(wiki: Wiki, name: str) -> Migration | None:
    """A migration by id, file name, path or version."""
    key = name.strip().rstrip("/").rsplit("/", 1)[-1].removesuffix(".sql")
    found = _migrations_by_key(wiki).get(key)
    if found is not None:
        return found
    for m in wiki.migrations:
        if m.id.startswith(key) or key.startswith(m.id):
            return m
    return None


#: id(wiki) -> ((the migrations list's id, its length), migrations by id, version and path).
#: ADRs and pages look up thousands of migrations, and a scan for each was quadratic. An
#: entry goes with its wiki, so a finished build's migrations are not kept alive.
_MIGRATION_INDEX: dict[int, tuple[tuple[int, int], dict[str, Migration]]] = {}


def _migrations_by_key(wiki: Wiki) -> dict[str, Migration]:
    """The first migration with each id, version and path, in order."""
    key = id(wiki)
    entry = _MIGRATION_INDEX.get(key)
    shape = (id(wiki.migrations), len(wiki.migrations))
    if entry is None or entry[0] != shape:
        index: dict[str, Migration] = {}
        for m in wiki.migrations:
            for name in (m.id, m.version, m.path):
                index.setdefault(name, m)
        if entry is None:
            weakref.finalize(wiki, _MIGRATION_INDEX.pop, key, None)
        entry = _MIGRATION_INDEX[key] = (shape, index)
    return entry[1]
