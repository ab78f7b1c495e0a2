"""A migration tool's plan or journal lists a migration whose file does not exist.

**Problem.** Drizzle's journal or Sqitch's plan names a migration that is not
on disk (deleted, renamed, or never committed). The tool fails to apply it in
every environment set up from scratch.

**Fix.** Restore the file, or remove the entry with the tool
(``drizzle-kit drop``, ``sqitch rework`` / ``sqitch revert``).

Reported by the Drizzle and Sqitch migration readers.
"""

from __future__ import annotations

from ..model import Level

NAME = "missing-migration"
LEVEL = Level.ERROR
REPORTED_BY = "the Drizzle and Sqitch migration readers"
