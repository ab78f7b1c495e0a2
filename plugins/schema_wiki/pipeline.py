"""The one build pipeline: sources -> replay -> join -> checks -> pages.

Every entry point (the MkDocs plugin, ``schema-wiki check``, ``export``,
``generate``, ``review``) is a thin adapter over two functions:

* `load` reads the sources (`schema_wiki.sources`), gets the catalog (a
  throwaway PostgreSQL replays the migrations, `schema_wiki.replay`, or a live
  database is read), joins them (`schema_wiki.join`) and runs the checks
  (`schema_wiki.checks`): it gives the immutable, checked `Wiki`;
* `build` adds the pages (`schema_wiki.render`), reusing the last build's
  where it can prove them the same (`schema_wiki.cache`).

Everything a process keeps between builds lives in one `Session`: the
statement, catalog, join and rule caches, the page files and the last
serve build's pages. Its lifetime is explicit: a one-off build or command
uses a fresh session and drops it; ``mkdocs serve`` keeps one for the life of
the server (``Session(serve=True)``), and each rebuild's own results are
returned in a `Build`, never stored on the session.

Two things are expensive and rarely change, so they are also cached on disk
in ``.cache/schema-wiki/`` between builds (`WikiConfig.cache_dir`):

* the applied schema: the catalog a throwaway PostgreSQL produced from the
  migrations, keyed by the content of every migration file, the setup SQL,
  the schema filters, the PostgreSQL binaries and the code (`code_fingerprint`);
* the parsed statements of each migration file, keyed by its path and text
  (parsing with sqlglot is most of the cost of loading migrations).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cache import memo
from .cache.disk import DiskCache, code_fingerprint
from .cache.incremental import Rendered, merged, pages_to_render
from .cache.pagefiles import PageFiles, PageTexts
from .checks import Context, RuleCache, run_checks
from .config import WikiConfig
from .errors import ConfigError, MigrationFailed, SchemaWikiError
from .gc_pause import gc_paused
from .join.wiki import JoinCache, build_wiki
from .model import (
    Catalog,
    Finding,
    Level,
    Location,
    Migration,
    ReplayFailure,
    Statement,
    Wiki,
)
from .render import ADR_FREE_PAGES, RenderOptions, render_pages
from .sources.adrs import load_adrs
from .sources.migrations import load_migrations
from .sources.statements import StatementCache, caching

log = logging.getLogger(__name__)

#: Catalog files kept: switching branches back and forth stays warm.
KEEP_CATALOGS = 4
_STATEMENTS_FILE = "statements.msgpack"
#: The file of `StatementsRecord` in the cache directory (``schema-wiki review`` shares it).
STATEMENTS_FILE = _STATEMENTS_FILE


@dataclass(frozen=True)
class CatalogRecord:
    """A catalog the throwaway PostgreSQL produced, with the key of its inputs."""

    key: str
    catalog: Catalog


@dataclass(frozen=True)
class StatementsRecord:
    """Parsed statements by `StatementCache.key`, for the code that parsed them."""

    fingerprint: str
    entries: dict[str, tuple[Statement, ...]]


@dataclass
class Session:
    """Every cache one process keeps between builds.

    A one-off build or command makes one and drops it at the end. ``mkdocs
    serve`` keeps one (``serve=True``) for the life of the server: saving an
    ADR then re-renders pages without starting PostgreSQL, re-applying or
    re-parsing anything. The counters let tests and the benchmark see reuse.
    """

    #: Whether builds of this session are serve rebuilds (the join, rule and page
    #: caches are only worth their memory when another build follows).
    serve: bool = False
    catalog_key: str | None = None
    catalog: Catalog | None = None
    #: How many times the catalog was (re)built by applying the migrations.
    catalog_builds: int = 0
    #: How many times the catalog came from memory.
    catalog_memory_hits: int = 0
    #: How many times the catalog came from the cache directory.
    catalog_disk_hits: int = 0
    statements: StatementCache = field(default_factory=StatementCache)
    #: Whether `statements` was filled from the cache directory already.
    statements_loaded: bool = False
    #: The last `read_migrations` result and the state of the files it came from:
    #: a serve rebuild after an ADR edit reuses it without reading a migration.
    migrations_signature: tuple[object, ...] | None = None
    migrations_result: tuple[list[Migration], list[Finding]] | None = None
    #: The history of the last join and the findings of migration-only rules, reused
    #: while the migrations and the catalog are the same objects (serve only).
    join: JoinCache | None = None
    rules: RuleCache | None = None
    #: The generated pages as files in the cache directory (`PageFiles`).
    page_files: PageFiles | None = None
    #: The last serve build's model and pages, for the next rebuild (`incremental`).
    rendered: Rendered | None = None

    def __post_init__(self) -> None:
        if self.serve:
            self.join = self.join or JoinCache()
            self.rules = self.rules or RuleCache()


def server_identity(config: WikiConfig) -> str:
    """Which PostgreSQL binaries will apply the migrations (path and install time)."""
    from .replay.pgserver import find_bin_dir

    try:
        bin_dir = find_bin_dir(config.postgres_bin)
        return f"{bin_dir}\0{(bin_dir / 'postgres').stat().st_mtime_ns}"
    except Exception:  # the build will report it when it starts the server
        return ""


def migrations_key(config: WikiConfig, migrations: list[Migration]) -> str:
    """A digest of everything that shapes the applied schema and how it is read."""
    digest = hashlib.sha256()
    for part in (
        code_fingerprint(),
        config.database,
        read_setup_sql(config) or "",
        *config.schemas,
        "|",
        *config.exclude_schemas,
        str(config.postgres_bin or ""),
        server_identity(config) if config.embedded else "",
        migrations_format(config) if config.embedded else "",
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    for migration in migrations:
        for f in migration.files:
            digest.update(f.path.encode())
            digest.update(b"\0")
            digest.update(f.sql.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
    return digest.hexdigest()


def migrations_format(config: WikiConfig) -> str:
    """The layout of the migrations: ``migrations_format``, or the detected one for ``auto``."""
    if config.migrations_format != "auto":
        return config.migrations_format
    from .sources.migrations import detect_format

    try:
        return detect_format(config.migrations_dir)
    except OSError:
        return "plain"


def read_setup_sql(config: WikiConfig) -> str | None:
    """``setup_sql:`` is inline SQL or the path of a file relative to the project root."""
    value = config.setup_sql
    if not value:
        return None
    candidate = config.root / value
    if "\n" not in value and len(value) < 500 and value.strip().endswith(".sql"):
        if not candidate.is_file():
            raise ConfigError(f"setup_sql: file {value} does not exist (relative to {config.root})")
        return candidate.read_text(encoding="utf-8")
    return value


def get_catalog(
    config: WikiConfig, migrations: list[Migration], session: Session | None = None
) -> Catalog:
    """The live catalog: of the configured database, or of a throwaway one with the migrations."""
    from .sources.catalog import read_catalog

    options = {
        "schemas": config.schemas,
        "exclude_schemas": config.exclude_schemas,
        "connect_timeout": config.connect_timeout,
        "statement_timeout_ms": config.statement_timeout_ms,
        "lock_timeout_ms": config.lock_timeout_ms,
    }
    if not config.embedded:
        # The live database says what exists now; the history still comes from a
        # replay of the migrations on a throwaway server (nothing is installed in the
        # live database). A replay that fails there keeps the history up to the failure
        # (an incomplete-history finding), and the tool's own tables are hidden as usual.
        from .replay.bookkeeping import hide

        live = read_catalog(config.database, **options)  # type: ignore[arg-type]
        replayed = _replayed(config, migrations, session, options)
        return dataclasses.replace(
            hide(live, replayed.hidden_tables),
            hidden_tables=replayed.hidden_tables,
            witness=replayed.witness,
        )
    return _replayed(config, migrations, session, options)


def _replayed(
    config: WikiConfig,
    migrations: list[Migration],
    session: Session | None,
    options: dict[str, object],
) -> Catalog:
    """The catalog, with its witness, of a throwaway server the migrations were applied to."""
    from .sources.catalog import read_catalog

    key = migrations_key(config, migrations)
    if session is not None and session.catalog_key == key and session.catalog is not None:
        session.catalog_memory_hits += 1
        return session.catalog

    disk = DiskCache(config.cache_dir) if config.cache_dir is not None else None
    name = f"catalog-{key[:40]}.msgpack"
    if disk is not None:
        stored = disk.read(name, CatalogRecord)
        if stored is not None and stored.key == key:
            if session is not None:
                session.catalog_key, session.catalog = key, stored.catalog
                session.catalog_disk_hits += 1
            with contextlib.suppress(OSError):
                os.utime(disk.directory / name)  # the newest is pruned last
            return stored.catalog

    from .replay.apply import witness_migrations
    from .replay.bookkeeping import create_tool_tables, hide
    from .replay.pgserver import ThrowawayPostgres
    from .replay.standin import installed_standins

    fmt = migrations_format(config)
    hidden: list[str] = []
    with ThrowawayPostgres(config.postgres_bin) as pg:
        # The migration tool's own tables exist while the migrations apply, as
        # with the tool, and are hidden from the wiki afterwards.
        witness, failed = witness_migrations(
            pg.conninfo,
            migrations,
            read_setup_sql(config),
            prepare=lambda conn: hidden.extend(create_tool_tables(conn, fmt)),
        )
        # After a failure: the schema as it stood after the last migration that applied.
        catalog = read_catalog(pg.conninfo, **options)  # type: ignore[arg-type]
        catalog = dataclasses.replace(
            hide(catalog, tuple(hidden)),
            standins=installed_standins(pg.conninfo),
            witness=witness,
        )
    if session is not None:
        session.catalog_builds += 1
    if failed is not None:
        # Never cached: each build tries again, and nothing reuses an incomplete schema.
        return dataclasses.replace(catalog, failure=replay_failure(config, migrations, failed))
    if session is not None:
        session.catalog_key, session.catalog = key, catalog
    if disk is not None:
        disk.write(name, CatalogRecord(key, catalog))
        disk.prune("catalog-", KEEP_CATALOGS)
    return catalog


def replay_failure(
    config: WikiConfig, migrations: list[Migration], failed: MigrationFailed
) -> ReplayFailure:
    """What `MigrationFailed` says, as model data: which migration, where, why, and how far
    the replay got."""
    from .replay.apply import runs_in_transaction

    lines = failed.message.split("\n")
    # The report up to the statement excerpt, on one line.
    head = [line.strip() for line in lines[: _excerpt_start(lines)] if line.strip()]
    location = failed.location
    index, migration = _failing_migration(migrations, location)
    applied = 0
    if migration is not None and not runs_in_transaction(migration) and location is not None:
        applied = _statements_before(migration, location)
    if migration is None:
        # setup_sql: its file, when it is one.
        value = (config.setup_sql or "").strip()
        if value.endswith(".sql") and "\n" not in value and (config.root / value).is_file():
            location = Location(value)
        index = 0
    previous = migrations[index - 1].id if index > 0 else None
    after = f"after {previous}" if previous else "before any migration"
    tail = (
        "the migrations after it were not applied: the wiki shows the schema as it stood"
        f" {after}; fix the statement and build again"
    )
    return ReplayFailure(
        migration_id=migration.id if migration is not None else None,
        location=location,
        pg_message=failed.pg_message,
        summary="; ".join([*head, tail]),
        message=failed.message,
        applied_through=previous,
        statements_applied=applied,
    )


def _excerpt_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if line.startswith("  statement at "):
            return i
    return len(lines)


def _failing_migration(
    migrations: list[Migration], location: Location | None
) -> tuple[int, Migration | None]:
    if location is None:
        return 0, None
    for i, m in enumerate(migrations):
        if location.path == m.path or any(f.path == location.path for f in m.files):
            return i, m
    return 0, None


_OPENS = re.compile(r"^\s*(?:BEGIN|START\s+TRANSACTION)\b", re.IGNORECASE)
_CLOSES = re.compile(r"^\s*(?:COMMIT|END|ROLLBACK|ABORT)\b", re.IGNORECASE)


def _statements_before(migration: Migration, location: Location) -> int:
    """How many statements stayed applied before the one the failing line belongs to:
    those before it, less those of a transaction the file opened and the failure
    rolled back."""
    where = (_file_index(migration, location.path), location.line or 0)
    failing = 0
    for i, statement in enumerate(migration.statements):
        start = (_file_index(migration, statement.location.path), statement.location.line or 0)
        if start <= where:
            failing = i
    opened: int | None = None
    for i, statement in enumerate(migration.statements[:failing]):
        text = _strip_comments(statement.sql)
        if _OPENS.match(text):
            opened = i
        elif _CLOSES.match(text):
            opened = None
    return opened if opened is not None else failing


def _strip_comments(sql: str) -> str:
    lines = [line for line in sql.split("\n") if not line.strip().startswith("--")]
    return "\n".join(lines)


def _file_index(migration: Migration, path: str) -> int:
    for i, f in enumerate(migration.files):
        if f.path == path:
            return i
    return len(migration.files)


def read_migrations(
    config: WikiConfig, session: Session | None = None
) -> tuple[list[Migration], list[Finding]]:
    """`load_migrations`, parsing only files whose statements are not cached.

    The statement cache lives in the session between serve rebuilds and in the
    cache directory between builds; entries of files that are gone are dropped.
    """
    session = session if session is not None else Session()
    signature = _directory_signature(config.migrations_dir, config.migrations_format)
    if signature is not None and signature == session.migrations_signature:
        assert session.migrations_result is not None
        return session.migrations_result
    statements = session.statements
    disk = DiskCache(config.cache_dir) if config.cache_dir is not None else None
    fingerprint = code_fingerprint()
    if disk is not None and not session.statements_loaded:
        session.statements_loaded = True
        stored = disk.read(_STATEMENTS_FILE, StatementsRecord)
        if stored is not None and stored.fingerprint == fingerprint:
            statements.entries.update(stored.entries)
    statements.start_round()
    with caching(statements):
        result = load_migrations(config.root, config.migrations_dir, fmt=config.migrations_format)
    stale = len(statements.entries) != len(statements.used)
    if stale:
        statements.entries = statements.pruned()
    if disk is not None and (statements.misses or stale):
        disk.write(_STATEMENTS_FILE, StatementsRecord(fingerprint, statements.entries))
    session.migrations_signature, session.migrations_result = signature, result
    return result


def _directory_signature(directory: Path, fmt: str) -> tuple[object, ...] | None:
    """Every file under ``directory`` with its size and modification time; None if unreadable."""
    entries: list[tuple[str, int, int]] = []
    try:
        for dirpath, dirnames, filenames in os.walk(directory):
            dirnames.sort()
            for name in sorted(filenames):
                stat = os.stat(os.path.join(dirpath, name))
                entries.append((os.path.join(dirpath, name), stat.st_size, stat.st_mtime_ns))
    except OSError:
        return None
    return (str(directory), fmt, *entries)


def load(
    config: WikiConfig, session: Session | None = None, *, catalog: Catalog | None = None
) -> Wiki:
    """Read everything and return the checked wiki. Raises `SchemaWikiError` subclasses.

    ``catalog`` is one the caller replayed itself (``schema-wiki review`` replays both
    sides of a branch on its own server): then nothing is replayed or read here.
    """
    if not config.migrations_dir.is_dir():
        problem = "is a file" if config.migrations_dir.exists() else "does not exist"
        raise ConfigError(
            f"migrations: directory {_shown(config, config.migrations_dir)} {problem};"
            " create it or set `migrations:` in mkdocs.yml"
        )
    if config.adrs_dir.exists() and not config.adrs_dir.is_dir():
        # A missing ADR directory is fine (no ADRs yet); a file there is a mistake.
        raise ConfigError(
            f"adrs: {_shown(config, config.adrs_dir)} is a file, not a directory;"
            " set `adrs:` in mkdocs.yml to the directory of your ADRs"
        )
    session = session if session is not None else Session()
    migrations, migration_findings = read_migrations(config, session)
    adrs, adr_findings = load_adrs(config.root, config.adrs_dir)
    if catalog is None:
        catalog = get_catalog(config, migrations, session)
    wiki = build_wiki(migrations, adrs, catalog, config.today, session.join)
    if config.code_paths:
        from .sources.code import with_code_references

        wiki = with_code_references(wiki, config.root, config.code_paths, config.cache_dir)
    if config.compare_with:
        wiki = _compare(config, catalog, wiki)
    history_findings = []
    witness = catalog.witness
    if witness is not None and witness.failure is not None and catalog.failure is None:
        # A live database's history: its replay stopped, the live schema is whole.
        failed = next(
            (m.id for m in migrations if witness.failure_path in {f.path for f in m.files}),
            "migrations",
        )
        history_findings.append(
            Finding(
                "incomplete-history",
                Level.WARNING,
                failed,
                f"the history stops here: {witness.failure}; later migrations are missing from"
                " every page's history (the live database itself is read as it is); create"
                " what the migrations assume in setup_sql:",
                Location(witness.failure_path, witness.failure_line)
                if witness.failure_path
                else None,
            )
        )
    checked = run_checks(
        wiki,
        config.checks,
        context=Context.from_config(config),
        extra=[*migration_findings, *adr_findings, *wiki.findings, *history_findings],
        cache=session.rules,
    )
    wiki = checked.applied_to(wiki)
    if catalog.hidden_tables:
        from .replay.bookkeeping import about_hidden

        # A migration that alters the tool's own table is not the team's schema either.
        kept = tuple(f for f in wiki.findings if not about_hidden(f.target, catalog))
        wiki = dataclasses.replace(wiki, findings=kept)
    return wiki


def _compare(config: WikiConfig, catalog: Catalog, wiki: Wiki) -> Wiki:
    """Schema drift: this wiki's catalog against ``compare_with``."""
    from .join import drift

    assert config.compare_with is not None
    theirs, label = drift.other_side(
        config.compare_with,
        config.root,
        schemas=config.schemas,
        exclude_schemas=config.exclude_schemas,
        connect_timeout=config.connect_timeout,
        statement_timeout_ms=config.statement_timeout_ms,
        lock_timeout_ms=config.lock_timeout_ms,
    )
    if catalog.hidden_tables:
        from .replay.bookkeeping import hide

        # The other database has the migration tool's tables too; they are not drift.
        theirs = hide(theirs, catalog.hidden_tables)
    differences = tuple(drift.compare(catalog, theirs))
    return dataclasses.replace(
        wiki,
        drift=differences,
        drift_label=label,
        findings=(*wiki.findings, *drift.findings(list(differences), label, "compare_with")),
    )


def _shown(config: WikiConfig, path: Path) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)


# --- pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Build:
    """One build's result: what the entry point hands its engine.

    ``pages`` maps every generated page (its path under ``docs/``) to the file
    holding its Markdown in the cache directory, or to None when the page
    exists only in ``texts`` (no writable cache directory).
    """

    findings: tuple[Finding, ...]
    pages: dict[str, str | None]
    texts: dict[str, str]
    #: The checked model; None when the build memo answered without loading anything.
    wiki: Wiki | None
    #: How the pages came about: ``memo`` (the last build's, nothing changed),
    #: ``adrs`` (only ADRs changed: the pages they reach were rendered), ``full``.
    how: str
    #: Pages rendered by this build.
    rendered: int

    def text(self, src_uri: str) -> str:
        """A page's Markdown, from memory or from its file."""
        backing = self.pages[src_uri]
        if backing is None:
            return self.texts[src_uri]
        # Bytes as written: the calendar feed's CRLF line ends must survive.
        return Path(backing).read_bytes().decode("utf-8")


def templates_signature(directory: Path | None) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and times of the user's templates: a change means rendering everything."""
    if directory is None or not directory.is_dir():
        return ()
    out = []
    for path in sorted(directory.rglob("*")):
        with contextlib.suppress(OSError):
            stat = path.stat()
            out.append((path.as_posix(), stat.st_size, stat.st_mtime_ns))
    return tuple(out)


def render_options(config: WikiConfig, markdown_extensions: Iterable[str]) -> RenderOptions:
    """How a project's pages are rendered: the same for every engine and ``generate``.

    ``markdown_extensions`` are the names mkdocs.yml turns on (line numbers in
    SQL blocks need ``pymdownx.highlight``).
    """
    return RenderOptions(
        templates_dir=config.templates_dir,
        linenums="pymdownx.highlight" in markdown_extensions,
        migrations_dir=_shown(config, config.migrations_dir),
        erd_depth=config.erd_depth,
        warn_days=config.warn_days,
        ticket_url=config.ticket_url,
        owners=config.owners,
        freeze_windows=config.freeze_windows,
        freeze_timezone=config.freeze_timezone,
    )


def rendering_key(options: RenderOptions, templates: object) -> str:
    """A digest of what the pages depend on besides the model: options and templates."""
    return hashlib.sha256(repr((options, templates)).encode()).hexdigest()


def build(config: WikiConfig, options: RenderOptions, session: Session | None = None) -> Build:
    """Load the project and render its pages, reusing what is provably unchanged.

    A one-off build (``session.serve`` False) whose inputs are exactly the last
    build's reuses its pages and findings (`memo`); one in which only ADRs
    changed renders only the pages the change can reach (`incremental`), and
    so does every serve rebuild. Raises `SchemaWikiError` subclasses.
    """
    session = session if session is not None else Session()
    keys = None
    if not session.serve and config.cache_dir is not None:
        keys = memo.build_keys(config, [options])
    if keys is not None:
        reused = _reuse(config, session, keys.inputs)
        if reused is not None:
            return reused
    with gc_paused(session.serve):
        return _load_and_render(config, options, session, keys)


def _reuse(config: WikiConfig, session: Session, key: str) -> Build | None:
    """The last build's page files and findings, if it had the same inputs."""
    assert config.cache_dir is not None
    record = memo.read_memo(config.cache_dir, key)
    if record is None:
        return None
    verified = _page_files(config, session).verify(record.pages)
    if verified is None:
        return None
    return Build(tuple(record.findings), dict(verified), {}, None, "memo", 0)


def _previous(
    config: WikiConfig, session: Session, keys: memo.Keys | None, wiki: Wiki
) -> Rendered | None:
    """The pages to start from: serve's last build, or, for a one-off build in which
    only ADRs changed since the last, that build's record (its page files intact)."""
    if wiki.catalog is not None and wiki.catalog.failure is not None:
        return None  # an incomplete schema: every page says so
    if session.serve:
        return session.rendered
    if keys is None or config.cache_dir is None:
        return None
    record = memo.read_previous(config.cache_dir, keys.sources)
    if record is None:
        return None
    verified = _page_files(config, session).verify(record.pages)
    if verified is None:
        return None
    # The same sources key: the same migrations and catalog as this build's.
    old = dataclasses.replace(record.wiki, migrations=wiki.migrations, catalog=wiki.catalog)
    return Rendered(old, record.inputs, PageTexts(verified))


def _load_and_render(
    config: WikiConfig, options: RenderOptions, session: Session, keys: memo.Keys | None
) -> Build:
    wiki = load(config, session)
    inputs = rendering_key(options, templates_signature(config.templates_dir))
    previous = _previous(config, session, keys, wiki)
    only = None
    if previous is not None:
        # A user's template may show anything: only the bundled ones are known ADR-free.
        adr_free = ADR_FREE_PAGES if config.templates_dir is None else ()
        only = pages_to_render(previous, wiki, inputs, adr_free)
    try:
        pages = render_pages(wiki, options, only=only)
    except SchemaWikiError:
        raise
    except Exception as exc:  # a user template can fail in any way
        if config.templates_dir is None:
            raise
        raise ConfigError(f"rendering with templates_dir failed: {exc}") from None
    rendered = len(pages)
    kept: set[str] = set()
    how = "full"
    if only is not None and previous is not None:
        how = "adrs"
        fresh = set(pages)
        pages = merged(previous, wiki, pages)
        kept = {page for page in pages if page not in fresh}
    session.rendered = Rendered(wiki, inputs, pages) if session.serve else None
    backed = _write_pages(config, session, pages, kept)
    complete = wiki.catalog is None or wiki.catalog.failure is None
    if (
        keys is not None
        and complete
        and session.page_files is not None
        and backed.keys() == pages.keys()
    ):
        assert config.cache_dir is not None
        digests = session.page_files.digests()
        memo.write_previous(config.cache_dir, keys.sources, wiki, inputs, digests)
        memo.write_memo(config.cache_dir, keys.inputs, digests, wiki.findings)
    sources: dict[str, str | None] = {uri: backed.get(uri) for uri in pages}
    texts = {uri: text for uri, text in pages.items() if sources[uri] is None}
    return Build(wiki.findings, sources, texts, wiki, how, rendered)


def _write_pages(
    config: WikiConfig, session: Session, pages: dict[str, str], kept: Container[str] = ()
) -> dict[str, str]:
    """The pages as files in the cache directory (see `pagefiles`), by src_uri.

    Empty, so the pages stay in memory, when there is no cache directory or
    it cannot be written.
    """
    if config.cache_dir is None:
        return {}
    page_files = _page_files(config, session)
    try:
        return page_files.sync(pages, kept)
    except OSError as exc:
        log.debug(
            "cannot write pages to %s (%s); keeping them in memory", page_files.directory, exc
        )
        return {}


def _page_files(config: WikiConfig, session: Session) -> PageFiles:
    assert config.cache_dir is not None
    directory = config.cache_dir / "pages"
    if session.page_files is None or session.page_files.directory != directory:
        session.page_files = PageFiles(directory)
    return session.page_files
