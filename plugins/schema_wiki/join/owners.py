"""Who owns each table: ``owners:`` patterns (or a CODEOWNERS-style file) to teams.

``owners:`` in mkdocs.yml maps table patterns to owners::

    owners:
      "public.invoices": Billing (Team B)
      "public.*": User Service (Team A)

A pattern is ``schema.table`` or just ``table`` (any schema), with shell
wildcards (``*``, ``?``, ``[...]``). The most specific pattern that matches
wins, whatever the order: a pattern without wildcards beats any with them, a
schema-qualified one beats an unqualified one, then the pattern with more
literal characters wins; between equals, the later one (as in CODEOWNERS).

``owners_file:`` names a file of the same patterns, one per line, in the
style of GitHub's CODEOWNERS: the pattern, whitespace, then the owner (the
rest of the line: ``@acme/billing``, ``Billing (Team B)``); ``#`` starts a
comment. Its lines come before the ``owners:`` entries, so an entry in
mkdocs.yml wins a tie.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

__all__ = ["OwnerRule", "owner_of", "owners_of", "parse_owners", "read_owners_file"]

_WILDCARDS = re.compile(r"[*?\[\]]")


@dataclass(frozen=True)
class OwnerRule:
    """One pattern and the owner it names, with where it was written."""

    pattern: str
    owner: str
    #: ``owners:`` or ``<file>:<line>``.
    source: str = "owners"

    def matches(self, schema: str, table: str) -> bool:
        """Whether the pattern matches ``schema.table`` (an unqualified pattern: any schema)."""
        if "." in self.pattern:
            return fnmatch.fnmatchcase(f"{schema}.{table}", self.pattern)
        return fnmatch.fnmatchcase(table, self.pattern)

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Higher wins: no wildcards, then schema-qualified, then literal characters."""
        literal = len(_WILDCARDS.sub("", self.pattern))
        return (0 if _WILDCARDS.search(self.pattern) else 1, int("." in self.pattern), literal)


def parse_owners(raw: object, file_rules: Sequence[OwnerRule] = ()) -> tuple[OwnerRule, ...]:
    """``owners:`` as read from mkdocs.yml (a mapping of patterns to owners), after the
    rules of ``owners_file:``. Raises `ConfigError` for anything else."""
    rules = list(file_rules)
    if raw is None:
        return tuple(rules)
    if not isinstance(raw, Mapping):
        raise ConfigError(
            'owners: expected a mapping of table patterns to owners, e.g. "public.invoices":'
            " Billing (Team B)"
        )
    for pattern, owner in raw.items():
        text = str(owner).strip() if owner is not None else ""
        if not isinstance(pattern, str) or not pattern.strip():
            raise ConfigError(f"owners: {pattern!r} is not a table pattern")
        if not text:
            raise ConfigError(f"owners.{pattern}: name the owner (a team or @handle)")
        rules.append(OwnerRule(pattern.strip(), text))
    return tuple(rules)


def read_owners_file(path: Path, shown: str) -> tuple[OwnerRule, ...]:
    """The rules of a CODEOWNERS-style file: ``<pattern> <owner...>`` lines, ``#`` comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"owners_file: {shown} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"owners_file: cannot read {shown}: {exc}") from None
    rules: list[OwnerRule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not content:
            continue
        parts = content.split(None, 1)
        if len(parts) < 2:
            raise ConfigError(
                f"{shown}:{number}: {parts[0]!r} names no owner; write '<table pattern> <owner>'"
            )
        rules.append(OwnerRule(parts[0], parts[1].strip(), f"{shown}:{number}"))
    return tuple(rules)


def owner_of(rules: Sequence[OwnerRule], schema: str, table: str) -> str | None:
    """The owner of ``schema.table``: the most specific matching rule's, or None."""
    best: OwnerRule | None = None
    for rule in rules:
        if rule.matches(schema, table) and (best is None or rule.specificity >= best.specificity):
            best = rule
    return best.owner if best is not None else None


def owners_of(rules: Sequence[OwnerRule], tables: Iterable[tuple[str, str]]) -> list[str]:
    """The distinct owners of ``tables`` (schema, name), in order of first appearance."""
    out: list[str] = []
    for schema, name in tables:
        owner = owner_of(rules, schema, name)
        if owner is not None and owner not in out:
            out.append(owner)
    return out
