"""An ADR's status is not one the wiki knows.

**Problem.** Statuses are ``proposed``, ``accepted``, ``rejected``,
``deprecated`` and ``superseded``. Anything else (``done``, ``approved?``) is
shown as written but cannot be sorted or badged, and readers cannot tell
whether the decision holds.

**Fix.** Use one of the five statuses in the front matter (``status:``) or
under the ``## Status`` heading.

Reported by the ADR reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-status"
LEVEL = Level.WARNING
REPORTED_BY = "the ADR reader"
