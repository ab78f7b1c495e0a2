"""Reuse the previous build's pages and findings when none of its inputs changed.

A warm ``mkdocs build`` of an unchanged project (CI runs it on every push;
most pushes touch no migration and no ADR) would otherwise parse every
header, replay the history, run the checks and render every page again
only to produce the very same Markdown. The pages are already files in
``.cache/schema-wiki/pages/`` (`pagefiles`); this module records, next to
them, what produced them:

* the **key**: a digest of every input of `project.load` and of
  rendering: the content of every file under the migrations and ADR
  directories, the setup SQL and a ``compare_with`` snapshot, the resolved
  settings (``today`` included), the rendering options, the user's
  templates, the PostgreSQL binaries, and the code of this package with the
  versions of the libraries whose output reaches a page;
* the **pages**, each with the digest of its text, and the **findings**.

A build whose key matches, and whose page files still have those digests,
uses them as they are. Anything else (no record, another key, a page file
changed or gone, an unreadable record) is a miss and the build runs in full.

When only ADRs changed (`Keys.sources` is the last build's), the build
loads the project as usual but renders only the pages the ADR edits can
reach, from the last build's model (`Previous`, in ``previous.msgpack``),
the way a ``mkdocs serve`` rebuild does (`schema_wiki.incremental`).

A project whose catalog is a live database (``database:`` a connection
string, or ``compare_with:`` one) has an input this module cannot see, so
it is never reused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config import WikiConfig
from ..model import Finding, Wiki
from .disk import DiskCache, code_fingerprint

__all__ = [
    "Keys",
    "Memo",
    "Previous",
    "build_keys",
    "inputs_key",
    "read_memo",
    "read_previous",
    "write_memo",
    "write_previous",
]

#: Bump when the record's shape changes.
MEMO_FORMAT = 1
MEMO_FILE = "build.msgpack"
PREVIOUS_FILE = "previous.msgpack"


@dataclass(frozen=True)
class Memo:
    """The previous build: its key, its pages' digests (by src_uri) and its findings."""

    key: str
    pages: dict[str, bytes]
    findings: tuple[Finding, ...]


def _tree(digest: hashlib._Hash, directory: Path | None) -> None:
    """Every file under ``directory``: its path and content, in a stable order."""
    if directory is None or not directory.is_dir():
        digest.update(b"<none>\0")
        return
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            digest.update(os.path.relpath(path, directory).encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
            with open(path, "rb") as f:
                digest.update(hashlib.sha256(f.read()).digest())


def _code(digest: hashlib._Hash, config: WikiConfig) -> None:
    """The application code ``code_paths:`` names: column pages show where it names columns."""
    if not config.code_paths:
        return
    from ..sources.code import code_files

    for shown, path in code_files(config.root, config.code_paths):
        digest.update(shown.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _snapshot_path(config: WikiConfig) -> Path | None:
    from ..join.drift import is_snapshot

    assert config.compare_with is not None
    if not is_snapshot(config.compare_with):
        return None
    path = Path(config.compare_with.strip())
    return path if path.is_absolute() else config.root / path


@dataclass(frozen=True)
class Keys:
    """The digests of a build's inputs: all of them, and all but the ADRs."""

    inputs: str
    #: Equal when only ADRs changed: the previous build's pages can be updated
    #: page by page (`Previous`, `schema_wiki.incremental`).
    sources: str


def inputs_key(config: WikiConfig, rendering: Iterable[object]) -> str | None:
    """The digest of everything a build reads, or None when a build cannot be reused."""
    keys = build_keys(config, rendering)
    return keys.inputs if keys is not None else None


def build_keys(config: WikiConfig, rendering: Iterable[object]) -> Keys | None:
    """The digests of everything a build reads, or None when a build cannot be reused.

    ``rendering`` is whatever else the pages depend on (the render options);
    its ``repr`` enters the digest. None also when a file cannot be read:
    the build then reports it as it always does.
    """
    from ..pipeline import read_setup_sql, server_identity

    if not config.embedded:
        return None
    digest = hashlib.sha256()
    try:
        digest.update(code_fingerprint().encode())
        digest.update(repr(config).encode())
        digest.update(repr(list(rendering)).encode())
        digest.update((read_setup_sql(config) or "").encode())
        digest.update(server_identity(config).encode())
        _tree(digest, config.migrations_dir)
        _tree(digest, config.templates_dir)
        _code(digest, config)
        if config.compare_with:
            snapshot = _snapshot_path(config)
            if snapshot is None:
                return None
            digest.update(snapshot.read_bytes())
        sources = digest.hexdigest()
        _tree(digest, config.adrs_dir)
    except Exception:  # an unreadable file or setting: the full build says what is wrong
        return None
    return Keys(digest.hexdigest(), sources)


def read_memo(cache_dir: Path, key: str) -> Memo | None:
    """The previous build's record, when its key is ``key``.

    The caller still checks the page files against `Memo.pages`
    (`PageFiles.verify`): another build may have rewritten them since.
    """
    stored = DiskCache(cache_dir).read(MEMO_FILE, Memo)
    if stored is None or stored.key != key:
        return None
    return stored


def write_memo(
    cache_dir: Path, key: str, pages: Mapping[str, bytes], findings: Iterable[Finding]
) -> None:
    """Record this build: ``pages`` are the digests of the page files it wrote."""
    DiskCache(cache_dir).write(MEMO_FILE, Memo(key, dict(pages), tuple(findings)))


@dataclass(frozen=True)
class Previous:
    """The last build's model, for a build in which only ADRs changed.

    The model is kept without its migrations and catalog: `Keys.sources`
    being equal means they are the very same, and the build puts its own in.
    """

    sources: str
    wiki: Wiki
    #: The digest of the rendering inputs `incremental.pages_to_render` compares.
    inputs: str
    #: Digests of the page files, by src_uri, as the last build left them.
    pages: dict[str, bytes]


def read_previous(cache_dir: Path, sources: str) -> Previous | None:
    """The last build's model, when only ADRs changed since (its sources key is ``sources``)."""
    stored = DiskCache(cache_dir).read(PREVIOUS_FILE, Previous)
    if stored is None or stored.sources != sources:
        return None
    return stored


def write_previous(
    cache_dir: Path, sources: str, wiki: Wiki, inputs: str, pages: Mapping[str, bytes]
) -> None:
    """Record this build's model (without its migrations and catalog) for the next build."""
    # The history is rebuilt from the catalog's witness; it is not plain data to store.
    slim = dataclasses.replace(wiki, migrations=(), catalog=None, history=None)
    DiskCache(cache_dir).write(PREVIOUS_FILE, Previous(sources, slim, inputs, dict(pages)))
