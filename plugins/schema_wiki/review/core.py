"""``schema-wiki review``: what a branch changes, from replays of its base and of itself.

`review` compares the working tree (the branch, as checked out) with the
point where it left ``--base`` (``git merge-base``; the base itself when
they share no history), the way a pull request's diff does:

1. the base's migrations and ADRs are read from git (``git archive`` into a
   temporary directory) and replayed on a throwaway PostgreSQL; its data
   directory, its catalog and its findings are cached, keyed by the git tree
   ids of the base's migrations and ADRs (`base_keys`), so the next review
   of a branch of the same base replays nothing of it;
2. the branch's new and changed migrations are applied on a copy of the
   base's database, one by one, recorded (locks, rewrites, drops) and
   timed, each tested (rolled back and applied again, applied twice);
3. both sides are joined and checked as ``schema-wiki check`` would, with
   the project's settings (mkdocs.yml of the working tree for both);
4. the differences become the `Review`: the schema diff, a checklist per
   migration, the findings introduced and resolved, the impact of what is
   dropped, renamed or retyped, and the Migration Announcement draft.

Nothing here writes to the working tree or to a database given by
``database:``: that one is only read, for row estimates.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ..cache.disk import DiskCache, code_fingerprint
from ..checks import excluded
from ..checks.edited_migration import MigrationDigest, compare, digest
from ..config import WikiConfig
from ..errors import MigrationFailed, SchemaWikiError
from ..join.owners import owner_of
from ..model import Catalog, CodeReference, Finding, Level, Migration, Silenced, Wiki
from ..pipeline import (
    STATEMENTS_FILE,
    Session,
    StatementsRecord,
    load,
    read_migrations,
    read_setup_sql,
    server_identity,
)
from ..replay.pgserver import install_stop_hooks
from ..sources.code import search_code
from ..sources.statements import StatementCache
from .announce import announce
from .checklist import MigrationFacts, checklist, dropped_by_name
from .diff import diff_catalogs, renames_from_statements
from .git import Repository
from .model import (
    Applied,
    Dependent,
    Impact,
    MigrationReview,
    Renamed,
    RerunTest,
    Review,
    RollbackTest,
    SchemaChange,
    Side,
)
from .server import ReviewServer, rollback_sql, snapshot_dir
from .witness import apply_recorded, combined, recording_available, with_record

__all__ = ["ReviewError", "review"]

log = logging.getLogger(__name__)

_RECORD_FORMAT = 1


class ReviewError(SchemaWikiError):
    """The review cannot be made (the base's own migrations fail, a bad ref...)."""


@dataclass(frozen=True)
class BaseRecord:
    """What a review keeps of a base between runs (its data directory is kept beside)."""

    key: str
    catalog: Catalog
    findings: tuple[Finding, ...]
    #: ``schema.table.column`` -> drop date (ISO).
    drops: dict[str, str]
    migrations: tuple[MigrationDigest, ...]


@dataclass
class _Base:
    commit: str
    migrations: tuple[MigrationDigest, ...]
    cached: bool
    #: The server with the base's database (``base``) and the base's catalog, once the
    #: replay (in the review's worker thread) is done: see `ready`.
    started: concurrent.futures.Future[tuple[ReviewServer, Catalog]]
    #: The base's findings and drop dates: cached, or made by `finish` (the base's join
    #: and checks, which run while the server replays the branch).
    record: BaseRecord | None
    pending: Callable[[Catalog], BaseRecord] | None = None
    #: Where to keep the base's data directory, once the branch's replay starts (the
    #: copy then overlaps with the base's join and checks).
    keep: Path | None = None

    def ready(self) -> tuple[ReviewServer, Catalog]:
        """The server and the base's catalog (waits for the base's replay)."""
        return self.started.result()

    def finish(self) -> BaseRecord:
        if self.record is None:
            assert self.pending is not None
            self.record = self.pending(self.ready()[1])
        return self.record


def review(config: WikiConfig, base_ref: str) -> Review:
    """Review the working tree against ``base_ref``. Raises `SchemaWikiError` subclasses."""
    started = time.perf_counter()
    repo = Repository.containing(config.root)
    requested = repo.commit(base_ref)
    head_commit = repo.head()
    base_commit = (repo.merge_base(requested, head_commit) if head_commit else None) or requested
    notes: list[str] = []
    if base_commit != requested:
        notes.append(
            f"Compared with {base_commit[:10]}, where this branch left {base_ref}"
            " (the merge base), as a pull request's diff is."
        )
    head_cfg = dataclasses.replace(config, database="embedded", compare_with=None)
    statements = _statement_cache(head_cfg)
    # The servers are started by a worker thread; their clean-up on SIGTERM and SIGHUP
    # needs handlers, which only the main thread can install.
    install_stop_hooks()
    with (
        tempfile.TemporaryDirectory(prefix="schema-wiki-review-") as tmp,
        # One worker drives PostgreSQL (start, replays, tests) while this thread parses,
        # joins and checks: on two cores they overlap.
        concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="review") as pool,
        # Inside the pool: on an error (Ctrl-C too) the server stops first, so the worker
        # fails at once instead of finishing a long replay before the pool lets go.
        contextlib.ExitStack() as stack,
    ):
        try:
            base = _base(repo, base_commit, head_cfg, Path(tmp), stack, pool, statements)
            result = _review(repo, config, head_cfg, base, notes, statements, pool)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ReviewError(f"the throwaway PostgreSQL failed: {first}") from None
    paths = [repo.relative(p) for p in _inputs(config)]
    dirty = repo.dirty(paths)
    return dataclasses.replace(
        result,
        base=Side(base_ref, base_commit),
        head=Side("HEAD" if head_commit else "working tree", head_commit, dirty),
        base_cached=base.cached,
        seconds=time.perf_counter() - started,
    )


def _statement_cache(config: WikiConfig) -> StatementCache:
    """The parsed statements the cache directory holds, shared by both sides' reads."""
    cache = StatementCache()
    if config.cache_dir is None:
        return cache
    stored = DiskCache(config.cache_dir).read(STATEMENTS_FILE, StatementsRecord)
    if stored is not None and stored.fingerprint == code_fingerprint():
        cache.entries.update(stored.entries)
    return cache


def _inputs(config: WikiConfig) -> list[Path]:
    out = [config.migrations_dir, config.adrs_dir, config.root / "mkdocs.yml"]
    return [p for p in out if p.exists()]


# --- the base -------------------------------------------------------------------------


def _setup_path(config: WikiConfig) -> Path | None:
    value = config.setup_sql
    if value and "\n" not in value and value.strip().endswith(".sql"):
        return config.root / value.strip()
    return None


def base_keys(repo: Repository, commit: str, config: WikiConfig) -> tuple[str, str]:
    """(replay key, record key) of the base at ``commit``: the git tree ids of what shapes
    its schema, then of what shapes its findings too, with the code and settings."""
    replay = hashlib.sha256()
    setup = _setup_path(config)
    for part in (
        code_fingerprint(),
        server_identity(config),
        str(config.postgres_bin or ""),
        config.migrations_format,
        repo.tree(commit, repo.relative(config.migrations_dir)) or "-",
        repo.tree(commit, repo.relative(setup)) or "-" if setup else (config.setup_sql or ""),
        *config.schemas,
        "|",
        *config.exclude_schemas,
    ):
        replay.update(part.encode())
        replay.update(b"\0")
    record = hashlib.sha256(replay.hexdigest().encode())
    settings = dataclasses.replace(
        config,
        root=Path("/"),
        migrations_dir=Path("/"),
        adrs_dir=Path("/"),
        cache_dir=None,
        code_paths=(),
        templates_dir=None,
        adr_template=None,
    )
    for part in (
        f"{_RECORD_FORMAT}",
        repo.tree(commit, repo.relative(config.adrs_dir)) or "-",
        repr(settings),
    ):
        record.update(part.encode())
        record.update(b"\0")
    return replay.hexdigest(), record.hexdigest()


def _base(
    repo: Repository,
    commit: str,
    config: WikiConfig,
    tmp: Path,
    stack: contextlib.ExitStack,
    pool: concurrent.futures.ThreadPoolExecutor,
    statements: StatementCache,
) -> _Base:
    """The base: from the cache, or read from git and replayed (in ``pool``'s worker)."""
    replay_key, record_key = base_keys(repo, commit, config)
    disk = DiskCache(config.cache_dir) if config.cache_dir is not None else None
    name = f"review-base-{record_key[:40]}.msgpack"
    snapshot = snapshot_dir(config.cache_dir, replay_key) if config.cache_dir else None
    stored = disk.read(name, BaseRecord) if disk is not None else None
    options = _catalog_options(config)
    if stored is not None and stored.key == record_key and snapshot and snapshot.is_dir():
        with contextlib.suppress(OSError):
            snapshot.touch()
        cached = stored

        def restore() -> tuple[ReviewServer, Catalog]:
            with _timed("start the server on the base's cached data directory"):
                server = stack.enter_context(
                    ReviewServer(config.postgres_bin, options, from_data=snapshot)
                )
            return server, cached.catalog

        return _Base(commit, stored.migrations, True, pool.submit(restore), stored)

    fresh = snapshot is None or not snapshot.is_dir()
    opened = pool.submit(
        lambda: stack.enter_context(
            ReviewServer(config.postgres_bin, options, from_data=None if fresh else snapshot)
        )
    )
    base_cfg = _extracted(repo, commit, config, tmp / "base")
    # No cache directory for this read: the branch's read writes the statements once.
    session = Session(statements=statements, statements_loaded=True)
    with _timed("read the base's migrations"):
        migrations, _ = read_migrations(dataclasses.replace(base_cfg, cache_dir=None), session)
    setup = read_setup_sql(base_cfg)

    def replay() -> tuple[ReviewServer, Catalog]:
        server = opened.result()
        record = None
        if fresh:
            try:
                with _timed("replay the base"):
                    record = server.replay("base", migrations, setup)
            except MigrationFailed as exc:
                raise ReviewError(
                    f"the base ({commit[:10]}) does not apply on PostgreSQL, so there is"
                    f" nothing to compare with: {exc}"
                ) from None
        else:  # the data directory is cached, its record is not: replay to record it
            record = _record_again(server, migrations, setup)
        with _timed("read the base's catalog"):
            return server, with_record(server.catalog("base"), record)

    digests = tuple(digest(m) for m in migrations)

    def pending(catalog: Catalog) -> BaseRecord:
        with _timed("join and check the base"):
            wiki = _load(base_cfg, session, migrations, catalog)
        record = BaseRecord(record_key, catalog, wiki.findings, _drops(wiki), digests)
        if disk is not None:
            disk.write(name, record)
            disk.prune("review-base-", 4)
        return record

    keep = snapshot if fresh else None
    return _Base(commit, digests, False, pool.submit(replay), None, pending, keep)


def _keep(server: ReviewServer, dest: Path) -> None:
    """Copy the cluster with only the base in it into the cache (the branch's database,
    read already, goes first)."""
    with _timed("keep the base's data directory"):
        server.drop("head")
        server.snapshot(dest)


def _record_again(server: ReviewServer, migrations: list[Migration], setup: str | None) -> Any:
    """The base's record when only its data directory was cached (its record was not):
    replayed into a scratch database, since the history needs it; None when the replay
    cannot record."""
    if not recording_available():
        return None
    with _timed("record the base again"):
        return server.replay("base_record", migrations, setup)


@contextlib.contextmanager
def _timed(what: str) -> Iterator[None]:
    start, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        log.debug(
            "review: %s: %.2f s (CPU of this process %.2f s)",
            what,
            time.perf_counter() - start,
            time.process_time() - cpu,
        )


def _extracted(repo: Repository, commit: str, config: WikiConfig, dest: Path) -> WikiConfig:
    """The base's migrations, ADRs and setup SQL under ``dest``; its config there."""
    paths = [config.migrations_dir, config.adrs_dir]
    setup = _setup_path(config)
    if setup is not None:
        paths.append(setup)
    repo.extract(commit, [repo.relative(p) for p in paths], dest)

    def moved(path: Path) -> Path:
        return dest / repo.relative(path)

    migrations = moved(config.migrations_dir)
    migrations.mkdir(parents=True, exist_ok=True)  # a base without migrations yet
    return dataclasses.replace(
        config,
        root=moved(config.root),
        migrations_dir=migrations,
        adrs_dir=moved(config.adrs_dir),
        code_paths=(),
        templates_dir=None,
    )


def _catalog_options(config: WikiConfig) -> dict[str, object]:
    return {"schemas": config.schemas, "exclude_schemas": config.exclude_schemas}


def _load(
    config: WikiConfig, session: Session, migrations: list[Migration], catalog: Catalog
) -> Wiki:
    """`pipeline.load` with the catalog this review replayed (no replay of its own)."""
    return load(config, session, catalog=catalog)


def _drops(wiki: Wiki) -> dict[str, str]:
    return {
        f"{t.qualified}.{c.name}": c.drop_after.date.isoformat()
        for t in wiki.tables
        for c in t.columns
        if c.drop_after is not None
    }


# --- the branch -----------------------------------------------------------------------


@dataclass
class _Replayed:
    catalog: Catalog
    applied: dict[str, Applied]
    rollbacks: dict[str, RollbackTest]
    reruns: dict[str, RerunTest]
    dependents: dict[tuple[str, str, str | None], tuple[Dependent, ...]]
    mode: str


def _review(
    repo: Repository,
    config: WikiConfig,
    head_cfg: WikiConfig,
    base: _Base,
    notes: list[str],
    statements: StatementCache,
    pool: concurrent.futures.ThreadPoolExecutor,
) -> Review:
    session = Session(statements=statements, statements_loaded=True)
    with _timed("read the branch's migrations"):
        migrations, _ = read_migrations(head_cfg, session)
    known = {d.id: d for d in base.migrations}

    def text_at_base(path: str) -> str | None:
        rel = repo.relative(config.root / path)
        try:
            return repo.run("show", f"{base.commit}:{rel}", what="read a base file")
        except SchemaWikiError:
            return None

    edited = list(compare(base.migrations, migrations, text_at_base))
    branch: list[tuple[Migration, str]] = []
    for m in migrations:
        old = known.get(m.id)
        if old is None:
            branch.append((m, "new"))
        elif digest(m).files != old.files:
            branch.append((m, "repeatable" if old.repeatable else "edited"))
    incremental = not edited and _appends(base.migrations, migrations)
    if not incremental:
        notes.append(
            "The branch edits, removes or reorders migrations the base has: its schema was"
            " replayed from scratch (what a fresh database gets), not on top of the base."
        )
    late = _sorted_before(base.migrations, [m for m, s in branch if s == "new"], migrations)
    notes.extend(late)

    # The branch replays on the server (PostgreSQL's work) while this thread joins and
    # checks the base (Python's): on two cores they overlap.
    server, base_catalog = base.ready()
    future = pool.submit(
        _replay,
        config,
        base,
        server,
        base_catalog,
        migrations,
        [m for m, _ in branch],
        incremental,
    )
    kept: concurrent.futures.Future[None] | None = None
    if base.keep is not None:
        # Queued behind the branch's replay: the copy of the base's data directory
        # overlaps with this thread joining and checking the branch.
        kept = pool.submit(_keep, server, base.keep)
    try:
        record = base.finish()
    finally:
        replayed = future.result()
    with _timed("join and check the branch"):
        head_wiki = _load(head_cfg, session, migrations, replayed.catalog)
    if kept is not None:
        kept.result()  # the server must not stop while its files are copied

    all_measured = bool(replayed.applied) and all(a.measured for a in replayed.applied.values())
    renames: list[Renamed]
    if all_measured:
        renames = [r for a in replayed.applied.values() for r in a.renames]
    else:
        renames = renames_from_statements(m for m, _ in branch)
        if branch and not recording_available():
            notes.append(
                "Locks, rewrites and CASCADE drops were not measured: this installation's"
                " replay does not record them. Renames are read from the statements."
            )

    by_migration: dict[str, str] = {}
    for m, _status in branch:
        for schema, table, column in head_wiki.touched.get(m.id, ()):
            by_migration[f"{schema}.{table}" + (f".{column}" if column else "")] = m.id
    changes = diff_catalogs(
        base_catalog,
        replayed.catalog,
        renames,
        record.drops,
        _drops(head_wiki),
        by_migration,
    )

    named: set[str] = set()
    for m, _status in branch:
        named |= dropped_by_name(m)
    dependents = {
        key: tuple(
            dataclasses.replace(d, dropped_by_branch=bool(d.name) and d.name.lower() in named)
            for d in deps
        )
        for key, deps in replayed.dependents.items()
    }
    replayed.dependents = dependents
    impacts = _impacts(config, head_wiki, changes, dependents)
    code_by_target = {i.target: i.code for i in impacts if i.code is not None}
    introduced, resolved = _findings(record.findings, head_wiki.findings, edited, config)

    reviews = []
    existing = frozenset(t.qualified for t in base_catalog.tables)
    for m, status in branch:
        reviews.append(
            _migration_review(
                config, head_wiki, m, status, replayed, changes, existing, code_by_target, edited
            )
        )

    owners: list[str] = []
    for r in reviews:
        owners.extend(o for o in r.owners if o not in owners)
    for i in impacts:
        for o in [i.owner, *(owner_of(config.owners, *_split(d.table)) for d in i.dependents)]:
            if o and o not in owners:
                owners.append(o)
    estimates = _live_estimates(config, notes)
    announcement = (
        announce(reviews, changes, impacts, head_wiki, config, estimates, existing)
        if reviews
        else None
    )
    return Review(
        base=Side("", None),
        head=Side("", None),
        replay="incremental" if incremental else "full",
        base_cached=base.cached,
        migrations=tuple(reviews),
        changes=tuple(changes),
        introduced=tuple(introduced),
        resolved=tuple(resolved),
        impacts=tuple(impacts),
        owners=tuple(owners),
        announcement=announcement,
        notes=tuple(notes),
    )


def _appends(base: Sequence[MigrationDigest], head: Sequence[Migration]) -> bool:
    """Whether ``head`` has every base migration, unchanged and in the same order."""
    ids = [m.id for m in head]
    position = {mid: i for i, mid in enumerate(ids)}
    last = -1
    for old in base:
        if old.repeatable:
            continue
        here = position.get(old.id)
        if here is None or here < last:
            return False
        last = here
    return True


def _sorted_before(
    base: Sequence[MigrationDigest], new: Sequence[Migration], head: Sequence[Migration]
) -> list[str]:
    """A note for each new migration that sorts before a migration the base has."""
    base_ids = {d.id for d in base if not d.repeatable}
    order = [m.id for m in head]
    last_base = max((order.index(i) for i in base_ids if i in order), default=-1)
    out = []
    for m in new:
        if order.index(m.id) < last_base:
            out.append(
                f"{m.id} sorts before migrations already on the base: databases that ran"
                " those apply it out of order (or the tool refuses it); give it a later version."
            )
    return out


def _replay(
    config: WikiConfig,
    base: _Base,
    server: ReviewServer,
    base_catalog: Catalog,
    migrations: Sequence[Migration],
    branch: Sequence[Migration],
    incremental: bool,
) -> _Replayed:
    """The branch on the base's server: in ``head``, a copy of ``base`` with the branch's
    migrations applied (incremental), or every migration applied from scratch."""
    ids = {m.id for m in branch}
    applied: dict[str, Applied] = {}
    rollbacks: dict[str, RollbackTest] = {}
    reruns: dict[str, RerunTest] = {}
    steps: list[tuple[bool, list[Migration]]]
    if incremental:
        server.create("head", "base")
        steps = [(True, list(branch))]
    else:
        server.create("head")
        steps = []
        for m in migrations:
            mine = m.id in ids
            if steps and steps[-1][0] == mine:
                steps[-1][1].append(m)
            else:
                steps.append((mine, [m]))
    previous: Catalog | None = base_catalog if incremental else None
    failed = False
    # What the replay recorded, part by part: the branch's catalog carries all of it,
    # as a catalog the pipeline replayed does (the history is read from there).
    records: list[Any] = [getattr(base_catalog, "witness", None)] if incremental else []
    if not incremental:
        records.append(apply_recorded(server.conninfo("head"), [], read_setup_sql(config)))
    with _timed("replay the branch and test its migrations"):
        for mine, group in steps:
            if failed:
                break
            if not mine:
                try:
                    records.append(apply_recorded(server.conninfo("head"), group))
                except MigrationFailed as exc:
                    raise ReviewError(
                        f"a migration the base has does not apply on the branch: {exc}"
                    ) from None
                previous = None
                continue
            for m in group:
                down, source = rollback_sql(m)
                before = previous
                if down is not None and before is None:
                    before = server.catalog("head")
                result, record = server.apply_branch("head", m)
                records.append(record)
                applied[m.id] = result
                if result.error:
                    failed = True
                    break
                rollbacks[m.id], reruns[m.id] = server.test_migration(
                    "head", m, before or base_catalog, down, source
                )
                previous = None
    with _timed("read the branch's catalog and the dependencies"):
        catalog = with_record(server.catalog("head"), combined(records))
        targets = _targets_for_dependents(base_catalog, catalog, branch)
        dependents = server.dependents("base", targets)
    return _Replayed(
        catalog, applied, rollbacks, reruns, dependents, "incremental" if incremental else "full"
    )


def _targets_for_dependents(
    base: Catalog, head: Catalog, branch: Sequence[Migration]
) -> list[tuple[str, str, str | None]]:
    """Tables and columns of the base that the head lacks, renames or retypes."""
    head_tables = {(t.schema, t.name): t for t in head.tables}
    renamed_tables = {
        (c.schema, c.table) for m in branch for c in m.changes if c.action.value == "rename table"
    }
    out: list[tuple[str, str, str | None]] = []
    for t in base.tables:
        new = head_tables.get((t.schema, t.name))
        if new is None or (t.schema, t.name) in renamed_tables:
            out.append((t.schema, t.name, None))
            continue
        cols = {c.name: c for c in new.columns}
        for c in t.columns:
            other = cols.get(c.name)
            if other is None or other.type != c.type:
                out.append((t.schema, t.name, c.name))
    return out


def _split(qualified: str) -> tuple[str, str]:
    schema, _, name = qualified.partition(".")
    return (schema, name) if name else ("public", schema)


# --- findings, impact, per migration ----------------------------------------------------------


def _key(f: Finding) -> tuple[str, str, str, str]:
    return (f.rule, f.level.value, f.target, f.message)


def _findings(
    base: Sequence[Finding], head: Sequence[Finding], edited: Sequence[Finding], config: WikiConfig
) -> tuple[list[Finding], list[Finding]]:
    """(introduced, resolved): multiset differences, by rule, level, target and message."""
    before = Counter(_key(f) for f in base)
    after = Counter(_key(f) for f in head)
    introduced: list[Finding] = []
    seen: Counter[tuple[str, str, str, str]] = Counter()
    for f in head:
        k = _key(f)
        seen[k] += 1
        if seen[k] > before[k]:
            introduced.append(f)
    resolved: list[Finding] = []
    seen = Counter()
    for f in base:
        k = _key(f)
        seen[k] += 1
        if seen[k] > after[k]:
            resolved.append(f)
    setting = config.checks.get("edited-migration")
    for f in edited:
        if setting is not None:
            if setting.level is not None:
                f = dataclasses.replace(f, level=setting.level)
            if excluded(f.target, setting.exclude, f.location.path if f.location else None):
                continue
        if f.level != Level.IGNORE:
            introduced.insert(0, f)
    order = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2, Level.IGNORE: 3}
    introduced.sort(key=lambda f: order[f.level])
    resolved.sort(key=lambda f: order[f.level])
    return introduced, resolved


def _impacts(
    config: WikiConfig,
    wiki: Wiki,
    changes: Sequence[SchemaChange],
    dependents: dict[tuple[str, str, str | None], tuple[Dependent, ...]],
) -> list[Impact]:
    """For each dropped, renamed, retyped or newly dated column and each dropped or renamed
    table: its owner, what depends on it, and where the code names it."""
    picked: list[tuple[str, str, tuple[str, str, str | None]]] = []
    for c in changes:
        if c.kind in ("table", "view") and c.action in ("dropped", "renamed"):
            old = c.before if c.action == "renamed" and c.before else c.target
            schema, name = _split(old)
            picked.append(
                (c.target if c.action == "dropped" else old, c.action, (schema, name, None))
            )
        elif c.kind == "column" and c.action in ("dropped", "renamed", "retyped"):
            old = c.before if c.action == "renamed" and c.before else c.target
            schema, table, column = old.split(".", 2)
            picked.append((old, c.action, (schema, table, column)))
        elif c.kind == "drop date":
            schema, table, column = c.target.split(".", 2)
            picked.append((c.target, "deprecated", (schema, table, column)))
    code: dict[str, tuple[CodeReference, ...]] | None = None
    if config.code_paths:
        columns = [(s, t, col) for _, _, (s, t, col) in picked if col is not None]
        found = search_code(config.root, config.code_paths, columns, config.cache_dir)
        code = found.references
    out: list[Impact] = []
    for target, change, key in picked:
        deps = dependents.get(key, ())
        refs = None
        if code is not None:
            refs = code.get(f"{key[0]}.{key[1]}.{key[2]}", ()) if key[2] is not None else ()
        out.append(Impact(target, change, owner_of(config.owners, key[0], key[1]), deps, refs))
    return out


def _migration_review(
    config: WikiConfig,
    wiki: Wiki,
    m: Migration,
    status: str,
    replayed: _Replayed,
    changes: Sequence[SchemaChange],
    existing: frozenset[str],
    code: dict[str, tuple[CodeReference, ...]],
    edited: Sequence[Finding],
) -> MigrationReview:
    paths = {f.path for f in m.files} | {m.path}
    findings = [
        f
        for f in wiki.findings
        if f.target == m.id or (f.location is not None and f.location.path in paths)
    ]
    findings += [f for f in edited if f.target == m.id]
    silenced: list[Silenced] = [
        s
        for s in wiki.silenced
        if s.finding.target == m.id
        or (s.finding.location is not None and s.finding.location.path in paths)
    ]
    mine = [c for c in changes if c.migration_id == m.id]
    dependents = {}
    for c in mine:
        if c.action == "dropped" and c.kind in ("column", "table", "view"):
            parts = c.target.split(".")
            key = (parts[0], parts[1], parts[2] if len(parts) > 2 else None)
            dependents[c.target] = replayed.dependents.get(key, ())
    touched = [c.target for c in mine]
    my_code = (
        None
        if not config.code_paths
        else {
            t: refs
            for t, refs in code.items()
            if any(t == x or t.startswith(x + ".") for x in touched)
            or any(c.before == t for c in mine)
        }
    )
    applied = replayed.applied.get(m.id)
    facts = MigrationFacts(
        migration=m,
        status=status,
        applied=applied,
        rollback=replayed.rollbacks.get(m.id),
        rerun=replayed.reruns.get(m.id),
        findings=findings,
        silenced=silenced,
        existing=existing,
        changes=mine,
        dependents=dependents,
        code=my_code,
        required_fields=config.required_header_fields,
    )
    items = checklist(facts, wiki, (config.freeze_windows, config.freeze_timezone))
    owners = []
    for schema, table, _ in wiki.touched.get(m.id, ()):
        o = owner_of(config.owners, schema, table)
        if o and o not in owners:
            owners.append(o)
    header = {f.key: f.value for f in m.header.fields.values()}
    return MigrationReview(
        m.id,
        m.path,
        m.title,
        status,
        tuple(items),
        applied,
        replayed.rollbacks.get(m.id),
        replayed.reruns.get(m.id),
        tuple(owners),
        header,
    )


def _live_estimates(config: WikiConfig, notes: list[str]) -> dict[str, int]:
    """Row estimates of the live database (``database:``), read-only; empty without one."""
    if config.embedded:
        return {}
    from ..sources.catalog import read_catalog

    try:
        live = read_catalog(
            config.database,
            schemas=config.schemas,
            exclude_schemas=config.exclude_schemas,
            connect_timeout=config.connect_timeout,
            statement_timeout_ms=config.statement_timeout_ms,
            lock_timeout_ms=config.lock_timeout_ms,
        )
    except SchemaWikiError as exc:
        notes.append(f"Row estimates unavailable: the live database could not be read ({exc}).")
        return {}
    return {t.qualified: t.row_estimate for t in live.tables if t.row_estimate is not None}
