"""Real git repositories for the review's tests: the example project as ``main``, and
branches of it. Commits have fixed authors and dates, so their ids are the same on every
run (the golden review names them)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from helpers import ROOT

#: What of this repository makes the example project.
EXAMPLE_PARTS = ("mkdocs.yml", "migrations", "adrs", "app", "docs")

_ENV = {
    "GIT_AUTHOR_NAME": "Alice",
    "GIT_AUTHOR_EMAIL": "alice@example.com",
    "GIT_COMMITTER_NAME": "Alice",
    "GIT_COMMITTER_EMAIL": "alice@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str, date: str = "2025-03-03T09:00:00+00:00") -> str:
    """Run git in ``repo`` with a fixed identity and date; its output."""
    env = {**os.environ, **_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def init(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")


def commit_all(repo: Path, message: str, date: str = "2025-03-03T09:00:00+00:00") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").strip()


def example_repo(dest: Path) -> Path:
    """The example project (this repository's mkdocs.yml, migrations, ADRs, app code and
    docs) committed as ``main`` in a new repository at ``dest``."""
    init(dest)
    for part in EXAMPLE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=shutil.ignore_patterns(".cache"))
        else:
            shutil.copy2(source, dest / part)
    (dest / ".gitignore").write_text(".cache/\nsite/\n")
    commit_all(dest, "The example project", date="2025-03-01T09:00:00+00:00")
    return dest


def branch(
    repo: Path,
    name: str,
    files: dict[str, str],
    *,
    remove: tuple[str, ...] = (),
    message: str = "",
    date: str = "2025-03-03T09:00:00+00:00",
) -> str:
    """A branch ``name`` off the current commit that writes ``files`` (path -> text) and
    removes ``remove``, committed; it stays checked out. Returns the commit id."""
    git(repo, "checkout", "-q", "-b", name)
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for path in remove:
        (repo / path).unlink()
    return commit_all(repo, message or name, date)


#: The branch of the example the README and the golden test show: ADR 0017's migration,
#: as a first draft with the mistakes review exists to catch.
VERIFY_PHONE = """\
-- Migration: Add phone_verified_at to users
-- Date: 2025-03-03
-- Author: Alice (@alice)
-- Ticket: PROJ-1502
-- When: 2025-03-07T15:00:00+00:00
--
-- Context:
-- ADR 0017: store when a phone number was verified, so the notifier sends
-- SMS only to verified numbers. The partner digest no longer needs
-- username (partner API v1 is retired early), so it goes in the same step.
--
-- Expected lifespan: permanent
-- Dependencies: notifier worker 2025.03 (reads phone_verified_at)
--
-- ADR: 0017
--

ALTER TABLE users ADD COLUMN phone_verified_at timestamptz;

CREATE INDEX idx_users_phone_verified_at ON users (phone_verified_at);

COMMENT ON COLUMN users.phone_verified_at IS
  'When the user confirmed users.phone with a one-time code; NULL: not verified.'
  ' Changing phone clears it (ADR 0017).';

DROP TRIGGER users_sync_handle ON users;

ALTER TABLE users DROP COLUMN username;
"""
VERIFY_PHONE_PATH = "migrations/20250303100000_add_phone_verified_at.sql"
