"""PostgreSQL catalog codes and the words pages use for them, for every stage reading a catalog."""

from __future__ import annotations

#: ``pg_class.relkind`` -> the word pages use.
RELKIND_NAMES = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}
#: ``pg_constraint.contype`` -> the word pages use.
CONSTRAINT_KIND_NAMES = {
    "p": "primary key",
    "f": "foreign key",
    "u": "unique",
    "c": "check",
    "x": "exclusion",
}
