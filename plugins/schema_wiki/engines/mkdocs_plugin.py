"""The MkDocs glue: config validation, generated pages, logging, serve watching.

Everything of substance happens in `project.load_project` and
`render.render_pages`; this module only adapts them to MkDocs events.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
from collections.abc import Container, Iterator
from pathlib import Path
from typing import Any, Literal

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from ..cache import memo
from ..cache.incremental import Rendered, merged, pages_to_render
from ..cache.pagefiles import PageFiles, PageTexts
from ..checks import RuleCache
from ..config import (
    WikiConfig,
    parse_checks,
    parse_coverage_min,
    parse_header_fields,
    resolve_today,
)
from ..errors import SchemaWikiError
from ..join.wiki import JoinCache
from ..model import Finding, Level, Wiki
from ..pipeline import CatalogCache, load_project
from ..render import ADR_FREE_PAGES, RenderOptions, render_pages
from ..render import paths as page_paths

log = get_plugin_logger(__name__)

CSS_PATH = "assets/schema-wiki.css"
_CSS_SOURCE = Path(__file__).parent.parent / "render" / "templates" / "schema-wiki.css.j2"
#: Mermaid, pinned and served with the site (no CDN), and the script that starts it.
_STATIC = Path(__file__).parent.parent / "render" / "static"
MERMAID_JS = "assets/schema-wiki/mermaid.min.js"
SCRIPT_JS = "assets/schema-wiki/schema-wiki.js"
#: Pages that belong in the navigation; every other generated page stays out of it
#: (DESIGN.md: an automatic nav with one entry per table is quadratic).
NAV_PAGES = {
    page_paths.SCHEMA_INDEX,
    page_paths.MIGRATIONS_INDEX,
    page_paths.ADRS_INDEX,
    page_paths.HEALTH,
    page_paths.TABLES_AZ,
}


class SchemaWikiConfig(base.Config):
    """Settings under ``plugins: - schema-wiki:`` in mkdocs.yml."""

    #: Directory of SQL migrations, relative to mkdocs.yml.
    migrations = c.Type(str, default="migrations")
    #: Directory of ADRs (markdown), relative to mkdocs.yml.
    adrs = c.Type(str, default="adrs")
    #: 'embedded' starts a throwaway PostgreSQL and applies the migrations;
    #: otherwise a libpq connection string read read-only (``!ENV VAR`` works).
    database = c.Type(str, default="embedded")
    #: The date checks compare against (YYYY-MM-DD); else env SCHEMA_WIKI_TODAY; else today.
    today = c.Optional(c.Type((str, dt.date)))
    #: Migration layout: auto, plain, golang-migrate, drizzle, flyway, dbmate, goose,
    #: diesel or sqitch.
    migrations_format = c.Type(str, default="auto")
    #: Directory of PostgreSQL server binaries for the throwaway server.
    postgres_bin = c.Optional(c.Type(str))
    #: SQL run before the migrations (roles, schemas, extensions): inline or a .sql file.
    setup_sql = c.Optional(c.Type(str))
    #: Schemas to document (glob patterns); empty means every non-system schema.
    schemas = c.ListOfItems(c.Type(str), default=[])
    #: Schemas to leave out (glob patterns).
    exclude_schemas = c.ListOfItems(c.Type(str), default=[])
    #: Per-rule settings: ``rule: level`` or ``rule: {level: ..., exclude: [patterns]}``.
    checks = c.Type(dict, default={})
    #: Days before a drop date when ``expiring-column`` starts warning.
    warn_days = c.Type(int, default=30)
    #: Header fields every migration must have; a missing one is a
    #: ``missing-header-field`` finding. An empty list turns the rule off.
    required_header_fields = c.Optional(c.ListOfItems(c.Type(str)))
    #: Least documented share (percent) of tables and columns per schema:
    #: ``80``, or ``{tables: 100, columns: 80}``. Below it: a ``low-coverage`` finding.
    coverage_min = c.Optional(c.Type((int, float, dict)))
    #: Directory of Jinja2 templates searched before the bundled ones.
    templates_dir = c.Optional(c.Type(str))
    #: Jinja2 template ``schema-wiki new adr`` writes new ADRs from, relative to mkdocs.yml
    #: (variables: title, number, id, slug, date, status, author); default: MADR 4.
    adr_template = c.Optional(c.Type(str))
    #: Foreign-key hops a table page's ER diagram reaches (its neighbours at 1,
    #: their neighbours too at 2); 0 leaves the diagram, and Mermaid, out.
    erd_depth = c.Type(int, default=1)
    #: A second database (libpq connection string, ``!ENV`` works) or a JSON snapshot
    #: written by ``schema-wiki export``; differences become ``schema-drift`` findings.
    compare_with = c.Optional(c.Type(str))
    #: Seconds to wait for a database connection.
    connect_timeout = c.Type(int, default=5)
    #: Longest a catalog query may run, in milliseconds.
    statement_timeout_ms = c.Type(int, default=5000)
    #: Longest a catalog query may wait for a lock, in milliseconds.
    lock_timeout_ms = c.Type(int, default=2000)


def wiki_config(cfg: SchemaWikiConfig, config_file: str | os.PathLike[str]) -> WikiConfig:
    """The core's settings from the validated plugin config."""
    root = Path(config_file).resolve().parent

    def under_root(value: str | None) -> Path | None:
        return (root / value).resolve() if value else None

    return WikiConfig(
        root=root,
        migrations_dir=(root / cfg.migrations).resolve(),
        adrs_dir=(root / cfg.adrs).resolve(),
        database=cfg.database,
        today=resolve_today(cfg.today),
        migrations_format=cfg.migrations_format,
        postgres_bin=under_root(cfg.postgres_bin),
        setup_sql=cfg.setup_sql,
        schemas=tuple(cfg.schemas),
        exclude_schemas=tuple(cfg.exclude_schemas),
        checks=parse_checks(cfg.checks),
        warn_days=cfg.warn_days,
        required_header_fields=parse_header_fields(cfg.required_header_fields),
        coverage_min=parse_coverage_min(cfg.coverage_min),
        templates_dir=under_root(cfg.templates_dir),
        adr_template=under_root(cfg.adr_template),
        erd_depth=cfg.erd_depth,
        cache_dir=root / ".cache" / "schema-wiki",
        compare_with=cfg.compare_with,
        connect_timeout=cfg.connect_timeout,
        statement_timeout_ms=cfg.statement_timeout_ms,
        lock_timeout_ms=cfg.lock_timeout_ms,
    )


def _enable_mermaid(config: MkDocsConfig) -> None:
    """ER diagrams: superfences' ``mermaid`` fence, and Mermaid served by the site.

    mkdocs-material renders ``pre.mermaid`` blocks with a global ``mermaid`` when
    the page has one, else it fetches Mermaid from a CDN. The small script
    (``SCRIPT_JS``, on every page) puts a stand-in there that loads the pinned
    copy (``MERMAID_JS``, 3.5 MB) from the site when a page first draws a diagram:
    diagrams work offline and behind firewalls, and pages without one never load
    Mermaid. A site that loads its own Mermaid (extra_javascript naming it) keeps it.
    """
    from pymdownx.superfences import fence_code_format

    if "pymdownx.superfences" not in config.markdown_extensions:
        config.markdown_extensions.append("pymdownx.superfences")
    settings = config.mdx_configs.get("pymdownx.superfences") or {}
    config.mdx_configs["pymdownx.superfences"] = settings
    fences = settings.get("custom_fences") or []
    settings["custom_fences"] = fences
    if not any(fence.get("name") == "mermaid" for fence in fences):
        fences.append({"name": "mermaid", "class": "mermaid", "format": fence_code_format})
    if SCRIPT_JS not in [str(script) for script in config.extra_javascript]:
        # Deferred: run after parsing, still before material mounts the diagrams.
        script = ExtraScriptValue(SCRIPT_JS)
        script.defer = True
        config.extra_javascript.append(script)


def _templates_signature(directory: Path | None) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and times of the user's templates: a change means rendering everything."""
    if directory is None or not directory.is_dir():
        return ()
    out = []
    for path in sorted(directory.rglob("*")):
        with contextlib.suppress(OSError):
            stat = path.stat()
            out.append((path.as_posix(), stat.st_size, stat.st_mtime_ns))
    return tuple(out)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


class SchemaWikiPlugin(BasePlugin[SchemaWikiConfig]):
    """Generates the schema wiki's pages from migrations, ADRs and the catalog."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.command: str = "build"
        self.cache = CatalogCache()
        self.page_files: PageFiles | None = None
        #: The last serve build's pages and what they came from (`incremental`).
        self.rendered: Rendered | None = None
        self.wiki: Wiki | None = None
        self.core: WikiConfig | None = None
        #: The pages of the last build that worked; serve shows them while a source is broken.
        self.last_pages: dict[str, str] = {}
        #: The findings of this build (from the model, or from the last build's record).
        self.findings: list[Finding] = []
        #: Why serve could not load the project, for `_serve_broken`.
        self.broken: str | None = None

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.command = command
        if command == "serve":
            self.cache.join, self.cache.rules = JoinCache(), RuleCache()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            self.core = wiki_config(self.config, config.config_file_path)
        except SchemaWikiError as exc:
            raise PluginError(f"schema-wiki: {exc}") from None
        # Headings with explicit ids (stable column anchors), admonitions for findings,
        # and Markdown inside the <div>s that mark blocks the search index leaves out.
        for ext in ("attr_list", "admonition", "tables", "toc", "md_in_html"):
            if ext not in config.markdown_extensions:
                config.markdown_extensions.append(ext)
        if CSS_PATH not in config.extra_css:
            config.extra_css.append(CSS_PATH)
        if self.core.erd_depth > 0:
            _enable_mermaid(config)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.core is not None
        # Each build, serve rebuilds included, starts from fresh state but the catalog cache.
        self.wiki = None
        self.findings = []
        options = RenderOptions(
            templates_dir=self.core.templates_dir,
            linenums="pymdownx.highlight" in config.markdown_extensions,
            migrations_dir=_relative(self.core.migrations_dir, self.core.root),
            erd_depth=self.core.erd_depth,
            warn_days=self.core.warn_days,
        )
        # A build whose inputs are the last build's reuses its pages (`memo`); one in
        # which only ADRs changed, and every serve rebuild, renders only the pages the
        # change can reach (`incremental`).
        keys = None
        if self.command != "serve" and self.core.cache_dir is not None:
            keys = memo.build_keys(self.core, [options])
        reused = self._reuse(keys.inputs) if keys is not None else None
        pages: dict[str, str] = {}  # texts of pages without a file (no writable cache)
        if reused is not None:
            sources, self.findings = reused
            log.info("no source changed since the last build: its pages are reused")
        else:
            generated = self._generate(options, keys)
            if generated is None:
                return self._serve_broken(files, config, self.broken or "")
            sources, pages = generated
            written = self.page_files.digests() if self.page_files is not None else {}
            if keys is not None and sources and written.keys() == sources.keys():
                assert self.core.cache_dir is not None
                memo.write_memo(self.core.cache_dir, keys.inputs, written, self.findings)
        for src_uri, backing in sources.items():
            if files.get_file_from_path(src_uri) is not None:
                log.info("docs/%s exists; it is used instead of the generated page", src_uri)
                continue
            inclusion = (
                InclusionLevel.UNDEFINED if src_uri in NAV_PAGES else InclusionLevel.NOT_IN_NAV
            )
            if backing is None:
                page = File.generated(config, src_uri, content=pages[src_uri], inclusion=inclusion)
            else:
                page = File.generated(config, src_uri, abs_src_path=backing, inclusion=inclusion)
            files.append(page)
        if files.get_file_from_path(CSS_PATH) is None:
            files.append(
                File.generated(config, CSS_PATH, content=_CSS_SOURCE.read_text(encoding="utf-8"))
            )
        if self.core.erd_depth > 0:
            for uri in (MERMAID_JS, SCRIPT_JS):
                if files.get_file_from_path(uri) is None:
                    source = _STATIC / uri.rsplit("/", 1)[-1]
                    files.append(File.generated(config, uri, abs_src_path=str(source)))
        self._log_findings(self.findings)
        return files

    def _reuse(self, key: str) -> tuple[dict[str, str | None], list[Finding]] | None:
        """The last build's page files and findings, if it had the same inputs."""
        assert self.core is not None and self.core.cache_dir is not None
        record = memo.read_memo(self.core.cache_dir, key)
        if record is None:
            return None
        page_files = self._page_files()
        verified = page_files.verify(record.pages)
        if verified is None:
            return None
        self.last_pages = dict.fromkeys(verified, "")
        return dict(verified), record.findings

    def _previous(self, keys: memo.Keys | None, wiki: Wiki) -> Rendered | None:
        """The last build, when only ADRs changed since and its page files are intact."""
        if keys is None or self.core is None or self.core.cache_dir is None:
            return None
        record = memo.read_previous(self.core.cache_dir, keys.sources)
        if record is None:
            return None
        verified = self._page_files().verify(record.pages)
        if verified is None:
            return None
        # The same sources key: the same migrations and catalog as this build's.
        old = dataclasses.replace(record.wiki, migrations=wiki.migrations, catalog=wiki.catalog)
        return Rendered(old, record.inputs, PageTexts(verified))

    def _generate(
        self, options: RenderOptions, keys: memo.Keys | None = None
    ) -> tuple[dict[str, str | None], dict[str, str]] | None:
        """Load the project and render its pages: ``({src_uri: page file or None}, pages)``.

        None when serve cannot load a source (``self.broken`` says why).
        """
        # Serve holds the last build's model and pages: every garbage collection during
        # a rebuild scans them, several times over while the rebuild allocates (the
        # rebuild after an ADR edit spent a third of its time there at 1,000 tables).
        # What a rebuild leaves is collected after it, as usual.
        with _gc_paused() if self.command == "serve" else contextlib.nullcontext():
            return self._load_and_render(options, keys)

    def _load_and_render(
        self, options: RenderOptions, keys: memo.Keys | None
    ) -> tuple[dict[str, str | None], dict[str, str]] | None:
        assert self.core is not None
        misses = self.cache.misses
        try:
            wiki = load_project(self.core, self.cache)
        except SchemaWikiError as exc:
            if self.command == "serve":
                # The server keeps going: the last good pages, each saying what broke.
                log.error("%s", exc)
                self.broken = str(exc)
                return None
            raise PluginError(f"schema-wiki: {exc}") from None
        if self.command == "serve" and self.core.embedded:
            reused = self.cache.misses == misses
            log.info(
                "%s",
                "catalog reused, no migration changed"
                if reused
                else "catalog read from a throwaway PostgreSQL",
            )
        self.wiki = wiki
        self.findings = wiki.findings
        # After an ADR edit, only the pages it changed are rendered.
        inputs = (options, _templates_signature(self.core.templates_dir))
        previous = self.rendered if self.command == "serve" else self._previous(keys, wiki)
        only = None
        kept: set[str] = set()
        if previous is not None:
            # A user's template may show anything: only the bundled ones are known ADR-free.
            adr_free = ADR_FREE_PAGES if self.core.templates_dir is None else ()
            only = pages_to_render(previous, wiki, inputs, adr_free)
        try:
            pages = render_pages(wiki, options, only=only)
        except Exception as exc:  # a user template can fail in any way
            if self.core.templates_dir is None:
                raise
            raise PluginError(f"schema-wiki: rendering with templates_dir failed: {exc}") from None
        if only is not None and previous is not None:
            if self.command != "serve":
                log.info(
                    "only ADRs changed since the last build: %d of its %d pages rendered",
                    len(pages),
                    len(previous.pages),
                )
            rendered = set(pages)
            pages = merged(previous, wiki, pages)
            kept = {page for page in pages if page not in rendered}
        self.rendered = Rendered(wiki, inputs, pages) if self.command == "serve" else None
        backed = self._page_sources(pages, kept)
        if keys is not None and self.page_files is not None and backed.keys() == pages.keys():
            assert self.core.cache_dir is not None
            digests = self.page_files.digests()
            memo.write_previous(self.core.cache_dir, keys.sources, wiki, inputs, digests)
        sources: dict[str, str | None] = {uri: backed.get(uri) for uri in pages}
        self.last_pages = pages
        if self.command != "serve" and backed:
            self._release(wiki, pages)
        return sources, pages

    def _release(self, wiki: Wiki, pages: dict[str, str]) -> None:
        """Keep only what a build's later events need: MkDocs itself holds every page's
        Markdown and HTML until the end, and the model and the pages' text on top of
        that would take hundreds of MB with thousands of tables. (The pages are files.)"""
        self.cache = CatalogCache()
        self.last_pages = dict.fromkeys(pages, "")
        self.wiki = dataclasses.replace(
            wiki, tables=[], dropped_tables=[], migrations=[], adrs=[], catalog=None
        )

    def _serve_broken(self, files: Files, config: MkDocsConfig, message: str) -> Files:
        """While serving, a source that cannot be loaded (a migration PostgreSQL rejects,
        an unreadable directory) puts its error on top of every page of the last good
        build, or on the index pages when there was none, so the reader sees it."""
        from ..render.escape import md

        lines = "\n".join(f"    {md(line)}" for line in message.splitlines() or [""])
        banner = (
            '!!! failure "schema-wiki cannot build the wiki"\n'
            f"{lines}\n\n"
            "    Fix it and save: the pages rebuild. Until then they show the last good build.\n\n"
        )
        pages = self.last_pages or {path: "" for path in sorted(NAV_PAGES)}
        for src_uri, content in pages.items():
            if files.get_file_from_path(src_uri) is not None:
                continue
            inclusion = (
                InclusionLevel.UNDEFINED if src_uri in NAV_PAGES else InclusionLevel.NOT_IN_NAV
            )
            text = banner + (content or "# Schema wiki\n")
            files.append(File.generated(config, src_uri, content=text, inclusion=inclusion))
        if files.get_file_from_path(CSS_PATH) is None:
            files.append(
                File.generated(config, CSS_PATH, content=_CSS_SOURCE.read_text(encoding="utf-8"))
            )
        return files

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        # A generated page's title is text from the database or a file, which MkDocs
        # keeps as HTML (entities). mkdocs-material prints page.title in <title> through
        # `striptags`, which decodes them: a table named "</title><script>..." would
        # break out. A title in the page's meta is printed as it is, still encoded.
        generated = page.file.generated_by is not None and page.file.src_uri in self.last_pages
        if generated and "title" not in page.meta and page.title:
            page.meta["title"] = page.title
        return html

    def _page_sources(self, pages: dict[str, str], kept: Container[str] = ()) -> dict[str, str]:
        """The pages as files in the cache directory (see `pagefiles`), by src_uri.

        Empty, so the pages stay in memory, when there is no cache directory
        or it cannot be written.
        """
        if self.core is None or self.core.cache_dir is None:
            return {}
        page_files = self._page_files()
        try:
            return page_files.sync(pages, kept)
        except OSError as exc:
            log.debug(
                "cannot write pages to %s (%s); keeping them in memory", page_files.directory, exc
            )
            return {}

    def _page_files(self) -> PageFiles:
        assert self.core is not None and self.core.cache_dir is not None
        directory = self.core.cache_dir / "pages"
        if self.page_files is None or self.page_files.directory != directory:
            self.page_files = PageFiles(directory)
        return self.page_files

    def _log_findings(self, findings: list[Finding]) -> None:
        for finding in findings:
            line = finding.format()
            if finding.level == Level.ERROR:
                log.error("%s", line)
            elif finding.level == Level.WARNING:
                log.warning("%s", line)
            else:
                log.info("%s", line)

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        if self.core is not None:
            for directory in (self.core.migrations_dir, self.core.adrs_dir):
                if directory.is_dir():
                    server.watch(str(directory))
            if self.core.templates_dir is not None and self.core.templates_dir.is_dir():
                server.watch(str(self.core.templates_dir))
        return server

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.command == "serve":
            return
        errors = [f for f in self.findings if f.level == Level.ERROR]
        if errors:
            first = errors[0].format()
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise PluginError(f"schema-wiki: {len(errors)} error-level finding(s): {first}{more}")
