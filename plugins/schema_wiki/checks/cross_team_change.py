"""A migration changes tables of more than one owner.

**Problem.** The tables a migration changes belong to different teams
(``owners:`` in mkdocs.yml). The seed's multi-team scenario: Team A's change
to ``users`` reaches Team B's foreign keys and Team C's queries. When one
team writes such a migration alone, the others learn about it from their
errors in production.

**Fix.** Nothing to fix in the SQL: name the other owners in the Migration
Announcement (``schema-wiki review`` drafts it, with their names under
Asks), get their review, and agree on the timing. When the change is
agreed, leave the finding as the record that it was coordinated, or say so
in place: ``-- schema-wiki: ignore cross-team-change agreed with Billing``.
The finding is ``info``: raise it with ``checks: {cross-team-change: warning}``
to require that.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..join.owners import owner_of
from ..model import Finding, Level, Location, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "cross-team-change"
LEVEL = Level.INFO


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    if not context.owners:
        return
    for migration in wiki.migrations:
        owners: dict[str, list[str]] = {}
        for schema, table, _column in wiki.touched.get(migration.id, ()):
            owner = owner_of(context.owners, schema, table) or "no owner"
            tables = owners.setdefault(owner, [])
            if f"{schema}.{table}" not in tables:
                tables.append(f"{schema}.{table}")
        named = {o: t for o, t in owners.items() if o != "no owner"}
        if len(owners) < 2 or not named:
            continue
        parts = "; ".join(f"{owner}: {', '.join(tables)}" for owner, tables in owners.items())
        path = migration.files[0].path if migration.files else migration.path
        yield Finding(
            NAME,
            LEVEL,
            migration.id,
            f"{migration.id} changes tables of {len(owners)} owners ({parts}); ask each"
            " of them to review it and name them in the announcement",
            Location(path, 1),
        )
