"""In-place ignores: silence a named rule where the team decided to accept it.

In a migration, a line comment::

    -- schema-wiki: ignore <rule>[,<rule>...] <reason>
    -- schema-wiki: ignore-file <rule>[,<rule>...] <reason>

``ignore`` covers one statement: the statement the comment is on or inside
(``ALTER TABLE ...; -- schema-wiki: ignore ...``), else the next one.
``ignore-file`` covers the whole file, wherever it is written (for a
one-file migration, the whole migration). As with squawk's
``squawk-ignore`` / ``squawk-ignore-file``, the scope is in the word, never
guessed from where the comment sits.

It silences findings of the named rules that are located in what it covers
(the statement's lines, or the file). Findings that point at no statement
(``expired-column`` points at the header line stating the date,
``invalid-index`` at the catalog) are silenced too when they are about a
table or column that the covered statements create or change (by the names
they have today). An ``ignore-file`` in a migration's first file also covers
the migration's own findings (``missing-header-field``).

In an ADR's front matter::

    ignore:
      expired-column: the legacy sync runs until Q3, see the plan
      undocumented-column: ~

(or a list: ``ignore: [expired-column]``) silences the named rules for the
tables and columns the ADR concerns (a table covers its columns), for
findings located in the ADR, and for findings located in the migrations the
ADR names.

An ignore that silences nothing, or names no rule, is an ``unused-ignore``
finding at its own line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..join.wiki import resolve_ref
from ..model import Adr, Finding, Ignore, Location, Migration, Silenced, Table, Wiki
from ..sources.statements import lex_pieces
from . import Context, unused_ignore

_COMMENT = re.compile(
    r"schema-wiki:\s*(?P<kind>ignore-file|ignore)(?![\w-])[ \t]*(?P<rest>.*)$", re.IGNORECASE
)
_MARK = re.compile("schema-wiki", re.IGNORECASE)
_RULES = re.compile(
    r"(?P<rules>[a-z0-9_-]+(?:\s*,\s*[a-z0-9_-]+)*)\s*(?P<reason>.*)$", re.IGNORECASE
)


@dataclass
class _Scope:
    """What one ignore covers."""

    ignore: Ignore
    #: path -> (first line, last line) ranges; None for a whole file.
    lines: dict[str, list[tuple[int, int] | None]] = field(default_factory=dict)
    #: Exact targets (``schema.table.column``, a migration or ADR id).
    targets: set[str] = field(default_factory=set)
    #: Targets whose children are covered too (a table covers its columns).
    prefixes: set[str] = field(default_factory=set)
    #: Set when the ignore cannot match anything, with the reason why.
    broken: str | None = None
    used: bool = False

    def covers(self, finding: Finding, at_statement: bool) -> bool:
        """True when this ignore silences ``finding``.

        A finding that points at a statement is matched by where it is: an
        ignore in a migration covers it only when it covers that statement.
        Targets match findings that point elsewhere (a header line, the
        catalog) and, for ADR ignores, every finding.
        """
        if finding.rule != self.ignore.rule or self.broken:
            return False
        by_target = not at_statement or self.ignore.scope == "adr"
        if by_target and finding.target in self.targets:
            return True
        if by_target and any(finding.target.startswith(p + ".") for p in self.prefixes):
            return True
        loc = finding.location
        if loc is None or loc.path not in self.lines:
            return False
        for span in self.lines[loc.path]:
            if span is None or (loc.line is not None and span[0] <= loc.line <= span[1]):
                return True
        return False


def apply_ignores(
    wiki: Wiki, findings: Iterable[Finding], context: Context
) -> tuple[list[Finding], list[Silenced], list[Finding]]:
    """Split ``findings`` into (kept, silenced); also return the ``unused-ignore`` findings."""
    from . import rule

    scopes = [*_migration_scopes(wiki), *_adr_scopes(wiki, context)]
    for scope in scopes:
        if scope.broken is None and rule(scope.ignore.rule) is None:
            scope.broken = f"names no rule {scope.ignore.rule!r}"
    statements = _statement_lines(wiki)
    # Index the scopes by what can make them match, so each finding tries a few.
    index: dict[tuple[str, str], list[int]] = {}
    for number, scope in enumerate(scopes):
        for key in {*scope.lines, *scope.targets, *scope.prefixes}:
            index.setdefault((scope.ignore.rule, key), []).append(number)
    kept: list[Finding] = []
    silenced: list[Silenced] = []
    for finding in findings:
        loc = finding.location
        at_statement = loc is not None and (loc.path, loc.line) in statements
        keys = [finding.target, *_prefixes(finding.target), *([loc.path] if loc else [])]
        candidates = sorted({n for k in keys for n in index.get((finding.rule, k), ())})
        match = next(
            (scopes[n] for n in candidates if scopes[n].covers(finding, at_statement)), None
        )
        if match is None:
            kept.append(finding)
            continue
        match.used = True
        silenced.append(Silenced(finding, match.ignore))
    unused = [_unused(s) for s in scopes if not s.used]
    return kept, silenced, unused


def _prefixes(target: str) -> list[str]:
    """``public.users`` for ``public.users.email``: what a table-wide ignore is keyed by."""
    parts = target.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _unused(scope: _Scope) -> Finding:
    ignore = scope.ignore
    why = scope.broken or f"no {ignore.rule} finding is in its scope ({_scope_text(ignore)})"
    return Finding(
        unused_ignore.NAME,
        unused_ignore.LEVEL,
        ignore.owner,
        f"the ignore of {ignore.rule} silences nothing: {why}; remove it",
        ignore.location,
    )


def _scope_text(ignore: Ignore) -> str:
    return {
        "statement": "the statement after it",
        "file": "its file",
        "adr": "the ADR's tables, columns and migrations",
    }.get(ignore.scope, ignore.scope)


# --- migrations -------------------------------------------------------------------------


def _migration_scopes(wiki: Wiki) -> Iterator[_Scope]:
    targets: dict[Location, set[str]] | None = None
    for migration in wiki.migrations:
        for index, file in enumerate(migration.files):
            if not _MARK.search(file.sql):
                continue
            if targets is None:
                targets = _statement_targets(wiki)
            statements = sorted(
                (s for s in migration.statements if s.location.path == file.path),
                key=lambda s: s.location.line or 0,
            )
            spans = [
                (s.location.line or 1, (s.location.line or 1) + s.sql.count("\n"), s.location)
                for s in statements
            ]
            for line, text in line_comments(file.sql):
                m = _COMMENT.search(text)
                if m is None:
                    continue
                whole_file = m.group("kind").lower() == "ignore-file"
                yield from _scopes_for_comment(
                    migration, index, file.path, line, m.group("rest"), spans, targets, whole_file
                )


def _scopes_for_comment(
    migration: Migration,
    file_index: int,
    path: str,
    line: int,
    rest: str,
    spans: list[tuple[int, int, Location]],
    targets: dict[Location, set[str]],
    whole_file: bool,
) -> list[_Scope]:
    where = Location(path, line)
    parsed = _RULES.match(rest.strip())
    if parsed is None:
        broken = Ignore("?", "", where, "statement", migration.id)
        why = "it names no rule; write 'schema-wiki: ignore <rule> <reason>'"
        return [_Scope(broken, broken=why)]
    rules = [r.strip().lower() for r in parsed.group("rules").split(",")]
    reason = parsed.group("reason").strip()
    current = next((s for s in spans if s[0] <= line <= s[1]), None)
    following = next((s for s in spans if s[0] > line), None)
    out: list[_Scope] = []
    for name in rules:
        if whole_file:
            ignore = Ignore(name, reason, where, "file", migration.id)
            scope = _Scope(ignore, lines={path: [None]})
            for _first, _last, loc in spans:
                scope.targets |= targets.get(loc, set())
            if file_index == 0:
                scope.targets.add(migration.id)
            scope.targets.add(path)
        else:
            ignore = Ignore(name, reason, where, "statement", migration.id)
            span = current or following
            scope = _Scope(ignore)
            if span is None:
                scope.broken = "no statement follows it"
            else:
                scope.lines = {path: [(span[0], span[1])]}
                scope.targets = set(targets.get(span[2], set()))
        out.append(scope)
    return out


def _statement_lines(wiki: Wiki) -> set[tuple[str, int | None]]:
    """(path, line) of every line of every migration statement."""
    out: set[tuple[str, int | None]] = set()
    for migration in wiki.migrations:
        for statement in migration.statements:
            first = statement.location.line or 1
            for line in range(first, first + statement.sql.count("\n") + 1):
                out.add((statement.location.path, line))
    return out


def _statement_targets(wiki: Wiki) -> dict[Location, set[str]]:
    """Statement location -> the tables and columns (today's names) it created or changed."""
    out: dict[Location, set[str]] = {}

    def add(table: Table) -> None:
        for event in table.history:
            out.setdefault(event.location, set()).add(table.qualified)
        for column in [*table.columns, *table.dropped_columns]:
            for event in column.history:
                out.setdefault(event.location, set()).add(f"{table.qualified}.{column.name}")

    for table in [*wiki.tables, *wiki.dropped_tables]:
        add(table)
    return out


def line_comments(sql: str) -> Iterator[tuple[int, str]]:
    """(line, text after ``--``) of every ``--`` comment outside strings and block comments."""
    line, counted = 1, 0
    for kind, start, end in lex_pieces(sql):
        if kind == "comment" and sql.startswith("--", start):
            line += sql.count("\n", counted, start)
            counted = start
            yield line, sql[start + 2 : end]


# --- ADRs -----------------------------------------------------------------------------


def _adr_scopes(wiki: Wiki, context: Context) -> Iterator[_Scope]:
    for adr in wiki.adrs:
        raw = adr.meta.get("ignore")
        if raw is None:
            continue
        lines = _front_matter_lines(adr, context)
        entries = list(_adr_entries(raw))
        if not entries:
            where = Location(adr.path, lines.get("ignore"))
            broken = Ignore("?", "", where, "adr", adr.id)
            yield _Scope(
                broken,
                broken="'ignore:' should list rule names, or map rule names to reasons",
            )
            continue
        for name, reason in entries:
            where = Location(adr.path, lines.get(name, lines.get("ignore")))
            scope = _Scope(Ignore(name, reason, where, "adr", adr.id))
            _fill_adr_scope(wiki, adr, scope)
            yield scope


def _adr_entries(raw: object) -> Iterator[tuple[str, str]]:
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, dict):
        for key, value in raw.items():
            yield str(key).strip().lower(), "" if value is None else str(value).strip()
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                yield from _adr_entries(item)
            elif isinstance(item, str) and item.strip():
                name, _, reason = item.strip().partition(" ")
                yield name.lower(), reason.strip()


def _fill_adr_scope(wiki: Wiki, adr: Adr, scope: _Scope) -> None:
    scope.targets.add(adr.id)
    scope.lines[adr.path] = [None]
    for ref in adr.refs:
        table, column, _exists = resolve_ref(wiki, ref)
        if table is None:
            continue
        if column is None:
            scope.targets.add(table.qualified)
            scope.prefixes.add(table.qualified)
        else:
            scope.targets.add(f"{table.qualified}.{column}")
    for migration_id in wiki.adr_migrations.get(adr.id, []):
        migration = wiki.migration(migration_id)
        if migration is None:
            continue
        scope.targets.add(migration.id)
        for file in migration.files:
            scope.lines[file.path] = [None]


def _front_matter_lines(adr: Adr, context: Context) -> dict[str, int]:
    """Line of the ``ignore:`` key and of each rule name under it, read from the file."""
    if context.root is None:
        return {}
    try:
        text = (context.root / adr.path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return {}
    out: dict[str, int] = {}
    inside = False
    for number, text_line in enumerate(lines[1:], start=2):
        if text_line.strip() in ("---", "..."):
            break
        if re.match(r"^ignore\s*:", text_line):
            out["ignore"] = number
            inside = True
            rest = text_line.split(":", 1)[1]
            for name in re.findall(r"[a-z0-9][a-z0-9-]*[a-z0-9]", rest.lower()):
                out.setdefault(name, number)
            continue
        if inside:
            if text_line and not text_line[0].isspace() and not text_line.startswith("-"):
                inside = False
                continue
            m = re.match(r"^\s*(?:-\s*)?([A-Za-z0-9-]+)", text_line)
            if m:
                out.setdefault(m.group(1).lower(), number)
    return out


__all__ = ["apply_ignores", "line_comments"]
