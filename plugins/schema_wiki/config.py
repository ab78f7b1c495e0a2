"""The plugin's settings as a plain dataclass, independent of MkDocs.

The MkDocs glue validates ``mkdocs.yml`` with its own config classes and then
builds a `WikiConfig`; tests and the command line can build one directly.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .join.owners import OwnerRule
from .join.schedule import FreezeWindow
from .model import Level

#: Environment variable that overrides the real date, for deterministic builds.
TODAY_ENV = "SCHEMA_WIKI_TODAY"


@dataclass(frozen=True)
class RuleConfig:
    """Per-rule settings from the ``checks:`` key."""

    level: Level | None = None
    exclude: tuple[str, ...] = ()


#: The header fields ``missing-header-field`` asks for unless configured.
DEFAULT_REQUIRED_HEADER_FIELDS = ("Migration", "Date", "Author", "Context")


@dataclass(frozen=True)
class CoverageMin:
    """``coverage_min:``: the least documented share, in percent, of tables and of columns."""

    tables: float | None = None
    columns: float | None = None


@dataclass(frozen=True)
class WikiConfig:
    """Everything the core needs to know, with paths already resolved."""

    #: The project root: the directory holding mkdocs.yml. Paths in pages are relative to it.
    root: Path
    migrations_dir: Path
    adrs_dir: Path
    #: 'embedded' or a libpq connection string.
    database: str = "embedded"
    today: dt.date = field(default_factory=dt.date.today)
    migrations_format: str = "auto"
    postgres_bin: Path | None = None
    setup_sql: str | None = None
    schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    checks: Mapping[str, RuleConfig] = field(default_factory=dict)
    warn_days: int = 30
    #: Header fields every migration must have (``missing-header-field``).
    required_header_fields: tuple[str, ...] = DEFAULT_REQUIRED_HEADER_FIELDS
    #: Least share (percent) of documented tables and columns per schema
    #: (``low-coverage``); None: no minimum.
    coverage_min: CoverageMin | None = None
    templates_dir: Path | None = None
    #: Jinja2 template of ``schema-wiki new adr`` (MADR 4 with the wiki's keys when None).
    adr_template: Path | None = None
    #: Foreign-key hops a table's ER diagram reaches; 0: no diagram.
    erd_depth: int = 1
    cache_dir: Path | None = None
    #: A connection string or a ``schema-wiki export`` JSON file to compare against (drift).
    compare_with: str | None = None
    connect_timeout: int = 5
    statement_timeout_ms: int = 5000
    lock_timeout_ms: int = 2000
    #: Where a ticket id links to: ``https://tracker.example.com/browse/{ticket}``.
    ticket_url: str | None = None
    #: Table patterns and their owners (``owners:`` after ``owners_file:``), see `join.owners`.
    owners: tuple[OwnerRule, ...] = ()
    #: Globs of the application code searched for column names (``code_paths:``).
    code_paths: tuple[str, ...] = ()
    #: When no migration may run (``freeze_windows:``), see `join.schedule`.
    freeze_windows: tuple[FreezeWindow, ...] = ()
    #: The IANA time zone ``freeze_windows:`` are written in.
    freeze_timezone: str = "UTC"

    @property
    def embedded(self) -> bool:
        return self.database.strip().lower() == "embedded"


def resolve_today(value: object) -> dt.date:
    """The date checks compare against: ``SCHEMA_WIKI_TODAY``, then the config value, then today.

    The environment wins so a CI job can pin the date without editing mkdocs.yml.
    """
    value = os.environ.get(TODAY_ENV) or value
    if value == "":
        value = None
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(
            f"today: {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-01-31)"
        ) from None


#: The settings one rule takes under ``checks:``.
_RULE_KEYS = ("level", "exclude")


def parse_checks(raw: object) -> dict[str, RuleConfig]:
    """Read the ``checks:`` mapping: ``rule: level`` or ``rule: {level: ..., exclude: [...]}``."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError("checks: expected a mapping of rule names to settings")
    levels = ", ".join(level.value for level in Level)
    out: dict[str, RuleConfig] = {}
    for name, value in raw.items():
        level: Level | None = None
        exclude: tuple[str, ...] = ()
        if isinstance(value, str):
            raw_level: object = value
        elif isinstance(value, Mapping):
            for key in value:
                if key not in _RULE_KEYS:
                    close = difflib.get_close_matches(str(key), _RULE_KEYS, n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise ConfigError(
                        f"checks.{name}: unknown setting {key!r}{hint} A rule takes"
                        " level and exclude"
                    )
            raw_level = value.get("level")
            ex = value.get("exclude", ())
            if isinstance(ex, str):
                ex = [ex]
            if not isinstance(ex, list | tuple):
                raise ConfigError(f"checks.{name}.exclude: expected a list of patterns")
            exclude = tuple(str(e) for e in ex)
        elif value is None:
            raw_level = None
        else:
            raise ConfigError(f"checks.{name}: expected a level ({levels}) or a mapping")
        if raw_level is not None:
            try:
                level = Level(str(raw_level).lower())
            except ValueError:
                raise ConfigError(
                    f"checks.{name}.level: {raw_level!r} is not one of {levels}"
                ) from None
        out[str(name)] = RuleConfig(level=level, exclude=exclude)
    return out


def parse_ticket_url(raw: object) -> str | None:
    """``ticket_url:``: an http(s) URL with ``{ticket}`` where the id goes, or nothing."""
    if raw is None or raw == "":
        return None
    from .render.tickets import ticket_url_problem

    value = str(raw).strip()
    problem = ticket_url_problem(value)
    if problem is not None:
        raise ConfigError(problem)
    return value


def parse_coverage_min(raw: object) -> CoverageMin | None:
    """``coverage_min: 80`` (tables and columns) or ``{tables: 100, columns: 80}``."""
    if raw is None:
        return None

    def percent(value: object, key: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a percentage between 0 and 100, got {value!r}")
        if not 0 <= value <= 100:
            raise ConfigError(f"{key}: {value} is not between 0 and 100")
        return float(value)

    if isinstance(raw, Mapping):
        unknown = sorted(set(map(str, raw)) - {"tables", "columns"})
        if unknown:
            raise ConfigError(f"coverage_min: unknown key {unknown[0]!r}; use tables and columns")
        return CoverageMin(
            tables=percent(raw.get("tables"), "coverage_min.tables"),
            columns=percent(raw.get("columns"), "coverage_min.columns"),
        )
    share = percent(raw, "coverage_min")
    return CoverageMin(tables=share, columns=share)


def parse_header_fields(raw: object) -> tuple[str, ...]:
    """``required_header_fields:``: a list of header field names (case does not matter)."""
    if raw is None:
        return DEFAULT_REQUIRED_HEADER_FIELDS
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise ConfigError("required_header_fields: expected a list of header field names")
    return tuple(x.strip() for x in raw)
