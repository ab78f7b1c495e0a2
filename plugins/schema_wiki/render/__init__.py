"""Turn a `Wiki` into Markdown pages with Jinja2 templates.

`render_pages` returns ``{source path under docs/: markdown}``. Templates live
in ``templates/`` beside this module; a ``templates_dir`` given by the user is
searched first, and a user template can extend the bundled one through the
``default/`` prefix to override a single block::

    {% extends "default/table.md.j2" %}
    {% block summary %}{{ super() }}Owned by the identity team.{% endblock %}

Every ``{{ expression }}`` in a template is escaped for Markdown unless it
is `Markup` (what the link helpers return), so text from the database or a
file can never become markup.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..join.owners import OwnerRule
from ..join.schedule import FreezeWindow
from ..model import Wiki
from . import escape, paths
from .calendar_pages import CALENDAR, ICS, CalendarOptions, calendar_ics, calendar_of
from .drift_pages import DRIFT
from .reports import RULES_PAGE
from .types_pages import TYPES
from .views import PageContext, page_contexts

TEMPLATES = Path(__file__).parent / "templates"
#: Pages whose bundled templates show nothing of the ADRs or the findings: a serve
#: rebuild after an ADR edit keeps them (`schema_wiki.incremental`). Their tests
#: compare them with a full render after every kind of ADR edit.
ADR_FREE_PAGES = frozenset(
    {
        paths.SCHEMA_INDEX,
        paths.TABLES_AZ,
        paths.DROPPED,
        paths.MIGRATIONS_INDEX,
        RULES_PAGE,
        TYPES,
        DRIFT,
        CALENDAR,
        ICS,
    }
)


@dataclass(frozen=True)
class RenderOptions:
    """Rendering settings the glue passes in."""

    templates_dir: Path | None = None
    #: Pygments line numbers in SQL blocks (needs pymdownx.highlight).
    linenums: bool = False
    #: The migrations directory relative to the project root, for re-pointing links.
    migrations_dir: str = "migrations"
    #: Foreign-key hops a table's ER diagram reaches; 0 leaves the diagram out.
    erd_depth: int = 1
    #: Days before a drop date when a column's badge turns from deprecated to expiring.
    warn_days: int = 30
    #: Where ticket ids link to (``{ticket}`` is the id); None: only URLs are links.
    ticket_url: str | None = None
    #: Who owns which tables (``owners:``): shown on table pages and the schema index.
    owners: tuple[OwnerRule, ...] = ()
    #: ``freeze_windows:`` and their zone, for the calendar.
    freeze_windows: tuple[FreezeWindow, ...] = ()
    freeze_timezone: str = "UTC"


def _finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Markup(str(value))  # digits and a minus sign are never markup mid-line
    return escape.md(value)


def join_links(items: Iterable[object], separator: str = ", ") -> Markup:
    """Join links (or text, which is escaped) with ``separator``; Jinja's ``join`` would
    return a plain string that the environment then escapes."""
    return Markup(escape.md(separator)).join(escape.md(item) for item in items)


@functools.lru_cache(maxsize=8)
def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment: user templates first, then the bundled ones.

    One per templates directory for the life of the process, so a ``mkdocs
    serve`` rebuild does not compile every template again; Jinja2 still
    reloads a template whose file changed.
    """
    bundled = jinja2.FileSystemLoader(str(TEMPLATES))
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PrefixLoader({"default": bundled}))
    loaders.append(bundled)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        # Autoescape with `_finalize` escaping for Markdown first: every value arrives as
        # Markup, so nothing is HTML-escaped twice, and `super()` and macros return Markup
        # (with autoescape off they return str, which `_finalize` would then escape).
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    filters: Mapping[str, Callable[..., object]] = {
        "md": escape.md,
        "cell": escape.cell,
        "block": escape.block,
        "code": escape.code,
        "first_line": escape.first_line,
        "summary": escape.summary,
        "join_links": join_links,
        # The team's own Markdown documents (a migration's README, PLAN,
        # ROLLBACK) are pages like any in docs/, so they render as Markdown.
        "trusted": Markup,
    }
    env.filters.update(filters)
    return env


def render_pages(
    wiki: Wiki, options: RenderOptions | None = None, only: Container[str] | None = None
) -> dict[str, str]:
    """Every generated page of the wiki, keyed by its path under ``docs/``.

    ``only`` limits the result to those paths (a ``mkdocs serve`` rebuild
    after an ADR edit: see `schema_wiki.incremental`).
    """
    options = options or RenderOptions()
    env = environment(options.templates_dir)
    schedule = CalendarOptions(options.freeze_windows, options.freeze_timezone, options.warn_days)
    pages: dict[str, str] = {}
    for ctx in page_contexts(
        wiki,
        linenums=options.linenums,
        migrations_dir=options.migrations_dir,
        erd_depth=options.erd_depth,
        warn_days=options.warn_days,
        only=only,
        ticket_url=options.ticket_url,
        owners=options.owners,
        schedule=schedule,
    ):
        if only is None or ctx.path in only:
            pages[ctx.path] = render_one(env, ctx)
    failure = wiki.catalog.failure if wiki.catalog is not None else None
    if failure is not None:
        from .views import Links

        banner = env.get_template("incomplete.md.j2")
        for path, text in pages.items():
            top = banner.render(failure=failure, L=Links(wiki, path))
            pages[path] = _on_top(top, text)
    if (only is None or ICS in only) and not calendar_of(wiki, schedule).empty:
        pages[ICS] = calendar_ics(wiki, schedule)
    return pages


def _on_top(banner: str, text: str) -> str:
    """``banner`` before ``text``, after its YAML front matter if it has one."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            cut = end + len("\n---\n")
            return text[:cut] + "\n" + banner + "\n" + text[cut:]
    return banner + "\n" + text


def render_one(env: jinja2.Environment, ctx: PageContext) -> str:
    """Render one page context with its template."""
    template = env.get_template(ctx.template)
    return with_safe_title(template.render(**ctx.values))


#: Characters that make a heading line more than escaped text (links, code, HTML, attributes).
_MARKUP = frozenset("<[`*{}\\")
_HTML_SPECIAL = frozenset("<>&\"'")


def with_safe_title(text: str) -> str:
    """The page with its title in front matter, HTML-encoded, when the title needs it.

    Themes print a page's title in ``<title>`` through ``striptags``, which
    decodes entities: a table named ``</title><script>...`` would break out of
    it. A title in the page's metadata is printed as it is. MkDocs' plugin could
    set it at build time; an engine without plugins (Zensical) reads it from the
    page, so the page carries it. Only titles with an HTML-special character
    get front matter; a heading with markup of its own is left to the engine.
    """
    if text.startswith("---"):
        return text
    for line in text.split("\n"):
        if line.startswith("```") or line.startswith("~~~"):
            return text
        if line.startswith("# "):
            heading = line[2:].strip()
            if not heading or not _MARKUP.isdisjoint(heading):
                return text
            plain = html.unescape(heading)
            if _HTML_SPECIAL.isdisjoint(plain):
                return text
            title = json.dumps(html.escape(plain), ensure_ascii=False)
            return f"---\ntitle: {title}\n---\n\n{text}"
    return text
