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
import pickle
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

#: Bump when the content of the cache files changes shape.
CACHE_FORMAT = 2
_PACKAGE = Path(__file__).resolve().parent.parent
#: Libraries whose behaviour shapes what is cached: the parse, the pages, the findings.
LIBRARIES = ("sqlglot", "jinja2", "markupsafe", "python-frontmatter", "PyYAML", "psycopg")


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


class DiskCache:
    """Pickled values in one directory, written atomically; every failure is a miss."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def read(self, name: str) -> object | None:
        try:
            with open(self.directory / name, "rb") as f:
                value: object = pickle.load(f)
                return value
        except FileNotFoundError:
            return None
        except Exception as exc:  # truncated, from another version, unreadable...
            log.debug("schema-wiki: ignoring cache file %s: %s", name, exc)
            return None

    def write(self, name: str, value: object) -> None:
        """Write ``value`` to a temporary file, then rename it over ``name``."""
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Written by schema-wiki: a cache, never commit it.\n*\n")
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.directory / name)
            tmp = None
        except OSError as exc:  # a read-only checkout still builds, only slower
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
