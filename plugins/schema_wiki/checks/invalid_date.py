"""A ``Date`` in a migration header or an ADR is not a date the wiki can read.

**Problem.** ``Date: 2024-02-30`` or ``Date: next spring`` cannot be compared
with anything, so the migration log sorts the migration wrongly and an
``Expected lifespan`` counted from it has no start. ``Date: 08/07/2024`` is
7 August in one country and 8 July in the next: it is never guessed.

**Fix.** Write the date in one of the accepted forms: ``2024-08-15``,
``2024/08/15``, ``15 August 2024``, ``15 Aug 2024``, ``Aug 15 2024`` or
``August 15, 2024`` (a time may follow). Drop dates that cannot be read
(``Can drop after``, ``Expected lifespan``) are ``invalid-drop-date`` errors
instead, because they disarm the gate.

Reported by the migration header parser and the ADR reader while they read
the files; the finding names the file and line of the field.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-date"
LEVEL = Level.WARNING
REPORTED_BY = "the migration header parser and the ADR reader"
