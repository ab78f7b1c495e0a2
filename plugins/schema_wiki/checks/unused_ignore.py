"""An in-place ignore silences nothing.

**Problem.** A ``-- schema-wiki: ignore <rule> <reason>`` comment or an ADR's
``ignore:`` entry no longer matches any finding: the problem was fixed, the
statement moved, or the rule name is misspelt (a misspelt ignore silences
nothing at all). Stale ignores hide the next real problem in their scope.

**Fix.** Delete the ignore, or correct the rule name (the rules page lists
them).

Reported by the checks themselves, after matching every finding against the
ignores. Ignores are matched before ``checks:`` levels apply, so turning a
rule off does not make its ignores unused.
"""

from __future__ import annotations

from ..model import Level

NAME = "unused-ignore"
LEVEL = Level.WARNING
REPORTED_BY = "the in-place ignore matching"
