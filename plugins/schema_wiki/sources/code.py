"""Where the application code still names a column: ``code_paths:``.

The seed's "great review comment" names the background worker that still
queries a column about to be dropped. ``code_paths:`` (globs relative to
mkdocs.yml, ``**`` for any depth) names the application code; for each
column asked about, a line of that code names it when it has

* the column qualified by its table: ``users.username``,
  ``"users"."username"`` or ``public.users.username``, anywhere on the
  line; or
* the column's bare name inside an SQL string (a string literal holding
  SELECT, INSERT, UPDATE, DELETE, FROM, JOIN, WHERE, INTO, VALUES or
  RETURNING; a ``.sql`` file is one such string), with the table's name in
  the same string, or in the string literal just before or after it within
  `NEARBY` lines (a query built from parts: ``"SELECT username " + "FROM
  users"``).

Words match whole and without regard to case, as PostgreSQL folds unquoted
names. A file is scanned once per content: the words of its SQL strings and
its qualified names are kept by file digest in the cache directory
(``code-index.msgpack``), so a run reads the files and hashes them, and
tokenises only the files that changed. Files that are not UTF-8 text or are
larger than `MAX_BYTES` are skipped.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..cache.disk import DiskCache, code_fingerprint
from ..model import CodeReference, Wiki

__all__ = [
    "NEARBY",
    "CodeSearch",
    "FileIndex",
    "code_files",
    "index_text",
    "search_code",
    "watched_columns",
    "with_code_references",
]

#: Lines between a column's name and its table's name in neighbouring SQL strings.
NEARBY = 10
MAX_BYTES = 2 * 1024 * 1024
_CACHE_FILE = "code-index.msgpack"
_SQL_WORDS = frozenset(
    {"select", "insert", "update", "delete", "from", "join", "where", "into", "values", "returning"}
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# Two or three names joined by dots, each bare or double-quoted.
_NAME = r'(?:"[^"\n]+"|[A-Za-z_][A-Za-z0-9_$]*)'
_QUALIFIED = re.compile(rf"(?<![\w$.]){_NAME}(?:\s*\.\s*{_NAME}){{1,2}}(?![\w$])")
_PART = re.compile(_NAME)


@dataclass(frozen=True)
class FileIndex:
    """What one file's content names: lower-case words of its SQL strings, each with
    (line, number of the string literal in the file) where it is, and qualified names
    (``table.column`` pairs) with their lines."""

    digest: str
    query_words: dict[str, tuple[tuple[int, int], ...]]
    qualified: dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class CodeIndexRecord:
    """The cached indexes by project-relative path, for the code that made them."""

    fingerprint: str
    files: dict[str, FileIndex]


@dataclass(frozen=True)
class CodeSearch:
    """The references found, by ``schema.table.column``, and how many files were searched."""

    references: dict[str, tuple[CodeReference, ...]]
    files: int


def code_files(root: Path, patterns: Sequence[str]) -> list[tuple[str, Path]]:
    """The files ``patterns`` match under ``root``, as (shown path, absolute path), sorted."""
    found: dict[str, Path] = {}
    for pattern in patterns:
        for name in glob.glob(pattern, root_dir=root, recursive=True):
            path = root / name
            if path.is_file():
                found.setdefault(Path(os.path.normpath(name)).as_posix(), path)
    return sorted(found.items())


def _strings(text: str, path: str) -> Iterator[tuple[int, str]]:
    """(first line, content) of every string literal: '...', "...", `...`, and triple-quoted
    strings; the whole text for a ``.sql`` file."""
    if path.lower().endswith(".sql"):
        yield 1, text
        return
    i, n, line = 0, len(text), 1
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
            continue
        if ch not in "'\"`":
            i += 1
            continue
        triple = text[i : i + 3] == ch * 3
        closing = ch * 3 if triple else ch
        multiline = triple or ch == "`"
        j = i + len(closing)
        start_line = line
        while j < n:
            c = text[j]
            if c == "\\":
                j += 2
                continue
            if c == "\n" and not multiline:
                break  # an unterminated quote (an apostrophe in a comment): give up on it
            if text.startswith(closing, j):
                break
            j += 1
        body = text[i + len(closing) : j]
        yield start_line, body
        line += text.count("\n", i, min(j + len(closing), n))
        i = j + (len(closing) if j < n and text.startswith(closing, j) else 1)


def index_text(text: str, path: str, digest: str = "") -> FileIndex:
    """The `FileIndex` of one file's text (``path`` decides whether it is all SQL)."""
    words: dict[str, set[tuple[int, int]]] = {}
    for number, (first, body) in enumerate(_strings(text, path)):
        lowered = body.lower()
        tokens = set(_WORD.findall(lowered))
        if not tokens & _SQL_WORDS:
            continue
        for offset, part in enumerate(lowered.split("\n")):
            for word in _WORD.findall(part):
                words.setdefault(word, set()).add((first + offset, number))
    qualified: dict[str, set[int]] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if "." not in line:
            continue
        for m in _QUALIFIED.finditer(line):
            names = [p.strip('"').lower() for p in _PART.findall(m.group(0))]
            for a, b in itertools.pairwise(names):
                qualified.setdefault(f"{a}.{b}", set()).add(number)
    return FileIndex(
        digest,
        {k: tuple(sorted(v)) for k, v in words.items()},
        {k: tuple(sorted(v)) for k, v in qualified.items()},
    )


def search_code(
    root: Path,
    patterns: Sequence[str],
    columns: Iterable[tuple[str, str, str]],
    cache_dir: Path | None = None,
) -> CodeSearch:
    """Every line of the code under ``patterns`` naming one of ``columns`` (schema, table,
    column), by ``schema.table.column``; columns named nowhere map to ``()``."""
    wanted = list(dict.fromkeys(columns))
    disk = DiskCache(cache_dir) if cache_dir is not None else None
    fingerprint = code_fingerprint()
    stored: dict[str, FileIndex] = {}
    if disk is not None:
        record = disk.read(_CACHE_FILE, CodeIndexRecord)
        if record is not None and record.fingerprint == fingerprint:
            stored = dict(record.files)
    indexes: dict[str, FileIndex] = {}
    texts: dict[str, str] = {}
    changed = False
    files = code_files(root, patterns)
    for shown, path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if len(data) > MAX_BYTES or b"\0" in data[:8192]:
            continue
        digest = hashlib.sha256(data).hexdigest()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        texts[shown] = text
        index = stored.get(shown)
        if index is None or index.digest != digest:
            index = index_text(text, shown, digest)
            changed = True
        indexes[shown] = index
    if disk is not None and (changed or set(stored) != set(indexes)):
        disk.write(_CACHE_FILE, CodeIndexRecord(fingerprint, indexes))

    out: dict[str, tuple[CodeReference, ...]] = {}
    for schema, table, column in wanted:
        t, c = table.lower(), column.lower()
        refs: list[CodeReference] = []
        for shown, index in indexes.items():
            lines: dict[int, str] = {}
            for number in index.qualified.get(f"{t}.{c}", ()):
                lines.setdefault(number, "qualified")
            tables = index.query_words.get(t, ())
            for number, literal in index.query_words.get(c, ()):
                if any(
                    other_literal == literal
                    or (abs(other_literal - literal) == 1 and abs(other - number) <= NEARBY)
                    for other, other_literal in tables
                ):
                    lines.setdefault(number, "query")
            if not lines:
                continue
            source = texts[shown].split("\n")
            for number in sorted(lines):
                excerpt = source[number - 1].strip() if number <= len(source) else ""
                refs.append(CodeReference(shown, number, excerpt[:160], lines[number]))
        out[f"{schema}.{table}.{column}"] = tuple(refs)
    return CodeSearch(out, len(indexes))


_DEPRECATED = re.compile(r"\bdeprecated\b", re.IGNORECASE)


def watched_columns(wiki: Wiki) -> list[tuple[str, str, str]]:
    """The columns whose code references the wiki shows: every current column with a drop
    date (deprecated, expiring or expired) or a comment calling it deprecated."""
    out: list[tuple[str, str, str]] = []
    for table in wiki.tables:
        for column in table.columns:
            if column.drop_after is not None or _DEPRECATED.search(column.comment or ""):
                out.append((table.schema, table.name, column.name))
    return out


def with_code_references(
    wiki: Wiki, root: Path, patterns: Sequence[str], cache_dir: Path | None
) -> Wiki:
    """``wiki`` with `Wiki.code_references` of its `watched_columns`."""
    found = search_code(root, patterns, watched_columns(wiki), cache_dir)
    return replace(wiki, code_references=found.references)
