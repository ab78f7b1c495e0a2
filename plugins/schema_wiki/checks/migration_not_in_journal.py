"""A SQL file sits among Drizzle's migrations but the journal does not list it.

**Problem.** Drizzle applies only what ``meta/_journal.json`` lists, so the
file never runs; the wiki skips it too. Often a hand-written migration that
was not registered.

**Fix.** Generate migrations with ``drizzle-kit generate`` (or add the entry to
the journal), or move the file elsewhere.

Reported by the Drizzle migration reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "migration-not-in-journal"
LEVEL = Level.INFO
REPORTED_BY = "the Drizzle migration reader"
