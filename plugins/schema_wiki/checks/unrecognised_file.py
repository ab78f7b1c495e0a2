"""An SQL file in the migrations directory is not a migration of its layout.

**Problem.** The file sits among the migrations but matches none of the
layout's names (``2024_02_15_add_phone.sql`` where the others are
``20240215093000_add_phone.sql``, ``V3_add_phone.sql`` with one underscore
in a Flyway project, a deploy script Sqitch's plan does not list). The
migration tool most likely skips it too, silently, so the change it holds
never reaches production, and the wiki shows none of it.

**Fix.** Rename the file to the layout's pattern (the layouts are listed on
the ``no-migrations`` rule), or move it out of the migrations directory if
it is not a migration (a schema dump, seed data, a scratch file). A file
that must stay where it is can be excluded::

    checks:
      unrecognised-file:
        exclude: [migrations/schema.sql]

Hidden files (``.scratch.sql``) are never reported. Reported by the
migration reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "unrecognised-file"
LEVEL = Level.WARNING
REPORTED_BY = "the migration reader"
