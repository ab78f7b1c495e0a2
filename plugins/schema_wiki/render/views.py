"""What each page template receives: the model objects plus link helpers for that page."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from markupsafe import Markup

from ..build import find_migration, resolve_ref
from ..model import (
    Action,
    Adr,
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
from . import escape, paths
from .reports import coverage, report_pages

STATUS_KINDS = {
    "accepted": "ok",
    "proposed": "info",
    "rejected": "muted",
    "deprecated": "warn",
    "superseded": "muted",
}


@dataclass
class PageContext:
    path: str
    template: str
    values: dict[str, object] = field(default_factory=dict)


def badge(kind: str, text: str) -> Markup:
    """A small label; ``kind`` selects its colour in the bundled stylesheet."""
    return Markup('<span class="sw-badge sw-badge--{}">{}</span>').format(kind, text)


class Links:
    """Link helpers bound to one page, so every link is relative to it."""

    def __init__(self, wiki: Wiki, page: str) -> None:
        self.wiki = wiki
        self.page = page

    def url(self, to_page: str, anchor: str | None = None) -> Markup:
        # Page paths come from `paths.slug`, which keeps only characters safe in a link.
        return Markup(paths.relative(self.page, to_page, anchor))

    def table(self, table: Table, text: str | None = None) -> Markup:
        target = paths.table_page(table.schema, table.name, dropped=table.dropped)
        label = escape.code(text or table.name)
        return Markup(f"[{label}]({self.url(target)})")

    def column(self, table: Table, column: str | Column, *, qualified: bool = False) -> Markup:
        name = column if isinstance(column, str) else column.name
        target = paths.table_page(table.schema, table.name, dropped=table.dropped)
        label = escape.code(f"{table.name}.{name}" if qualified else name)
        anchor = paths.column_anchor(name)
        return Markup(f"[{label}]({self.url(target, anchor)})")

    def migration(self, migration_id: str | None, *, title: bool = False) -> Markup:
        if not migration_id:
            return Markup("")
        m = self.wiki.migration(migration_id)
        if m is None:
            return escape.code(migration_id)
        label = escape.md(m.title) if title else escape.code(m.id)
        return Markup(f"[{label}]({self.url(paths.migration_page(m.id))})")

    def adr(self, adr_id: str, *, short: bool = False) -> Markup:
        a = self.wiki.adr(adr_id)
        if a is None:
            return escape.code(adr_id)
        label = adr_label(a) if short else f"{adr_label(a)}: {a.title}"
        return Markup(f"[{escape.md(label)}]({self.url(paths.adr_page(a.id))})")

    def ref(self, ref: SchemaRef) -> Markup:
        table, column, _ = resolve_ref(self.wiki, ref)
        if table is None:
            return escape.code(ref.text)
        if column is None:
            return self.table(table, ref.text)
        target = paths.table_page(table.schema, table.name, dropped=table.dropped)
        anchor = paths.column_anchor(column)
        return Markup(f"[{escape.code(ref.text)}]({self.url(target, anchor)})")


def adr_label(adr: Adr) -> str:
    return f"ADR-{adr.number:04d}" if adr.number is not None else adr.id


def status_badge(status: str) -> Markup:
    return badge(STATUS_KINDS.get(status, "info"), status)


def findings_for(wiki: Wiki, prefix: str) -> list[Finding]:
    """Findings whose target is ``prefix`` or something inside it."""
    return [f for f in wiki.findings if f.target == prefix or f.target.startswith(prefix + ".")]


def column_badges(wiki: Wiki, table: Table, column: Column) -> Markup:
    out: list[Markup] = []
    if column.dropped:
        out.append(badge("muted", "dropped"))
    if column.drop_after is not None and not column.dropped:
        if column.drop_after.date < wiki.today:
            out.append(badge("error", "expired"))
        elif (column.drop_after.date - wiki.today).days <= 30:
            out.append(badge("warn", "expiring"))
        else:
            out.append(badge("warn", "deprecated"))
    if not column.dropped and not (column.comment or "").strip():
        out.append(badge("muted", "undocumented"))
    return Markup(" ").join(out)


def event_text(links: Links, table: Table, event: Event) -> Markup:
    """One history line: what happened, by which migration."""
    verb = {
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
    }[event.action]
    parts = [Markup("**{}**").format(verb)]
    if event.old_name and event.new_name:
        parts.append(
            Markup("from {} to {}").format(escape.code(event.old_name), escape.code(event.new_name))
        )
    elif event.action in (Action.ADD_COLUMN, Action.ALTER_TYPE) and event.detail:
        parts.append(Markup("as {}").format(escape.code(event.detail)))
    elif (
        event.action
        in (
            Action.CREATE_INDEX,
            Action.DROP_INDEX,
            Action.ADD_CONSTRAINT,
            Action.DROP_CONSTRAINT,
            Action.SET_DEFAULT,
        )
        and event.detail
    ):
        parts.append(escape.code(event.detail))
    parts.append(Markup("by {}").format(links.migration(event.migration_id)))
    when = event.date.isoformat() if event.date else "undated"
    return Markup("{}: {}").format(when, Markup(" ").join(parts))


def _migration_meta(m: Migration | None) -> dict[str, str]:
    if m is None:
        return {}
    return {
        "date": m.date.isoformat() if m.date else "",
        "author": m.header.text("author") or "",
        "ticket": m.header.text("ticket") or "",
        "context": escape.first_line(m.header.text("context")),
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

    ``users.legacy_id`` in backticks becomes a link to the column. A link to a
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


_BACKTICK = re.compile(r"(?<!\[)`((?:[A-Za-z_][\w$]*\.){1,2}[A-Za-z_][\w$]*)`")


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


def page_contexts(
    wiki: Wiki, *, linenums: bool = False, migrations_dir: str = "migrations"
) -> Iterator[PageContext]:
    """One context per generated page."""
    migrations = {m.id: m for m in wiki.migrations}
    adrs = {a.id: a for a in wiki.adrs}

    def common(page: str) -> dict[str, object]:
        return {
            "wiki": wiki,
            "L": Links(wiki, page),
            "badge": badge,
            "status_badge": status_badge,
            "adr_label": adr_label,
            "paths": paths,
            "today": wiki.today,
        }

    for table in [*wiki.tables, *wiki.dropped_tables]:
        page = paths.table_page(table.schema, table.name, dropped=table.dropped)
        links = Links(wiki, page)
        rows = []
        for column in [*table.columns, *table.dropped_columns]:
            intro = migrations.get(column.introduced_by or "")
            rows.append(
                {
                    "column": column,
                    # Safe: column_anchor keeps only [a-z0-9_-].
                    "anchor": Markup(paths.column_anchor(column.name)),
                    "badges": column_badges(wiki, table, column),
                    "introduced": _migration_meta(intro),
                    "history": [event_text(links, table, e) for e in column.history],
                    "adrs": [adrs[a] for a in column.adrs if a in adrs],
                }
            )
        values = common(page)
        values.update(
            table=table,
            rows=rows,
            introduced=_migration_meta(migrations.get(table.introduced_by or "")),
            table_history=[event_text(links, table, e) for e in table.history],
            adrs=[adrs[a] for a in table.adrs if a in adrs],
            findings=findings_for(wiki, table.qualified),
        )
        yield PageContext(page, "table.md.j2", values)

    for migration in wiki.migrations:
        page = paths.migration_page(migration.id)
        links = Links(wiki, page)
        here = {f"{migration.path}/{name}": document_anchor(name) for name in migration.documents}
        touched = []
        for schema, tname, cname in wiki.touched.get(migration.id, []):
            owner: Table | None = wiki.table(schema, tname)
            if owner is None:
                owner = next(
                    (t for t in wiki.dropped_tables if t.schema == schema and t.name == tname), None
                )
            if owner is None:
                continue
            touched.append(
                links.column(owner, cname, qualified=True) if cname else links.table(owner)
            )
        values = common(page)
        values.update(
            migration=migration,
            touched=touched,
            adrs=[adrs[a] for a in wiki.migration_adrs.get(migration.id, []) if a in adrs],
            documents=[
                (
                    name,
                    Markup(document_anchor(name)),
                    demote_headings(
                        link_markdown(
                            wiki, text, f"{migration.path}/{name}", links, migrations_dir, here
                        )
                    ),
                )
                for name, text in migration.documents.items()
            ],
            linenums=linenums,
            fenced=escape.fenced,
            findings=[
                f
                for f in wiki.findings
                if f.target == migration.id
                or (f.location is not None and f.location.path.startswith(migration.path))
            ],
            fields=[
                (f.key, f.value)
                for f in migration.header.fields.values()
                if f.key.lower() != "context"
            ],
        )
        yield PageContext(page, "migration.md.j2", values)

    from .adr_pages import adr_pages

    yield from adr_pages(wiki, common, migrations_dir)

    values = common(paths.SCHEMA_INDEX)
    values.update(groups=_schema_groups(wiki), coverage=coverage(wiki))
    yield PageContext(paths.SCHEMA_INDEX, "schema_index.md.j2", values)

    values = common(paths.MIGRATIONS_INDEX)
    values.update(months=_months(wiki.migrations))
    yield PageContext(paths.MIGRATIONS_INDEX, "migrations_index.md.j2", values)

    yield from report_pages(wiki, common)


def _schema_groups(wiki: Wiki) -> list[tuple[str, list[dict[str, object]]]]:
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
                }
            )
        groups.append((schema, rows))
    return groups


def _months(migrations: list[Migration]) -> list[tuple[str, list[Migration]]]:
    def month(m: Migration) -> str:
        return m.date.strftime("%Y-%m") if m.date else "undated"

    out: list[tuple[str, list[Migration]]] = []
    for m in migrations:
        key = month(m)
        if out and out[-1][0] == key:
            out[-1][1].append(m)
        else:
            out.append((key, [m]))
    return out


__all__ = ["PageContext", "page_contexts"]
