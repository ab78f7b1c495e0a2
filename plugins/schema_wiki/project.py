"""Load a whole project: read the sources, get the catalog, join, check.

This is the one function both the MkDocs plugin and the command line call.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .build import build_wiki
from .checks import Context, run_checks
from .config import WikiConfig
from .errors import ConfigError
from .model import Catalog, Finding, Migration, Wiki
from .sources.adrs import load_adrs
from .sources.migrations import load_migrations


@dataclass
class CatalogCache:
    """Keeps the last catalog read from a throwaway server, keyed by what produced it.

    ``mkdocs serve`` keeps the plugin between rebuilds; with this, saving an
    ADR re-renders pages without starting PostgreSQL or re-applying anything.
    """

    key: str | None = None
    catalog: Catalog | None = None
    #: How many times the catalog was (re)built: lets tests and the benchmark see reuse.
    misses: int = 0
    hits: int = field(default=0)


def migrations_key(config: WikiConfig, migrations: list[Migration]) -> str:
    """A digest of everything that shapes the applied schema."""
    digest = hashlib.sha256()
    for part in (
        config.database,
        config.setup_sql or "",
        *config.schemas,
        "|",
        *config.exclude_schemas,
        str(config.postgres_bin or ""),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    for migration in migrations:
        for f in migration.files:
            digest.update(f.path.encode())
            digest.update(b"\0")
            digest.update(f.sql.encode())
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
        return read_catalog(config.database, **options)  # type: ignore[arg-type]

    key = migrations_key(config, migrations)
    if cache is not None and cache.key == key and cache.catalog is not None:
        cache.hits += 1
        return cache.catalog

    from .sources.apply import apply_migrations
    from .sources.pgserver import ThrowawayPostgres

    with ThrowawayPostgres(config.postgres_bin) as pg:
        apply_migrations(pg.conninfo, migrations, read_setup_sql(config))
        catalog = read_catalog(pg.conninfo, **options)  # type: ignore[arg-type]
    if cache is not None:
        cache.key, cache.catalog = key, catalog
        cache.misses += 1
    return catalog


def load_project(config: WikiConfig, cache: CatalogCache | None = None) -> Wiki:
    """Read everything and return the checked wiki. Raises `SchemaWikiError` subclasses."""
    if not config.migrations_dir.is_dir():
        raise ConfigError(
            f"migrations: directory {_shown(config, config.migrations_dir)} does not exist;"
            " create it or set `migrations:` in mkdocs.yml"
        )
    migrations, migration_findings = load_migrations(
        config.root, config.migrations_dir, fmt=config.migrations_format
    )
    adrs, adr_findings = load_adrs(config.root, config.adrs_dir)
    catalog = get_catalog(config, migrations, cache)
    wiki = build_wiki(migrations, adrs, catalog, config.today)
    if config.compare_with:
        _compare(config, catalog, wiki)
    source_findings: list[Finding] = [*migration_findings, *adr_findings, *wiki.findings]
    wiki.findings = run_checks(
        wiki,
        config.checks,
        context=Context.from_config(config),
        extra=source_findings,
    )
    return wiki


def _compare(config: WikiConfig, catalog: Catalog, wiki: Wiki) -> None:
    """Schema drift: this wiki's catalog against ``compare_with``."""
    from . import drift

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
