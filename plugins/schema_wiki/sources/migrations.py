"""Find, order and read a project's migrations, whatever tool wrote them.

`load_migrations` reads a migrations directory in one of the layouts in
`FORMATS` (``auto`` detects it; see `detect_format`) and returns the
migrations in the order the tool applies them, each with its header, its
statements and the documents shown beside it. Files that are not migrations
(a README next to them, backups, schema snapshots) are ignored.

The layouts and their ordering rules are described in the modules of
`schema_wiki.sources.formats`: plain timestamped files and directory
migrations, golang-migrate, Drizzle, Flyway, dbmate, goose, Diesel, Sqitch.

Choices made here:

* A directory migration's header is the header of its first SQL file (the
  one that starts it); the later files' headers are parsed too and their
  invalid dates reported, but they do not add fields.
* Rollback scripts (down files and sections, Flyway undo, Sqitch revert)
  are never applied: each is kept in ``Migration.documents`` under
  `ROLLBACK_DOCUMENT` (``ROLLBACK.sql``) as Markdown holding a fenced SQL
  block and the file it came from.
* A file that is not UTF-8 is skipped with an ``unreadable-migration`` error
  finding rather than stopping the build.
* ``DROP INDEX`` names no table: its change gets the table of the ``CREATE
  INDEX`` that made the index in an earlier statement (following table
  renames); when none did, the change is left out (the statement stays).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import SourceError
from ..model import (
    Action,
    Change,
    Finding,
    HeaderField,
    Location,
    Migration,
    MigrationFile,
    MigrationHeader,
    Statement,
)
from .formats import FORMATS, READERS, ROLLBACK_DOCUMENT, Candidate, Context, detect_format
from .formats.base import rollback_markdown
from .headers import parse_header
from .statements import Segment, statements_in

__all__ = ["FORMATS", "ROLLBACK_DOCUMENT", "detect_format", "load_migrations", "rollback_markdown"]


def load_migrations(
    root: Path, directory: Path, *, fmt: str = "auto"
) -> tuple[list[Migration], list[Finding]]:
    """The migrations in ``directory``, in the order their tool applies them.

    ``root`` is the project root (paths in the result are relative to it, in
    POSIX form); ``directory`` is absolute or relative to ``root``. ``fmt`` is
    ``auto`` or one of `FORMATS`. Returns the migrations and findings about
    them (invalid header dates, unreadable files that were skipped, files a
    tool would not apply).

    Raises `SourceError` when the directory is missing, the format is
    unknown, or two migrations have the same version (naming both files).
    """
    directory = directory if directory.is_absolute() else root / directory
    if not directory.is_dir():
        raise SourceError(f"migrations directory {directory} does not exist")
    name = detect_format(directory) if fmt == "auto" else fmt
    reader = READERS.get(name)
    if reader is None:
        raise SourceError(
            f"unknown migrations format {fmt!r}: use auto or one of {', '.join(FORMATS)}"
        )
    context = Context(root, directory)
    migrations = _build(context, reader(context))
    return migrations, context.findings


def _build(context: Context, candidates: list[Candidate]) -> list[Migration]:
    ordered = sorted(candidates, key=lambda c: c.order)
    seen: dict[object, Candidate] = {}
    for candidate in ordered:
        other = seen.get(candidate.identity)
        if other is not None:
            first, second = context.rel(other.path), context.rel(candidate.path)
            raise SourceError(
                f"two migrations have version {candidate.version}: {first} and {second};"
                " give one of them a new version",
                Location(second),
            )
        seen[candidate.identity] = candidate
    migrations = [_migration(context, c) for c in ordered]
    return _resolve_dropped_indexes(migrations)


def _migration(context: Context, candidate: Candidate) -> Migration:
    files: list[MigrationFile] = []
    statements: list[Statement] = []
    fields: dict[str, HeaderField] = {}
    for i, part in enumerate(candidate.parts):
        rel = context.rel(part.path)
        parsed, findings = parse_header(part.text, rel)
        context.findings.extend(findings)
        if i == 0:
            fields = dict(parsed.fields)
        segments = part.segments if part.segments is not None else [Segment(0, len(part.text))]
        files.append(MigrationFile(path=rel, sql=part.text))
        statements.extend(statements_in(part.text, rel, segments))
    for key, value in candidate.extra_fields.items():
        fields.setdefault(key, value)
    return Migration(
        id=candidate.id,
        version=candidate.version,
        name=candidate.name,
        path=context.rel(candidate.path),
        header=MigrationHeader(fields=fields),
        files=tuple(files),
        statements=tuple(statements),
        documents=dict(candidate.documents),
        transactional=candidate.transactional and all(s.transactional for s in statements),
    )


def _resolve_dropped_indexes(migrations: list[Migration]) -> list[Migration]:
    """Fill in the table of ``DROP INDEX`` changes from the ``CREATE INDEX`` before them.

    ``DROP INDEX`` names only the index; following the migrations in order
    (and the table renames between) tells which table it belonged to. A drop
    of an index no earlier migration created (an implicit constraint index,
    one made outside the migrations) is left out of the changes: it has no
    table to show on. The statement itself stays.
    """
    owner: dict[tuple[str, str], str] = {}
    out: list[Migration] = []
    for migration in migrations:
        changed = False
        statements: list[Statement] = []
        for statement in migration.statements:
            edited = False
            changes: list[Change] = []
            for change in statement.changes:
                if change.action == Action.CREATE_INDEX and change.detail:
                    owner[(change.schema, change.detail)] = change.table
                elif change.action == Action.RENAME_TABLE and change.new_name:
                    for key, table in owner.items():
                        if key[0] == change.schema and table == change.table:
                            owner[key] = change.new_name
                elif change.action == Action.DROP_TABLE:
                    for key in [k for k, t in owner.items() if t == change.table]:
                        if key[0] == change.schema:
                            del owner[key]
                elif change.action == Action.DROP_INDEX and not change.table:
                    table = owner.pop((change.schema, change.detail or ""), "")
                    edited = changed = True
                    if not table:
                        continue
                    change = replace(change, table=table)
                changes.append(change)
            statements.append(replace(statement, changes=tuple(changes)) if edited else statement)
        out.append(replace(migration, statements=tuple(statements)) if changed else migration)
    return out
