"""A migration the tool would not apply here is not applied by the wiki either.

**Problem.** A Liquibase changeset marked ``dbms:oracle`` does not run on
PostgreSQL, and a formatted SQL file that the root changelog does not
include is never run at all. The wiki applies what the tool applies; this
note says what it left out and why, so that nothing is skipped silently.

**Fix.** Nothing, if that is intended. Otherwise include the file in the
root changelog, or add ``postgresql`` to the changeset's ``dbms``.

Reported by the Liquibase reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "skipped-migration"
LEVEL = Level.INFO
REPORTED_BY = "the Liquibase migration reader"
