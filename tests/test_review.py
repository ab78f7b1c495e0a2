"""``schema-wiki review`` end to end: real git repositories (a base and a branch), real
throwaway PostgreSQL servers for the replays, the rollback and re-run tests, and the
golden Markdown of a branch of the example.

Regenerate the golden files after an intended change with
``SCHEMA_WIKI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_review.py``, and read
the difference before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from helpers import FIXTURES, run
from review_repos import (
    VERIFY_PHONE,
    VERIFY_PHONE_PATH,
    branch,
    commit_all,
    example_repo,
    git,
    init,
)
from schema_wiki.engines.mkdocs_plugin import read_config
from schema_wiki.model import Level
from schema_wiki.output.review import MARKER, render_review
from schema_wiki.review.core import review
from schema_wiki.review.model import Review, Verdict
from schema_wiki.review.witness import recording_available

pytestmark = pytest.mark.slow

GOLDEN = FIXTURES / "review"
TODAY = "2025-03-03"


def normalised(text: str) -> str:
    """The review without what changes from run to run: timings and commit ids."""
    text = re.sub(r"\b\d+ ms\b", "<n> ms", text)
    text = re.sub(r"\b\d+\.\d s\b", "<n> s", text)
    return re.sub(r"\(`[0-9a-f]{10}`\)", "(`<commit>`)", text)


def golden(name: str, text: str) -> str:
    """The golden file ``name`` (measured or not: the record may be unavailable)."""
    suffix = "" if recording_available() else "-unmeasured"
    path = GOLDEN / f"{name}{suffix}.md"
    if os.environ.get("SCHEMA_WIKI_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = example_repo(tmp_path_factory.mktemp("review") / "example")
    branch(repo, "verify-phone", {VERIFY_PHONE_PATH: VERIFY_PHONE}, message="ADR 0017")
    return repo


def _review(repo: Path, base: str = "main") -> Review:
    os.environ["SCHEMA_WIKI_TODAY"] = TODAY
    try:
        return review(read_config(str(repo / "mkdocs.yml")), base)
    finally:
        del os.environ["SCHEMA_WIKI_TODAY"]


# --- the example ------------------------------------------------------------------------


def test_a_branch_of_the_example_gives_the_golden_review(example: Path) -> None:
    result = run(["schema-wiki", "review", "--base", "main"], example, today=TODAY)
    assert result.returncode == 1, result.stderr  # the freeze-window error
    assert result.stdout.startswith(MARKER + "\n")
    text = normalised(result.stdout)
    assert text == golden("verify-phone", text)
    assert "1 error(s) introduced" in result.stderr


def test_the_second_review_starts_from_the_cached_base(example: Path) -> None:
    first = _review(example)
    second = _review(example)
    assert second.base_cached
    assert second.changes == first.changes
    assert second.introduced == first.introduced
    verdicts = [[(i.text, i.verdict, i.details) for i in m.items] for m in first.migrations]
    assert [[(i.text, i.verdict, i.details) for i in m.items] for m in second.migrations] == (
        verdicts
    )
    assert "base replay from the cache" in render_review(second, "markdown")


def test_the_review_of_the_example_reads_facts(example: Path) -> None:
    result = _review(example)
    assert result.base.commit == git(example, "rev-parse", "main").strip()
    assert result.replay == "incremental"
    changes = {(c.kind, c.action, c.target) for c in result.changes}
    assert ("column", "added", "public.users.phone_verified_at") in changes
    assert ("column", "dropped", "public.users.username") in changes
    assert ("index", "added", "public.users idx_users_phone_verified_at") in changes
    # the unique constraint on username goes with the column
    assert ("constraint", "dropped", "public.users users_username_key") in changes
    [migration] = result.migrations
    items = {i.text: i for i in migration.items}
    assert items["Uses CONCURRENTLY for indexes"].verdict == Verdict.FAIL
    assert items["SQL runs on PostgreSQL"].verdict == Verdict.PASS
    drops = items["Doesn't drop columns still in use"]
    assert drops.verdict == Verdict.FAIL
    assert any("app/src/worker.ts:27" in d for d in drops.details)
    # the trigger that read username is dropped by name first: not a problem
    assert not any("users_sync_handle" in d for d in drops.details)
    assert items["Rollback tested (up, down, up again)"].verdict == Verdict.FAIL
    assert items["Tested in staging"].verdict == Verdict.HUMAN
    [impact] = result.impacts
    assert impact.target == "public.users.username" and impact.owner == "User Service (Team A)"
    assert [str(r) for r in impact.code or ()] == ["app/src/worker.ts:27"]
    rules = [(f.rule, f.level) for f in result.introduced]
    assert rules[0] == ("freeze-window", Level.ERROR)
    assert result.failed
    announcement = result.announcement
    assert announcement is not None
    assert announcement.who == "Alice (@alice)"
    assert announcement.when == "Fri 2025-03-07 15:00 UTC"
    assert "app/src/worker.ts:27" in announcement.requires


def test_the_working_tree_is_left_as_it_was(example: Path) -> None:
    before = git(example, "status", "--porcelain"), git(example, "rev-parse", "HEAD")
    worktrees = git(example, "worktree", "list")
    _review(example)
    assert (git(example, "status", "--porcelain"), git(example, "rev-parse", "HEAD")) == before
    assert git(example, "worktree", "list") == worktrees


def test_json_has_everything(example: Path) -> None:
    result = run(
        ["schema-wiki", "review", "--base", "main", "--format", "json"], example, today=TODAY
    )
    data = json.loads(result.stdout)
    assert data["version"] == 1 and data["failed"] is True
    assert data["migrations"][0]["migration_id"] == "20250303100000_add_phone_verified_at"
    verdicts = {i["text"]: i["verdict"] for i in data["migrations"][0]["items"]}
    assert verdicts["Tested on production-sized data"] == "human"
    assert data["announcement"]["who"] == "Alice (@alice)"
    assert {c["action"] for c in data["changes"]} >= {"added", "dropped"}


def test_a_review_without_changes(example: Path) -> None:
    result = run(["schema-wiki", "review", "--base", "HEAD"], example, today=TODAY)
    assert result.returncode == 0, result.stderr
    assert "none new or changed" in result.stdout and "| Schema | no change |" in result.stdout


# --- small projects ---------------------------------------------------------------------

MKDOCS = """\
site_name: t
plugins:
  - schema-wiki:
      migrations: migrations
      adrs: adrs
      today: "2025-03-03"
"""

HEADER = """\
-- Migration: {title}
-- Date: 2025-03-01
-- Author: Bob (@bob)
--
-- Context:
-- For the tests.
--

"""


def project(tmp_path: Path, migrations: dict[str, str], mkdocs: str = MKDOCS) -> Path:
    repo = tmp_path / "repo"
    init(repo)
    (repo / "mkdocs.yml").write_text(mkdocs)
    (repo / "docs").mkdir()
    (repo / "docs" / "index.md").write_text("# t\n")
    (repo / ".gitignore").write_text(".cache/\n")
    for path, sql in migrations.items():
        target = repo / "migrations" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sql)
    commit_all(repo, "base")
    return repo


def sql(title: str, body: str) -> str:
    return HEADER.format(title=title) + body


BASE = {
    "20250101000000_users.sql": sql(
        "Users",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, nick text);\n"
        "COMMENT ON TABLE users IS 'People.';\n"
        "COMMENT ON COLUMN users.email IS 'Login.';\n",
    ),
    "20250102000000_orders.sql": sql(
        "Orders",
        "CREATE TABLE orders (id bigint PRIMARY KEY,"
        " user_id bigint REFERENCES users (id), total int);\n"
        "COMMENT ON TABLE orders IS 'Orders.';\n"
        "CREATE VIEW user_emails AS SELECT id, email FROM users;\n"
        "COMMENT ON VIEW user_emails IS 'E-mails.';\n",
    ),
}


def test_an_edited_migration_is_an_error_and_the_branch_replays_from_scratch(
    tmp_path: Path,
) -> None:
    repo = project(tmp_path, BASE)
    edited = BASE["20250101000000_users.sql"].replace("nick text", "nick varchar(30)")
    branch(repo, "edit", {"migrations/20250101000000_users.sql": edited})
    result = _review(repo)
    [finding] = [f for f in result.introduced if f.rule == "edited-migration"]
    assert finding.level == Level.ERROR and finding.location is not None
    assert finding.location.path == "migrations/20250101000000_users.sql"
    assert finding.location.line == 9  # the CREATE TABLE line that changed
    assert result.replay == "full"
    assert any("replayed from scratch" in n for n in result.notes)
    assert ("column", "retyped", "public.users.nick") in {
        (c.kind, c.action, c.target) for c in result.changes
    }
    assert result.failed


def test_a_comment_only_edit_is_still_an_edit(tmp_path: Path) -> None:
    repo = project(tmp_path, BASE)
    edited = BASE["20250101000000_users.sql"].replace("For the tests.", "For the tests, again.")
    branch(repo, "comment", {"migrations/20250101000000_users.sql": edited})
    result = _review(repo)
    [finding] = [f for f in result.introduced if f.rule == "edited-migration"]
    assert "only its comments changed" in finding.message
    assert result.changes == ()


def test_findings_the_branch_resolves_and_renames_from_the_statements(tmp_path: Path) -> None:
    repo = project(tmp_path, BASE)
    branch(
        repo,
        "document",
        {
            "migrations/20250201000000_nick.sql": sql(
                "Document and rename nick",
                "COMMENT ON COLUMN users.nick IS 'Shown name.';\n"
                "ALTER TABLE users RENAME COLUMN nick TO handle;\n",
            )
        },
    )
    result = _review(repo)
    resolved = {(f.rule, f.target) for f in result.resolved}
    assert ("undocumented-column", "public.users.nick") in resolved
    introduced = {(f.rule, f.target) for f in result.introduced}
    assert ("undocumented-column", "public.users.nick") not in introduced
    renamed = [c for c in result.changes if c.action == "renamed"]
    assert [(c.before, c.target) for c in renamed] == [("public.users.nick", "public.users.handle")]
    if not recording_available():
        assert any("read from the statements" in n for n in result.notes)
    [m] = result.migrations
    items = {i.text: i for i in m.items}
    assert items["No breaking changes"].verdict == Verdict.FAIL


def test_what_depends_on_a_dropped_column(tmp_path: Path) -> None:
    repo = project(tmp_path, BASE)
    branch(
        repo,
        "drop",
        {
            "migrations/20250201000000_drop.sql": sql(
                "Drop email", "ALTER TABLE users DROP COLUMN email CASCADE;\n"
            )
        },
    )
    result = _review(repo)
    email = next(i for i in result.impacts if i.target == "public.users.email")
    assert email.change == "dropped"
    assert [d.what for d in email.dependents if not d.goes_with_it] == ["view user_emails"]
    [m] = result.migrations
    drops = next(i for i in m.items if i.text == "Doesn't drop columns still in use")
    assert drops.verdict == Verdict.FAIL
    assert any("view user_emails depends on it" in d for d in drops.details)
    assert ("view", "dropped", "public.user_emails") in {
        (c.kind, c.action, c.target) for c in result.changes
    }


def test_what_depends_on_a_dropped_table(tmp_path: Path) -> None:
    repo = project(tmp_path, BASE)
    branch(
        repo,
        "drop",
        {"migrations/20250201000000_drop.sql": sql("Drop users", "DROP TABLE users CASCADE;\n")},
    )
    result = _review(repo)
    users = next(i for i in result.impacts if i.target == "public.users")
    whats = [d.what for d in users.dependents if not d.goes_with_it]
    assert "constraint orders_user_id_fkey on table orders" in whats
    assert "view user_emails" in whats
    gone = [d.what for d in users.dependents if d.goes_with_it]
    assert any("users_pkey" in w for w in gone)


def test_a_migration_postgresql_rejects(tmp_path: Path) -> None:
    repo = project(tmp_path, BASE)
    branch(
        repo,
        "broken",
        {"migrations/20250201000000_broken.sql": sql("Broken", "ALTER TABLE nope ADD x int;\n")},
    )
    result = run(["schema-wiki", "review", "--base", "main"], repo, today=TODAY)
    assert result.returncode == 1
    assert "PostgreSQL rejects it" in result.stdout
    assert 'relation \\"nope\\" does not exist' in result.stdout or "nope" in result.stdout


DBMATE_BASE = {
    "20250101000000_users.sql": "-- migrate:up\n"
    + sql("Users", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n")
    + "-- migrate:down\nDROP TABLE users;\n",
}


def _dbmate(tmp_path: Path, up: str, down: str) -> Review:
    mkdocs = MKDOCS.replace("adrs: adrs", "adrs: adrs\n      migrations_format: dbmate")
    repo = project(tmp_path, DBMATE_BASE, mkdocs)
    text = "-- migrate:up\n" + sql("Index email", up) + "-- migrate:down\n" + down
    branch(repo, "index", {"migrations/20250201000000_index.sql": text})
    return _review(repo)


def test_a_rollback_that_restores_the_schema_passes(tmp_path: Path) -> None:
    result = _dbmate(
        tmp_path,
        "CREATE INDEX IF NOT EXISTS users_email ON users (email);\n",
        "DROP INDEX users_email;\n",
    )
    [m] = result.migrations
    assert m.rollback is not None and m.rollback.passed is True
    items = {i.text: i for i in m.items}
    assert items["Rollback tested (up, down, up again)"].verdict == Verdict.PASS
    assert items["Idempotent (can run twice safely)"].verdict == Verdict.PASS


def test_a_rollback_that_leaves_something_behind_fails(tmp_path: Path) -> None:
    result = _dbmate(
        tmp_path,
        "CREATE INDEX users_email ON users (email);\nALTER TABLE users ADD COLUMN nick text;\n",
        "DROP INDEX users_email;\n",
    )
    [m] = result.migrations
    assert m.rollback is not None and m.rollback.passed is False
    assert m.rollback.problem is not None
    assert "column public.users.nick is still there" in m.rollback.problem
    items = {i.text: i for i in m.items}
    assert items["Rollback tested (up, down, up again)"].verdict == Verdict.FAIL
    # not idempotent, but the tool never runs it twice: not a failure
    assert items["Idempotent (can run twice safely)"].verdict == Verdict.NOT_APPLICABLE


def test_a_changed_flyway_repeatable_is_not_an_edit_but_must_rerun(tmp_path: Path) -> None:
    mkdocs = MKDOCS.replace("adrs: adrs", "adrs: adrs\n      migrations_format: flyway")
    base = {
        "V1__users.sql": sql("Users", "CREATE TABLE users (id bigint PRIMARY KEY);\n"),
        "R__views.sql": sql("Views", "CREATE VIEW user_ids AS SELECT id FROM users;\n"),
    }
    repo = project(tmp_path, base, mkdocs)
    branch(
        repo,
        "views",
        {
            "migrations/R__views.sql": sql(
                "Views", "CREATE VIEW user_ids AS SELECT id, 1 AS one FROM users;\n"
            )
        },
    )
    result = _review(repo)
    assert not [f for f in result.introduced if f.rule == "edited-migration"]
    [m] = result.migrations
    assert m.status == "repeatable"
    item = next(i for i in m.items if i.text.startswith("Idempotent"))
    # CREATE VIEW without OR REPLACE fails the second time: a repeatable must not
    assert item.verdict == Verdict.FAIL


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "mkdocs.yml").write_text(MKDOCS)
    (tmp_path / "plain" / "migrations").mkdir()
    (tmp_path / "plain" / "docs").mkdir()
    result = run(["schema-wiki", "review", "--base", "main"], tmp_path / "plain")
    assert result.returncode == 2 and "not in a git checkout" in result.stderr
    repo = project(tmp_path, BASE)
    result = run(["schema-wiki", "review", "--base", "no-such-branch"], repo)
    assert result.returncode == 2
    assert "--base no-such-branch: no such commit" in result.stderr
    assert "Traceback" not in result.stderr


def test_row_estimates_come_from_the_live_database_read_only(
    tmp_path: Path, pg_database: str
) -> None:
    import psycopg

    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id bigint PRIMARY KEY, email text, nick text)")
        conn.execute("INSERT INTO users SELECT g, 'x', 'y' FROM generate_series(1, 5000) g")
        conn.execute("ANALYZE users")
        before = conn.execute("SELECT count(*) FROM pg_class").fetchone()
    mkdocs = MKDOCS.replace("adrs: adrs", f'adrs: adrs\n      database: "{pg_database}"')
    repo = project(tmp_path, BASE, mkdocs)
    branch(
        repo,
        "note",
        {"migrations/20250201000000_note.sql": sql("Note", "ALTER TABLE users ADD note text;\n")},
    )
    result = _review(repo)
    assert result.announcement is not None
    assert "public.users ~5,000 rows" in result.announcement.duration
    with psycopg.connect(pg_database, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class").fetchone() == before
        columns = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users'"
        ).fetchone()
    assert columns == (3,)  # the branch's column went to the throwaway server only


def test_the_readme_shows_the_golden_review() -> None:
    """The README's excerpt is the golden review's, not typed by hand and left to drift."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    golden = (
        Path(__file__).resolve().parent / "fixtures" / "review" / "verify-phone.md"
    ).read_text(encoding="utf-8")
    excerpt = readme.split("### Schema review:", 1)[1].split("```", 1)[0]
    headline = "### Schema review:" + excerpt.splitlines()[0]
    assert headline in golden
    rows = [line for line in excerpt.splitlines() if line.startswith("| ")]
    assert len(rows) >= 4
    for row in rows:
        key, value = (cell.strip() for cell in row.strip("|").split("|"))
        shown = value.removesuffix("...").strip().rstrip(",")
        assert f"| {key} | {shown}" in golden, row
