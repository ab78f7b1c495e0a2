"""What each page template receives: the model objects plus link helpers for that page."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from markupsafe import Markup

from ..join.drop_dates import DropStatus, drop_status
from ..join.owners import OwnerRule, owner_of
from ..join.pg_types import pg_type
from ..join.story import Account, dropped_by
from ..join.wiki import find_migration, find_related, resolve_ref
from ..model import (
    Action,
    Adr,
    CatalogDependent,
    Column,
    Event,
    Finding,
    Location,
    Migration,
    SchemaRef,
    Table,
    Wiki,
)
from ..sources.adrs import split_ref
from ..sources.headers import is_placeholder
from . import adr_titles, escape, gfm, paths
from .calendar_pages import CALENDAR, CalendarOptions, calendar_context
from .drift_pages import drift_pages
from .erd import ForeignKey, Relations, er_diagram
from .mentions import Mentions, migration_facts
from .reports import coverage, report_pages
from .table_history import table_history
from .tickets import ticket_links
from .types_pages import types_pages

STATUS_KINDS = {
    "accepted": "ok",
    "proposed": "info",
    "rejected": "muted",
    "deprecated": "warn",
    "superseded": "muted",
}


@dataclass
class PageContext:
    """One page to render: its path under ``docs/``, its template, and what the template gets."""

    path: str
    template: str
    values: dict[str, object] = field(default_factory=dict)


def badge(kind: str, text: str, title: str | None = None) -> Markup:
    """A small label; ``kind`` selects its colour in the bundled stylesheet.

    ``title`` becomes the tooltip (``PK`` -> "primary key").
    """
    if title:
        return Markup('<span class="sw-badge sw-badge--{}" title="{}">{}</span>').format(
            kind, title, text
        )
    return Markup('<span class="sw-badge sw-badge--{}">{}</span>').format(kind, text)


class Links:
    """Link helpers bound to one page, so every link is relative to it.

    ``migrations`` and ``adrs`` are lookups by id that `page_contexts` builds
    once per wiki; without them the helpers search the wiki's lists.
    """

    def __init__(
        self,
        wiki: Wiki,
        page: str,
        migrations: dict[str, Migration] | None = None,
        adrs: dict[str, Adr] | None = None,
        ticket_url: str | None = None,
    ) -> None:
        self.wiki = wiki
        self.page = page
        self.migration_index = migrations
        self.adr_index = adrs
        self.ticket_url = ticket_url

    def ticket(self, text: str | None) -> Markup:
        """A header's ``Ticket:``: URLs, and ticket ids when ``ticket_url`` is set, as links."""
        return ticket_links(text, self.ticket_url)

    def _migration(self, migration_id: str) -> Migration | None:
        if self.migration_index is not None:
            return self.migration_index.get(migration_id)
        return self.wiki.migration(migration_id)

    def _adr(self, adr_id: str) -> Adr | None:
        if self.adr_index is not None:
            return self.adr_index.get(adr_id)
        return self.wiki.adr(adr_id)

    def url(self, to_page: str, anchor: str | None = None) -> Markup:
        """The relative URL of another generated page (``.md``, checked by MkDocs)."""
        # Page paths come from `paths.slug`, which keeps only characters safe in a link.
        return Markup(paths.relative(self.page, to_page, anchor))

    def href(self, to_page: str, anchor: str | None = None) -> str:
        """`url` as a plain string."""
        return str(self.url(to_page, anchor))

    def table(self, table: Table, text: str | None = None) -> Markup:
        """A link to a table's page, labelled with its name (or ``text``) as code."""
        target = paths.table_page(table.schema, table.name, dropped=table.dropped)
        label = escape.code(text or table.name)
        return Markup(f"[{label}]({self.url(target)})")

    def column(self, table: Table, column: str | Column, *, qualified: bool = False) -> Markup:
        """A link to a column's anchor on its table's page (``table.column`` if qualified)."""
        name = column if isinstance(column, str) else column.name
        target = paths.table_page(table.schema, table.name, dropped=table.dropped)
        label = escape.code(f"{table.name}.{name}" if qualified else name)
        anchor = paths.column_anchor(name)
        return Markup(f"[{label}]({self.url(target, anchor)})")

    def migration(
        self, migration_id: str | None, *, title: bool = False, dated: bool = False
    ) -> Markup:
        """A link to a migration's page, labelled by its id, its title, or ``date · title``."""
        if not migration_id:
            return Markup("")
        m = self._migration(migration_id)
        if m is None:
            return escape.code(migration_id)
        label = _migration_label(m, title=title, dated=dated)
        return Markup(f"[{label}]({self.url(paths.migration_page(m.id))})")

    def step(self, migration_id: str, path: str) -> Markup | None:
        """A link to the step of a migration whose file is ``path``, labelled by its title;
        None when the migration has no such step."""
        m = self._migration(migration_id)
        step = m.step_for(path) if m is not None and m.steps else None
        if m is None or step is None:
            return None
        target = self.url(paths.migration_page(m.id), step_anchor(step.number))
        return Markup(f"[{escape.md(step.title)}]({target})")

    def columns(self, table: Table, names: tuple[str, ...] | list[str]) -> Markup:
        """Links to several columns of one table, qualified by the table's name."""
        return Markup(", ").join(self.column(table, n, qualified=True) for n in names)

    def adr(self, adr_id: str, *, short: bool = False) -> Markup:
        """A link to an ADR's page: ``ADR-0015: Title``, or just ``ADR-0015`` when short."""
        a = self._adr(adr_id)
        if a is None:
            return escape.code(adr_id)
        label = adr_label(a) if short else f"{adr_label(a)}: {a.title}"
        return Markup(f"[{escape.md(label)}]({self.url(paths.adr_page(a.id))})")

    def adr_with_status(self, adr_id: str) -> Markup:
        """`adr` followed by the ADR's status badge."""
        a = self._adr(adr_id)
        return self.adr(adr_id) + (Markup(" ") + status_badge(a.status) if a else Markup(""))

    def ref(self, ref: SchemaRef) -> Markup:
        """A link for an ADR's reference to a table or column; code when it resolves to nothing."""
        table, column, _ = resolve_ref(self.wiki, ref)
        if table is None:
            return escape.code(ref.text)
        if column is None:
            return self.table(table, ref.text)
        target = paths.table_page(table.schema, table.name, dropped=table.dropped)
        anchor = paths.column_anchor(column)
        return Markup(f"[{escape.code(ref.text)}]({self.url(target, anchor)})")


def related_rows(wiki: Wiki, migration: Migration, links: Links) -> list[Markup]:
    """A migration's related migrations, both ways, as links: those its header names
    (one that matches no migration stays text, marked), then those whose header
    names it."""
    out: list[Markup] = []
    for related in wiki.related_migrations.get(migration.id, ()):
        link = links.migration(related.migration_id, dated=True)
        out.append(link if related.stated else link + Markup(" <small>(names this one)</small>"))
    field = migration.header.get("related migrations")
    for item in field.items if field is not None else ():
        if find_related(wiki, item) is None and not is_placeholder(item):
            out.append(escape.md(item) + Markup(" <small>(no such migration)</small>"))
    return out


def measured(wiki: Wiki, migration: Migration) -> list[dict[str, object]]:
    """Per statement, what the replay's server measured: the locks it took on tables that
    existed before the migration, the tables it rewrote, and whether the parser modelled it."""
    from ..join.history import history_of, lock_rank, lock_words

    history = history_of(wiki)
    if history is None:
        return []
    rows: list[dict[str, object]] = []
    for step in history.steps_of(migration.id):
        taken = sorted(
            (lock for lock in step.taken if lock.oid in step.existed),
            key=lambda lock: (-lock_rank(lock.mode), lock.relation),
        )
        rewrites = [
            f"{t.schema}.{t.name} ({', '.join(why)})"
            for t, why in step.rewritten
            if t.oid in step.existed
        ]
        if not (taken or rewrites or step.unmodelled):
            continue
        rows.append(
            {
                "location": str(step.location),
                "locks": ", ".join(f"{lock_words(lock.mode)} on {lock.relation}" for lock in taken),
                "rewrites": ", ".join(rewrites),
                "unmodelled": step.unmodelled,
            }
        )
    return rows


def _migration_label(m: Migration, *, title: bool, dated: bool) -> Markup:
    if dated:
        return _label(m.id, m.title, m.date.isoformat() if m.date else "undated")
    return _label(m.id, m.title, None) if title else _label(m.id, None, None)


@functools.lru_cache(maxsize=16384)
def _label(migration_id: str, title: str | None, when: str | None) -> Markup:
    # A large wiki links each migration from many pages: escape each label once.
    if title is None:
        return escape.code(migration_id)
    return Markup(f"{when} &middot; {escape.md(title)}") if when else escape.md(title)


def adr_label(adr: Adr) -> str:
    """``ADR-015`` (its number as the ADR writes it: `adr_titles.label`), else its id."""
    return adr_titles.label(adr)


def status_badge(status: str) -> Markup:
    """An ADR status as a badge coloured by what it means (accepted, proposed, superseded...)."""
    return badge(STATUS_KINDS.get(status, "info"), status)


def findings_for(wiki: Wiki, prefix: str) -> list[Finding]:
    """Findings whose target is ``prefix`` or something inside it."""
    return list(wiki.findings_by_prefix.get(prefix, ()))


#: Key badges: (kind in `column_keys`, label, tooltip).
_KEY_BADGES = (
    ("pk", "PK", "primary key"),
    ("fk", "FK", "foreign key"),
    ("unique", "unique", "unique on its own"),
    ("indexed", "indexed", "first key column of an index"),
)
_DEPRECATED = re.compile(r"\bdeprecated\b", re.IGNORECASE)


def column_keys(table: Table) -> dict[str, set[str]]:
    """Per column: ``pk``, ``fk``, ``unique`` (alone) and ``indexed`` (leads an index).

    ``indexed`` is left out where ``pk`` or ``unique`` already imply an index.
    """
    keys: dict[str, set[str]] = {}
    for con in table.constraints:
        if con.kind == "primary key":
            for name in con.columns:
                keys.setdefault(name, set()).add("pk")
        elif con.kind == "foreign key":
            for name in con.columns:
                keys.setdefault(name, set()).add("fk")
        elif con.kind == "unique" and len(con.columns) == 1:
            keys.setdefault(con.columns[0], set()).add("unique")
    for index in table.indexes:
        if not index.columns or not index.valid:
            continue
        lead = index.columns[0]
        if index.unique and not index.primary and len(index.columns) == 1 and not index.predicate:
            keys.setdefault(lead, set()).add("unique")
        elif not index.primary:
            keys.setdefault(lead, set()).add("indexed")
    for marks in keys.values():
        if "pk" in marks or "unique" in marks:
            marks.discard("indexed")
    return keys


def column_badges(
    wiki: Wiki,
    table: Table,
    column: Column,
    keys: dict[str, set[str]] | None = None,
    *,
    warn_days: int = 30,
) -> Markup:
    """The badges of a column: keys, then its life cycle, then documentation.

    ``expired`` after its drop date, ``expiring`` within ``warn_days`` of it,
    ``deprecated`` with a later drop date or a comment that says so.
    """
    out: list[Markup] = []
    if column.dropped:
        out.append(badge("muted", "dropped"))
    marks = (keys if keys is not None else column_keys(table)).get(column.name, set())
    for kind, label, title in _KEY_BADGES:
        if kind in marks and not column.dropped:
            out.append(badge("key", label, title))
    deprecated = bool(_DEPRECATED.search(column.comment or ""))
    if column.drop_after is not None and not column.dropped:
        status = drop_status(column.drop_after, wiki.today, warn_days)
        when = column.drop_after.date.isoformat()
        if status == DropStatus.EXPIRED:
            out.append(badge("error", "expired", f"could be dropped after {when}"))
            deprecated = False
        elif status == DropStatus.EXPIRING:
            out.append(badge("warn", "expiring", f"may be dropped after {when}"))
            deprecated = False
        else:
            deprecated = True
    if deprecated and not column.dropped:
        out.append(badge("warn", "deprecated"))
    if not column.dropped and not (column.comment or "").strip():
        out.append(badge("muted", "undocumented"))
    return Markup(" ").join(out)


def format_count(value: int | None) -> Markup:
    """``12345`` -> ``12,345``; None (unknown) -> nothing. Digits and commas need no escaping."""
    return Markup("" if value is None else f"{int(value):,}")


def format_bytes(value: int | None) -> Markup:
    """A size in bytes for people: ``8192`` -> ``8.0 kB``, ``123456789`` -> ``118 MB``."""
    if value is None:
        return Markup("")
    size = float(value)
    units = ("bytes", "kB", "MB", "GB", "TB")
    step = 0
    while size >= 1024 and step < len(units) - 1:
        size /= 1024
        step += 1
    unit = units[step]
    text = f"{size:.0f} {unit}" if unit == "bytes" or size >= 10 else f"{size:.1f} {unit}"
    return Markup(text)


#: How a history line names each action.
VERBS = {
    Action.CREATE_TABLE: "created",
    Action.DROP_TABLE: "dropped",
    Action.RENAME_TABLE: "renamed",
    Action.COMMENT_TABLE: "commented",
    Action.ADD_COLUMN: "added",
    Action.DROP_COLUMN: "dropped",
    Action.RENAME_COLUMN: "renamed",
    Action.ALTER_TYPE: "type changed",
    Action.SET_NOT_NULL: "made NOT NULL",
    Action.DROP_NOT_NULL: "made nullable",
    Action.SET_DEFAULT: "default set",
    Action.DROP_DEFAULT: "default dropped",
    Action.COMMENT_COLUMN: "commented",
    Action.CREATE_INDEX: "index created",
    Action.DROP_INDEX: "index dropped",
    Action.ADD_CONSTRAINT: "constraint added",
    Action.DROP_CONSTRAINT: "constraint dropped",
    Action.CREATE_VIEW: "created",
    Action.REPLACE_VIEW: "replaced",
    Action.DROP_VIEW: "dropped",
    Action.CREATE_MATERIALIZED_VIEW: "created",
    Action.DROP_MATERIALIZED_VIEW: "dropped",
    Action.CREATE_FOREIGN_TABLE: "created",
    Action.DROP_FOREIGN_TABLE: "dropped",
    Action.SET_SCHEMA: "moved",
    Action.RENAME_INDEX: "index renamed",
    Action.RENAME_CONSTRAINT: "constraint renamed",
    Action.VALIDATE_CONSTRAINT: "constraint validated",
    Action.ADD_IDENTITY: "made identity",
    Action.DROP_IDENTITY: "identity dropped",
    Action.SET_EXPRESSION: "expression set",
    Action.CREATE_TYPE: "created",
    Action.DROP_TYPE: "dropped",
    Action.RENAME_TYPE: "renamed",
    Action.COMMENT_TYPE: "commented",
    Action.ADD_VALUE: "value added",
    Action.RENAME_VALUE: "value renamed",
    Action.ALTER_DOMAIN: "changed",
}
_TYPED = (Action.ADD_COLUMN, Action.ALTER_TYPE)
_NAMED = (
    Action.CREATE_INDEX,
    Action.DROP_INDEX,
    Action.ADD_CONSTRAINT,
    Action.DROP_CONSTRAINT,
    Action.SET_DEFAULT,
    Action.VALIDATE_CONSTRAINT,
    Action.ADD_IDENTITY,
    Action.SET_EXPRESSION,
    Action.ADD_VALUE,
    Action.ALTER_DOMAIN,
)


def event_text(links: Links, table: Table, event: Event) -> Markup:
    """One history line: its date, what happened, and the migration (by title) that did it."""
    return timeline(links, [event])[0]


def _what(event: Event) -> str:
    # Every piece is Markup already (escape.code), so plain f-strings are safe here.
    what = f"**{VERBS[event.action]}**"
    if event.old_name and event.new_name:
        what += f" from {escape.code(event.old_name)} to {escape.code(event.new_name)}"
    elif event.action in _TYPED and event.detail:
        # As PostgreSQL prints types, like the column's type beside it.
        what += f" as {escape.code(pg_type(event.detail))}"
    elif event.action in _NAMED and event.detail:
        what += f" {escape.code(event.detail)}"
    if event.cascade_of:
        what += f" by CASCADE, with {escape.code(event.cascade_of)}"
    return what


def timeline(links: Links, events: Sequence[Event]) -> list[Markup]:
    """History lines, one per migration: its date, what it did, and its title as a link.

    ``2024-02-15 **added** as `VARCHAR(50)`, **commented** · [Add legacy_id column](...)``
    """
    lines: list[Markup] = []
    # One line per migration, or per step of a migration made of several files.
    for (migration_id, path), group in groupby(
        events, key=lambda e: (e.migration_id, e.location.path)
    ):
        items = list(group)
        when = items[0].date.isoformat() if items[0].date else "undated"
        what = ", ".join(_what(e) for e in items)
        by = links.step(migration_id, path) or links.migration(migration_id, title=True)
        line = Markup(f'<span class="sw-when">{when}</span> {what} &middot; {by}')
        lines.append(line)
    return lines


def step_anchor(number: int) -> str:
    """The id of a step's entry on its migration's page: ``step-3``."""
    return f"step-{number}"


def told(links: Links, story: Account | None) -> dict[str, object] | None:
    """A migration's account of a change, ready for a template: ``link`` (by title),
    ``id``, ``date``, ``author``, ``ticket``, ``why`` and ``step`` (in a migration of
    several files: "step 2, `002_drop_bio.sql`"); None without one."""
    if story is None:
        return None
    step = Markup("")
    if story.step is not None and story.step_path is not None:
        name = story.step_path.rsplit("/", 1)[-1]
        step = Markup(f"step {story.step}, ") + escape.code(name)
    return {
        "link": links.migration(story.migration_id, title=True),
        "id": escape.code(story.migration_id),
        "date": Markup(story.date.isoformat()) if story.date else "",
        "author": story.author or "",
        "ticket": links.ticket(story.ticket),
        "why": escape.summary(story.why),
        "step": step,
    }


def _decisions(
    adrs: dict[str, Adr], decided: Sequence[str], mentioned: Sequence[str]
) -> dict[str, list[Adr]]:
    """``decided``: ADRs named in the ``ADR:`` header of a migration that made or changed
    it; ``mentioned``: the other ADRs that name it."""
    first = [adrs[a] for a in decided if a in adrs]
    return {
        "decided": first,
        "mentioned": [adrs[a] for a in mentioned if a in adrs and a not in decided],
    }


def _migration_meta(m: Migration | None, links: Links | None = None) -> dict[str, str]:
    if m is None:
        return {}
    ticket = m.header.text("ticket")
    return {
        "date": Markup(m.date.isoformat()) if m.date else "",
        "author": m.header.text("author") or "",
        "ticket": links.ticket(ticket) if links is not None else (ticket or ""),
        "context": escape.summary(m.header.text("context")),
    }


# --- ADR bodies -----------------------------------------------------------------------

_LINK = re.compile(r"(\]\()([^)\s]+)(\))")
_FENCE = re.compile(r"^\s*(```|~~~)")


def document_anchor(name: str) -> str:
    """The id of a migration document's section (``PLAN.md`` -> ``doc-plan``)."""
    stem = name.rsplit(".", 1)[0].lower()
    return "doc-" + "".join(ch if ch.isalnum() else "-" for ch in stem)


def link_markdown(
    wiki: Wiki,
    text: str,
    source: str,
    links: Links,
    migrations_dir: str,
    here: dict[str, str] | None = None,
) -> str:
    """A team's markdown with schema mentions linked and repository links re-pointed.

    ``users.legacy_id`` in backticks becomes a link to the column, ``users`` or
    ``billing.customers`` a link to the table (any name the table or column
    had before a rename too); a backticked word that names nothing stays code. A link to a
    file under the migrations directory becomes a link to that migration's
    page, one to an ADR file a link to the ADR's page, and one to a document
    shown on this very page (``here``: path -> anchor) a link to its section.
    ``source`` is the file's project-relative path, for resolving relative links.
    """
    out: list[str] = []
    fenced = False
    base = posixpath.dirname(source)
    prefix = migrations_dir.strip("/") + "/"
    here = here or {}

    def sub_ref(m: re.Match[str]) -> str:
        ref = split_ref(m.group(1), _NOWHERE)
        if ref is None or resolve_ref(wiki, ref)[0] is None:
            return m.group(0)
        return str(links.ref(ref))

    def sub_link(m: re.Match[str]) -> str:
        target = m.group(2)
        if "://" in target or target.startswith(("#", "mailto:", "/")):
            return m.group(0)
        resolved = posixpath.normpath(posixpath.join(base, target.split("#")[0]))
        url: str | None = None
        if resolved in here:
            url = "#" + here[resolved]
        elif resolved.startswith(prefix):
            migration = find_migration(wiki, resolved[len(prefix) :].split("/")[0])
            if migration is not None:
                url = links.url(paths.migration_page(migration.id))
        if url is None:
            other = next((a for a in wiki.adrs if a.path == resolved), None)
            if other is not None:
                url = links.url(paths.adr_page(other.id))
        return f"{m.group(1)}{url}{m.group(3)}" if url else m.group(0)

    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            line = _LINK.sub(sub_link, _BACKTICK.sub(sub_ref, line))
        out.append(line)
    return "\n".join(out)


_BACKTICK = re.compile(r"(?<!\[)`((?:[A-Za-z_][\w$]*\.){0,2}[A-Za-z_][\w$]*)`")


_NOWHERE = Location("")


def demote_headings(text: str, by: int = 2) -> str:
    """Push a document's headings down so it nests under a section of our page."""
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and line.startswith("#"):
            line = "#" * by + line
        out.append(line)
    return "\n".join(out)


# --- pages ----------------------------------------------------------------------------


def table_values(
    wiki: Wiki,
    table: Table,
    links: Links,
    relations: Relations,
    *,
    erd_depth: int = 1,
    warn_days: int = 30,
    owners: Sequence[OwnerRule] = (),
) -> dict[str, object]:
    """What ``table.md.j2`` receives besides the values every page gets.

    ``rows`` holds one entry per column (current, then dropped) with its
    anchor, badges, introducing migration, history, ADRs and the foreign keys
    it takes part in; ``references`` / ``referenced_by`` are the table's
    foreign keys both ways; ``diagram`` is the Mermaid ER diagram (or None).
    """
    migrations = links.migration_index or {m.id: m for m in wiki.migrations}
    adrs = links.adr_index or {a.id: a for a in wiki.adrs}
    keys = column_keys(table)
    outgoing = [] if table.dropped else relations.references(table)
    incoming = [] if table.dropped else relations.referenced_by(table)
    dependents = catalog_dependents(wiki, table)
    # The table's own keys, indexes and triggers have sections of their own: the
    # table-wide list names what lives elsewhere, and policies; a column's names all.
    elsewhere = [
        d
        for d in dependents
        if (d.schema, d.relation) != (table.schema, table.name) or d.kind in ("policy", "rule")
    ]
    rows = []
    introducers = [c.introduced_by for c in [*table.columns, *table.dropped_columns]]
    introduced_alone = {m: introducers.count(m) == 1 for m in introducers if m}
    for column in [*table.columns, *table.dropped_columns]:
        intro = migrations.get(column.introduced_by or "")
        refs_out = [fk for fk in outgoing if column.name in fk.columns]
        refs_in = [fk for fk in incoming if column.name in fk.ref_columns]
        rows.append(
            {
                "column": column,
                # Safe: column_anchor keeps only [a-z0-9_-].
                "anchor": Markup(paths.column_anchor(column.name)),
                "badges": column_badges(wiki, table, column, keys, warn_days=warn_days),
                "introduced": _migration_meta(intro, links),
                "history": timeline(links, column.history),
                # Worth showing when something happened after the introducing migration.
                "eventful": column.dropped
                or any(e.migration_id != column.introduced_by for e in column.history),
                # A migration's why is told once, in the table's history, when it brought
                # several of the table's columns; a column of its own keeps it here too.
                "why_here": introduced_alone.get(column.introduced_by or "", False),
                "adrs": [adrs[a] for a in column.adrs if a in adrs],
                **_decisions(adrs, column.decided_by, column.adrs),
                "dropped_by": told(links, dropped_by(wiki, column, table)),
                "references": Markup(", ").join(
                    _fk_target(links, fk, column.name) for fk in refs_out
                ),
                "referenced_by": Markup(", ").join(
                    _fk_source(links, fk, column.name) for fk in refs_in
                ),
                "used_by": Markup(", ").join(
                    Markup(f"{d.kind} {_dependent_link(links, relations, d, table)}")
                    for d in dependents
                    if column.name in d.columns and not column.dropped
                ),
                # schema-wiki review (issue 17): where code_paths still name the column.
                "code_refs": _code_refs(wiki, table, column),
            }
        )
    diagram = None if table.dropped else er_diagram(relations, table, erd_depth)
    order = wiki.migration_order
    return {
        "table": table,
        "rows": rows,
        "history": table_history(table, lambda name: links.column(table, name), migrations, order),
        "introduced": _migration_meta(migrations.get(table.introduced_by or ""), links),
        "table_history": timeline(links, table.history),
        "adrs": [adrs[a] for a in table.adrs if a in adrs],
        **_decisions(adrs, table.decided_by, table.adrs),
        "dropped_by": told(links, dropped_by(wiki, table)),
        "findings": findings_for(wiki, table.qualified),
        "used_by": used_by(links, relations, table, elsewhere),
        "references": [_fk_row(links, fk, fk.target) for fk in outgoing],
        "referenced_by": [_fk_row(links, fk, fk.source) for fk in incoming],
        "diagram": diagram,
        "mermaid": escape.fenced(diagram.source, "mermaid") if diagram else None,
        "erd_depth": erd_depth,
        "rows_estimate": format_count(table.row_estimate),
        "size": format_bytes(table.total_bytes),
        "fenced": escape.fenced,
        "format_bytes": format_bytes,
        # schema-wiki review (issue 17): the table's owner (``owners:``), or None.
        "owner": owner_of(owners, table.schema, table.name),
    }


# --- what depends on a table ---------------------------------------------------------


def catalog_dependents(wiki: Wiki, table: Table) -> tuple[CatalogDependent, ...]:
    """What the catalog says depends on ``table`` (nothing for a dropped table)."""
    if table.dropped or table.catalog is None:
        return ()
    return table.catalog.dependents


def _dependent_link(
    links: Links, relations: Relations, dependent: CatalogDependent, here: Table
) -> Markup:
    """A dependent named as the wiki can link it: a view by its page, a key or index by its
    name and its table's page (not when that is ``here``), a generated column by its
    anchor, a function as code."""
    owner = (
        relations.tables.get((dependent.schema, dependent.relation))
        if dependent.relation is not None
        else None
    )
    if dependent.kind in ("view", "materialized view", "rule") and owner is not None:
        return links.table(owner, None if owner.schema == "public" else owner.qualified)
    if dependent.kind == "generated column" and owner is not None:
        return links.column(owner, dependent.name, qualified=owner is not here)
    name = escape.code(dependent.name)
    if owner is here:
        return name
    if owner is None:
        where = f"{dependent.schema}.{dependent.relation}" if dependent.relation else ""
        return Markup(f"{name} on {escape.code(where)}") if where else name
    return Markup(f"{name} on {links.table(owner)}")


def used_by(
    links: Links, relations: Relations, table: Table, dependents: Iterable[CatalogDependent]
) -> list[dict[str, object]]:
    """Rows of a table's "Used by" section: each dependent, its kind and the columns it uses."""
    return [
        {
            "what": _dependent_link(links, relations, d, table),
            "kind": d.kind,
            "columns": Markup(", ").join(links.column(table, c) for c in d.columns),
        }
        for d in dependents
    ]


def _code_refs(wiki: Wiki, table: Table, column: Column) -> dict[str, object] | None:
    """Where the application code names a watched column: ``{"refs": [...]}``, with an empty
    list when code was searched and nothing names it; None when it is not watched."""
    if wiki.code_references is None or table.dropped or column.dropped:
        return None
    refs = wiki.code_references.get(f"{table.qualified}.{column.name}")
    if refs is None:
        return None
    return {"refs": list(refs)}


def _fk_target(links: Links, fk: ForeignKey, column: str) -> Markup:
    """The referenced column that ``column`` of a foreign key points at."""
    if fk.target is None:
        name = f"{fk.constraint.ref_schema}.{fk.constraint.ref_table}"
        return escape.code(name)
    position = fk.columns.index(column)
    ref = fk.ref_columns[position] if position < len(fk.ref_columns) else None
    return links.column(fk.target, ref, qualified=True) if ref else links.table(fk.target)


def _fk_source(links: Links, fk: ForeignKey, column: str) -> Markup:
    """The referencing column of a foreign key that points at ``column``."""
    position = fk.ref_columns.index(column)
    src = fk.columns[position] if position < len(fk.columns) else None
    return links.column(fk.source, src, qualified=True) if src else links.table(fk.source)


def _fk_row(links: Links, fk: ForeignKey, other: Table | None) -> dict[str, object]:
    con = fk.constraint
    target: Markup
    if fk.target is None:
        target = escape.code(f"{con.ref_schema}.{con.ref_table}")
    else:
        target = links.columns(fk.target, fk.ref_columns) if fk.ref_columns else Markup("")
    return {
        "name": con.name,
        "source": links.columns(fk.source, fk.columns),
        "target": target,
        "other": links.table(other) if other is not None else escape.code(con.ref_table or ""),
        "definition": con.definition,
        "actions": fk_actions(con.definition),
        "validated": con.validated,
    }


_FK_TAIL = re.compile(r"\bREFERENCES\s+(?:\"[^\"]*\"|[^\s(])+\s*\([^)]*\)\s*(.*)$", re.DOTALL)


def fk_actions(definition: str) -> str:
    """What follows the referenced columns in a foreign key's definition.

    ``FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`` ->
    ``ON DELETE CASCADE`` (also MATCH FULL, DEFERRABLE, NOT VALID).
    """
    m = _FK_TAIL.search(definition)
    tail = " ".join(m.group(1).split()) if m else ""
    return tail.removesuffix("NOT VALID").strip()


def page_contexts(
    wiki: Wiki,
    *,
    linenums: bool = False,
    migrations_dir: str = "migrations",
    erd_depth: int = 1,
    warn_days: int = 30,
    only: Container[str] | None = None,
    ticket_url: str | None = None,
    owners: Sequence[OwnerRule] = (),
    schedule: CalendarOptions | None = None,
) -> Iterator[PageContext]:
    """One context per generated page (per-table, -migration and -ADR pages: those in ``only``).

    ``erd_depth`` is how many foreign-key hops a table's ER diagram reaches
    (0: no diagram); ``warn_days`` how close a drop date makes a column
    ``expiring`` rather than ``deprecated``; ``ticket_url`` where ticket ids link to.
    """
    migrations = {m.id: m for m in wiki.migrations}
    adrs = {a.id: a for a in wiki.adrs}

    relations = Relations.of(wiki)

    def common(page: str) -> dict[str, object]:
        return {
            "wiki": wiki,
            "L": Links(wiki, page, migrations, adrs, ticket_url),
            "badge": badge,
            "status_badge": status_badge,
            "adr_label": adr_label,
            "paths": paths,
            "today": wiki.today,
        }

    for table in [*wiki.tables, *wiki.dropped_tables]:
        page = paths.table_page(table.schema, table.name, dropped=table.dropped)
        if only is not None and page not in only:
            continue
        values = common(page)
        links = Links(wiki, page, migrations, adrs, ticket_url)
        values.update(
            table_values(
                wiki,
                table,
                links,
                relations,
                erd_depth=erd_depth,
                warn_days=warn_days,
                owners=owners,
            )
        )
        yield PageContext(page, "table.md.j2", values)

    by_path = _findings_by_path(wiki.findings)
    by_target: dict[str, list[Finding]] = {}
    for f in wiki.findings:
        by_target.setdefault(f.target, []).append(f)

    for migration in wiki.migrations:
        page = paths.migration_page(migration.id)
        if only is not None and page not in only:
            continue
        links = Links(wiki, page, migrations, adrs, ticket_url)
        here = {f"{migration.path}/{name}": document_anchor(name) for name in migration.documents}
        touched = []
        grouped = _touched_tables(wiki, relations, migration.id)
        for owner, columns in grouped:
            touched.append((links.table(owner), [links.column(owner, c) for c in columns]))
        found = list(by_target.get(migration.id, []))
        for path in {migration.path, *(f.path for f in migration.files)}:
            found.extend(f for f in by_path.get(path, []) if f not in found)
        mentions = Mentions(wiki, links.href, here=here)
        values = common(page)
        values.update(
            migration=migration,
            facts=migration_facts(
                wiki,
                migration,
                mentions,
                links.adr_with_status,
                related=related_rows(wiki, migration, links),
                ticket=links.ticket,
            ),
            context=mentions.block(migration.header.text("context") or ""),
            touched=touched,
            adrs=[adrs[a] for a in wiki.migration_adrs.get(migration.id, []) if a in adrs],
            documents=[
                (
                    name,
                    Markup(document_anchor(name)),
                    demote_headings(
                        link_markdown(
                            wiki,
                            # Written for GitHub: rendered as GitHub renders it.
                            gfm.to_python_markdown(text, mentions.markdown),
                            f"{migration.path}/{name}",
                            links,
                            migrations_dir,
                            here,
                        )
                    ),
                )
                for name, text in migration.documents.items()
            ],
            linenums=linenums,
            fenced=escape.fenced,
            findings=found,
            witnessed=measured(wiki, migration),
        )
        yield PageContext(page, "migration.md.j2", values)

    from .adr_pages import adr_pages

    yield from adr_pages(wiki, common, migrations_dir, only)

    def wanted(page: str) -> bool:
        return only is None or page in only

    if wanted(paths.SCHEMA_INDEX):
        values = common(paths.SCHEMA_INDEX)
        values.update(
            groups=_schema_groups(wiki, owners),
            # schema-wiki review (issue 17): an Owner column when owners are configured.
            show_owners=bool(owners),
            coverage=coverage(wiki),
            format_count=format_count,
            format_bytes=format_bytes,
            dropped_columns=sum(len(t.dropped_columns) for t in wiki.tables),
            **_shown_columns(wiki.tables),
        )
        yield PageContext(paths.SCHEMA_INDEX, "schema_index.md.j2", values)

    if wanted(paths.TABLES_AZ):
        values = common(paths.TABLES_AZ)
        values.update(letters=_letters(wiki.tables), **_shown_columns(wiki.tables))
        yield PageContext(paths.TABLES_AZ, "tables_az.md.j2", values)

    if wanted(paths.DROPPED):
        values = common(paths.DROPPED)
        links = Links(wiki, paths.DROPPED, migrations, adrs, ticket_url)
        values.update(
            dropped_tables=_dropped_tables(wiki, links, migrations),
            dropped_columns=_dropped_columns(wiki, links, migrations),
        )
        yield PageContext(paths.DROPPED, "dropped.md.j2", values)

    if wanted(paths.MIGRATIONS_INDEX):
        values = common(paths.MIGRATIONS_INDEX)
        links = Links(wiki, paths.MIGRATIONS_INDEX, migrations, adrs, ticket_url)
        values.update(months=_months(wiki, relations, links))
        yield PageContext(paths.MIGRATIONS_INDEX, "migrations_index.md.j2", values)

    yield from report_pages(wiki, common, wanted)
    yield from drift_pages(wiki, common)
    yield from types_pages(wiki, common)
    if wanted(CALENDAR):
        calendar = calendar_context(wiki, common, schedule)
        if calendar is not None:
            yield calendar


def _schema_groups(
    wiki: Wiki, owners: Sequence[OwnerRule] = ()
) -> list[tuple[str, list[dict[str, object]]]]:
    groups = []
    for schema, tables in groupby(
        sorted(wiki.tables, key=lambda t: (t.schema, t.name)), key=lambda t: t.schema
    ):
        rows = []
        for t in tables:
            documented = sum(1 for c in t.columns if c.comment)
            rows.append(
                {
                    "table": t,
                    "summary": escape.first_line(t.comment),
                    "columns": len(t.columns),
                    "coverage": 100.0 * documented / len(t.columns) if t.columns else 100.0,
                    "owner": owner_of(owners, t.schema, t.name),
                }
            )
        groups.append((schema, rows))
    return groups


def _shown_columns(tables: Sequence[Table]) -> dict[str, bool]:
    """Which index columns say something: none that is empty, or the same, for every row."""
    return {
        "show_kind": any(t.kind != "table" for t in tables),
        "show_rows": any(t.row_estimate for t in tables),
        "show_schema": len({t.schema for t in tables}) > 1,
    }


def _findings_by_path(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Findings by the file they point at, and by each directory above it."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        if f.location is None:
            continue
        path = f.location.path
        while path:
            out.setdefault(path, []).append(f)
            path = posixpath.dirname(path)
    return out


def _owner(wiki: Wiki, relations: Relations, schema: str, name: str) -> Table | None:
    """The current table, else the dropped one, of that name."""
    table = relations.tables.get((schema, name))
    if table is None:
        table = next(
            (t for t in wiki.dropped_tables if t.schema == schema and t.name == name), None
        )
    return table


def _touched_tables(
    wiki: Wiki, relations: Relations, migration_id: str
) -> list[tuple[Table, list[str]]]:
    """The tables a migration touched, each with the columns it touched, in order."""
    out: dict[tuple[str, str], tuple[Table, list[str]]] = {}
    for schema, tname, cname in wiki.touched.get(migration_id, []):
        owner = _owner(wiki, relations, schema, tname)
        if owner is None:
            continue
        entry = out.setdefault((schema, tname), (owner, []))
        if cname and cname not in entry[1]:
            entry[1].append(cname)
    return list(out.values())


#: How many tables a migration's line in the timeline names before "and N more".
TIMELINE_TABLES = 4


def _months(wiki: Wiki, relations: Relations, links: Links) -> list[dict[str, object]]:
    """The migration log by month, newest first, each migration with who, why and what."""
    out: list[dict[str, object]] = []
    for m in reversed(wiki.migrations):
        key = m.date.strftime("%Y-%m") if m.date else "undated"
        if not out or out[-1]["key"] != key:
            title = m.date.strftime("%B %Y") if m.date else "Undated"
            out.append({"key": key, "title": title, "anchor": Markup(key), "items": []})
        tables = [t for t, _ in _touched_tables(wiki, relations, m.id)]
        items = out[-1]["items"]
        assert isinstance(items, list)
        items.append(
            {
                "migration": m,
                "author": m.header.text("author") or "",
                "ticket": links.ticket(m.header.text("ticket")),
                "why": escape.summary(m.header.text("context")),
                "tables": [links.table(t) for t in tables[:TIMELINE_TABLES]],
                "more": max(0, len(tables) - TIMELINE_TABLES),
            }
        )
    return out


def _letters(tables: Sequence[Table]) -> list[tuple[str, Markup, list[Table]]]:
    """(letter, anchor, tables) for the A-Z index; names not starting with a letter go under #."""

    def letter(t: Table) -> str:
        first = t.name[:1].upper()
        return first if first.isalpha() else "#"

    ordered = sorted(tables, key=lambda t: (letter(t) != "#", t.name.lower(), t.schema))
    out: list[tuple[str, Markup, list[Table]]] = []
    for key, group in groupby(ordered, key=letter):
        if key == "#":
            anchor = "letter-other"
        elif key.isascii():
            anchor = f"letter-{key.lower()}"
        else:
            anchor = f"letter-u{ord(key):x}"
        out.append((key, Markup(anchor), list(group)))
    return out


def _drop_event(events: Sequence[Event], *actions: Action) -> Event | None:
    for event in reversed(events):
        if event.action in actions:
            return event
    return None


def _why(migrations: dict[str, Migration], event: Event | None) -> dict[str, object]:
    m = migrations.get(event.migration_id) if event else None
    return {
        "date": Markup(event.date.isoformat()) if event and event.date else "",
        "migration": event.migration_id if event else None,
        "author": (m.header.text("author") or "") if m else "",
        "why": escape.summary(m.header.text("context")) if m else "",
    }


def _dropped_tables(
    wiki: Wiki, links: Links, migrations: dict[str, Migration]
) -> list[dict[str, object]]:
    """Dropped tables with the migration that dropped them, newest first."""
    rows = []
    for t in wiki.dropped_tables:
        event = _drop_event(
            t.history,
            Action.DROP_TABLE,
            Action.DROP_VIEW,
            Action.DROP_MATERIALIZED_VIEW,
            Action.DROP_FOREIGN_TABLE,
        )
        rows.append({"link": links.table(t, f"{t.schema}.{t.name}"), **_why(migrations, event)})
    return sorted(rows, key=lambda r: str(r["date"]), reverse=True)


def _dropped_columns(
    wiki: Wiki, links: Links, migrations: dict[str, Migration]
) -> list[dict[str, object]]:
    """Columns dropped from tables (current or dropped since), newest first."""
    rows = []
    for t in [*wiki.tables, *wiki.dropped_tables]:
        gone = [*t.dropped_columns, *(c for c in t.columns if c.dropped)]
        for c in gone:
            event = _drop_event(c.history, Action.DROP_COLUMN)
            rows.append(
                {
                    "link": links.column(t, c, qualified=True),
                    "type": c.type,
                    **_why(migrations, event),
                }
            )
    return sorted(rows, key=lambda r: str(r["date"]), reverse=True)


__all__ = ["PageContext", "page_contexts"]
