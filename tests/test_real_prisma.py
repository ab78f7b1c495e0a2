"""A real Prisma Migrate directory (Umami's), read, ordered and applied by a real build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, run
from schema_wiki.replay.pgserver import system_bin_dir
from schema_wiki.sources.migrations import detect_format, load_migrations

UMAMI = FIXTURES / "real" / "umami"
MIGRATIONS = UMAMI / "migrations"


def test_umami_is_read_as_prisma_in_name_order() -> None:
    assert detect_format(MIGRATIONS) == "prisma"
    migrations, findings = load_migrations(UMAMI, Path("migrations"))
    assert findings == []  # migration_lock.toml is Prisma's: nothing unrecognised
    names = sorted(p.name for p in MIGRATIONS.iterdir() if p.is_dir())
    assert [m.id for m in migrations] == names
    assert migrations[0].id == "01_init" and migrations[-1].id == "19_add_session_replay"
    assert all(len(m.files) == 1 and m.files[0].path.endswith("/migration.sql") for m in migrations)
    # No header, no date: the counters are not timestamps.
    assert all(m.date is None for m in migrations)


@pytest.mark.slow
def test_umami_builds_and_keeps_its_history(tmp_path: Path) -> None:
    bin_dir = system_bin_dir()
    if bin_dir is None or not list(
        Path("/usr/share/postgresql").glob("*/extension/pgcrypto.control")
    ):
        pytest.skip("the migrations create pgcrypto: system PostgreSQL with contrib needed")
    project = tmp_path / "umami"
    shutil.copytree(MIGRATIONS, project / "prisma" / "migrations")
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# Umami\n")
    (project / "mkdocs.yml").write_text(
        "site_name: umami\nplugins:\n  - schema-wiki:\n      migrations: prisma/migrations\n"
        f"      postgres_bin: {bin_dir}\n"
    )
    check = run(["schema-wiki", "check", "--format", "json"], project)
    assert check.returncode == 0, check.stderr
    rules = {f["rule"] for f in json.loads(check.stdout)["findings"]}
    assert "unrecognised-file" not in rules and "no-migrations" not in rules
    export = run(["schema-wiki", "export", "-o", "wiki.json"], project)
    assert export.returncode == 0, export.stderr
    data = json.loads((project / "wiki.json").read_text())
    tables = {t["name"]: t for t in data["tables"]}
    assert {"website", "session", "website_event", "team", "user"} <= set(tables)
    website = {c["name"]: c for c in tables["website"]["columns"]}
    assert website["website_id"]["introduced_by"].endswith("01_init")
    # 15_add_share moved share_id out of website.
    dropped = {c["name"]: c for c in tables["website"]["dropped_columns"]}
    assert dropped["share_id"]["history"][-1]["location"]["path"] == (
        "prisma/migrations/15_add_share/migration.sql"
    )
