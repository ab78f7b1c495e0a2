"""The schema the migrations produce differs from the database it is compared with.

**Problem.** A table or column exists on one side only, or its type,
nullability, default or comment differs between the schema the migrations
build and the database named by ``compare_with:`` (or a committed snapshot).
Someone changed production by hand, or a migration was never applied: the
next migration may fail there, or the wiki documents a schema nobody runs.

**Fix.** Find out which side is right. Write a migration that brings the
migrations in line with reality, or apply the missing migration to the
database. Until then, the drift page shows both sides.

Reported by the catalog comparison when ``compare_with:`` is set; without it
this rule finds nothing.
"""

from __future__ import annotations

from ..model import Level

NAME = "schema-drift"
LEVEL = Level.WARNING
REPORTED_BY = "the catalog comparison (compare_with:)"
