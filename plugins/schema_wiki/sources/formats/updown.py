"""dbmate and goose: up and down sections in one ``<version>_<name>.sql`` file.

dbmate marks ``-- migrate:up`` and ``-- migrate:down``; options follow the
marker (``-- migrate:up transaction:false``). It orders files by version as
text, like its own sort of the version strings.

goose marks ``-- +goose Up`` and ``-- +goose Down``; ``-- +goose
StatementBegin`` / ``StatementEnd`` wrap a statement that goose sends as one
(kept as one `Statement` here), and ``-- +goose NO TRANSACTION`` makes the
migration non-transactional. It orders by version as a number.

Only the up section is applied; the down section is kept as the rollback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..statements import Segment
from .base import ROLLBACK_DOCUMENT, Candidate, Context, Part, rollback_markdown

__all__ = [
    "Sections",
    "dbmate_sections",
    "goose_sections",
    "is_dbmate",
    "is_goose",
    "read_dbmate",
    "read_goose",
]

_FILE = re.compile(r"^(\d+)_(.+)\.sql$", re.IGNORECASE)
_DBMATE = re.compile(r"^--\s*migrate:(up|down)\b(.*)$", re.IGNORECASE)
_GOOSE = re.compile(r"^--\s*\+goose\s+(.+?)\s*$", re.IGNORECASE)


@dataclass
class Sections:
    """What a file's markers say: the up segments, the down text, the options."""

    up: list[Segment] = field(default_factory=list)
    down: str | None = None
    transactional: bool = True
    marked: bool = False


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end after the newline, stripped line) for every line."""
    start = 0
    for line in text.splitlines(keepends=True):
        yield start, start + len(line), line.strip()
        start += len(line)


def dbmate_sections(text: str) -> Sections:
    """The sections of a dbmate migration."""
    sections = Sections()
    up_start: int | None = None
    for start, end, line in _lines(text):
        m = _DBMATE.match(line)
        if not m:
            continue
        sections.marked = True
        if m.group(1).lower() == "up":
            up_start = end
            options = m.group(2).lower().split()
            if "transaction:false" in options:
                sections.transactional = False
        else:
            if up_start is not None:
                sections.up.append(Segment(up_start, start))
                up_start = None
            sections.down = text[end:]
            return sections
    if up_start is not None:
        sections.up.append(Segment(up_start, len(text)))
    elif not sections.marked:
        sections.up.append(Segment(0, len(text)))
    return sections


def goose_sections(text: str) -> Sections:
    """The sections of a goose migration."""
    sections = Sections()
    section: str | None = None
    start_of_run: int | None = None
    block_start: int | None = None
    for start, end, line in _lines(text):
        m = _GOOSE.match(line)
        if not m:
            continue
        sections.marked = True
        words = m.group(1).upper().split()
        if words[:2] == ["NO", "TRANSACTION"]:
            sections.transactional = False
        elif words[:1] == ["UP"]:
            section, start_of_run = "up", end
        elif words[:1] == ["DOWN"]:
            if section == "up" and start_of_run is not None:
                sections.up.append(Segment(start_of_run, start))
            sections.down = text[end:]
            return sections
        elif words[:1] == ["STATEMENTBEGIN"] and section == "up":
            if start_of_run is not None:
                sections.up.append(Segment(start_of_run, start))
            start_of_run, block_start = None, end
        elif words[:1] == ["STATEMENTEND"] and section == "up" and block_start is not None:
            sections.up.append(Segment(block_start, start, whole=True))
            start_of_run, block_start = end, None
    if section == "up":
        if block_start is not None:
            # An unclosed StatementBegin: goose refuses it; keep the text as one statement.
            sections.up.append(Segment(block_start, len(text), whole=True))
        elif start_of_run is not None:
            sections.up.append(Segment(start_of_run, len(text)))
    elif not sections.marked:
        sections.up.append(Segment(0, len(text)))
    return sections


def _read(context: Context, *, goose: bool) -> list[Candidate]:
    out: list[Candidate] = []
    for path in sorted(context.directory.iterdir()):
        m = _FILE.match(path.name)
        if not m or not path.is_file():
            continue
        text = context.read(path)
        if text is None:
            continue
        sections = goose_sections(text) if goose else dbmate_sections(text)
        version, name = m.group(1), m.group(2)
        documents: dict[str, str] = {}
        if sections.down and sections.down.strip():
            marker = "-- +goose Down" if goose else "-- migrate:down"
            documents[ROLLBACK_DOCUMENT] = rollback_markdown(
                f"{context.rel(path)}, after {marker}", sections.down
            )
        out.append(
            Candidate(
                version=version,
                name=name,
                id=path.name[: -len(".sql")],
                path=path,
                parts=[Part(path, text, sections.up)],
                # goose compares versions as numbers, dbmate as text.
                order=(int(version), name) if goose else (version, name),
                identity=int(version) if goose else version,
                documents=documents,
                transactional=sections.transactional,
            )
        )
    return out


def read_dbmate(context: Context) -> list[Candidate]:
    """Candidates of the dbmate layout."""
    return _read(context, goose=False)


def read_goose(context: Context) -> list[Candidate]:
    """Candidates of the goose layout (SQL migrations; Go ones cannot be read)."""
    return _read(context, goose=True)


def _is_marked(directory: Path, pattern: re.Pattern[str]) -> bool:
    for path in sorted(directory.glob("*.sql"))[:50]:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = handle.read(65536)
        except OSError:
            continue
        if any(pattern.match(line.strip()) for line in head.splitlines()):
            return True
    return False


def is_dbmate(directory: Path) -> bool:
    """Some SQL file has a ``-- migrate:up`` marker."""
    return _is_marked(directory, _DBMATE)


def is_goose(directory: Path) -> bool:
    """Some SQL file has a ``-- +goose`` marker."""
    return _is_marked(directory, _GOOSE)
