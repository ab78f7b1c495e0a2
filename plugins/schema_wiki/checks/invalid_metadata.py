"""A Diesel migration's ``metadata.toml`` is not valid TOML.

**Problem.** The file says whether the migration runs in a transaction; the
wiki cannot read it and assumes it does, which fails for statements such as
``CREATE INDEX CONCURRENTLY``.

**Fix.** Repair the TOML (``run_in_transaction = false``).

Reported by the Diesel migration reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-metadata"
LEVEL = Level.WARNING
REPORTED_BY = "the Diesel migration reader"
