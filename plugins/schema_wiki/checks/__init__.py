"""Checks: small named rules that turn a `Wiki` into findings.

Each rule lives in its own module with a module docstring that is its
documentation (the problem, then how to fix it), a default level, and a
``check`` function. `run_checks` runs them all and applies the team's
``checks:`` settings (levels and exclusions) to their findings and to the
findings the sources reported while reading files.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import ModuleType

from ..config import RuleConfig
from ..model import Finding, Level, Wiki
from . import (
    expired_column,
    expiring_column,
    undocumented_column,
    undocumented_table,
)


@dataclass(frozen=True)
class Context:
    """What rules may consult besides the wiki."""

    warn_days: int = 30


@dataclass(frozen=True)
class Rule:
    """A check: its name, default level, documentation and function."""

    name: str
    level: Level
    doc: str
    check: Callable[[Wiki, Context], Iterable[Finding]]

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name


def _rule(module: ModuleType) -> Rule:
    return Rule(module.NAME, module.LEVEL, module.__doc__ or "", module.check)


RULES: tuple[Rule, ...] = tuple(
    _rule(m) for m in (expired_column, expiring_column, undocumented_table, undocumented_column)
)


def rule(name: str) -> Rule | None:
    return next((r for r in RULES if r.name == name), None)


def run_checks(
    wiki: Wiki,
    settings: Mapping[str, RuleConfig] | None = None,
    *,
    context: Context | None = None,
    extra: Iterable[Finding] = (),
) -> list[Finding]:
    """Every finding, with configured levels applied; ignored and excluded ones removed."""
    settings = settings or {}
    context = context or Context()
    found: list[Finding] = list(extra)
    for r in RULES:
        found.extend(r.check(wiki, context))
    out: list[Finding] = []
    for finding in found:
        setting = settings.get(finding.rule)
        if setting is not None:
            if setting.level is not None and setting.level != finding.level:
                finding = replace(finding, level=setting.level)
            if excluded(finding.target, setting.exclude):
                continue
        if finding.level == Level.IGNORE:
            continue
        out.append(finding)
    out.sort(key=_order)
    return out


def excluded(target: str, patterns: Iterable[str]) -> bool:
    """True when ``target`` (``schema.table.column``) matches a pattern.

    Patterns may leave the schema out: ``users.id`` and ``*.id`` both match
    ``public.users.id``.
    """
    parts = target.split(".")
    short = ".".join(parts[1:]) if len(parts) == 3 else target
    return any(fnmatch.fnmatchcase(target, p) or fnmatch.fnmatchcase(short, p) for p in patterns)


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
