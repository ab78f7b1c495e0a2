"""Plain timestamped files and directory migrations (the seed's convention).

``<version>_<name>.sql`` files (``20240215093000_add_legacy_id.sql``, or a
shorter date such as ``20240215_name.sql``) and ``<version>_<name>/``
directories holding numbered SQL files (``001_create.sql``, ``002_backfill.sql``,
applied in numeric order) with README / PLAN / ROLLBACK documents. Date
versions of different lengths compare as timestamps, other versions as numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import (
    ROLLBACK_DOCUMENT,
    Candidate,
    Context,
    Part,
    documents_in,
    rollback_markdown,
    timestamp_order,
)

__all__ = ["ROLLBACK_SQL", "directory_parts", "read_plain"]

_FILE = re.compile(r"^(\d+)[_-](.+)\.sql$", re.IGNORECASE)
_DIR = re.compile(r"^(\d+)[_-](.+)$")
_NUMBERED_SQL = re.compile(r"^(\d+)(?:[_-](.*))?\.sql$", re.IGNORECASE)
#: File names of rollback scripts: never applied, shown as the rollback.
ROLLBACK_SQL = re.compile(r"(?:^|[._-])(?:down|rollback|revert|undo)\.sql$", re.IGNORECASE)
# SQL files a directory migration may hold instead of numbered ones.
_MAIN_SQL = ("up.sql", "migration.sql", "deploy.sql")


def directory_parts(context: Context, directory: Path) -> tuple[list[Part], dict[str, str]]:
    """A directory migration's SQL files in numeric order, and its documents."""
    numbered: list[tuple[int, str, Path]] = []
    rollbacks: list[Path] = []
    main: list[Path] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or not path.name.lower().endswith(".sql"):
            continue
        if ROLLBACK_SQL.search(path.name):
            rollbacks.append(path)
            continue
        m = _NUMBERED_SQL.match(path.name)
        if m:
            numbered.append((int(m.group(1)), path.name, path))
        elif path.name.lower() in _MAIN_SQL:
            main.append(path)
    chosen = [p for _, _, p in sorted(numbered)] or main
    parts = [Part(p, text) for p in chosen if (text := context.read(p)) is not None]
    documents = documents_in(context, directory)
    for path in rollbacks:
        text = context.read(path)
        if text is not None:
            documents.setdefault(ROLLBACK_DOCUMENT, rollback_markdown(context.rel(path), text))
    return parts, documents


def read_plain(context: Context) -> list[Candidate]:
    """Candidates of the plain layout in ``context.directory``.

    Several migrations may share a version (``20240215_add_legacy_id.sql``
    beside ``20240215_split_users_table/``): no tool keys this layout by
    version, so they are applied in order of version, then name. A
    ``<version>_<name>.down.sql`` (or ``_rollback``, ``_revert``, ``_undo``)
    beside ``<version>_<name>.sql`` is its rollback.
    """
    out: list[Candidate] = []
    rollbacks: list[tuple[str, str, Path]] = []
    for path in sorted(context.directory.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file():
            m = _FILE.match(path.name)
            if m and ROLLBACK_SQL.search(path.name):
                of = _FILE.match(ROLLBACK_SQL.sub("", path.name) + ".sql")
                rollbacks.append((m.group(1), of.group(2) if of else "", path))
                continue
            if not m:
                continue
            text = context.read(path)
            if text is None:
                continue
            version, name = m.group(1), m.group(2)
            out.append(
                Candidate(
                    version=version,
                    name=name,
                    id=path.name[: -len(".sql")],
                    path=path,
                    parts=[Part(path, text)],
                    order=(timestamp_order(version), name),
                    identity=(timestamp_order(version), name),
                    shared_versions=True,
                )
            )
        elif path.is_dir():
            m = _DIR.match(path.name)
            if not m:
                continue
            parts, documents = directory_parts(context, path)
            if not parts:
                continue
            version, name = m.group(1), m.group(2)
            out.append(
                Candidate(
                    version=version,
                    name=name,
                    id=path.name,
                    path=path,
                    parts=parts,
                    order=(timestamp_order(version), name),
                    identity=(timestamp_order(version), name),
                    documents=documents,
                    shared_versions=True,
                )
            )
    for version, name, path in rollbacks:
        owner = next(
            (c for c in out if c.version == version and c.path.is_file() and c.name == name), None
        )
        if owner is not None and (text := context.read(path)) is not None:
            owner.documents.setdefault(
                ROLLBACK_DOCUMENT, rollback_markdown(context.rel(path), text)
            )
    return out
