"""Which pages a ``mkdocs serve`` rebuild must render again, when only ADRs changed.

Saving an ADR while ``mkdocs serve`` runs is the authoring loop of the
product; rendering every table and migration page again for it costs seconds
on a large schema. When the migrations, the catalog, the rendering options
and the templates are the very ones of the previous build, an ADR edit can
only change:

* the pages of the ADRs whose (relation-linked) record changed;
* table pages whose `Table` changed (the ADRs listed per column and table);
* migration pages whose ADR list changed;
* pages that linked to a changed ADR (they show its title and status);
* pages of the targets of findings that appeared or went away;
* the pages that are not about one table, migration or ADR (indexes, health...),
  which are rendered again, except those the caller names as showing nothing
  of ADRs and findings (``adr_free``: with the bundled templates, the schema and
  migration indexes, A-Z, dropped, types, drift and rules pages).

`pages_to_render` returns that set, or None (render everything) whenever it
cannot tell: a finding it cannot place, anything but ADRs changed, no
previous build. Every other page keeps its previous text. Tests compare the
result with a full render after random ADR edits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ..model import Adr, Finding, Table, Wiki
from ..render import paths

__all__ = ["Rendered", "merged", "pages_to_render"]


@dataclass
class Rendered:
    """What the previous build rendered from what."""

    wiki: Wiki
    #: A digest of what else the pages depend on (options, templates).
    inputs: str
    pages: Mapping[str, str]


def _table_pages(wiki: Wiki) -> dict[str, Table]:
    return {
        paths.table_page(t.schema, t.name, dropped=t.dropped): t
        for t in [*wiki.tables, *wiki.dropped_tables]
    }


def pages_to_render(
    previous: Rendered | None, wiki: Wiki, inputs: str, adr_free: Collection[str] = ()
) -> set[str] | None:
    """The pages to render for ``wiki``, or None for all of them.

    ``adr_free`` pages are kept as they are when the migrations and the catalog
    are the same: they must not show anything of the ADRs or the findings.
    """
    if previous is None or previous.inputs != inputs:
        return None
    old = previous.wiki
    same_sources = (
        old.today == wiki.today
        and old.catalog is wiki.catalog
        and wiki.catalog is not None
        and old.migrations == wiki.migrations
        and old.drift == wiki.drift
        and old.drift_label == wiki.drift_label
    )
    if not same_sources:
        return None

    old_tables, new_tables = _table_pages(old), _table_pages(wiki)
    if old_tables.keys() != new_tables.keys():
        return None
    migration_pages = {m.id: paths.migration_page(m.id) for m in wiki.migrations}
    old_adrs = {a.id: a for a in old.adrs}
    new_adrs = {a.id: a for a in wiki.adrs}
    changed = {i for i in old_adrs.keys() | new_adrs.keys() if old_adrs.get(i) != new_adrs.get(i)}

    entity_pages = set(new_tables) | set(migration_pages.values())
    entity_pages |= {paths.adr_page(i) for i in old_adrs.keys() | new_adrs.keys()}
    entity_pages |= {page for page in adr_free if page in previous.pages}
    if _health_unchanged(old, wiki):
        entity_pages.add(paths.HEALTH)  # kept: the biggest page, and rarely changed by an ADR
    out = {page for page in previous.pages if page not in entity_pages}
    out |= {
        page for page in _all_pages(wiki, migration_pages) if page not in entity_pages
    }  # a page that exists only now (none today, but cheap to be sure)

    out |= {paths.adr_page(i) for i in changed}
    out |= {page for page, t in new_tables.items() if old_tables[page] != t}
    for mid in old.migration_adrs.keys() | wiki.migration_adrs.keys():
        if old.migration_adrs.get(mid) != wiki.migration_adrs.get(mid):
            page = migration_pages.get(mid)
            if page is None:
                return None
            out.add(page)
    for adr in (old_adrs.get(i) for i in changed):
        if adr is not None:
            out |= _linking(previous.pages, adr)

    placed = _place_findings(old, wiki, new_tables, migration_pages, new_adrs | old_adrs)
    if placed is None:
        return None
    return out | placed


def _health_unchanged(old: Wiki, wiki: Wiki) -> bool:
    """Whether the health page's inputs are the same: the findings, what ignores
    silenced, and the files and tables findings link to. (Its documentation
    coverage comes from the catalog's comments, which the caller found the same.)"""
    return (
        old.findings == wiki.findings
        and old.silenced == wiki.silenced
        and [(a.id, a.path) for a in old.adrs] == [(a.id, a.path) for a in wiki.adrs]
        and [t.qualified for t in old.tables] == [t.qualified for t in wiki.tables]
    )


def _all_pages(wiki: Wiki, migration_pages: Mapping[str, str]) -> set[str]:
    return set(migration_pages.values()) | {paths.adr_page(a.id) for a in wiki.adrs}


def _linking(pages: Mapping[str, str], adr: Adr) -> set[str]:
    """Pages whose text links to ``adr``'s page."""
    target = paths.adr_page(adr.id)
    name = target.rsplit("/", 1)[-1]
    return {page for page, text in pages.items() if name in text and page != target}


def _place_findings(
    old: Wiki,
    wiki: Wiki,
    tables: Mapping[str, Table],
    migration_pages: Mapping[str, str],
    adrs: Mapping[str, Adr],
) -> set[str] | None:
    """The pages that show a finding that appeared or went away; None if one has no page."""
    before, after = _counted(old.findings), _counted(wiki.findings)
    moved = [f for f in before.keys() | after.keys() if before.get(f) != after.get(f)]
    moved += _silenced_moved(old, wiki)
    if not moved:
        return set()
    by_table = {f"{t.schema}.{t.name}": page for page, t in tables.items()}
    by_path: dict[str, str] = {}
    for m in wiki.migrations:
        by_path[m.path] = migration_pages[m.id]
        for f in m.files:
            by_path[f.path] = migration_pages[m.id]
    for a in adrs.values():
        by_path[a.path] = paths.adr_page(a.id)
    out: set[str] = set()
    for finding in moved:
        pages = _finding_pages(finding, by_table, migration_pages, adrs, by_path)
        if pages is None:
            return None
        out |= pages
    return out


def _finding_pages(
    finding: Finding,
    by_table: Mapping[str, str],
    migration_pages: Mapping[str, str],
    adrs: Mapping[str, Adr],
    by_path: Mapping[str, str],
) -> set[str] | None:
    out: set[str] = set()
    target = finding.target
    parts = target.split(".")
    for n in (2, 3):
        page = by_table.get(".".join(parts[:n])) if len(parts) >= n else None
        if page is not None:
            out.add(page)
    if target in migration_pages:
        out.add(migration_pages[target])
    if target in adrs:
        out.add(paths.adr_page(target))
    if finding.location is not None and finding.location.path in by_path:
        out.add(by_path[finding.location.path])
    return out or None


def _counted(findings: Sequence[Finding]) -> dict[Finding, int]:
    out: dict[Finding, int] = {}
    for f in findings:
        out[f] = out.get(f, 0) + 1
    return out


def _silenced_moved(old: Wiki, wiki: Wiki) -> list[Finding]:
    if old.silenced == wiki.silenced:
        return []
    return [s.finding for s in [*old.silenced, *wiki.silenced]]


def merged(previous: Rendered, wiki: Wiki, rendered: Mapping[str, str]) -> dict[str, str]:
    """The previous pages, less those of ADRs that are gone, updated with ``rendered``."""
    now = {a.id for a in wiki.adrs}
    gone = {paths.adr_page(a.id) for a in previous.wiki.adrs if a.id not in now}
    out = {page: text for page, text in previous.pages.items() if page not in gone}
    out.update(rendered)
    return out
