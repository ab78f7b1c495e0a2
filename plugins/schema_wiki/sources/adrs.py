"""Read Architecture Decision Records: markdown files, optionally with YAML front matter.

Understood: MADR-style front matter (``status``, ``date``, ``decision-makers``
or ``deciders``, ``tables``, ``columns``, ``migrations``) and the seed's plain
form (``# ADR-015: Title`` with a ``## Status`` section). The number comes
from the file name (``0015-split-users-table.md``) or the title.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import frontmatter
import yaml

from ..model import Adr, Finding, Level, Location, SchemaRef

STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")

_NUMBER_IN_NAME = re.compile(r"^(?:adr[-_]?)?(\d+)", re.IGNORECASE)
_NUMBER_IN_TITLE = re.compile(r"^\s*(?:ADR[-\s]?)?(\d+)\s*[:.]\s*", re.IGNORECASE)
_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_SECTION = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
#: `table.column` or `schema.table.column` in backticks: identifiers only.
BACKTICK_REF = re.compile(r"`((?:[A-Za-z_][\w$]*\.){1,2}[A-Za-z_][\w$]*)`")
_MIGRATION_PATH = re.compile(r"migrations/([\w.-]+?)(?:/|\.sql\b|\s|$|\))")


def load_adrs(root: Path, directory: Path) -> tuple[list[Adr], list[Finding]]:
    """Read every ``*.md`` under ``directory`` (recursively), sorted by number then path.

    A file that cannot be read becomes a finding, never an exception.
    """
    adrs: list[Adr] = []
    findings: list[Finding] = []
    if not directory.is_dir():
        return adrs, findings
    for path in sorted(directory.rglob("*.md")):
        if path.name.lower() in {"readme.md", "index.md", "template.md"}:
            continue
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        adr, problems = parse_adr(path.read_bytes(), rel, path.stem)
        findings.extend(problems)
        if adr is not None:
            adrs.append(adr)
    adrs.sort(key=lambda a: (a.number is None, a.number or 0, a.path))
    return adrs, findings


def parse_adr(data: bytes, rel: str, stem: str) -> tuple[Adr | None, list[Finding]]:
    """Parse one ADR file's bytes. ``rel`` is its project-relative path."""
    findings: list[Finding] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Finding(
                "invalid-file",
                Level.ERROR,
                rel,
                f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8",
                Location(rel, line),
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body, body_line, error = _split_front_matter(text)
    if error:
        message, line = error
        findings.append(
            Finding("invalid-front-matter", Level.ERROR, stem, message, Location(rel, line))
        )

    lines = body.split("\n")
    title = _title(lines)
    number = _number(stem, meta, title)
    if title and number is not None:
        title = _NUMBER_IN_TITLE.sub("", title, count=1) or title
    title = re.sub(r"^ADR[-\s]?\d*\s*[:.]?\s*", "", title, flags=re.IGNORECASE) or title

    status_value, status_line = _status(meta, lines, body_line)
    if status_line is None:
        status_line = _meta_line(text, "status")
    status = status_value.lower() if status_value else "proposed"
    if status_value and status.split()[0] not in STATUSES:
        findings.append(
            Finding(
                "invalid-status",
                Level.WARNING,
                stem,
                f"status {status_value!r} is not one of {', '.join(STATUSES)}",
                Location(rel, status_line),
            )
        )
    status = status.split()[0] if status else "proposed"

    date, date_problem = _date(meta.get("date"))
    if date_problem:
        findings.append(
            Finding(
                "invalid-date",
                Level.WARNING,
                stem,
                f"date {date_problem!r} is not a date; write it as YYYY-MM-DD",
                Location(rel, _meta_line(text, "date")),
            )
        )

    refs = list(_front_matter_refs(meta, text, rel))
    refs.extend(_text_refs(lines, body_line, rel))
    migrations = tuple(dict.fromkeys([*_as_list(meta.get("migrations")), *_mentioned(body)]))

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
        meta={str(k): v for k, v in meta.items()},
    )
    return adr, findings


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
        post = frontmatter.loads(text)
        meta = dict(post.metadata)
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
    if not isinstance(post.metadata, dict):
        return {}, body, body_line, ("front matter must be a YAML mapping of keys to values", 2)
    return meta, body, body_line, None


def _title(lines: list[str]) -> str:
    for line in lines:
        m = _TITLE.match(line)
        if m:
            return m.group(1)
    return ""


def _number(stem: str, meta: dict[str, object], title: str) -> int | None:
    for key in ("number", "adr", "id"):
        value = meta.get(key)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
    m = _NUMBER_IN_NAME.match(stem)
    if m:
        return int(m.group(1))
    m = _NUMBER_IN_TITLE.match(title)
    return int(m.group(1)) if m else None


def _status(
    meta: dict[str, object], lines: list[str], body_line: int
) -> tuple[str | None, int | None]:
    """The status and its line (None: the front matter's ``status:`` line)."""
    value = meta.get("status")
    if isinstance(value, str) and value.strip() and not value.strip().startswith("{"):
        return value.strip(), None
    for i, line in enumerate(lines):
        m = _SECTION.match(line)
        if m and m.group(1).strip().lower() == "status":
            for j in range(i + 1, len(lines)):
                candidate = lines[j].strip()
                if candidate.startswith("#"):
                    break
                if candidate:
                    return candidate.strip("*_ "), body_line + j
    return None, 1


def _date(value: object) -> tuple[dt.date | None, str | None]:
    if value is None or value == "" or isinstance(value, dict):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = str(value).strip()
    if text.startswith("{") or text.startswith("YYYY"):
        return None, None
    try:
        return dt.date.fromisoformat(text[:10]), None
    except ValueError:
        return None, text


def _as_list(value: object) -> list[str]:
    if value is None or isinstance(value, dict):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, Iterable):
        return [str(v).strip() for v in value if v is not None and not isinstance(v, dict)]
    return [str(value)]


def _meta_line(text: str, key: str) -> int:
    m = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE | re.IGNORECASE)
    return text[: m.start()].count("\n") + 1 if m else 1


def split_ref(text: str, location: Location) -> SchemaRef | None:
    """``users``, ``users.email`` or ``public.users.email`` as a reference."""
    parts = [p.strip().strip('"') for p in text.strip().split(".")]
    if not all(parts) or len(parts) > 3:
        return None
    if len(parts) == 1:
        return SchemaRef(None, parts[0], None, location)
    if len(parts) == 2:
        return SchemaRef(None, parts[0], parts[1], location)
    return SchemaRef(parts[0], parts[1], parts[2], location)


def _front_matter_refs(meta: dict[str, object], text: str, rel: str) -> Iterable[SchemaRef]:
    for key, want_column in (("tables", False), ("columns", True)):
        line = _meta_line(text, key)
        for item in _as_list(meta.get(key)):
            ref = split_ref(item, Location(rel, line))
            if ref is None:
                continue
            if not want_column and ref.column is not None:
                # ``tables: [public.users]`` names a schema-qualified table.
                ref = SchemaRef(ref.table, ref.column, None, ref.location)
            yield ref


def _text_refs(lines: list[str], body_line: int, rel: str) -> Iterable[SchemaRef]:
    """Backticked ``table.column`` mentions outside fenced code blocks.

    They are marked with line numbers; the joiner links only those that match
    a known table, so an unrelated ``config.yml`` in backticks is left alone.
    """
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        for m in BACKTICK_REF.finditer(line):
            ref = split_ref(m.group(1), Location(rel, body_line + i))
            if ref is not None:
                yield ref


def _mentioned(body: str) -> list[str]:
    return [m.group(1).removesuffix(".sql") for m in _MIGRATION_PATH.finditer(body)]
