"""Benchmark the schema wiki against MkDocs itself, pg_dump and sqlglot.

``python bench/run.py`` runs the full benchmark (N = 100, 1,000 and 5,000
tables); ``python bench/run.py --quick`` a small one (50 tables, one round) for CI.
For every size it generates a synthetic project (`generate.py`) in a
temporary directory and measures, side by side in the same run:

build
    ``mkdocs build`` of the project with the plugin, on a cold cache (no
    ``.cache/schema-wiki``: a throwaway PostgreSQL applies every migration)
    and on a warm one (no migration changed since the last build), against
    ``mkdocs build`` of the very same pages written out as ordinary Markdown
    files with the same theme, extensions and nav. The ratio is the
    plugin's overhead. Each build is its own process, as a user runs it; its
    peak memory is the process's maximum resident set size (``wait4``).
catalog
    `read_catalog` of the database the migrations built, against
    ``pg_dump -s`` of the same database by the same server's ``pg_dump``.
parse
    statements per second of the migration reader (split, parse and analyse,
    file by file) against ``sqlglot.parse(text, read="postgres")`` of the same
    files; plus the same on the example and fixture migrations of this
    repository (real-world SQL rather than generated).
zensical
    with a Zensical found (``--zensical``; by default the environment the
    engine tests create under ``.cache/engines/``): ``schema-wiki generate``
    of the project on a warm cache, Zensical's clean build of the pages it
    wrote, and, after one ADR edit, ``schema-wiki generate`` again plus
    Zensical's build with its cache from the build before: what a team on
    Zensical runs in CI and while writing.
serve
    the rebuild ``mkdocs serve --dirty`` performs after one ADR is saved,
    measured in process: the probe loads the configuration and calls MkDocs'
    ``build`` exactly as serve's builder does (same plugin instance, same
    site directory), edits an ADR, and times the next build; it checks the
    edit reached the ADR's HTML page. ``serve`` without ``--dirty`` rebuilds
    every page: that costs about a warm build, shown as well.

review (``--review``)
    ``schema-wiki review`` of a branch that adds one migration to the project
    (a git repository made of it: the project on ``main``, the branch with one
    more migration), against a cold ``schema-wiki check`` of the same
    project: the review with no cache at all, then again with the base's
    replay cached (the data directory and record the first run left).

Every temporary directory and every server is removed at the end, also on
Ctrl-C. Timings are the best of ``--rounds`` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import GeneratedProject, generate, mkdocs_yml  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

T = TypeVar("T")

#: Goals of issue 8.
GOAL_WARM = 1.15
GOAL_COLD = 1.5
GOAL_SCALING = 6.0
GOAL_CATALOG = 0.5
GOAL_SERVE_S = 1.0
GOAL_MEMORY_MB = 1024.0
#: Issue 13: recording the history adds at most 30 % to applying the migrations.
GOAL_RECORDING = 1.3

#: Goals of issue 17: a review against a cold ``schema-wiki check`` of the same project.
GOAL_REVIEW_COLD = 1.5
GOAL_REVIEW_CACHED = 0.5

#: The size of ``--quick``.
QUICK_TABLES = 50

#: The serve rebuild is measured up to this size (the goal is set at 1,000 tables).
SERVE_MAX_TABLES = 1000

_MKDOCS_ENV = {"NO_MKDOCS_2_WARNING": "1"}


# --- measuring ------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    """One process: wall time, peak resident memory, and CPU time with its children.

    CPU time includes the throwaway PostgreSQL the build started (its
    children are waited for): on a busy machine it is steadier than wall time.
    """

    seconds: float
    peak_mb: float
    cpu_s: float = 0.0


def run_process(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to completion; its wall time and its own peak RSS (``wait4``)."""
    full_env = {**os.environ, **_MKDOCS_ENV, **(env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert proc.stdout is not None
        output = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if proc.returncode is None:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        text = output.decode(errors="replace")
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{text[-3000:]}")
    # Linux reports ru_maxrss in KiB.
    return Run(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def best(fn: Callable[[], T], rounds: int) -> tuple[float, T]:
    """The fastest of ``rounds`` calls of ``fn`` and the last result."""
    times: list[float] = []
    result: T
    for _ in range(max(1, rounds)):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def mkdocs_build(project: Path, site: Path) -> Run:
    """``mkdocs build`` of ``project`` into an empty ``site``, as its own process.

    Every build starts without a site directory, as in CI: MkDocs would
    otherwise first delete the previous site's files (a second at 1,000 tables),
    which the plain build, writing into a new directory, would not pay.
    """
    shutil.rmtree(site, ignore_errors=True)
    return run_process(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(site)],
        cwd=project,
    )


def count_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("index.html"))


# --- the plain twin ---------------------------------------------------------------------


def write_plain_twin(project: Path, twin: Path) -> int:
    """The plugin's pages as ordinary Markdown files in ``twin``; returns the page count.

    The pages come from the plugin's own ``on_files`` (on the warm cache), so
    both builds render byte-identical Markdown.
    """
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    logging.getLogger("mkdocs").setLevel(logging.ERROR)  # its findings: the builds show them
    config = load_config(str(project / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    config = config.plugins.on_config(config)
    plugin = config.plugins["schema-wiki"]
    files = plugin.on_files(Files([]), config=config)
    assert files is not None
    docs = twin / "docs"
    shutil.copytree(project / "docs", docs)
    pages = 0
    for file in files:
        target = docs / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.content_bytes)
        pages += file.src_uri.endswith(".md")
    (twin / "mkdocs.yml").write_text(twin_yml(config), encoding="utf-8")
    # The project's own mkdocs.yml plus what an engine without plugins needs there.
    (twin / ENGINE_YML).write_text(
        mkdocs_yml(plugin=True, extra=plugin_settings(config)), encoding="utf-8"
    )
    return pages


#: Beside the twin's mkdocs.yml: the plugin's settings and what it adds, for Zensical.
ENGINE_YML = "engine-mkdocs.yml"


def twin_yml(config: MkDocsConfig) -> str:
    """The plain build's mkdocs.yml: the project's, with the Markdown extensions, CSS and
    scripts the plugin added, and no plugin (its pages are files now)."""
    return mkdocs_yml(plugin=False, extra=plugin_settings(config))


def plugin_settings(config: MkDocsConfig) -> dict[str, object]:
    """The Markdown extensions, CSS and scripts of a configuration the plugin ran on."""
    extensions: list[object] = []
    for name in config.markdown_extensions:
        options = config.mdx_configs.get(name)
        extensions.append({name: options} if options else name)
    scripts: list[object] = []
    for script in config.extra_javascript:
        if isinstance(script, str):
            scripts.append(script)
        else:
            entry: dict[str, object] = {"path": script.path}
            for key, attribute in (("type", "type"), ("async", "async_"), ("defer", "defer")):
                if value := getattr(script, attribute, None):
                    entry[key] = value
            scripts.append(entry)
    return {
        "markdown_extensions": extensions,
        "extra_css": list(config.extra_css),
        "extra_javascript": scripts,
    }


# --- catalog and parsing ------------------------------------------------------------------


@dataclasses.dataclass
class CatalogResult:
    apply_s: float
    read_s: float
    pg_dump_s: float
    server: str
    #: The same apply with the history recorder (`replay.record`), best of the same rounds.
    recorded_s: float = 0.0

    @property
    def recording_ratio(self) -> float:
        return self.recorded_s / self.apply_s if self.apply_s else 0.0


def measure_catalog(project: GeneratedProject, rounds: int) -> CatalogResult:
    """Apply the migrations to a throwaway server; time read_catalog and ``pg_dump -s``."""
    from schema_wiki.replay.apply import apply_migrations
    from schema_wiki.replay.pgserver import ThrowawayPostgres
    from schema_wiki.sources.catalog import read_catalog
    from schema_wiki.sources.migrations import load_migrations

    migrations, _ = load_migrations(project.root, project.root / "migrations")
    with ThrowawayPostgres() as pg:
        start = time.perf_counter()
        apply_migrations(pg.conninfo, migrations)
        apply_s = time.perf_counter() - start
        # Recording (history) against plain applying, alternately, each into a new
        # database of the same server, in this process: the ratio is the recorder's cost.
        plain_s: list[float] = [apply_s]
        recorded_s: list[float] = []
        for r in range(max(rounds, 2)):
            for recorded in (True, False):
                conninfo = pg.create_database(f"apply_{r}_{int(recorded)}")
                start = time.perf_counter()
                apply_migrations(conninfo, migrations, record=recorded)
                (recorded_s if recorded else plain_s).append(time.perf_counter() - start)
        apply_s = min(plain_s)
        read_s, _ = best(lambda: read_catalog(pg.conninfo), rounds)
        pg_dump = pg.bin_dir / "pg_dump"
        command = [str(pg_dump), "--schema-only", "--file", os.devnull, "--dbname", pg.conninfo]

        def dump() -> None:
            subprocess.run(command, check=True, capture_output=True, timeout=600)

        dump_s, _ = best(dump, rounds)
        return CatalogResult(
            apply_s, read_s, dump_s, f"PostgreSQL {pg.version}", recorded_s=min(recorded_s)
        )


@dataclasses.dataclass
class ParseResult:
    statements: int
    ours_per_s: float
    sqlglot_per_s: float


def _sample(texts: list[tuple[str, str]], limit: int) -> list[tuple[str, str]]:
    """Every k-th file, so that the sample holds about ``limit`` characters."""
    total = sum(len(t) for _, t in texts)
    step = max(1, total // max(1, limit))
    return texts[::step] if step > 1 else texts


def measure_parse(texts: list[tuple[str, str]], rounds: int) -> ParseResult:
    """Statements per second: our reader against sqlglot's own parse, file by file."""
    import sqlglot
    from sqlglot.errors import ErrorLevel

    from schema_wiki.sources.statements import split_statements

    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

    def ours() -> int:
        return sum(len(split_statements(text, path)) for path, text in texts)

    def theirs() -> int:
        return sum(
            len(sqlglot.parse(text, read="postgres", error_level=ErrorLevel.IGNORE))
            for _, text in texts
        )

    ours_s, count = best(ours, rounds)
    theirs_s, _ = best(theirs, rounds)
    return ParseResult(count, count / max(ours_s, 1e-9), count / max(theirs_s, 1e-9))


def repository_corpus() -> list[tuple[str, str]]:
    """The example's and the test fixtures' migrations: SQL as teams write it.

    Only files that are plain SQL throughout (no goose / dbmate down sections,
    Drizzle breakpoints read as statement ends).
    """
    out: list[tuple[str, str]] = []
    for base in (REPO / "migrations", REPO / "tests" / "fixtures" / "migrations"):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.sql")):
            rel = path.relative_to(REPO).as_posix()
            if "goose" in rel or "dbmate" in rel:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            out.append((rel, text.replace("--> statement-breakpoint", ";")))
    return out


# --- serve --------------------------------------------------------------------------------


@dataclasses.dataclass
class ServeResult:
    dirty_s: float
    full_s: float


def serve_probe(
    config_file: Path, edits: int, full: bool, adrs_dir: Path | None = None
) -> dict[str, float]:
    """In this process: serve's initial build, then a rebuild after each ADR edit.

    ``adrs_dir`` holds the ADRs to edit: the project's ``adrs/``, or for the
    plain twin the ADR pages under its ``docs/adrs/`` (MkDocs' own floor).

    Mirrors ``mkdocs.commands.serve``: the configuration is loaded anew for
    every rebuild (the plugin instance is kept by MkDocs), the site directory
    is the same temporary one, and ``build`` gets the serve URL and the dirty flag.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    site = Path(tempfile.mkdtemp(prefix="schema-wiki-bench-serve-"))
    try:

        def rebuild(dirty: bool) -> float:
            config = load_config(str(config_file), site_dir=str(site))
            config.site_url = "http://127.0.0.1:8000/"
            start = time.perf_counter()
            build(config, serve_url=config.site_url, dirty=dirty)
            return time.perf_counter() - start

        first = load_config(str(config_file), site_dir=str(site))
        first.plugins.on_startup(command="serve", dirty=True)
        rebuild(True)
        adrs = sorted((adrs_dir or config_file.parent / "adrs").glob("*.md"))
        adrs = [a for a in adrs if a.name != "index.md"]
        target = adrs[len(adrs) // 2]
        original = target.read_text(encoding="utf-8")
        times: list[float] = []
        try:
            for i in range(edits):
                marker = f"Benchmark edit {i} of this decision."
                target.write_text(original + f"\n{marker}\n", encoding="utf-8")
                times.append(rebuild(True))
                html = next(site.joinpath("adrs").glob(f"{target.stem}*/index.html"), None)
                if html is None or marker not in html.read_text(encoding="utf-8"):
                    raise RuntimeError(f"the edit of {target.name} did not reach its page")
            full_s = rebuild(False) if full else float("nan")
        finally:
            target.write_text(original, encoding="utf-8")
        return {"dirty_s": statistics.median(times), "full_s": full_s}
    finally:
        shutil.rmtree(site, ignore_errors=True)


def measure_serve(
    config_file: Path, edits: int, full: bool, adrs_dir: Path | None = None
) -> ServeResult:
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve-probe",
            str(config_file),
            "--edits",
            str(edits),
            *(["--serve-full"] if full else []),
            *(["--adrs-dir", str(adrs_dir)] if adrs_dir else []),
        ],
        cwd=config_file.parent,
        env={**os.environ, **_MKDOCS_ENV},
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"serve probe failed:\n{(out.stderr or out.stdout)[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return ServeResult(data["dirty_s"], data["full_s"])


# --- one size -----------------------------------------------------------------------------


@dataclasses.dataclass
class ZensicalResult:
    """``schema-wiki generate`` and Zensical's build of its pages, clean and after an ADR edit."""

    version: str
    generate: Run
    clean: Run
    adr_generate: Run
    adr_build: Run
    pages: int


def find_zensical(given: str | None) -> Path | None:
    """The ``zensical`` executable: ``given`` (a file or a bin directory), else the one
    the engine tests installed (tests/engines.py), else None."""
    if given == "none":
        return None
    if given:
        path = Path(given)
        return path / "zensical" if path.is_dir() else path
    found = sorted((REPO / ".cache" / "engines").glob("zensical-*/bin/zensical"))
    return found[-1] if found else None


def measure_zensical(
    project: GeneratedProject,
    twin: Path,
    work: Path,
    zensical: Path,
    rounds: int,
    log: Callable[[str], None],
) -> ZensicalResult:
    """Generate the pages into a copy of the project and build it with Zensical."""
    version = subprocess.run(
        [str(zensical), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    generate_cmd = [sys.executable, "-m", "schema_wiki.commands.cli", "generate"]
    gen_runs, clean_runs, adr_gen_runs, adr_build_runs = [], [], [], []
    for r in range(rounds):
        copy = work / "zensical"
        shutil.rmtree(copy, ignore_errors=True)
        copy.mkdir(parents=True)
        for name in ("docs", "migrations", "adrs"):
            shutil.copytree(project.root / name, copy / name)
        # The catalog and statements the plugin's builds cached: generate starts warm.
        shutil.copytree(project.root / ".cache", copy / ".cache")
        shutil.copy2(twin / ENGINE_YML, copy / "mkdocs.yml")
        gen_runs.append(run_process(generate_cmd, copy))
        clean_runs.append(run_process([str(zensical), "build", "--clean"], copy))
        log(f"  zensical: generate {_describe(gen_runs[-1])}, clean {_describe(clean_runs[-1])}")
        adr = sorted((copy / "adrs").glob("*.md"))[r]
        adr.write_text(adr.read_text(encoding="utf-8") + "\nA sentence the benchmark added.\n")
        adr_gen_runs.append(run_process(generate_cmd, copy))
        adr_build_runs.append(run_process([str(zensical), "build"], copy))
        log(
            f"  zensical after an ADR edit: generate {_describe(adr_gen_runs[-1])},"
            f" build {_describe(adr_build_runs[-1])}"
        )
    return ZensicalResult(
        version=version,
        generate=min_run(gen_runs),
        clean=min_run(clean_runs),
        adr_generate=min_run(adr_gen_runs),
        adr_build=min_run(adr_build_runs),
        pages=count_pages(work / "zensical" / "site"),
    )


@dataclasses.dataclass
class SizeResult:
    tables: int
    migrations: int
    statements: int
    adrs: int
    pages: int
    plain: Run
    warm: Run
    cold: Run
    catalog: CatalogResult
    parse: ParseResult
    serve: ServeResult
    #: A build after one ADR edit, with the cache of the build before (not measured: None).
    warm_adr: Run | None = None
    #: MkDocs alone: the plain twin's ``serve --dirty`` rebuild after one ADR page edit.
    plain_serve: ServeResult | None = None
    #: Zensical on the pages ``schema-wiki generate`` wrote (None: no Zensical found).
    zensical: ZensicalResult | None = None

    @property
    def warm_ratio(self) -> float:
        return self.warm.seconds / self.plain.seconds

    @property
    def cold_ratio(self) -> float:
        return self.cold.seconds / self.plain.seconds

    @property
    def catalog_ratio(self) -> float:
        return self.catalog.read_s / self.catalog.pg_dump_s

    @property
    def peak_mb(self) -> float:
        return max(self.warm.peak_mb, self.cold.peak_mb)


def _describe(run: Run) -> str:
    return f"{run.seconds:.2f} s (CPU {run.cpu_s:.2f} s, peak {run.peak_mb:,.0f} MiB)"


def min_run(runs: list[Run]) -> Run:
    """The fastest wall time and CPU time of several runs, and the highest peak memory."""
    return Run(
        min(r.seconds for r in runs),
        max(r.peak_mb for r in runs),
        min(r.cpu_s for r in runs),
    )


def measure_size(
    tables: int,
    *,
    rounds: int,
    seed: int,
    work: Path,
    serve_full: bool,
    log: Callable[[str], None],
    edits: int = 3,
    zensical: Path | None = None,
) -> SizeResult:
    """Every measurement for one project size."""
    project = generate(work / "project", tables, seed)
    log(
        f"N={tables}: {len(project.migrations)} migrations, {project.statements} statements,"
        f" {len(project.adrs)} ADRs"
    )
    cache = project.root / ".cache"
    build_rounds = rounds if tables <= 1000 else 1

    cold_runs: list[Run] = []
    warm_runs: list[Run] = []
    plain_runs: list[Run] = []
    twin = work / "plain"
    adr_runs: list[Run] = []
    for r in range(build_rounds):
        shutil.rmtree(cache, ignore_errors=True)
        cold_runs.append(mkdocs_build(project.root, work / "site-plugin"))
        log(f"  cold build {_describe(cold_runs[-1])}")
        warm_runs.append(mkdocs_build(project.root, work / "site-plugin"))
        log(f"  warm build {_describe(warm_runs[-1])}")
        if tables <= SERVE_MAX_TABLES:
            adr_runs.append(_build_after_adr_edit(project, work / "site-plugin", r))
            log(f"  warm build after an ADR edit {_describe(adr_runs[-1])}")
        if r == 0:
            pages = write_plain_twin(project.root, twin)
        plain_runs.append(mkdocs_build(twin, work / "site-plain"))
        log(f"  plain build {_describe(plain_runs[-1])}")
    built = count_pages(work / "site-plugin"), count_pages(work / "site-plain")
    if built[0] != built[1]:
        raise RuntimeError(f"the plugin built {built[0]} pages, the plain twin {built[1]}")

    catalog = measure_catalog(project, rounds)
    log(f"  catalog {catalog.read_s:.3f}s, pg_dump -s {catalog.pg_dump_s:.3f}s")
    texts = [
        (f"migrations/{m}.sql", (project.root / "migrations" / f"{m}.sql").read_text())
        for m in project.migrations
    ]
    parse = measure_parse(_sample(texts, 600_000), rounds)
    log(f"  parse {parse.ours_per_s:,.0f} vs sqlglot {parse.sqlglot_per_s:,.0f} statements/s")
    plain_serve = None
    if tables <= SERVE_MAX_TABLES:
        serve = measure_serve(project.config_file, edits=edits, full=serve_full)
        log(f"  serve rebuild after an ADR edit {serve.dirty_s:.2f}s")
        plain_serve = measure_serve(
            twin / "mkdocs.yml", edits=edits, full=False, adrs_dir=twin / "docs" / "adrs"
        )
        log(f"  plain MkDocs serve rebuild after an ADR page edit {plain_serve.dirty_s:.2f}s")
    else:  # its first build alone would cost as much as a cold build
        serve = ServeResult(float("nan"), float("nan"))
    zensical_result = None
    if zensical is not None:
        zensical_result = measure_zensical(project, twin, work, zensical, build_rounds, log)
        if zensical_result.pages != built[1]:
            raise RuntimeError(
                f"Zensical built {zensical_result.pages} pages, the plain twin {built[1]}"
            )
    return SizeResult(
        tables=tables,
        migrations=len(project.migrations),
        statements=project.statements,
        adrs=len(project.adrs),
        pages=pages,
        plain=min_run(plain_runs),
        warm=min_run(warm_runs),
        cold=min_run(cold_runs),
        catalog=catalog,
        parse=parse,
        serve=serve,
        warm_adr=min_run(adr_runs) if adr_runs else None,
        plain_serve=plain_serve,
        zensical=zensical_result,
    )


def _build_after_adr_edit(project: GeneratedProject, site: Path, round_: int) -> Run:
    """A build after one ADR changed since the last build (which left its cache):
    nothing can be reused whole, the applied schema and the parsed statements can."""
    adr = sorted((project.root / "adrs").glob("*.md"))[round_]
    original = adr.read_text(encoding="utf-8")
    adr.write_text(original + "\nA sentence the benchmark added.\n", encoding="utf-8")
    try:
        return mkdocs_build(project.root, site)
    finally:
        adr.write_text(original, encoding="utf-8")


# --- review -------------------------------------------------------------------------------


@dataclasses.dataclass
class ReviewResult:
    """A review of a one-migration branch against a cold check of the same project."""

    tables: int
    check_cold: Run
    review_cold: Run
    review_cached: Run

    @property
    def cold_ratio(self) -> float:
        return self.review_cold.seconds / self.check_cold.seconds

    @property
    def cached_ratio(self) -> float:
        return self.review_cached.seconds / self.check_cold.seconds

    @property
    def cold_cpu_ratio(self) -> float:
        return self.review_cold.cpu_s / self.check_cold.cpu_s

    @property
    def cached_cpu_ratio(self) -> float:
        return self.review_cached.cpu_s / self.check_cold.cpu_s


#: The migration the benchmark's branch adds (after every generated one).
REVIEW_MIGRATION = """\
-- Migration: Add a note column for the review benchmark
-- Date: 2099-12-31
-- Author: Bench (@bench)
--
-- Context:
-- The one migration of the benchmark's branch.
--
ALTER TABLE {table} ADD COLUMN review_note text;
COMMENT ON COLUMN {table}.review_note IS 'Added by the review benchmark.';
"""


def _git(root: Path, *args: str) -> None:
    env = {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **env}, check=True, capture_output=True
    )


def review_branch(project: GeneratedProject) -> str:
    """Make ``project`` a git repository (the project on ``main``) with a branch that adds
    one migration, checked out; returns the table it changes."""
    root = project.root
    (root / ".gitignore").write_text(".cache/\nsite/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the generated project")
    _git(root, "checkout", "-q", "-b", "one-migration")
    first = sorted((root / "migrations").glob("*_create_*.sql"))[0]
    table = first.stem.split("_create_", 1)[1]
    migration = root / "migrations" / "20991231000000_review_bench.sql"
    migration.write_text(REVIEW_MIGRATION.format(table=table))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "one migration")
    return table


def measure_review(
    tables: int, *, rounds: int, seed: int, work: Path, log: Callable[[str], None]
) -> ReviewResult:
    """A cold ``schema-wiki check``, a cold review and a review with the base cached."""
    project = generate(work / "project", tables, seed)
    table_name = review_branch(project)
    log(f"N={tables}: review of a branch adding a column to {table_name}")
    cache = project.root / ".cache"
    cli = [sys.executable, "-m", "schema_wiki.commands.cli"]
    review = [*cli, "review", "--base", "main", "-o", str(work / "review.md")]
    checks: list[Run] = []
    colds: list[Run] = []
    cached: list[Run] = []
    for _ in range(max(1, rounds)):
        shutil.rmtree(cache, ignore_errors=True)
        checks.append(run_process([*cli, "check", "-o", str(work / "check.txt")], project.root))
        log(f"  cold check {_describe(checks[-1])}")
        shutil.rmtree(cache, ignore_errors=True)
        colds.append(run_process(review, project.root))
        log(f"  cold review {_describe(colds[-1])}")
        cached.append(run_process(review, project.root))
        log(f"  review, base cached {_describe(cached[-1])}")
    text = (work / "review.md").read_text(encoding="utf-8")
    if "base replay from the cache" not in text or "review_note" not in text:
        raise RuntimeError(f"the review did not use the cache or missed the change:\n{text}")
    return ReviewResult(tables, min_run(checks), min_run(colds), min_run(cached))


def review_table(results: list[ReviewResult]) -> str:
    """The review measurements as a Markdown table, one column per size."""
    rows: list[tuple[str, Callable[[ReviewResult], str]]] = [
        ("cold `schema-wiki check`", lambda r: _describe(r.check_cold)),
        (
            "review, cold (wall / CPU ratio)",
            lambda r: f"{_describe(r.review_cold)} ({r.cold_ratio:.2f} / {r.cold_cpu_ratio:.2f})",
        ),
        (
            "review, base cached (wall / CPU ratio)",
            lambda r: (
                f"{_describe(r.review_cached)} ({r.cached_ratio:.2f} / {r.cached_cpu_ratio:.2f})"
            ),
        ),
    ]
    header = "| | " + " | ".join(f"N = {r.tables:,}" for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    return "\n".join(lines)


def review_goals(results: list[ReviewResult]) -> list[tuple[str, bool]]:
    """Issue 17's goals, at 1,000 tables when measured."""
    out = []
    for r in results:
        if r.tables != 1000:
            continue
        out.append(
            (
                f"cold review <= {GOAL_REVIEW_COLD} x cold check at 1,000 tables"
                f" (wall {r.cold_ratio:.2f}, CPU {r.cold_cpu_ratio:.2f})",
                r.cold_ratio <= GOAL_REVIEW_COLD,
            )
        )
        out.append(
            (
                f"review with the base cached <= {GOAL_REVIEW_CACHED} x cold check at 1,000"
                f" tables (wall {r.cached_ratio:.2f}, CPU {r.cached_cpu_ratio:.2f})",
                r.cached_ratio <= GOAL_REVIEW_CACHED,
            )
        )
    return out


# --- report -------------------------------------------------------------------------------


def _mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _seconds(value: float) -> str:
    return "-" if value != value else f"{value:.2f} s"  # NaN: not measured


def table(results: list[SizeResult]) -> str:
    """The results as a Markdown table, one column per size, then the goals."""
    rows: list[tuple[str, Callable[[SizeResult], str]]] = [
        ("tables / migrations / ADRs", lambda r: f"{r.tables:,} / {r.migrations:,} / {r.adrs:,}"),
        ("pages built", lambda r: f"{r.pages:,}"),
        ("plain `mkdocs build` of the same pages", lambda r: f"{r.plain.seconds:.2f} s"),
        (
            "plugin build, warm cache (ratio)",
            lambda r: f"{r.warm.seconds:.2f} s ({r.warm_ratio:.2f})",
        ),
        (
            "plugin build, warm cache, one ADR edited (ratio)",
            lambda r: (
                f"{r.warm_adr.seconds:.2f} s ({r.warm_adr.seconds / r.plain.seconds:.2f})"
                if r.warm_adr
                else "-"
            ),
        ),
        (
            "plugin build, cold cache (ratio)",
            lambda r: f"{r.cold.seconds:.2f} s ({r.cold_ratio:.2f})",
        ),
        (
            "CPU time ratio, warm / cold",
            lambda r: f"{r.warm.cpu_s / r.plain.cpu_s:.2f} / {r.cold.cpu_s / r.plain.cpu_s:.2f}",
        ),
        ("applying the migrations (in cold)", lambda r: f"{r.catalog.apply_s:.2f} s"),
        (
            "applying with the history recorder (ratio)",
            lambda r: f"{r.catalog.recorded_s:.2f} s ({r.catalog.recording_ratio:.2f})",
        ),
        (
            "catalog read / `pg_dump -s` (ratio)",
            lambda r: (
                f"{r.catalog.read_s * 1000:.0f} / {r.catalog.pg_dump_s * 1000:.0f} ms"
                f" ({r.catalog_ratio:.2f})"
            ),
        ),
        (
            "parsing: ours / `sqlglot.parse` (statements/s)",
            lambda r: f"{r.parse.ours_per_s:,.0f} / {r.parse.sqlglot_per_s:,.0f}",
        ),
        (
            "Zensical: `schema-wiki generate`, warm cache",
            lambda r: f"{r.zensical.generate.seconds:.2f} s" if r.zensical else "-",
        ),
        (
            "Zensical build of the generated pages, clean (ratio to plain `mkdocs build`)",
            lambda r: (
                f"{r.zensical.clean.seconds:.2f} s"
                f" ({r.zensical.clean.seconds / r.plain.seconds:.2f})"
                if r.zensical
                else "-"
            ),
        ),
        (
            "Zensical, one ADR edited: generate + build (its cache warm)",
            lambda r: (
                f"{r.zensical.adr_generate.seconds:.2f} s + {r.zensical.adr_build.seconds:.2f} s"
                if r.zensical
                else "-"
            ),
        ),
        ("`serve --dirty` rebuild after an ADR edit", lambda r: _seconds(r.serve.dirty_s)),
        (
            "plain MkDocs `serve --dirty` rebuild after editing that ADR's page",
            lambda r: _seconds(r.plain_serve.dirty_s) if r.plain_serve else "-",
        ),
        ("`serve` rebuild (no `--dirty`)", lambda r: _seconds(r.serve.full_s)),
        (
            "peak memory: plugin warm / cold / plain",
            lambda r: f"{r.warm.peak_mb:,.0f} / {r.cold.peak_mb:,.0f} / {r.plain.peak_mb:,.0f} MiB",
        ),
        (
            "peak memory: Zensical clean build",
            lambda r: f"{r.zensical.clean.peak_mb:,.0f} MiB" if r.zensical else "-",
        ),
    ]
    header = "| | " + " | ".join(f"N = {r.tables:,}" for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    return "\n".join(lines)


#: The sizes issue 8 sets its goals at; ``--quick``'s 50 tables is not one of them.
GOAL_SIZES = (100, 1000, 5000)


def goals(results: list[SizeResult]) -> list[tuple[str, bool]]:
    """Each goal of issue 8 with whether this run met it, at the goal sizes measured."""
    results = [r for r in results if r.tables in GOAL_SIZES]
    if not results:
        return []
    out = [
        (
            f"build ratio <= {GOAL_WARM} warm at every size",
            all(r.warm_ratio <= GOAL_WARM for r in results),
        ),
        (
            f"build ratio <= {GOAL_WARM} warm after one ADR edit (sizes measured)",
            all(
                r.warm_adr.seconds / r.plain.seconds <= GOAL_WARM
                for r in results
                if r.warm_adr is not None
            ),
        ),
        (
            f"build ratio <= {GOAL_COLD} cold at every size",
            all(r.cold_ratio <= GOAL_COLD for r in results),
        ),
        (
            f"catalog read <= {GOAL_CATALOG} x pg_dump -s",
            all(r.catalog_ratio <= GOAL_CATALOG for r in results),
        ),
    ]
    by_size = {r.tables: r for r in results}
    if 1000 in by_size and 5000 in by_size:
        ratio = by_size[5000].warm.seconds / by_size[1000].warm.seconds
        ratio_cold = by_size[5000].cold.seconds / by_size[1000].cold.seconds
        out.append(
            (
                f"5,000 tables < {GOAL_SCALING:g} x 1,000 tables"
                f" (warm {ratio:.2f}, cold {ratio_cold:.2f})",
                ratio < GOAL_SCALING and ratio_cold < GOAL_SCALING,
            )
        )
    if 1000 in by_size:
        out.append(
            (
                f"recording the history <= {GOAL_RECORDING:g} x applying at 1,000 tables",
                by_size[1000].catalog.recording_ratio <= GOAL_RECORDING,
            )
        )
        out.append(
            (
                f"ADR-edit rebuild <= {GOAL_SERVE_S:g} s at 1,000 tables",
                by_size[1000].serve.dirty_s <= GOAL_SERVE_S,
            )
        )
    if 5000 in by_size:
        out.append(
            (
                f"peak memory <= {GOAL_MEMORY_MB:,.0f} MiB at 5,000 tables",
                by_size[5000].peak_mb <= GOAL_MEMORY_MB,
            )
        )
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    from importlib.metadata import version

    return (
        f"{cpu}, {os.cpu_count()} CPUs{mem}; {platform.system()} {platform.release()};"
        f" Python {platform.python_version()}, MkDocs {version('mkdocs')},"
        f" mkdocs-material {version('mkdocs-material')}, sqlglot {version('sqlglot')}"
    )


# --- main ---------------------------------------------------------------------------------


@contextlib.contextmanager
def workdir(keep: bool) -> Iterator[Path]:
    """A temporary directory, removed at the end (on Ctrl-C and SIGTERM too)."""
    path = Path(tempfile.mkdtemp(prefix="schema-wiki-bench-"))

    def terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield path
    finally:
        signal.signal(signal.SIGTERM, previous)
        if keep:
            print(f"kept {path}", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI (< 1 minute)")
    parser.add_argument("--sizes", help="comma-separated table counts (default 100,1000,5000)")
    parser.add_argument("--rounds", type=int, help="repetitions; the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--review",
        action="store_true",
        help="measure schema-wiki review against a cold check instead (default size 1,000)",
    )
    parser.add_argument("--serve-probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--edits", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--serve-full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--adrs-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--zensical",
        help="the zensical executable or its bin directory; 'none' to leave Zensical out"
        " (default: the environment tests/engines.py creates, if there is one)",
    )
    args = parser.parse_args(argv)

    if args.serve_probe:
        result = serve_probe(args.serve_probe, args.edits, args.serve_full, args.adrs_dir)
        print(json.dumps(result))
        return 0

    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    else:
        # Pages of generated wikis are heavy (columns with their history): 50 tables
        # keep the quick run, with its five builds, under a minute on two cores.
        sizes = [QUICK_TABLES] if args.quick else [100, 1000, 5000]
    rounds = args.rounds or (1 if args.quick else 3)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    zensical = find_zensical(args.zensical)
    if zensical is None:
        log("no Zensical (see --zensical): its rows stay empty")

    started = time.perf_counter()
    if args.review:
        review_sizes = sizes if args.sizes else [QUICK_TABLES if args.quick else 1000]
        reviews: list[ReviewResult] = []
        with workdir(args.keep) as work:
            for n in review_sizes:
                reviews.append(
                    measure_review(n, rounds=rounds, seed=args.seed, work=work / f"r{n}", log=log)
                )
        print(f"Machine: {machine()}\n")
        print(review_table(reviews))
        print()
        for text, ok in review_goals(reviews):
            print(f"- {text}: {_mark(ok)}")
        print(f"\nBenchmark time: {time.perf_counter() - started:.0f} s")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {"machine": machine(), "reviews": [dataclasses.asdict(r) for r in reviews]},
                    indent=2,
                )
            )
        return 0
    results: list[SizeResult] = []
    with workdir(args.keep) as work:
        for n in sizes:
            results.append(
                measure_size(
                    n,
                    rounds=rounds,
                    seed=args.seed,
                    work=work / f"n{n}",
                    serve_full=not args.quick,
                    log=log,
                    edits=1 if args.quick else 3,
                    zensical=zensical,
                )
            )
        corpus = measure_parse(repository_corpus(), max(rounds, 3))
    print(f"Machine: {machine()}\n")
    print(table(results))
    versions = sorted({r.zensical.version for r in results if r.zensical})
    if versions:
        print(f"\nZensical {', '.join(versions)} ({zensical}).")
    print(
        f"\nReal-world corpus (example and fixture migrations, {corpus.statements} statements):"
        f" ours {corpus.ours_per_s:,.0f} statements/s, sqlglot.parse"
        f" {corpus.sqlglot_per_s:,.0f} statements/s.\n"
    )
    met = goals(results)
    for text, ok in met:
        print(f"- {text}: {_mark(ok)}")
    if not met:
        at = ", ".join(f"{n:,}" for n in GOAL_SIZES)
        print(f"- the goals are checked at {at} tables; this run measured none of them")
    print(f"\nBenchmark time: {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": machine(), "results": [dataclasses.asdict(r) for r in results]},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
