"""The applied-schema and parsed-statement caches in ``.cache/schema-wiki``."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest

from schema_wiki.cache.disk import DiskCache
from schema_wiki.config import WikiConfig
from schema_wiki.pipeline import Session, get_catalog, read_migrations
from schema_wiki.sources.statements import StatementCache, caching, statements_in

REPO = Path(__file__).resolve().parent.parent

_SQL = """\
-- Migration: Create things
-- Date: 2024-01-10
CREATE TABLE things (id bigint PRIMARY KEY, name text);
COMMENT ON TABLE things IS 'Things.';
"""


def _project(tmp_path: Path) -> WikiConfig:
    migrations = tmp_path / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "20240110090000_create_things.sql").write_text(_SQL)
    (tmp_path / "adrs").mkdir()
    return WikiConfig(
        root=tmp_path,
        migrations_dir=migrations,
        adrs_dir=tmp_path / "adrs",
        today=dt.date(2025, 1, 1),
        cache_dir=tmp_path / ".cache" / "schema-wiki",
    )


def test_statement_cache_returns_equal_statements_without_parsing() -> None:
    cache = StatementCache()
    with caching(cache):
        first = statements_in(_SQL, "m.sql", [])
        assert first == []  # no segment, no statement
        from schema_wiki.sources.statements import Segment

        parsed = statements_in(_SQL, "m.sql", [Segment(0, len(_SQL))])
        again = statements_in(_SQL, "m.sql", [Segment(0, len(_SQL))])
    assert parsed == again and len(parsed) == 2
    assert cache.misses == 2 and cache.hits == 1
    # Outside the block nothing is cached.
    statements_in(_SQL, "m.sql", [Segment(0, len(_SQL))])
    assert cache.hits == 1


def test_statements_persist_and_stale_entries_are_dropped(tmp_path: Path) -> None:
    config = _project(tmp_path)
    first, _ = read_migrations(config, Session())
    fresh = Session()
    second, _ = read_migrations(config, fresh)
    assert second == first
    assert fresh.statements.hits == 1 and fresh.statements.misses == 0

    # A changed file is parsed again; the old entry leaves the cache.
    path = config.migrations_dir / "20240110090000_create_things.sql"
    path.write_text(_SQL + "ALTER TABLE things ADD COLUMN size integer;\n")
    third, _ = read_migrations(config, fresh)
    assert len(third[0].statements) == 3
    assert fresh.statements.misses == 1
    assert len(fresh.statements.entries) == 1
    assert not list(config.cache_dir.glob(".*.tmp"))  # type: ignore[union-attr]


@dataclass(frozen=True)
class _Record:
    name: str
    sizes: tuple[int, ...]


@dataclass(frozen=True)
class _Other:
    name: str


def test_records_round_trip_and_anything_else_is_a_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    disk = DiskCache(tmp_path / "c")
    assert disk.read("nothing.msgpack", _Record) is None
    disk.write("value.msgpack", _Record("a", (1, 2)))
    assert disk.read("value.msgpack", _Record) == _Record("a", (1, 2))
    # Another record type under the same name: stale, not an error.
    assert disk.read("value.msgpack", _Other) is None
    data = (tmp_path / "c" / "value.msgpack").read_bytes()
    (tmp_path / "c" / "value.msgpack").write_bytes(data[:-3])  # truncated
    with caplog.at_level("WARNING"):
        assert disk.read("value.msgpack", _Record) is None
    assert "ignoring cache file" in caplog.text and "it will be rebuilt" in caplog.text
    (tmp_path / "c" / "value.msgpack").write_bytes(b"\x80\x05garbage")  # not ours at all
    assert disk.read("value.msgpack", _Record) is None
    config = _project(tmp_path / "p")
    config.cache_dir.mkdir(parents=True)  # type: ignore[union-attr]
    (config.cache_dir / "statements.msgpack").write_bytes(b"garbage")  # type: ignore[operator]
    migrations, _ = read_migrations(config, Session())
    assert len(migrations[0].statements) == 2


def test_a_record_of_the_wrong_shape_fails_validation(tmp_path: Path) -> None:
    disk = DiskCache(tmp_path)
    disk.write("value.msgpack", _Record("a", (1,)))
    path = tmp_path / "value.msgpack"
    # The same header, then a payload whose field has the wrong type.
    header = path.read_bytes().split(b"\n", 2)
    forged = b"\n".join(header[:2]) + b"\n" + msgspec.msgpack.encode({"name": 1, "sizes": "x"})
    path.write_bytes(forged)
    assert disk.read("value.msgpack", _Record) is None


def test_write_is_atomic_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = DiskCache(tmp_path)
    disk.write("value.msgpack", _Record("old", ()))

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("schema_wiki.cache.disk.os.replace", full_disk)
    disk.write("value.msgpack", _Record("new", ()))  # fails quietly: a cache is an optimisation
    assert disk.read("value.msgpack", _Record) == _Record("old", ())
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitignore", "value.msgpack"]


def test_catalog_comes_from_the_cache_directory_until_a_migration_changes(
    tmp_path: Path,
) -> None:
    config = _project(tmp_path)
    migrations, _ = read_migrations(config)
    cold = Session()
    catalog = get_catalog(config, migrations, cold)
    assert cold.catalog_builds == 1

    warm = Session()  # a new process: nothing in memory
    assert get_catalog(config, migrations, warm) == catalog
    assert (warm.catalog_builds, warm.catalog_disk_hits) == (0, 1)
    assert get_catalog(config, migrations, warm) == catalog
    assert warm.catalog_memory_hits == 1

    path = config.migrations_dir / "20240110090000_create_things.sql"
    path.write_text(_SQL + "ALTER TABLE things ADD COLUMN size integer;\n")
    changed, _ = read_migrations(config)
    after = Session()
    new_catalog = get_catalog(config, changed, after)
    assert after.catalog_builds == 1
    assert [c.name for c in new_catalog.tables[0].columns] == ["id", "name", "size"]


def test_the_example_builds_the_same_from_a_warm_cache(tmp_path: Path) -> None:
    shutil.copytree(REPO / "migrations", tmp_path / "migrations")
    shutil.copytree(REPO / "adrs", tmp_path / "adrs")
    config = WikiConfig(
        root=tmp_path,
        migrations_dir=tmp_path / "migrations",
        adrs_dir=tmp_path / "adrs",
        today=dt.date(2025, 1, 1),
        cache_dir=tmp_path / ".cache" / "schema-wiki",
    )
    from schema_wiki.pipeline import load

    cold = load(config, Session())
    warm_cache = Session()
    warm = load(config, warm_cache)
    assert warm_cache.catalog_builds == 0 and warm_cache.catalog_disk_hits == 1
    assert warm.tables == cold.tables
    assert warm.findings == cold.findings
