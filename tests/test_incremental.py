"""A serve rebuild after an ADR edit renders only some pages, and gets every page right."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from schema_wiki.cache.incremental import Rendered, merged, pages_to_render
from schema_wiki.checks import RULES
from schema_wiki.config import WikiConfig
from schema_wiki.pipeline import Session, load, rendering_key
from schema_wiki.render import ADR_FREE_PAGES, RenderOptions, render_pages

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _generate(root: Path, tables: int) -> None:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("generate", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate", module)
    spec.loader.exec_module(module)
    module.generate(root, tables, seed=11)


def _config(root: Path) -> WikiConfig:
    return WikiConfig(
        root=root,
        migrations_dir=root / "migrations",
        adrs_dir=root / "adrs",
        today=dt.date(2026, 1, 1),
        cache_dir=root / ".cache" / "schema-wiki",
    )


def _title(text: str, title: str) -> str:
    return re.sub(r"^# .*$", f"# {title}", text, count=1, flags=re.MULTILINE)


def _edits(adrs: Path) -> list[tuple[str, object]]:
    files = sorted(adrs.glob("*.md"))
    first, second, third = files[0], files[1], files[2]
    other_column = re.search(r"columns: \[([^,\]]+)", files[3].read_text()).group(1)  # type: ignore[union-attr]

    def retitle() -> None:
        first.write_text(_title(first.read_text(), "# ADR-001: A new title"))

    def mention() -> None:
        second.write_text(second.read_text() + f"\nAlso `{other_column}` matters.\n")

    def dangling() -> None:
        second.write_text(second.read_text() + "\nAnd `no_such_table.no_such_column`.\n")

    def supersede() -> None:
        text = third.read_text().replace("status: ", 'supersedes: ["0001"]\nstatus: ', 1)
        third.write_text(re.sub(r"status: \w+", "status: accepted", text, count=1))

    def delete() -> None:
        files[4].unlink()

    def add() -> None:
        (adrs / "0999-new-decision.md").write_text(
            "---\nstatus: proposed\ndate: 2025-01-02\n---\n# ADR-999: New\n\n"
            f"On `{other_column}`.\n"
        )

    return [
        ("retitle", retitle),
        ("mention", mention),
        ("dangling", dangling),
        ("supersede", supersede),
        ("delete", delete),
        ("add", add),
    ]


@pytest.mark.parametrize("tables", [30])
def test_incremental_pages_equal_a_full_render_after_each_adr_edit(
    tmp_path: Path, tables: int
) -> None:
    _generate(tmp_path, tables)
    config = _config(tmp_path)
    cache = Session()
    options = RenderOptions()
    inputs = rendering_key(options, ())
    wiki = load(config, cache)
    previous = Rendered(wiki, inputs, render_pages(wiki, options))
    assert pages_to_render(None, wiki, inputs) is None

    for name, edit in _edits(tmp_path / "adrs"):
        edit()  # type: ignore[operator]
        wiki = load(config, cache)
        only = pages_to_render(previous, wiki, inputs, ADR_FREE_PAGES)
        assert only is not None, name
        assert not only & ADR_FREE_PAGES, name  # kept, and still equal to a full render
        full = render_pages(wiki, options)
        incremental = merged(previous, wiki, render_pages(wiki, options, only=only))
        assert incremental.keys() == full.keys(), name
        wrong = [page for page in full if incremental[page] != full[page]]
        assert not wrong, (name, wrong[:5])
        assert len(only) < len(full) / 2, (name, len(only), len(full))
        previous = Rendered(wiki, inputs, full)
    assert cache.catalog_builds == 1  # the catalog was built once


def test_anything_but_adrs_changing_renders_everything(tmp_path: Path) -> None:
    _generate(tmp_path, 8)
    config = _config(tmp_path)
    cache = Session()
    options = RenderOptions()
    wiki = load(config, cache)
    previous = Rendered(wiki, rendering_key(options, ()), render_pages(wiki, options))
    assert pages_to_render(previous, wiki, rendering_key(RenderOptions(erd_depth=2), ())) is None
    later = WikiConfig(**{**config.__dict__, "today": dt.date(2027, 1, 1)})
    assert pages_to_render(previous, load(later, cache), rendering_key(options, ())) is None
    migration = sorted((tmp_path / "migrations").glob("*.sql"))[-1]
    migration.write_text(migration.read_text() + "\nCOMMENT ON TABLE x IS NULL;\n")
    # A changed migration rebuilds the catalog (the statement fails: nothing reuses it).
    builds = cache.catalog_builds
    broken = load(config, cache)
    assert broken.catalog is not None and broken.catalog.failure is not None
    assert [f.rule for f in broken.findings if f.level.value == "error"] == ["migration-failed"]
    assert pages_to_render(previous, broken, rendering_key(options, ())) is None
    load(config, cache)  # an incomplete catalog is never reused: applied again
    assert cache.catalog_builds == builds + 2


def test_a_serve_rebuild_reuses_the_join_and_migration_rules_and_gets_the_same_wiki(
    tmp_path: Path,
) -> None:
    _generate(tmp_path, 30)
    config = _config(tmp_path)
    serve = Session(serve=True)
    first = load(config, serve)
    assert serve.join is not None and serve.rules is not None
    before = copy.deepcopy((first.tables, first.dropped_tables))
    edits = _edits(tmp_path / "adrs")
    for name, edit in edits:
        edit()  # type: ignore[operator]
        reused = load(config, serve)
        fresh = load(config, Session())
        assert reused.tables == fresh.tables, name
        assert reused.dropped_tables == fresh.dropped_tables, name
        assert reused.findings == fresh.findings, name
        assert reused.silenced == fresh.silenced, name
        assert (reused.migration_adrs, reused.adr_migrations) == (
            fresh.migration_adrs,
            fresh.adr_migrations,
        ), name
    # The pages of the first build are compared with later ones: linking never touched them.
    assert (first.tables, first.dropped_tables) == before
    assert serve.join.hits == len(edits)
    # missing-header-field and the others that read only the migrations; unsafe-migration
    # reads the replay's history (cheap), not only the migrations, so it runs each time.
    migration_rules = sum(1 for r in RULES if r.reads == "migrations")
    assert migration_rules >= 1
    assert serve.rules.hits == migration_rules * len(edits)
    later = WikiConfig(**{**config.__dict__, "today": dt.date(2027, 1, 1)})
    load(later, serve)
    assert serve.join.hits == len(edits)  # another day: the drop dates are computed again
