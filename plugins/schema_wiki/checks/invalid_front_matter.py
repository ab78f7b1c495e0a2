"""An ADR's YAML front matter cannot be read.

**Problem.** A syntax error between the ``---`` lines (a tab, an unquoted
``:``, a missing closing ``---``) loses every field of the ADR: its status,
date, the tables it concerns and its ignores.

**Fix.** Correct the YAML at the line given; quote values that contain ``:``
or start with ``[`` or ``{``.

Reported by the ADR reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-front-matter"
LEVEL = Level.ERROR
REPORTED_BY = "the ADR reader"
