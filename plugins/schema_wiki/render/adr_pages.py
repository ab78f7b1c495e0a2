"""ADR pages: each decision, and the decision log with its status filter and timeline."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ..join.wiki import resolve_ref as _resolve_ref
from ..model import Adr, Finding, Location, RelationKind, SchemaRef, Table, Wiki
from ..sources.adrs import STATUSES, table_page_ref
from . import adr_titles, escape, gfm, paths
from .mentions import Mentions
from .views import Links, PageContext, link_markdown

#: Badge colour of each status (`views.STATUS_KINDS` has the same for other pages).
_STATUS_KINDS = {
    "accepted": "ok",
    "proposed": "info",
    "rejected": "muted",
    "deprecated": "warn",
    "superseded": "muted",
}
_RELATION_LABELS = {
    RelationKind.SUPERSEDED_BY: "Superseded by",
    RelationKind.SUPERSEDES: "Supersedes",
    RelationKind.AMENDED_BY: "Amended by",
    RelationKind.AMENDS: "Amends",
    RelationKind.RELATES_TO: "Relates to",
}
_LINK = re.compile(r"(\]\()([^)\s]+)(\))")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class LogRow:
    """One line of the decision log."""

    adr: Adr
    status: Markup
    tables: list[Markup]
    superseded_by: list[Markup]


def adr_status_badge(status: str) -> Markup:
    """A status badge that the log's filter can select (``sw-adr-status--accepted``)."""
    kind = _STATUS_KINDS.get(status, "error")
    css = status if status in STATUSES else "other"
    return Markup(
        '<span class="sw-badge sw-badge--{} sw-adr-status sw-adr-status--{}">{}</span>'
    ).format(kind, css, status)


def adr_findings(wiki: Wiki, adr: Adr) -> list[Finding]:
    """Findings about an ADR: its own, and any located in its file."""
    return _FindingIndex(wiki.findings).about(adr)


def _links(values: dict[str, object], wiki: Wiki, page: str) -> Links:
    """The page's link helpers from ``common`` (they carry look-up tables), or new ones."""
    links = values.get("L")
    return links if isinstance(links, Links) else Links(wiki, page)


class _Resolver:
    """`build.resolve_ref`, remembered for one wiki: ADRs name the same tables again and
    again, and each look-up scans every table."""

    def __init__(self, wiki: Wiki) -> None:
        self.wiki = wiki
        self.seen: dict[tuple[str | None, str, str | None], tuple[Table | None, str | None]] = {}

    def __call__(self, ref: SchemaRef) -> tuple[Table | None, str | None]:
        key = (ref.schema, ref.table, ref.column)
        if key not in self.seen:
            table, column, _exists = _resolve_ref(self.wiki, ref)
            self.seen[key] = (table, column)
        return self.seen[key]


class _FindingIndex:
    """Findings by target and by file, so each ADR page finds its own in one look-up."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.by_target: dict[str, list[Finding]] = {}
        self.by_path: dict[str, list[Finding]] = {}
        for f in findings:
            self.by_target.setdefault(f.target, []).append(f)
            if f.location is not None:
                self.by_path.setdefault(f.location.path, []).append(f)

    def about(self, adr: Adr) -> list[Finding]:
        own = self.by_target.get(adr.id, [])
        located = [f for f in self.by_path.get(adr.path, []) if f.target != adr.id]
        return [*own, *located]


def adr_pages(
    wiki: Wiki,
    common: Callable[[str], dict[str, object]],
    migrations_dir: str,
    only: Container[str] | None = None,
) -> Iterator[PageContext]:
    """One page per ADR (those in ``only``) and the ADR log; ``common`` gives base values."""
    findings = _FindingIndex(wiki.findings)
    resolve = _Resolver(wiki)
    for adr in wiki.adrs:
        page = paths.adr_page(adr.id)
        if only is not None and page not in only:
            continue
        values = common(page)
        links = _links(values, wiki, page)
        refs: list[Markup] = []
        seen: set[str] = set()
        for ref in adr.refs:
            if ref.text not in seen and resolve(ref)[0] is not None:
                seen.add(ref.text)
                refs.append(links.ref(ref))
        # The title goes first on the page (MkDocs names a page after a leading H1);
        # the rest is the team's GitHub Markdown, rewritten to render as GitHub does.
        mentions = Mentions(wiki, links.href, source=adr.path)
        text = gfm.to_python_markdown(adr_titles.without_heading(adr.body), mentions.markdown)
        body = _repoint_table_links(resolve, adr, links, text)
        values.update(
            adr=adr,
            title=adr_titles.page_title(adr),
            refs=refs,
            body=Markup(link_markdown(wiki, body, adr.path, links, migrations_dir)),
            migrations=wiki.adr_migrations.get(adr.id, []),
            related=_relations(adr, links),
            superseded_by=[
                links.adr(r.adr_id)
                for r in adr.relations
                if r.kind == RelationKind.SUPERSEDED_BY and r.adr_id
            ],
            people=_people(adr),
            findings=findings.about(adr),
            adr_status_badge=adr_status_badge,
        )
        yield PageContext(page, "adr.md.j2", values)

    values = common(paths.ADRS_INDEX)
    links = _links(values, wiki, paths.ADRS_INDEX)
    counts = {s: sum(1 for a in wiki.adrs if a.status == s) for s in STATUSES}
    other = sum(1 for a in wiki.adrs if a.status not in STATUSES)
    values.update(
        adrs=wiki.adrs,
        rows=[_row(resolve, adr, links) for adr in wiki.adrs],
        counts=[(s, n) for s, n in counts.items() if n] + ([("other", other)] if other else []),
        timeline=_timeline(wiki, links),
        adr_status_badge=adr_status_badge,
    )
    yield PageContext(paths.ADRS_INDEX, "adrs_index.md.j2", values)


def _row(resolve: _Resolver, adr: Adr, links: Links) -> LogRow:
    tables: list[Markup] = []
    seen: set[tuple[str, str, bool]] = set()
    for ref in adr.refs:
        table, _column = resolve(ref)
        if table is None:
            continue
        key = (table.schema, table.name, table.dropped)
        if key not in seen:
            seen.add(key)
            tables.append(links.table(table))
    return LogRow(
        adr=adr,
        status=adr_status_badge(adr.status),
        tables=tables,
        superseded_by=[
            links.adr(r.adr_id, short=True)
            for r in adr.relations
            if r.kind == RelationKind.SUPERSEDED_BY and r.adr_id
        ],
    )


def _timeline(wiki: Wiki, links: Links) -> list[tuple[str, list[Markup]]]:
    """The decisions by year, oldest first; undated ones last."""
    dated = sorted((a for a in wiki.adrs if a.date), key=lambda a: (a.date, a.number or 0))
    groups: list[tuple[str, list[Markup]]] = []
    for adr in dated:
        assert adr.date is not None
        year = str(adr.date.year)
        if not groups or groups[-1][0] != year:
            groups.append((year, []))
        groups[-1][1].append(_timeline_entry(adr, links, adr.date.isoformat()))
    undated = [a for a in wiki.adrs if a.date is None]
    if undated:
        groups.append(("undated", [_timeline_entry(a, links, "undated") for a in undated]))
    return groups


def _timeline_entry(adr: Adr, links: Links, when: str) -> Markup:
    entry = Markup("**{}** &middot; {} {}")
    parts = [entry.format(when, links.adr(adr.id), adr_status_badge(adr.status))]
    for rel in adr.relations:
        if rel.adr_id and rel.kind in (RelationKind.SUPERSEDES, RelationKind.AMENDS):
            parts.append(Markup("{} {}").format(rel.kind.value, links.adr(rel.adr_id, short=True)))
    return Markup(" &middot; ").join(parts)


def _relations(adr: Adr, links: Links) -> list[tuple[str, list[Markup]]]:
    """Relations grouped by kind: both the ones this file states and the other sides'."""
    out: list[tuple[str, list[Markup]]] = []
    for kind, label in _RELATION_LABELS.items():
        items: list[Markup] = []
        for rel in adr.relations:
            if rel.kind != kind:
                continue
            if rel.adr_id is None:
                items.append(Markup("{} (no such ADR)").format(escape.code(rel.target)))
            else:
                items.append(links.adr(rel.adr_id))
        if items:
            out.append((label, items))
    return out


def _people(adr: Adr) -> list[tuple[str, str]]:
    out = []
    for label, names in (
        ("Decision makers", adr.decision_makers),
        ("Consulted", adr.consulted),
        ("Informed", adr.informed),
        ("Tags", adr.tags),
    ):
        if names:
            out.append((label, ", ".join(names)))
    return out


def _repoint_table_links(resolve: _Resolver, adr: Adr, links: Links, text: str) -> str:
    """Point links to table pages at the generated pages, from wherever the ADR file sits."""

    def sub(m: re.Match[str]) -> str:
        ref = table_page_ref(m.group(2), adr_location)
        if ref is None:
            return m.group(0)
        table, column = resolve(ref)
        if table is None:
            return m.group(0)
        url = _table_url(links, table, column)
        return f"{m.group(1)}{url}{m.group(3)}"

    adr_location = Location(adr.path)
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and "schema/" in line:
            line = _LINK.sub(sub, line)
        out.append(line)
    return "\n".join(out)


def _table_url(links: Links, table: Table, column: str | None) -> str:
    target = paths.table_page(table.schema, table.name, dropped=table.dropped)
    return str(links.url(target, paths.column_anchor(column) if column else None))
