"""``schema-wiki generate``: pages written into docs/ for engines without plugins.

The writer (`schema_wiki.output.generated`) on plain files: it replaces and
removes only what its manifest says it wrote, never a hand-written or an
edited file, and an interrupted run leaves no half-written file. The guard
extension on real Markdown conversions. The command on the example and the
expired fixture, run as users run it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import markdown
import pytest

from helpers import FIXTURES, ROOT, run
from schema_wiki.engines import guard
from schema_wiki.engines.standalone import NAV_ENTRIES, config_problems, nav_entries
from schema_wiki.errors import ConfigError
from schema_wiki.output import generated
from schema_wiki.output.generated import (
    MANIFEST_NAME,
    digest,
    read_manifest,
    remove_generated,
    write_generated,
)

PAGES = {
    "schema/index.md": b"# Schema\n",
    "schema/public/users.md": b"# users\n",
    "assets/schema-wiki.css": b".sw {}\n",
}


def _tree(docs: Path) -> dict[str, bytes]:
    return {
        p.relative_to(docs).as_posix(): p.read_bytes()
        for p in sorted(docs.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


# --- the writer ------------------------------------------------------------------------


def test_first_run_writes_everything_and_the_manifest(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "index.md").parent.mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n")
    outcome = write_generated(docs, PAGES, sources=[tmp_path / "migrations"], generator="t")
    assert sorted(outcome.written) == sorted(PAGES)
    assert _tree(docs) == {**PAGES, "index.md": b"# Home\n"}
    manifest = read_manifest(docs)
    assert manifest is not None
    assert manifest.files == {path: digest(data) for path, data in PAGES.items()}
    assert manifest.pending == {}
    assert manifest.sources == ("../migrations",)
    # Deterministic: no timestamps, sorted, so committed pages diff only when they change.
    text = (docs / MANIFEST_NAME).read_text()
    assert json.loads(text)["files"] == dict(sorted(manifest.files.items()))


def test_second_run_rewrites_nothing_unchanged(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_generated(docs, PAGES)
    stamps = {p: (docs / p).stat().st_mtime_ns for p in [*PAGES, MANIFEST_NAME]}
    changed = {**PAGES, "schema/index.md": b"# Schema, again\n"}
    outcome = write_generated(docs, changed)
    assert outcome.written == ["schema/index.md"]
    assert sorted(outcome.unchanged) == ["assets/schema-wiki.css", "schema/public/users.md"]
    for path in ("assets/schema-wiki.css", "schema/public/users.md"):
        assert (docs / path).stat().st_mtime_ns == stamps[path]  # an engine's cache stays warm
    stamp = (docs / MANIFEST_NAME).stat().st_mtime_ns
    again = write_generated(docs, changed)
    assert again.written == [] and again.removed == []
    assert (docs / MANIFEST_NAME).stat().st_mtime_ns == stamp


def test_a_hand_written_page_is_never_touched(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    ours = docs / "schema" / "index.md"
    ours.parent.mkdir(parents=True)
    ours.write_text("# Our schema page\n")
    outcome = write_generated(docs, PAGES)
    assert outcome.hand_written == ["schema/index.md"]
    assert ours.read_text() == "# Our schema page\n"
    manifest = read_manifest(docs)
    assert manifest is not None and "schema/index.md" not in manifest.files
    # Nor on a later run that no longer generates that page.
    write_generated(docs, {k: v for k, v in PAGES.items() if k != "schema/index.md"})
    assert ours.read_text() == "# Our schema page\n"


def test_an_edited_generated_page_is_left_alone_and_reported_until_deleted(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    write_generated(docs, PAGES)
    page = docs / "schema/public/users.md"
    page.write_bytes(b"# users (reformatted)\n")
    newer = {**PAGES, "schema/public/users.md": b"# users, v2\n"}
    for _ in range(2):  # reported on every run, not only the first
        outcome = write_generated(docs, newer)
        assert outcome.changed == ["schema/public/users.md"]
        assert page.read_bytes() == b"# users (reformatted)\n"
    page.unlink()
    outcome = write_generated(docs, newer)
    assert outcome.written == ["schema/public/users.md"] and outcome.changed == []
    assert page.read_bytes() == b"# users, v2\n"


def test_pages_gone_from_the_wiki_are_removed_with_their_empty_directories(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    write_generated(docs, PAGES)
    outcome = write_generated(docs, {"schema/index.md": PAGES["schema/index.md"]})
    assert sorted(outcome.removed) == ["assets/schema-wiki.css", "schema/public/users.md"]
    assert not (docs / "schema" / "public").exists()
    assert not (docs / "assets").exists()
    assert (docs / "schema" / "index.md").exists()
    manifest = read_manifest(docs)
    assert manifest is not None and list(manifest.files) == ["schema/index.md"]


def test_an_edited_page_gone_from_the_wiki_stays_and_becomes_the_teams(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_generated(docs, PAGES)
    (docs / "schema/public/users.md").write_text("# kept\n")
    outcome = write_generated(docs, {"schema/index.md": PAGES["schema/index.md"]})
    assert outcome.changed == ["schema/public/users.md"]
    assert (docs / "schema/public/users.md").read_text() == "# kept\n"
    assert write_generated(docs, {"schema/index.md": PAGES["schema/index.md"]}).changed == []


def test_an_interrupted_run_half_writes_nothing_and_the_next_run_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    write_generated(docs, PAGES)
    newer = {path: data + b"v2\n" for path, data in PAGES.items()}
    newer["migrations/index.md"] = b"# Migrations\n"
    real = generated.write_atomically
    calls = 0

    def flaky(target: Path, data: bytes | str, *, suffix: str = ".tmp") -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # the interim manifest, one page, then the interrupt
            # Leave a temporary file behind, as a killed process would.
            target.parent.mkdir(parents=True, exist_ok=True)
            payload = data.encode() if isinstance(data, str) else data
            (target.parent / f".{target.name}.x{suffix}").write_bytes(payload[:3])
            raise KeyboardInterrupt
        real(target, data, suffix=suffix)

    monkeypatch.setattr(generated, "write_atomically", flaky)
    with pytest.raises(KeyboardInterrupt):
        write_generated(docs, newer)
    monkeypatch.setattr(generated, "write_atomically", real)
    # Every file is either as it was or as it will be.
    for path, data in _tree(docs).items():
        if path.endswith(".tmp"):
            continue
        assert data in (PAGES.get(path), newer.get(path)), path
    outcome = write_generated(docs, newer)
    assert outcome.changed == [] and outcome.hand_written == []
    assert _tree(docs) == newer  # temporary files gone too
    manifest = read_manifest(docs)
    assert manifest is not None and manifest.pending == {}


def test_a_lost_manifest_adopts_identical_files_only(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_generated(docs, PAGES)
    (docs / MANIFEST_NAME).unlink()
    newer = {**PAGES, "schema/index.md": b"# Schema v2\n"}
    outcome = write_generated(docs, newer)
    assert sorted(outcome.unchanged) == ["assets/schema-wiki.css", "schema/public/users.md"]
    assert outcome.hand_written == ["schema/index.md"]  # unknown bytes: not ours to replace


def test_an_unreadable_manifest_is_a_configuration_error(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(ConfigError, match="restore it from version control"):
        write_generated(docs, PAGES)


def test_clean_removes_own_files_and_keeps_edited_ones(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs).mkdir()
    (docs / "index.md").write_text("# Home\n")
    write_generated(docs, PAGES)
    (docs / "schema/index.md").write_text("# edited\n")
    outcome = remove_generated(docs)
    assert outcome.changed == ["schema/index.md"]
    assert _tree(docs) == {"index.md": b"# Home\n", "schema/index.md": b"# edited\n"}
    (docs / "schema/index.md").unlink()
    remove_generated(docs)
    assert not (docs / MANIFEST_NAME).exists()


# --- the guard -------------------------------------------------------------------------


@pytest.fixture
def unguarded(monkeypatch: pytest.MonkeyPatch) -> None:
    """As under an engine that runs no plugin, with nothing remembered."""
    monkeypatch.setattr(guard, "_plugin_ran", False)
    monkeypatch.setattr(guard, "_verdicts", {})
    monkeypatch.setattr(guard, "_told", set())


def _convert(docs: Path) -> str:
    md = markdown.Markdown(extensions=[guard.makeExtension(docs_dir=str(docs))])
    return str(md.convert("# Home\n"))


@pytest.mark.usefixtures("unguarded")
def test_guard_fails_without_generated_pages(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    # Loading the extension is fine (MkDocs does it while validating mkdocs.yml) ...
    markdown.Markdown(extensions=[guard.makeExtension(docs_dir=str(docs))])
    # ... converting a page is not.
    with pytest.raises(guard.GuardError, match="Run `schema-wiki generate`"):
        _convert(docs)


@pytest.mark.usefixtures("unguarded")
def test_guard_passes_current_pages_and_fails_missing_or_stale_ones(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "1_a.sql").write_text("CREATE TABLE a ();\n")
    write_generated(docs, PAGES, sources=[migrations])
    assert "<h1>Home</h1>" in _convert(docs)
    assert guard.problem(docs) == ""
    (docs / "schema/public/users.md").unlink()
    assert "schema/public/users.md" in guard.problem(docs)
    write_generated(docs, PAGES, sources=[migrations])
    assert guard.problem(docs) == ""
    (migrations / "2_b.sql").write_text("CREATE TABLE b ();\n")
    assert "changed since schema-wiki generate" in guard.problem(docs)


@pytest.mark.usefixtures("unguarded")
def test_guard_stands_down_when_the_plugin_runs(tmp_path: Path) -> None:
    guard.plugin_ran()
    assert "<h1>Home</h1>" in _convert(tmp_path)


# --- what mkdocs.yml needs ----------------------------------------------------------------


def test_config_problems_name_each_missing_setting_with_its_yaml() -> None:
    bare = config_problems(["toc", "tables"], {}, [], [], erd_depth=1)
    assert len(bare.missing) == 6
    for text in (
        "  - md_in_html",
        "name: mermaid",
        "  - assets/schema-wiki.css",
        "path: assets/schema-wiki/schema-wiki.js\n    defer: true",
        "schema_wiki.engines.guard",
    ):
        assert text in bare.snippet
    no_diagrams = config_problems(["toc", "tables"], {}, [], [], erd_depth=0)
    assert "mermaid" not in no_diagrams.snippet and "schema-wiki.js" not in no_diagrams.snippet

    class Script:
        path = "assets/schema-wiki/schema-wiki.js"
        defer = True

    complete = config_problems(
        [
            *("toc", "tables", "attr_list", "admonition", "md_in_html"),
            *("pymdownx.superfences", "schema_wiki.engines.guard"),
        ],
        {"pymdownx.superfences": {"custom_fences": [{"name": "mermaid", "class": "mermaid"}]}},
        ["assets/schema-wiki.css"],
        [Script()],
        erd_depth=1,
    )
    assert complete.missing == () and complete.advised == () and complete.snippet == ""


def test_nav_entries_lists_what_the_nav_lacks() -> None:
    assert nav_entries(None) == list(NAV_ENTRIES)
    nav = [{"Home": "index.md"}, {"Schema": [{"All": "schema/index.md"}]}]
    assert [path for _, path in nav_entries(nav)] == [p for _, p in NAV_ENTRIES][1:]
    # Only pages that were generated: no calendar when nothing is scheduled.
    built = {p for _, p in NAV_ENTRIES} - {"schema/calendar.md"}
    assert [path for _, path in nav_entries(nav, built)] == [p for _, p in NAV_ENTRIES][1:-1]


# --- the command -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project after one generate; tests copy it (its catalog cache too)."""
    project = tmp_path_factory.mktemp("example") / "project"
    project.mkdir()
    shutil.copy2(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    for name in ("docs", "migrations", "adrs"):
        shutil.copytree(ROOT / name, project / name)
    result = run(["schema-wiki", "generate"], project)
    assert result.returncode == 0, result.stderr
    return project


def _copy(example: Path, tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(example, project, symlinks=True)
    return project


def test_generate_on_the_example_writes_pages_quietly(example: Path, tmp_path: Path) -> None:
    project = _copy(example, tmp_path)
    result = run(["schema-wiki", "generate"], project)
    assert result.returncode == 0, result.stderr
    assert "0 files written" in result.stderr  # nothing changed since the fixture's run
    assert "lacks" not in result.stderr  # the example's mkdocs.yml has what pages need
    assert "add to the nav" not in result.stderr
    assert (project / "docs" / "schema" / "public" / "users.md").is_file()
    assert (project / "docs" / "assets" / "schema-wiki" / "mermaid.min.js").is_file()


def test_generate_reports_in_any_format_with_hints_on_stderr(example: Path, tmp_path: Path) -> None:
    project = _copy(example, tmp_path)
    result = run(["schema-wiki", "generate", "--format", "json"], project)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # nothing but the report on stdout
    assert "findings" in report


def test_generate_is_a_gate_like_check(tmp_path: Path) -> None:
    project = tmp_path / "expired"
    shutil.copytree(FIXTURES / "projects" / "expired", project)
    result = run(["schema-wiki", "generate"], project)
    # The expired column fails; the fixture's minimal mkdocs.yml also lacks the
    # settings engines without plugins need, which is a configuration error (2).
    assert result.returncode == 2
    assert "expired-column" in result.stdout
    assert "lacks markdown_extensions: md_in_html" in result.stderr
    assert (project / "docs" / "schema" / "public" / "users.md").is_file()  # written all the same
    check = run(["schema-wiki", "check"], project)
    assert check.returncode == 1
    # With the settings in place, the exit code is check's.
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + _ENGINE_SETTINGS)
    assert run(["schema-wiki", "generate", "--check-config"], project).returncode == 0
    again = run(["schema-wiki", "generate"], project)
    assert again.returncode == 1, again.stderr
    assert "expired-column" in again.stdout


_ENGINE_SETTINGS = """
markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - toc
  - tables
  - schema_wiki.engines.guard
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
extra_css: [assets/schema-wiki.css]
extra_javascript:
  - path: assets/schema-wiki/schema-wiki.js
    defer: true
nav:
  - Home: index.md
"""


def test_check_config_says_what_to_add_and_exits_2(tmp_path: Path) -> None:
    project = tmp_path / "expired"
    shutil.copytree(FIXTURES / "projects" / "expired", project)
    result = run(["schema-wiki", "generate", "--check-config"], project)
    assert result.returncode == 2
    assert "extra_css:\n  - assets/schema-wiki.css" in result.stderr
    assert not (project / "docs" / MANIFEST_NAME).exists()  # nothing built or written


def test_nav_entries_are_printed_or_written(example: Path, tmp_path: Path) -> None:
    project = _copy(example, tmp_path)
    config = project / "mkdocs.yml"
    text = config.read_text()
    config.write_text(text.replace("  - Health: schema/health.md\n", ""))
    result = run(["schema-wiki", "generate"], project)
    assert "add to the nav: of mkdocs.yml:\n\n- Health: schema/health.md" in result.stderr
    run(["schema-wiki", "generate", "--nav-file", "nav.yml"], project)
    assert (project / "nav.yml").read_text().splitlines()[0] == "- Schema: schema/index.md"
    run(["schema-wiki", "generate", "--nav-file", "docs/SUMMARY.md"], project)
    summary = (project / "docs" / "SUMMARY.md").read_text()
    assert summary.splitlines()[-2:] == [
        "* [Health](schema/health.md)",
        "* [Calendar](schema/calendar.md)",
    ]


def test_strict_fails_on_an_edited_generated_page(example: Path, tmp_path: Path) -> None:
    project = _copy(example, tmp_path)
    page = project / "docs" / "schema" / "a-z.md"
    page.write_text(page.read_text() + "\nA note of ours.\n")
    result = run(["schema-wiki", "generate"], project)
    assert result.returncode == 0
    assert "docs/schema/a-z.md was edited since generate wrote it" in result.stderr
    assert "A note of ours." in page.read_text()
    assert run(["schema-wiki", "generate", "--strict"], project).returncode == 1


def test_clean_leaves_only_the_hand_written_docs(example: Path, tmp_path: Path) -> None:
    project = _copy(example, tmp_path)
    result = run(["schema-wiki", "generate", "--clean"], project)
    assert result.returncode == 0
    left = sorted(
        p.relative_to(project / "docs").as_posix()
        for p in (project / "docs").rglob("*")
        if p.is_file()
    )
    assert left == sorted(
        p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*") if p.is_file()
    )


def test_a_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["schema-wiki", "generate", "-f", "nope.yml"], tmp_path)
    assert result.returncode == 2
    assert "nope.yml: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_docs_dir_that_cannot_be_written_is_reported(example: Path, tmp_path: Path) -> None:
    project = _copy(example, tmp_path)
    # A file where generate needs a directory (root writes even into read-only ones).
    shutil.rmtree(project / "docs" / "assets")
    (project / "docs" / "assets").write_text("not a directory\n")
    result = run(["schema-wiki", "generate"], project)
    assert result.returncode == 2
    assert "cannot write into docs/" in result.stderr
    assert "Traceback" not in result.stderr
