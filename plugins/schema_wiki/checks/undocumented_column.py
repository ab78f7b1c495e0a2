"""A column has no ``COMMENT ON COLUMN``.

**Problem.** "Why does this table have a ``legacy_id`` column? Who added it?
Can I drop it?" A column without a comment leaves the next reader to guess.

**Fix.** Add ``COMMENT ON COLUMN table.column IS '...'`` in a migration: what
the column holds, its unit or allowed values, and why it exists. Columns that
explain themselves can be excluded by pattern:
``checks: {undocumented-column: {exclude: ["*.id", "*.created_at"]}}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Finding, Level, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "undocumented-column"
LEVEL = Level.WARNING


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    for table in wiki.tables:
        for column in table.columns:
            if column.comment and column.comment.strip():
                continue
            introduced = next((e for e in column.history if e.old_name is None), None)
            yield Finding(
                NAME,
                LEVEL,
                f"{table.qualified}.{column.name}",
                f"column {table.qualified}.{column.name} has no comment;"
                " add COMMENT ON COLUMN in a migration",
                introduced.location if introduced else None,
            )
