"""What the migrations say about when, by whom and why a table or column came and went.

A table or column page, and the export, tell the same story for live and
dropped objects: the migration that introduced it (who, when, ticket, why)
and, for a dropped one, the migration (and, in a migration of several files,
the step) that dropped it. This module reads it from the model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import Action, Column, Event, Location, Migration, Table, Wiki

__all__ = ["Account", "account", "dropped_by", "introduced"]


@dataclass(frozen=True)
class Account:
    """One migration's account of a change."""

    migration_id: str
    #: The migration's page title.
    title: str
    date: dt.date | None
    author: str | None
    ticket: str | None
    #: The migration's Context.
    why: str | None
    #: Where the change is (the statement), when known.
    location: Location | None = None
    #: In a migration of several files: the 1-based step and its file.
    step: int | None = None
    step_path: str | None = None


def account(wiki: Wiki, migration_id: str | None, event: Event | None = None) -> Account | None:
    """``migration_id``'s account, placed at ``event`` (its date and step) when given."""
    if not migration_id:
        return None
    migration = wiki.migration(migration_id)
    if migration is None:
        return Account(migration_id, migration_id, event.date if event else None, None, None, None)
    location = event.location if event is not None else None
    step, step_path = _step(migration, location)
    return Account(
        migration_id=migration.id,
        title=migration.title,
        date=(event.date if event is not None and event.date else None) or migration.date,
        author=migration.header.text("author"),
        ticket=migration.header.text("ticket"),
        why=migration.header.text("context"),
        location=location,
        step=step,
        step_path=step_path,
    )


def _step(migration: Migration, location: Location | None) -> tuple[int | None, str | None]:
    if location is None or len(migration.files) < 2:
        return None, None
    for number, f in enumerate(migration.files, start=1):
        if f.path == location.path:
            return number, f.path
    return None, None


def _first(events: tuple[Event, ...], migration_id: str | None, *actions: Action) -> Event | None:
    for event in events:
        if event.migration_id == migration_id and event.action in actions:
            return event
    return None


#: How each kind of relation is created and dropped (a view is a relation too).
_CREATED = (
    Action.CREATE_TABLE,
    Action.CREATE_VIEW,
    Action.CREATE_MATERIALIZED_VIEW,
    Action.CREATE_FOREIGN_TABLE,
)
_DROPPED = (
    Action.DROP_TABLE,
    Action.DROP_VIEW,
    Action.DROP_MATERIALIZED_VIEW,
    Action.DROP_FOREIGN_TABLE,
)


def _last(events: tuple[Event, ...], *actions: Action) -> Event | None:
    for event in reversed(events):
        if event.action in actions:
            return event
    return None


def introduced(wiki: Wiki, subject: Table | Column) -> Account | None:
    """The migration that created the table or added the column."""
    actions = _CREATED if isinstance(subject, Table) else (Action.ADD_COLUMN,)
    event = _first(subject.history, subject.introduced_by, *actions)
    return account(wiki, subject.introduced_by, event)


def dropped_by(wiki: Wiki, subject: Table | Column, table: Table | None = None) -> Account | None:
    """The migration that dropped the table or column; None while it exists.

    A column of a dropped ``table`` that was still there went with the table.
    """
    if isinstance(subject, Table):
        event = _last(subject.history, *_DROPPED) if subject.dropped else None
    else:
        event = _last(subject.history, Action.DROP_COLUMN) if subject.dropped else None
        if event is None and table is not None and table.dropped:
            event = _last(table.history, *_DROPPED)
    return account(wiki, event.migration_id, event) if event is not None else None
