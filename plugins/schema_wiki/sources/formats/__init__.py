"""Readers of the migration layouts tools write, and detection of which one a directory uses.

Each reader turns a directory into `Candidate` values (files found, the
tool's order, what makes two of them the same version); `load_migrations`
orders, checks and parses them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .base import ROLLBACK_DOCUMENT, Candidate, Context
from .diesel import is_diesel, read_diesel
from .drizzle import is_drizzle, read_drizzle
from .flyway import is_flyway, read_flyway
from .golang_migrate import read_golang_migrate
from .plain import read_plain
from .sqitch import is_sqitch, read_sqitch
from .updown import is_dbmate, is_goose, read_dbmate, read_goose

__all__ = ["FORMATS", "READERS", "ROLLBACK_DOCUMENT", "Candidate", "Context", "detect_format"]

#: Reader of each layout, by the name ``migrations_format`` uses.
READERS: dict[str, Callable[[Context], list[Candidate]]] = {
    "plain": read_plain,
    "golang-migrate": read_golang_migrate,
    "drizzle": read_drizzle,
    "flyway": read_flyway,
    "dbmate": read_dbmate,
    "goose": read_goose,
    "diesel": read_diesel,
    "sqitch": read_sqitch,
}
#: Layouts `load_migrations` reads, besides ``auto``.
FORMATS = tuple(READERS)


def detect_format(directory: Path) -> str:
    """The layout of ``directory``: one of `FORMATS`, ``plain`` when nothing else fits.

    Checked from the most specific sign to the least: a Sqitch plan, a
    Drizzle journal or snapshot folders, Diesel's ``up.sql`` folders, Flyway's
    ``V1__`` names, golang-migrate's ``.up.sql``, then goose's and dbmate's
    markers inside the files.
    """
    if is_sqitch(directory):
        return "sqitch"
    if is_drizzle(directory):
        return "drizzle"
    if is_diesel(directory):
        return "diesel"
    if is_flyway(directory):
        return "flyway"
    if any(p.name.lower().endswith(".up.sql") for p in directory.iterdir()):
        return "golang-migrate"
    if is_goose(directory):
        return "goose"
    if is_dbmate(directory):
        return "dbmate"
    return "plain"
