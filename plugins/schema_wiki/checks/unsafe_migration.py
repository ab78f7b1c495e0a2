"""A migration changes an existing table in a way that locks it or breaks its readers.

**Problem.** The review checklist's safety items, checked on every statement
of every migration against what the earlier migrations built:

* ``CREATE INDEX`` without ``CONCURRENTLY`` on a table that existed before
  this migration blocks every write to the table while the index builds;
  so does adding a ``UNIQUE``, ``PRIMARY KEY`` or ``EXCLUDE`` constraint,
  which builds its index under an ``ACCESS EXCLUSIVE`` lock.
* ``ADD CONSTRAINT ... CHECK`` or ``FOREIGN KEY`` without ``NOT VALID`` on an
  existing table scans all of it while holding a lock that blocks writes.
* ``ALTER COLUMN ... SET NOT NULL`` on an existing column scans the whole table
  under an ``ACCESS EXCLUSIVE`` lock (reads block too), unless a validated
  ``CHECK (column IS NOT NULL)`` already proves it.
* ``DROP COLUMN`` breaks every reader still selecting the column. A drop is
  accepted when the column's drop date was stated earlier (``Can drop
  after:``, ``Expected lifespan:`` or its comment, the same dates
  ``expired-column`` reads) and the dropping migration is dated on or after
  it: that is the announced cleanup, not a surprise.
* ``RENAME COLUMN`` breaks every reader using the old name at once.
* ``ALTER COLUMN ... TYPE`` rewrites the table under an ``ACCESS EXCLUSIVE``
  lock and can break clients; widening ``varchar(n)`` to a longer
  ``varchar`` or to ``text`` is accepted (no rewrite).

A table created, or a column added, earlier in the same migration is exempt:
it is new and empty as far as anyone else knows. A table no migration
creates (from ``setup_sql`` or an older baseline) counts as existing.

**Fix.** Use the expand-and-contract forms:

* ``CREATE INDEX CONCURRENTLY`` (outside a transaction); for a unique
  constraint, build the unique index concurrently, then ``ADD CONSTRAINT ...
  UNIQUE USING INDEX``;
* ``ADD CONSTRAINT ... NOT VALID``, then ``VALIDATE CONSTRAINT`` in a later
  transaction;
* for NOT NULL: ``ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID``,
  ``VALIDATE CONSTRAINT c``, then ``SET NOT NULL`` (PostgreSQL 12+ skips the
  scan) and drop the check;
* before a drop, state the drop date in a migration header or the column's
  comment and stop reading the column; drop it on or after that date;
* instead of a rename or a type change: add the new column, backfill it,
  move readers and writers, then drop the old one.

When the table is known to be small or the lock is planned for, say so where
the statement is: ``-- schema-wiki: ignore unsafe-migration <reason>``.

Written for this wiki rather than delegated to squawk (``squawk-cli`` on PyPI):
squawk lints one file at a time, so it cannot know that a table was created
by an earlier migration or in the same one, nor the drop dates the wiki
reads, and it ships a 25 MB platform binary.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..join.drop_dates import ALL_COLUMNS, comment_drop_date, header_drop_dates
from ..model import Action, Change, Finding, Level, Location, Migration, Statement, Wiki
from . import _sql

if TYPE_CHECKING:
    from . import Context

NAME = "unsafe-migration"
LEVEL = Level.WARNING
#: Reads nothing of the wiki but its migrations (see `checks.Rule.reads`).
READS = "migrations"


@dataclass
class _Column:
    name: str
    added_in: str | None
    type: str | None = None
    #: The stated drop date, if any.
    drop_after: dt.date | None = None


@dataclass
class _Check:
    #: Columns the check tests with ``IS NOT NULL``.
    not_null: set[str]
    validated: bool


@dataclass
class _Table:
    schema: str
    name: str
    created_in: str | None
    columns: dict[str, _Column] = field(default_factory=dict)
    checks: dict[str, _Check] = field(default_factory=dict)


@dataclass
class _Hit:
    table: _Table
    column: _Column | None
    location: Location
    message: str


class _Replay:
    """Follows tables, columns and constraints through the migrations, in order."""

    def __init__(self) -> None:
        self.tables: dict[tuple[str, str], _Table] = {}
        #: table name -> schemas holding a table of that name (ALTER TABLE without schema).
        self.schemas: dict[str, set[str]] = {}
        self.hits: list[_Hit] = []

    def table(self, schema: str, name: str) -> _Table:
        key = (schema, name)
        found = self.tables.get(key)
        if found is None:
            # Not created by any migration so far: it existed before them.
            found = _Table(schema, name, created_in=None)
            self.put(found)
        return found

    def column(self, table: _Table, name: str) -> _Column:
        found = table.columns.get(name)
        if found is None:
            found = _Column(name, added_in=None)
            table.columns[name] = found
        return found

    def put(self, table: _Table) -> None:
        self.tables[(table.schema, table.name)] = table
        self.schemas.setdefault(table.name, set()).add(table.schema)

    def remove(self, table: _Table) -> None:
        self.tables.pop((table.schema, table.name), None)
        self.schemas.get(table.name, set()).discard(table.schema)

    def by_name(self, name: str) -> list[_Table]:
        return [self.tables[(schema, name)] for schema in sorted(self.schemas.get(name, ()))]

    def migration(self, migration: Migration) -> None:
        added: list[_Column] = []
        touched: list[_Column] = []
        for statement in migration.statements:
            self.statement(migration, statement, added, touched)
        self.header_dates(migration, added or touched)

    def header_dates(self, migration: Migration, columns: list[_Column]) -> None:
        for ref, (day, _where) in header_drop_dates(migration).items():
            if ref == ALL_COLUMNS:
                for column in columns:
                    column.drop_after = day
                continue
            parts = ref.split(".")
            table_name, column_name = parts[-2], parts[-1]
            for table in self.by_name(table_name):
                if len(parts) == 3 and table.schema != parts[0]:
                    continue
                if column_name in table.columns:
                    table.columns[column_name].drop_after = day

    def statement(
        self,
        migration: Migration,
        statement: Statement,
        added: list[_Column],
        touched: list[_Column],
    ) -> None:
        # Tokenizing is the costly part: only ALTER TABLE statements that may add or
        # validate a constraint need their words; CREATE INDEX needs one look at its head.
        words = _sql.words(statement.sql) if _CONSTRAINT_WORDS.search(statement.sql) else []
        clauses = _sql.clauses(words)
        # Constraints come from the text: the statement analysis records no change for
        # some (an unnamed ``ADD CHECK``), and never their kind or NOT VALID.
        constraints = [c for c in clauses if _sql.constraint_kind(c)]
        if constraints:
            target = self.altered(statement, words)
            for clause in constraints:
                self.add_constraint(migration, statement, target, clause)
        self.validations(words, clauses)
        for change in statement.changes:
            if change.action != Action.ADD_CONSTRAINT:
                self.change(migration, statement, change, words, added, touched)

    def altered(self, statement: Statement, words: list[_sql.Word]) -> _Table:
        """The table an ``ALTER TABLE`` statement alters."""
        for change in statement.changes:
            return self.table(change.schema, change.table)
        name = _sql.altered_table(words) or ""
        schema = _sql.altered_schema(words)
        known = [t for t in self.by_name(name) if schema is None or t.schema == schema]
        return known[0] if known else self.table(schema or "public", name)

    def validations(self, words: list[_sql.Word], clauses: list[list[_sql.Word]]) -> None:
        table_name = _sql.altered_table(words)
        if table_name is None:
            return
        for clause in clauses:
            if _sql.has_sequence(clause[:2], "VALIDATE", "CONSTRAINT") and len(clause) > 2:
                for table in self.by_name(table_name):
                    check = table.checks.get(clause[2].name)
                    if check is not None:
                        check.validated = True

    def add_constraint(
        self,
        migration: Migration,
        statement: Statement,
        table: _Table,
        clause: list[_sql.Word],
    ) -> None:
        kind = _sql.constraint_kind(clause) or "constraint"
        name = _sql.constraint_name(clause)
        not_valid = _sql.has_sequence(clause, "NOT", "VALID", top_level=True)
        if kind == "check":
            table.checks[name or f"#{len(table.checks)}"] = _Check(
                _sql.not_null_columns(clause), validated=not not_valid
            )
        if table.created_in == migration.id:
            return
        label = f"{kind.upper()} constraint" + (f" {name}" if name else "")
        if kind in ("check", "foreign key") and not not_valid:
            self.hit(
                table,
                None,
                statement,
                f"{label} is added to existing table {_q(table)} without NOT VALID, which"
                " scans the whole table while blocking writes; add it NOT VALID, then"
                " VALIDATE CONSTRAINT in a later transaction",
            )
        elif kind in ("unique", "primary key", "exclusion") and not _sql.has_sequence(
            clause, "USING", "INDEX"
        ):
            self.hit(
                table,
                None,
                statement,
                f"{label} on existing table {_q(table)} builds its index while blocking"
                " reads and writes; build the index with CREATE UNIQUE INDEX CONCURRENTLY,"
                " then ADD CONSTRAINT ... USING INDEX",
            )

    def change(
        self,
        migration: Migration,
        statement: Statement,
        change: Change,
        words: list[_sql.Word],
        added: list[_Column],
        touched: list[_Column],
    ) -> None:
        action = change.action
        if action == Action.CREATE_TABLE:
            key = (change.schema, change.table)
            if key not in self.tables:
                self.put(_Table(change.schema, change.table, created_in=migration.id))
            return
        table = self.table(change.schema, change.table)
        new_table = table.created_in == migration.id
        if action == Action.DROP_TABLE:
            self.remove(table)
            return
        if action == Action.RENAME_TABLE and change.new_name:
            self.remove(table)
            table.name = change.new_name
            self.put(table)
            return
        if action == Action.CREATE_INDEX:
            if not new_table and not _CONCURRENTLY.match(statement.sql):
                index = f"index {change.detail}" if change.detail else "an index"
                self.hit(
                    table,
                    None,
                    statement,
                    f"CREATE INDEX builds {index} on existing table {_q(table)} without"
                    " CONCURRENTLY, blocking writes to the table until it is built; use"
                    " CREATE INDEX CONCURRENTLY (outside a transaction block)",
                )
            return
        if change.column is None:
            return
        if action == Action.ADD_COLUMN:
            if change.column not in table.columns:
                column = _Column(change.column, added_in=migration.id, type=change.detail)
                table.columns[change.column] = column
                added.append(column)
            return
        column = self.column(table, change.column)
        touched.append(column)
        new_column = new_table or column.added_in == migration.id
        if action == Action.COMMENT_COLUMN:
            day = comment_drop_date(change.detail)
            if day is not None:
                column.drop_after = day
        elif action == Action.RENAME_COLUMN and change.new_name:
            if not new_column:
                self.hit(
                    table,
                    column,
                    statement,
                    f"column {_q(table, column)} is renamed to {change.new_name}: every"
                    " reader using the old name breaks at once; add the new column, copy the"
                    " data, move readers and writers, then drop the old one",
                )
            table.columns.pop(column.name, None)
            column.name = change.new_name
            table.columns[column.name] = column
        elif action == Action.DROP_COLUMN:
            if not new_column:
                self.drop(migration, statement, table, column)
            table.columns.pop(column.name, None)
        elif action == Action.SET_NOT_NULL:
            proven = any(
                check.validated and column.name in check.not_null for check in table.checks.values()
            )
            if not new_column and not proven:
                self.hit(
                    table,
                    column,
                    statement,
                    f"SET NOT NULL on existing column {_q(table, column)} scans the whole"
                    " table while blocking reads and writes; first ADD CONSTRAINT ... CHECK"
                    f" ({column.name} IS NOT NULL) NOT VALID and VALIDATE it, then SET NOT NULL",
                )
        elif action == Action.ALTER_TYPE:
            if not new_column and not _widens(column.type, change.detail):
                was = f" from {column.type}" if column.type else ""
                self.hit(
                    table,
                    column,
                    statement,
                    f"column {_q(table, column)} changes type{was} to {change.detail}, which"
                    " rewrites the table while blocking reads and writes and can break"
                    " clients; add a new column, backfill it and switch over instead",
                )
            column.type = change.detail

    def drop(
        self, migration: Migration, statement: Statement, table: _Table, column: _Column
    ) -> None:
        day = migration.date
        if column.drop_after is None:
            self.hit(
                table,
                column,
                statement,
                f"column {_q(table, column)} is dropped without a drop date stated before:"
                " readers still selecting it break; announce it first (Can drop after: in a"
                " migration header, or in the column's comment), then drop it",
            )
        elif day is not None and day < column.drop_after:
            self.hit(
                table,
                column,
                statement,
                f"column {_q(table, column)} is dropped on {day.isoformat()}, before its"
                f" stated drop date {column.drop_after.isoformat()}: readers were promised"
                " it until then; wait, or state an earlier date first",
            )

    def hit(
        self, table: _Table, column: _Column | None, statement: Statement, message: str
    ) -> None:
        self.hits.append(_Hit(table, column, statement.location, message))


def _q(table: _Table, column: _Column | None = None) -> str:
    base = f"{table.schema}.{table.name}"
    return f"{base}.{column.name}" if column else base


_CONSTRAINT_WORDS = re.compile(
    r"^\s*ALTER\s+TABLE\b.*\b(?:CHECK|FOREIGN|UNIQUE|PRIMARY|EXCLUDE|VALIDATE)\b",
    re.IGNORECASE | re.DOTALL,
)
_CONCURRENTLY = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\b", re.IGNORECASE)
_VARCHAR = re.compile(r"^(?:varchar|character varying)\s*(?:\(\s*(\d+)\s*\))?$")


def _widens(old: str | None, new: str | None) -> bool:
    """True for type changes PostgreSQL makes without a rewrite: longer varchar, or text."""
    if old is None or new is None:
        return False
    a, b = " ".join(old.lower().split()), " ".join(new.lower().split())
    if a == b:
        return True
    was = _VARCHAR.match(a)
    if was is None:
        return False
    if b == "text":
        return True
    now = _VARCHAR.match(b)
    if now is None:
        return False
    if now.group(1) is None:
        return True
    return was.group(1) is not None and int(now.group(1)) >= int(was.group(1))


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    replay = _Replay()
    for migration in wiki.migrations:
        replay.migration(migration)
    for hit in replay.hits:
        # Targets use the names the objects have after every migration, like the pages.
        yield Finding(NAME, LEVEL, _q(hit.table, hit.column), hit.message, hit.location)
