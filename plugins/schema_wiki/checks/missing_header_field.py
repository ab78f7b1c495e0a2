"""A migration's header lacks a field the team requires.

**Problem.** The header comment is the migration's documentation: what it
does (``Migration``), when (``Date``), who to ask (``Author``) and why
(``Context``). Six months later, a migration without them answers none of
the questions the wiki exists for.

**Fix.** Add the missing fields to the comment block before the first
statement::

    -- Migration: Add legacy_id column
    -- Date: 2024-02-15
    -- Author: Alice (@alice)
    --
    -- Context:
    -- Why the change is needed, in a sentence or two.

The fields asked for are set with ``required_header_fields:`` (default
``Migration``, ``Date``, ``Author``, ``Context``; case does not matter; an
empty list turns the rule off). A field that is present but empty counts as
missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Finding, Level, Location, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "missing-header-field"
LEVEL = Level.WARNING
#: Reads nothing of the wiki but its migrations (see `checks.Rule.reads`).
READS = "migrations"


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    for migration in wiki.migrations:
        missing = [
            name
            for name in context.required_header_fields
            if not (migration.header.text(name) or "").strip()
        ]
        if not missing:
            continue
        path = migration.files[0].path if migration.files else migration.path
        fields = ", ".join(missing)
        yield Finding(
            NAME,
            LEVEL,
            migration.id,
            f"the header of {migration.id} lacks {fields}; add"
            f" {'them' if len(missing) > 1 else 'it'} as '-- {missing[0]}: ...' lines"
            " before the first statement",
            Location(path, 1),
        )
