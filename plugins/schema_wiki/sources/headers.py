"""Read the header comment a migration starts with, and the dates written in it.

## Where the header is

The header is every comment before the file's first *schema-changing*
statement, written as ``--`` lines or ``/* ... */`` blocks (a leading ``*``
on block lines is decoration). Transaction control and session settings may
stand before, between or after its lines; they do not end it:

```sql
BEGIN;
SET LOCAL lock_timeout = '5s';
-- Migration: Add legacy_id column
-- Date: 15 August 2024
ALTER TABLE users ADD COLUMN legacy_id varchar(50);
```

Statements that never end the header: ``BEGIN`` / ``START TRANSACTION``,
``SET`` (``SET LOCAL``, ``SET ROLE``, ``SET search_path ...``), ``RESET``,
``SELECT pg_catalog.set_config(...)`` (as ``pg_dump`` writes it) and psql
commands (``\\set ON_ERROR_STOP on``). Tool directives (``-- migrate:up``,
``-- +goose Up``, ``--> statement-breakpoint``, ``--liquibase formatted
sql``) are skipped too, so a header may sit before or after them.

## Fields

Fields are ``Key: value`` lines whose key, matched without regard to case,
spaces, ``-`` or ``_``, is one of these (aliases in brackets):

* ``Migration`` (``Title``): what the migration does, in a line;
* ``Date``: when it was written or run (see the date forms below);
* ``Author`` (``Authors``): who to ask;
* ``Ticket`` (``Tickets``): the tracker issue(s);
* ``Context``: why, in as many lines as it takes;
* ``Expected lifespan`` (``Lifespan``): ``6 months``, ``1 year``, ``permanent``;
* ``Can drop after`` (``Drop after``, ``Can be dropped after``): a date,
  ``never``, or one date per column;
* ``Dependencies`` (``Depends on``): what must be true before it runs;
* ``Related migrations`` (``Related``): other migrations, one per ``- item``
  line or comma separated;
* ``ADR`` (``ADRs``): the decision records it carries out (``0015``, ``ADR-015``);
* ``Risk``, ``Rollback``, ``Reviewers`` (``Reviewer``), ``Reviewed by``,
  ``Impact``, ``Duration``, ``Owner``: shown as written.

A value goes on over the following lines until a blank comment line or the
next key; a field whose value is still empty (``Context:`` alone on its
line) waits past blank lines for its text. List fields also get items: one
per ``- item`` line, or the comma-separated parts of the value.

Placeholders count as *not filled in*: an empty value, ``TODO``, ``TBD``,
``TBC``, ``FIXME``, ``XXX``, ``???``, ``...``, ``none``, ``n/a``, ``-`` and
an unfilled ``<ticket>`` or ``{ticket}``, also at the start of a longer
value (``TODO: why this change is needed``). ``missing-header-field``
reports a required field holding one, and ``ADR: none`` names no ADR.

## Dates

``Date``, ``Can drop after`` and the end of ``Expected lifespan: until ...``
accept these forms (month names in English, full or abbreviated, any case;
a leading weekday such as ``Tuesday`` is allowed):

| Form | Example |
|---|---|
| ISO 8601 | ``2024-08-15`` (a time may follow: ``2024-08-15 14:00``, ``2024-08-15T14:00Z``) |
| year first, slashes or dots | ``2024/08/15``, ``2024.08.15`` |
| day month year | ``15 August 2024``, ``15 Aug 2024``, ``15th August 2024``, ``15-Aug-2024`` |
| month day year | ``Aug 15 2024``, ``August 15, 2024``, ``Aug. 15th, 2024`` |

Numeric forms with the day and month both first (``08/07/2024``,
``15/08/2024``, ``8.7.24``) are never read: ``08/07/2024`` is 7 August in
one country and 8 July in the next, so they are reported instead of guessed.
Text may follow a date: ``Can drop after: 2024-08-15 (when the sync is off)``.

``Can drop after`` takes a date, ``never`` (also ``permanent``, ``none``,
``n/a``, ``-``), or one line per column:

```sql
-- Can drop after:
-- - users.legacy_id: 15 August 2024
-- - public.users.legacy_code: 2024-09-01
```

A plain date applies to every column the migration adds. ``Expected
lifespan`` counts from the migration's ``Date`` (or the date its version
encodes) in days, weeks, months or years (``6 months``, ``a year``, ``two
weeks``), or names its end (``until 15 August 2024``); ``permanent``,
``forever``, ``indefinite`` and ``never`` mean no end.

A ``Can drop after`` or ``Expected lifespan`` that cannot be read is an
``invalid-drop-date`` **error** naming the file and line, since a lost drop
date silently disarms the ``expired-column`` gate; so is a lifespan with no
date to count from. An unreadable ``Date`` is an ``invalid-date`` warning.
Nothing here raises, whatever the text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ..model import Finding, HeaderField, Level, Location, MigrationHeader

__all__ = [
    "DATE_FORMS",
    "KNOWN_FIELDS",
    "LIFESPAN_FORMS",
    "LIST_FIELDS",
    "Lifespan",
    "add_months",
    "column_date",
    "date_problem",
    "header_lines",
    "is_placeholder",
    "parse_header",
    "read_date",
    "read_lifespan",
]

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
_NO_DATE = frozenset({"never", "n/a", "na", "none", "permanent", "-", "no", "nothing"})
_NO_END = frozenset({*_NO_DATE, "forever", "indefinite", "indefinitely", "unlimited", "infinite"})

_KEY = re.compile(r"^\**\s*([A-Za-z][A-Za-z0-9 _\-]{0,40}?)\s*\**\s*:(?:\s+|$)(.*)$")
_BULLET = re.compile(r"^[-*•+]\s+(.*)$")
_DIRECTIVE = re.compile(
    r"^(?:>\s*statement-breakpoint|\s*migrate:|\s*\+goose\b|\s*\+migrate\b"
    r"|\s*liquibase\s+formatted\s+sql\b)",
    re.IGNORECASE,
)
_COLUMN_DATE = re.compile(
    r"^((?:[A-Za-z_\"][\w$\"]*\.){1,2}[A-Za-z_\"][\w$\"]*)\s*(?::|=|\s)\s*(\S.*)$"
)

# --- placeholders -------------------------------------------------------------------

_PLACEHOLDER_WORDS = frozenset(
    {"todo", "tbd", "tbc", "tba", "fixme", "xxx", "none", "n/a", "na", "-", "--", "—", "?"}
)
_PLACEHOLDER_START = re.compile(r"^(?:todo|tbd|tbc|tba|fixme|xxx)\b", re.IGNORECASE)
_TEMPLATE = re.compile(r"^(?:<[^<>]*>|\{[^{}]*\}|\?+|\.{2,}|…)$")


def is_placeholder(value: str | None) -> bool:
    """Whether a header value is a stand-in rather than an answer.

    Empty, ``TODO``, ``TBD``, ``TBC``, ``FIXME``, ``XXX``, ``none``, ``n/a``,
    ``-``, ``?``, ``...``, ``<ticket>`` or ``{ticket}``; ``TODO`` and its
    kin also at the start of a longer value (``TODO: why this is needed``).
    """
    if value is None:
        return True
    text = value.strip()
    if not text:
        return True
    lowered = text.lower().rstrip(".")
    if lowered in _PLACEHOLDER_WORDS or text.lower() in _PLACEHOLDER_WORDS:
        return True
    return bool(_PLACEHOLDER_START.match(text) or _TEMPLATE.match(text))


# --- dates --------------------------------------------------------------------------

#: The date forms `read_date` accepts, for messages.
DATE_FORMS = "2024-08-15, 2024/08/15, 15 August 2024, 15 Aug 2024, Aug 15 2024 or August 15, 2024"
#: The lifespan forms `read_lifespan` accepts, for messages.
LIFESPAN_FORMS = "6 months, 2 weeks, 90 days, 1 year, 'until 2024-08-15' or permanent"

_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        calendar.month_name[number].lower(),
        calendar.month_abbr[number].lower(),
    )
}
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_WEEKDAY = re.compile(
    r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?,?\s+",
    re.IGNORECASE,
)
_END = r"(?=$|[^\w]|T\d)"
_YEAR_FIRST = re.compile(
    r"^(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})" + _END
)
_DAY_FIRST = re.compile(
    r"^(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?(?:\s+of)?[\s\-/]+"
    + _MONTH
    + r",?[\s\-/]+(?P<year>\d{4})"
    + _END,
    re.IGNORECASE,
)
_MONTH_FIRST = re.compile(
    r"^" + _MONTH + r"[\s\-]+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})" + _END,
    re.IGNORECASE,
)
_AMBIGUOUS = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?!\d)")
_ISO_SHAPE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")


def _build(year: str, month: str, day: str) -> dt.date | None:
    number = int(month) if month.isdigit() else _MONTHS.get(month.lower())
    if number is None:
        return None
    try:
        return dt.date(int(year), number, int(day))
    except ValueError:
        return None


def read_date(text: str | None) -> dt.date | None:
    """The date at the start of ``text`` in one of the `DATE_FORMS`, or None.

    Text may follow the date (``2024-08-15 (when done)``, ``2024-08-15
    14:00``); a weekday may precede it. Day and month written as two numbers
    first (``08/07/2024``) are ambiguous and never read.
    """
    if not text:
        return None
    head = _WEEKDAY.sub("", text.strip(), count=1)
    for pattern in (_YEAR_FIRST, _DAY_FIRST, _MONTH_FIRST):
        m = pattern.match(head)
        if m:
            return _build(m.group("year"), m.group("month"), m.group("day"))
    return None


def date_problem(text: str) -> str:
    """Why `read_date` cannot read ``text``, as the end of a sentence."""
    head = _WEEKDAY.sub("", text.strip(), count=1)
    if _AMBIGUOUS.match(head):
        return "is ambiguous (day/month or month/day?) and is not guessed"
    if _ISO_SHAPE.match(head) or any(p.match(head) for p in (_DAY_FIRST, _MONTH_FIRST)):
        return "is not a real calendar date"
    return "is not a date"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
}
_DURATION = re.compile(
    r"^(?:about\s+|approx(?:imately|\.)?\s+|~\s*)?(?P<count>\d+|"
    + "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))
    + r")[\s-]*(?P<unit>day|week|month|year)s?\b",
    re.IGNORECASE,
)
_UNTIL = re.compile(r"^(?:until|till|through|to|ends?|ending)\s+(?:on\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Lifespan:
    """What ``Expected lifespan`` says: a length from the migration's date, or an end date."""

    count: int = 0
    #: ``day``, ``week``, ``month`` or ``year``; empty with ``until``.
    unit: str = ""
    until: dt.date | None = None

    def end(self, start: dt.date) -> dt.date:
        """The last day of the lifespan counted from ``start``."""
        if self.until is not None:
            return self.until
        if self.unit == "day":
            return start + dt.timedelta(days=self.count)
        if self.unit == "week":
            return start + dt.timedelta(weeks=self.count)
        if self.unit == "month":
            return add_months(start, self.count)
        return add_months(start, 12 * self.count)


def read_lifespan(text: str | None) -> Lifespan | None:
    """``6 months``, ``a year``, ``until 15 August 2024``... as a `Lifespan`; None if unreadable
    or if the lifespan has no end (check `lifespan_has_no_end` first)."""
    if not text:
        return None
    head = text.strip()
    m = _DURATION.match(head)
    if m:
        raw = m.group("count").lower()
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        return Lifespan(count=count, unit=m.group("unit").lower())
    until = _UNTIL.match(head)
    if until:
        day = read_date(head[until.end() :])
        if day is not None:
            return Lifespan(until=day)
    day = read_date(head)
    return Lifespan(until=day) if day is not None else None


def lifespan_has_no_end(text: str) -> bool:
    """``permanent``, ``forever``, ``never``... (also followed by an explanation)."""
    first = re.split(r"[\s(,;:]", text.strip().lower(), maxsplit=1)[0].rstrip(".")
    return first in _NO_END or text.strip().lower().rstrip(".") in _NO_END


def column_date(line: str) -> tuple[str, str] | None:
    """``users.legacy_id: 15 August 2024`` -> (``users.legacy_id``, ``15 August 2024``)."""
    m = _COLUMN_DATE.match(line.strip())
    return (m.group(1), m.group(2)) if m else None


# --- header lines -------------------------------------------------------------------

# Statements that may stand before the header's fields without ending it: they
# change no schema (transaction control, session settings, psql commands).
_SETTING = re.compile(
    r"^(?:begin\b|start\s+transaction\b|set\b|reset\b"
    r"|select\s+(?:pg_catalog\.)?set_config\s*\()",
    re.IGNORECASE,
)
_PSQL = re.compile(r"^\\[A-Za-z]")


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


def _skip_setting(text: str, quoted: bool) -> tuple[str | None, bool]:
    """Inside a setting statement: (the text after its ``;``, or None: it goes on; quoted)."""
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if quoted:
            if ch == "'":
                if i + 1 < n and text[i + 1] == "'":
                    i += 2
                    continue
                quoted = False
        elif ch == "'":
            quoted = True
        elif ch == ";":
            return text[i + 1 :], False
        elif text.startswith("--", i):
            return None, False
        i += 1
    return None, quoted


def header_lines(sql: str) -> list[tuple[int, str | None]]:
    """The header comment's lines as (1-based line, text), ``None`` for a blank line.

    Comment markers are removed; the lines stop where the first statement
    that is not transaction control or a session setting starts (such
    statements' lines count as blank lines). Tool directives are left out.
    """
    out: list[tuple[int, str | None]] = []
    depth = 0
    # Inside a BEGIN / SET ... statement that has not reached its ";" yet.
    setting = False
    quoted = False
    for number, raw in enumerate(sql.split("\n"), start=1):
        line = raw.rstrip("\r")
        if number == 1:
            line = line.lstrip("\ufeff")
        rest = line
        pieces: list[str] = []
        blanked = False
        while True:
            if depth:
                text, rest, depth = _block_text(rest, depth)
                if not blanked:
                    pieces.append(text)
                if depth:
                    break
                if not rest.strip():
                    break
                continue
            if setting:
                after, quoted = _skip_setting(rest, quoted)
                blanked = True
                if after is None:
                    break
                setting = False
                rest = after
                continue
            stripped = rest.strip()
            if not stripped:
                break
            if stripped.startswith("--"):
                # A comment after BEGIN; or SET ...; on its line says nothing of the header.
                if not blanked:
                    pieces.append(stripped[2:])
                break
            if stripped.startswith("/*"):
                depth = 1
                rest = stripped[2:]
                continue
            if stripped.startswith(";"):
                rest = stripped[1:]
                continue
            if _PSQL.match(stripped):
                blanked = True
                break
            if _SETTING.match(stripped):
                setting, quoted, blanked = True, False, True
                rest = stripped
                continue
            # A schema-changing statement: the header ended on this line (a comment
            # before it still counts).
            if pieces:
                _add(out, number, pieces)
            return out
        if blanked and not any(p.strip() for p in pieces):
            out.append((number, None))
            continue
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


# --- fields -------------------------------------------------------------------------


def parse_header(sql: str, path: str) -> tuple[MigrationHeader, list[Finding]]:
    """The header of the migration file ``path`` whose text is ``sql``.

    Returns the fields (``Date`` and a plain ``Can drop after`` with their
    `HeaderField.date` read) and the findings about them (``invalid-date``,
    ``invalid-drop-date``). Never raises: text that is not a header simply
    yields no fields.
    """
    return parse_header_lines(header_lines(sql), path)


def parse_header_lines(
    lines: list[tuple[int, str | None]], path: str
) -> tuple[MigrationHeader, list[Finding]]:
    """`parse_header` of lines `header_lines` (or a tool's own reader) produced."""
    opened: list[_Open] = []
    seen: set[str] = set()
    current: _Open | None = None
    for number, text in lines:
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
        kept = list(item.lines)
        while kept and not kept[0]:
            kept.pop(0)
        value = "\n".join(kept).strip()
        day: dt.date | None = None
        if item.key in ("date", "can drop after"):
            first = value.split("\n")[0].strip()
            day = read_date(first) if first and not _BULLET.match(first) else None
        field = HeaderField(
            key=KNOWN_FIELDS[item.key],
            value=value,
            line=item.line,
            items=_items(item.key, kept),
            date=day,
        )
        fields[item.key] = field
    findings.extend(_check_dates(fields, path))
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
    return tuple(i for i in items if i and not is_placeholder(i))


def _check_dates(fields: dict[str, HeaderField], path: str) -> list[Finding]:
    out: list[Finding] = []
    date = fields.get("date")
    if date is not None and date.date is None and not is_placeholder(date.value):
        shown = date.value.split("\n")[0]
        out.append(
            _finding(
                "invalid-date",
                Level.WARNING,
                Location(path, date.line),
                f"Date: '{_short(shown)}' {date_problem(shown)}; write it as one of {DATE_FORMS}",
            )
        )
    drop = fields.get("can drop after")
    readable_drop = False
    if drop is not None:
        problems = _drop_problems(drop)
        readable_drop = not problems and not is_placeholder(drop.value)
        out.extend(
            _finding("invalid-drop-date", Level.ERROR, Location(path, drop.line), message)
            for message in problems
        )
    lifespan = fields.get("expected lifespan")
    if lifespan is not None and not readable_drop:
        text = lifespan.value.split("\n")[0].strip()
        if (
            text
            and not is_placeholder(text)
            and not lifespan_has_no_end(text)
            and read_lifespan(text) is None
        ):
            out.append(
                _finding(
                    "invalid-drop-date",
                    Level.ERROR,
                    Location(path, lifespan.line),
                    f"Expected lifespan: '{_short(text)}' cannot be read, so no column of this"
                    " migration gets a drop date and the expired-column gate never fires;"
                    f" write a length or an end: {LIFESPAN_FORMS} (dates: {DATE_FORMS})",
                )
            )
    return out


def _drop_problems(field: HeaderField) -> list[str]:
    """What cannot be read in a ``Can drop after`` field, one message each."""
    lost = "its drop date is lost and the expired-column gate never fires"
    out: list[str] = []
    first = field.value.split("\n")[0].strip()
    if first and not _BULLET.match(first) and field.date is None:
        bare = first.lower().rstrip(".")
        if not (bare in _NO_DATE or is_placeholder(first) or lifespan_has_no_end(first)):
            per_column = column_date(first)
            if per_column is None:
                out.append(
                    f"Can drop after: '{_short(first)}' {date_problem(first)}; {lost};"
                    f" write one of {DATE_FORMS}, or 'never'"
                )
            elif read_date(per_column[1]) is None:
                out.append(_column_problem(per_column[0], per_column[1], lost))
    for entry in field.items:
        per_column = column_date(entry)
        if per_column is None:
            if read_date(entry) is None:
                out.append(
                    f"Can drop after: '{_short(entry)}' is not 'table.column: date'; {lost};"
                    " write one column and its date per line, for example"
                    " '- users.legacy_id: 2024-08-15'"
                )
        elif read_date(per_column[1]) is None:
            out.append(_column_problem(per_column[0], per_column[1], lost))
    return out


def _column_problem(column: str, text: str, lost: str) -> str:
    return (
        f"Can drop after ({column}): '{_short(text)}' {date_problem(text)}; {lost};"
        f" write one of {DATE_FORMS}"
    )


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def _finding(rule: str, level: Level, where: Location, message: str) -> Finding:
    return Finding(rule=rule, level=level, target=where.path, message=message, location=where)
