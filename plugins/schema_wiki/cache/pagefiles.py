"""Generated pages as files in the cache directory, rewritten only when they change.

MkDocs can skip a page in ``mkdocs serve --dirty`` only when the page has a
source file older than its HTML: a page handed over as an in-memory string
counts as modified on every rebuild. Writing each generated page to
``.cache/schema-wiki/pages/<path>`` and touching the file only when its text
changed lets a rebuild after one edit convert and write just the pages that
edit changed (DESIGN.md: 1,000 pages in 0.4 s instead of 8 s). The build
also stops holding every page's Markdown in memory.

Each file is written to a temporary name and renamed into place, so a
concurrent build or an interrupted one never reads half a page.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Container, Iterator, Mapping
from pathlib import Path

from ..atomic import write_atomically

__all__ = ["PageFiles", "PageTexts", "page_digest"]


def page_digest(data: bytes) -> bytes:
    """The digest a page file's bytes are known by."""
    return hashlib.blake2b(data, digest_size=16).digest()


class PageFiles:
    """The page files of one project; remembers what it wrote, for the next serve rebuild."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        #: src_uri -> digest of the text last written (or found) there.
        self._written: dict[str, bytes] = {}
        #: Pages written by the last `sync`: the ones MkDocs will convert again.
        self.changed: list[str] = []

    def path(self, src_uri: str) -> Path:
        return self.directory / src_uri

    def sync(self, pages: Mapping[str, str], kept: Container[str] = ()) -> dict[str, str]:
        """Write the pages whose text changed, remove files of pages that are gone.

        ``kept`` names pages whose text is, by construction, the one this
        object last wrote or verified (an incremental rebuild's pages it did
        not render): they are not hashed again. Returns ``{src_uri: absolute
        path}`` for every page. Raises `OSError` when the directory cannot be
        written (the caller falls back to in-memory pages).
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Written by schema-wiki: a cache, never commit it.\n*\n")
        out: dict[str, str] = {}
        self.changed = []
        for src_uri, text in pages.items():
            if src_uri in kept and src_uri in self._written:
                out[src_uri] = str(self.path(src_uri))
                continue
            data = text.encode("utf-8")
            digest = page_digest(data)
            target = self.path(src_uri)
            known = self._written.get(src_uri)
            if known is None:
                with contextlib.suppress(OSError):
                    known = page_digest(target.read_bytes())
            if known != digest:
                write_atomically(target, data)
                self.changed.append(src_uri)
            self._written[src_uri] = digest
            out[src_uri] = str(target)
        self._remove_others(set(pages))
        return out

    def digests(self) -> dict[str, bytes]:
        """The digest of every page file, by src_uri, as the last `sync` or `verify` left them."""
        return dict(self._written)

    def verify(self, expected: Mapping[str, bytes]) -> dict[str, str] | None:
        """The page files, by src_uri, if each is there with the ``expected`` digest; else None.

        Nothing is written: a build that reuses the pages (`schema_wiki.memo`)
        hands MkDocs the files as they are.
        """
        out: dict[str, str] = {}
        for src_uri, digest in expected.items():
            target = self.path(src_uri)
            try:
                data = target.read_bytes()
            except OSError:
                return None
            if page_digest(data) != digest:
                return None
            out[src_uri] = str(target)
        self._written = dict(expected)
        self.changed = []
        return out

    def _remove_others(self, keep: set[str]) -> None:
        for src_uri in [uri for uri in self._written if uri not in keep]:
            del self._written[src_uri]
        for dirpath, _dirnames, filenames in os.walk(self.directory, topdown=False):
            rel = os.path.relpath(dirpath, self.directory)
            for name in filenames:
                if name.startswith(".") and name.endswith(".tmp"):
                    continue  # another build's page, being written
                uri = name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")
                if uri not in keep:
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(dirpath, name))
            if rel != ".":
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)  # only succeeds once empty


class PageTexts(Mapping[str, str]):
    """Page texts read from their files when asked for: the pages of a previous build."""

    def __init__(self, paths: Mapping[str, str]) -> None:
        self._paths = dict(paths)

    def __getitem__(self, src_uri: str) -> str:
        # newline="": the text as written (the calendar feed's CRLF line ends included).
        with open(self._paths[src_uri], encoding="utf-8", newline="") as f:
            return f.read()

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)
