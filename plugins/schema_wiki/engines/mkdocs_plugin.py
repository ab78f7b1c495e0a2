"""The MkDocs glue: config validation, generated pages, logging, serve watching.

Everything of substance happens in `project.load` and
`render.render_pages`; this module only adapts them to MkDocs events.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
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

from ..config import (
    WikiConfig,
    parse_checks,
    parse_coverage_min,
    parse_header_fields,
    parse_ticket_url,
    resolve_today,
)
from ..errors import ConfigError, SchemaWikiError
from ..join.owners import OwnerRule, parse_owners, read_owners_file
from ..join.schedule import parse_freeze_windows, zone
from ..model import Finding, Level
from ..pipeline import Session, build, render_options
from ..render import paths as page_paths
from ..render.calendar_pages import CALENDAR
from . import guard

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
    CALENDAR,
}
#: Markdown extensions every generated page needs: headings with explicit ids (stable
#: column anchors), admonitions for findings, tables, and Markdown inside the <div>s
#: that mark blocks the search index leaves out.
MARKDOWN_EXTENSIONS = ("attr_list", "admonition", "tables", "toc", "md_in_html")


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
    #: Where ticket ids in migration headers link to, with ``{ticket}`` where the id
    #: goes: ``https://tracker.example.com/browse/{ticket}``. A ticket written as a
    #: URL is a link without it.
    ticket_url = c.Optional(c.Type(str))
    #: Who owns which tables: a mapping of table patterns to owners,
    #: ``"public.invoices": Billing (Team B)``, ``"public.*": User Service (Team A)``;
    #: the most specific pattern wins. Shown on table pages and in ``schema-wiki review``.
    owners = c.Optional(c.Type(dict))
    #: A CODEOWNERS-style file of ``<table pattern> <owner>`` lines, relative to
    #: mkdocs.yml, read before ``owners:``.
    owners_file = c.Optional(c.Type(str))
    #: Globs of the application code, relative to mkdocs.yml (``src/**/*.ts``): where it
    #: still names deprecated, expiring, expired or dropped columns is shown.
    code_paths = c.ListOfItems(c.Type(str), default=[])
    #: When no migration may run: weekly ranges (``Fri 12:00 - Mon 00:00``), weekdays
    #: (``Sat``), dates and date ranges, optionally labelled (``Black Friday: 2025-11-28``).
    #: A migration whose ``When:`` falls inside one is a ``freeze-window`` finding.
    freeze_windows = c.Optional(c.Type(list))
    #: The IANA time zone ``freeze_windows`` are written in.
    freeze_timezone = c.Type(str, default="UTC")


#: Every key ``schema-wiki:`` accepts.
SETTINGS: tuple[str, ...] = tuple(name for name, _option in SchemaWikiConfig._schema)


def unknown_settings(cfg: SchemaWikiConfig) -> None:
    """Raise `ConfigError` for a key under ``schema-wiki:`` that is no setting.

    MkDocs only warns about such a key and drops it, so ``chekcs:`` would
    silently lose the team's rule settings and ``migratons:`` would read the
    default directory: a typo must stop the build instead, with a suggestion.
    """
    unknown = sorted(str(key) for key in cfg if key not in SETTINGS)
    if not unknown:
        return
    problems = []
    for key in unknown:
        close = difflib.get_close_matches(key, SETTINGS, n=1, cutoff=0.6)
        problems.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ConfigError(
        f"unknown setting{'s' if len(unknown) > 1 else ''} under schema-wiki: "
        f"{', '.join(problems)}; the settings are {', '.join(sorted(SETTINGS))}"
    )


def wiki_config(cfg: SchemaWikiConfig, config_file: str | os.PathLike[str]) -> WikiConfig:
    """The core's settings from the validated plugin config.

    Raises `ConfigError` for an unknown key or a bad value.
    """
    unknown_settings(cfg)
    root = Path(config_file).resolve().parent
    file_rules: tuple[OwnerRule, ...] = ()
    if cfg.owners_file:
        file_rules = read_owners_file(root / cfg.owners_file, cfg.owners_file)
    freeze_windows = parse_freeze_windows(cfg.freeze_windows)
    zone(cfg.freeze_timezone)  # an unknown zone is a configuration error now, not later

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
        ticket_url=parse_ticket_url(cfg.ticket_url),
        owners=parse_owners(cfg.owners, file_rules),
        code_paths=tuple(cfg.code_paths),
        freeze_windows=freeze_windows,
        freeze_timezone=cfg.freeze_timezone,
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


def _drop_generate_output(files: Files, config: MkDocsConfig) -> None:
    """Files ``schema-wiki generate`` wrote into docs/ (committed for another engine,
    say) give way to this build's own; a generated file edited since stays, as any
    hand-written page does."""
    from ..output.generated import MANIFEST_NAME, digest, read_manifest

    docs_dir = Path(config.docs_dir)
    if not (docs_dir / MANIFEST_NAME).is_file():
        return
    try:
        manifest = read_manifest(docs_dir)
    except SchemaWikiError as exc:
        log.warning("%s", exc)
        return
    assert manifest is not None
    dropped = 0
    for src_uri in manifest.files:
        file = files.get_file_from_path(src_uri)
        if file is None or file.generated_by is not None:
            continue
        try:
            ours = manifest.owns(src_uri, digest(Path(file.abs_src_path or "").read_bytes()))
        except OSError:
            continue
        if ours:
            files.remove(file)
            dropped += 1
    if dropped:
        log.info("%d files in docs/ came from schema-wiki generate: this build's win", dropped)


class SchemaWikiPlugin(BasePlugin[SchemaWikiConfig]):
    """Generates the schema wiki's pages from migrations, ADRs and the catalog."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.command: str = "build"
        #: The caches: a fresh session per build, one for the life of `mkdocs serve`.
        self.session = Session()
        self.core: WikiConfig | None = None
        #: The pages this build generated (src_uri); the rest of the build asks.
        self.generated: frozenset[str] = frozenset()
        #: The findings of this build, for `on_post_build`.
        self.findings: tuple[Finding, ...] = ()

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.command = command
        self.session = Session(serve=command == "serve")

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            self.core = wiki_config(self.config, config.config_file_path)
        except SchemaWikiError as exc:
            raise PluginError(f"schema-wiki: {exc}") from None
        guard.plugin_ran()  # the engine runs plugins: the guard extension has nothing to do
        for ext in MARKDOWN_EXTENSIONS:
            if ext not in config.markdown_extensions:
                config.markdown_extensions.append(ext)
        if CSS_PATH not in config.extra_css:
            config.extra_css.append(CSS_PATH)
        if self.core.erd_depth > 0:
            _enable_mermaid(config)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.core is not None
        # Each build, serve rebuilds included, starts from fresh results; only the
        # session's caches carry over, and only while serving.
        self.generated, self.findings = frozenset(), ()
        if self.command != "serve":
            self.session = Session()
        options = render_options(self.core, config.markdown_extensions)
        builds_before = self.session.catalog_builds
        try:
            result = build(self.core, options, self.session)
        except SchemaWikiError as exc:
            if self.command == "serve":
                # The server keeps going: the last good pages, each saying what broke.
                log.error("%s", exc)
                return self._serve_broken(files, config, str(exc))
            raise PluginError(f"schema-wiki: {exc}") from None
        if result.how == "memo":
            log.info("no source changed since the last build: its pages are reused")
        elif result.how == "adrs" and self.command != "serve":
            log.info(
                "only ADRs changed since the last build: %d of its %d pages rendered",
                result.rendered,
                len(result.pages),
            )
        if self.command == "serve" and self.core.embedded:
            log.info(
                "%s",
                "catalog reused, no migration changed"
                if self.session.catalog_builds == builds_before
                else "catalog read from a throwaway PostgreSQL",
            )
        if self.command != "serve":
            # MkDocs holds every page's Markdown and HTML until the end; the model and
            # the caches on top of that would take hundreds of MB with thousands of
            # tables. The pages are files; the findings are all later events need.
            self.session = Session()
        self.findings = result.findings
        self.generated = frozenset(result.pages)
        _drop_generate_output(files, config)
        for src_uri, backing in result.pages.items():
            if files.get_file_from_path(src_uri) is not None:
                log.info("docs/%s exists; it is used instead of the generated page", src_uri)
                continue
            inclusion = (
                InclusionLevel.UNDEFINED if src_uri in NAV_PAGES else InclusionLevel.NOT_IN_NAV
            )
            if backing is None:
                page = File.generated(
                    config, src_uri, content=result.texts[src_uri], inclusion=inclusion
                )
            else:
                page = File.generated(config, src_uri, abs_src_path=backing, inclusion=inclusion)
            files.append(page)
        self._add_assets(files, config)
        self._log_findings(self.findings)
        return files

    def _add_assets(self, files: Files, config: MkDocsConfig) -> None:
        assert self.core is not None
        if files.get_file_from_path(CSS_PATH) is None:
            files.append(
                File.generated(config, CSS_PATH, content=_CSS_SOURCE.read_text(encoding="utf-8"))
            )
        if self.core.erd_depth > 0:
            for uri in (MERMAID_JS, SCRIPT_JS):
                if files.get_file_from_path(uri) is None:
                    source = _STATIC / uri.rsplit("/", 1)[-1]
                    files.append(File.generated(config, uri, abs_src_path=str(source)))

    def _serve_broken(self, files: Files, config: MkDocsConfig, message: str) -> Files:
        """While serving, a source that cannot be loaded (an unreadable directory, two
        migrations with one version, a server that does not start) puts its error on top
        of every page of the last good build, or on the index pages when there was none,
        so the reader sees it. (A migration PostgreSQL rejects is a finding instead: the
        pages show the schema as it stood before it, marked incomplete.)"""
        from ..render.escape import md

        lines = "\n".join(f"    {md(line)}" for line in message.splitlines() or [""])
        banner = (
            '!!! failure "schema-wiki cannot build the wiki"\n'
            f"{lines}\n\n"
            "    Fix it and save: the pages rebuild. Until then they show the last good build.\n\n"
        )
        last = self.session.rendered
        pages = dict(last.pages) if last is not None else {path: "" for path in sorted(NAV_PAGES)}
        self.generated = frozenset(pages)
        for src_uri, content in pages.items():
            if files.get_file_from_path(src_uri) is not None:
                continue
            inclusion = (
                InclusionLevel.UNDEFINED if src_uri in NAV_PAGES else InclusionLevel.NOT_IN_NAV
            )
            text = banner + (content or "# Schema wiki\n")
            files.append(File.generated(config, src_uri, content=text, inclusion=inclusion))
        self._add_assets(files, config)
        return files

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        # A generated page's title is text from the database or a file, which MkDocs
        # keeps as HTML (entities). mkdocs-material prints page.title in <title> through
        # `striptags`, which decodes them: a table named "</title><script>..." would
        # break out. A title in the page's meta is printed as it is, still encoded.
        generated = page.file.generated_by is not None and page.file.src_uri in self.generated
        if generated and "title" not in page.meta and page.title:
            page.meta["title"] = page.title
        return html

    def _log_findings(self, findings: tuple[Finding, ...]) -> None:
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


def load_mkdocs_config(config_file: str) -> tuple[MkDocsConfig, SchemaWikiPlugin]:
    """mkdocs.yml read with MkDocs' own loader (so ``!ENV`` and validation match the
    build), and the schema-wiki plugin configured in it. The command line's way in.

    Raises `SchemaWikiError` for a usage problem: no such file, an invalid
    mkdocs.yml, no schema-wiki under ``plugins:``.
    """
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    if not Path(config_file).is_file():
        raise SchemaWikiError(f"{config_file}: no such file; pass the path with -f")
    try:
        mk = load_config(config_file=config_file)
    except (ConfigurationError, Abort) as exc:
        # Abort: MkDocs found invalid options (logged above); a usage error, exit 2.
        raise SchemaWikiError(f"{config_file}: {exc}") from None
    plugin = mk.plugins.get("schema-wiki")
    if not isinstance(plugin, SchemaWikiPlugin):
        raise SchemaWikiError(
            f"{config_file}: the schema-wiki plugin is not listed under plugins: it holds the"
            " wiki's settings (engines without plugins skip it; schema-wiki reads it)"
        )
    return mk, plugin


def read_config(config_file: str) -> WikiConfig:
    """The core's settings from mkdocs.yml (`load_mkdocs_config`, then `wiki_config`)."""
    _mk, plugin = load_mkdocs_config(config_file)
    return wiki_config(plugin.config, config_file)
