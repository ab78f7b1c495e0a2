"""Drizzle's ``meta/_journal.json`` is not valid JSON.

**Problem.** The journal decides which migrations Drizzle applies and in what
order. Unreadable, it lists none, and neither Drizzle nor the wiki can apply
the migrations.

**Fix.** Repair the JSON at the line given (a merge conflict is the usual
cause), or regenerate it with ``drizzle-kit``.

Reported by the Drizzle migration reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-journal"
LEVEL = Level.ERROR
REPORTED_BY = "the Drizzle migration reader"
