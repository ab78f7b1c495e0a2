"""The throwaway server's data-directory snapshots, which keep a base's replay between
reviews: a server started on one has the same data, and only the WAL it needs is kept."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from schema_wiki.replay.pgserver import ThrowawayPostgres

pytestmark = pytest.mark.slow


def test_a_server_starts_on_a_snapshot_with_the_same_data(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    with ThrowawayPostgres() as pg:
        conninfo = pg.create_database("base")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for i in range(50):  # enough DDL to fill more than one WAL segment's worth
                conn.execute(f"CREATE TABLE t{i} (id int PRIMARY KEY, note text)")
            conn.execute("INSERT INTO t0 SELECT g, 'x' FROM generate_series(1, 1000) g")
        wal_before = sorted(p.name for p in (pg.data_dir / "pg_wal").iterdir() if p.is_file())
        pg.snapshot(snapshot)
    kept = sorted(p.name for p in (snapshot / "pg_wal").iterdir() if p.is_file())
    assert 1 <= len(kept) <= 2 and set(kept) <= set(wal_before)
    assert not (snapshot / "postmaster.pid").exists()
    with ThrowawayPostgres(from_data=snapshot) as pg:
        with psycopg.connect(pg.conninfo_for("base"), autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM t0").fetchone() == (1000,)
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()
            assert tables == (50,)
            conn.execute("CREATE TABLE after_restore (id int)")  # writes new WAL
        if pg.run_as is not None:
            assert (pg.data_dir / "PG_VERSION").stat().st_uid == pg.run_as[0]
        assert (pg.data_dir.stat().st_mode & 0o777) == 0o700
    # the snapshot itself is untouched by the server that started on a copy of it
    assert not (snapshot / "postmaster.pid").exists()
    assert os.listdir(snapshot / "pg_wal")
