"""Broken input: each problem is a finding or an error naming its file and line, never
a traceback; where the wiki can go on without the file, everything else is built.

Two kinds of broken input, by design:

* **Files the wiki can leave out or read in part** (``tests/fixtures/bad/project``
  plus the files this module writes: invalid UTF-8, a byte-order mark, CRLF line
  ends, a 10 MB migration): findings with file and line, on the page, in the
  build log and in ``schema-wiki check``; every other page is built. Error-level
  findings (a file that could not be read) still fail the build, after the site
  is written.
* **Input that leaves the schema unknown** (two migrations with one version, a
  migrations directory that is a file): the build stops with one message naming
  the file (and line), exit 1 from ``mkdocs build``, 2 from ``schema-wiki``; no
  traceback.
* **A migration PostgreSQL rejects**: the schema is known up to it, so it is a
  ``migration-failed`` error finding at its file:line (exit 1 from both), and
  the pages show the schema as it stood before it.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from helpers import FIXTURES, run

BAD = FIXTURES / "bad" / "project"
#: The 10 MB migration: seed rows, the kind of migration that is this large.
BIG = "migrations/20240108090000_seed_countries.sql"
BIG_BYTES = 10 * 1024 * 1024


def _no_traceback(result: CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output and 'File "' not in output, output[-3000:]


def _write_generated_files(project: Path) -> None:
    """The inputs a repository cannot hold as text: written here, byte for byte."""
    (project / "migrations/20240106090000_latin1.sql").write_bytes(
        "-- Migration: Saved as Latin-1\n-- Date: 2024-01-06\n-- Author: Ren\xe9e\n"
        "ALTER TABLE accounts ADD COLUMN city text;\n".encode("latin-1")
    )
    windows = (
        "\ufeff-- Migration: Saved on Windows\r\n-- Date: 2024-01-07\r\n"
        "-- Author: Erin (@erin)\r\n\r\n"
        "ALTER TABLE accounts ADD COLUMN locale text;\r\n\r\n"
        "COMMENT ON COLUMN accounts.locale IS 'Saved with a BOM\r\nand CRLF line ends';\r\n"
    )
    (project / "migrations/20240107090000_bom_crlf.sql").write_bytes(windows.encode())
    (project / "adrs/0011-latin1.md").write_bytes(
        "---\nstatus: accepted\n---\n# D\xe9cision\n".encode("latin-1")
    )
    (project / "adrs/0012-bom-crlf.md").write_bytes(
        "\ufeff---\r\nstatus: accepted\r\ndate: 2024-01-12\r\ntables: [accounts]\r\n---\r\n"
        "# Saved on Windows\r\n\r\nBody.\r\n".encode()
    )
    # Seed data, in both shapes such migrations have: many one-row INSERTs (1 MB:
    # the statement splitter's cost is per token, about 2 s a MB) and a few rows
    # holding large JSON documents (the other 9 MB).
    lines = [
        "-- Migration: Seed the countries",
        "-- Date: 2024-01-08",
        "-- Author: Frank (@frank)",
        "CREATE TABLE countries (id int PRIMARY KEY, name text NOT NULL, doc jsonb);",
        "COMMENT ON TABLE countries IS 'Seeded by one very large migration.';",
    ]
    size, i = sum(len(line) + 1 for line in lines), 0
    while size < BIG_BYTES // 10:
        row = f"INSERT INTO countries VALUES ({i}, 'Country number {i}, a name padded out');"
        lines.append(row)
        size += len(row) + 1
        i += 1
    # (No quote inside: sqlglot's tokenizer reads a string holding '' a character at
    # a time, 2 s a MB; one per row keeps that path covered.)
    regions = [{"id": n, "name": f"Region {n}", "tags": ["a;b", "--c"]} for n in range(1500)]
    doc = json.dumps({"regions": regions})
    while size < BIG_BYTES:
        row = f"INSERT INTO countries VALUES ({i}, 'Country {i}''s', '{doc}');"
        lines.append(row)
        size += len(row) + 1
        i += 1
    (project / BIG).write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class Built:
    project: Path
    build: CompletedProcess[str]
    build_seconds: float
    check: CompletedProcess[str]
    export: dict[str, Any]

    def page(self, url: str) -> str:
        """The text of a built page (tags dropped, entities kept)."""
        html = (self.project / "site" / url / "index.html").read_text(encoding="utf-8")
        return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    project = tmp_path_factory.mktemp("bad") / "project"
    shutil.copytree(BAD, project)
    _write_generated_files(project)
    assert (project / BIG).stat().st_size >= BIG_BYTES
    started = time.monotonic()
    build = run(["mkdocs", "build", "-d", "site"], project, timeout=300)
    seconds = time.monotonic() - started
    check = run(["schema-wiki", "check"], project)
    export = run(["schema-wiki", "export", "-o", "wiki.json"], project)
    assert export.returncode == 0, export.stderr
    data = json.loads((project / "wiki.json").read_text(encoding="utf-8"))
    return Built(project, build, seconds, check, data)


#: Every finding the broken files give: (file:line, level, rule, words of the message).
EXPECTED_FINDINGS = [
    (
        "migrations/20240104090000_impossible_dates.sql:2",
        "warning",
        "invalid-date",
        "'2024-02-30' is not a real calendar date",
    ),
    (
        "migrations/20240104090000_impossible_dates.sql:4",
        "error",
        "invalid-drop-date",
        "'2024-13-01' is not a real calendar date",
    ),
    (
        "migrations/20240106090000_latin1.sql:3",
        "error",
        "unreadable-migration",
        "not valid UTF-8 (byte 0xe9 on line 3)",
    ),
    ("adrs/0002-broken-yaml.md:5", "error", "invalid-front-matter", "not valid YAML"),
    ("adrs/0003-impossible-date.md:3", "warning", "invalid-date", "'2024-02-30' is not a date"),
    (
        "adrs/0004-cycle-a.md:4",
        "warning",
        "dangling-reference",
        "supersession cycle: ADR-0004 supersedes ADR-0005 supersedes ADR-0004",
    ),
    ("adrs/0006-unclosed-front-matter.md:1", "error", "invalid-front-matter", "no closing ---"),
    ("adrs/0007-front-matter-is-a-list.md:2", "error", "invalid-front-matter", "a YAML mapping"),
    ("adrs/0010-a-directory.md", "error", "invalid-file", "cannot read: Is a directory"),
    ("adrs/0011-latin1.md:4", "error", "invalid-file", "not valid UTF-8"),
]


@pytest.mark.parametrize(("where", "level", "rule", "words"), EXPECTED_FINDINGS)
def test_each_broken_file_is_a_finding_with_file_and_line(
    built: Built, where: str, level: str, rule: str, words: str
) -> None:
    line = next((x for x in built.check.stdout.splitlines() if x.startswith(f"{where}: ")), "")
    assert line.startswith(f"{where}: {level} {rule}: "), built.check.stdout
    assert words in line
    # The build log says the same, on one line.
    assert f"{where}: {level} {rule}: " in built.build.stderr


def test_nothing_else_is_reported(built: Built) -> None:
    reported = {line.split(": ", 1)[0] for line in built.check.stdout.splitlines()}
    assert reported == {where for where, *_ in EXPECTED_FINDINGS}


def test_no_traceback_and_the_error_findings_fail_the_build(built: Built) -> None:
    _no_traceback(built.build)
    _no_traceback(built.check)
    assert built.build.returncode == 1
    assert "7 error-level finding(s)" in built.build.stderr
    assert built.check.returncode == 1


def test_everything_else_is_built(built: Built) -> None:
    site = built.project / "site"
    for url in (
        "schema/public/accounts",
        "schema/public/countries",
        "migrations/20240101090000_create_accounts",
        "migrations/20240102090000_empty",
        "migrations/20240103090000_only_comments",
        "migrations/20240105090000_operator",
        "migrations/20240107090000_bom_crlf",
        "migrations/20240108090000_seed_countries",
        "adrs/0001-keep-accounts",
        "adrs/0012-bom-crlf",
        "adrs/0002-broken-yaml",  # its page says what is wrong
    ):
        assert (site / url / "index.html").is_file(), url
    accounts = built.page("schema/public/accounts")
    assert "survives every broken file around it" in accounts
    # Every readable migration reached the schema; the Latin-1 one was left out.
    columns = {
        c["name"] for t in built.export["tables"] if t["name"] == "accounts" for c in t["columns"]
    }
    assert columns == {"id", "email", "nickname", "plan", "locale"}
    # The ADR that cannot be read has a page that says so.
    assert "invalid-front-matter" in built.page("adrs/0002-broken-yaml")


def test_a_bom_and_crlf_line_ends_change_nothing(built: Built) -> None:
    (migration,) = (m for m in built.export["migrations"] if m["id"].endswith("bom_crlf"))
    assert migration["title"] == "Saved on Windows"
    assert migration["header"]["Author"] == "Erin (@erin)"
    (accounts,) = (t for t in built.export["tables"] if t["name"] == "accounts")
    (locale,) = (c for c in accounts["columns"] if c["name"] == "locale")
    assert locale["comment"] == "Saved with a BOM\nand CRLF line ends"
    # Lines are counted as the editor shows them: the ALTER is on line 5.
    assert locale["history"][0]["location"] == {
        "path": "migrations/20240107090000_bom_crlf.sql",
        "line": 5,
    }
    (adr,) = (a for a in built.export["adrs"] if a["id"] == "0012-bom-crlf")
    assert (adr["status"], adr["date"], adr["title"]) == (
        "accepted",
        "2024-01-12",
        "Saved on Windows",
    )


def test_sql_the_parser_does_not_know_is_applied_and_flagged_on_its_page(built: Built) -> None:
    page = built.page("migrations/20240105090000_operator")
    assert "Statement not understood" in page
    assert "migrations/20240105090000_operator.sql:8" in page
    assert "still applied" in page


def test_empty_and_comment_only_migrations_are_pages_without_sql_changes(built: Built) -> None:
    ids = [m["id"] for m in built.export["migrations"]]
    assert "20240102090000_empty" in ids and "20240103090000_only_comments" in ids
    assert "Nothing but a header" in built.page("migrations/20240103090000_only_comments")


def test_a_10_mb_migration_builds_with_a_page_of_bounded_size(built: Built) -> None:
    page_file = built.project / "site" / "migrations/20240108090000_seed_countries/index.html"
    assert page_file.stat().st_size < 2 * 1024 * 1024
    page = built.page("migrations/20240108090000_seed_countries")
    lines = (built.project / BIG).read_text(encoding="utf-8").count("\n")
    assert re.search(rf"The first \d+ of {lines} lines are shown", page)
    countries = built.page("schema/public/countries")
    assert "Seeded by one very large migration" in countries
    # Generous: the point is that it finishes (it took minutes before rows were skipped
    # by the analyser and the page was cut).
    assert built.build_seconds < 150


# --- input that leaves the schema unknown: one clear error --------------------------------

_HEADER = "-- Migration: x\n-- Date: 2024-01-01\n-- Author: A\n"


def _project(root: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs/index.md").write_text("# Broken\n")
    (root / "mkdocs.yml").write_text(
        "site_name: Broken\ntheme: {name: mkdocs}\nplugins:\n"
        f"  - schema-wiki:\n      today: 2026-01-31\n{config}"
    )
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


@dataclass(frozen=True)
class Stop:
    files: dict[str, str | bytes]
    #: What the one-line message must say (a regular expression).
    says: str
    config: str = ""


STOPS: dict[str, Stop] = {
    "duplicate versions": Stop(
        {
            # golang-migrate refuses a version used twice (the plain layout orders by name).
            "migrations/20240101090000_create_a.up.sql": "CREATE TABLE a (x int);\n",
            "migrations/20240101090000_create_b.up.sql": "CREATE TABLE b (x int);\n",
        },
        r"migrations/20240101090000_create_b\.up\.sql: two migrations have version"
        r" 20240101090000: migrations/20240101090000_create_a\.up\.sql and"
        r" migrations/20240101090000_create_b\.up\.sql",
    ),
    "migrations is a file": Stop(
        {"migrations": "CREATE TABLE a (x int);\n"},
        r"migrations: directory migrations is a file",
    ),
    "adrs is a file": Stop(
        {"migrations/20240101090000_a.sql": "CREATE TABLE a (x int);\n", "adrs": "# not a dir"},
        r"adrs: adrs is a file, not a directory",
    ),
    "migrations missing": Stop(
        {"adrs/0001-x.md": "# X\n"},
        r"migrations: directory db/migrations does not exist",
        config="      migrations: db/migrations\n",
    ),
}


#: Migrations PostgreSQL rejects: the schema is known up to them, so each is an error
#: finding (migration-failed) at its file:line, exit 1, in every report format.
FAILS: dict[str, Stop] = {
    "SQL PostgreSQL cannot parse": Stop(
        {"migrations/20240101090000_a.sql": _HEADER + "\nCREATE TABLLE a (x int);\n"},
        r"migrations/20240101090000_a\.sql:5: migration 20240101090000_a failed:"
        r' syntax error at or near "TABLLE"',
    ),
    "unterminated string": Stop(
        {
            "migrations/20240101090000_a.sql": _HEADER
            + "CREATE TABLE a (x int);\nCOMMENT ON TABLE a IS 'never closed;\n"
        },
        r"migrations/20240101090000_a\.sql:5: .*unterminated quoted string",
    ),
    "unterminated dollar quote": Stop(
        {
            "migrations/20240101090000_a.sql": _HEADER
            + "CREATE TABLE a (x int);\n\nDO $body$\nBEGIN\n  PERFORM 1;\nEND;\n"
        },
        r"migrations/20240101090000_a\.sql:6: .*unterminated dollar-quoted string",
    ),
    "a NUL byte": Stop(
        {"migrations/20240101090000_a.sql": b"CREATE TABLE a (x text DEFAULT 'a\x00b');\n"},
        r"migrations/20240101090000_a\.sql:1: migration 20240101090000_a failed",
    ),
}


@pytest.mark.parametrize("case", sorted(FAILS))
def test_a_migration_postgresql_rejects_is_a_finding_at_its_line(tmp_path: Path, case: str) -> None:
    fail = FAILS[case]
    project = _project(tmp_path / "p", fail.files, fail.config)
    result = run(["schema-wiki", "check"], project)
    _no_traceback(result)
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = [x for x in result.stdout.splitlines() if "migration-failed" in x]
    where, says = fail.says.split(": ", 1)
    assert re.match(rf"{where}: error migration-failed: {says}", line), line
    assert "the wiki shows the schema as it stood before any migration" in line


def test_a_migration_postgresql_rejects_fails_mkdocs_build_after_writing_the_site(
    tmp_path: Path,
) -> None:
    fail = FAILS["SQL PostgreSQL cannot parse"]
    project = _project(tmp_path / "p", fail.files, fail.config)
    result = run(["mkdocs", "build", "-d", "site"], project)
    _no_traceback(result)
    assert result.returncode == 1
    assert re.search(
        r"ERROR +- +schema_wiki: migrations/20240101090000_a\.sql:5: error migration-failed:",
        result.stderr,
    ), result.stderr
    page = (project / "site/migrations/20240101090000_a/index.html").read_text()
    assert "Incomplete: the migrations did not all apply" in page
    assert "migration-failed" in page


@pytest.mark.parametrize("case", sorted(STOPS))
def test_input_that_leaves_the_schema_unknown_stops_check_with_one_clear_message(
    tmp_path: Path, case: str
) -> None:
    stop = STOPS[case]
    project = _project(tmp_path / "p", stop.files, stop.config)
    result = run(["schema-wiki", "check"], project)
    _no_traceback(result)
    assert result.returncode == 2, result.stderr
    first = result.stderr.splitlines()[0]
    assert re.match(rf"schema-wiki: {stop.says}", first), first


@pytest.mark.parametrize("case", ["duplicate versions", "migrations is a file"])
def test_and_stops_mkdocs_build_without_a_traceback(tmp_path: Path, case: str) -> None:
    stop = STOPS[case]
    project = _project(tmp_path / "p", stop.files, stop.config)
    result = run(["mkdocs", "build", "-d", "site"], project)
    _no_traceback(result)
    assert result.returncode == 1
    assert re.search(rf"ERROR +- +schema-wiki: {stop.says}", result.stderr), result.stderr
