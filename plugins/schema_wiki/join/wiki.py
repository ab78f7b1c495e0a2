"""Join the three sources into one cross-linked `Wiki`.

The catalog says what exists now; the migrations say who added it, when and
why, and what happened to it since; the ADRs say which decisions concern it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from ..model import (
    Action,
    Adr,
    Catalog,
    CatalogTable,
    Column,
    DropDate,
    Event,
    Finding,
    Level,
    Location,
    Migration,
    RelatedMigration,
    SchemaRef,
    Table,
    Wiki,
)
from ..sources.headers import is_placeholder
from .adr_links import link_relations
from .drop_dates import ALL_COLUMNS, comment_drop_date, header_drop_dates
from .history import ColumnTrail, History, TableTrail, replay
from .pg_types import pg_type

_DIGITS = re.compile(r"(\d+)")


@dataclass
class JoinCache:
    """The ADR-independent part of the last join, for a ``mkdocs serve`` rebuild.

    Saving an ADR changes only which ADRs each table and column lists; the
    history replay and the drop dates (seconds with thousands of migrations)
    depend on the migrations, the catalog and today alone. The cache keeps
    the objects it was built from, so it is reused only for those very objects.
    The model is immutable, so the cached tables are shared, never copied.
    """

    migrations: tuple[Migration, ...] = ()
    catalog: Catalog | None = None
    today: dt.date | None = None
    joined: _Unlinked | None = None
    hits: int = 0

    def matches(self, migrations: Sequence[Migration], catalog: Catalog, today: dt.date) -> bool:
        return (
            self.catalog is catalog
            and self.today == today
            and len(self.migrations) == len(migrations)
            and all(a is b for a, b in zip(self.migrations, migrations, strict=True))
        )


@dataclass(frozen=True)
class _Unlinked:
    """The join before ADRs are linked: tables with their history and drop dates."""

    tables: tuple[Table, ...]
    dropped_tables: tuple[Table, ...]
    touched: dict[str, tuple[tuple[str, str, str | None], ...]]
    history: History


def build_wiki(
    migrations: Sequence[Migration],
    adrs: Sequence[Adr],
    catalog: Catalog,
    today: dt.date,
    cache: JoinCache | None = None,
) -> Wiki:
    """Join migrations, ADRs and the catalog. Findings about references are the wiki's findings.

    With ``cache``, a join of the same migrations, catalog and day reuses the
    history of the last one.
    """
    if cache is not None and cache.matches(migrations, catalog, today) and cache.joined:
        cache.hits += 1
        joined = cache.joined
    else:
        joined = _join(migrations, catalog)
        if cache is not None:
            cache.migrations, cache.catalog, cache.today = tuple(migrations), catalog, today
            cache.joined = joined
    wiki = Wiki(
        tables=joined.tables,
        migrations=tuple(migrations),
        adrs=tuple(adrs),
        today=today,
        dropped_tables=joined.dropped_tables,
        touched=joined.touched,
        catalog=catalog,
        history=joined.history,
    )
    wiki, adr_findings = _link_adrs(wiki)
    migration_adrs, adr_migrations, header_adrs, header_findings = _migration_adr_links(wiki)
    wiki = _decided(wiki, header_adrs)
    related, related_findings = _related_migrations(wiki)
    return replace(
        wiki,
        migration_adrs=migration_adrs,
        adr_migrations=adr_migrations,
        related_migrations=related,
        findings=(*adr_findings, *header_findings, *related_findings),
    )


def applied(migrations: Sequence[Migration], catalog: Catalog) -> list[Migration]:
    """The migrations (and statements) the catalog holds the effects of: all of them,
    or those before the one PostgreSQL rejected (`Catalog.failure`)."""
    failure = catalog.failure
    if failure is None:
        return list(migrations)
    out: list[Migration] = []
    for migration in migrations:
        if migration.id == failure.migration_id:
            if failure.statements_applied:
                kept = migration.statements[: failure.statements_applied]
                out.append(replace(migration, statements=kept))
            break
        if failure.migration_id is None:
            break  # setup_sql failed: nothing applied
        out.append(migration)
    return out


def _join(migrations: Sequence[Migration], catalog: Catalog) -> _Unlinked:
    migrations = applied(migrations, catalog)
    history = replay(migrations, catalog.witness)
    stated = header_dates(migrations, history)
    tables = tuple(_table(ct, history.table(ct.schema, ct.name), stated) for ct in catalog.tables)
    return _Unlinked(
        tables=tables,
        dropped_tables=tuple(_dropped_table(t, stated) for t in history.dropped_tables),
        touched={k: tuple(v) for k, v in history.touched.items()},
        history=history,
    )


#: Drop dates by column trail (`id` of a `ColumnTrail` of one replay).
Stated = dict[int, DropDate]


def _table(ct: CatalogTable, trail: TableTrail | None, stated: Stated) -> Table:
    columns = []
    for cc in ct.columns:
        col_trail = trail.columns.get(cc.name) if trail else None
        columns.append(
            Column(
                name=cc.name,
                type=cc.type,
                nullable=cc.nullable,
                default=cc.default,
                comment=cc.comment,
                position=cc.position,
                identity=cc.identity,
                generated=cc.generated,
                introduced_by=col_trail.introduced_by if col_trail else None,
                history=tuple(col_trail.events) if col_trail else (),
                drop_after=_drop_after(cc.comment, col_trail, stated),
                former_names=tuple(col_trail.former_names) if col_trail else (),
            )
        )
    dropped = (
        tuple(_dropped_column(c, 10_000 + i, stated) for i, c in enumerate(trail.dropped_columns))
        if trail
        else ()
    )
    return Table(
        schema=ct.schema,
        name=ct.name,
        kind=ct.kind,
        comment=ct.comment,
        columns=tuple(columns),
        introduced_by=trail.introduced_by if trail else None,
        history=tuple(trail.events) if trail else (),
        dropped_columns=dropped,
        catalog=ct,
        former_names=tuple(trail.former_names) if trail else (),
    )


def _column_trails(history: History) -> Iterator[tuple[TableTrail, ColumnTrail]]:
    """Every column the replay knows: of live and dropped tables, live and dropped."""
    for table in [*history.tables.values(), *history.dropped_tables]:
        for column in [*table.columns.values(), *table.dropped_columns]:
            yield table, column


def header_dates(migrations: Sequence[Migration], history: History) -> Stated:
    """Drop dates stated in migration headers, by column trail (live and dropped columns).

    A header's plain date applies to the columns that migration adds; a
    migration that adds none (one that deprecates a column with a comment or
    an ALTER) gives it to the columns it touches. ``table.column: date`` items
    name their columns explicitly (by any name the table and column had),
    preferring a column the migration touched. A later migration's date
    replaces an earlier one.
    """
    touched_by: dict[str, dict[int, ColumnTrail]] = {}
    named: dict[str, list[ColumnTrail]] = {}
    for table, column in _column_trails(history):
        for event in column.events:
            touched_by.setdefault(event.migration_id, {})[id(column)] = column
        for t in (table.name, *table.former_names):
            for n in (column.name, *column.former_names):
                for key in (f"{t}.{n}", f"{table.schema}.{t}.{n}"):
                    bucket = named.setdefault(key.lower(), [])
                    if column not in bucket:
                        bucket.append(column)
    out: Stated = {}
    for migration in migrations:
        dates = header_drop_dates(migration)
        if not dates:
            continue
        touched = list(touched_by.get(migration.id, {}).values())
        if ALL_COLUMNS in dates:
            day, where = dates[ALL_COLUMNS]
            added = [c for c in touched if c.introduced_by == migration.id]
            for column in added or touched:
                out[id(column)] = DropDate(day, where, "header")
        for ref, (day, where) in dates.items():
            candidates = named.get(ref, []) if ref != ALL_COLUMNS else []
            if not candidates:
                continue
            mine = [c for c in candidates if any(c is t for t in touched)]
            out[id((mine or candidates)[0])] = DropDate(day, where, "header")
    return out


def _drop_after(comment: str | None, trail: ColumnTrail | None, stated: Stated) -> DropDate | None:
    """The header's date first (an explicit field), else a date stated in the comment."""
    from_header = stated.get(id(trail)) if trail is not None else None
    if from_header is not None:
        return from_header
    day = comment_drop_date(comment)
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


def _dropped_table(trail: TableTrail, stated: Stated) -> Table:
    live = list(trail.columns.values())
    columns = [
        _dropped_column(c, position, stated, dropped=position > len(live))
        for position, c in enumerate([*live, *trail.dropped_columns], start=1)
    ]
    return Table(
        schema=trail.schema,
        name=trail.name,
        kind=trail.kind,
        comment=_last_comment(trail.events),
        columns=tuple(columns),
        introduced_by=trail.introduced_by,
        history=tuple(trail.events),
        dropped=True,
        former_names=tuple(trail.former_names),
    )


def _dropped_column(
    trail: ColumnTrail, position: int, stated: Stated, *, dropped: bool = True
) -> Column:
    comment = _last_comment(trail.events)
    return Column(
        name=trail.name,
        # As PostgreSQL would print it, like the live columns' types.
        type=pg_type(trail.type or ""),
        nullable=True,
        default=None,
        comment=comment,
        position=position,
        introduced_by=trail.introduced_by,
        history=tuple(trail.events),
        drop_after=_drop_after(comment, trail, stated),
        dropped=dropped,
        former_names=tuple(trail.former_names),
    )


def _last_comment(events: Iterable[Event]) -> str | None:
    comment: str | None = None
    for event in events:
        if event.action in (Action.COMMENT_COLUMN, Action.COMMENT_TABLE):
            comment = event.detail
    return comment


# --- references -----------------------------------------------------------------


def find_table(wiki: Wiki, schema: str | None, name: str) -> Table | None:
    """A current table by name; unqualified names prefer ``public``."""
    candidates = [
        t for t in wiki.tables_by_name.get(name, ()) if schema is None or t.schema == schema
    ]
    if not candidates:
        candidates = [
            t
            for t in wiki.tables_by_lower_name.get(name.lower(), ())
            if schema is None or t.schema == schema
        ]
    return _preferred(candidates)


def _preferred(candidates: list[Table]) -> Table | None:
    candidates.sort(key=lambda t: (t.schema != "public", t.schema))
    return candidates[0] if candidates else None


def find_dropped_table(wiki: Wiki, schema: str | None, name: str) -> Table | None:
    """The first dropped table of that name (in ``schema`` when given)."""
    for t in wiki.dropped_tables_by_name.get(name, ()):
        if schema is None or t.schema == schema:
            return t
    return None


def find_renamed_table(wiki: Wiki, schema: str | None, name: str) -> Table | None:
    """A table, current else dropped, that was called ``name`` before a rename."""
    for t in wiki.tables_by_former_name.get(name.lower(), ()):
        if schema is None or t.schema == schema:
            return t
    return None


def _column_now(table: Table, name: str) -> tuple[str, bool] | None:
    """(the column's name today, whether it exists) for a name it has or had."""
    if table.column(name) is not None:
        return name, not table.dropped
    lower = name.lower()
    for c in table.columns:
        if c.name.lower() == lower or lower in (n.lower() for n in c.former_names):
            return c.name, not table.dropped and not c.dropped
    for c in reversed(table.dropped_columns):
        if c.name.lower() == lower or lower in (n.lower() for n in c.former_names):
            return c.name, False
    return None


def _table_named(wiki: Wiki, schema: str | None, name: str) -> Table | None:
    """The table ``name`` is: current, dropped, or renamed since."""
    return (
        find_table(wiki, schema, name)
        or find_dropped_table(wiki, schema, name)
        or find_renamed_table(wiki, schema, name)
    )


def resolve_ref(wiki: Wiki, ref: SchemaRef) -> tuple[Table | None, str | None, bool]:
    """(table, column name or None, exists now) for a reference; table None when unknown.

    ``a.b`` is a table's column, else, when ``a`` is no table, schema ``a``'s
    table ``b``. A reference to something that existed and was dropped
    resolves to the table holding its history, with ``exists now`` False; one
    to a name a table or column had before a rename resolves to it as it is
    now, so the link leads to its history. The column is returned by its
    current name.
    """
    if ref.column is None:
        table = _table_named(wiki, ref.schema, ref.table)
        return (table, None, not table.dropped) if table is not None else (None, None, False)
    for table in _tables_for(wiki, ref.schema, ref.table):
        found = _column_now(table, ref.column)
        if found is not None:
            return table, found[0], found[1]
    if ref.schema is None:
        # ``billing.customers``: a schema and a table.
        table = _table_named(wiki, ref.table, ref.column)
        if table is not None:
            return table, None, not table.dropped
    return None, None, False


def _tables_for(wiki: Wiki, schema: str | None, name: str) -> list[Table]:
    """Every table a name may mean, most likely first: current, dropped, renamed."""
    out: list[Table] = []
    dropped = wiki.dropped_tables_by_name.get(name, ())
    for table in (
        find_table(wiki, schema, name),
        *(t for t in reversed(dropped) if schema is None or t.schema == schema),
        find_renamed_table(wiki, schema, name),
    ):
        if table is not None and not any(table is t for t in out):
            out.append(table)
    return out


def _link_adrs(wiki: Wiki) -> tuple[Wiki, list[Finding]]:
    """Resolve relations between ADRs (`adr_links`), give each table and column the ADRs
    that name it, and report names that never existed. Returns a new wiki."""
    adrs, findings = link_relations(list(wiki.adrs))
    wiki = replace(wiki, adrs=tuple(adrs))
    every = [*wiki.tables, *wiki.dropped_tables]
    known_tables = {t.name for t in every} | {n for t in every for n in t.former_names}
    known_schemas = {t.schema for t in every}
    # (schema, table, dropped) -> ADR ids, and the same with the column name.
    on_table: dict[tuple[str, str, bool], list[str]] = {}
    on_column: dict[tuple[str, str, bool, str], list[str]] = {}
    for i, adr in enumerate(adrs):
        code: list[SchemaRef] = []
        for ref in adr.refs:
            table, column, _exists = resolve_ref(wiki, ref)
            if table is None:
                named = ref.explicit or _is_front_matter(adr, ref)
                known = ref.column is not None and (
                    ref.table in known_tables or ref.table in known_schemas
                )
                if not (named or known):
                    # Backticked text that names no known table or schema (``true``,
                    # ``config.yml``) is just code: no reference at all.
                    code.append(ref)
                    continue
                findings.append(
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
            key = (table.schema, table.name, table.dropped)
            _add_once(on_table.setdefault(key, []), adr.id)
            if column is not None:
                _add_once(on_column.setdefault((*key, column), []), adr.id)
        if code:
            adrs[i] = replace(adr, refs=tuple(r for r in adr.refs if r not in code))
    wiki = replace(wiki, adrs=tuple(adrs))
    if not on_table:
        return wiki, findings

    def linked(table: Table) -> Table:
        key = (table.schema, table.name, table.dropped)
        ids = on_table.get(key)
        if ids is None:
            return table

        def column(c: Column) -> Column:
            more = on_column.get((*key, c.name))
            return replace(c, adrs=_merged(c.adrs, more)) if more else c

        return replace(
            table,
            adrs=_merged(table.adrs, ids),
            columns=tuple(column(c) for c in table.columns),
            dropped_columns=tuple(column(c) for c in table.dropped_columns),
        )

    return (
        replace(
            wiki,
            tables=tuple(linked(t) for t in wiki.tables),
            dropped_tables=tuple(linked(t) for t in wiki.dropped_tables),
        ),
        findings,
    )


def _add_once(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _merged(first: tuple[str, ...], more: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *more]))


def _is_front_matter(adr: Adr, ref: SchemaRef) -> bool:
    # Body references carry a line past the front matter.
    return ref.location.line is not None and ref.location.line < adr.body_line


def adr_number(text: str) -> int | None:
    """``0015``, ``ADR-015`` or ``adr 15`` -> 15."""
    m = _DIGITS.search(text)
    return int(m.group(1)) if m else None


def _migration_adr_links(
    wiki: Wiki,
) -> tuple[
    dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], dict[str, list[str]], list[Finding]
]:
    """Migration id -> ADR ids and the reverse, from migration headers (``ADR:``) and
    from the migrations ADRs name; then the header's links alone; an ``ADR:`` naming
    no ADR is a finding."""
    by_number = {a.number: a for a in wiki.adrs if a.number is not None}
    migration_adrs: dict[str, list[str]] = {}
    adr_migrations: dict[str, list[str]] = {}
    header_adrs: dict[str, list[str]] = {}
    findings: list[Finding] = []

    def link(migration_id: str, adr_id: str) -> None:
        _add_once(migration_adrs.setdefault(migration_id, []), adr_id)
        _add_once(adr_migrations.setdefault(adr_id, []), migration_id)

    for migration in wiki.migrations:
        field = migration.header.get("adr")
        if field is None or is_placeholder(field.value):
            continue
        for item in field.items or (field.value,):
            number = adr_number(item)
            adr = by_number.get(number) if number is not None else None
            if adr is None:
                findings.append(
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
            _add_once(header_adrs.setdefault(migration.id, []), adr.id)
    for adr in wiki.adrs:
        for name in adr.migrations:
            named = find_migration(wiki, name)
            if named is not None:
                link(named.id, adr.id)
    return (
        {k: tuple(v) for k, v in migration_adrs.items()},
        {k: tuple(v) for k, v in adr_migrations.items()},
        header_adrs,
        findings,
    )


def _decided(wiki: Wiki, header_adrs: dict[str, list[str]]) -> Wiki:
    """Give each table and column the ADRs named in the ``ADR:`` header of a migration
    that created or changed it (a column's changes count for its table too)."""
    if not header_adrs:
        return wiki

    def of(events: Iterable[Event]) -> list[str]:
        out: list[str] = []
        for event in events:
            for adr_id in header_adrs.get(event.migration_id, ()):
                _add_once(out, adr_id)
        return out

    def column(c: Column) -> Column:
        ids = of(c.history)
        return replace(c, decided_by=_merged(c.decided_by, ids)) if ids else c

    def table(t: Table) -> Table:
        columns = tuple(column(c) for c in t.columns)
        gone = tuple(column(c) for c in t.dropped_columns)
        ids = of(t.history)
        for c in (*columns, *gone):
            for adr_id in c.decided_by:
                _add_once(ids, adr_id)
        if not ids:
            return t
        return replace(
            t, decided_by=_merged(t.decided_by, ids), columns=columns, dropped_columns=gone
        )

    return replace(
        wiki,
        tables=tuple(table(t) for t in wiki.tables),
        dropped_tables=tuple(table(t) for t in wiki.dropped_tables),
    )


def find_migration(wiki: Wiki, name: str) -> Migration | None:
    """A migration by id, file name, path or version."""
    key = name.strip().rstrip("/").rsplit("/", 1)[-1].removesuffix(".sql")
    found = wiki.migrations_by_key.get(key)
    if found is not None:
        return found
    for m in wiki.migrations:
        if m.id.startswith(key) or key.startswith(m.id):
            return m
    return None


# --- related migrations ------------------------------------------------------------

_FIRST_WORD = re.compile(r"[^\s,;()]+")


def find_related(wiki: Wiki, item: str) -> Migration | None:
    """The migration a ``Related migrations:`` item names, by its id, version, file or
    directory (``20240215100000_add_legacy_id_to_users``, ``...sql``,
    ``migrations/<id>/``, followed by words or not); None when it names none.

    Unlike `find_migration`, a shared prefix is not enough: a related migration
    that does not exist must be reported, not matched to a neighbour.
    """
    m = _FIRST_WORD.search(item.strip().removeprefix("- "))
    if m is None:
        return None
    token = m.group(0).rstrip(".:").rstrip("/")
    key = token.rsplit("/", 1)[-1].removesuffix(".sql")
    return wiki.migrations_by_name.get(key.lower())


def _item_line(field_line: int, value: str, item: str) -> int:
    """The line of a list field's item: bullets start on the line after the key."""
    lines = value.split("\n")
    bulleted = 1 if lines and lines[0].lstrip()[:1] in ("-", "*", "+", "\u2022") else 0
    for i, line in enumerate(lines):
        if item in line:
            return field_line + bulleted + i
    return field_line


def _related_migrations(
    wiki: Wiki,
) -> tuple[dict[str, tuple[RelatedMigration, ...]], list[Finding]]:
    """``Related migrations:`` both ways; an item naming no migration is a finding."""
    out: dict[str, list[RelatedMigration]] = {}
    findings: list[Finding] = []

    def add(owner: str, other: str, stated: bool) -> None:
        bucket = out.setdefault(owner, [])
        for i, known in enumerate(bucket):
            if known.migration_id == other:
                if stated and not known.stated:
                    bucket[i] = RelatedMigration(other, True)
                return
        bucket.append(RelatedMigration(other, stated))

    for migration in wiki.migrations:
        field = migration.header.get("related migrations")
        if field is None:
            continue
        for item in field.items:
            if is_placeholder(item):
                continue
            other = find_related(wiki, item)
            if other is None:
                findings.append(
                    Finding(
                        "dangling-reference",
                        Level.WARNING,
                        migration.id,
                        f"Related migrations names {item!r}, which is no migration;"
                        " write its id (version_name) or remove it",
                        Location(
                            _header_file(migration), _item_line(field.line, field.value, item)
                        ),
                    )
                )
                continue
            if other.id == migration.id:
                continue
            add(migration.id, other.id, True)
            add(other.id, migration.id, False)
    return {k: tuple(v) for k, v in out.items()}, findings


def _header_file(migration: Migration) -> str:
    return migration.files[0].path if migration.files else migration.path
