"""A table's history: every event of the table and of its columns, one row per migration.

The table page's History says, for each migration that touched the table, what
it did (created it with its columns, added, renamed, retyped and dropped
columns, indexes, constraints, comments), who ran it and why, the why once per
migration rather than on every column it created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from ..join.pg_types import pg_type
from ..model import Action, Event, Migration, Table
from . import escape

#: The order in which one migration's changes are told.
_ORDER = (
    Action.CREATE_TABLE,
    Action.RENAME_TABLE,
    Action.ADD_COLUMN,
    Action.RENAME_COLUMN,
    Action.ALTER_TYPE,
    Action.SET_NOT_NULL,
    Action.DROP_NOT_NULL,
    Action.SET_DEFAULT,
    Action.DROP_DEFAULT,
    Action.COMMENT_TABLE,
    Action.COMMENT_COLUMN,
    Action.CREATE_INDEX,
    Action.DROP_INDEX,
    Action.ADD_CONSTRAINT,
    Action.DROP_CONSTRAINT,
    Action.DROP_COLUMN,
    Action.DROP_TABLE,
)
#: How each kind of change on columns is told: verb, and whether each column shows a detail.
_COLUMN_VERBS = {
    Action.ADD_COLUMN: "added",
    Action.ALTER_TYPE: "retyped",
    Action.SET_NOT_NULL: "made NOT NULL",
    Action.DROP_NOT_NULL: "made nullable",
    Action.SET_DEFAULT: "default set on",
    Action.DROP_DEFAULT: "default dropped from",
    Action.COMMENT_COLUMN: "commented",
    Action.DROP_COLUMN: "dropped",
}
_TABLE_VERBS = {
    Action.CREATE_INDEX: "index created",
    Action.DROP_INDEX: "index dropped",
    Action.ADD_CONSTRAINT: "constraint added",
    Action.DROP_CONSTRAINT: "constraint dropped",
    Action.COMMENT_TABLE: "table commented",
    Action.DROP_TABLE: "table dropped",
}


@dataclass(frozen=True)
class HistoryRow:
    """One migration's changes to a table and its columns."""

    migration_id: str
    date: str
    author: str
    why: str
    changes: Markup


def table_history(
    table: Table,
    column_link: Callable[[str], Markup],
    migrations: dict[str, Migration],
    order: dict[str, int],
) -> list[HistoryRow]:
    """The table's history, oldest migration first.

    ``column_link`` links a column name to its section; ``order`` is each
    migration's place in the order they are applied.
    """
    events: list[tuple[str | None, Event]] = [(None, e) for e in table.history]
    for column in [*table.columns, *table.dropped_columns]:
        events.extend((column.name, e) for e in column.history)
    by_migration: dict[str, list[tuple[str | None, Event]]] = {}
    for column_name, event in events:
        by_migration.setdefault(event.migration_id, []).append((column_name, event))

    def place(migration_id: str) -> tuple[int, str]:
        first = by_migration[migration_id][0][1]
        return (order.get(migration_id, len(order)), first.date.isoformat() if first.date else "")

    rows = []
    for migration_id in sorted(by_migration, key=place):
        group = by_migration[migration_id]
        migration = migrations.get(migration_id)
        first = group[0][1]
        rows.append(
            HistoryRow(
                migration_id=migration_id,
                date=first.date.isoformat() if first.date else "",
                author=(migration.header.text("author") or "") if migration else "",
                why=escape.summary(migration.header.text("context")) if migration else "",
                changes=_changes(group, column_link),
            )
        )
    return rows


def _changes(group: list[tuple[str | None, Event]], link: Callable[[str], Markup]) -> Markup:
    """What one migration did, as phrases: ``**created** with `id`, `email`; ...``."""
    by_action: dict[Action, list[tuple[str | None, Event]]] = {}
    for column_name, event in group:
        by_action.setdefault(event.action, []).append((column_name, event))
    created = Action.CREATE_TABLE in by_action
    phrases: list[Markup] = []
    if created and Action.COMMENT_COLUMN in by_action and Action.COMMENT_TABLE not in by_action:
        count = len({n for n, _ in by_action[Action.COMMENT_COLUMN] if n})
        by_action.pop(Action.COMMENT_COLUMN)
        tail = Markup("**commented** {} column{}").format(count, "s" if count != 1 else "")
    else:
        tail = None
    for action in _ORDER:
        items = by_action.get(action, [])
        if not items:
            continue
        if action == Action.CREATE_TABLE:
            added = [name for name, _ in by_action.get(Action.ADD_COLUMN, []) if name]
            with_columns = Markup(", ").join(link(name) for name in dict.fromkeys(added))
            phrases.append(
                Markup("**created** with {}").format(with_columns)
                if added
                else Markup("**created**")
            )
        elif action == Action.RENAME_TABLE:
            for _, e in items:
                phrases.append(_renamed("table renamed", e))
        elif action == Action.RENAME_COLUMN:
            for _, e in items:
                phrases.append(_renamed("renamed", e))
        elif action == Action.ADD_COLUMN and created:
            continue  # told with "created"
        elif action in (Action.COMMENT_TABLE, Action.COMMENT_COLUMN) and created:
            # A new table's comments are its documentation, not news: count them.
            if action == Action.COMMENT_COLUMN:
                continue
            count = len({n for n, _ in by_action.get(Action.COMMENT_COLUMN, []) if n})
            what = (
                f"the table and {count} column{'s' if count != 1 else ''}" if count else "the table"
            )
            phrases.append(Markup("**commented** {}").format(what))
        elif action in _COLUMN_VERBS and any(name for name, _ in items):
            parts = []
            for name, e in items:
                if not name:
                    continue
                part = link(name)
                if action in (Action.ADD_COLUMN, Action.ALTER_TYPE) and e.detail:
                    part = Markup("{} {}").format(part, escape.code(pg_type(e.detail)))
                elif action == Action.SET_DEFAULT and e.detail:
                    part = Markup("{} ({})").format(part, escape.code(e.detail))
                parts.append(part)
            phrases.append(
                Markup("**{}** {}").format(_COLUMN_VERBS[action], Markup(", ").join(parts))
            )
        elif action in _TABLE_VERBS:
            names = [
                escape.code(e.detail)
                for _, e in items
                if e.detail and action != Action.COMMENT_TABLE
            ]
            verb = _TABLE_VERBS[action]
            phrases.append(
                Markup("**{}** {}").format(verb, Markup(", ").join(names))
                if names
                else Markup("**{}**").format(verb)
            )
    if tail is not None:
        phrases.insert(1, tail)
    return Markup("; ").join(phrases)


def _renamed(verb: str, event: Event) -> Markup:
    if event.old_name and event.new_name:
        return Markup("**{}** {} &rarr; {}").format(
            verb, escape.code(event.old_name), escape.code(event.new_name)
        )
    return Markup("**{}**").format(verb)
