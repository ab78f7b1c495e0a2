"""A migration did not apply: the wiki shows the schema as it stood before it.

**Problem.** PostgreSQL rejected a statement of a migration (a typo, a table
that does not exist yet, a missing extension, a value a new constraint
refuses), so that migration and every one after it did not apply. Whatever
they create, change or drop is missing from the wiki, and so are the findings
about it: an expired column a later migration was meant to drop still looks
dropped-to-be, a table it creates has no page. Every page says the schema is
incomplete. A migration that fails here fails in production too.

**Fix.** Correct the statement at the line given: the finding carries
PostgreSQL's message, its detail and hint. A migration run in one transaction
was rolled back whole; one run statement by statement (``CREATE INDEX
CONCURRENTLY``, its own ``BEGIN`` / ``COMMIT``) kept the statements before the
failing one, as ``psql -f`` would. When it needs an extension, a role or a
schema the migrations do not create, create it in ``setup_sql:``, or point
``postgres_bin:`` at a PostgreSQL installation that ships the extension.

Reported when the throwaway PostgreSQL applies the migrations; the build
fails and ``schema-wiki check`` exits 1, with this finding in every report
format.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Finding, Level, Wiki

if TYPE_CHECKING:
    from . import Context

NAME = "migration-failed"
LEVEL = Level.ERROR


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    failure = wiki.catalog.failure if wiki.catalog is not None else None
    if failure is None:
        return
    yield Finding(
        NAME, LEVEL, failure.migration_id or "setup_sql", failure.summary, failure.location
    )
