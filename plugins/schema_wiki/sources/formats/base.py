"""What every migration layout reader shares: reading files, candidates, rollbacks."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import SourceError
from ...model import Finding, HeaderField, Level, Location, version_date
from ..statements import Segment

__all__ = [
    "ROLLBACK_DOCUMENT",
    "Candidate",
    "Context",
    "Part",
    "documents_in",
    "rollback_markdown",
    "timestamp_order",
]

#: Key in ``Migration.documents`` of the rollback script, as Markdown.
ROLLBACK_DOCUMENT = "ROLLBACK.sql"

_DOCUMENT = re.compile(r"\.(?:md|markdown)$", re.IGNORECASE)


@dataclass
class Context:
    """One `load_migrations` call: where paths are relative to, and the findings so far."""

    root: Path
    directory: Path
    findings: list[Finding] = field(default_factory=list)
    #: Every file a reader took (read, or knowingly passed over), resolved: what
    #: is left in the directory is reported as not recognised.
    recognised: set[Path] = field(default_factory=set)

    def recognise(self, path: Path) -> None:
        """Mark a file the layout knows although it reads nothing of it (Sqitch's verify/)."""
        self.recognised.add(path.resolve())

    def rel(self, path: Path) -> str:
        """``path`` relative to the project root, in POSIX form."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(os.path.relpath(path.resolve(), self.root.resolve())).as_posix()

    def read(self, path: Path) -> str | None:
        """The file's text (BOM stripped, newlines normalised), or None with a finding.

        A file that is not UTF-8 is skipped with an ``unreadable-migration``
        error naming the line of the first bad byte: the rest of the project
        still builds, and the build fails on the error.
        """
        rel = self.rel(path)
        self.recognise(path)
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
            self.note(
                "unreadable-migration",
                Level.ERROR,
                rel,
                f"not valid UTF-8 (byte 0x{data[error.start]:02x} on line {line});"
                " the file was skipped: save it as UTF-8",
                Location(rel, line),
            )
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def note(
        self, rule: str, level: Level, target: str, message: str, location: Location | None
    ) -> None:
        """Record a finding about the migrations."""
        self.findings.append(Finding(rule, level, target, message, location))


@dataclass
class Part:
    """One SQL file of a migration and the stretches of it that are applied."""

    path: Path
    text: str
    #: None: the whole file.
    segments: list[Segment] | None = None
    #: The text the header is read from, when not ``text`` itself: same lines, with
    #: what is not the header blanked (a Liquibase changeset's neighbours).
    header_text: str | None = None


@dataclass
class Candidate:
    """A migration found on disk, before ordering and parsing."""

    version: str
    name: str
    id: str
    path: Path
    parts: list[Part]
    #: Sort key: the tool's order.
    order: tuple[object, ...]
    #: Two candidates with the same identity have the same version: an error.
    identity: object
    documents: dict[str, str] = field(default_factory=dict)
    transactional: bool = True
    #: Header fields the tool states elsewhere (Sqitch's plan), used when the
    #: file's own header lacks them.
    extra_fields: dict[str, HeaderField] = field(default_factory=dict)
    #: Several migrations may share a version (the seed's ``YYYYMMDD_name``): they
    #: are ordered by name, and one ``shared-version`` note says so.
    shared_versions: bool = False


def timestamp_order(version: str) -> int:
    """A version as a number; date versions of any length compare as timestamps.

    ``20240301`` (8 digits) sorts after ``20240215093000`` (14 digits) and
    before ``20240301120000``: it is read as midnight of that day.
    """
    if len(version) in (8, 10, 12, 14) and version_date(version) is not None:
        return int(version.ljust(14, "0"))
    return int(version)


def rollback_markdown(source: str, sql: str) -> str:
    """A rollback script as Markdown: where it comes from and a fenced SQL block."""
    longest = max((len(run) for run in re.findall(r"`+", sql)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"From `{source}`, not applied by the wiki:\n\n{fence}sql\n{sql.strip()}\n{fence}\n"


def documents_in(context: Context, directory: Path) -> dict[str, str]:
    """The Markdown documents of a directory migration, by file name."""
    documents: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if path.is_file() and _DOCUMENT.search(path.name):
            text = context.read(path)
            if text is not None:
                documents[path.name] = text
    return documents
