"""The migrations directory holds files, but no migration in any layout the wiki reads.

**Problem.** Nothing was recognised, so nothing is applied: the wiki would be
empty, every gate would pass, and the build would look fine. The usual
causes are a directory holding only a schema dump (``schema.sql``), a tool
whose layout the wiki does not read, or ``migrations:`` pointing one level
too high or too low.

**Fix.** Point ``migrations:`` at the directory the tool reads, or name the
files in one of the accepted layouts (detected automatically, or set with
``migrations_format:``):

* plain: ``<version>_<name>.sql``, or ``<version>_<name>/`` holding
  ``001_<step>.sql`` files (``YYYYMMDDHHmmss`` or ``YYYYMMDD`` versions);
* golang-migrate: ``<version>_<title>.up.sql`` and ``.down.sql``;
* Flyway: ``V<version>__<description>.sql``, ``R__``, ``U``;
* dbmate: ``-- migrate:up`` in ``<version>_<name>.sql``;
* goose: ``-- +goose Up`` in ``<version>_<name>.sql``;
* Diesel: ``<version>_<name>/up.sql``;
* Drizzle: ``meta/_journal.json``, or ``<timestamp>_<name>/migration.sql``
  with a ``snapshot.json``;
* Sqitch: ``sqitch.plan`` with ``deploy/<change>.sql``;
* Prisma: ``<timestamp>_<name>/migration.sql`` with ``migration_lock.toml``;
* Liquibase formatted SQL: files starting ``--liquibase formatted sql``.

A lone schema dump is not read as a migration, on purpose: it is often
stale, and it says nothing of who changed what when. To start the wiki from
it, rename it ``0001_schema.sql`` (a plain-layout migration: the baseline).
An empty directory is not reported (a new project). Reported by the
migration reader; an error, so the build fails and ``check`` exits 1.
"""

from __future__ import annotations

from ..model import Level

NAME = "no-migrations"
LEVEL = Level.ERROR
REPORTED_BY = "the migration reader"
