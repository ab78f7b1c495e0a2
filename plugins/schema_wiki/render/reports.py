"""Report pages: the health page (findings and documentation coverage)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import groupby
from typing import TYPE_CHECKING

from ..model import Level, Wiki
from . import paths

if TYPE_CHECKING:
    from .views import PageContext


def coverage(wiki: Wiki) -> dict[str, object]:
    """Share of tables and columns with a comment, overall and per schema."""

    def share(done: int, total: int) -> float:
        return 100.0 * done / total if total else 100.0

    per_schema = {}
    for schema, tables in groupby(
        sorted(wiki.tables, key=lambda t: t.schema), key=lambda t: t.schema
    ):
        ts = list(tables)
        cols = [c for t in ts for c in t.columns]
        per_schema[schema] = {
            "tables": share(sum(1 for t in ts if t.comment), len(ts)),
            "columns": share(sum(1 for c in cols if c.comment), len(cols)),
            "table_count": len(ts),
            "column_count": len(cols),
        }
    cols = [c for t in wiki.tables for c in t.columns]
    return {
        "tables": share(sum(1 for t in wiki.tables if t.comment), len(wiki.tables)),
        "columns": share(sum(1 for c in cols if c.comment), len(cols)),
        "table_count": len(wiki.tables),
        "column_count": len(cols),
        "per_schema": per_schema,
    }


def report_pages(wiki: Wiki, common: Callable[[str], dict[str, object]]) -> Iterator[PageContext]:
    """The health page; ``common`` gives the values every page template receives."""
    from .views import PageContext

    values = common(paths.HEALTH)
    findings = sorted(wiki.findings, key=lambda f: f.rule)
    by_rule = [(rule, list(items)) for rule, items in groupby(findings, key=lambda f: f.rule)]
    values.update(by_rule=by_rule, coverage=coverage(wiki), Level=Level)
    yield PageContext(paths.HEALTH, "health.md.j2", values)
