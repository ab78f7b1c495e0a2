"""A migration PostgreSQL rejects is a finding, and the report never disappears.

The seed-style fixture with one more migration that fails between the one that
adds ``users.legacy_id`` and the one that drops it: every report format carries
the ``migration-failed`` error at its file and line, ``check`` exits 1 (2 stays
for configuration errors), ``mkdocs build`` fails after writing a site whose
pages show the schema as it stood before the failure, marked incomplete. A
failed replay is never cached. The replays are real (the throwaway PostgreSQL).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from helpers import FIXTURES, run
from schema_wiki.config import WikiConfig
from schema_wiki.pipeline import Session, load

SEED = FIXTURES / "projects" / "seed"
SARIF_SCHEMA = FIXTURES / "checks" / "sarif-schema-2.1.0.json"
FAILING = "migrations/20240601090000_require_email_shape.sql"
FAILING_SQL = """-- Migration: Require e-mail addresses to look like one
-- Date: 2024-06-01
-- Author: Erin (@erin)
-- Ticket: PROJ-1400
--
-- Context:
-- Support keeps finding typos in e-mail addresses.
--

ALTER TABLE users ADD COLUMN email_checked_at timestamptz;

ALTER TABLE users
  ADD CONSTRAINT users_email_shape CHECK (email_adress LIKE '%@%');
"""
#: The failing statement (PostgreSQL gives no position inside a CHECK expression).
FAILED_AT = f"{FAILING}:12"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("failed") / "p"
    shutil.copytree(SEED, root)
    (root / FAILING).write_text(FAILING_SQL, encoding="utf-8")
    return root


def _failed_line(text: str) -> list[str]:
    return [line for line in text.splitlines() if "migration-failed" in line]


def test_text_report_names_file_line_and_postgresql_message(project: Path) -> None:
    result = run(["schema-wiki", "check"], project)
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = _failed_line(result.stdout)
    assert line.startswith(f"{FAILED_AT}: error migration-failed: migration ")
    assert 'column "email_adress" does not exist' in line
    assert (
        "the wiki shows the schema as it stood after 20240410090000_rename_customers_username"
    ) in line
    # The drop migration after it did not apply: legacy_id is still there, and expired.
    assert "error expired-column: public.users.legacy_id could be dropped after 2024-08-15" in (
        result.stdout
    )
    assert "Traceback" not in result.stderr


def test_json_report_written_with_o(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "schema-wiki.json"
    result = run(["schema-wiki", "check", "--format", "json", "-o", str(out)], project)
    assert result.returncode == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    [found] = [f for f in data["findings"] if f["rule"] == "migration-failed"]
    assert found["level"] == "error"
    assert found["target"] == "20240601090000_require_email_shape"
    path, line = FAILED_AT.split(":")
    assert found["location"] == {"path": path, "line": int(line)}


def test_github_annotation(project: Path) -> None:
    result = run(["schema-wiki", "check", "--format", "github"], project)
    assert result.returncode == 1
    path, line = FAILED_AT.split(":")
    [annotation] = _failed_line(result.stdout)
    assert annotation.startswith(f"::error file={path},line={line},title=migration-failed::")


def test_sarif_report_validates(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "schema-wiki.sarif"
    result = run(["schema-wiki", "check", "--format", "sarif", "-o", str(out)], project)
    assert result.returncode == 1
    log = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    [res] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "migration-failed"]
    assert res["level"] == "error"
    region = res["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == FAILED_AT.split(":")[0]
    assert region["region"]["startLine"] == int(FAILED_AT.split(":")[1])


def test_a_configuration_error_still_exits_2(project: Path) -> None:
    config = project / "broken.yml"
    config.write_text(
        (project / "mkdocs.yml").read_text(encoding="utf-8") + "      chekcs: {}\n",
        encoding="utf-8",
    )
    result = run(["schema-wiki", "check", "-f", "broken.yml"], project)
    assert result.returncode == 2


def test_mkdocs_build_fails_after_writing_pages_marked_incomplete(
    project: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    result = run(["mkdocs", "build", "-d", str(site)], project)
    assert result.returncode == 1
    assert re.search(
        rf"ERROR +- +schema_wiki: {re.escape(FAILED_AT)}: error migration-failed", (result.stderr)
    )
    assert "Traceback" not in result.stderr
    users = (site / "schema/public/users/index.html").read_text(encoding="utf-8")
    assert "Incomplete: the migrations did not all apply" in users
    assert 'id="column-legacy_id"' in users  # the schema as it stood: not dropped yet
    assert 'id="column-email_checked_at"' not in users  # rolled back with its migration
    failed = (site / "migrations/20240601090000_require_email_shape/index.html").read_text(
        encoding="utf-8"
    )
    assert "migration-failed" in failed
    # The migration after it has its page, and the schema shows nothing it did.
    assert (site / "migrations/20240820140000_drop_legacy_user_columns/index.html").exists()
    assert (site / "schema/public/legacy_user_mapping/index.html").exists()


def test_an_incomplete_replay_is_never_cached(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(SEED, root)
    (root / FAILING).write_text(FAILING_SQL, encoding="utf-8")
    for _ in range(2):
        result = run(["schema-wiki", "check"], root)
        assert result.returncode == 1 and _failed_line(result.stdout)
    assert not list((root / ".cache" / "schema-wiki").glob("catalog-*"))
    (root / FAILING).write_text(FAILING_SQL.replace("email_adress", "email"), encoding="utf-8")
    result = run(["schema-wiki", "check"], root)
    assert not _failed_line(result.stdout)
    assert len(list((root / ".cache" / "schema-wiki").glob("catalog-*"))) == 1


# --- how far the replay got -----------------------------------------------------------


def _project(root: Path, files: dict[str, str], setup_sql: str | None = None) -> WikiConfig:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return WikiConfig(
        root=root,
        migrations_dir=root / "migrations",
        adrs_dir=root / "adrs",
        setup_sql=setup_sql,
    )


def test_a_migration_run_statement_by_statement_keeps_what_applied(tmp_path: Path) -> None:
    config = _project(
        tmp_path,
        {
            "migrations/20240101000000_users.sql": "CREATE TABLE users (id int);\n",
            "migrations/20240201000000_index.sql": (
                "ALTER TABLE users ADD COLUMN nickname text;\n\n"
                "CREATE INDEX CONCURRENTLY idx_nick ON users (nick);\n"
            ),
            "migrations/20240301000000_later.sql": "ALTER TABLE users ADD COLUMN later int;\n",
        },
    )
    session = Session()
    wiki = load(config, session)
    assert wiki.catalog is not None and wiki.catalog.failure is not None
    failure = wiki.catalog.failure
    assert failure.migration_id == "20240201000000_index"
    assert failure.applied_through == "20240101000000_users"
    assert failure.statements_applied == 1
    [users] = wiki.tables
    assert [c.name for c in users.columns] == ["id", "nickname"]
    # History follows what applied: nickname was added, "later" never was.
    nickname = users.column("nickname")
    assert nickname is not None and nickname.introduced_by == "20240201000000_index"
    assert users.column("later") is None
    assert load(config, session).catalog is not wiki.catalog  # applied again, not reused
    assert session.catalog_builds == 2


def test_a_failing_step_of_a_directory_migration_is_located_in_its_file(tmp_path: Path) -> None:
    config = _project(
        tmp_path,
        {
            "migrations/20240101000000_users.sql": "CREATE TABLE users (id int);\n",
            "migrations/20240201000000_split/001_profiles.sql": "CREATE TABLE p (id int);\n",
            "migrations/20240201000000_split/002_fk.sql": (
                "-- The key.\nALTER TABLE p ADD FOREIGN KEY (id) REFERENCES nope (id);\n"
            ),
        },
    )
    wiki = load(config)
    [found] = [f for f in wiki.findings if f.rule == "migration-failed"]
    assert str(found.location) == "migrations/20240201000000_split/002_fk.sql:2"
    assert found.target == "20240201000000_split"
    assert [t.name for t in wiki.tables] == ["users"]  # the whole migration rolled back


def test_setup_sql_that_fails_is_a_finding_on_its_file(tmp_path: Path) -> None:
    config = _project(
        tmp_path,
        {
            "migrations/20240101000000_users.sql": "CREATE TABLE users (id int);\n",
            "db/setup.sql": "CREATE ROLE app;\nCREATE EXTENSION no_such_extension;\n",
        },
        setup_sql="db/setup.sql",
    )
    wiki = load(config)
    [found] = [f for f in wiki.findings if f.rule == "migration-failed"]
    assert found.target == "setup_sql"
    assert found.location is not None and found.location.path == "db/setup.sql"
    assert "setup_sql failed before any migration" in found.message
    assert "before any migration" in found.message
    assert wiki.tables == ()


def test_a_transaction_the_file_opened_is_rolled_back_with_the_failure(tmp_path: Path) -> None:
    config = _project(
        tmp_path,
        {
            "migrations/20240101000000_users.sql": "CREATE TABLE users (id int);\n",
            "migrations/20240201000000_own_transaction.sql": (
                "ALTER TABLE users ADD COLUMN before_begin text;\n"
                "BEGIN;\n"
                "ALTER TABLE users ADD COLUMN inside text;\n"
                "ALTER TABLE nope ADD COLUMN x int;\n"
                "COMMIT;\n"
            ),
        },
    )
    wiki = load(config)
    assert wiki.catalog is not None and wiki.catalog.failure is not None
    assert wiki.catalog.failure.statements_applied == 1
    [users] = wiki.tables
    assert [c.name for c in users.columns] == ["id", "before_begin"]
    assert [c.name for c in users.dropped_columns] == []
    [found] = [f for f in wiki.findings if f.rule == "migration-failed"]
    assert str(found.location) == "migrations/20240201000000_own_transaction.sql:4"
