"""Several migrations share a version, and are applied in order of version, then name.

**Problem.** The seed names migrations by day (``20240215_add_legacy_id_to_users.sql``
beside ``20240215_split_users_table/``), so two written on one day share a
version. No tool reads that layout, so nothing refuses it, but the order
between them is then decided by their names, which is worth knowing: a
migration that must run first should sort first. A tool that keys
migrations by version (dbmate, the Supabase CLI) would refuse the
directory.

**Fix.** Nothing, if name order is the order you mean (this note is
information). Otherwise, or if a tool applies these files, give each
migration its own version (``20240215093000_...``, ``20240215150000_...``).
Layouts whose tool refuses a version used twice (golang-migrate, Flyway,
dbmate, goose, Diesel) stop the build with an error naming both files
instead.

Reported once per build by the migration reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "shared-version"
LEVEL = Level.INFO
REPORTED_BY = "the migration reader"
