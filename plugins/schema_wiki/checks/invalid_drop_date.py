"""A migration header's ``Can drop after`` or ``Expected lifespan`` cannot be read.

**Problem.** The drop date is what arms the gate: once it passes, the column
must be gone (``expired-column``). A date the wiki cannot read
(``Can drop after: after the Q3 migration``, ``08/07/2024``, which is 7
August in one country and 8 July in the next) or a lifespan with no date to
count from gives the column no drop date at all, so the gate never fires
and everyone believes the column has a deadline. That is why this is an
error, not a warning.

**Fix.** Write the date in one of the accepted forms, ``2024-08-15``,
``2024/08/15``, ``15 August 2024``, ``15 Aug 2024``, ``Aug 15 2024`` or
``August 15, 2024``; or ``never`` when the column stays. A lifespan is a
length from the migration's ``Date`` (``6 months``, ``2 weeks``, ``1 year``)
or an end (``until 2024-08-15``); give the migration a ``Date:`` when its
version is not a date. Several columns with their own dates::

    -- Can drop after:
    -- - users.legacy_id: 2024-08-15
    -- - users.legacy_code: 1 September 2024

Reported by the migration header parser, naming the file and line.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-drop-date"
LEVEL = Level.ERROR
REPORTED_BY = "the migration header parser"
