"""Find, order and read a project's migrations, whatever tool wrote them.

`load_migrations` reads a migrations directory in one of the layouts in
`FORMATS` (``auto`` detects it) and returns the migrations in the order the
tool applies them, each with its header, its statements and the documents
shown beside it. Files that are not migrations (a README next to them,
backups, schema snapshots) are ignored.

Layouts and their order:

``plain``
    ``<version>_<name>.sql`` files (``20240215093000_add_legacy_id.sql``, or
    shorter date versions such as ``20240215_name.sql``) and directories
    ``<version>_<name>/`` holding numbered SQL files (``001_create.sql``,
    ``002_backfill.sql``, ... applied in numeric order) and Markdown documents
    (README.md, PLAN.md, ROLLBACK.md). Versions that are dates of different
    lengths compare as timestamps (``20240301`` after ``20240215093000``),
    other versions as numbers. A directory migration's header is the header
    of its first SQL file; the later files' headers are still checked.

Rollback scripts (down, undo, revert) are never applied: they are kept in
``Migration.documents`` under `ROLLBACK_DOCUMENT` as Markdown holding a fenced
SQL block, so the migration page shows them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import SourceError
from ..model import (
    Action,
    Change,
    Finding,
    Level,
    Location,
    Migration,
    MigrationFile,
    MigrationHeader,
    Statement,
    version_date,
)
from .headers import parse_header
from .statements import Segment, statements_in

__all__ = ["FORMATS", "ROLLBACK_DOCUMENT", "detect_format", "load_migrations", "rollback_markdown"]

#: Layouts `load_migrations` reads, besides ``auto``.
FORMATS = ("plain",)
#: Key in ``Migration.documents`` of the rollback script, as Markdown.
ROLLBACK_DOCUMENT = "ROLLBACK.sql"

_PLAIN_FILE = re.compile(r"^(\d+)[_-](.+)\.sql$", re.IGNORECASE)
_PLAIN_DIR = re.compile(r"^(\d+)[_-](.+)$")
_NUMBERED_SQL = re.compile(r"^(\d+)(?:[_-](.*))?\.sql$", re.IGNORECASE)
_ROLLBACK_SQL = re.compile(r"(?:^|[._-])(?:down|rollback|revert|undo)\.sql$", re.IGNORECASE)
_DOCUMENT = re.compile(r"\.(?:md|markdown)$", re.IGNORECASE)


# --- the reading context ----------------------------------------------------------------


@dataclass
class _Context:
    root: Path
    directory: Path
    findings: list[Finding] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        """``path`` relative to the project root, in POSIX form."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(os.path.relpath(path.resolve(), self.root.resolve())).as_posix()

    def read(self, path: Path) -> str | None:
        """The file's text (BOM stripped, newlines normalised), or None with a finding."""
        rel = self.rel(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SourceError(
                f"cannot read {rel}: {error.strerror or error}", Location(rel)
            ) from error
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            self.findings.append(
                Finding(
                    rule="unreadable-migration",
                    level=Level.ERROR,
                    target=rel,
                    message=(
                        f"not valid UTF-8 (byte 0x{data[error.start]:02x} on line {line});"
                        " the file was skipped: save it as UTF-8"
                    ),
                    location=Location(rel, line),
                )
            )
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class _Part:
    """One SQL file of a migration and the stretches of it that are applied."""

    path: Path
    text: str
    #: None: the whole file.
    segments: list[Segment] | None = None


@dataclass
class _Candidate:
    """A migration found on disk, before ordering and parsing."""

    version: str
    name: str
    id: str
    path: Path
    parts: list[_Part]
    #: Sort key: the tool's order.
    order: tuple[object, ...]
    #: Two candidates with the same identity are the same version: an error.
    identity: object
    documents: dict[str, str] = field(default_factory=dict)
    transactional: bool = True


# --- public API ---------------------------------------------------------------------------


def load_migrations(
    root: Path, directory: Path, *, fmt: str = "auto"
) -> tuple[list[Migration], list[Finding]]:
    """The migrations in ``directory``, in the order their tool applies them.

    ``root`` is the project root (paths in the result are relative to it, in
    POSIX form); ``directory`` is absolute or relative to ``root``. ``fmt`` is
    ``auto`` or one of `FORMATS`. Returns the migrations and findings about
    them (invalid header dates, unreadable files that were skipped).

    Raises `SourceError` when the directory is missing, the format is
    unknown, or two migrations have the same version (naming both files).
    """
    directory = directory if directory.is_absolute() else root / directory
    if not directory.is_dir():
        raise SourceError(f"migrations directory {directory} does not exist")
    context = _Context(root, directory)
    name = detect_format(directory) if fmt == "auto" else fmt
    reader = _READERS.get(name)
    if reader is None:
        raise SourceError(
            f"unknown migrations format {fmt!r}: use auto or one of {', '.join(FORMATS)}"
        )
    candidates = reader(context)
    migrations = _build(context, candidates)
    return migrations, context.findings


def detect_format(directory: Path) -> str:
    """The layout of ``directory``: one of `FORMATS` (``plain`` when unsure)."""
    return "plain"


def rollback_markdown(rel_path: str, sql: str) -> str:
    """A rollback script as Markdown: where it comes from and a fenced SQL block."""
    longest = max((len(run) for run in re.findall(r"`+", sql)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"`{rel_path}` (not applied):\n\n{fence}sql\n{sql.strip()}\n{fence}\n"


# --- building migrations ----------------------------------------------------------------


def _build(context: _Context, candidates: list[_Candidate]) -> list[Migration]:
    ordered = sorted(candidates, key=lambda c: c.order)
    seen: dict[object, _Candidate] = {}
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


def _migration(context: _Context, candidate: _Candidate) -> Migration:
    files: list[MigrationFile] = []
    statements: list[Statement] = []
    header = MigrationHeader()
    for i, part in enumerate(candidate.parts):
        rel = context.rel(part.path)
        parsed, findings = parse_header(part.text, rel)
        context.findings.extend(findings)
        if i == 0:
            header = parsed
        segments = part.segments if part.segments is not None else [Segment(0, len(part.text))]
        files.append(MigrationFile(path=rel, sql=part.text))
        statements.extend(statements_in(part.text, rel, segments))
    return Migration(
        id=candidate.id,
        version=candidate.version,
        name=candidate.name,
        path=context.rel(candidate.path),
        header=header,
        files=tuple(files),
        statements=tuple(statements),
        documents=dict(candidate.documents),
        transactional=candidate.transactional and all(s.transactional for s in statements),
    )


def _resolve_dropped_indexes(migrations: list[Migration]) -> list[Migration]:
    """Fill in the table of ``DROP INDEX`` changes from the ``CREATE INDEX`` before them.

    ``DROP INDEX`` names only the index; following the migrations in order
    (and the table renames between) tells which table it belonged to.
    """
    owner: dict[tuple[str, str], str] = {}
    out: list[Migration] = []
    for migration in migrations:
        changed = False
        statements: list[Statement] = []
        for statement in migration.statements:
            resolved = False
            changes: list[Change] = []
            for change in statement.changes:
                if change.action == Action.CREATE_INDEX and change.detail:
                    owner[(change.schema, change.detail)] = change.table
                elif change.action == Action.RENAME_TABLE and change.new_name:
                    for key, table in owner.items():
                        if key[0] == change.schema and table == change.table:
                            owner[key] = change.new_name
                elif change.action == Action.DROP_INDEX and not change.table and change.detail:
                    table = owner.pop((change.schema, change.detail), "")
                    if table:
                        change = replace(change, table=table)
                        resolved = changed = True
                changes.append(change)
            statements.append(replace(statement, changes=tuple(changes)) if resolved else statement)
        out.append(replace(migration, statements=tuple(statements)) if changed else migration)
    return out


# --- shared helpers ---------------------------------------------------------------------


def _timestamp_order(version: str) -> int:
    """A version as a number; date versions of any length compare as timestamps."""
    if len(version) in (8, 10, 12, 14) and version_date(version) is not None:
        return int(version.ljust(14, "0"))
    return int(version)


def _documents(context: _Context, directory: Path) -> dict[str, str]:
    documents: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if path.is_file() and _DOCUMENT.search(path.name):
            text = context.read(path)
            if text is not None:
                documents[path.name] = text
    return documents


def _directory_parts(context: _Context, directory: Path) -> tuple[list[_Part], dict[str, str]]:
    """Numbered SQL files of a directory migration in numeric order, and its documents."""
    numbered: list[tuple[int, str, Path]] = []
    rollbacks: list[Path] = []
    main: list[Path] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or not path.name.lower().endswith(".sql"):
            continue
        if _ROLLBACK_SQL.search(path.name):
            rollbacks.append(path)
            continue
        m = _NUMBERED_SQL.match(path.name)
        if m:
            numbered.append((int(m.group(1)), path.name, path))
        elif path.name.lower() in ("up.sql", "migration.sql", "deploy.sql"):
            main.append(path)
    chosen = [p for _, _, p in sorted(numbered)] or main
    parts = [_Part(p, text) for p in chosen if (text := context.read(p)) is not None]
    documents = _documents(context, directory)
    for path in rollbacks:
        text = context.read(path)
        if text is not None:
            documents.setdefault(ROLLBACK_DOCUMENT, rollback_markdown(context.rel(path), text))
    return parts, documents


# --- plain ------------------------------------------------------------------------------


def _read_plain(context: _Context) -> list[_Candidate]:
    out: list[_Candidate] = []
    for path in sorted(context.directory.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file():
            m = _PLAIN_FILE.match(path.name)
            if not m or _ROLLBACK_SQL.search(path.name):
                continue
            text = context.read(path)
            if text is None:
                continue
            version, name = m.group(1), m.group(2)
            if name.lower().endswith(".up"):
                name = name[:-3]
            out.append(
                _Candidate(
                    version=version,
                    name=name,
                    id=path.name[: -len(".sql")],
                    path=path,
                    parts=[_Part(path, text)],
                    order=(_timestamp_order(version), name),
                    identity=int(version),
                )
            )
        elif path.is_dir():
            m = _PLAIN_DIR.match(path.name)
            if not m:
                continue
            parts, documents = _directory_parts(context, path)
            if not parts:
                continue
            version, name = m.group(1), m.group(2)
            out.append(
                _Candidate(
                    version=version,
                    name=name,
                    id=path.name,
                    path=path,
                    parts=parts,
                    order=(_timestamp_order(version), name),
                    identity=int(version),
                    documents=documents,
                )
            )
    return out


_READERS: dict[str, Callable[[_Context], list[_Candidate]]] = {
    "plain": _read_plain,
}
