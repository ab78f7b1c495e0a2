"""A build whose inputs are the last build's reuses its pages and findings (`memo`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, run
from schema_wiki.cache.memo import inputs_key
from schema_wiki.config import WikiConfig
from schema_wiki.render import RenderOptions

REUSED = "no source changed since the last build"


def _example(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    for name in ("migrations", "adrs", "docs"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    return project


def _html(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("*.html"))
    }


def _findings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "schema_wiki:" in line and REUSED not in line]


def _build(project: Path, site: str, **kw: str) -> tuple[int, str]:
    out = run(["mkdocs", "build", "-d", site], project, **kw)
    return out.returncode, out.stderr


def test_an_unchanged_project_builds_the_same_site_from_the_last_build(tmp_path: Path) -> None:
    project = _example(tmp_path)
    code, first = _build(project, "site1")
    assert code == 0, first
    assert REUSED not in first
    code, second = _build(project, "site2")
    assert code == 0, second
    assert REUSED in second
    assert _html(project / "site2") == _html(project / "site1")
    assert _findings(second) == _findings(first)


ONLY_ADRS = "only ADRs changed since the last build"


def test_after_adr_edits_only_their_pages_are_rendered_and_the_site_is_right(
    tmp_path: Path,
) -> None:
    project = _example(tmp_path)
    assert _build(project, "site")[0] == 0
    adrs = sorted((project / "adrs").glob("*.md"))
    first, second = adrs[0], adrs[1]
    first.write_text(first.read_text(encoding="utf-8") + "\nA sentence added later.\n")
    # A reference to a column the ADR did not name before: the table page changes too.
    second.write_text(second.read_text(encoding="utf-8") + "\nSee also `users.phone`.\n")
    code, log = _build(project, "site")
    assert code == 0 and REUSED not in log and ONLY_ADRS in log, log
    incremental = _html(project / "site")
    assert any("A sentence added later." in text for text in incremental.values())
    # The same files built from nothing give the same site.
    fresh = tmp_path / "fresh"
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns(".cache", "site"))
    code, log = _build(fresh, "site")
    assert code == 0 and ONLY_ADRS not in log
    assert incremental == _html(fresh / "site")
    code, log = _build(project, "site")
    assert code == 0 and REUSED in log


def test_another_today_or_a_changed_migration_renders_everything(tmp_path: Path) -> None:
    project = _example(tmp_path)
    assert _build(project, "site")[0] == 0
    code, log = _build(project, "site", today="2026-02-01")
    assert code == 0 and REUSED not in log and ONLY_ADRS not in log
    migration = sorted((project / "migrations").glob("*.sql"))[-1]
    migration.write_text(migration.read_text(encoding="utf-8") + "\n-- A note.\n")
    code, log = _build(project, "site", today="2026-02-01")
    assert code == 0 and REUSED not in log and ONLY_ADRS not in log


def test_a_page_file_changed_since_is_not_trusted(tmp_path: Path) -> None:
    project = _example(tmp_path)
    assert _build(project, "site")[0] == 0
    pages = project / ".cache" / "schema-wiki" / "pages"
    page = pages / "schema/public/users.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nTAMPERED\n", encoding="utf-8")
    code, log = _build(project, "site")
    assert code == 0 and REUSED not in log
    assert not any("TAMPERED" in text for text in _html(project / "site").values())
    assert "TAMPERED" not in page.read_text(encoding="utf-8")


def test_a_reused_build_fails_on_the_same_error(tmp_path: Path) -> None:
    project = tmp_path / "expired"
    shutil.copytree(FIXTURES / "projects" / "expired", project)
    code, first = _build(project, "site")
    assert code == 1 and "expired-column" in first and _findings(first)
    code, second = _build(project, "site")
    assert code == 1 and REUSED in second
    assert _findings(second) == _findings(first)
    # The drop date has not come yet on an earlier day: the same files build.
    code, earlier = _build(project, "site", today="2024-06-01")
    assert code == 0 and REUSED not in earlier and "expired-column" not in earlier


def _config(tmp_path: Path, **kw: object) -> WikiConfig:
    values: dict[str, object] = {
        "root": tmp_path,
        "migrations_dir": tmp_path / "migrations",
        "adrs_dir": tmp_path / "adrs",
        "today": dt.date(2026, 1, 1),
        "cache_dir": tmp_path / ".cache" / "schema-wiki",
    }
    values.update(kw)
    return WikiConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def keyed(tmp_path: Path) -> Path:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "20240101000000_a.sql").write_text("CREATE TABLE a (id int);\n")
    (tmp_path / "adrs").mkdir()
    (tmp_path / "adrs" / "0001-a.md").write_text("# ADR 1\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "table.md.j2").write_text('{% extends "default/table.md.j2" %}\n')
    (tmp_path / "setup.sql").write_text("CREATE SCHEMA s;\n")
    (tmp_path / "snapshot.json").write_text("{}\n")
    return tmp_path


def test_the_key_changes_with_every_input(keyed: Path) -> None:
    base = _config(keyed, templates_dir=keyed / "templates", setup_sql="setup.sql")
    options = [RenderOptions()]
    key = inputs_key(base, options)
    assert key is not None and key == inputs_key(base, options)

    def edited(path: str, text: str) -> str | None:
        target = keyed / path
        before = target.read_text() if target.exists() else None
        target.write_text(text)
        try:
            return inputs_key(base, options)
        finally:
            if before is None:
                target.unlink()
            else:
                target.write_text(before)

    changed = {
        "migration": edited("migrations/20240101000000_a.sql", "CREATE TABLE a (id bigint);\n"),
        "new migration": edited("migrations/20240102000000_b.sql", "SELECT 1;\n"),
        "adr": edited("adrs/0001-a.md", "# ADR 1\n\nMore.\n"),
        "template": edited("templates/table.md.j2", "{{ table.name }}\n"),
        "setup sql": edited("setup.sql", "CREATE SCHEMA t;\n"),
        "today": inputs_key(dataclasses.replace(base, today=dt.date(2026, 1, 2)), options),
        "setting": inputs_key(dataclasses.replace(base, warn_days=7), options),
        "render option": inputs_key(base, [RenderOptions(linenums=True)]),
    }
    assert key == inputs_key(base, options)  # everything put back
    for what, other in changed.items():
        assert other is not None and other != key, what
    assert len(set(changed.values())) == len(changed)


def test_a_live_database_is_never_reused(keyed: Path) -> None:
    options = [RenderOptions()]
    assert inputs_key(_config(keyed, database="host=db.example dbname=app"), options) is None
    assert inputs_key(_config(keyed, compare_with="host=db.example dbname=app"), options) is None
    with_snapshot = _config(keyed, compare_with="snapshot.json")
    key = inputs_key(with_snapshot, options)
    assert key is not None
    (keyed / "snapshot.json").write_text('{"tables": []}\n')
    assert inputs_key(with_snapshot, options) not in (None, key)


class _Payload:
    """A pickle that, when loaded, runs a command: what a poisoned CI cache would hold."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, (f"touch {self.marker}",))


def test_a_planted_cache_file_runs_nothing_and_the_findings_are_recomputed(
    tmp_path: Path,
) -> None:
    import pickle

    project = tmp_path / "expired"
    shutil.copytree(FIXTURES / "projects" / "expired", project)
    code, first = _build(project, "site-a", today="2030-01-01")
    assert code == 1 and "expired-column" in first
    cache = project / ".cache" / "schema-wiki"
    marker = tmp_path / "code-ran"
    poison = pickle.dumps(_Payload(marker))
    planted = sorted(p for p in cache.glob("*") if p.is_file() and p.suffix == ".msgpack")
    assert {p.name for p in planted} >= {"build.msgpack", "previous.msgpack", "statements.msgpack"}
    assert any(p.name.startswith("catalog-") for p in planted)
    for path in planted:
        path.write_bytes(poison)
    # The names an older version read, too.
    for name in ("build.pickle", "previous.pickle", "statements.pickle"):
        (cache / name).write_bytes(poison)
    code, second = _build(project, "site-b", today="2030-01-01")
    assert not marker.exists(), "a cache file ran code"
    assert code == 1, second  # the gate still fails: the findings were recomputed
    assert REUSED not in second
    assert _findings(second) == _findings(first)
    assert second.count("ignoring cache file") == len(planted)
    assert "it is not a schema-wiki cache file" in second
