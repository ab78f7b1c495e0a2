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
from .liquibase import is_liquibase, read_liquibase
from .plain import read_plain
from .prisma import is_prisma, looks_like_prisma, read_prisma
from .sqitch import is_sqitch, read_sqitch
from .updown import is_dbmate, is_goose, read_dbmate, read_goose

__all__ = [
    "FORMATS",
    "LAYOUTS",
    "READERS",
    "ROLLBACK_DOCUMENT",
    "Candidate",
    "Context",
    "detect_format",
]

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
    "prisma": read_prisma,
    "liquibase": read_liquibase,
}
#: Layouts `load_migrations` reads, besides ``auto``.
FORMATS = tuple(READERS)
#: Every layout with the names it expects, for messages.
LAYOUTS = (
    "plain (<version>_<name>.sql, or <version>_<name>/ holding 001_<step>.sql files),"
    " golang-migrate (<version>_<title>.up.sql), Flyway (V<version>__<description>.sql),"
    " dbmate (-- migrate:up in <version>_<name>.sql), goose (-- +goose Up),"
    " Diesel (<version>_<name>/up.sql), Drizzle (meta/_journal.json, or"
    " <timestamp>_<name>/migration.sql with snapshot.json), Sqitch (sqitch.plan),"
    " Prisma (<timestamp>_<name>/migration.sql, migration_lock.toml),"
    " Liquibase formatted SQL (files starting --liquibase formatted sql)"
)


def detect_format(directory: Path) -> str:
    """The layout of ``directory``: one of `FORMATS`, ``plain`` when nothing else fits.

    Checked from the most specific sign to the least: a Sqitch plan, Prisma's
    ``migration_lock.toml``, a Drizzle journal or snapshot folders, Prisma's
    ``migration.sql`` folders, Diesel's ``up.sql`` folders, Flyway's ``V1__``
    names, golang-migrate's ``.up.sql``, Liquibase's ``--liquibase formatted
    sql`` first line, then goose's and dbmate's markers inside the files.
    """
    if is_sqitch(directory):
        return "sqitch"
    if is_prisma(directory):
        return "prisma"
    if is_drizzle(directory):
        return "drizzle"
    if looks_like_prisma(directory):
        return "prisma"
    if is_diesel(directory):
        return "diesel"
    if is_flyway(directory):
        return "flyway"
    if any(p.name.lower().endswith(".up.sql") for p in directory.iterdir()):
        return "golang-migrate"
    if is_liquibase(directory):
        return "liquibase"
    if is_goose(directory):
        return "goose"
    if is_dbmate(directory):
        return "dbmate"
    return "plain"
