"""Prisma Migrate: ``<timestamp>_<name>/migration.sql`` folders and ``migration_lock.toml``.

Prisma applies the folders in the order of their names (``prisma migrate``
sorts them as text), each ``migration.sql`` as one script. The folder name is
the migration's id; its leading digits are the version, so a folder named
``20240215093000_add_legacy_id`` is dated 2024-02-15 without a header. A
``migration_lock.toml`` whose ``provider`` is not ``postgresql`` is reported
(``invalid-metadata``): the SQL was written for another database.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ...model import Level, Location
from .base import Candidate, Context, Part, documents_in

__all__ = ["LOCK_FILE", "is_prisma", "looks_like_prisma", "read_prisma"]

LOCK_FILE = "migration_lock.toml"
_FOLDER = re.compile(r"^(\d+)_(.+)$")


def is_prisma(directory: Path) -> bool:
    """The directory holds Prisma's ``migration_lock.toml``."""
    return (directory / LOCK_FILE).is_file()


def looks_like_prisma(directory: Path) -> bool:
    """``<version>_<name>/migration.sql`` folders and no SQL file beside them (Drizzle's
    folders also hold a snapshot.json, and are detected first)."""
    children = list(directory.iterdir())
    if any(c.is_file() and c.suffix.lower() == ".sql" for c in children):
        return False
    return any(
        child.is_dir() and _FOLDER.match(child.name) and (child / "migration.sql").is_file()
        for child in children
    )


def read_prisma(context: Context) -> list[Candidate]:
    """Candidates of the Prisma layout."""
    _check_lock(context)
    out: list[Candidate] = []
    for child in sorted(context.directory.iterdir(), key=lambda p: p.name):
        path = child / "migration.sql"
        if not child.is_dir() or child.name.startswith(".") or not path.is_file():
            continue
        text = context.read(path)
        if text is None:
            continue
        m = _FOLDER.match(child.name)
        version, name = (m.group(1), m.group(2)) if m else (child.name, child.name)
        out.append(
            Candidate(
                version=version,
                name=name,
                id=child.name,
                path=child,
                parts=[Part(path, text)],
                order=(child.name,),
                identity=child.name,
                documents=documents_in(context, child),
            )
        )
    return out


def _check_lock(context: Context) -> None:
    lock = context.directory / LOCK_FILE
    if not lock.is_file():
        return
    text = context.read(lock)
    if text is None:
        return
    rel = context.rel(lock)
    try:
        provider = tomllib.loads(text).get("provider")
    except tomllib.TOMLDecodeError as error:
        context.note(
            "invalid-metadata",
            Level.WARNING,
            rel,
            f"not valid TOML ({error}); the migrations are read as PostgreSQL's",
            Location(rel),
        )
        return
    if isinstance(provider, str) and provider.lower() not in ("postgresql", "postgres"):
        context.note(
            "invalid-metadata",
            Level.WARNING,
            rel,
            f"provider = {provider!r}: these migrations were written for another database;"
            " the wiki applies them to PostgreSQL and they may fail",
            Location(rel),
        )
