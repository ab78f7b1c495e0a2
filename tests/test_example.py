"""The example project end to end: a real mkdocs build, the check command, the export."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, run

#: The date the example is built on: pinned, so the suite passes whatever the real date.
EXAMPLE_TODAY = "2026-06-01"


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("example") / "site"
    result = run(["mkdocs", "build", "--strict", "-d", str(site)], ROOT, today=EXAMPLE_TODAY)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="module")
def example_export(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("export") / "wiki.json"
    result = run(["schema-wiki", "export", "-o", str(out)], ROOT, today=EXAMPLE_TODAY)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text())


class _Sections(HTMLParser):
    """Text under each element id, to check what a deep link lands on."""

    def __init__(self) -> None:
        super().__init__()
        self.current: str | None = None
        self.text: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if tag in ("h2", "h3") and ident:
            self.current = ident
            self.text[ident] = ""
        elif tag in ("h2", "h3"):
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current:
            self.text[self.current] += data


def _sections(html_file: Path) -> dict[str, str]:
    parser = _Sections()
    parser.feed(html_file.read_text())
    return parser.text


def test_example_builds_strict_with_a_page_per_table_migration_and_adr(example_site: Path) -> None:
    for page in (
        "schema/index.html",
        "schema/public/users/index.html",
        "schema/public/user_profiles/index.html",
        "schema/public/notifications/index.html",
        "migrations/index.html",
        "adrs/index.html",
        "schema/health/index.html",
        "migrations/20240215100000_add_legacy_id_to_users/index.html",
        "migrations/20240301090000_split_users_table/index.html",
        "adrs/0015-split-users-table/index.html",
        "schema/dropped/public/legacy_user_mapping/index.html",
    ):
        assert (example_site / page).is_file(), page


def test_catalog_comment_appears_on_its_column(example_site: Path) -> None:
    sections = _sections(example_site / "schema/public/users/index.html")
    phone = sections["column-phone"]
    assert "E.164" in phone  # from COMMENT ON COLUMN users.phone, read from the catalog
    assert "20240220140000_add_phone_to_users" in phone
    username = sections["column-username"]
    assert "2032-06-30" in username and "deprecated" in username


def test_links_go_both_ways(example_site: Path) -> None:
    migration = (
        example_site / "migrations/20240416100000_add_handle_to_users/index.html"
    ).read_text()
    assert "../../schema/public/users/#column-handle" in migration
    users = (example_site / "schema/public/users/index.html").read_text()
    assert "../../../migrations/20240416100000_add_handle_to_users/" in users
    adr = (example_site / "adrs/0016-rename-username-to-handle/index.html").read_text()
    assert "../../schema/public/users/#column-handle" in adr
    assert "../../adrs/0016-rename-username-to-handle/" in users


def test_nav_stays_small(example_site: Path) -> None:
    home = (example_site / "index.html").read_text()
    before_content = home.split('<div class="md-content"')[0]
    targets = [
        href
        for href in re.findall(r'<a href="([^"]+)" class="md-nav__link', before_content)
        if not href.startswith("#")  # the home page's own table of contents
    ]
    # The index pages and the documentation section; never a page per table, migration
    # or ADR (the nav would grow with the schema: DESIGN.md, the quadratic nav).
    assert 8 <= len(targets) < 40
    # A table page is schema/<schema>/<table>/; a migration's or an ADR's, one level down.
    entity = re.compile(r"^(?:schema/(?!dropped/$)[^/]+/[^/]+/|migrations/[^/]+/|adrs/[^/]+/)")
    assert [t for t in targets if entity.match(t)] == []
    assert "schema/public/users/" not in before_content


def test_export_lists_every_catalog_column_with_its_introducer(example_export: dict) -> None:
    tables = {(t["schema"], t["name"]): t for t in example_export["tables"]}
    assert set(tables) == {
        ("public", n) for n in ("users", "user_profiles", "invoices", "notifications")
    }
    expected = {
        "users": {
            "id": "20240110090000_create_users.sql",
            "email": "20240110090000_create_users.sql",
            "username": "20240110090000_create_users.sql",
            "password_hash": "20240110090000_create_users.sql",
            "created_at": "20240110090000_create_users.sql",
            "phone": "20240220140000_add_phone_to_users.sql",
            "handle": "20240416100000_add_handle_to_users.sql",
        },
        "user_profiles": dict.fromkeys(
            ("user_id", "bio", "avatar_url", "settings", "created_at", "updated_at"),
            "20240301090000_split_users_table",
        ),
    }
    for table, columns in expected.items():
        got = {c["name"]: c["introduced_by"] for c in tables[("public", table)]["columns"]}
        want = {name: f"migrations/{path}" for name, path in columns.items()}
        assert {k: got.get(k) for k in want} == want
    bio = next(c for c in tables[("public", "user_profiles")]["columns"] if c["name"] == "bio")
    assert bio["history"][0]["location"]["path"] == (
        "migrations/20240301090000_split_users_table/001_create_user_profiles.sql"
    )
    for t in example_export["tables"]:
        for c in t["columns"]:
            assert c["introduced_by"], (t["name"], c["name"])
            assert c["type"] and isinstance(c["nullable"], bool)
    legacy = [c for c in tables[("public", "users")]["dropped_columns"] if c["name"] == "legacy_id"]
    assert legacy and legacy[0]["history"][-1]["action"] == "drop column"
    # Notes only (created_at columns without a comment): nothing that fails a strict build.
    assert {f["level"] for f in example_export["findings"]} <= {"info"}


@pytest.fixture()
def expired_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "projects" / "expired", project)
    return project


EXPIRED = re.compile(
    r"migrations/20240215093000_add_legacy_id\.sql:11: error expired-column: "
    r"public\.users\.legacy_id could be dropped after 2024-08-15"
)


@pytest.mark.parametrize("strict", [False, True])
def test_expired_column_fails_the_build(expired_project: Path, strict: bool) -> None:
    args = ["mkdocs", "build", "-d", str(expired_project / "site")]
    result = run([*args, "--strict"] if strict else args, expired_project)
    assert result.returncode == 1, result.stderr
    assert EXPIRED.search(result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_check_exits_1_with_column_date_and_file_line(expired_project: Path) -> None:
    result = run(["schema-wiki", "check"], expired_project)
    assert result.returncode == 1, result.stderr
    assert EXPIRED.search(result.stdout), result.stdout


def test_check_passes_before_the_drop_date(expired_project: Path) -> None:
    result = run(["schema-wiki", "check"], expired_project, today="2024-08-15")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "expired-column" not in result.stdout


def test_undocumented_column_fails_strict_only(expired_project: Path) -> None:
    sql = expired_project / "migrations" / "20240301000000_add_nickname.sql"
    sql.write_text("-- Migration: Add nickname\nALTER TABLE users ADD COLUMN nickname text;\n")
    args = ["mkdocs", "build", "-d", str(expired_project / "site")]
    relaxed = run(args, expired_project, today="2024-03-01")
    assert relaxed.returncode == 0, relaxed.stderr
    assert "undocumented-column: column public.users.nickname has no comment" in relaxed.stderr
    strict = run([*args, "--strict"], expired_project, today="2024-03-01")
    assert strict.returncode == 1


def test_check_reports_a_missing_config_with_exit_2(tmp_path: Path) -> None:
    result = run(["schema-wiki", "check", "-f", str(tmp_path / "nope.yml")], tmp_path)
    assert result.returncode == 2
    assert "nope.yml" in result.stderr and "Traceback" not in result.stderr


def test_example_builds_strictly_until_the_end_of_2031() -> None:
    # Its drop dates lie years ahead: the gate passes, with --strict, through 2031.
    result = run(["schema-wiki", "check", "--strict"], ROOT, today="2031-12-31")
    assert result.returncode == 0, result.stdout + result.stderr


def _text(html_file: Path) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_file.read_text())))


def test_adr_page_is_titled_by_the_adr_with_its_number_as_written(example_site: Path) -> None:
    page = (example_site / "adrs/0015-split-users-table/index.html").read_text()
    assert "<title>ADR-015: Split users table into users and user_profiles - " in page
    article = page.split("<article", 1)[1]
    assert article.index("<h1") < article.index("admonition")  # the title comes first
    assert article.count("<h1") == 1
    # GitHub habits: "Positive:" followed straight by a list is a list.
    consequences = article.split('id="consequences"', 1)[1].split("<h2", 1)[0]
    assert "<p>Positive:</p>" in consequences and "<ul>" in consequences
    superseded = (example_site / "adrs/0012-document-schema-in-wiki-page/index.html").read_text()
    assert re.search(
        r'Superseded by <a href="../0014-comment-on-is-schema-documentation/">ADR-014</a>',
        superseded,
    )


def test_migration_page_states_each_fact_once_with_links(example_site: Path) -> None:
    page = (
        example_site / "migrations/20240215100000_add_legacy_id_to_users/index.html"
    ).read_text()
    facts = page.split("sw-facts", 1)[1].split("</table>", 1)[0]
    labels = re.findall(r"<tr>\s*<td>([^<]+)</td>", facts)
    assert len(labels) == len(set(labels)) and "Migration" not in labels and "Id" in labels
    assert 'href="../20240220150000_create_legacy_user_mapping/"' in facts  # Related migrations
    assert 'href="../../adrs/0013-migrate-legacy-user-system/"' in facts  # ADR: 0013
    plan = (example_site / "migrations/20240301090000_split_users_table/index.html").read_text()
    assert 'Implements <a href="../../adrs/0015-split-users-table/">ADR 0015</a>' in plan


def test_data_pages_leave_out_columns_empty_for_every_row(example_site: Path) -> None:
    index = (example_site / "schema/index.html").read_text()
    header = index.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "Kind" not in header and "Rows" not in header and "Summary" in header
    log = (example_site / "migrations/index.html").read_text()
    assert log.count("<table>") == 1
    months = re.findall(r'<span class="sw-month" id="(\d{4}-\d{2})">', log)
    assert months == sorted(months, reverse=True) and len(months) == 7


def test_table_history_lists_every_change_and_each_why_once(example_site: Path) -> None:
    page = (example_site / "schema/public/users/index.html").read_text()
    history = _text(example_site / "schema/public/users/index.html").split(" What changed Why ", 1)[
        1
    ]
    assert "created with id , email" in history
    assert "added phone character varying(20)" in history
    assert "dropped bio , avatar_url , settings" in history
    assert "index created idx_users_legacy_id" in history and "made NOT NULL handle" in history
    # create_users brought eight columns: its why is in the history, not on each column.
    assert page.count("First table of the users service.") == 1


def test_health_page_shows_notes_and_silenced_findings(example_site: Path) -> None:
    health = _text(example_site / "schema/health/index.html")
    assert "0 errors, 0 warnings and 4 notes" in health
    assert "Silenced in place" in health and "no reader left" in health


def test_the_wiki_is_also_the_product_documentation(example_site: Path) -> None:
    for page in ("index", "configuration", "checks", "ci", "what-ci-catches", "security"):
        assert (example_site / "using" / ("" if page == "index" else page) / "index.html").is_file()
    home = (example_site / "index.html").read_text()
    assert "Using schema wiki" in home
