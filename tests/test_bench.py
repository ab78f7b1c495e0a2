"""The benchmark's generator and report, and one real measurement at a tiny size.

The full benchmark (``python bench/run.py``) is not run by the test suite.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from schema_wiki.sources.adrs import load_adrs
from schema_wiki.sources.migrations import load_migrations

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str) -> ModuleType:
    """A module of bench/ (not a package: it is run as ``python bench/run.py``)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(name) or importlib.util.module_from_spec(spec)
    if name not in sys.modules:
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


generate = _load("generate")
run = _load("run")


def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    a = generate.generate(tmp_path / "a", 30, seed=7)
    b = generate.generate(tmp_path / "b", 30, seed=7)
    c = generate.generate(tmp_path / "c", 30, seed=8)
    assert _digest(a.root) == _digest(b.root) != _digest(c.root)
    assert len(a.migrations) == 60 and len(a.adrs) == 6


def test_generated_migrations_parse_and_every_adr_reference_resolves(tmp_path: Path) -> None:
    project = generate.generate(tmp_path, 40, seed=3)
    migrations, findings = load_migrations(tmp_path, tmp_path / "migrations")
    assert not findings
    statements = [s for m in migrations for s in m.statements]
    assert len(statements) == project.statements
    assert not [s.parse_error for s in statements if s.parse_error]
    actions = {c.action.value for s in statements for c in s.changes}
    assert {"create table", "add column", "rename column", "comment column"} <= actions
    assert all(m.header.text("author") and m.header.text("context") for m in migrations)
    adrs, adr_findings = load_adrs(tmp_path, tmp_path / "adrs")
    assert not adr_findings and len(adrs) == 8
    assert all(a.refs for a in adrs)


@pytest.mark.parametrize("plugin", [True, False])
def test_both_configurations_share_theme_extensions_and_nav(plugin: bool) -> None:
    text = generate.mkdocs_yml(plugin=plugin)
    assert "name: material" in text and "- attr_list" in text and "Schema: schema/index.md" in text
    assert ("schema-wiki:" in text) == plugin
    assert f"today: {generate.TODAY}" in text or not plugin


def test_the_report_has_a_column_per_size_and_names_unmet_goals() -> None:
    def result(tables: int, warm: float, cold: float) -> run.SizeResult:
        return run.SizeResult(
            tables=tables,
            migrations=2 * tables,
            statements=20 * tables,
            adrs=tables // 5,
            pages=3 * tables,
            plain=run.Run(10.0, 100.0, 9.0),
            warm=run.Run(warm, 120.0, warm),
            cold=run.Run(cold, 130.0, cold),
            catalog=run.CatalogResult(1.0, 0.1, 0.4, "PostgreSQL 18"),
            parse=run.ParseResult(1000, 2000.0, 3000.0),
            serve=run.ServeResult(0.5, float("nan")),
        )

    results = [result(100, 11.0, 14.0), result(1000, 11.5, 16.0)]
    text = run.table(results)
    assert "| N = 100 | N = 1,000 |" in text.splitlines()[0]
    assert "11.00 s (1.10)" in text and "16.00 s (1.60)" in text
    goals = dict(run.goals(results))
    assert goals["build ratio <= 1.15 warm at every size"]
    assert not goals["build ratio <= 1.5 cold at every size"]
    assert goals["ADR-edit rebuild <= 1 s at 1,000 tables"]
    # --quick's size is not one of the goal sizes: it is reported, not judged.
    assert run.goals([result(50, 20.0, 30.0)]) == []
    assert dict(run.goals([result(50, 20.0, 30.0), *results])) == goals


@pytest.mark.slow
def test_a_tiny_benchmark_measures_real_builds(tmp_path: Path) -> None:
    """The real measurement at 6 tables: every number comes from a run, none is made up."""
    import math

    from engines import ENGINES, bin_dir

    zensical = bin_dir(ENGINES["zensical"]) / "zensical"
    lines: list[str] = []
    result = run.measure_size(
        6,
        rounds=1,
        seed=5,
        work=tmp_path,
        serve_full=False,
        log=lines.append,
        edits=1,
        zensical=zensical,
    )
    assert result.tables == 6 and result.migrations == 12
    # The plugin and its plain twin built the same pages (measure_size compares the sites);
    # besides the generated pages, the site has the project's own home page.
    built = sum(1 for _ in (tmp_path / "site-plugin").rglob("index.html"))
    assert result.pages == built - 1 > 6
    for build in (result.plain, result.warm, result.cold, result.warm_adr):
        assert build is not None
        assert build.seconds > 0 and build.cpu_s > 0 and build.peak_mb > 20
    # A cold build starts PostgreSQL and applies every migration; a warm one does not.
    assert result.cold.cpu_s > result.warm.cpu_s
    assert result.catalog.read_s > 0 and result.catalog.pg_dump_s > 0
    assert result.catalog.apply_s > 0 and result.catalog.server.startswith("PostgreSQL")
    assert result.parse.statements > 0 and result.parse.ours_per_s > 0
    assert math.isfinite(result.serve.dirty_s) and result.serve.dirty_s > 0
    assert result.plain_serve is not None and result.plain_serve.dirty_s > 0
    assert any(line.startswith("  cold build") for line in lines)
    # Zensical built the pages schema-wiki generate wrote, as many as the plain twin.
    assert result.zensical is not None and result.zensical.pages == built
    assert result.zensical.version == "0.0.73"
    for step in ("generate", "clean", "adr_generate", "adr_build"):
        assert getattr(result.zensical, step).seconds > 0
    report = run.table([result])
    assert f"{result.warm.seconds:.2f} s ({result.warm_ratio:.2f})" in report
