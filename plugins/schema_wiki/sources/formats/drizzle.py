"""Drizzle Kit migrations.

Two layouts:

* ``NNNN_name.sql`` files applied in the order of ``meta/_journal.json``
  (``entries[].tag``); a SQL file the journal does not list is skipped with a
  ``migration-not-in-journal`` note, as Drizzle never applies it;
* the newer ``<timestamp>_<name>/migration.sql`` directories (with a
  ``snapshot.json``), applied in timestamp order.

Drizzle splits a file on ``--> statement-breakpoint`` (a plain text split,
also when the marker follows ``;`` on the same line); statements between
markers may lack their semicolon, so the split is done here the same way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ...model import Level, Location
from ..statements import Segment
from .base import Candidate, Context, Part

__all__ = ["BREAKPOINT", "breakpoint_segments", "is_drizzle", "read_drizzle"]

BREAKPOINT = "--> statement-breakpoint"
_TAG = re.compile(r"^(\d+)_(.+)$")
_FOLDER = re.compile(r"^(\d{14})_(.+)$")


def breakpoint_segments(text: str) -> list[Segment]:
    """The stretches of ``text`` between ``--> statement-breakpoint`` markers."""
    segments: list[Segment] = []
    start = 0
    while True:
        found = text.find(BREAKPOINT, start)
        if found < 0:
            segments.append(Segment(start, len(text)))
            return segments
        segments.append(Segment(start, found))
        start = found + len(BREAKPOINT)


def is_drizzle(directory: Path) -> bool:
    """A journal, or ``<timestamp>_<name>/`` folders holding migration.sql and snapshot.json."""
    if (directory / "meta" / "_journal.json").is_file():
        return True
    return any(
        (child / "migration.sql").is_file() and (child / "snapshot.json").is_file()
        for child in directory.iterdir()
        if child.is_dir()
    )


def read_drizzle(context: Context) -> list[Candidate]:
    """Candidates of either Drizzle layout."""
    journal = context.directory / "meta" / "_journal.json"
    if journal.is_file():
        return _journal_layout(context, journal)
    return _folder_layout(context)


def _candidate(
    context: Context, path: Path, id_: str, version: str, name: str, order: tuple[object, ...]
) -> Candidate | None:
    text = context.read(path)
    if text is None:
        return None
    return Candidate(
        version=version,
        name=name,
        id=id_,
        path=path if path.name != "migration.sql" else path.parent,
        parts=[Part(path, text, breakpoint_segments(text))],
        order=order,
        identity=id_,
    )


def _journal_layout(context: Context, journal: Path) -> list[Candidate]:
    rel = context.rel(journal)
    text = context.read(journal)
    entries: list[object] = []
    if text is not None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            context.note(
                "invalid-journal",
                Level.ERROR,
                rel,
                f"not valid JSON ({error.msg}); Drizzle cannot apply these migrations either",
                Location(rel, error.lineno),
            )
            data = {}
        found = data.get("entries") if isinstance(data, dict) else None
        entries = found if isinstance(found, list) else []
    out: list[Candidate] = []
    listed: set[str] = set()
    for position, entry in enumerate(entries):
        tag = entry.get("tag") if isinstance(entry, dict) else None
        if not isinstance(tag, str) or not tag:
            continue
        listed.add(tag)
        path = context.directory / f"{tag}.sql"
        if not path.is_file():
            context.note(
                "missing-migration",
                Level.ERROR,
                tag,
                f"the journal lists {tag} but {context.rel(path)} does not exist",
                Location(rel),
            )
            continue
        m = _TAG.match(tag)
        version, name = (m.group(1), m.group(2)) if m else (str(position), tag)
        candidate = _candidate(context, path, tag, version, name, (position,))
        if candidate is not None:
            out.append(candidate)
    for path in sorted(context.directory.glob("*.sql")):
        if path.stem not in listed:
            context.recognise(path)
            context.note(
                "migration-not-in-journal",
                Level.INFO,
                context.rel(path),
                f"not listed in {rel}: Drizzle does not apply it, so neither does the wiki",
                Location(context.rel(path)),
            )
    return out


def _folder_layout(context: Context) -> list[Candidate]:
    out: list[Candidate] = []
    for child in sorted(context.directory.iterdir()):
        m = _FOLDER.match(child.name)
        path = child / "migration.sql"
        if not m or not path.is_file():
            continue
        candidate = _candidate(
            context, path, child.name, m.group(1), m.group(2), (m.group(1), m.group(2))
        )
        if candidate is not None:
            candidate.identity = m.group(1)
            out.append(candidate)
    return out
