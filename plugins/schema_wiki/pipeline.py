"""Load a whole project: read the sources, get the catalog, join, check.

This is the one function both the MkDocs plugin and the command line call.

Two things are expensive and rarely change, so they are cached, in memory
for ``mkdocs serve`` and on disk in ``.cache/schema-wiki/`` between builds
(`WikiConfig.cache_dir`):

* the applied schema: the catalog a throwaway PostgreSQL produced from the
  migrations, keyed by the content of every migration file, the setup SQL,
  the schema filters, the PostgreSQL binaries and the code that reads it;
* the parsed statements of each migration file, keyed by its path and text
  (parsing with sqlglot is most of the cost of loading migrations).

Cache files are pickles, written to a temporary file and renamed into
place, so an interrupted build never leaves a broken one; an unreadable or
stale file is ignored and rewritten. The cache directory is trusted like
the project's own files (mkdocs.yml can run code through hooks already).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from .cache.disk import DiskCache, code_fingerprint
from .checks import Context, RuleCache, run_checks
from .config import WikiConfig
from .errors import ConfigError
from .join.wiki import JoinCache, build_wiki
from .model import Catalog, Finding, Level, Location, Migration, Wiki
from .replay.record import Witness
from .sources.adrs import load_adrs
from .sources.migrations import load_migrations
from .sources.statements import StatementCache, caching

log = logging.getLogger(__name__)

#: Catalog files kept: switching branches back and forth stays warm.
KEEP_CATALOGS = 4
_STATEMENTS_FILE = "statements.pickle"


@dataclass
class CatalogCache:
    """What one process keeps between builds: the last catalog and the parsed statements.

    ``mkdocs serve`` keeps the plugin between rebuilds; with this, saving an
    ADR re-renders pages without starting PostgreSQL, re-applying or
    re-parsing anything. The counters let tests and the benchmark see reuse.
    """

    key: str | None = None
    catalog: Catalog | None = None
    #: How many times the catalog was (re)built by applying the migrations.
    misses: int = 0
    #: How many times the catalog came from memory.
    hits: int = field(default=0)
    #: How many times the catalog came from the cache directory.
    disk_hits: int = 0
    statements: StatementCache = field(default_factory=StatementCache)
    #: Whether `statements` was filled from the cache directory already.
    statements_loaded: bool = False
    #: The last `read_migrations` result and the state of the files it came from:
    #: a serve rebuild after an ADR edit reuses it without reading a migration.
    migrations_signature: tuple[object, ...] | None = None
    migrations_result: tuple[list[Migration], list[Finding]] | None = None
    #: The history of the last join and the findings of migration-only rules, reused
    #: while the migrations and the catalog are the same objects (serve sets them; a
    #: one-off build has nothing to reuse them for).
    join: JoinCache | None = None
    rules: RuleCache | None = None


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
    config: WikiConfig, migrations: list[Migration], cache: CatalogCache | None = None
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
        # live database). A replay that fails there keeps the history up to the failure.
        live = read_catalog(config.database, **options)  # type: ignore[arg-type]
        replayed = _replayed(config, migrations, cache, options, keep_going=True)
        return dataclasses.replace(live, witness=replayed.witness)
    return _replayed(config, migrations, cache, options, keep_going=False)


def _replayed(
    config: WikiConfig,
    migrations: list[Migration],
    cache: CatalogCache | None,
    options: dict[str, object],
    *,
    keep_going: bool,
) -> Catalog:
    """The catalog, with its witness, of a throwaway server the migrations were applied to."""
    from .sources.catalog import read_catalog

    key = migrations_key(config, migrations)
    if cache is not None and cache.key == key and cache.catalog is not None:
        cache.hits += 1
        return cache.catalog

    disk = DiskCache(config.cache_dir) if config.cache_dir is not None else None
    name = f"catalog-{key[:40]}.pickle"
    if disk is not None:
        stored = disk.read(name)
        if (
            isinstance(stored, tuple)
            and len(stored) == 2
            and stored[0] == key
            and isinstance(stored[1], Catalog)
        ):
            if cache is not None:
                cache.key, cache.catalog = key, stored[1]
                cache.disk_hits += 1
            with contextlib.suppress(OSError):
                os.utime(disk.directory / name)  # the newest is pruned last
            return stored[1]

    from .replay.apply import apply_migrations, witness_migrations
    from .replay.pgserver import ThrowawayPostgres

    witness: Witness | None
    with ThrowawayPostgres(config.postgres_bin) as pg:
        if keep_going:
            # A failure becomes an incomplete-history finding (`load_project`).
            witness, _failure = witness_migrations(pg.conninfo, migrations, read_setup_sql(config))
        else:
            witness = apply_migrations(pg.conninfo, migrations, read_setup_sql(config), record=True)
        catalog = read_catalog(pg.conninfo, **options)  # type: ignore[arg-type]
    catalog = dataclasses.replace(catalog, witness=witness)
    if cache is not None:
        cache.key, cache.catalog = key, catalog
        cache.misses += 1
    if disk is not None:
        disk.write(name, (key, catalog))
        disk.prune("catalog-", KEEP_CATALOGS)
    return catalog


def read_migrations(
    config: WikiConfig, cache: CatalogCache | None = None
) -> tuple[list[Migration], list[Finding]]:
    """`load_migrations`, parsing only files whose statements are not cached.

    The statement cache lives in ``cache`` between serve rebuilds and in the
    cache directory between builds; entries of files that are gone are dropped.
    """
    cache = cache if cache is not None else CatalogCache()
    signature = _directory_signature(config.migrations_dir, config.migrations_format)
    if signature is not None and signature == cache.migrations_signature:
        assert cache.migrations_result is not None
        return cache.migrations_result
    statements = cache.statements
    disk = DiskCache(config.cache_dir) if config.cache_dir is not None else None
    fingerprint = code_fingerprint()
    if disk is not None and not cache.statements_loaded:
        cache.statements_loaded = True
        stored = disk.read(_STATEMENTS_FILE)
        if isinstance(stored, dict) and stored.get("fingerprint") == fingerprint:
            entries = stored.get("entries")
            if isinstance(entries, dict):
                statements.entries.update(entries)
    statements.start_round()
    with caching(statements):
        result = load_migrations(config.root, config.migrations_dir, fmt=config.migrations_format)
    stale = len(statements.entries) != len(statements.used)
    if stale:
        statements.entries = statements.pruned()
    if disk is not None and (statements.misses or stale):
        disk.write(_STATEMENTS_FILE, {"fingerprint": fingerprint, "entries": statements.entries})
    cache.migrations_signature, cache.migrations_result = signature, result
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


def load_project(config: WikiConfig, cache: CatalogCache | None = None) -> Wiki:
    """Read everything and return the checked wiki. Raises `SchemaWikiError` subclasses."""
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
    cache = cache if cache is not None else CatalogCache()
    migrations, migration_findings = read_migrations(config, cache)
    adrs, adr_findings = load_adrs(config.root, config.adrs_dir)
    catalog = get_catalog(config, migrations, cache)
    wiki = build_wiki(migrations, adrs, catalog, config.today, cache.join)
    if config.compare_with:
        _compare(config, catalog, wiki)
    source_findings: list[Finding] = [*migration_findings, *adr_findings, *wiki.findings]
    witness = catalog.witness
    if witness is not None and witness.failure is not None:
        failed = next(
            (m.id for m in migrations if witness.failure_path in {f.path for f in m.files}),
            "migrations",
        )
        source_findings.append(
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
    wiki.findings = run_checks(
        wiki,
        config.checks,
        context=Context.from_config(config),
        extra=source_findings,
        cache=cache.rules,
    )
    return wiki


def _compare(config: WikiConfig, catalog: Catalog, wiki: Wiki) -> None:
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
    wiki.drift = drift.compare(catalog, theirs)
    wiki.drift_label = label
    wiki.findings.extend(drift.findings(wiki.drift, label, "compare_with"))


def _shown(config: WikiConfig, path: Path) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)
