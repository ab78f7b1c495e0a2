"""A migration changes an existing table in a way that locks it, rewrites it, or breaks its readers.

**Problem.** The review checklist's safety items, judged on what the throwaway
PostgreSQL measured while it applied each statement (`schema_wiki.join.history`):
the locks the migration held, whether ``table_rewrite`` fired, what a DROP took
along. Only objects that existed before the migration count: a table created,
or a column added, earlier in the same migration is new as far as anyone else
knows (a table no migration creates, from ``setup_sql``, counts as existing).

* **Rewrite.** PostgreSQL wrote every row of the table anew (a type change
  that is not binary compatible, a volatile default, ``SET LOGGED``) while
  holding an ``ACCESS EXCLUSIVE`` lock. A change PostgreSQL makes in place
  (``varchar(50)`` to ``text``, ``numeric(12,2)`` to ``numeric(14,2)``) is
  not reported.
* **NOT NULL.** ``SET NOT NULL`` on a column that was nullable scans the whole
  table under ``ACCESS EXCLUSIVE``, unless a validated ``CHECK (column IS NOT
  NULL)`` already proves it. A column added earlier in the same migration
  is no exception: the table's existing rows hold NULL in it, so the
  migration fails on a table with rows unless they are backfilled in between,
  and then the scan happens anyway. ``ADD COLUMN ... NOT NULL`` without a
  default fails on any row; with a constant default it is instant.
* **Validation scan.** ``ADD CONSTRAINT ... CHECK`` or ``FOREIGN KEY`` without
  ``NOT VALID`` scans the whole table under its lock: ``ACCESS EXCLUSIVE`` for a
  ``CHECK``, ``SHARE ROW EXCLUSIVE`` (writes wait) on both tables for a foreign key.
* **Index build.** ``CREATE INDEX`` without ``CONCURRENTLY`` blocks writes until
  the index is built; ``UNIQUE``, ``PRIMARY KEY`` and ``EXCLUDE`` constraints,
  ``ADD COLUMN ... UNIQUE`` included, build theirs under ``ACCESS EXCLUSIVE``.
* **Cascade.** A ``DROP ... CASCADE`` took other objects along (views, foreign
  keys, columns of other tables): every one is named, since their readers
  break at once and their owners were not asked.
* **Dropped column.** ``DROP COLUMN`` breaks every reader still selecting it. A
  drop is accepted when the column's drop date was stated earlier (``Can drop
  after:``, ``Expected lifespan:`` or its comment, the dates ``expired-column``
  reads) and the dropping migration is dated on or after it.
* **Renamed column.** ``RENAME COLUMN`` breaks every reader using the old name.

Each finding names the lock the migration held after the statement and on
which tables, as measured on the throwaway server.

**Fix.** Use the expand-and-contract forms:

* ``CREATE INDEX CONCURRENTLY`` (outside a transaction); for a unique
  constraint, build the unique index concurrently, then ``ADD CONSTRAINT ...
  UNIQUE USING INDEX``;
* ``ADD CONSTRAINT ... NOT VALID``, then ``VALIDATE CONSTRAINT`` in a later
  transaction (it takes only ``SHARE UPDATE EXCLUSIVE``);
* for NOT NULL: ``ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID``,
  ``VALIDATE CONSTRAINT c``, then ``SET NOT NULL`` (PostgreSQL 12+ skips the
  scan) and drop the check; a new column: ``ADD COLUMN ... NOT NULL DEFAULT
  <constant>`` in one statement;
* instead of a rewriting type change: add the new column, backfill it in
  batches, move readers and writers, then drop the old one;
* before a drop, state the drop date in a migration header or the column's
  comment and stop reading the column; drop it on or after that date; drop
  dependent views in their own migration instead of by CASCADE.

When the table is known to be small or the lock is planned for, say so where
the statement is: ``-- schema-wiki: ignore unsafe-migration <reason>``.

Written for this wiki rather than delegated to squawk (``squawk-cli`` on PyPI):
squawk lints one file at a time from the text alone, so it cannot know that a
table was created by an earlier migration, whether PostgreSQL really rewrites
it, what a CASCADE takes, nor the drop dates the wiki reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..join.drop_dates import ALL_COLUMNS, comment_drop_date, header_drop_dates
from ..join.history import (
    ColumnTrail,
    History,
    Step,
    TableTrail,
    history_of,
    lock_rank,
    lock_words,
)
from ..model import Action, Finding, Level, Location, Migration, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "unsafe-migration"
LEVEL = Level.WARNING

_CONCURRENTLY = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\b",
    re.IGNORECASE | re.DOTALL,
)


def _q(table: TableTrail, column: ColumnTrail | None = None) -> str:
    """Today's name (the pages' name) of a table or column."""
    base = f"{table.schema}.{table.name}"
    return f"{base}.{column.name}" if column else base


def held(step: Step, history: History) -> str:
    """The locks the migration held after ``step`` on tables that existed before it."""
    locks = [
        lock
        for oid, lock in step.held.items()
        if oid in step.existed and history.by_oid.get(oid) is not None
    ]
    if not locks:
        return "no lock measured"
    locks.sort(key=lambda lock: (-lock_rank(lock.mode), lock.relation))
    shown = ", ".join(f"{lock_words(lock.mode)} on {lock.relation}" for lock in locks)
    return f"held {shown} (measured)"


class _Judge:
    def __init__(self, history: History) -> None:
        self.history = history
        #: Drop dates stated so far, by column trail.
        self.drop_after: dict[int, dt.date] = {}

    def migration(self, migration: Migration, steps: list[Step]) -> Iterator[Finding]:
        added: list[ColumnTrail] = []
        touched: list[ColumnTrail] = []
        for step in steps:
            statement = migration.statements[step.index]
            yield from self.step(migration, step, statement.sql)
            for _table, column, event in step.events:
                if column is None:
                    continue
                if event.action == Action.ADD_COLUMN:
                    added.append(column)
                else:
                    touched.append(column)
        self.header_dates(migration, added or touched)

    def header_dates(self, migration: Migration, columns: list[ColumnTrail]) -> None:
        for ref, (day, _where) in header_drop_dates(migration).items():
            if ref == ALL_COLUMNS:
                for column in columns:
                    self.drop_after[id(column)] = day
                continue
            for column in self.named(ref):
                self.drop_after[id(column)] = day

    def named(self, ref: str) -> list[ColumnTrail]:
        """Columns a header's ``table.column`` (or ``schema.table.column``) names, by any name
        they have had."""
        parts = ref.split(".")
        schema = parts[0] if len(parts) == 3 else None
        out: list[ColumnTrail] = []
        for trail in self.history.by_oid.values():
            if schema is not None and trail.schema != schema:
                continue
            if parts[-2] not in (trail.name.lower(), *(n.lower() for n in trail.former_names)):
                continue
            for column in [*trail.columns.values(), *trail.dropped_columns]:
                names = (column.name, *column.former_names)
                if parts[-1] in (n.lower() for n in names):
                    out.append(column)
        return out

    def step(self, migration: Migration, step: Step, sql: str) -> Iterator[Finding]:
        history = self.history
        location = step.location
        lock = held(step, history)
        existed = step.existed

        def new_column(column: ColumnTrail) -> bool:
            return column.introduced_by == migration.id

        rewritten = {trail.oid for trail, _reasons in step.rewritten}
        retyped: dict[int | None, list[ColumnTrail]] = {}
        for table, column, event in step.events:
            if column is None:
                continue
            if event.action == Action.COMMENT_COLUMN:
                day = comment_drop_date(event.detail)
                if day is not None:
                    self.drop_after[id(column)] = day
            elif event.action == Action.ALTER_TYPE and event.rewrite:
                retyped.setdefault(table.oid, []).append(column)
            elif event.action == Action.RENAME_COLUMN and not new_column(column):
                if table.oid in existed:
                    yield Finding(
                        NAME,
                        LEVEL,
                        _q(table, column),
                        f"column {_q(table, column)} is renamed from {event.old_name} to"
                        f" {event.new_name}: every reader using the old name breaks at once;"
                        f" {lock}; add the new column, copy the data, move readers and writers,"
                        " then drop the old one",
                        location,
                    )
            elif (
                event.action == Action.DROP_COLUMN
                and event.cascade_of is None
                and table.oid in existed
                and not new_column(column)
            ):
                yield from self.drop(migration, table, column, location, lock)

        for table, reasons in step.rewritten:
            if table.oid not in existed:
                continue
            columns = retyped.get(table.oid, [])
            why = ", ".join(reasons)
            if columns:
                names = ", ".join(f"{c.name} to {c.type}" for c in columns)
                what = f"changing the type of {names}"
                fix = (
                    "add a new column, backfill it in batches, move readers and writers, then"
                    " drop the old one"
                )
                target = _q(table, columns[0]) if len(columns) == 1 else _q(table)
            else:
                what = "this statement"
                fix = (
                    "add columns without a volatile default (a constant default needs no"
                    " rewrite since PostgreSQL 11) and backfill in batches; plan a maintenance"
                    " window for what must rewrite"
                )
                target = _q(table)
            yield Finding(
                NAME,
                LEVEL,
                target,
                f"{what} rewrites table {_q(table)}: PostgreSQL wrote every row anew"
                f" ({why}) while blocking reads and writes; {lock}; {fix}",
                location,
            )

        for nn in step.not_null:
            table, column = nn.table, nn.column
            if nn.proven or table.oid in rewritten:
                continue
            if nn.added_here:
                if nn.has_default:
                    continue
                yield Finding(
                    NAME,
                    LEVEL,
                    _q(table, column),
                    f"column {_q(table, column)} is added NOT NULL without a default to existing"
                    f" table {_q(table)}: on a table with rows the migration fails (every"
                    f" existing row would hold NULL); {lock}; add it with NOT NULL DEFAULT"
                    " <constant> (instant since PostgreSQL 11), or nullable, backfill, then"
                    " validate a CHECK (... IS NOT NULL) before SET NOT NULL",
                    location,
                )
            elif new_column(column):
                added = column.introduced_at
                backfill = (
                    " (it has a default, so the rows hold it)"
                    if nn.has_default
                    else ", and fails unless every existing row got a value in between"
                )
                yield Finding(
                    NAME,
                    LEVEL,
                    _q(table, column),
                    f"column {_q(table, column)} was added in this migration"
                    f"{f' (line {added.line})' if added and added.line else ''} and is now set"
                    f" NOT NULL: on existing table {_q(table)} that scans every row under"
                    f" ACCESS EXCLUSIVE{backfill}; {lock}; add it with NOT NULL DEFAULT"
                    " <constant> in one statement, or backfill, ADD CONSTRAINT ... CHECK"
                    f" ({column.name} IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL",
                    location,
                )
            else:
                yield Finding(
                    NAME,
                    LEVEL,
                    _q(table, column),
                    f"SET NOT NULL on existing column {_q(table, column)} scans the whole table"
                    f" while blocking reads and writes; {lock}; first ADD CONSTRAINT ... CHECK"
                    f" ({column.name} IS NOT NULL) NOT VALID and VALIDATE it, then SET NOT NULL",
                    location,
                )

        constraint_indexes = {k.index: k for _t, k in step.constrained if k.index}
        for table, constraint in step.constrained:
            if constraint.kind not in ("check", "foreign key") or not constraint.validated:
                continue
            if table.oid in rewritten:
                continue
            yield Finding(
                NAME,
                LEVEL,
                _q(table),
                f"{constraint.kind.upper()} constraint {constraint.name} is added to existing"
                f" table {_q(table)} without NOT VALID, which scans the whole table under"
                f" its lock; {lock}; add it NOT VALID, then VALIDATE CONSTRAINT in a later"
                " transaction",
                location,
            )
        concurrently = _CONCURRENTLY.match(sql) is not None
        for table, index in step.built:
            if concurrently:
                continue
            owner = constraint_indexes.get(index.oid)
            if owner is not None:
                # ALTER TABLE takes ACCESS EXCLUSIVE: readers wait too.
                what = f"{owner.kind.upper()} constraint {owner.name} builds its index {index.name}"
                blocks = "reads and writes"
                fix = (
                    "build the index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT"
                    " ... USING INDEX"
                )
            else:
                what = f"CREATE INDEX builds index {index.name}"
                blocks = "writes"
                fix = "use CREATE INDEX CONCURRENTLY (outside a transaction block)"
            yield Finding(
                NAME,
                LEVEL,
                _q(table),
                f"{what} on existing table {_q(table)} without CONCURRENTLY, blocking"
                f" {blocks} until it is built; {lock}; {fix}",
                location,
            )

        victims = [c for c in step.cascaded if c.existed]
        if victims:
            cause = victims[0].cause
            names = ", ".join(c.what for c in victims)
            yield Finding(
                NAME,
                LEVEL,
                self.cascade_target(step),
                f"dropping {cause} also dropped, by CASCADE, {names}: their readers break at"
                f" once and their owners were not asked; {lock}; drop or change the dependent"
                " objects explicitly first (each in a migration its owners review), then drop"
                " without CASCADE",
                location,
            )

    def cascade_target(self, step: Step) -> str:
        for table, column, event in step.events:
            if event.cascade_of is None and event.action in (
                Action.DROP_COLUMN,
                Action.DROP_TABLE,
                Action.DROP_VIEW,
                Action.DROP_MATERIALIZED_VIEW,
            ):
                return _q(table, column)
        return step.migration_id

    def drop(
        self,
        migration: Migration,
        table: TableTrail,
        column: ColumnTrail,
        location: Location,
        lock: str,
    ) -> Iterator[Finding]:
        day = migration.date
        stated = self.drop_after.get(id(column))
        if stated is None:
            yield Finding(
                NAME,
                LEVEL,
                _q(table, column),
                f"column {_q(table, column)} is dropped without a drop date stated before:"
                f" readers still selecting it break; {lock}; announce it first (Can drop after:"
                " in a migration header, or in the column's comment), then drop it",
                location,
            )
        elif day is not None and day < stated:
            yield Finding(
                NAME,
                LEVEL,
                _q(table, column),
                f"column {_q(table, column)} is dropped on {day.isoformat()}, before its"
                f" stated drop date {stated.isoformat()}: readers were promised it until then;"
                f" {lock}; wait, or state an earlier date first",
                location,
            )


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    history = history_of(wiki)
    if history is None:
        return
    by_migration: dict[str, list[Step]] = {}
    for step in history.steps:
        by_migration.setdefault(step.migration_id, []).append(step)
    judge = _Judge(history)
    for migration in wiki.migrations:
        yield from judge.migration(migration, by_migration.get(migration.id, []))
