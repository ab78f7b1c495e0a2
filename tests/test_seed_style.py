"""A project written the way a team following the seed writes its migrations.

Headers after ``BEGIN;`` / ``SET``, dates as people write them (``15 August
2024``, ``Feb 20, 2024``, ``2024/03/07``), the seed's own names
(``20240215_add_legacy_id_to_users.sql`` beside ``20240215_split_users_table/``)
and a directory migration whose steps ran weeks apart. Before, this project
stopped at "two migrations have version 20240215", and once renamed it passed
the gate: the header after ``BEGIN;`` was not read and ``15 August 2024`` was
only a warning, so neither legacy column ever expired. Now both are expired
errors pointing at the line that states the date.
"""

from __future__ import annotations

import json
import shutil
from html import unescape
from pathlib import Path

import pytest

from helpers import FIXTURES, run

SEED = FIXTURES / "projects" / "seed-style"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seed") / "project"
    shutil.copytree(SEED, root)
    return root


def test_the_gate_fails_on_both_expired_columns(project: Path) -> None:
    result = run(["schema-wiki", "check", "--format", "json"], project)
    assert result.returncode == 1, result.stderr
    findings = {
        (f["rule"], f["level"], f["location"]["path"], f["location"].get("line"), f["target"])
        for f in json.loads(result.stdout)["findings"]
    }
    assert {f for f in findings if f[1] == "error"} == {
        # "Can drop after: 15 August 2024", in a header that follows BEGIN; and SET LOCAL.
        (
            "expired-column",
            "error",
            "migrations/20240215_add_legacy_id_to_users.sql",
            14,
            "public.users.legacy_id",
        ),
        # "Expected lifespan: 6 months" from "Date: Feb 20, 2024", in a /* */ header after SET.
        (
            "expired-column",
            "error",
            "migrations/20240220_add_legacy_code_to_users.sql",
            11,
            "public.users.legacy_code",
        ),
    }
    rules = {f[0] for f in findings}
    assert "missing-header-field" not in rules  # every header was found
    assert "invalid-date" not in rules and "invalid-drop-date" not in rules
    assert ("shared-version", "info") in {(f[0], f[1]) for f in findings}


def test_before_the_drop_dates_the_gate_passes(project: Path) -> None:
    result = run(["schema-wiki", "check"], project, today="2024-08-01")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "expiring-column" in result.stdout  # 2024-08-15 is within 30 days


def test_order_steps_and_their_dates(project: Path) -> None:
    result = run(["schema-wiki", "export", "-o", "wiki.json"], project)
    assert result.returncode == 0, result.stderr
    data = json.loads((project / "wiki.json").read_text())
    assert [m["id"] for m in data["migrations"]] == [
        "20240110_create_users",
        "20240215_add_legacy_id_to_users",
        "20240215_split_users_table",
        "20240220_add_legacy_code_to_users",
    ]
    users = next(t for t in data["tables"] if t["name"] == "users")
    bio = next(c for c in users["dropped_columns"] if c["name"] == "bio")
    # Dropped by step 4 (14 March), not on the migration's first day (15 February).
    drop = bio["history"][-1]
    assert (drop["action"], drop["date"]) == ("drop column", "2024-03-14")
    assert drop["location"]["path"].endswith("/004_drop_old_columns.sql")
    columns = {c["name"]: c for c in users["columns"]}
    assert columns["legacy_id"]["drop_after"] == "2024-08-15"
    assert columns["legacy_code"]["drop_after"] == "2024-08-20"


def test_the_build_fails_and_the_migration_page_lists_its_steps(project: Path) -> None:
    result = run(["mkdocs", "build", "-d", "site"], project)
    assert result.returncode == 1
    assert "expired-column" in result.stderr
    # The pages were written before the gate stopped the build.
    pages = project / ".cache" / "schema-wiki" / "pages" / "migrations"
    page = (pages / "20240215_split_users_table.md").read_text()
    steps = unescape(page[page.index("## Steps") : page.index("## SQL")])
    assert "### 2. Split users table, step 2: backfill { #step-2 }" in steps
    assert "2024-02-29" in steps and "PROJ-1302" in steps and "Alice (@alice)" in steps
    assert "### 4. Split users table, step 4: drop old columns { #step-4 }" in steps
    assert "2024-03-14 · Bob (@bob) · PROJ-1304" in steps
