"""A migration failed on the throwaway server that replays the history of a live database.

**Problem.** With ``database:`` set to a live database, the wiki reads the
schema from it, and still learns each table's and column's history by
applying the migrations to a throwaway PostgreSQL (nothing is ever installed
in the live database). A migration that fails there (it needs an object the
migrations do not create, an extension the server lacks) ends the history:
what later migrations did is missing from every page.

**Fix.** Make the migrations apply on an empty database: create what they
assume in ``setup_sql:`` (a file of SQL run before the first migration), or
point ``postgres_bin:`` at PostgreSQL binaries that have the missing
extension. The finding names the file and line PostgreSQL rejected.

Reported by the pipeline when it replays the migrations for a live database.
"""

from __future__ import annotations

from ..model import Level

NAME = "incomplete-history"
LEVEL = Level.WARNING
REPORTED_BY = "the replay of the migrations for a live database"
