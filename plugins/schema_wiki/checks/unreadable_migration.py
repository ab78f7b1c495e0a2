"""A migration file is not valid UTF-8 and was skipped.

**Problem.** The wiki cannot read the file, so its changes are missing from
every table's history and from the throwaway database the wiki builds.

**Fix.** Save the file as UTF-8 (the finding names the first bad byte and its
line).

Reported by the migration reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "unreadable-migration"
LEVEL = Level.ERROR
REPORTED_BY = "the migration reader"
