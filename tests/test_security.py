"""Production databases: nothing written, nobody blocked, no password shown.

With ``database:`` set to a connection string the wiki reads a live database,
often production. These tests prove, against real PostgreSQL servers:

* no write is possible through the wiki's connection, whatever is sent on it,
  and every statement the wiki sends is a read (the server's own log says so);
* a lock held by another session (a migration) makes the wiki give up within
  ``lock_timeout``; while it waits it holds no lock that a migration or anyone
  else would queue behind, and readers and writers carry on;
* a slow query stops at ``statement_timeout``, on the server too;
* a password in the connection string never appears in a log line, a page, an
  export, a report or an error: the command line and ``mkdocs build`` are run
  on every failure path (wrong password, refused, no socket, timeout, a query
  that fails) and on success, and their output and every file they wrote are
  searched for it.

`test_catalog` covers the same ground for `read_catalog` on its own; here the
wiki is driven the way users drive it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from conftest import drop_database, new_database
from helpers import BIN
from schema_wiki.errors import DatabaseError
from schema_wiki.replay.pgserver import ThrowawayPostgres
from schema_wiki.sources.catalog import catalog_connection, read_catalog

#: The real password of `secret_server`: it must never be shown.
SENTINEL = "S3nt!nel@pw#7f3a"
#: A wrong password, just as secret.
WRONG = "Wr0ng!pw@9c2e"
SECRETS = (SENTINEL, WRONG, quote(SENTINEL, safe=""), quote(WRONG, safe=""))

SCHEMA = """
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint REFERENCES customers (id),
    total numeric(12, 2) CHECK (total >= 0)
);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE VIEW customer_names AS SELECT id, name FROM customers;
CREATE SEQUENCE invoice_numbers;
COMMENT ON TABLE orders IS 'What customers bought.';
INSERT INTO customers VALUES (1, 'Ada');
INSERT INTO orders VALUES (1, 1, 10);
"""


@pytest.fixture(scope="module")
def secret_server() -> Iterator[ThrowawayPostgres]:
    """A server that wants a password (SENTINEL) and logs every statement it runs."""
    settings = {"log_statement": "all", "log_line_prefix": "%m [%p] app=%a "}
    with ThrowawayPostgres(password=SENTINEL, settings=settings) as server:
        yield server


@pytest.fixture
def shop(secret_server: ThrowawayPostgres) -> Iterator[str]:
    """A database of this test's own with `SCHEMA` in it; its conninfo carries SENTINEL."""
    conninfo = new_database(secret_server, "shop")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(SCHEMA)
    yield conninfo
    drop_database(secret_server, conninfo)


def _snapshot(conninfo: str) -> tuple[Any, ...]:
    """What a write would change: tables, columns, rows, the sequence, comments."""
    with psycopg.connect(conninfo) as conn:
        return (
            conn.execute(
                "SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a"
                " ON a.attrelid = c.oid AND a.attnum > 0 JOIN pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1, 2"
            ).fetchall(),
            conn.execute("SELECT * FROM customers ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM orders ORDER BY id").fetchall(),
            conn.execute("SELECT last_value, is_called FROM invoice_numbers").fetchone(),
            conn.execute("SELECT count(*) FROM pg_description").fetchone(),
        )


# --- nothing written ----------------------------------------------------------------------

#: Writes of every kind, and attempts to switch the transaction to read-write.
_WRITES = [
    "CREATE TABLE sneaky (x int)",
    "CREATE TEMP TABLE sneaky (x int)",
    "INSERT INTO customers VALUES (2, 'Mallory')",
    "UPDATE orders SET total = 0",
    "DELETE FROM orders",
    "TRUNCATE orders",
    "ALTER TABLE orders ADD COLUMN sneaky int",
    "COMMENT ON TABLE orders IS 'changed'",
    "SELECT nextval('invoice_numbers')",
    "SELECT setval('invoice_numbers', 42)",
    "DROP VIEW customer_names",
    "GRANT SELECT ON orders TO PUBLIC",
    "VACUUM orders",
    "DROP SEQUENCE invoice_numbers",
]


def test_no_write_is_possible_through_the_wikis_connection(shop: str) -> None:
    before = _snapshot(shop)
    refused = []
    with catalog_connection(shop) as conn:
        # A session default cannot lift it either: every transaction is READ ONLY.
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        conn.commit()
        for statement in _WRITES:
            try:
                conn.execute(statement)
            except psycopg.Error as error:
                refused.append(statement)
                # read-only transaction, or not in a transaction block (VACUUM)
                assert error.sqlstate in ("25006", "25001"), (statement, error.sqlstate)
            conn.rollback()
            assert conn.execute("SHOW transaction_read_only").fetchone() == ("on",)
            conn.rollback()
    assert refused == _WRITES
    assert _snapshot(shop) == before


def test_read_only_does_not_stop_a_lock_so_the_wiki_never_sends_one(shop: str) -> None:
    # PostgreSQL lets a READ ONLY transaction take any lock, ACCESS EXCLUSIVE included:
    # read-only alone would not keep the wiki from blocking production. What does is
    # that it sends nothing but reads (next test, from the server's own log).
    with catalog_connection(shop) as conn:
        conn.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        conn.rollback()


def test_every_statement_the_wiki_sends_is_a_read(
    shop: str, secret_server: ThrowawayPostgres
) -> None:
    name = "schema-wiki-logged"
    read_catalog(shop, application_name=name)
    with psycopg.connect(shop) as migration:  # and the path that names a lock's holder
        migration.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(DatabaseError, match="lock_timeout"):
            read_catalog(shop, lock_timeout_ms=100, application_name=name)
    # The server logs every statement with its session's application_name.
    log = secret_server.log_path.read_text(errors="replace")
    statement = rf"app={name} LOG:  (?:statement|execute [^:]*): (.*?)(?=\n\S|\Z)"
    sent = [" ".join(m.group(1).split()) for m in re.finditer(statement, log, re.S)]
    assert sent[0] == "BEGIN READ ONLY"
    assert "SET LOCAL statement_timeout = '1s'" in sent
    # Reads, and the two statements that end or bound a transaction; never a
    # SET TRANSACTION or SET SESSION that could make one read-write.
    allowed = re.compile(r"^(BEGIN READ ONLY|ROLLBACK|SELECT |SET LOCAL statement_timeout = )")
    assert [s for s in sent if not allowed.match(s)] == []
    assert not any(re.search(r"\b(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\b", s) for s in sent)


# --- locks: give up in time, block nobody ----------------------------------------------------


def _wiki_is_waiting(conninfo: str, application_name: str) -> bool:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = %s AND wait_event_type = 'Lock'",
            [application_name],
        ).fetchone()
    return bool(row and row[0])


def _quick(conninfo: str, statement: str, timeout_ms: int = 500) -> float:
    """Run ``statement`` in its own session with a short lock_timeout; return its seconds."""
    started = time.monotonic()
    with psycopg.connect(conninfo) as conn:
        conn.execute(f"SET lock_timeout = '{timeout_ms}ms'")
        conn.execute(statement)
        conn.rollback()
    return time.monotonic() - started


def test_a_lock_held_elsewhere_makes_the_wiki_give_up_in_time_and_block_nobody(
    shop: str,
) -> None:
    name = "schema-wiki-waits"
    with psycopg.connect(shop) as migration:
        # A migration in progress: ACCESS EXCLUSIVE on orders, not committed yet.
        migration.execute("ALTER TABLE orders ADD COLUMN coupon text")
        holder = migration.info.backend_pid
        outcome: dict[str, Any] = {}

        def read() -> None:
            started = time.monotonic()
            try:
                read_catalog(shop, lock_timeout_ms=3000, application_name=name)
            except DatabaseError as error:
                outcome["error"] = error
            outcome["seconds"] = time.monotonic() - started

        reader = threading.Thread(target=read)
        reader.start()
        deadline = time.monotonic() + 10
        while not _wiki_is_waiting(shop, name) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _wiki_is_waiting(shop, name), "the wiki should be waiting for the lock"

        # While the wiki waits, everyone else carries on: readers and writers of the
        # other tables, readers of the catalog, and even a migration of a table the
        # wiki has already read (it holds no lock one would queue behind).
        assert _quick(shop, "SELECT count(*) FROM customers") < 1
        assert _quick(shop, "SELECT * FROM customer_names") < 1
        assert _quick(shop, "INSERT INTO customers VALUES (2, 'Grace')") < 1
        assert _quick(shop, "SELECT count(*) FROM pg_class") < 1
        assert _quick(shop, "ALTER TABLE customers ADD COLUMN nickname text") < 1
        assert _quick(shop, "LOCK TABLE customers IN ACCESS EXCLUSIVE MODE") < 1

        reader.join(15)
        assert not reader.is_alive()
        migration.rollback()

    error = outcome.get("error")
    assert isinstance(error, DatabaseError)
    assert 3 <= outcome["seconds"] < 8, outcome["seconds"]
    message = str(error)
    assert "lock_timeout (3000 ms)" in message
    assert f"public.orders (held by pid {holder})" in message
    # It gave up on the server too: no session of the wiki's is left.
    with psycopg.connect(shop, autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name]
        ).fetchone()
    assert left == (0,)


def test_the_wiki_keeps_no_lock_but_its_last_querys(
    shop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moment before its transaction ends, the wiki holds AccessShareLocks only, and
    only on views and the tables they read.

    ``pg_get_viewdef`` keeps those until the transaction ends (PostgreSQL 15 and 18),
    so view definitions are read by the last query: the locks last one statement,
    never the time spent waiting for another lock (see the test above).
    """
    held: list[tuple[str, str]] = []
    rollback = psycopg.Connection.rollback

    def spy(self: psycopg.Connection[Any]) -> None:
        if self.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS and not held:
            held.extend(
                self.execute(
                    "SELECT c.relname, l.mode FROM pg_locks l"
                    " JOIN pg_class c ON c.oid = l.relation"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE l.pid = pg_backend_pid() AND n.nspname = 'public'"
                ).fetchall()
            )
            held.append(("(checked)", ""))
        rollback(self)

    monkeypatch.setattr(psycopg.Connection, "rollback", spy)
    catalog = read_catalog(shop)
    assert catalog.table("public", "customer_names") is not None
    assert held[-1] == ("(checked)", "")
    assert [(t, m) for t, m in held[:-1] if m != "AccessShareLock"] == []
    assert {t for t, _ in held[:-1]} <= {"customers", "customer_names"}


# --- slow queries -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_catalog(secret_server: ThrowawayPostgres) -> Iterator[str]:
    """2,000 tables of 10 columns: reading them takes tens of milliseconds."""
    conninfo = new_database(secret_server, "big")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for first in range(1, 2001, 200):  # a transaction's locks are limited: in batches
            conn.execute(
                f"DO $$ BEGIN FOR i IN {first}..{first + 199} LOOP EXECUTE format("
                "'CREATE TABLE t%s (a int, b text, c text, d int, e int, f int,"
                " g text, h date, i int DEFAULT 1, j text)', i); END LOOP; END $$"
            )
    yield conninfo
    drop_database(secret_server, conninfo)


def test_a_slow_query_stops_at_statement_timeout_on_the_server_too(big_catalog: str) -> None:
    name = "schema-wiki-slow"
    assert len(read_catalog(big_catalog).tables) == 2000
    started = time.monotonic()
    with pytest.raises(DatabaseError, match=r"statement_timeout \(5 ms\)") as caught:
        read_catalog(big_catalog, statement_timeout_ms=5, application_name=name)
    assert time.monotonic() - started < 10  # (reading it all takes a fraction of that)
    assert "\n" not in str(caught.value)
    with psycopg.connect(big_catalog, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name]
        ).fetchone()
    assert row == (0,)


# --- passwords: never shown, on any path, by any command ---------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        yield silent.getsockname()[1]


def _uri(conninfo: str, password: str) -> str:
    """``conninfo`` as ``postgresql://postgres:<password>@/db?host=<socket dir>&port=...``."""
    params = conninfo_to_dict(conninfo)
    host = quote(str(params["host"]), safe="")
    secret = quote(password, safe="")
    return f"postgresql://postgres:{secret}@/{params['dbname']}?host={host}&port={params['port']}"


@dataclass
class Runs:
    """What every command printed and wrote for one configuration."""

    project: Path
    results: dict[str, subprocess.CompletedProcess[str]]

    def output(self) -> str:
        return "".join(r.stdout + r.stderr for r in self.results.values())

    def written(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.project).as_posix(): p.read_bytes()
            for p in self.project.rglob("*")
            if p.is_file() and p.name != "mkdocs.yml"
        }


#: Every command that reads the database, and where each writes.
_COMMANDS = {
    "check": ["schema-wiki", "check"],
    "sarif": ["schema-wiki", "check", "--format", "sarif", "-o", "report.sarif"],
    "export": ["schema-wiki", "export", "-o", "wiki.json"],
    "build": ["mkdocs", "build", "--verbose", "-d", "site"],
}


def _project(root: Path, database: str, extra: str) -> Path:
    """A project whose mkdocs.yml names ``database`` literally (the worst place for it)."""
    (root / "docs").mkdir(parents=True)
    (root / "migrations").mkdir()
    (root / "docs" / "index.md").write_text("# Secrets\n")
    quoted = database.replace("'", "''")
    (root / "mkdocs.yml").write_text(
        "site_name: Secrets\ntheme: {name: mkdocs}\nplugins:\n  - schema-wiki:\n"
        f"      database: '{quoted}'\n      connect_timeout: 1\n      today: 2026-01-31\n{extra}"
    )
    return root


def _run(project: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SCHEMA_WIKI_TODAY="2026-01-31")
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


#: A password libpq quotes back in its error: percent-encoding that is not.
BAD_ENCODING = "S3nt1nel%zz"

#: (case, what check and build must say, and the exit codes of check and build).
_CASES = {
    "wrong password, key=value": ("authentication failed", 2, 1),
    "wrong password, URI": ("authentication failed", 2, 1),
    "refused": ("connection refused", 2, 1),
    "no socket": ("no PostgreSQL socket", 2, 1),
    "timeout": ("no answer within connect_timeout", 2, 1),
    "malformed port": ("cannot connect", 2, 1),
    "malformed URI": ("connection string is invalid", 2, 1),
    "query fails (lock_timeout)": ("lock_timeout (300 ms)", 2, 1),
    "works, with compare_with": ("", 0, 0),
}


@pytest.fixture(scope="module")
def secret_runs(
    tmp_path_factory: pytest.TempPathFactory, secret_server: ThrowawayPostgres, silent_port: int
) -> Iterator[dict[str, Runs]]:
    """Every command on every configuration, run at once (they mostly wait)."""
    server = secret_server
    ok = new_database(server, "ok_shop")
    locked = new_database(server, "locked_shop")
    other = new_database(server, "other_shop")  # what ok_shop is compared with
    for conninfo in (ok, locked):
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(SCHEMA)
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute("CREATE TABLE customers (id bigint PRIMARY KEY)")
    pct = quote(SENTINEL, safe="")
    settings = {
        "wrong password, key=value": (make_conninfo(server.conninfo, password=WRONG), ""),
        "wrong password, URI": (_uri(server.conninfo, WRONG), ""),
        "refused": (
            f"host=127.0.0.1 port={_free_port()} dbname=app user=app password='{SENTINEL}'",
            "",
        ),
        "no socket": (f"postgresql://app:{pct}@/app?host=/nonexistent/socket/dir", ""),
        "timeout": (f"postgresql://app:{pct}@127.0.0.1:{silent_port}/app", ""),
        "malformed port": (f"host=localhost password={SENTINEL} port=notaport", ""),
        "malformed URI": (f"postgresql://app:{BAD_ENCODING}@localhost/app", ""),
        # The password is right; reading fails because a migration holds a lock.
        "query fails (lock_timeout)": (_uri(locked, SENTINEL), "      lock_timeout_ms: 300\n"),
        # Both settings that take a connection string, the database and compare_with.
        "works, with compare_with": (ok, f"      compare_with: '{_uri(other, SENTINEL)}'\n"),
    }
    root = tmp_path_factory.mktemp("secrets")
    projects = {
        case: _project(root / f"p{i}", database, extra)
        for i, (case, (database, extra)) in enumerate(settings.items())
    }
    # Every command on the paths past connecting; check (the command line's one way
    # in) and the build on the connection failures.
    full = ("query fails (lock_timeout)", "works, with compare_with")
    jobs = [
        (case, key)
        for case in projects
        for key in _COMMANDS
        if case in full or key in ("check", "build")
    ]
    with psycopg.connect(locked) as migration:
        migration.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        with ThreadPoolExecutor(8) as pool:
            done = pool.map(lambda job: _run(projects[job[0]], _COMMANDS[job[1]]), jobs)
            results = list(done)
        migration.rollback()
    runs = {case: Runs(project, {}) for case, project in projects.items()}
    for (case, key), result in zip(jobs, results, strict=True):
        runs[case].results[key] = result
    yield runs
    for conninfo in (ok, locked, other):
        drop_database(server, conninfo)


@pytest.mark.parametrize("case", sorted(_CASES))
def test_the_password_is_never_printed_or_written(secret_runs: dict[str, Runs], case: str) -> None:
    says, check_exit, build_exit = _CASES[case]
    runs = secret_runs[case]
    text = runs.output()
    assert "Traceback" not in text
    for secret in (*SECRETS, BAD_ENCODING):
        assert secret not in text, f"{secret!r} printed"
        for path, data in runs.written().items():
            assert secret.encode() not in data, f"{secret!r} written to {path}"
    check, build = runs.results["check"], runs.results["build"]
    assert (check.returncode, build.returncode) == (check_exit, build_exit), build.stderr
    if "export" in runs.results:
        assert runs.results["export"].returncode == check_exit
    assert says in check.stderr and says in build.stderr
    if case.startswith("works"):
        assert (runs.project / "site" / "schema" / "public" / "orders" / "index.html").is_file()
        assert "What customers bought." in (runs.project / "wiki.json").read_text()
        # Drift findings name the other database, with its password masked.
        assert "schema-drift" in check.stdout and "postgres:********@" in check.stdout
        assert "postgres:********@" in build.stderr
