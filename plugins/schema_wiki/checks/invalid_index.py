"""An index in the live schema is INVALID.

**Problem.** ``CREATE INDEX CONCURRENTLY`` (or ``REINDEX CONCURRENTLY``) that
fails or is cancelled (a duplicate value for a unique index, a deadlock, a
timeout) leaves the index behind, marked invalid. Queries never use it, yet
every insert and update still maintains it, and a unique one still rejects
some writes. The migration that built it looks done.

**Fix.** Drop it and build it again, fixing the cause first (duplicates for a
unique index)::

    DROP INDEX CONCURRENTLY idx_users_email;
    CREATE INDEX CONCURRENTLY idx_users_email ON users (email);

or ``REINDEX INDEX CONCURRENTLY idx_users_email``. The finding points at the
migration that created the index when the wiki knows it.

Read from the catalog (``pg_index.indisvalid``). In the throwaway database
only a ``CREATE INDEX CONCURRENTLY`` that failed leaves one (next to a
``migration-failed`` finding), so this rule matters most when ``database:``
names a real server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Action, Finding, Level, Location, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "invalid-index"
LEVEL = Level.ERROR


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    if wiki.catalog is None:
        return
    for ct in wiki.catalog.tables:
        for index in ct.indexes:
            if index.valid:
                continue
            yield Finding(
                NAME,
                LEVEL,
                ct.qualified,
                f"index {index.name} on {ct.qualified} is INVALID (a CREATE INDEX CONCURRENTLY"
                " that failed or was cancelled): queries do not use it but every write"
                f" maintains it; DROP INDEX CONCURRENTLY {index.name} and build it again,"
                f" or REINDEX INDEX CONCURRENTLY {index.name}",
                created_at(wiki, ct.schema, ct.name, Action.CREATE_INDEX, index.name),
            )


def created_at(wiki: Wiki, schema: str, table: str, action: Action, name: str) -> Location | None:
    """Where the last migration statement that made the named index or constraint is."""
    current = wiki.table(schema, table)
    if current is None:
        return None
    for event in reversed(current.history):
        if event.action == action and event.detail == name:
            return event.location
    return None
