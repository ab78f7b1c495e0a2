"""Documentation coverage: the share of tables and columns that have a comment.

Every current table, view and column counts; exclusions from
``undocumented-table`` / ``undocumented-column`` do not change the figures, so
the number cannot be improved by excluding things. A comment of only spaces
counts as none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Table, Wiki


@dataclass(frozen=True)
class Share:
    """``documented`` of ``total`` things have a comment."""

    documented: int
    total: int

    @property
    def percent(self) -> float:
        """The share in percent; 100 when there is nothing to document."""
        return 100.0 * self.documented / self.total if self.total else 100.0


@dataclass(frozen=True)
class Coverage:
    """Coverage of one schema, or of all of them."""

    tables: Share
    columns: Share


@dataclass(frozen=True)
class CoverageReport:
    """Coverage overall and per schema (schemas sorted by name)."""

    overall: Coverage
    per_schema: dict[str, Coverage] = field(default_factory=dict)


def _documented(text: str | None) -> bool:
    return bool(text and text.strip())


def _coverage(tables: list[Table]) -> Coverage:
    columns = [c for t in tables for c in t.columns]
    return Coverage(
        tables=Share(sum(1 for t in tables if _documented(t.comment)), len(tables)),
        columns=Share(sum(1 for c in columns if _documented(c.comment)), len(columns)),
    )


def measure(wiki: Wiki) -> CoverageReport:
    """Coverage of the wiki's current tables and columns."""
    schemas: dict[str, list[Table]] = {}
    for table in wiki.tables:
        schemas.setdefault(table.schema, []).append(table)
    return CoverageReport(
        overall=_coverage(list(wiki.tables)),
        per_schema={name: _coverage(schemas[name]) for name in sorted(schemas)},
    )
