"""Where each generated page lives (its source path under ``docs/``) and links between them.

Links are written as relative ``.md`` paths, so MkDocs resolves and checks
them like any hand-written link, whatever ``use_directory_urls`` says.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re

from ..model import column_anchor

__all__ = ["adr_page", "column_anchor", "migration_page", "relative", "slug", "table_page"]

SCHEMA_INDEX = "schema/index.md"
MIGRATIONS_INDEX = "migrations/index.md"
ADRS_INDEX = "adrs/index.md"
HEALTH = "schema/health.md"
#: Every table and view by name, letter by letter.
TABLES_AZ = "schema/a-z.md"
#: Dropped tables and columns: when, by which migration, and why.
DROPPED = "schema/dropped.md"

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def slug(name: str) -> str:
    """A file-name-safe form of an identifier, unique per distinct name."""
    cleaned = _SAFE.sub("-", name).strip(".") or "_"
    if cleaned == name:
        return name
    # Different names must never map to one file.
    return f"{cleaned}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"


def table_page(schema: str, name: str, *, dropped: bool = False) -> str:
    """``schema/<schema>/<table>.md``, or under ``schema/dropped/`` for a dropped table."""
    prefix = "schema/dropped" if dropped else "schema"
    return f"{prefix}/{slug(schema)}/{slug(name)}.md"


def migration_page(migration_id: str) -> str:
    """``migrations/<id>.md``."""
    return f"migrations/{slug(migration_id)}.md"


def adr_page(adr_id: str) -> str:
    """``adrs/<id>.md``."""
    return f"adrs/{slug(adr_id)}.md"


def relative(from_page: str, to_page: str, anchor: str | None = None) -> str:
    """The link from one generated page to another (or to an anchor on it)."""
    target = "" if to_page == from_page else _relpath(posixpath.dirname(from_page), to_page)
    return f"{target}#{anchor}" if anchor else (target or "#")


@functools.lru_cache(maxsize=65536)
def _relpath(from_dir: str, to_page: str) -> str:
    # Both are POSIX paths relative to docs/: no file system involved (posixpath.relpath
    # would call os.getcwd twice per link, a third of a large wiki's render time).
    here = [p for p in from_dir.split("/") if p]
    there = to_page.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


def column_link(
    from_page: str, schema: str, table: str, column: str, *, dropped: bool = False
) -> str:
    """The link from ``from_page`` to a column's anchor on its table's page."""
    return relative(from_page, table_page(schema, table, dropped=dropped), column_anchor(column))
