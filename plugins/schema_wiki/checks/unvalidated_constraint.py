"""A constraint in the live schema was added NOT VALID and never validated.

**Problem.** ``ADD CONSTRAINT ... NOT VALID`` is the safe first half of adding
a check or foreign key to a big table: new writes are checked at once, the
existing rows later. Without the second half (``VALIDATE CONSTRAINT``) rows
written before may still break the rule, the planner cannot rely on the
constraint, and ``SET NOT NULL`` cannot use it to skip its table scan.

**Fix.** Validate it in a migration of its own (it takes only a ``SHARE UPDATE
EXCLUSIVE`` lock, so reads and writes go on)::

    ALTER TABLE users VALIDATE CONSTRAINT users_org_id_fkey;

If validation fails, fix the rows it names first.

Read from the catalog (``pg_constraint.convalidated``); the finding points at
the migration that added the constraint when the wiki knows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Action, Finding, Level, Wiki
from .invalid_index import created_at

if TYPE_CHECKING:
    from . import Context

NAME = "unvalidated-constraint"
LEVEL = Level.WARNING


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    if wiki.catalog is None:
        return
    for ct in wiki.catalog.tables:
        for constraint in ct.constraints:
            if constraint.validated:
                continue
            yield Finding(
                NAME,
                LEVEL,
                ct.qualified,
                f"{constraint.kind} constraint {constraint.name} on {ct.qualified} is NOT VALID:"
                " rows written before it was added were never checked; run ALTER TABLE"
                f" {ct.qualified} VALIDATE CONSTRAINT {constraint.name} in a migration",
                created_at(wiki, ct.schema, ct.name, Action.ADD_CONSTRAINT, constraint.name),
            )
