"""Checks: small named rules that turn a `Wiki` into findings.

Each rule lives in its own module with a module docstring that is its
documentation (a one-line summary, the problem, then how to fix it), a
``NAME``, a default ``LEVEL`` and a ``check`` function. Some rules are
reported while the sources are read (an invalid date, an unreadable file, a
dangling reference): their modules have no ``check`` but a ``REPORTED_BY``
saying where the finding comes from, so every finding, whoever makes it, is
documented on the rules page and configured the same way.

`run_checks` runs every rule, then, in this order:

1. applies the in-place ignores (`ignores`): a silenced finding moves to
   `Checked.silenced`; an ignore that silenced nothing becomes an
   ``unused-ignore`` finding;
2. applies the team's ``checks:`` settings: a level per rule, and exclusion
   patterns matched against a finding's target and the path of its file.

Ignores are matched before the settings, so turning a rule off never turns
its in-place ignores into ``unused-ignore`` noise.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..config import DEFAULT_REQUIRED_HEADER_FIELDS, CoverageMin, RuleConfig
from ..errors import ConfigError
from ..join.owners import OwnerRule
from ..join.schedule import FreezeWindow
from ..model import Finding, Level, Migration, Silenced, Wiki
from . import (
    cross_team_change,
    dangling_reference,
    edited_migration,
    expired_column,
    expiring_column,
    freeze_window,
    incomplete_history,
    invalid_date,
    invalid_drop_date,
    invalid_file,
    invalid_front_matter,
    invalid_index,
    invalid_journal,
    invalid_metadata,
    invalid_plan,
    invalid_schedule,
    invalid_status,
    low_coverage,
    migration_failed,
    migration_not_in_journal,
    missing_header_field,
    missing_migration,
    no_migrations,
    schema_drift,
    shared_version,
    skipped_migration,
    standin_extension,
    undocumented_column,
    undocumented_table,
    unreadable_migration,
    unrecognised_file,
    unsafe_migration,
    unused_ignore,
    unvalidated_constraint,
)

if TYPE_CHECKING:
    from ..config import WikiConfig


@dataclass(frozen=True)
class Context:
    """What rules may consult besides the wiki: the team's settings for them."""

    #: Days before a drop date when ``expiring-column`` starts warning.
    warn_days: int = 30
    #: Header fields ``missing-header-field`` asks every migration for.
    required_header_fields: tuple[str, ...] = DEFAULT_REQUIRED_HEADER_FIELDS
    #: ``low-coverage`` minimums; None: the rule finds nothing.
    coverage_min: CoverageMin | None = None
    #: The project root, to find the line of an ADR's ``ignore:`` key; None in unit tests.
    root: Path | None = None
    #: ``owners:``: who owns which tables (``cross-team-change``).
    owners: tuple[OwnerRule, ...] = ()
    #: ``freeze_windows:`` and their zone (``freeze-window``).
    freeze_windows: tuple[FreezeWindow, ...] = ()
    freeze_timezone: str = "UTC"

    @classmethod
    def from_config(cls, config: WikiConfig) -> Context:
        """The context of a project's configuration."""
        return cls(
            warn_days=config.warn_days,
            required_header_fields=config.required_header_fields,
            coverage_min=config.coverage_min,
            root=config.root,
            owners=config.owners,
            freeze_windows=config.freeze_windows,
            freeze_timezone=config.freeze_timezone,
        )


CheckFunction = Callable[[Wiki, Context], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A rule: its name, default level, documentation and function."""

    name: str
    level: Level
    #: The module docstring: summary line, then **Problem.** and **Fix.** paragraphs.
    doc: str
    check: CheckFunction
    #: Where findings of a rule without a ``check`` of its own come from.
    reported_by: str | None = None
    #: ``"migrations"`` for a rule that reads nothing of the wiki but its migrations
    #: (its findings are reused while they are the same, `RuleCache`); else ``"wiki"``.
    reads: str = "wiki"

    @property
    def summary(self) -> str:
        """The first line of the documentation."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    @property
    def details(self) -> str:
        """The documentation after the summary line."""
        lines = self.doc.strip().splitlines()
        return "\n".join(lines[1:]).strip()


def _nothing(wiki: Wiki, context: Context) -> Iterator[Finding]:
    return iter(())


def _rule(module: ModuleType) -> Rule:
    check: CheckFunction = getattr(module, "check", _nothing)
    return Rule(
        module.NAME,
        module.LEVEL,
        module.__doc__ or "",
        check,
        getattr(module, "REPORTED_BY", None),
        getattr(module, "READS", "wiki"),
    )


#: Every rule, in the order the rules page lists them.
RULES: tuple[Rule, ...] = tuple(
    _rule(m)
    for m in (
        migration_failed,
        expired_column,
        expiring_column,
        undocumented_table,
        undocumented_column,
        low_coverage,
        missing_header_field,
        unsafe_migration,
        invalid_index,
        unvalidated_constraint,
        schema_drift,
        standin_extension,
        dangling_reference,
        invalid_drop_date,
        invalid_date,
        invalid_status,
        invalid_front_matter,
        invalid_file,
        unreadable_migration,
        no_migrations,
        unrecognised_file,
        shared_version,
        skipped_migration,
        incomplete_history,
        invalid_journal,
        invalid_plan,
        invalid_metadata,
        missing_migration,
        migration_not_in_journal,
        unused_ignore,
        cross_team_change,
        freeze_window,
        invalid_schedule,
        edited_migration,
    )
)

_BY_NAME = {r.name: r for r in RULES}


def rule(name: str) -> Rule | None:
    """The rule called ``name``, or None."""
    return _BY_NAME.get(name)


def validate_settings(settings: Mapping[str, RuleConfig]) -> None:
    """Raise `ConfigError` for a ``checks:`` key that names no rule (a typo silences nothing)."""
    for name in settings:
        if name not in _BY_NAME:
            close = difflib.get_close_matches(name, list(_BY_NAME), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"checks: {name!r} is not a rule{hint} Rules: {', '.join(sorted(_BY_NAME))}"
            )


@dataclass
class RuleCache:
    """Findings of the rules that read only the migrations, by rule name, with the
    migrations and context they came from: a ``mkdocs serve`` rebuild after an ADR
    edit does not replay every statement for ``unsafe-migration`` again."""

    entries: dict[str, tuple[tuple[Migration, ...], Context, list[Finding]]] = field(
        default_factory=dict
    )
    hits: int = 0

    def findings(self, r: Rule, wiki: Wiki, context: Context) -> list[Finding]:
        if r.reads != "migrations":
            return list(r.check(wiki, context))
        entry = self.entries.get(r.name)
        if entry is not None:
            migrations, was, found = entry
            same = len(migrations) == len(wiki.migrations) and all(
                a is b for a, b in zip(migrations, wiki.migrations, strict=True)
            )
            if same and was == context:
                self.hits += 1
                return found
        found = list(r.check(wiki, context))
        self.entries[r.name] = (wiki.migrations, context, found)
        return found


@dataclass(frozen=True)
class Checked:
    """What `run_checks` found: the findings that remain, most serious first, and the
    ones in-place ignores silenced (the health page shows them with their reasons)."""

    findings: tuple[Finding, ...]
    silenced: tuple[Silenced, ...] = ()

    def applied_to(self, wiki: Wiki) -> Wiki:
        """``wiki`` with these findings and silenced findings."""
        return replace(wiki, findings=self.findings, silenced=self.silenced)


def run_checks(
    wiki: Wiki,
    settings: Mapping[str, RuleConfig] | None = None,
    *,
    context: Context | None = None,
    extra: Iterable[Finding] = (),
    cache: RuleCache | None = None,
) -> Checked:
    """Every finding that remains, with configured levels applied, most serious first.

    ``extra`` holds the findings the sources reported. Raises `ConfigError`
    when ``settings`` name a rule that does not exist.
    """
    from .ignores import apply_ignores

    settings = settings or {}
    validate_settings(settings)
    context = context or Context()
    found: list[Finding] = list(extra)
    for r in RULES:
        found.extend(cache.findings(r, wiki, context) if cache else r.check(wiki, context))
    kept, silenced, unused = apply_ignores(wiki, found, context)
    out: list[Finding] = []
    for finding in [*kept, *unused]:
        setting = settings.get(finding.rule)
        if setting is not None:
            if setting.level is not None and setting.level != finding.level:
                finding = replace(finding, level=setting.level)
            path = finding.location.path if finding.location else None
            if excluded(finding.target, setting.exclude, path):
                continue
        if finding.level == Level.IGNORE:
            continue
        out.append(finding)
    out = list(dict.fromkeys(out))
    out.sort(key=_order)
    return Checked(tuple(out), tuple(silenced))


def excluded(target: str, patterns: Iterable[str], path: str | None = None) -> bool:
    """True when ``target`` (``schema.table.column``) or the finding's ``path`` matches a pattern.

    Patterns may leave the schema out: ``users.id`` and ``*.id`` both match
    ``public.users.id``, ``users`` matches ``public.users``. A pattern can also
    name files: ``migrations/2023*`` matches every finding located in a
    migration of 2023.
    """
    parts = target.split(".")
    # Table and column targets are schema-qualified; the pattern may leave the schema out.
    short = ".".join(parts[1:]) if len(parts) in (2, 3) else target
    names = [target, short, *([path] if path else [])]
    return any(fnmatch.fnmatchcase(name, p) for p in patterns for name in names)


_LEVEL_ORDER = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2, Level.IGNORE: 3}


def _order(f: Finding) -> tuple[int, str, int, str, str]:
    loc = f.location
    return (
        _LEVEL_ORDER[f.level],
        loc.path if loc else "~",
        (loc.line or 0) if loc else 0,
        f.rule,
        f.target,
    )
