"""``schema-wiki new adr`` and ``schema-wiki new migration``: what they write, in which layout,
and that they never overwrite."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import BIN, FIXTURES
from schema_wiki.commands import authoring
from schema_wiki.commands.authoring import AuthoringError, new_adr, new_migration
from schema_wiki.sources.adrs import load_adrs, parse_adr
from schema_wiki.sources.migrations import load_migrations

TODAY = dt.date(2026, 1, 31)
NOW = dt.datetime(2026, 1, 31, 14, 5, 9)
AUTHOR = "Alice Example <alice@example.com>"

MKDOCS_YML = """\
site_name: t
plugins:
  - schema-wiki:
      migrations: migrations
      adrs: adrs
{extra}"""


def cli(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Run the console script with a git identity of its own and a pinned date."""
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Alice Example\n\temail = alice@example.com\n")
    env = dict(
        os.environ,
        NO_MKDOCS_2_WARNING="1",
        SCHEMA_WIKI_TODAY="2026-01-31",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
    )
    return subprocess.run(
        [str(BIN / "schema-wiki"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(extra=""))
    return root


# --- new adr ------------------------------------------------------------------------------


def test_new_adr_cli_writes_next_numbered_madr_with_today_and_proposed(project: Path) -> None:
    (project / "adrs").mkdir()
    (project / "adrs" / "0015-split.md").write_text("# ADR-015: Split\n")
    (project / "adrs" / "old").mkdir()
    (project / "adrs" / "old" / "0017-phones.md").write_text("# Phones\n")
    result = cli(["new", "adr", "Split users table"], project, project.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "adrs/0018-split-users-table.md"
    written = project / "adrs" / "0018-split-users-table.md"
    adr, findings = parse_adr(written.read_bytes(), "adrs/x.md", written.stem)
    assert findings == [] and adr is not None
    assert (adr.number, adr.title, adr.status) == (18, "Split users table", "proposed")
    assert adr.date == TODAY  # SCHEMA_WIKI_TODAY
    assert adr.decision_makers == (AUTHOR,)
    assert adr.format == "madr"
    # The template's hints name no table: a new ADR links to nothing yet.
    assert adr.refs == () and adr.migrations == () and adr.relations == ()


def test_new_adr_twice_never_overwrites(project: Path) -> None:
    first = cli(["new", "adr", "Split users table"], project, project.parent)
    second = cli(["new", "adr", "Split users table"], project, project.parent)
    assert (first.stdout.strip(), second.stdout.strip()) == (
        "adrs/0001-split-users-table.md",
        "adrs/0002-split-users-table.md",
    )


def test_new_adr_refuses_to_write_over_an_existing_path(project: Path, tmp_path: Path) -> None:
    # A dangling symlink: not an ADR the numbering sees, yet a name that is taken.
    # Exclusive create must refuse rather than write through it.
    (project / "adrs").mkdir()
    target = tmp_path / "elsewhere.md"
    (project / "adrs" / "0001-split-users-table.md").symlink_to(target)
    result = cli(["new", "adr", "Split users table"], project, project.parent)
    assert result.returncode == 2
    assert "0001-split-users-table.md exists; it was not overwritten" in result.stderr
    assert not target.exists()


def test_new_adr_from_the_configured_template(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "adr.md").write_text(
        "# {{ number }}. {{ title }}\n\nDate: {{ date }}\n\n## Status\n\n{{ status|title }}\n"
    )
    (project / "mkdocs.yml").write_text(
        MKDOCS_YML.format(extra="      adr_template: templates/adr.md\n")
    )
    result = cli(["new", "adr", "Use adr-tools"], project, project.parent)
    assert result.returncode == 0, result.stderr
    text = (project / "adrs" / "0001-use-adr-tools.md").read_text()
    assert text == "# 1. Use adr-tools\n\nDate: 2026-01-31\n\n## Status\n\nProposed\n"


def test_new_adr_with_a_missing_template_is_a_usage_error(project: Path) -> None:
    (project / "mkdocs.yml").write_text(MKDOCS_YML.format(extra="      adr_template: nope.md\n"))
    result = cli(["new", "adr", "X"], project, project.parent)
    assert result.returncode == 2
    assert "adr_template: cannot read" in result.stderr
    assert list((project / "adrs").glob("*.md")) == []


def test_new_adr_needs_a_title(tmp_path: Path) -> None:
    with pytest.raises(AuthoringError, match="needs a title"):
        new_adr(tmp_path, "   ", today=TODAY)


def test_new_adr_keeps_a_wider_numbering(tmp_path: Path) -> None:
    (tmp_path / "00007-x.md").write_text("# X\n")
    path = new_adr(tmp_path, "Émigré accents / slashes!", today=TODAY, author='Bob "B" <b@x>')
    assert path.name == "00008-migr-accents-slashes.md"
    adrs, findings = load_adrs(tmp_path, tmp_path)
    assert findings == []
    assert adrs[-1].decision_makers == ('Bob "B" <b@x>',)  # quoted as YAML


# --- new migration ------------------------------------------------------------------------


def header_of(root: Path, directory: Path, fmt: str = "auto") -> dict[str, str]:
    """The new migration as the reader sees it: its header fields, and no findings about it."""
    migrations, findings = load_migrations(root, directory, fmt=fmt)
    new = [m for m in migrations if "add_phone_to_users" in m.id]
    assert len(new) == 1, [m.id for m in migrations]
    assert [f for f in findings if "add_phone_to_users" in str(f.location)] == []
    return {f.key: f.value for f in new[0].header.fields.values()}


def test_new_migration_cli_plain_with_header_skeleton(project: Path) -> None:
    result = cli(["new", "migration", "add_phone_to_users"], project, project.parent)
    assert result.returncode == 0, result.stderr
    shown = result.stdout.strip()
    assert re.fullmatch(r"migrations/20260131\d{6}_add_phone_to_users\.sql", shown), shown
    text = (project / shown).read_text()
    assert text.startswith(
        "-- Migration: Add phone to users\n-- Date: 2026-01-31\n"
        "-- Author: Alice Example <alice@example.com>\n-- Ticket: TODO\n--\n-- Context:\n"
    )
    fields = header_of(project, project / "migrations")
    assert fields["Migration"] == "Add phone to users"
    assert fields["Date"] == "2026-01-31"
    assert fields["Author"] == AUTHOR
    assert set(fields) >= {"Ticket", "Context", "Expected lifespan", "Dependencies", "ADR"}


def test_new_migration_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Someone else writes the same file between our listing and our write.
    monkeypatch.setattr(authoring, "load_migrations", lambda *a, **k: ([], []))
    existing = tmp_path / "20260131140509_add_phone_to_users.sql"
    existing.write_text("ALTER TABLE users ADD COLUMN phone text;\n")
    with pytest.raises(AuthoringError, match="exists; it was not overwritten"):
        new_migration(tmp_path, "add_phone_to_users", now=NOW, fmt="plain")
    assert existing.read_text() == "ALTER TABLE users ADD COLUMN phone text;\n"


def test_new_migration_with_two_files_writes_neither_when_one_exists(tmp_path: Path) -> None:
    (tmp_path / "000001_init.up.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "000001_init.down.sql").write_text("DROP TABLE t;\n")
    (tmp_path / "000002_add_phone_to_users.down.sql").write_text("-- someone's\n")
    with pytest.raises(AuthoringError):
        new_migration(tmp_path, "add_phone_to_users", now=NOW)
    assert not (tmp_path / "000002_add_phone_to_users.up.sql").exists()


def copy_fixture(name: str, tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "migrations" / name, tmp_path / name)
    return tmp_path / name


@pytest.mark.parametrize(
    ("fixture", "subdir", "expected"),
    [
        ("plain", "migrations", ["migrations/20260131140509_add_phone_to_users.sql"]),
        (
            "golang-migrate",
            "db/migrations",
            [
                "db/migrations/000011_add_phone_to_users.up.sql",
                "db/migrations/000011_add_phone_to_users.down.sql",
            ],
        ),
        ("dbmate", "db/migrations", ["db/migrations/20260131140509_add_phone_to_users.sql"]),
        ("goose", "migrations", ["migrations/20260131140509_add_phone_to_users.sql"]),
        (
            "diesel",
            "migrations",
            [
                "migrations/2026-01-31-140509_add_phone_to_users/up.sql",
                "migrations/2026-01-31-140509_add_phone_to_users/down.sql",
            ],
        ),
        (
            "drizzle-folders",
            "drizzle",
            ["drizzle/20260131140509_add_phone_to_users/migration.sql"],
        ),
    ],
)
def test_new_migration_in_each_layout(
    fixture: str, subdir: str, expected: list[str], tmp_path: Path
) -> None:
    root = copy_fixture(fixture, tmp_path)
    written = new_migration(root / subdir, "add phone to users", now=NOW, author=AUTHOR, root=root)
    assert [p.relative_to(root).as_posix() for p in written] == expected
    fields = header_of(root, root / subdir)
    assert (fields["Date"], fields["Author"]) == ("2026-01-31", AUTHOR)


def test_new_migration_flyway_next_version_beside_the_others(tmp_path: Path) -> None:
    root = copy_fixture("flyway", tmp_path)
    before = {p.name for p in root.rglob("V*__*.sql")}
    written = new_migration(root / "src", "add_phone_to_users", now=NOW, root=root)
    assert len(written) == 1
    majors = [int(re.match(r"V(\d+)", n).group(1)) for n in before]  # type: ignore[union-attr]
    assert written[0].name == f"V{max(majors) + 1}__add_phone_to_users.sql"
    assert written[0].parent.name == "migration"  # db/migration, where Flyway's files are
    header_of(root, root / "src")


def test_new_migration_dbmate_and_goose_keep_their_markers(tmp_path: Path) -> None:
    dbmate = copy_fixture("dbmate", tmp_path)
    (path,) = new_migration(dbmate / "db" / "migrations", "add_phone_to_users", now=NOW)
    text = path.read_text()
    assert text.startswith("-- migrate:up\n-- Migration: Add phone to users\n")
    assert "\n-- migrate:down\n" in text
    goose = copy_fixture("goose", tmp_path)
    (path,) = new_migration(goose / "migrations", "add_phone_to_users", now=NOW)
    assert path.read_text().startswith("-- +goose Up\n-- Migration:")


def test_new_migration_counts_on_in_a_sequential_project(tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "0009_more.sql").write_text("ALTER TABLE t ADD COLUMN x int;\n")
    (path,) = new_migration(tmp_path, "add_phone_to_users", now=NOW)
    assert path.name == "0010_add_phone_to_users.sql"


def test_new_migration_after_a_same_second_timestamp(tmp_path: Path) -> None:
    (tmp_path / "20260131140509_other.sql").write_text("SELECT 1;\n")
    (path,) = new_migration(tmp_path, "add_phone_to_users", now=NOW)
    assert path.name == "20260131140510_add_phone_to_users.sql"  # versions stay unique


@pytest.mark.parametrize(("fixture", "subdir", "tool"), [("drizzle", "drizzle", "drizzle-kit")])
def test_new_migration_leaves_journal_layouts_to_their_tool(
    fixture: str, subdir: str, tool: str, tmp_path: Path
) -> None:
    root = copy_fixture(fixture, tmp_path)
    before = sorted(p.name for p in (root / subdir).rglob("*"))
    with pytest.raises(AuthoringError, match=tool):
        new_migration(root / subdir, "add_phone_to_users", now=NOW)
    assert sorted(p.name for p in (root / subdir).rglob("*")) == before


def test_new_migration_sqitch_names_the_command(tmp_path: Path) -> None:
    (tmp_path / "sqitch.plan").write_text("%project=x\n\ninit 2024-01-10T09:00:00Z A <a@x> # i\n")
    with pytest.raises(AuthoringError, match="sqitch add add_phone_to_users"):
        new_migration(tmp_path, "add_phone_to_users", now=NOW)


def test_new_migration_needs_a_name(tmp_path: Path) -> None:
    with pytest.raises(AuthoringError, match="needs a name"):
        new_migration(tmp_path, " -- ", now=NOW)


def test_git_author_without_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    assert authoring.git_author(tmp_path) is None
    header = authoring.migration_header("x", day=TODAY, author=None)
    assert "-- Author: TODO\n" in header


# --- the scaffold passes its own gate ------------------------------------------------------


_CREATE_USERS = """\
-- Migration: Create users
-- Date: 2024-01-10
-- Author: Alice (@alice)
-- Ticket: PROJ-1
-- Context: Accounts need a table.
CREATE TABLE users (id bigint PRIMARY KEY);
COMMENT ON TABLE users IS 'Accounts.';
COMMENT ON COLUMN users.id IS 'The account id.';
"""


def _run(tool: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SCHEMA_WIKI_TODAY="2026-01-31")
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_a_scaffolded_migration_filled_in_passes_the_strict_ci_recipe(project: Path) -> None:
    (project / "docs" / "index.md").write_text("# Wiki\n")
    (project / "migrations" / "20240110090000_create_users.sql").write_text(_CREATE_USERS)
    result = cli(["new", "migration", "add_phone_to_users"], project, project.parent)
    assert result.returncode == 0, result.stderr
    path = project / result.stdout.strip()

    # As written, the scaffold's TODOs are reported, and nothing else is.
    unfilled = _run("schema-wiki", ["check", "--strict", "--format", "json"], project)
    assert unfilled.returncode == 1, unfilled.stderr
    findings = json.loads(unfilled.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["missing-header-field"], findings
    assert "placeholder for Context" in findings[0]["message"]
    assert findings[0]["location"]["line"] == 6  # the Context: line

    text = path.read_text()
    text = text.replace("-- Ticket: TODO", "-- Ticket: PROJ-7")
    text = text.replace(
        "-- TODO: why this change is needed, and what depends on it.",
        "-- Support calls back customers by phone.",
    )
    assert "TODO" not in text
    text += "ALTER TABLE users ADD COLUMN phone text;\n"
    text += "COMMENT ON COLUMN users.phone IS 'Phone number, E.164.';\n"
    path.write_text(text)

    check = _run("schema-wiki", ["check", "--strict"], project)
    assert check.returncode == 0, check.stdout + check.stderr
    build = _run("mkdocs", ["build", "--strict", "-d", "site"], project)
    assert build.returncode == 0, build.stderr
    page = (project / "site" / "migrations").rglob("*add_phone_to_users*")
    assert any(page)


def test_new_migration_prisma_and_liquibase(tmp_path: Path) -> None:
    prisma = tmp_path / "prisma"
    (prisma / "20240110090000_init").mkdir(parents=True)
    (prisma / "20240110090000_init" / "migration.sql").write_text("CREATE TABLE t (id int);\n")
    (prisma / "migration_lock.toml").write_text('provider = "postgresql"\n')
    (path,) = new_migration(prisma, "add_phone_to_users", now=NOW, author=AUTHOR)
    assert path.relative_to(prisma).as_posix() == "20260131140509_add_phone_to_users/migration.sql"
    assert header_of(tmp_path, prisma)["Author"] == AUTHOR

    liquibase = tmp_path / "changelog"
    liquibase.mkdir()
    (liquibase / "001-init.sql").write_text(
        "--liquibase formatted sql\n--changeset bob:1\nCREATE TABLE t (id int);\n"
    )
    (path,) = new_migration(liquibase, "add_phone_to_users", now=NOW, author=AUTHOR)
    assert path.name == "20260131140509_add_phone_to_users.sql"
    assert path.read_text().startswith(
        "--liquibase formatted sql\n\n"
        "--changeset alice@example.com:20260131140509-add_phone_to_users\n-- Migration: Add phone"
    )
    migrations, _ = load_migrations(tmp_path, liquibase)
    assert migrations[-1].title == "Add phone to users"
    assert migrations[-1].header.text("author") == AUTHOR  # the header's own wins
