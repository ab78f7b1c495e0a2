"""Diesel: ``<version>_<name>/up.sql`` and ``down.sql`` directories.

The version is the folder name up to the first ``_`` with its dashes removed
(``2024-02-15-093000_create_users`` is version ``20240215093000``), so both
spellings mix and sort together, as text, the way Diesel sorts them.
``metadata.toml`` with ``run_in_transaction = false`` makes the migration
non-transactional.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ...model import Level, Location
from .base import ROLLBACK_DOCUMENT, Candidate, Context, Part, documents_in, rollback_markdown

__all__ = ["is_diesel", "read_diesel"]

_FOLDER = re.compile(r"^([\d-]+)_(.+)$")


def is_diesel(directory: Path) -> bool:
    """Some ``<version>_<name>/`` folder holds an ``up.sql``."""
    return any(
        child.is_dir() and _FOLDER.match(child.name) and (child / "up.sql").is_file()
        for child in directory.iterdir()
    )


def read_diesel(context: Context) -> list[Candidate]:
    """Candidates of the Diesel layout."""
    out: list[Candidate] = []
    for child in sorted(context.directory.iterdir()):
        m = _FOLDER.match(child.name)
        up = child / "up.sql"
        if not m or not up.is_file():
            continue
        text = context.read(up)
        if text is None:
            continue
        version = m.group(1).replace("-", "")
        if not version:
            continue
        documents = documents_in(context, child)
        down = child / "down.sql"
        if down.is_file() and (down_text := context.read(down)) is not None:
            documents[ROLLBACK_DOCUMENT] = rollback_markdown(context.rel(down), down_text)
        out.append(
            Candidate(
                version=version,
                name=m.group(2),
                id=child.name,
                path=child,
                parts=[Part(up, text)],
                order=(version, m.group(2)),
                identity=version,
                documents=documents,
                transactional=_run_in_transaction(context, child / "metadata.toml"),
            )
        )
    return out


def _run_in_transaction(context: Context, path: Path) -> bool:
    if not path.is_file():
        return True
    text = context.read(path)
    if text is None:
        return True
    try:
        value = tomllib.loads(text).get("run_in_transaction", True)
    except tomllib.TOMLDecodeError as error:
        rel = context.rel(path)
        context.note(
            "invalid-metadata",
            Level.WARNING,
            rel,
            f"not valid TOML ({error}); run_in_transaction is taken as true",
            Location(rel),
        )
        return True
    return value is not False
