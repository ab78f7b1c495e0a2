"""A column is still in the schema after the date it may be dropped.

**Problem.** A migration header (``Can drop after: 2024-08-15``, or ``Date`` plus
``Expected lifespan``) or the column's comment ("Can be removed after
2024-08-15") promised the column would go by a date that has passed. It is
temporary scaffolding that became permanent, like the seed's ``legacy_id``.

With ``code_paths:`` set, the message also says where the application code
still names the column ("still referenced at src/worker.ts:45"), or that
nothing there does ("no reference left in code_paths: safe to drop").

**Fix.** Write the cleanup migration that drops the column, or, if the column
must stay, state a new date in a new migration's header or comment and say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..join.drop_dates import DropStatus, drop_status
from ..model import Finding, Level, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "expired-column"
EXPIRED = DropStatus.EXPIRED
LEVEL = Level.ERROR


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    for table in wiki.tables:
        for column in table.columns:
            drop = column.drop_after
            if drop is None or drop_status(drop, wiki.today, context.warn_days) != EXPIRED:
                continue
            said = (
                f"the comment on {table.name}.{column.name}"
                if drop.source == "comment"
                else ("its migration header")
            )
            target = f"{table.qualified}.{column.name}"
            yield Finding(
                NAME,
                LEVEL,
                target,
                f"{target} could be dropped after {drop.date.isoformat()}"
                f" ({said}) and still exists on {wiki.today.isoformat()}; drop it in a new"
                f" migration or state a later date{code_note(wiki, target)}",
                drop.location,
            )


def code_note(wiki: Wiki, target: str, shown: int = 3) -> str:
    """ "; still referenced at src/worker.ts:45" or "; no reference left in code_paths: safe to
    drop"; empty when no code was searched."""
    if wiki.code_references is None:
        return ""
    refs = wiki.code_references.get(target, ())
    if not refs:
        return "; no reference left in code_paths: safe to drop"
    places = ", ".join(str(r) for r in refs[:shown])
    more = f" and {len(refs) - shown} more" if len(refs) > shown else ""
    return f"; still referenced at {places}{more}"
