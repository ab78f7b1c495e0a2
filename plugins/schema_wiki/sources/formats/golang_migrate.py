"""golang-migrate: ``{version}_{title}.up.sql`` with an optional ``.down.sql``.

Versions are unsigned integers compared as numbers (``2_`` before ``10_``);
the tool has no per-file transaction switch, so only the statements decide.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import ROLLBACK_DOCUMENT, Candidate, Context, Part, rollback_markdown

__all__ = ["read_golang_migrate"]

# The tool's own pattern: ^([0-9]+)_(.*)\.(down|up)\.(.*)$ (SQL files only here).
_FILE = re.compile(r"^(\d+)_(.*)\.(up|down)\.sql$", re.IGNORECASE)


def read_golang_migrate(context: Context) -> list[Candidate]:
    """Candidates of the golang-migrate layout."""
    ups: dict[int, list[tuple[str, str, Path]]] = {}
    downs: dict[int, Path] = {}
    for path in sorted(context.directory.iterdir()):
        m = _FILE.match(path.name)
        if not m or not path.is_file():
            continue
        version, title, direction = m.group(1), m.group(2), m.group(3).lower()
        if direction == "up":
            ups.setdefault(int(version), []).append((version, title, path))
        else:
            downs.setdefault(int(version), path)
    out: list[Candidate] = []
    for number, entries in ups.items():
        for version, title, path in entries:
            text = context.read(path)
            if text is None:
                continue
            documents: dict[str, str] = {}
            down = downs.get(number)
            if down is not None and (down_text := context.read(down)) is not None:
                documents[ROLLBACK_DOCUMENT] = rollback_markdown(context.rel(down), down_text)
            out.append(
                Candidate(
                    version=version,
                    name=title,
                    id=path.name[: -len(".up.sql")],
                    path=path,
                    parts=[Part(path, text)],
                    order=(number, title),
                    identity=number,
                    documents=documents,
                )
            )
    return out
