"""The authoring loop: a real ``mkdocs serve`` that keeps up with ADR edits and survives mistakes,
and a catalog that is not rebuilt while no migration changed."""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers import BIN, FIXTURES
from schema_wiki.config import WikiConfig
from schema_wiki.pipeline import Session, load

PROJECT = FIXTURES / "adrs" / "project"
ADR = "adrs/0001-keep-users-small.md"
ADR_URL = "/adrs/0001-keep-users-small/"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return root


# --- the catalog cache -------------------------------------------------------------------


def test_catalog_is_reused_until_a_migration_changes(project: Path) -> None:
    config = WikiConfig(
        root=project, migrations_dir=project / "migrations", adrs_dir=project / "adrs"
    )
    cache = Session()
    first = load(config, cache)
    assert (cache.catalog_builds, cache.catalog_memory_hits) == (1, 0)
    assert first.adr("0001-keep-users-small") is not None

    adr = project / ADR
    adr.write_text(adr.read_text().replace("Keep the users table small", "Keep users lean"))
    second = load(config, cache)
    assert (cache.catalog_builds, cache.catalog_memory_hits) == (
        1,
        1,
    )  # no PostgreSQL started for an ADR edit
    assert second.adr("0001-keep-users-small").title == "Keep users lean"  # type: ignore[union-attr]

    migration = project / "migrations" / "20240110090000_create_users.sql"
    migration.write_text(migration.read_text() + "ALTER TABLE users ADD COLUMN phone text;\n")
    third = load(config, cache)
    assert (cache.catalog_builds, cache.catalog_memory_hits) == (2, 1)
    assert third.table("public", "users").column("phone") is not None  # type: ignore[union-attr]


# --- a real mkdocs serve -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A ``mkdocs serve`` subprocess and helpers to read what it serves and logs."""

    def __init__(self, root: Path, log: Path) -> None:
        self.port = free_port()
        self.log_path = log
        env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SCHEMA_WIKI_TODAY="2026-01-31")
        self.log_file = log.open("w")
        self.proc = subprocess.Popen(
            [str(BIN / "mkdocs"), "serve", "-a", f"127.0.0.1:{self.port}"],
            cwd=root,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the throwaway PostgreSQL goes too
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, html.unescape(r.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, path: str, ok: Callable[[str], bool], what: str, timeout: float = 60) -> str:
        """Poll ``path`` until its HTML satisfies ``ok``; fail with the log if it never does."""
        deadline = time.monotonic() + timeout
        body = ""
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"mkdocs serve exited:\n{self.log()}"
            try:
                status, body = self.get(path)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status = 0
            if status == 200 and ok(body):
                return body
            time.sleep(0.3)
        raise AssertionError(f"{path} never showed {what}\n--- log ---\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log_file.close()


@pytest.fixture
def server(project: Path, tmp_path: Path) -> Iterator[Server]:
    srv = Server(project, tmp_path / "serve.log")
    try:
        yield srv
    finally:
        srv.stop()


def text_of(page: str) -> str:
    """The article's text, tags stripped, whitespace collapsed."""
    start = page.find("<article")
    body = page[start : page.find("</article>", start)] if start >= 0 else page
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_serve_follows_adr_edits_and_survives_broken_files(project: Path, server: Server) -> None:
    # 1. The first build: the ADR, its link to the column, its relation from ADR 2.
    page = server.wait_for(ADR_URL, lambda b: "Keep the users table small" in b, "the ADR")
    assert 'href="../../schema/public/users/#column-email"' in page
    assert "Amended by: ADR-0002: Document the schema with COMMENT ON" in text_of(page)
    assert server.log().count("catalog read from a throwaway PostgreSQL") == 1

    # 2. Save an edit: the ADR and the pages linking to it re-render; PostgreSQL is not restarted.
    adr = project / ADR
    adr.write_text(
        adr.read_text().replace("Keep the users table small", "Keep users lean")
        + "\nThe `users.id` stays a bigint.\n"
    )
    page = server.wait_for(ADR_URL, lambda b: "Keep users lean" in b, "the edited title")
    assert 'href="../../schema/public/users/#column-id"' in page
    table = server.wait_for(
        "/schema/public/users/", lambda b: "Keep users lean" in b, "the ADR listed back"
    )
    assert "ADR-0001: Keep users lean" in text_of(table)
    amending = server.wait_for(
        "/adrs/0002-document-with-comments/", lambda b: "Keep users lean" in b, "the relation"
    )
    assert "Amends: ADR-0001: Keep users lean" in text_of(amending)
    assert "catalog reused, no migration changed" in server.log()
    assert server.log().count("catalog read from a throwaway PostgreSQL") == 1

    # 3. Break the front matter: the error shows on the page and in the log; serving goes on.
    adr.write_text("---\nstatus: [accepted\ntables: [users]\n---\n# Keep users lean\n")
    page = server.wait_for(
        ADR_URL, lambda b: "front matter is not valid YAML" in b, "the YAML error"
    )
    assert re.search(rf"\( {re.escape(ADR)}:\d+ \)", text_of(page))  # (file:line)
    assert re.search(rf"ERROR\s+-.*{re.escape(ADR)}:\d+: error invalid-front-matter", server.log())
    assert server.get("/")[0] == 200

    # 4. Fix it: the page is back to normal.
    adr.write_text("---\nstatus: accepted\ntables: [users]\n---\n# Keep users lean again\n")
    page = server.wait_for(ADR_URL, lambda b: "Keep users lean again" in b, "the fixed ADR")
    assert "front matter is not valid YAML" not in page

    # 5. A migration PostgreSQL rejects: every page says the schema is incomplete and where
    # it stopped, the migration's page has the finding, the log too; the server answers.
    broken = project / "migrations" / "20240201090000_broken.sql"
    broken.write_text(
        "-- Migration: Broken\n-- Date: 2024-02-01\nALTER TABLE nope ADD COLUMN x int;\n"
    )
    page = server.wait_for(
        ADR_URL, lambda b: "Incomplete: the migrations did not all apply" in b, "the banner"
    )
    assert "migrations/20240201090000_broken.sql:3" in text_of(page)
    assert 'relation "nope" does not exist' in text_of(page).replace("&#34;", '"')
    assert "Keep users lean again" in page  # the page itself, under the banner
    assert re.search(
        r"ERROR\s+-.*migrations/20240201090000_broken\.sql:3: error migration-failed", server.log()
    )
    status, index = server.get("/schema/")
    assert status == 200 and "Incomplete: the migrations did not all apply" in index
    status, failed = server.get("/migrations/20240201090000_broken/")
    assert status == 200 and "migration-failed" in failed
    assert server.proc.poll() is None

    # 6. Fix it: the banner goes, the new column shows.
    broken.write_text(
        "-- Migration: Fixed\n-- Date: 2024-02-01\nALTER TABLE users ADD COLUMN x int;\n"
    )
    table = server.wait_for(
        "/schema/public/users/", lambda b: "Incomplete" not in b and "column-x" in b, "the fix"
    )
    assert "migration-failed" not in table
