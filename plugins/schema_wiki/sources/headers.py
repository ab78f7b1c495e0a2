"""Read the header comment a migration starts with.

The header is every comment before the file's first statement, written as
``--`` lines or ``/* ... */`` blocks (a leading ``*`` on block lines is
decoration). Fields are ``Key: value`` lines whose key, matched without regard
to case, spaces, ``-`` or ``_``, is one of `KNOWN_FIELDS` or an alias
(``ADRs``, ``Depends on``, ``Drop after``, ...). A value goes on over the
following lines until a blank comment line or the next key; a field whose
value is still empty (``Context:`` alone on its line) waits past blank lines
for its text. List fields also get ``items``: one per ``- item`` line, or the
comma-separated parts of the value; ``none`` or ``n/a`` means no items.

Per-column drop dates: ``Can drop after:`` followed by ``- table.column:
YYYY-MM-DD`` lines (``schema.table.column`` too), each line an item; a plain
``Can drop after: YYYY-MM-DD`` applies to every column the migration adds.

Tool directives (``-- migrate:up``, ``-- +goose Up``, ``--> statement-breakpoint``)
are skipped, so a header may sit before or after them. Dates that are not
real ``YYYY-MM-DD`` dates are reported as ``invalid-date`` warnings; nothing
here raises, whatever the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Finding, HeaderField, Level, Location, MigrationHeader, parse_date

__all__ = ["KNOWN_FIELDS", "LIST_FIELDS", "header_lines", "parse_header"]

#: Canonical spelling of every field, keyed by its lower-case name.
KNOWN_FIELDS: dict[str, str] = {
    name.lower(): name
    for name in (
        "Migration",
        "Date",
        "Author",
        "Ticket",
        "Context",
        "Expected lifespan",
        "Can drop after",
        "Dependencies",
        "Related migrations",
        "ADR",
        "Risk",
        "Rollback",
        "Reviewers",
        "Reviewed by",
        "Impact",
        "Duration",
        "Owner",
        # The scheduled run in production (schema-wiki review, freeze windows, calendar).
        "When",
    )
}
_ALIASES = {
    "adrs": "adr",
    "depends on": "dependencies",
    "dependency": "dependencies",
    "related": "related migrations",
    "related migration": "related migrations",
    "drop after": "can drop after",
    "can be dropped after": "can drop after",
    "lifespan": "expected lifespan",
    "reviewer": "reviewers",
    "authors": "author",
    "tickets": "ticket",
    "title": "migration",
    "scheduled": "when",
    "scheduled for": "when",
    "run at": "when",
}
#: Fields whose value is a list (``items``).
LIST_FIELDS = frozenset({"dependencies", "related migrations", "adr", "reviewers", "ticket"})
# Fields whose items come only from "- item" lines (their values hold commas of their own).
_BULLET_ONLY_FIELDS = frozenset({"can drop after"})
_DATE_FIELDS = ("date", "can drop after")
_NO_ITEMS = frozenset({"none", "n/a", "na", "-", "nothing", "no"})
_NO_DATE = frozenset({"never", "n/a", "na", "none", "permanent", "-", "no"})

_KEY = re.compile(r"^\**\s*([A-Za-z][A-Za-z0-9 _\-]{0,40}?)\s*\**\s*:(?:\s+|$)(.*)$")
_BULLET = re.compile(r"^[-*•+]\s+(.*)$")
_DIRECTIVE = re.compile(
    r"^(?:>\s*statement-breakpoint|\s*migrate:|\s*\+goose\b|\s*\+migrate\b)", re.IGNORECASE
)
_ISO_SHAPE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}\b")
_COLUMN_DATE = re.compile(
    r"^((?:[A-Za-z_\"][\w$\"]*\.){1,2}[A-Za-z_\"][\w$\"]*)\s*(?::|=|\s)\s*(\S.*)$"
)


@dataclass
class _Open:
    key: str
    line: int
    lines: list[str]
    #: A blank line came while the value was still empty.
    waited: bool = False

    @property
    def empty(self) -> bool:
        return not any(part.strip() for part in self.lines)


def header_lines(sql: str) -> list[tuple[int, str | None]]:
    """The header comment's lines as (1-based line, text), ``None`` for a blank line.

    Comment markers are removed; the lines stop where the first statement
    starts. Tool directives are left out.
    """
    out: list[tuple[int, str | None]] = []
    depth = 0
    for number, raw in enumerate(sql.split("\n"), start=1):
        line = raw.rstrip("\r")
        if number == 1:
            line = line.lstrip("\ufeff")
        rest = line
        pieces: list[str] = []
        while True:
            if depth:
                text, rest, depth = _block_text(rest, depth)
                pieces.append(text)
                if depth:
                    break
                if not rest.strip():
                    break
                continue
            stripped = rest.strip()
            if not stripped:
                break
            if stripped.startswith("--"):
                pieces.append(stripped[2:])
                break
            if stripped.startswith("/*"):
                depth = 1
                rest = stripped[2:]
                continue
            # Code: the header ended on this line (a comment before it still counts).
            if pieces:
                _add(out, number, pieces)
            return out
        _add(out, number, pieces)
    return out


def _block_text(text: str, depth: int) -> tuple[str, str, int]:
    """Inside a ``/* */`` block: (comment text, rest after the block, new depth)."""
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return text[: i - 2], text[i:], 0
        else:
            i += 1
    return text, "", depth


_OUR_DIRECTIVE = re.compile(r"schema-wiki\s*:", re.IGNORECASE)


def _add(out: list[tuple[int, str | None]], number: int, pieces: list[str]) -> None:
    text = " ".join(p for p in pieces if p.strip())
    if not pieces:
        out.append((number, None))
        return
    stripped = text.strip()
    # A block comment's lines often start with " * " as decoration.
    if stripped.startswith("*") and not stripped.startswith("**"):
        stripped = stripped[1:].strip()
    if _DIRECTIVE.match(text):
        return
    if _OUR_DIRECTIVE.match(stripped):
        # "-- schema-wiki: ignore ..." is an instruction, never part of a field:
        # it ends the field above it like a blank comment line does.
        out.append((number, None))
        return
    out.append((number, stripped or None))


def _canonical(key: str) -> str | None:
    name = " ".join(key.lower().replace("_", " ").replace("-", " ").split())
    name = _ALIASES.get(name, name)
    return name if name in KNOWN_FIELDS else None


def parse_header(sql: str, path: str) -> tuple[MigrationHeader, list[Finding]]:
    """The header of the migration file ``path`` whose text is ``sql``.

    Returns the fields and the findings about them (``invalid-date``). Never
    raises: text that is not a header simply yields no fields.
    """
    opened: list[_Open] = []
    seen: set[str] = set()
    current: _Open | None = None
    for number, text in header_lines(sql):
        if text is None:
            if current is not None:
                if current.empty:
                    current.waited = True
                else:
                    current = None
            continue
        match = _KEY.match(text)
        key = _canonical(match.group(1)) if match else None
        if match and key:
            if key in seen:
                # A repeated key starts nothing: the first one stands.
                current = None
                continue
            seen.add(key)
            current = _Open(key, number, [match.group(2).strip()])
            opened.append(current)
            continue
        if current is None:
            continue
        if current.waited and current.key in LIST_FIELDS and not _BULLET.match(text):
            # "Related migrations:" then a blank line then prose: the list was empty.
            current = None
            continue
        current.lines.append(text.strip())

    fields: dict[str, HeaderField] = {}
    findings: list[Finding] = []
    for item in opened:
        lines = list(item.lines)
        while lines and not lines[0]:
            lines.pop(0)
        value = "\n".join(lines).strip()
        field = HeaderField(
            key=KNOWN_FIELDS[item.key],
            value=value,
            line=item.line,
            items=_items(item.key, lines),
        )
        fields[item.key] = field
        if item.key in _DATE_FIELDS:
            findings.extend(_check_dates(field, path))
    return MigrationHeader(fields=fields), findings


def _items(key: str, lines: list[str]) -> tuple[str, ...]:
    if key not in LIST_FIELDS and key not in _BULLET_ONLY_FIELDS:
        return ()
    items: list[str] = []
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            items.append(bullet.group(1).strip())
        elif key in LIST_FIELDS:
            items.extend(part.strip() for part in line.split(","))
    return tuple(i for i in items if i and i.lower().rstrip(".") not in _NO_ITEMS)


def _check_dates(field: HeaderField, path: str) -> list[Finding]:
    where = Location(path, field.line)
    out: list[Finding] = []
    if field.key == "Date":
        if field.value and parse_date(field.value) is None:
            out.append(_invalid(field.key, field.value, where))
        return out
    # Can drop after: one date, "never", or per-column "table.column: date" lines.
    first = field.value.split("\n")[0].strip()
    if first and not _BULLET.match(first):
        if first.lower().rstrip(".") in _NO_DATE:
            pass
        elif parse_date(first) is None:
            per_column = _COLUMN_DATE.match(first)
            if per_column is None or parse_date(per_column.group(2)) is None:
                shown = per_column.group(2) if per_column else first
                out.append(_invalid(field.key, shown, where))
    for entry in field.items:
        per_column = _COLUMN_DATE.match(entry)
        if per_column is None:
            if parse_date(entry) is None:
                out.append(
                    Finding(
                        rule="invalid-date",
                        level=Level.WARNING,
                        target=path,
                        message=(
                            f"{field.key}: '{entry}' is not 'table.column: YYYY-MM-DD';"
                            " write one column and its date per line, for example"
                            " '- users.legacy_id: 2024-08-15'"
                        ),
                        location=where,
                    )
                )
        elif parse_date(per_column.group(2)) is None:
            out.append(_invalid(f"{field.key} ({per_column.group(1)})", per_column.group(2), where))
    return out


def _invalid(key: str, value: str, where: Location) -> Finding:
    shown = value if len(value) <= 60 else value[:57] + "..."
    why = "is not a real calendar date" if _ISO_SHAPE.match(value) else "is not a date"
    return Finding(
        rule="invalid-date",
        level=Level.WARNING,
        target=where.path,
        message=f"{key}: '{shown}' {why}; write it as YYYY-MM-DD, for example 2024-08-15",
        location=where,
    )
