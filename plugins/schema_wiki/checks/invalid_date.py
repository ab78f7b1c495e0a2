"""A date in a migration header or an ADR is not a real ``YYYY-MM-DD`` date.

**Problem.** ``Date: 2024-02-30`` or ``Can drop after: next spring`` cannot be
compared with today, so the wiki cannot tell when a column expires, and the
migration log sorts it wrongly. A date that is silently ignored is worse than
none: everyone believes the column has a deadline.

**Fix.** Write the date as ``YYYY-MM-DD`` (``2024-08-15``). For several columns
with their own dates, write one per line: ``-- - users.legacy_id: 2024-08-15``.

Reported by the migration header parser and the ADR reader while they read
the files; the finding names the file and line of the field.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-date"
LEVEL = Level.WARNING
REPORTED_BY = "the migration header parser and the ADR reader"
