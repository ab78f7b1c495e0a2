"""The review's adapter over the replay's record (`schema_wiki.replay.record`).

The throwaway PostgreSQL can record, per statement, what the server itself
reports: the objects created, altered and dropped (CASCADE victims flagged),
the tables rewritten, and the locks the session holds, with their modes
(event triggers and ``pg_locks``; see that module). The review reads its
measured facts from there and nowhere else: this module turns that record
into the review's own small types (`StatementFacts`, `Renamed`) and is the
only place that knows the record's shape.

When the installed package has no recorder (``apply_migrations`` without
``record``), `apply_one` still applies the migration and says the facts
were not measured; the checklist then shows those items as "not measured",
never as guesses.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import MigrationFailed
from ..model import Catalog, Migration
from ..replay import apply as apply_module
from .model import Applied, LockFact, Renamed, StatementFacts

__all__ = [
    "LOCK_STRENGTH",
    "apply_one",
    "apply_one_recorded",
    "apply_recorded",
    "combined",
    "recording_available",
    "with_record",
]

#: PostgreSQL's table lock modes, weakest first.
LOCK_STRENGTH = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)


def recording_available() -> bool:
    """Whether this package's replay can record (the ``witness`` work is installed)."""
    return hasattr(apply_module, "witness_migrations") or (
        "record" in inspect.signature(apply_module.apply_migrations).parameters
    )


def apply_recorded(
    conninfo: str, migrations: Sequence[Migration], setup_sql: str | None = None
) -> Any:
    """`apply_migrations`, recorded when the replay can record: the record (the replay's
    ``Witness``) or None. Raises `MigrationFailed` like `apply_migrations`."""
    # Typed as Any: whether it takes ``record`` depends on the installed replay.
    apply: Any = apply_module.apply_migrations
    if "record" in inspect.signature(apply).parameters:
        return apply(conninfo, migrations, setup_sql, record=True)
    apply(conninfo, migrations, setup_sql)
    return None


def combined(parts: Sequence[Any]) -> Any:
    """One record of several replays on the same database, in order (the first one's
    ``before`` is the state they started from); None when a part is missing."""
    if not parts or any(p is None for p in parts):
        return None
    first = parts[0]
    return dataclasses.replace(first, migrations=tuple(m for p in parts for m in p.migrations))


def with_record(catalog: Catalog, record: Any) -> Catalog:
    """``catalog`` carrying the replay's record, where the model has room for it (the
    history and the rules read it from there)."""
    if record is None or "witness" not in {f.name for f in dataclasses.fields(catalog)}:
        return catalog
    return dataclasses.replace(catalog, **{"witness": record})


def apply_one(conninfo: str, migration: Migration, *, record: bool = True) -> Applied:
    """Apply ``migration`` to the database of ``conninfo``, recording it when possible.

    PostgreSQL rejecting a statement is not raised: it is the `Applied`'s
    ``error`` (with its file:line). `ServerError` (the server is gone) is raised.
    """
    return apply_one_recorded(conninfo, migration, record=record)[0]


def apply_one_recorded(
    conninfo: str, migration: Migration, *, record: bool = True
) -> tuple[Applied, Any]:
    """`apply_one`, and the replay's record of it (None when not recorded)."""
    start = time.perf_counter()
    witness: Any = None
    failure: MigrationFailed | None = None
    recorder = getattr(apply_module, "witness_migrations", None)
    if record and recorder is not None:
        witness, failure = recorder(conninfo, [migration])
    else:
        try:
            apply_module.apply_migrations(conninfo, [migration])
        except MigrationFailed as exc:
            failure = exc
    seconds = time.perf_counter() - start
    error = str(failure) if failure is not None else None
    where = str(failure.location) if failure is not None and failure.location else None
    if witness is None:
        return Applied(migration.id, seconds, error, where, measured=False), None
    record_of = witness.migration(migration.id)
    statements = _statements(migration, record_of, witness)
    renames = tuple(_renames(witness))
    return Applied(migration.id, seconds, error, where, True, statements, renames), witness


def _strongest(modes: Iterable[str]) -> str:
    known = [m for m in modes if m in LOCK_STRENGTH]
    if not known:
        return next(iter(modes), "")
    return max(known, key=LOCK_STRENGTH.index)


def _statements(migration: Migration, record: Any, witness: Any) -> tuple[StatementFacts, ...]:
    names = _names(witness)
    out: list[StatementFacts] = []
    for index, statement in enumerate(migration.statements):
        found = record.statement(index) if record is not None else None
        locks: dict[str, list[str]] = {}
        rewrites: list[tuple[str, tuple[str, ...]]] = []
        cascaded: list[str] = []
        if found is not None:
            for lock in found.locks:
                relation = lock.relation or names.get(lock.oid, f"relation {lock.oid}")
                locks.setdefault(relation, []).append(lock.mode)
            for rewrite in found.rewrites:
                rewrites.append(
                    (names.get(rewrite.oid, f"relation {rewrite.oid}"), tuple(rewrite.reasons))
                )
            for dropped in found.dropped:
                if not dropped.original and dropped.normal:
                    cascaded.append(f"{dropped.object_type} {dropped.identity}")
        first = next(
            (
                line.strip()
                for line in statement.sql.splitlines()
                if line.strip() and not line.strip().startswith("--")
            ),
            "",
        )
        out.append(
            StatementFacts(
                index=index,
                location=str(statement.location),
                sql=first[:100],
                locks=tuple(LockFact(r, _strongest(m)) for r, m in locks.items()),
                rewrites=tuple(rewrites),
                cascaded=tuple(dict.fromkeys(cascaded)),
            )
        )
    return tuple(out)


def _names(witness: Any) -> dict[int, str]:
    """Relation oid -> its last known qualified name."""
    out: dict[int, str] = {}
    for state in witness.before:
        out[state.oid] = state.qualified
    for record in witness.migrations:
        for statement in record.statements:
            for state in statement.relations:
                out[state.oid] = state.qualified
            for dropped in statement.dropped:
                if dropped.catalog == "pg_class" and not dropped.objsubid:
                    out.setdefault(dropped.objid, f"{dropped.object_type} {dropped.identity}")
    return out


def _renames(witness: Any) -> Iterable[Renamed]:
    """Tables and columns whose name changed, by oid and attnum, in order."""
    last: dict[int, Any] = {state.oid: state for state in witness.before}
    for record in witness.migrations:
        for statement in record.statements:
            for state in statement.relations:
                previous = last.get(state.oid)
                last[state.oid] = state
                if previous is None:
                    continue
                if previous.name != state.name or previous.schema != state.schema:
                    yield Renamed("table", state.schema, state.name, previous.name, state.name)
                before = {c.attnum: c.name for c in previous.columns}
                for column in state.columns:
                    old = before.get(column.attnum)
                    if old is not None and old != column.name:
                        yield Renamed("column", state.schema, state.name, old, column.name)


def strongest_lock(facts: Sequence[StatementFacts]) -> LockFact | None:
    """The strongest lock any of the statements took."""
    best: LockFact | None = None
    for statement in facts:
        for lock in statement.locks:
            if best is None or _rank(lock.mode) > _rank(best.mode):
                best = lock
    return best


def _rank(mode: str) -> int:
    return LOCK_STRENGTH.index(mode) if mode in LOCK_STRENGTH else -1
