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
empty list turns the rule off). A field that is present but empty, or holds
a placeholder (``TODO``, ``TBD``, ``FIXME``, ``none``, ``n/a``, ``-``,
``<ticket>``, also ``TODO: ...``), counts as missing: the scaffold that
``schema-wiki new migration`` writes passes only once it is filled in.
A migration of several files (steps) is judged by its first file's header,
the one that starts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Finding, Level, Location, Wiki
from ..sources.headers import is_placeholder

if TYPE_CHECKING:
    from . import Context

NAME = "missing-header-field"
LEVEL = Level.WARNING
#: Reads nothing of the wiki but its migrations (see `checks.Rule.reads`).
READS = "migrations"


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    for migration in wiki.migrations:
        missing: list[str] = []
        placeholders: list[str] = []
        for name in context.required_header_fields:
            value = migration.header.text(name)
            if not (value or "").strip():
                missing.append(name)
            elif is_placeholder(value):
                placeholders.append(name)
        if not missing and not placeholders:
            continue
        path = migration.files[0].path if migration.files else migration.path
        parts: list[str] = []
        if missing:
            parts.append(f"lacks {', '.join(missing)}")
        if placeholders:
            parts.append(f"still has a placeholder for {', '.join(placeholders)}")
        first = (missing or placeholders)[0]
        field = migration.header.get(first)
        yield Finding(
            NAME,
            LEVEL,
            migration.id,
            f"the header of {migration.id} {' and '.join(parts)}; fill"
            f" {'them' if len(missing) + len(placeholders) > 1 else 'it'} in as"
            f" '-- {first}: ...' lines before the first statement",
            Location(path, field.line if field is not None else 1),
        )
