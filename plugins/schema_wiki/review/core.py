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

import contextlib
import dataclasses
import hashlib
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cache.disk import DiskCache, code_fingerprint
from ..checks import excluded
from ..checks.edited_migration import MigrationDigest, compare, digest
from ..config import WikiConfig
from ..errors import MigrationFailed, SchemaWikiError
from ..join.owners import owner_of
from ..model import Catalog, CodeReference, Finding, Level, Migration, Silenced, Wiki
from ..pipeline import (
    Session,
    load,
    migrations_key,
    read_migrations,
    read_setup_sql,
    server_identity,
)
from ..sources.code import search_code
from .announce import announce
from .checklist import MigrationFacts, checklist
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
from .witness import recording_available

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
    record: BaseRecord
    cached: bool
    #: The data directory to start from (cached or just written); None without a cache.
    snapshot: Path | None


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
    with tempfile.TemporaryDirectory(prefix="schema-wiki-review-") as tmp:
        base = _base(repo, base_commit, head_cfg, Path(tmp))
        result = _review(repo, config, head_cfg, base, notes)
    paths = [repo.relative(p) for p in _inputs(config)]
    dirty = repo.dirty(paths)
    return dataclasses.replace(
        result,
        base=Side(base_ref, base_commit),
        head=Side("HEAD" if head_commit else "working tree", head_commit, dirty),
        base_cached=base.cached,
        seconds=time.perf_counter() - started,
    )


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


def _base(repo: Repository, commit: str, config: WikiConfig, tmp: Path) -> _Base:
    replay_key, record_key = base_keys(repo, commit, config)
    disk = DiskCache(config.cache_dir) if config.cache_dir is not None else None
    name = f"review-base-{record_key[:40]}.msgpack"
    snapshot = snapshot_dir(config.cache_dir, replay_key) if config.cache_dir else None
    stored = disk.read(name, BaseRecord) if disk is not None else None
    if stored is not None and stored.key == record_key and snapshot and snapshot.is_dir():
        with contextlib.suppress(OSError):
            snapshot.touch()
        return _Base(commit, stored, True, snapshot)

    base_cfg = _extracted(repo, commit, config, tmp / "base")
    session = Session()
    migrations, _ = read_migrations(base_cfg, session)
    fresh = snapshot is None or not snapshot.is_dir()
    with ReviewServer(
        config.postgres_bin, _catalog_options(config), from_data=None if fresh else snapshot
    ) as server:
        if fresh:
            try:
                server.replay("base", migrations, read_setup_sql(base_cfg))
            except MigrationFailed as exc:
                raise ReviewError(
                    f"the base ({commit[:10]}) does not apply on PostgreSQL, so there is"
                    f" nothing to compare with: {exc}"
                ) from None
            if snapshot is not None:
                server.snapshot(snapshot)
        catalog = server.catalog("base")
    wiki = _load(base_cfg, session, migrations, catalog)
    record = BaseRecord(
        record_key,
        catalog,
        wiki.findings,
        _drops(wiki),
        tuple(digest(m) for m in migrations),
    )
    if disk is not None:
        disk.write(name, record)
        disk.prune("review-base-", 4)
    return _Base(commit, record, False, snapshot)


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
    session.catalog_key = migrations_key(config, migrations)
    session.catalog = catalog
    return load(config, session)


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
    repo: Repository, config: WikiConfig, head_cfg: WikiConfig, base: _Base, notes: list[str]
) -> Review:
    session = Session()
    migrations, _ = read_migrations(head_cfg, session)
    known = {d.id: d for d in base.record.migrations}

    def text_at_base(path: str) -> str | None:
        rel = repo.relative(config.root / path)
        try:
            return repo.run("show", f"{base.commit}:{rel}", what="read a base file")
        except SchemaWikiError:
            return None

    edited = list(compare(base.record.migrations, migrations, text_at_base))
    branch: list[tuple[Migration, str]] = []
    for m in migrations:
        old = known.get(m.id)
        if old is None:
            branch.append((m, "new"))
        elif digest(m).files != old.files:
            branch.append((m, "repeatable" if old.repeatable else "edited"))
    incremental = not edited and _appends(base.record.migrations, migrations)
    if not incremental:
        notes.append(
            "The branch edits, removes or reorders migrations the base has: its schema was"
            " replayed from scratch (what a fresh database gets), not on top of the base."
        )
    late = _sorted_before(base.record.migrations, [m for m, s in branch if s == "new"], migrations)
    notes.extend(late)

    replayed = _replay(config, base, migrations, [m for m, _ in branch], incremental)
    head_wiki = _load(head_cfg, session, migrations, replayed.catalog)

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
        base.record.catalog,
        replayed.catalog,
        renames,
        base.record.drops,
        _drops(head_wiki),
        by_migration,
    )

    impacts = _impacts(config, head_wiki, changes, replayed.dependents)
    code_by_target = {i.target: i.code for i in impacts if i.code is not None}
    introduced, resolved = _findings(base.record.findings, head_wiki.findings, edited, config)

    reviews = []
    existing = frozenset(t.qualified for t in base.record.catalog.tables)
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
        announce(reviews, changes, impacts, head_wiki, config, estimates) if reviews else None
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
    migrations: Sequence[Migration],
    branch: Sequence[Migration],
    incremental: bool,
) -> _Replayed:
    ids = {m.id for m in branch}
    applied: dict[str, Applied] = {}
    rollbacks: dict[str, RollbackTest] = {}
    reruns: dict[str, RerunTest] = {}
    with ReviewServer(config.postgres_bin, _catalog_options(config), base.snapshot) as server:
        if base.snapshot is None:
            # No cache directory: replay the base here too (from the migrations' digests
            # we only know their ids; the head has the same unchanged ones).
            unchanged = [m for m in migrations if m.id not in ids]
            server.replay("base", unchanged, read_setup_sql(config))
        if incremental:
            server.create("head", "base")
            steps: list[tuple[bool, list[Migration]]] = [(True, list(branch))]
        else:
            conninfo = server.create("head")
            setup = read_setup_sql(config)
            if setup and setup.strip():
                from ..replay.apply import apply_migrations

                apply_migrations(conninfo, [], setup)
            steps = []
            for m in migrations:
                mine = m.id in ids
                if steps and steps[-1][0] == mine:
                    steps[-1][1].append(m)
                else:
                    steps.append((mine, [m]))
        failed = False
        previous = base.record.catalog if incremental else None
        for mine, group in steps:
            if failed:
                break
            if not mine:
                try:
                    from ..replay.apply import apply_migrations

                    apply_migrations(server.conninfo("head"), group)
                except MigrationFailed as exc:
                    raise ReviewError(
                        f"a migration the base has does not apply on the branch: {exc}"
                    ) from None
                previous = None
                continue
            for m in group:
                down, source = rollback_sql(m)
                before = previous if previous is not None else None
                if down is not None and before is None:
                    before = server.catalog("head")
                result = server.apply_branch("head", [m])[0]
                applied[m.id] = result
                if result.error:
                    failed = True
                    break
                rollbacks[m.id], reruns[m.id] = server.test_migration(
                    "head", m, before or base.record.catalog, down, source
                )
                previous = None
        catalog = server.catalog("head")
        changes_targets = _targets_for_dependents(base.record.catalog, catalog, branch)
        dependents = server.dependents("base", changes_targets)
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
    for target, change, (schema, table, column) in picked:
        deps = dependents.get((schema, table, column), ())
        refs = None
        if code is not None:
            refs = code.get(f"{schema}.{table}.{column}", ()) if column is not None else ()
        out.append(Impact(target, change, owner_of(config.owners, schema, table), deps, refs))
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
