"""Liquibase formatted SQL: ``--liquibase formatted sql`` files of ``--changeset author:id``.

Each changeset is one migration, as it is for Liquibase itself (one row in
``DATABASECHANGELOG``, one transaction, one rollback): its id is
``<file>::<changeset id>::<author>`` as Liquibase logs it, its version the
changeset id, and the changeset's author and id become the ``Author`` and
``Changeset`` header fields (a header comment of the usual form, above or
below the ``--changeset`` line, adds the rest and wins where both say).
``--comment:`` becomes ``Migration`` (the title) when the header has none.

Read from a changeset:

* attributes on the ``--changeset`` line: ``runInTransaction:false`` makes
  the migration non-transactional; ``splitStatements:false`` applies its SQL
  as one statement; ``dbms`` that excludes PostgreSQL skips the changeset
  with a ``skipped-migration`` note; ``context``, ``labels``, ``runAlways``
  and ``runOnChange`` change nothing here (every changeset is applied once);
* ``--rollback`` lines and ``/* liquibase rollback ... */`` blocks: the
  rollback, shown and never applied;
* ``--preconditions`` and ``--precondition-...`` lines: shown in the header
  as ``Preconditions``, never evaluated (the changeset is applied);
* ``--ignoreLines:N`` and ``--ignoreLines:start`` ... ``--ignoreLines:end``:
  those lines are not applied.

Order. The files are applied in the order of a root changelog beside them
(``*.xml``, ``*.yaml``, ``*.yml`` or ``*.json`` with ``include file`` /
``includeAll path`` entries; paths are matched by their end, since they are
often classpath paths); a formatted file such a root does not reach is not
applied (``skipped-migration``). With no root changelog the files are
applied in the order of their paths, as ``includeAll`` does. Changesets run
in file order. ``${property}`` substitution is not performed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ...model import HeaderField, Level, Location
from ..statements import Segment
from .base import ROLLBACK_DOCUMENT, Candidate, Context, Part, rollback_markdown

__all__ = ["Changeset", "is_formatted", "is_liquibase", "parse_changesets", "read_liquibase"]

_FORMATTED = re.compile(r"^\s*--\s*liquibase\s+formatted\s+sql\b", re.IGNORECASE)
_CHANGESET = re.compile(
    r'^\s*--\s*changeset\s+(?P<author>"[^"]*"|[^\s:"]+):(?P<id>"[^"]*"|\S+)(?P<attrs>.*)$',
    re.IGNORECASE,
)
_ATTRIBUTE = re.compile(r'(\w+):("[^"]*"|\S+)')
_ROLLBACK = re.compile(r"^\s*--\s*rollback\b\s?(?P<sql>.*)$", re.IGNORECASE)
_ROLLBACK_BLOCK = re.compile(r"^\s*/\*\s*liquibase\s+rollback\b(?P<sql>.*)$", re.IGNORECASE)
_COMMENT = re.compile(r"^\s*--\s*comment\b:?\s?(?P<text>.*)$", re.IGNORECASE)
_PRECONDITION = re.compile(r"^\s*--\s*(?P<text>preconditions?\b.*)$", re.IGNORECASE)
_IGNORE_LINES = re.compile(r"^\s*--\s*ignoreLines\s*:\s*(?P<arg>\S+)", re.IGNORECASE)
# Lines that are Liquibase's, never part of a header.
_DIRECTIVE = re.compile(
    r"^\s*--\s*(?:liquibase\s+formatted\s+sql|changeset\s|rollback\b|comment\b|preconditions?\b"
    r"|validCheckSum\b|ignoreLines\b|property\b|include\b|includeAll\b)",
    re.IGNORECASE,
)
_ROOT_SUFFIXES = (".xml", ".yaml", ".yml", ".json")
_XML_INCLUDE = re.compile(
    r"<\s*(?P<kind>include|includeAll)\b[^>]*?\b(?:file|path)\s*=\s*(?P<q>[\"'])(?P<path>.*?)(?P=q)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class Changeset:
    """One ``--changeset`` of a formatted SQL file."""

    author: str
    id: str
    #: 1-based line of the ``--changeset`` comment.
    line: int
    attributes: dict[str, str]
    #: Stretches of the file applied (the SQL after the line, ignored lines left out).
    segments: list[Segment] = field(default_factory=list)
    comment: str = ""
    rollback: list[str] = field(default_factory=list)
    preconditions: list[str] = field(default_factory=list)
    #: First line (1-based) of the comment block the header is read from.
    header_first: int = 0
    #: Last line (1-based) of the changeset.
    last: int = 0

    @property
    def transactional(self) -> bool:
        return self.attributes.get("runintransaction", "true").lower() != "false"

    @property
    def for_postgresql(self) -> bool:
        """Whether the ``dbms`` attribute lets the changeset run on PostgreSQL."""
        raw = self.attributes.get("dbms")
        if not raw:
            return True
        names = [n.strip().lower() for n in raw.split(",") if n.strip()]
        wanted = {n for n in names if not n.startswith("!")}
        refused = {n[1:] for n in names if n.startswith("!")}
        if "postgresql" in refused or "none" in wanted:
            return False
        return not wanted or bool(wanted & {"postgresql", "all"})


def is_formatted(text: str) -> bool:
    """The file's first non-blank line is ``--liquibase formatted sql``."""
    for line in text.split("\n"):
        if line.strip():
            return bool(_FORMATTED.match(line.lstrip("\ufeff")))
    return False


def is_liquibase(directory: Path) -> bool:
    """Some SQL file (at most 50 looked at) starts with ``--liquibase formatted sql``."""
    for path in sorted(directory.rglob("*.sql"))[:50]:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = handle.read(4096)
        except OSError:
            continue
        if is_formatted(head):
            return True
    return False


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def parse_changesets(text: str) -> list[Changeset]:
    """The changesets of a formatted SQL file, in order."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    out: list[Changeset] = []
    current: Changeset | None = None
    ignoring = 0  # lines left to ignore; -1: until --ignoreLines:end
    in_rollback_block = False
    run_start: int | None = None

    def close_run(end_line: int) -> None:
        nonlocal run_start
        if current is not None and run_start is not None and end_line > run_start:
            current.segments.append(Segment(offsets[run_start], offsets[end_line]))
        run_start = None

    for index, line in enumerate(lines):
        if in_rollback_block:
            end = line.find("*/")
            if current is not None:
                current.rollback.append(line[:end] if end >= 0 else line)
            if end >= 0:
                in_rollback_block = False
                run_start = index + 1 if current is not None else None
            continue
        changeset = _CHANGESET.match(line)
        if changeset:
            close_run(index)
            if current is not None:
                current.last = index
            attrs = {
                k.lower(): _unquote(v) for k, v in _ATTRIBUTE.findall(changeset.group("attrs"))
            }
            current = Changeset(
                author=_unquote(changeset.group("author")),
                id=_unquote(changeset.group("id")),
                line=index + 1,
                attributes=attrs,
                header_first=_header_start(lines, index),
            )
            out.append(current)
            if attrs.get("splitstatements", "true").lower() == "false":
                current.attributes["splitstatements"] = "false"
            ignoring, run_start = 0, index + 1
            continue
        if current is None:
            continue
        if ignoring:
            if ignoring > 0:
                ignoring -= 1
                if ignoring == 0:
                    run_start = index + 1
            elif _IGNORE_LINES.match(line) and line.strip().lower().endswith("end"):
                ignoring, run_start = 0, index + 1
            continue
        if m := _IGNORE_LINES.match(line):
            close_run(index)
            arg = m.group("arg").lower()
            ignoring = -1 if arg == "start" else (int(arg) if arg.isdigit() else 0)
            if ignoring == 0:
                run_start = index + 1
            continue
        if m := _ROLLBACK_BLOCK.match(line):
            close_run(index)
            rest = m.group("sql")
            end = rest.find("*/")
            current.rollback.append(rest[:end] if end >= 0 else rest)
            if end < 0:
                in_rollback_block = True
            else:
                run_start = index + 1
            continue
        if m := _ROLLBACK.match(line):
            current.rollback.append(m.group("sql"))
        elif m := _PRECONDITION.match(line):
            current.preconditions.append(m.group("text").strip())
        elif (m := _COMMENT.match(line)) and not current.comment:
            current.comment = m.group("text").strip()
    close_run(len(lines))
    if current is not None:
        current.last = len(lines)
    for cs in out:
        if cs.attributes.get("splitstatements") == "false":
            cs.segments = [Segment(s.start, s.end, whole=True) for s in cs.segments]
    return out


def _header_start(lines: list[str], index: int) -> int:
    """The 1-based first line of the comment block right above line ``index`` (0-based)."""
    first = index
    while first > 0:
        above = lines[first - 1].strip()
        if above and (not above.startswith("--") or _DIRECTIVE.match(above)):
            break
        first -= 1
    return first + 1


def _header_text(lines: list[str], changeset: Changeset) -> str:
    """The file with everything but this changeset's header region blanked (lines kept)."""
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        inside = changeset.header_first <= number <= changeset.last
        out.append(line if inside and not _DIRECTIVE.match(line) else "")
    return "\n".join(out)


def read_liquibase(context: Context) -> list[Candidate]:
    """One candidate per changeset of every formatted SQL file, in Liquibase's order."""
    formatted: list[tuple[Path, str]] = []
    for path in sorted(context.directory.rglob("*.sql")):
        if any(part.startswith(".") for part in path.relative_to(context.directory).parts):
            continue
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = handle.read(4096)
        except OSError:
            continue
        if not is_formatted(head):
            continue
        text = context.read(path)
        if text is not None:
            formatted.append((path, text))
    ordered = _root_order(context, [p for p, _ in formatted])
    texts = dict(formatted)
    out: list[Candidate] = []
    for file_index, path in enumerate(ordered):
        text = texts[path]
        lines = text.split("\n")
        rel = context.rel(path)
        stem = path.name[: -len(".sql")]
        for index, cs in enumerate(parse_changesets(text)):
            ident = f"{stem}::{cs.id}::{cs.author}"
            if not cs.for_postgresql:
                context.note(
                    "skipped-migration",
                    Level.INFO,
                    ident,
                    f"changeset {cs.author}:{cs.id} is for dbms {cs.attributes.get('dbms')}:"
                    " Liquibase does not run it on PostgreSQL, so neither does the wiki",
                    Location(rel, cs.line),
                )
                continue
            documents: dict[str, str] = {}
            rollback = "\n".join(r for r in cs.rollback).strip()
            if rollback:
                documents[ROLLBACK_DOCUMENT] = rollback_markdown(
                    f"{rel}, --rollback of {cs.author}:{cs.id}", rollback
                )
            out.append(
                Candidate(
                    version=cs.id,
                    name=cs.id,
                    id=ident,
                    path=path,
                    parts=[Part(path, text, cs.segments, header_text=_header_text(lines, cs))],
                    order=(file_index, index),
                    # Liquibase refuses two changesets with one id and author in a file.
                    identity=(rel, cs.id, cs.author),
                    documents=documents,
                    transactional=cs.transactional,
                    extra_fields=_fields(cs),
                )
            )
    return out


def _fields(cs: Changeset) -> dict[str, HeaderField]:
    fields = {
        "author": HeaderField("Author", cs.author, cs.line),
        "changeset": HeaderField("Changeset", f"{cs.author}:{cs.id}", cs.line),
    }
    if cs.comment:
        fields["migration"] = HeaderField("Migration", cs.comment, cs.line)
    if cs.preconditions:
        fields["preconditions"] = HeaderField("Preconditions", "\n".join(cs.preconditions), cs.line)
    return fields


# --- root changelogs ---------------------------------------------------------------


def _root_order(context: Context, files: list[Path]) -> list[Path]:
    """``files`` in the order of the root changelog(s) beside them, else by path.

    A root is a changelog (XML, YAML or JSON) at the top of the directory that
    includes something; an included changelog's own includes are followed in
    place (``release_1/changelog.xml`` listing its SQL files).
    """
    changelogs = sorted(
        p
        for p in context.directory.rglob("*")
        if p.is_file()
        and p.suffix.lower() in _ROOT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(context.directory).parts)
    )
    roots: list[Path] = []
    ordered: list[Path] = []
    seen: set[Path] = set()

    def expand(changelog: Path) -> bool:
        if changelog in seen:
            return False
        seen.add(changelog)
        text = context.read(changelog)
        found = _includes(changelog, text) if text is not None else []
        for kind, target in found:
            if kind == "include" and target.lower().endswith(_ROOT_SUFFIXES):
                for nested in _match(context, changelogs, changelog, target, directory=False)[:1]:
                    expand(nested)
            elif kind == "include":
                match = _match(context, files, changelog, target, directory=False)
                ordered.extend(p for p in match[:1] if p not in ordered)
            else:
                hits = _match(context, files, changelog, target, directory=True)
                ordered.extend(p for p in hits if p not in ordered)
        return bool(found)

    for changelog in changelogs:
        if changelog.parent == context.directory and changelog not in seen and expand(changelog):
            roots.append(changelog)
    if not roots:
        return files
    names = ", ".join(context.rel(r) for r in roots)
    for path in files:
        if path not in ordered:
            rel = context.rel(path)
            context.note(
                "skipped-migration",
                Level.INFO,
                rel,
                f"{names} does not include it: Liquibase does not apply it, so neither"
                " does the wiki",
                Location(rel),
            )
    return ordered


def _includes(path: Path, text: str) -> list[tuple[str, str]]:
    """(``include`` or ``includeAll``, path) entries of a root changelog, in order."""
    if path.suffix.lower() == ".xml":
        return [(m.group("kind"), m.group("path").strip()) for m in _XML_INCLUDE.finditer(text)]
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return []
    log = data.get("databaseChangeLog") if isinstance(data, dict) else None
    out: list[tuple[str, str]] = []
    for entry in log if isinstance(log, list) else []:
        if not isinstance(entry, dict):
            continue
        for kind, key in (("include", "file"), ("includeAll", "path")):
            body = entry.get(kind)
            if isinstance(body, dict) and isinstance(body.get(key), str):
                out.append((kind, body[key].strip()))
    return out


def _match(
    context: Context, files: list[Path], root: Path, target: str, *, directory: bool
) -> list[Path]:
    """The files an include names: relative to the root changelog, the directory, or by the
    end of their path (classpath paths such as ``db/changelog/changes/001.sql``)."""
    clean = target.replace("\\", "/").removeprefix("classpath:").strip("/")
    for base in (root.parent, context.directory):
        candidate = (base / clean).resolve()
        if directory:
            hits = [p for p in files if p.resolve().is_relative_to(candidate)]
        else:
            hits = [p for p in files if p.resolve() == candidate]
        if hits:
            return sorted(hits)
    parts = [p for p in clean.split("/") if p and p != "."]
    for start in range(len(parts)):
        tail = "/".join(parts[start:])
        if directory:
            hits = [p for p in files if f"/{tail}/" in "/" + p.as_posix() + "/"]
            hits = [p for p in hits if ("/" + p.parent.as_posix() + "/").find(f"/{tail}/") >= 0]
        else:
            hits = [p for p in files if ("/" + p.as_posix()).endswith("/" + tail)]
        if hits:
            return sorted(hits)
    return []
