"""Find, order and read a project's migrations, whatever tool wrote them.

`load_migrations` reads a migrations directory in one of the layouts in
`FORMATS` (``auto`` detects it; see `detect_format`) and returns the
migrations in the order the tool applies them, each with its header, its
statements and the documents shown beside it. Files that are not migrations
(a README next to them, backups, schema snapshots) are ignored.

The layouts and their ordering rules are described in the modules of
`schema_wiki.sources.formats`: plain timestamped files and directory
migrations, golang-migrate, Drizzle, Flyway, dbmate, goose, Diesel, Sqitch,
Prisma and Liquibase formatted SQL.

Choices made here:

* A migration made of several SQL files (a directory of numbered files) has
  one `MigrationStep` per file, each with its own header; a step inherits the
  migration's fields where its own header says nothing. The migration's own
  header is its first file's. Dates of what each statement did come from its
  step (`Migration.step_for`).
* Where a layout lets several migrations share a version (the seed's
  ``20240215_add_legacy_id.sql`` beside ``20240215_split_users_table/``) they
  are applied in order of version, then name, and one ``shared-version``
  info finding says so. Layouts whose tool rejects a duplicate version
  (golang-migrate, Flyway, dbmate, goose, Diesel) still stop with an error
  naming both files.
* An SQL file no reader took is an ``unrecognised-file`` warning naming it
  (hidden files are skipped). A directory holding files but no migration the
  layout recognises is a ``no-migrations`` error listing the accepted
  layouts. A lone ``schema.sql`` is not read as a baseline migration: a
  schema dump is often stale or generated beside the migrations, and reading
  it would credit every column to one dateless, authorless file; renaming it
  ``0001_schema.sql`` applies it as the baseline, on purpose.
* Rollback scripts (down files and sections, Flyway undo, Sqitch revert,
  Liquibase ``--rollback``) are never applied: each is kept in
  ``Migration.documents`` under `ROLLBACK_DOCUMENT` (``ROLLBACK.sql``) as
  Markdown holding a fenced SQL block and the file it came from.
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
    Level,
    Location,
    Migration,
    MigrationFile,
    MigrationHeader,
    MigrationStep,
    Statement,
)
from .formats import (
    FORMATS,
    LAYOUTS,
    READERS,
    ROLLBACK_DOCUMENT,
    Candidate,
    Context,
    detect_format,
)
from .formats.base import rollback_markdown, timestamp_order
from .headers import header_lines, parse_header_lines, read_lifespan
from .statements import Segment, statements_in

__all__ = ["FORMATS", "ROLLBACK_DOCUMENT", "detect_format", "load_migrations", "rollback_markdown"]

# Folders that never hold a project's migrations (dependencies, build output).
_NOT_SEARCHED = frozenset({"node_modules", "__pycache__", "target", "vendor"})
# Files beside migrations that are never migrations themselves.
_DOCUMENT_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".rst", ".adoc", ".org"})


def load_migrations(
    root: Path, directory: Path, *, fmt: str = "auto"
) -> tuple[list[Migration], list[Finding]]:
    """The migrations in ``directory``, in the order their tool applies them.

    ``root`` is the project root (paths in the result are relative to it, in
    POSIX form); ``directory`` is absolute or relative to ``root``. ``fmt`` is
    ``auto`` or one of `FORMATS`. Returns the migrations and findings about
    them (header dates that cannot be read, unreadable files that were
    skipped, files a tool would not apply, files no layout recognises, a
    directory with no migration at all).

    Raises `SourceError` when the directory is missing, the format is
    unknown, or two migrations have the same version in a layout whose tool
    rejects that (naming both files).
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
    _unrecognised(context, name, fmt, found=bool(migrations))
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
                " their tool refuses a version used twice: give one of them a new version",
                Location(second),
            )
        seen[candidate.identity] = candidate
    _note_shared_versions(context, ordered)
    migrations = [_migration(context, c) for c in ordered]
    return _resolve_dropped_indexes(migrations)


def _note_shared_versions(context: Context, ordered: list[Candidate]) -> None:
    """One ``shared-version`` info finding for every version several migrations share."""
    groups: dict[object, list[Candidate]] = {}
    for candidate in ordered:
        if candidate.shared_versions:
            key = _version_key(candidate.version)
            groups.setdefault(key, []).append(candidate)
    shared = [group for group in groups.values() if len(group) > 1]
    if not shared:
        return
    shown = []
    for group in shared[:5]:
        names = " then ".join(_shown_name(context, c) for c in group)
        shown.append(f"{group[0].version}: {names}")
    more = f" and {len(shared) - 5} more" if len(shared) > 5 else ""
    first = context.rel(shared[0][0].path)
    context.note(
        "shared-version",
        Level.INFO,
        context.rel(context.directory),
        f"{len(shared)} version(s) are shared by several migrations ({'; '.join(shown)}{more});"
        " migrations that share a version are applied in order of version, then name."
        " A tool that keys migrations by version (dbmate, the Supabase CLI) would refuse"
        " them: if you use one, give each migration its own version",
        Location(first),
    )


def _version_key(version: str) -> object:
    return timestamp_order(version) if version.isdigit() else version


def _shown_name(context: Context, candidate: Candidate) -> str:
    name = candidate.path.name
    return f"{name}/" if candidate.path.is_dir() else name


def _unrecognised(context: Context, layout: str, fmt: str, *, found: bool) -> None:
    """Findings for SQL files no reader took, and for a directory with no migration."""
    stray: list[Path] = []
    others: list[Path] = []
    # Sqitch's directory is often the project itself: only its script folders are its own.
    roots = (
        [context.directory / name for name in ("deploy", "revert", "verify")]
        if layout == "sqitch"
        else [context.directory]
    )
    for path in sorted(p for root in roots if root.is_dir() for p in _files(root)):
        if path.resolve() in context.recognised:
            continue
        if path.suffix.lower() == ".sql":
            stray.append(path)
        elif path.suffix.lower() not in _DOCUMENT_SUFFIXES:
            others.append(path)
    how = f"the {layout} layout" + (" (detected)" if fmt == "auto" else " (migrations_format)")
    for path in stray:
        rel = context.rel(path)
        context.note(
            "unrecognised-file",
            Level.WARNING,
            rel,
            f"not a migration of {how}, so it is neither applied nor shown; rename it to the"
            " layout's pattern, move it out of the migrations directory, or exclude it"
            " under checks: unrecognised-file: exclude:",
            Location(rel),
        )
    if found or not (stray or others):
        return
    rel_dir = context.rel(context.directory)
    listed = [context.rel(p) for p in (stray or others)[:3]]
    more = f" and {len(stray or others) - 3} more" if len(stray or others) > 3 else ""
    lone = [p for p in stray if p.name.lower() in ("schema.sql", "structure.sql", "dump.sql")]
    hint = (
        f" A schema dump such as {lone[0].name} is not read as a migration: rename it"
        " 0001_schema.sql to apply it as the baseline."
        if lone
        else ""
    )
    context.note(
        "no-migrations",
        Level.ERROR,
        rel_dir,
        f"{rel_dir}/ holds {', '.join(listed)}{more} but no migration {how} recognises,"
        f" so the wiki would be empty.{hint} Accepted layouts: {LAYOUTS}",
        Location(rel_dir),
    )


def _files(directory: Path) -> list[Path]:
    """Every file under ``directory``, hidden files and folders left out."""
    out: list[Path] = []
    stack = [directory]
    while stack:
        current = stack.pop()
        try:
            children = list(current.iterdir())
        except OSError:
            continue
        for child in children:
            if child.name.startswith(".") or child.name in _NOT_SEARCHED:
                continue
            if child.is_dir():
                stack.append(child)
            elif child.is_file():
                out.append(child)
    return out


def _migration(context: Context, candidate: Candidate) -> Migration:
    files: list[MigrationFile] = []
    statements: list[Statement] = []
    fields: dict[str, HeaderField] = {}
    own: list[tuple[str, dict[str, HeaderField]]] = []
    for i, part in enumerate(candidate.parts):
        rel = context.rel(part.path)
        parsed, findings = parse_header_lines(header_lines(part.header_text or part.text), rel)
        context.findings.extend(findings)
        if i == 0:
            fields = dict(parsed.fields)
        own.append((rel, dict(parsed.fields)))
        segments = part.segments if part.segments is not None else [Segment(0, len(part.text))]
        files.append(MigrationFile(path=rel, sql=part.text))
        statements.extend(statements_in(part.text, rel, segments))
    for key, value in candidate.extra_fields.items():
        fields.setdefault(key, value)
    migration = Migration(
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
    if len(own) > 1:
        migration = replace(migration, steps=_steps(migration, own))
    _check_lifespan_start(context, migration)
    return migration


def _steps(
    migration: Migration, own: list[tuple[str, dict[str, HeaderField]]]
) -> tuple[MigrationStep, ...]:
    steps: list[MigrationStep] = []
    inherited = migration.header.fields
    for number, (path, fields) in enumerate(own, start=1):
        merged = {**inherited, **{k: v for k, v in fields.items() if v.value.strip()}}
        date_field = merged.get("date")
        day = date_field.date if date_field is not None else None
        steps.append(
            MigrationStep(
                number=number,
                path=path,
                header=MigrationHeader(fields=merged),
                date=day or migration.date,
                own=tuple(k for k, v in fields.items() if v.value.strip()),
            )
        )
    return tuple(steps)


def _check_lifespan_start(context: Context, migration: Migration) -> None:
    """``Expected lifespan: 6 months`` with no date to count from loses the drop date."""
    header = migration.header
    drop = header.get("can drop after")
    if drop is not None and drop.value.strip():
        return
    lifespan = header.get("expected lifespan")
    if lifespan is None:
        return
    first = lifespan.value.split("\n")[0]
    reading = read_lifespan(first)
    if reading is None or reading.until is not None or migration.date is not None:
        return
    path = migration.files[0].path if migration.files else migration.path
    context.note(
        "invalid-drop-date",
        Level.ERROR,
        path,
        f"Expected lifespan: '{first}' counts from the migration's"
        " date, but it has none (no Date: field, and its version is not a date), so no"
        " column of it gets a drop date and the expired-column gate never fires;"
        " add '-- Date: YYYY-MM-DD' or write 'Can drop after: YYYY-MM-DD'",
        Location(path, lifespan.line),
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
