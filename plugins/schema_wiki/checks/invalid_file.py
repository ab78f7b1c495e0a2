"""An ADR file is not valid UTF-8.

**Problem.** The file was saved in another encoding (Latin-1, UTF-16), so it
cannot be read and its decision is missing from the wiki.

**Fix.** Save the file as UTF-8.

Reported by the ADR reader.
"""

from __future__ import annotations

from ..model import Level

NAME = "invalid-file"
LEVEL = Level.ERROR
REPORTED_BY = "the ADR reader"
