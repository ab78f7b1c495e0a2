"""Report pages: the health page (findings, silenced findings, coverage) and the rules page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup

from ..checks import RULES, Rule
from ..checks.coverage import Coverage, measure
from ..model import Finding, Level, Location, Table, Wiki
from . import escape, paths

if TYPE_CHECKING:
    from .views import Links, PageContext

#: The generated page documenting every rule (linked from the health page).
RULES_PAGE = "schema/rules.md"

_LEVEL_ORDER = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2, Level.IGNORE: 3}


def coverage(wiki: Wiki) -> dict[str, object]:
    """Share of tables and columns with a comment, overall and per schema, for templates.

    ``tables`` / ``columns`` are percentages; ``table_count`` / ``column_count``
    and ``documented_tables`` / ``documented_columns`` the counts behind them.
    """
    report = measure(wiki)
    out = _coverage_values(report.overall)
    out["per_schema"] = {name: _coverage_values(c) for name, c in report.per_schema.items()}
    return out


def _coverage_values(c: Coverage) -> dict[str, object]:
    return {
        "tables": c.tables.percent,
        "columns": c.columns.percent,
        "table_count": c.tables.total,
        "column_count": c.columns.total,
        "documented_tables": c.tables.documented,
        "documented_columns": c.columns.documented,
    }


_LEVEL_BADGE = {Level.ERROR: "error", Level.WARNING: "warn", Level.INFO: "info"}


def level_badge(level: Level) -> Markup:
    """A finding's level as a coloured label."""
    from .views import badge

    return badge(_LEVEL_BADGE.get(level, "muted"), level.value)


def path_code(path: str) -> Markup:
    """A file path as code that breaks after a slash, and nowhere else, when it must."""
    parts = Markup("/<wbr>").join(escape.md(part) for part in path.split("/"))
    return Markup('<code class="sw-path">{}</code>').format(parts)


def rule_anchor(name: str) -> str:
    """The id of a rule's section on the rules page."""
    return "rule-" + re.sub(r"[^a-z0-9-]", "-", name.lower())


@dataclass(frozen=True)
class RuleGroup:
    """The findings of one rule, for the health page."""

    name: str
    rule: Rule | None
    findings: list[Finding]

    @property
    def summary(self) -> Markup:
        """The rule's one-line documentation (our own Markdown), or nothing."""
        return Markup(self.rule.summary) if self.rule else Markup("")


@dataclass(frozen=True)
class TableGroup:
    """The findings about one table or its columns, for the health page."""

    table: Table
    findings: list[Finding]


class ReportLinks:
    """Links from a report page to what a finding names: its target, its file, its rule."""

    def __init__(self, wiki: Wiki, links: Links) -> None:
        self.wiki = wiki
        self.links = links
        self._tables = {t.qualified: t for t in wiki.tables}
        self._dropped = {t.qualified: t for t in wiki.dropped_tables}
        self._files = {f.path: m.id for m in wiki.migrations for f in m.files}
        self._adr_paths = {a.path: a.id for a in wiki.adrs}

    def table_of(self, target: str) -> Table | None:
        """The current table a ``schema.table[.column]`` target is about, if any."""
        parts = target.split(".")
        if len(parts) < 2:
            return None
        return self._tables.get(".".join(parts[:2]))

    def target(self, target: str) -> Markup:
        """A link to the table, column, migration or ADR a finding is about."""
        parts = target.split(".")
        if len(parts) in (2, 3):
            key = ".".join(parts[:2])
            table = self._tables.get(key) or self._dropped.get(key)
            if table is not None:
                if len(parts) == 2:
                    return self.links.table(table, target)
                return self.links.column(table, parts[2], qualified=True)
        if self.wiki.migration(target) is not None:
            return self.links.migration(target)
        if self.wiki.adr(target) is not None:
            return self.links.adr(target, short=True)
        return escape.code(target)

    def where(self, location: Location | None) -> Markup:
        """``file:line``, linked to the migration or ADR page showing that file."""
        if location is None:
            return Markup("")
        text = path_code(str(location))
        migration_id = self._files.get(location.path)
        if migration_id is not None:
            url = self.links.url(paths.migration_page(migration_id))
            return Markup(f"[{text}]({url})")
        adr_id = self._adr_paths.get(location.path)
        if adr_id is not None:
            return Markup(f"[{text}]({self.links.url(paths.adr_page(adr_id))})")
        return text

    def rule(self, name: str) -> Markup:
        """The rule's name, linked to its section on the rules page."""
        label = escape.code(name)
        if not any(r.name == name for r in RULES):
            return label
        return Markup(f"[{label}]({self.links.url(RULES_PAGE, rule_anchor(name))})")


def _by_rule(findings: list[Finding]) -> list[RuleGroup]:
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.rule, []).append(f)

    def order(name: str) -> tuple[int, str]:
        return (min(_LEVEL_ORDER[f.level] for f in groups[name]), name)

    known = {r.name: r for r in RULES}
    return [RuleGroup(name, known.get(name), groups[name]) for name in sorted(groups, key=order)]


def _by_table(findings: list[Finding], report: ReportLinks) -> list[TableGroup]:
    groups: dict[str, tuple[Table, list[Finding]]] = {}
    for f in findings:
        table = report.table_of(f.target)
        if table is not None:
            groups.setdefault(table.qualified, (table, []))[1].append(f)
    return [TableGroup(groups[k][0], groups[k][1]) for k in sorted(groups)]


def report_pages(
    wiki: Wiki,
    common: Callable[[str], dict[str, object]],
    wanted: Callable[[str], bool] = lambda page: True,
) -> Iterator[PageContext]:
    """The health and rules pages (those ``wanted``); ``common`` gives the values every
    page template receives."""
    from .views import Links, PageContext

    if wanted(paths.HEALTH):
        yield _health(wiki, common(paths.HEALTH))
    if wanted(RULES_PAGE):
        values = common(RULES_PAGE)
        values.update(
            rules=[
                (r, Markup(rule_anchor(r.name)), Markup(r.summary), rule_markdown(r)) for r in RULES
            ],
            health_url=Links(wiki, RULES_PAGE).url(paths.HEALTH),
            Level=Level,
        )
        yield PageContext(RULES_PAGE, "rules.md.j2", values)


def _health(wiki: Wiki, values: dict[str, object]) -> PageContext:
    from .views import Links, PageContext

    report = ReportLinks(wiki, Links(wiki, paths.HEALTH))
    findings = list(wiki.findings)
    counts = {level: sum(1 for f in findings if f.level == level) for level in Level}
    by_table = _by_table(findings, report)
    values.update(
        by_rule=_by_rule(findings),
        by_table=by_table,
        elsewhere=[f for f in findings if report.table_of(f.target) is None],
        silenced=list(wiki.silenced),
        counts=counts,
        coverage=coverage(wiki),
        report=report,
        rules_url=Links(wiki, paths.HEALTH).url(RULES_PAGE),
        level_badge=level_badge,
        Level=Level,
    )
    return PageContext(paths.HEALTH, "health.md.j2", values)


def rule_markdown(rule: Rule) -> Markup:
    """A rule's documentation (after its summary line) as Markdown.

    The docstrings are ours, written in the Markdown subset that reads well
    in both: ````code````, ``**bold**``, ``*`` lists and ``::`` before an
    indented example, which becomes a code block here.
    """
    text = rule.details.replace("::\n", ":\n")
    return Markup(text)
