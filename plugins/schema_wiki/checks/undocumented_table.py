"""A table, view or materialized view has no ``COMMENT ON``.

**Problem.** Without a comment, the only documentation of what the table holds
and who owns it is tribal knowledge. The comment is stored in the database and
shows in every tool (``\\d+``), so it outlives wikis and people.

**Fix.** Add ``COMMENT ON TABLE schema.table IS '...'`` in a migration. To
accept a table without one, exclude it: ``checks: {undocumented-table:
{exclude: ["audit.*"]}}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Finding, Level, Location, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "undocumented-table"
LEVEL = Level.WARNING


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    for table in wiki.tables:
        if table.comment and table.comment.strip():
            continue
        where: Location | None = table.history[0].location if table.history else None
        yield Finding(
            NAME,
            LEVEL,
            table.qualified,
            f"{table.kind} {table.qualified} has no comment; add COMMENT ON TABLE in a migration",
            where,
        )
