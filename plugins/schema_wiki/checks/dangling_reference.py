"""A reference names a table, column, migration or ADR that never existed.

**Problem.** An ADR's ``tables:`` / ``columns:`` (or a backticked
``users.legacy_id`` whose table exists), a migration header's ``ADR: 0013``,
or a relation between ADRs points at nothing. Usually a typo or a rename the
document did not follow; the link the reader expects is missing.

**Fix.** Correct the name (use today's name, or the name it had: a dropped or
renamed column still resolves to its history), or remove the reference.

Reported while the wiki joins migrations, ADRs and the catalog.
"""

from __future__ import annotations

from ..model import Level

NAME = "dangling-reference"
LEVEL = Level.WARNING
REPORTED_BY = "the join of migrations, ADRs and the catalog"
