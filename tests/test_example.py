"""The example project end to end: a real mkdocs build, the check command, the export."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, run


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("example") / "site"
    result = run(["mkdocs", "build", "--strict", "-d", str(site)], ROOT, today=None)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="module")
def example_export(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("export") / "wiki.json"
    result = run(["schema-wiki", "export", "-o", str(out)], ROOT, today=None)
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
    nav = re.findall(r'class="md-nav__link', home)
    # Home, conventions, schema, migrations, decisions, health (+ toc links of the home page).
    assert len(nav) < 30
    assert "schema/public/users/" not in home.split('<div class="md-content"')[0]


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
    assert example_export["findings"] == []


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
