"""Migration sets the oracle and the real-set builds share, copied and exported once.

Each set is copied once per test session into a temporary directory, where
``schema-wiki export`` runs once; a later ``mkdocs build`` of the same copy
reuses the catalog that export left in ``.cache/schema-wiki`` (the
migrations are applied once per set, not once per test).
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import FIXTURES, ROOT, run

__all__ = ["SETS", "MigrationSet", "export", "project"]


@dataclass(frozen=True)
class MigrationSet:
    """A project with migrations: the example, a fixture, or a vendored real directory."""

    name: str
    source: Path
    #: For fixtures without a mkdocs.yml: the migrations directory, relative to ``source``.
    migrations: str | None = None
    #: Only these entries of ``source`` are copied (the repository root holds more).
    entries: tuple[str, ...] = ()


_TOOL_FIXTURES = {
    "plain": "migrations",
    "golang-migrate": "db/migrations",
    "drizzle": "drizzle",
    "drizzle-folders": "drizzle",
    "flyway": "src/main/resources/db/migration",
    "dbmate": "db/migrations",
    "goose": "migrations",
    "diesel": "migrations",
    "sqitch": ".",
}

#: The vendored real directories (tests/fixtures/real/<name>).
REAL = ("crates-io", "dittofeed", "harbor", "kestra", "measure", "supabase-auth", "umami")

SETS: tuple[MigrationSet, ...] = (
    MigrationSet("example", ROOT, entries=("mkdocs.yml", "migrations", "adrs", "docs")),
    MigrationSet("projects/expired", FIXTURES / "projects" / "expired"),
    MigrationSet("projects/renames", FIXTURES / "projects" / "renames"),
    MigrationSet("adrs/project", FIXTURES / "adrs" / "project"),
    MigrationSet("bad/project", FIXTURES / "bad" / "project"),
    MigrationSet("hostile", FIXTURES / "hostile"),
    *(
        MigrationSet(f"migrations/{tool}", FIXTURES / "migrations" / tool, migrations=directory)
        for tool, directory in _TOOL_FIXTURES.items()
    ),
    *(MigrationSet(f"real/{name}", FIXTURES / "real" / name) for name in REAL),
)

_BY_NAME = {s.name: s for s in SETS}

_CONFIG = """site_name: {name}
theme:
  name: mkdocs
plugins:
  - schema-wiki:
      migrations: {migrations}
      today: 2026-01-31
"""


@functools.cache
def _session_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="schema-wiki-sets-"))
    atexit.register(shutil.rmtree, path, True)
    return path


@functools.cache
def project(name: str) -> Path:
    """A private copy of set ``name``, with a mkdocs.yml (made when the fixture has none)."""
    spec = _BY_NAME[name]
    target = _session_dir() / name.replace("/", "--")
    ignore = shutil.ignore_patterns(".cache", "site", "__pycache__")
    if spec.entries:
        target.mkdir()
        for entry in spec.entries:
            source = spec.source / entry
            if source.is_dir():
                shutil.copytree(source, target / entry, ignore=ignore)
            else:
                shutil.copy2(source, target / entry)
    else:
        shutil.copytree(spec.source, target, ignore=ignore)
    if spec.migrations is not None:
        (target / "mkdocs.yml").write_text(_CONFIG.format(name=name, migrations=spec.migrations))
        (target / "docs").mkdir(exist_ok=True)
        (target / "docs" / "index.md").write_text(f"# {name}\n")
    return target


@functools.cache
def export(name: str) -> dict[str, Any]:
    """``schema-wiki export`` of set ``name`` (run once per session)."""
    root = project(name)
    result = run(["schema-wiki", "export", "-o", "export.json"], root)
    assert result.returncode == 0, f"export of {name} failed:\n{result.stderr}"
    data: dict[str, Any] = json.loads((root / "export.json").read_text())
    return data
