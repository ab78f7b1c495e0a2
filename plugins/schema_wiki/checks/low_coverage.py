"""A schema's documentation coverage is below the team's minimum.

**Problem.** Coverage is the share of tables and of columns that carry a
``COMMENT ON``. Single missing comments are ``undocumented-table`` and
``undocumented-column`` findings; this rule is the gate for teams that accept
some of those but not a falling trend. ``coverage_min: 80`` asks 80 % of the
tables and of the columns of every schema to be documented;
``coverage_min: {tables: 100, columns: 75}`` sets each on its own. Without
``coverage_min`` the rule finds nothing.

**Fix.** Add ``COMMENT ON TABLE`` / ``COMMENT ON COLUMN`` statements in a
migration (the health page lists what lacks one), or lower the minimum.
The finding's target is the schema, so ``exclude: [audit]`` exempts one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model import Finding, Level, Wiki
from .coverage import Share, measure

if TYPE_CHECKING:
    from . import Context

NAME = "low-coverage"
LEVEL = Level.WARNING


def check(wiki: Wiki, context: Context) -> Iterator[Finding]:
    minimum = context.coverage_min
    if minimum is None:
        return
    report = measure(wiki)
    for schema, cov in report.per_schema.items():
        for what, share, least in (
            ("tables", cov.tables, minimum.tables),
            ("columns", cov.columns, minimum.columns),
        ):
            if least is None or share.percent >= least:
                continue
            yield Finding(
                NAME,
                LEVEL,
                schema,
                f"schema {schema}: {_shown(share)} of {what} have a comment, below"
                f" coverage_min {least:g}%; add COMMENT ON {what[:-1].upper()} in a migration",
            )


def _shown(share: Share) -> str:
    # Rounded down, so 79.96 % never reads as the 80 % it falls short of.
    return f"{math.floor(share.percent * 10) / 10:.1f}% ({share.documented}/{share.total})"
