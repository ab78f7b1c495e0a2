"""Replay migrations to learn what happened to every table and column over time.

Each `Change` a statement made is applied to a running picture of the schema
keyed by the names objects have *at that point*, so a column keeps one
history through renames of itself and of its table. Objects that are dropped
move to a graveyard and stay as history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..model import Action, Change, Event, Location, Migration, Statement

TABLE_ACTIONS = {
    Action.CREATE_TABLE,
    Action.DROP_TABLE,
    Action.RENAME_TABLE,
    Action.COMMENT_TABLE,
    Action.CREATE_INDEX,
    Action.DROP_INDEX,
    Action.ADD_CONSTRAINT,
    Action.DROP_CONSTRAINT,
}


@dataclass
class ColumnTrail:
    """What the migrations say about one column."""

    name: str
    introduced_by: str | None = None
    #: (migration id, line) of the ADD COLUMN.
    introduced_at: Location | None = None
    type: str | None = None
    events: list[Event] = field(default_factory=list)
    #: Names this column had before, oldest first.
    former_names: list[str] = field(default_factory=list)


@dataclass
class TableTrail:
    """What the migrations say about one table."""

    schema: str
    name: str
    introduced_by: str | None = None
    events: list[Event] = field(default_factory=list)
    columns: dict[str, ColumnTrail] = field(default_factory=dict)
    dropped_columns: list[ColumnTrail] = field(default_factory=list)
    former_names: list[str] = field(default_factory=list)


@dataclass
class History:
    """The result of replaying every migration."""

    tables: dict[tuple[str, str], TableTrail] = field(default_factory=dict)
    dropped_tables: list[TableTrail] = field(default_factory=list)
    #: For each migration id, the (schema, table, column|None) names it touched,
    #: as they are *now* (after later renames), for linking from migration pages.
    touched: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)

    def table(self, schema: str, name: str) -> TableTrail | None:
        return self.tables.get((schema, name))


def replay(migrations: list[Migration]) -> History:
    """Apply every change of every migration, in order."""
    history = History()
    # Touches are recorded against trail objects, then resolved to final names.
    touches: dict[str, list[tuple[TableTrail, ColumnTrail | None]]] = {}
    for migration in migrations:
        date = migration.date
        bucket = touches.setdefault(migration.id, [])
        for statement in migration.statements:
            # A directory migration's steps carry their own dates.
            step = migration.step_for(statement.location.path) if migration.steps else None
            when = step.date if step is not None else date
            for change in statement.changes:
                _apply(history, migration.id, when, statement, change, bucket)
    for migration_id, items in touches.items():
        seen: list[tuple[str, str, str | None]] = []
        for table, column in items:
            key = (table.schema, table.name, column.name if column else None)
            if key not in seen:
                seen.append(key)
        history.touched[migration_id] = seen
    return history


def _table(history: History, schema: str, name: str) -> TableTrail:
    key = (schema, name)
    trail = history.tables.get(key)
    if trail is None:
        # Created outside the migrations (setup SQL, an older baseline): still tracked.
        trail = TableTrail(schema, name)
        history.tables[key] = trail
    return trail


def _column(table: TableTrail, name: str) -> ColumnTrail:
    trail = table.columns.get(name)
    if trail is None:
        trail = ColumnTrail(name)
        table.columns[name] = trail
    return trail


def _apply(
    history: History,
    migration_id: str,
    date: dt.date | None,
    statement: Statement,
    change: Change,
    touches: list[tuple[TableTrail, ColumnTrail | None]],
) -> None:
    when = date

    def event(detail: str | None = None, old: str | None = None, new: str | None = None) -> Event:
        return Event(migration_id, change.action, when, statement.location, detail, old, new)

    action = change.action
    if action == Action.CREATE_TABLE:
        key = (change.schema, change.table)
        existing = history.tables.get(key)
        if existing is not None and existing.introduced_by is not None:
            # CREATE TABLE IF NOT EXISTS of a table we know: nothing new.
            touches.append((existing, None))
            return
        table = existing or TableTrail(change.schema, change.table)
        history.tables[key] = table
        table.introduced_by = migration_id
        table.events.append(event(change.detail))
        touches.append((table, None))
        return

    table = _table(history, change.schema, change.table)

    if action == Action.RENAME_TABLE and change.new_name:
        history.tables.pop((table.schema, table.name), None)
        table.former_names.append(table.name)
        table.events.append(event(old=table.name, new=change.new_name))
        table.name = change.new_name
        history.tables[(table.schema, table.name)] = table
        touches.append((table, None))
        return
    if action == Action.DROP_TABLE:
        table.events.append(event())
        history.tables.pop((table.schema, table.name), None)
        history.dropped_tables.append(table)
        touches.append((table, None))
        return
    if action in TABLE_ACTIONS or change.column is None:
        table.events.append(event(change.detail))
        touches.append((table, None))
        return

    column_name = change.column
    if action == Action.ADD_COLUMN:
        column = table.columns.get(column_name)
        if column is None or column.introduced_by is not None:
            if column is not None:
                # ADD COLUMN IF NOT EXISTS of a known column.
                touches.append((table, column))
                return
            column = ColumnTrail(column_name)
            table.columns[column_name] = column
        column.introduced_by = migration_id
        column.introduced_at = statement.location
        column.type = change.detail
        column.events.append(event(change.detail))
        touches.append((table, column))
        return

    column = _column(table, column_name)
    if action == Action.RENAME_COLUMN and change.new_name:
        table.columns.pop(column.name, None)
        column.former_names.append(column.name)
        column.events.append(event(old=column.name, new=change.new_name))
        column.name = change.new_name
        table.columns[column.name] = column
    elif action == Action.DROP_COLUMN:
        column.events.append(event())
        table.columns.pop(column.name, None)
        table.dropped_columns.append(column)
    else:
        if action == Action.ALTER_TYPE:
            column.type = change.detail
        column.events.append(event(change.detail))
    touches.append((table, column))
