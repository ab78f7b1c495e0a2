"""Values kept on disk between builds, and the fingerprint of the code that made them.

Every file in ``.cache/schema-wiki/`` is written to a temporary name and
renamed into place, so an interrupted build never leaves a broken one; an
unreadable or stale file is a miss and is rewritten.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TypeVar

import msgspec

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Bump when the content of the cache files changes shape.
CACHE_FORMAT = 3
_PACKAGE = Path(__file__).resolve().parent.parent
#: Libraries whose behaviour shapes what is cached: the parse, the pages, the findings.
LIBRARIES = (
    "sqlglot",
    "jinja2",
    "markupsafe",
    "python-frontmatter",
    "PyYAML",
    "psycopg",
    "msgspec",
)


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of this package's files and the libraries' versions.

    The one fingerprint of every cache: a new version of the code, a template
    or a library never reads what an older one wrote.
    """
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version}\0".encode())
    for path in sorted(p for p in _PACKAGE.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    for name in LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(f"{name}={importlib.metadata.version(name)}\0".encode())
    return digest.hexdigest()


#: Every cache file starts with this, then the format version and the record's kind.
MAGIC = b"schema-wiki cache\n"


class DiskCache:
    """Typed records in one directory, in a data-only format, written atomically.

    A record is MessagePack (msgspec) decoded against the type the reader
    asks for, so a file can only ever yield plain data of that shape: no code
    runs while reading it, unlike a pickle, and a record of another version,
    a truncated or a forged file fails validation. Every failure is a miss:
    the caller recomputes and rewrites the file. A file that is not ours or
    fails validation is also reported, once, in the log.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def read(self, name: str, kind: type[T]) -> T | None:
        """The record in ``name`` as a ``kind``, or None (missing, stale or invalid)."""
        try:
            data = (self.directory / name).read_bytes()
        except OSError:
            return None
        header = _header(kind)
        if not data.startswith(header):
            if data.startswith(MAGIC):  # another version of the format: just stale
                log.debug("schema-wiki: cache file %s is from another version", name)
            else:
                _ignored(self.directory / name, "it is not a schema-wiki cache file")
            return None
        try:
            return msgspec.msgpack.decode(memoryview(data)[len(header) :], type=kind)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            _ignored(self.directory / name, str(exc))
            return None

    def write(self, name: str, value: object) -> None:
        """Write ``value`` to a temporary file, then rename it over ``name``."""
        tmp: str | None = None
        try:
            payload = _header(type(value)) + _ENCODER.encode(value)
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Written by schema-wiki: a cache, never commit it.\n*\n")
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.replace(tmp, self.directory / name)
            tmp = None
        except (OSError, TypeError) as exc:  # a read-only checkout still builds, only slower
            log.debug("schema-wiki: cannot write cache file %s: %s", name, exc)
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def prune(self, prefix: str, keep: int) -> None:
        """Remove all but the ``keep`` newest files whose name starts with ``prefix``."""
        try:
            files = sorted(
                self.directory.glob(f"{prefix}*"), key=lambda p: p.stat().st_mtime, reverse=True
            )
        except OSError:
            return
        for old in files[keep:]:
            with contextlib.suppress(OSError):
                old.unlink()


_ENCODER = msgspec.msgpack.Encoder()


def _header(kind: type) -> bytes:
    return MAGIC + f"{CACHE_FORMAT} {kind.__module__}.{kind.__qualname__}\n".encode()


def _ignored(path: Path, why: str) -> None:
    log.warning("schema-wiki: ignoring cache file %s (%s); it will be rebuilt", path, why)
