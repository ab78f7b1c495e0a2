"""Read Architecture Decision Records, whatever tool wrote them.

Layouts understood (one file may mix them):

* **MADR 3 and 4**: YAML front matter with ``status``, ``date``,
  ``decision-makers`` (MADR 4) or ``deciders`` (MADR 3), ``consulted``,
  ``informed``; the schema wiki's own keys ``tables``, ``columns``,
  ``migrations``; relations ``supersedes``, ``superseded-by``, ``amends``,
  ``amended-by``, ``relates-to`` (``_`` or a space instead of ``-`` too). An
  unfilled template value (``{YYYY-MM-DD when ...}``, which YAML reads as a
  mapping) counts as absent; an unquoted date (which YAML reads as a date) is
  a date.
* **MADR 2 and log4brains**: bullet metadata under the title
  (``* Status: accepted``, ``- Deciders: ...``, ``- Date: ...``, ``- Tags: ...``);
  log4brains names files ``YYYYMMDD-slug.md``, a date, not a number.
* **Nygard / adr-tools**: ``# 1. Title``, a ``Date:`` line, and a ``## Status``
  section whose lines state the status and the relations adr-tools writes
  (``Superseded by [3. Use X](0003-use-x.md)``, ``Amends [2. ...](...)``).
* **The seed's form**: ``# ADR-015: Title`` with a ``## Status`` section.

The number comes from the front matter (``number:``), else the file name
(``0015-split-users-table.md``, ``adr-15.md``), else the title. The status is
the first word of the value (``Accepted. Completed on ...`` is accepted),
lower-cased; ``draft`` reads as proposed. A status outside `STATUSES` is an
``invalid-status`` finding and the word is kept. Relations are read from the
front matter, the metadata bullets, the ``Status`` section and a ``Links`` /
``Related`` section; the join (`schema_wiki.adr_links`) resolves them.

Schema references: ``tables:`` and ``columns:`` in the front matter,
``table``, ``table.column``, ``schema.table`` and ``schema.table.column`` in
backticks, and links to a table page (``../schema/public/users.md#column-email``).

Nothing here raises on a bad file: problems are findings with file:line.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..model import Adr, AdrRelation, Finding, Level, Location, RelationKind, SchemaRef
from .headers import read_date

__all__ = [
    "BACKTICK_REF",
    "STATUSES",
    "load_adrs",
    "parse_adr",
    "parse_relation_text",
    "split_ref",
]

STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")
#: Status words other tools use, read as one of `STATUSES`.
STATUS_SYNONYMS = {"draft": "proposed", "superceded": "superseded", "approved": "accepted"}

#: Files in an ADR directory that are not ADRs.
NOT_ADRS = frozenset({"readme.md", "index.md", "template.md", "adr-template.md"})

_NUMBER_IN_NAME = re.compile(r"^(?:adr[-_]?)?(\d+)(?=$|[-_.\s])", re.IGNORECASE)
_NUMBER_IN_TITLE = re.compile(r"^\s*(?:ADR[-\s_]?)?(\d+)\s*[:.\-\u2013]\s*", re.IGNORECASE)
_ADR_PREFIX = re.compile(r"^ADR(?:[-\s_]?\d+\s*[:.\-\u2013]?|\s*[:\-\u2013])\s*", re.IGNORECASE)
_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HTML_COMMENT = re.compile(r"<!--.*?-->")
#: ``* Status: accepted`` / ``Date: 2024-01-01`` / ``- **Deciders:** A, B``
_META_LINE = re.compile(r"^\s*(?:[-*+]\s+)?\**([A-Za-z][A-Za-z -]{1,30}?)\**\s*:\**\s*(.*?)\s*$")
#: `table`, `table.column`, `schema.table` or `schema.table.column` in backticks:
#: identifiers only. A bare name counts only when it names a table (the join decides).
BACKTICK_REF = re.compile(r"`((?:[A-Za-z_][\w$]*\.){0,2}[A-Za-z_][\w$]*)`")
_MIGRATION_PATH = re.compile(r"migrations/([\w.-]+?)(?:/|\.sql\b|\s|$|\))")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_TABLE_PAGE = re.compile(
    r"(?:^|/)schema/(?:dropped/)?([^/#?]+)/([^/#?]+?)\.(?:md|html)(?:#column-([\w$-]+))?$"
)
_TABLE_PAGE_DIR = re.compile(
    r"(?:^|/)schema/(?:dropped/)?([^/#?]+)/([^/#?]+)/(?:#column-([\w$-]+))?$"
)

_RELATION_WORDS = re.compile(
    r"\b(supersedes|superseded[\s_-]+by|amends|amended[\s_-]+by|relates[\s_-]+to|related[\s_-]+to)\b",
    re.IGNORECASE,
)
_ADR_MENTION = re.compile(r"\bADR[-\s_]?#?(\d+)\b", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^\s*[:#]?\s*#?(\d{1,6})\b(?![-/.]\d)")
_RELATION_KEYS = {
    "supersedes": RelationKind.SUPERSEDES,
    "superseded by": RelationKind.SUPERSEDED_BY,
    "supersededby": RelationKind.SUPERSEDED_BY,
    "amends": RelationKind.AMENDS,
    "amended by": RelationKind.AMENDED_BY,
    "amendedby": RelationKind.AMENDED_BY,
    "relates to": RelationKind.RELATES_TO,
    "related to": RelationKind.RELATES_TO,
    "related": RelationKind.RELATES_TO,
    "relatesto": RelationKind.RELATES_TO,
    "related adrs": RelationKind.RELATES_TO,
}
_PEOPLE_KEYS = {
    "decision makers": "decision_makers",
    "deciders": "decision_makers",
    "consulted": "consulted",
    "informed": "informed",
}
_META_KEYS = frozenset(
    {"status", "date", "tags", "technical story", *_PEOPLE_KEYS, *_RELATION_KEYS}
)
#: Sections whose lines may state relations (besides ``Status``).
_LINK_SECTIONS = frozenset({"links", "related", "related decisions", "related adrs", "relations"})


@dataclass
class _Meta:
    """What the bullet metadata under the title says: key -> (value, line)."""

    values: dict[str, tuple[str, int]] = field(default_factory=dict)
    nygard_date: bool = False


def load_adrs(root: Path, directory: Path) -> tuple[list[Adr], list[Finding]]:
    """Read every ``*.md`` under ``directory`` (recursively), sorted by number then path.

    README, index and template files are skipped. A file that cannot be read
    becomes a finding (and an ADR holding only the error), never an exception.
    """
    adrs: list[Adr] = []
    findings: list[Finding] = []
    if not directory.is_dir():
        return adrs, findings
    for path in sorted(directory.rglob("*.md")):
        if path.name.lower() in NOT_ADRS or any(p.startswith(".") for p in path.parts[-2:]):
            continue
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            findings.append(
                Finding(
                    "invalid-file",
                    Level.ERROR,
                    path.stem,
                    f"cannot read: {exc.strerror}",
                    Location(rel),
                )
            )
            continue
        adr, cached_problems = _parse_adr_cached(data, rel, path.stem)
        problems = list(cached_problems)
        findings.extend(problems)
        if adr is not None:
            adrs.append(adr)
    adrs.sort(key=lambda a: (a.number is None, a.number or 0, a.date or dt.date.min, a.path))
    return adrs, findings


@functools.lru_cache(maxsize=4096)
def _parse_adr_cached(data: bytes, rel: str, stem: str) -> tuple[Adr | None, tuple[Finding, ...]]:
    """`parse_adr`, remembered by the file's bytes: a ``mkdocs serve`` rebuild after
    one ADR is saved parses only that one (YAML front matter is slow to read)."""
    adr, problems = parse_adr(data, rel, stem)
    return adr, tuple(problems)


def parse_adr(data: bytes, rel: str, stem: str) -> tuple[Adr | None, list[Finding]]:
    """Parse one ADR file's bytes. ``rel`` is its project-relative path, ``stem`` its id.

    Returns the ADR and findings about it. A file that is not UTF-8 still gives
    an ADR (with ``error`` set) so its page can show what is wrong.
    """
    findings: list[Finding] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        finding = Finding("invalid-file", Level.ERROR, stem, message, Location(rel, line))
        number, _ = _number_from_stem(stem)
        stub = Adr(
            id=stem,
            number=number,
            title=stem,
            status="proposed",
            date=None,
            path=rel,
            body="",
            error=message,
        )
        return stub, [finding]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body, body_line, error = _split_front_matter(text)
    if error:
        message, line = error
        findings.append(
            Finding("invalid-front-matter", Level.ERROR, stem, message, Location(rel, line))
        )
    lines = body.split("\n")
    title_index, raw_title = _title(lines)
    bullets = _bullet_meta(lines, title_index, body_line)
    sections = _sections(lines)

    number_from_stem, stem_date = _number_from_stem(stem)
    number = _number(meta, number_from_stem, raw_title)
    title = raw_title
    if title:
        stripped = _NUMBER_IN_TITLE.sub("", title, count=1) if number is not None else title
        title = _ADR_PREFIX.sub("", stripped, count=1) or stripped or title

    # --- status -------------------------------------------------------------------
    status_text, status_line = _status_text(meta, text, bullets, sections, lines, body_line)
    status, unknown = normalise_status(status_text)
    if unknown:
        findings.append(
            Finding(
                "invalid-status",
                Level.WARNING,
                stem,
                f"status {status_text!r} is not one of {', '.join(STATUSES)}; use one of them",
                Location(rel, status_line),
            )
        )

    # --- date ----------------------------------------------------------------------
    raw_date: object = meta.get("date")
    date_line = _meta_line(text, "date")
    if _absent(raw_date) and "date" in bullets.values:
        raw_date, date_line = bullets.values["date"]
    date, date_problem = normalise_date(raw_date)
    if date_problem:
        findings.append(
            Finding(
                "invalid-date",
                Level.WARNING,
                stem,
                f"date {date_problem!r} is not a date; write it as YYYY-MM-DD",
                Location(rel, date_line),
            )
        )
    if date is None and not date_problem:
        date = stem_date

    # --- people, tags --------------------------------------------------------------
    people: dict[str, list[str]] = {"decision_makers": [], "consulted": [], "informed": []}
    for key, value in meta.items():
        attr = _PEOPLE_KEYS.get(_normal_key(str(key)))
        if attr is not None:
            people[attr].extend(_as_list(value))
    for key, (value, _line) in bullets.values.items():
        attr = _PEOPLE_KEYS.get(key)
        if attr is not None:
            people[attr].extend(_as_list(value))
    tags = _as_list(meta.get("tags")) or _as_list(bullets.values.get("tags", ("", 0))[0])

    # --- relations ---------------------------------------------------------------
    relations = list(_front_matter_relations(meta, text, rel))
    for key, (value, line) in bullets.values.items():
        if key == "status" or key in _RELATION_KEYS:
            prefix = "" if key == "status" else key + " "
            relations.extend(parse_relation_text(prefix + value, Location(rel, line)))
    if isinstance(meta.get("status"), str) and not _absent(meta["status"]):
        relations.extend(
            parse_relation_text(str(meta["status"]), Location(rel, _meta_line(text, "status")))
        )
    for name, start, end in sections:
        if name == "status" or name in _LINK_SECTIONS:
            for i in range(start, end):
                relations.extend(parse_relation_text(lines[i], Location(rel, body_line + i)))
    relations = _dedupe(relations)

    # --- schema references and migrations ----------------------------------------
    refs = list(_front_matter_refs(meta, text, rel))
    refs.extend(_text_refs(lines, body_line, rel))
    migrations = tuple(dict.fromkeys([*_as_list(meta.get("migrations")), *_mentioned(body)]))

    if meta:
        fmt = "madr"
    elif bullets.values and not bullets.nygard_date:
        fmt = "bullets"
    elif bullets.nygard_date or any(name == "status" for name, _, _ in sections):
        fmt = "nygard"
    else:
        fmt = "plain"

    adr = Adr(
        id=stem,
        number=number,
        title=title or stem,
        status=status,
        date=date,
        path=rel,
        body=body,
        body_line=body_line,
        refs=tuple(refs),
        migrations=migrations,
        meta={str(k): plain(v) for k, v in meta.items()},
        relations=tuple(relations),
        decision_makers=tuple(dict.fromkeys(people["decision_makers"])),
        consulted=tuple(dict.fromkeys(people["consulted"])),
        informed=tuple(dict.fromkeys(people["informed"])),
        tags=tuple(dict.fromkeys(tags)),
        format=fmt,
    )
    return adr, findings


# --- front matter -------------------------------------------------------------------


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a date it cannot build (``2024-02-30``) stays
    text: an ``invalid-date`` finding on its line, not the whole front matter lost."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _split_front_matter(
    text: str,
) -> tuple[dict[str, object], str, int, tuple[str, int] | None]:
    """Return (meta, body, body's first line, (error message, line) or None)."""
    if not text.startswith("---\n"):
        return {}, text, 1, None
    end = re.search(r"^(?:---|\.\.\.)\s*$", text[4:], re.MULTILINE)
    if end is None:
        return {}, text, 1, ("front matter starts with --- but has no closing ---; add one", 1)
    body = text[4 + end.end() :].lstrip("\n")
    body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        # Read here rather than with python-frontmatter, which drops a front matter
        # that is not a mapping without a word.
        metadata = yaml.load(text[4 : 4 + end.start()], Loader=_FrontMatterLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return (
            {},
            body,
            body_line,
            (f"front matter is not valid YAML: {problem}; fix the YAML", line),
        )
    except Exception as exc:  # a value PyYAML cannot construct
        return {}, body, body_line, (f"front matter cannot be read: {exc}", 1)
    if metadata is None:
        return {}, body, body_line, None
    if not isinstance(metadata, dict):
        return {}, body, body_line, ("front matter must be a YAML mapping of keys to values", 2)
    return dict(metadata), body, body_line, None


def _meta_line(text: str, key: str) -> int:
    """The line of ``key:`` in the front matter (1 when absent)."""
    m = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE | re.IGNORECASE)
    return text[: m.start()].count("\n") + 1 if m else 1


def _item_line(text: str, key: str, item: str) -> int:
    """The line of one list item of ``key`` (its own ``- item`` line when it has one)."""
    start = _meta_line(text, key)
    lines = text.split("\n")
    for i in range(start, min(len(lines), start + 50)):
        line = lines[i]
        if not line.startswith((" ", "-", "\t")):
            break
        if item in line:
            return i + 1
    return start


def _normal_key(key: str) -> str:
    """``Decision-Makers`` / ``decision_makers`` -> ``decision makers``."""
    return re.sub(r"[\s_-]+", " ", key.strip().lower())


def _absent(value: object) -> bool:
    """True for a missing value or an unfilled template placeholder.

    MADR 3/4 placeholders are ``{...}`` (YAML reads an unquoted one as a
    mapping), MADR 2's are ``[...]``.
    """
    if value is None or isinstance(value, dict):
        return True
    if isinstance(value, str):
        v = value.strip()
        return not v or v.startswith("{") or (v.startswith("[") and v.endswith("]"))
    return False


def _as_list(value: object) -> list[str]:
    """A front matter or bullet value as a list of strings, placeholders dropped."""
    if value is None or isinstance(value, dict):
        return []
    if isinstance(value, str):
        if _absent(value):
            return []
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple | set):
        return [
            str(v).strip()
            for v in value
            if v is not None and not isinstance(v, dict) and str(v).strip()
        ]
    return [str(value)]


# --- title, bullets, sections --------------------------------------------------------


def _title(lines: list[str]) -> tuple[int, str]:
    """(index, text) of the first ``# `` heading outside code; (-1, "") when none."""
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            m = _TITLE.match(line)
            if m:
                return i, m.group(1)
    return -1, ""


def _bullet_meta(lines: list[str], title_index: int, body_line: int) -> _Meta:
    """``Key: value`` lines between the title and the first section (MADR 2, log4brains,
    adr-tools' ``Date:``)."""
    meta = _Meta()
    for i in range(title_index + 1, len(lines)):
        line = lines[i]
        if _HEADING.match(line) or _FENCE.match(line):
            break
        m = _META_LINE.match(_HTML_COMMENT.sub("", line))
        if not m:
            continue
        key = _normal_key(m.group(1))
        if key not in _META_KEYS or key in meta.values:
            continue
        meta.values[key] = (m.group(2).strip().strip("*_").strip(), body_line + i)
        if key == "date" and not line.lstrip().startswith(("-", "*", "+")):
            meta.nygard_date = True
    return meta


def _sections(lines: list[str]) -> list[tuple[str, int, int]]:
    """(lower-case heading, first line index, end index) of every ``##``-or-deeper section."""
    out: list[tuple[str, int, int]] = []
    fenced = False
    current: tuple[str, int] | None = None
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        m = _HEADING.match(line)
        if m:
            if current is not None:
                out.append((current[0], current[1], i))
            current = (
                (m.group(2).strip().strip("*_").lower(), i + 1) if len(m.group(1)) > 1 else None
            )
    if current is not None:
        out.append((current[0], current[1], len(lines)))
    return out


# --- numbers, statuses, dates --------------------------------------------------------


def _number_from_stem(stem: str) -> tuple[int | None, dt.date | None]:
    """The number a file name gives; a log4brains ``YYYYMMDD-`` prefix is a date instead."""
    m = _NUMBER_IN_NAME.match(stem)
    if not m:
        return None, None
    digits = m.group(1)
    if len(digits) == 8:
        try:
            return None, dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            pass
    return int(digits), None


def _number(meta: dict[str, object], from_stem: int | None, title: str) -> int | None:
    for key in ("number", "adr", "id"):
        value = meta.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            m = re.fullmatch(r"\s*(?:ADR[-\s_]?)?0*(\d+)\s*", value, re.IGNORECASE)
            if m:
                return int(m.group(1))
    if from_stem is not None:
        return from_stem
    m = _NUMBER_IN_TITLE.match(title)
    return int(m.group(1)) if m else None


def _status_text(
    meta: dict[str, object],
    text: str,
    bullets: _Meta,
    sections: list[tuple[str, int, int]],
    lines: list[str],
    body_line: int,
) -> tuple[str | None, int]:
    """The status as written, and its line: front matter, then bullets, then the section."""
    value = meta.get("status")
    if not _absent(value) and value is not None:
        return str(value).strip(), _meta_line(text, "status")
    if "status" in bullets.values and not _absent(bullets.values["status"][0]):
        return bullets.values["status"]
    for name, start, end in sections:
        if name != "status":
            continue
        first: tuple[str, int] | None = None
        for i in range(start, end):
            candidate = _HTML_COMMENT.sub("", lines[i]).strip()
            if not candidate:
                continue
            if first is None:
                first = (candidate, body_line + i)
            word = _first_word(candidate)
            if word in STATUSES or word in STATUS_SYNONYMS:
                return candidate, body_line + i
        if first is not None and not _RELATION_WORDS.match(first[0].lstrip("*_ ")):
            # A status word we do not know; a relation line alone states no status.
            return first
    return None, 1


def _first_word(text: str) -> str:
    m = re.match(r"[\W_]*([A-Za-z]+)", text)
    return m.group(1).lower() if m else ""


def normalise_status(text: str | None) -> tuple[str, bool]:
    """(status, unknown) for a status as written: ``Accepted. Done.`` -> accepted.

    No status at all reads as ``proposed``. An unknown word is kept, lower-cased,
    with ``unknown`` True.
    """
    if text is None or not text.strip():
        return "proposed", False
    word = _first_word(text)
    word = STATUS_SYNONYMS.get(word, word)
    if word in STATUSES:
        return word, False
    return (word or text.strip().lower()), True


def normalise_date(value: object) -> tuple[dt.date | None, str | None]:
    """(date, problem): YAML dates, datetimes, the date forms of `headers.read_date`;
    placeholders count as absent."""
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if _absent(value):
        return None, None
    text = str(value).strip()
    if text.upper().startswith("YYYY"):
        return None, None
    day = read_date(text)  # the forms migration headers accept (15 August 2024 too)
    return (day, None) if day is not None else (None, text)


# --- relations -----------------------------------------------------------------------


def _relation_kind(key: str) -> RelationKind | None:
    normal = _normal_key(key)
    return _RELATION_KEYS.get(normal) or _RELATION_KEYS.get(normal.replace(" ", ""))


def parse_relation_text(text: str, location: Location) -> list[AdrRelation]:
    """Relations stated in a line of text, as adr-tools and people write them.

    ``Superseded by [3. Use X](0003-use-x.md)``, ``Accepted. Supersedes ADR-012.``,
    ``Amends 0002``. Each verb's targets are the links after it, else the
    ``ADR-N`` mentions, else a number right after it.
    """
    text = _HTML_COMMENT.sub("", text)
    out: list[AdrRelation] = []
    verbs = list(_RELATION_WORDS.finditer(text))
    for n, verb in enumerate(verbs):
        kind = _relation_kind(verb.group(1))
        if kind is None:
            continue
        clause = text[verb.end() : verbs[n + 1].start() if n + 1 < len(verbs) else len(text)]
        targets = [href or label for label, href in _LINK.findall(clause)]
        if not targets:
            targets = [m.group(0) for m in _ADR_MENTION.finditer(clause)]
        if not targets:
            m = _LEADING_NUMBER.match(clause)
            if m:
                targets = [m.group(1)]
        out.extend(AdrRelation(kind, t.strip(), location) for t in targets if t.strip())
    return out


def _front_matter_relations(meta: dict[str, object], text: str, rel: str) -> Iterable[AdrRelation]:
    for key, value in meta.items():
        kind = _relation_kind(str(key))
        if kind is None:
            continue
        for item in _as_list(value):
            yield AdrRelation(kind, item, Location(rel, _item_line(text, str(key), item)))


def _dedupe(relations: list[AdrRelation]) -> list[AdrRelation]:
    seen: set[tuple[RelationKind, str]] = set()
    out = []
    for r in relations:
        key = (r.kind, r.target.lower())
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


# --- schema references -------------------------------------------------------------


def split_ref(text: str, location: Location, *, explicit: bool = False) -> SchemaRef | None:
    """``users``, ``users.email`` or ``public.users.email`` as a reference."""
    parts = [p.strip().strip('"') for p in text.strip().split(".")]
    if not all(parts) or len(parts) > 3:
        return None
    if len(parts) == 1:
        return SchemaRef(None, parts[0], None, location, explicit)
    if len(parts) == 2:
        return SchemaRef(None, parts[0], parts[1], location, explicit)
    return SchemaRef(parts[0], parts[1], parts[2], location, explicit)


def _front_matter_refs(meta: dict[str, object], text: str, rel: str) -> Iterable[SchemaRef]:
    for key, want_column in (("tables", False), ("columns", True)):
        for item in _as_list(meta.get(key)):
            ref = split_ref(item, Location(rel, _item_line(text, key, item)), explicit=True)
            if ref is None:
                continue
            if not want_column and ref.column is not None:
                # ``tables: [public.users]`` names a schema-qualified table.
                ref = SchemaRef(ref.table, ref.column, None, ref.location, True)
            yield ref


def table_page_ref(target: str, location: Location) -> SchemaRef | None:
    """A link target that points at a generated table page, as a reference."""
    target = target.split("?")[0]
    m = _TABLE_PAGE.search(target) or _TABLE_PAGE_DIR.search(target)
    if m is None:
        return None
    return SchemaRef(m.group(1), m.group(2), m.group(3), location, True)


def _text_refs(lines: list[str], body_line: int, rel: str) -> Iterable[SchemaRef]:
    """Backticked ``table.column`` mentions and links to table pages, outside code blocks.

    Backticked mentions are linked only when their table is known, so an
    unrelated ``config.yml`` in backticks is left alone; a link to a table
    page is explicit.
    """
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        location = Location(rel, body_line + i)
        for m in BACKTICK_REF.finditer(line):
            ref = split_ref(m.group(1), location)
            if ref is not None:
                yield ref
        for _label, href in _LINK.findall(line):
            ref = table_page_ref(href, location)
            if ref is not None:
                yield ref


def _mentioned(body: str) -> list[str]:
    return [m.group(1).removesuffix(".sql") for m in _MIGRATION_PATH.finditer(body)]


def plain(value: object) -> object:
    """Front matter as plain data: strings, numbers, booleans, None, lists and mappings
    with string keys. PyYAML gives dates and datetimes for unquoted dates: they become
    ISO strings, so the model holds nothing a data-only cache format cannot."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return str(value)
