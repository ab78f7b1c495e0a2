"""A reference names a table, column, migration or ADR that never existed.

**Problem.** An ADR's ``tables:`` / ``columns:`` (or a backticked
``users.legacy_id`` whose table exists, ``billing.nothing`` in a schema that
exists), a migration header's ``ADR: 0013`` or ``Related migrations:`` item,
or a relation between ADRs points at nothing. Usually a typo or a rename the
document did not follow; the link the reader expects is missing. (A bare
backticked word such as ``users`` links when it names a table and is code
otherwise: it is never reported.)

**Fix.** Correct the name (use today's name, or the name it had: a dropped or
renamed table or column still resolves to its history; a related migration by
its id, ``20240215100000_add_legacy_id_to_users``), or remove the reference.

Reported while the wiki joins migrations, ADRs and the catalog.
"""

from __future__ import annotations

from ..model import Level

NAME = "dangling-reference"
LEVEL = Level.WARNING
REPORTED_BY = "the join of migrations, ADRs and the catalog"
