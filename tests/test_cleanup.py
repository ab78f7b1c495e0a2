"""Clean up: a real ``mkdocs build`` interrupted, killed, failing or doubled leaves no
PostgreSQL process, socket or temporary directory behind, and nothing that breaks the
next build.

The project's one migration sleeps for as long as ``PGOPTIONS`` asks
(``-c schema_wiki_test.sleep=60``; libpq passes it to every session, the
wiki's own included), so a test can catch the build while its throwaway
PostgreSQL is applying migrations, and the next build, without it, is quick.
The builds run with ``TMPDIR`` pointing at a directory of the test's own,
so whatever they leave there is theirs. `test_pgserver` covers the same for
`ThrowawayPostgres` on its own; these go through MkDocs, the way users run it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from helpers import BIN

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")

MIGRATION = """\
-- Migration: Create items, slowly when asked
-- Date: 2024-01-01
-- Author: Alice (@alice)
CREATE TABLE items (id int PRIMARY KEY, label text);
COMMENT ON TABLE items IS 'Things we sell.';
SELECT pg_sleep(coalesce(nullif(current_setting('schema_wiki_test.sleep', true), ''), '0')::float);
"""
MKDOCS_YML = """\
site_name: Cleanup
theme: {name: mkdocs}
plugins:
  - schema-wiki:
      today: 2026-01-31
      checks: {undocumented-column: ignore, unsafe-migration: ignore}
"""
#: What the binaries cache (copies of PostgreSQL a root build's server user can run) is
#: called: shared by every build on purpose, kept between them.
SHARED_CACHE = "schema-wiki-pg-"


def _write_project(root: Path, migration: str = MIGRATION) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "migrations").mkdir()
    (root / "docs" / "index.md").write_text("# Cleanup\n")
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    (root / "migrations" / "20240101090000_create_items.sql").write_text(migration)
    return root


@pytest.fixture
def tmpdir_env() -> Iterator[Path]:
    """A short, world-traversable TMPDIR (the server's user must reach its socket there)."""
    path = Path(tempfile.mkdtemp(prefix="sw-", dir="/tmp"))
    path.chmod(0o1777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _start(
    project: Path, tmp: Path, *, sleep: float = 0, site: str = "site"
) -> subprocess.Popen[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", TMPDIR=str(tmp))
    env["PGOPTIONS"] = f"-c schema_wiki_test.sleep={sleep}"
    return subprocess.Popen(
        [str(BIN / "mkdocs"), "build", "-d", site],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    _out, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


# --- processes ------------------------------------------------------------------------


def _parents() -> dict[int, int]:
    out = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = int(text.split("\nPPid:")[1].split()[0])
        out[int(status.parent.name)] = ppid
    return out


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    return state != "Z"


@dataclass
class Server:
    """The throwaway PostgreSQL of a build, seen from outside."""

    postmaster: int
    data_dir: Path
    socket_dir: Path
    #: The postmaster, its backends and workers, and the build's watchdog shell.
    pids: set[int]

    def conninfo(self) -> str:
        return make_conninfo(host=str(self.socket_dir), port=5432, user="postgres")


def _servers_of(pid: int) -> list[Server]:
    parents = _parents()
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found = []
    for child in children.get(pid, []):
        argv = _cmdline(child)
        if argv and argv[0].endswith("/postgres") and "-D" in argv and "-k" in argv:
            family = {child, *children.get(child, [])}
            watchdogs = {
                c
                for c in children.get(pid, [])
                if "schema-wiki-watchdog" in _cmdline(c)
                and argv[argv.index("-D") + 1] in _cmdline(c)
            }
            found.append(
                Server(
                    postmaster=child,
                    data_dir=Path(argv[argv.index("-D") + 1]),
                    socket_dir=Path(argv[argv.index("-k") + 1]),
                    pids=family | watchdogs,
                )
            )
    return found


def _sleeping(server: Server) -> bool:
    """Whether the server is applying the slow migration right now."""
    try:
        with psycopg.connect(server.conninfo(), dbname="postgres", connect_timeout=2) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE query LIKE '%schema_wiki_test.sleep%' AND pid <> pg_backend_pid()"
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def _wait_for_migrating(proc: subprocess.Popen[str], count: int = 1) -> list[Server]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        servers = _servers_of(proc.pid)
        if len(servers) >= count and all(_sleeping(s) for s in servers):
            return servers
        time.sleep(0.1)
    raise AssertionError("the build never got to applying the migration")


def _assert_left_nothing(servers: list[Server], tmp: Path, within: float = 20) -> None:
    deadline = time.monotonic() + within
    pids = {pid for server in servers for pid in server.pids}
    dirs = [d for server in servers for d in (server.data_dir, server.socket_dir)]
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids) and not any(d.exists() for d in dirs):
            break
        time.sleep(0.1)
    assert [p for p in pids if _alive(p)] == [], "PostgreSQL processes left behind"
    assert [d for d in dirs if d.exists()] == [], "directories left behind"
    # Nothing anywhere still uses those directories.
    for pid in _parents():
        argv = " ".join(_cmdline(pid))
        assert not any(str(d) in argv for d in dirs), argv
    assert [p.name for p in tmp.iterdir() if not p.name.startswith(SHARED_CACHE)] == []


# --- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_build_leaves_no_server_socket_or_directory(
    tmp_path: Path, tmpdir_env: Path, signum: int
) -> None:
    project = _write_project(tmp_path / "project")
    proc = _start(project, tmpdir_env, sleep=60)
    (server,) = _wait_for_migrating(proc)
    assert server.socket_dir.parent == tmpdir_env
    assert (server.socket_dir / ".s.PGSQL.5432").exists()
    started = time.monotonic()
    proc.send_signal(signum)
    code, err = _finish(proc, timeout=60)
    assert time.monotonic() - started < 20, "the build took too long to stop"
    # Ctrl-C ends it like any MkDocs build; SIGTERM ends it by the signal, as it should.
    assert code == (1 if signum == signal.SIGINT else -signal.SIGTERM)
    assert "Traceback" not in err
    _assert_left_nothing([server], tmpdir_env)


def test_a_killed_build_is_cleaned_up_and_the_next_build_works(
    tmp_path: Path, tmpdir_env: Path
) -> None:
    project = _write_project(tmp_path / "project")
    proc = _start(project, tmpdir_env, sleep=60)
    (server,) = _wait_for_migrating(proc)
    proc.kill()  # nothing runs in the build any more: the watchdog cleans up
    _finish(proc)
    _assert_left_nothing([server], tmpdir_env)
    # Whatever the killed build left in .cache/ and site/, the next one builds.
    code, err = _finish(_start(project, tmpdir_env))
    assert code == 0, err
    page = project / "site" / "schema" / "public" / "items" / "index.html"
    assert "Things we sell." in page.read_text()


def test_a_failed_migration_leaves_no_server_socket_or_directory(
    tmp_path: Path, tmpdir_env: Path
) -> None:
    failing = MIGRATION + "\nCREATE TABLE broken (x no_such_type);\n"
    project = _write_project(tmp_path / "project", failing)
    proc = _start(project, tmpdir_env, sleep=2)
    (server,) = _wait_for_migrating(proc)
    code, err = _finish(proc)
    assert code == 1
    assert 'type "no_such_type" does not exist' in err
    assert "Traceback" not in err
    _assert_left_nothing([server], tmpdir_env)


def test_two_builds_at_once_do_not_collide(tmp_path: Path, tmpdir_env: Path) -> None:
    project = _write_project(tmp_path / "project")
    first = _start(project, tmpdir_env, sleep=2, site="site-a")
    second = _start(project, tmpdir_env, sleep=2, site="site-b")
    servers = _wait_for_migrating(first) + _wait_for_migrating(second)
    # Two servers, each with its own data directory and socket.
    assert len({s.postmaster for s in servers}) == 2
    assert len({s.socket_dir for s in servers}) == 2
    assert len({s.data_dir for s in servers}) == 2
    for proc in (first, second):
        code, err = _finish(proc)
        assert code == 0, err
    page = Path("schema/public/items/index.html")
    a, b = ((project / site / page).read_text() for site in ("site-a", "site-b"))
    assert "Things we sell." in a and a == b
    _assert_left_nothing(servers, tmpdir_env)


def test_broken_cache_files_never_break_the_next_build(tmp_path: Path, tmpdir_env: Path) -> None:
    """What an interrupted write would leave if writes were not atomic: half files, garbage."""
    project = _write_project(tmp_path / "project")
    code, err = _finish(_start(project, tmpdir_env, site="site-a"))
    assert code == 0, err
    cache = project / ".cache" / "schema-wiki"
    files = [p for p in cache.rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert files, "the build caches something"
    for path in files:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    (cache / "statements.msgpack").write_bytes(b"\x80\x05garbage")
    code, err = _finish(_start(project, tmpdir_env, site="site-b"))
    assert code == 0, err
    page = Path("schema/public/items/index.html")
    a, b = ((project / site / page).read_text() for site in ("site-a", "site-b"))
    assert "Things we sell." in b and a == b
