"""What happened to every table, view, column, index, constraint, enum and domain, and when.

The history is read from the `Witness`: what the throwaway PostgreSQL itself
reported while it applied the migrations (`schema_wiki.replay.record`). The
parser only says where each statement is (file and line); the server says
what it did. Objects are followed by oid, columns by (table oid, attnum), so a
column keeps one history through renames of itself and of its table, and a
table re-created under an old name gets a history of its own. Objects that
are dropped, directly or by a CASCADE, move to a graveyard and stay as
history, saying which statement and which object took them.

Without a witness (a wiki built by hand, in tests) there is no history: the
parser's guesses are not a substitute for what the database saw.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..gc_pause import gc_paused
from ..model import Action, Event, Location, Migration, Statement, Wiki
from ..replay.record import (
    ColumnState,
    Command,
    ConstraintState,
    Dropped,
    IndexChange,
    IndexState,
    LockHeld,
    RelationState,
    Rewrite,
    StatementRecord,
    TypeState,
    Witness,
)

TABLE_ACTIONS = {
    Action.CREATE_TABLE,
    Action.DROP_TABLE,
    Action.RENAME_TABLE,
    Action.COMMENT_TABLE,
    Action.CREATE_INDEX,
    Action.DROP_INDEX,
    Action.ADD_CONSTRAINT,
    Action.DROP_CONSTRAINT,
    Action.CREATE_VIEW,
    Action.REPLACE_VIEW,
    Action.DROP_VIEW,
    Action.CREATE_MATERIALIZED_VIEW,
    Action.DROP_MATERIALIZED_VIEW,
    Action.CREATE_FOREIGN_TABLE,
    Action.DROP_FOREIGN_TABLE,
    Action.SET_SCHEMA,
    Action.RENAME_INDEX,
    Action.RENAME_CONSTRAINT,
    Action.VALIDATE_CONSTRAINT,
}

#: The creating and dropping action of each relation kind.
CREATE_ACTIONS = {
    "table": Action.CREATE_TABLE,
    "partitioned table": Action.CREATE_TABLE,
    "view": Action.CREATE_VIEW,
    "materialized view": Action.CREATE_MATERIALIZED_VIEW,
    "foreign table": Action.CREATE_FOREIGN_TABLE,
}
DROP_ACTIONS = {
    "table": Action.DROP_TABLE,
    "partitioned table": Action.DROP_TABLE,
    "view": Action.DROP_VIEW,
    "materialized view": Action.DROP_MATERIALIZED_VIEW,
    "foreign table": Action.DROP_FOREIGN_TABLE,
}
_RELATION_OBJECTS = {"table", "view", "materialized view", "foreign table"}
_OBJECT_WORDS = {"table column": "column", "table constraint": "constraint"}

#: PostgreSQL's lock modes, weakest first, as the documentation names them.
LOCK_MODES = (
    ("AccessShareLock", "ACCESS SHARE"),
    ("RowShareLock", "ROW SHARE"),
    ("RowExclusiveLock", "ROW EXCLUSIVE"),
    ("ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE"),
    ("ShareLock", "SHARE"),
    ("ShareRowExclusiveLock", "SHARE ROW EXCLUSIVE"),
    ("ExclusiveLock", "EXCLUSIVE"),
    ("AccessExclusiveLock", "ACCESS EXCLUSIVE"),
)
_LOCK_RANK = {mode: rank for rank, (mode, _words) in enumerate(LOCK_MODES)}
_LOCK_WORDS = dict(LOCK_MODES)


def lock_words(mode: str) -> str:
    """``AccessExclusiveLock`` -> ``ACCESS EXCLUSIVE``."""
    return _LOCK_WORDS.get(mode, mode)


def lock_rank(mode: str) -> int:
    """How strong a lock mode is (higher blocks more); -1 for an unknown one."""
    return _LOCK_RANK.get(mode, -1)


@dataclass
class ColumnTrail:
    """What happened to one column."""

    name: str
    introduced_by: str | None = None
    #: (migration id, line) of the statement that added it.
    introduced_at: Location | None = None
    type: str | None = None
    events: list[Event] = field(default_factory=list)
    #: Names this column had before, oldest first.
    former_names: list[str] = field(default_factory=list)
    #: ``pg_attribute.attnum`` on the replay's server.
    attnum: int | None = None


@dataclass
class TableTrail:
    """What happened to one table, view, materialized view or foreign table."""

    schema: str
    name: str
    introduced_by: str | None = None
    events: list[Event] = field(default_factory=list)
    columns: dict[str, ColumnTrail] = field(default_factory=dict)
    dropped_columns: list[ColumnTrail] = field(default_factory=list)
    former_names: list[str] = field(default_factory=list)
    #: 'table', 'partitioned table', 'view', 'materialized view' or 'foreign table'.
    kind: str = "table"
    #: The relation's oid on the replay's server.
    oid: int | None = None


@dataclass
class TypeTrail:
    """What happened to one enum or domain."""

    schema: str
    name: str
    #: 'enum' or 'domain'
    kind: str
    introduced_by: str | None = None
    events: list[Event] = field(default_factory=list)
    former_names: list[str] = field(default_factory=list)
    oid: int | None = None


@dataclass(frozen=True)
class NotNull:
    """A column of an existing table became NOT NULL in a statement."""

    table: TableTrail
    column: ColumnTrail
    #: A validated ``CHECK (column IS NOT NULL)`` existed before: PostgreSQL skips the scan.
    proven: bool
    #: The column was added by this very statement (``ADD COLUMN ... NOT NULL``).
    added_here: bool
    #: The column has a default afterwards (existing rows hold it, not NULL).
    has_default: bool


@dataclass(frozen=True)
class Cascaded:
    """An object a DROP ... CASCADE took along."""

    #: ``view public.active_users``, ``column public.orders.user_id``
    what: str
    #: The object(s) the statement dropped: ``column public.users.username``.
    cause: str
    #: It existed before the statement's migration (not created and dropped in it).
    existed: bool


@dataclass
class Step:
    """What one statement did, as the server reported it: what the rules read.

    ``existed`` holds the oids of the tables and views that existed before the
    statement's migration; ``held`` the strongest lock its transaction held on
    each of them after it (by oid), ``taken`` the locks it took itself (locks on
    relations the migration created are left out: they block no one).
    """

    migration_id: str
    index: int
    location: Location
    #: (table, column or None, event) for every event of the statement, in order.
    events: list[tuple[TableTrail, ColumnTrail | None, Event]] = field(default_factory=list)
    taken: list[LockHeld] = field(default_factory=list)
    held: dict[int, LockHeld] = field(default_factory=dict)
    #: Tables rewritten, with PostgreSQL's reasons.
    rewritten: list[tuple[TableTrail, tuple[str, ...]]] = field(default_factory=list)
    #: Indexes the statement built, with their table (CREATE INDEX, ADD UNIQUE...).
    built: list[tuple[TableTrail, IndexState]] = field(default_factory=list)
    #: Constraints the statement added, with their table.
    constrained: list[tuple[TableTrail, ConstraintState]] = field(default_factory=list)
    #: Columns of tables that existed before the migration that became NOT NULL.
    not_null: list[NotNull] = field(default_factory=list)
    #: Everything a DROP took along that the statement did not name.
    cascaded: list[Cascaded] = field(default_factory=list)
    existed: frozenset[int] = frozenset()
    #: True when the server reported changes to tables, columns or types that the
    #: parser did not model (a DO block, a statement it could not read).
    unmodelled: bool = False


@dataclass
class History:
    """The result of replaying every migration."""

    tables: dict[tuple[str, str], TableTrail] = field(default_factory=dict)
    dropped_tables: list[TableTrail] = field(default_factory=list)
    #: For each migration id, the (schema, table, column|None) names it touched,
    #: as they are *now* (after later renames), for linking from migration pages.
    touched: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)
    types: dict[tuple[str, str], TypeTrail] = field(default_factory=dict)
    dropped_types: list[TypeTrail] = field(default_factory=list)
    #: Every statement the server reported anything for, in order.
    steps: list[Step] = field(default_factory=list)
    #: Every table trail by oid, dropped ones included.
    by_oid: dict[int, TableTrail] = field(default_factory=dict)

    def table(self, schema: str, name: str) -> TableTrail | None:
        return self.tables.get((schema, name))

    def steps_of(self, migration_id: str) -> list[Step]:
        return [s for s in self.steps if s.migration_id == migration_id]


def history_of(wiki: Wiki) -> History | None:
    """The wiki's history (`Wiki.history`), typed: None for a wiki built without a replay."""
    history = wiki.history
    if history is None:
        return None
    assert isinstance(history, History)
    return history


def replay(migrations: list[Migration], witness: Witness | None = None) -> History:
    """The history of every object, from what the server reported while applying ``migrations``."""
    history = History()
    if witness is None:
        return history
    # Tens of thousands of events and trails, all kept: the collector would walk them
    # again and again for nothing (measured: most of the time at 1,000 tables).
    with gc_paused():
        _replay(history, migrations, witness)
    return history


def _replay(history: History, migrations: list[Migration], witness: Witness) -> None:
    builder = _Builder(history)
    builder.before(witness.before, witness.before_types)
    records = {m.migration_id: m for m in witness.migrations}
    touches: dict[str, list[tuple[TableTrail, ColumnTrail | None]]] = {}
    for migration in migrations:
        record = records.get(migration.id)
        if record is None:
            continue
        bucket = touches.setdefault(migration.id, [])
        builder.migration(migration, record.statements, record.transactional, bucket)
    for migration_id, items in touches.items():
        seen: dict[tuple[str, str, str | None], None] = {}
        for table, column in items:
            seen.setdefault((table.schema, table.name, column.name if column else None))
        history.touched[migration_id] = list(seen)


# --- building --------------------------------------------------------------------------

_NOT_NULL_CHECK = re.compile(r'^CHECK \(+\(?"?([^"()\s]+)"?\s+IS\s+NOT\s+NULL\)+$', re.IGNORECASE)


class _Builder:
    """Follows every object by oid through the witness, statement by statement."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.states: dict[int, RelationState] = {}
        self.tables: dict[int, TableTrail] = history.by_oid
        self.columns: dict[tuple[int, int], ColumnTrail] = {}
        self.types: dict[int, TypeState] = {}
        self.type_trails: dict[int, TypeTrail] = {}
        self.index_table: dict[int, int] = {}
        self.constraint_table: dict[int, int] = {}
        #: The strongest lock held in the current transaction, by relation oid.
        self.held: dict[int, LockHeld] = {}

    # -- the start ---------------------------------------------------------------------

    def before(self, relations: Iterable[RelationState], types: Iterable[TypeState]) -> None:
        """Objects that existed before the first migration: tracked, introduced by none."""
        for state in relations:
            trail = TableTrail(state.schema, state.name, kind=state.kind, oid=state.oid)
            self.tables[state.oid] = trail
            self.history.tables[(trail.schema, trail.name)] = trail
            for column in state.columns:
                self._new_column(trail, state.oid, column, None, None)
            self._remember(state)
        for t in types:
            trail_t = TypeTrail(t.schema, t.name, t.kind, oid=t.oid)
            self.type_trails[t.oid] = trail_t
            self.history.types[(t.schema, t.name)] = trail_t
            self.types[t.oid] = t

    # -- one migration -----------------------------------------------------------------

    def migration(
        self,
        migration: Migration,
        records: tuple[StatementRecord, ...],
        transactional: bool,
        touches: list[tuple[TableTrail, ColumnTrail | None]],
    ) -> None:
        existed = frozenset(self.states)
        self.held = {}
        for record in records:
            if record.index >= len(migration.statements):
                continue
            statement = migration.statements[record.index]
            if not transactional:
                self.held = {}
            step = _StepBuilder(self, migration, statement, record, existed)
            self.history.steps.append(step.run())
            touches.extend((t, c) for t, c, _e in step.step.events)

    # -- shared helpers ------------------------------------------------------------------

    def _remember(self, state: RelationState) -> None:
        self.states[state.oid] = state
        for index in state.indexes:
            self.index_table[index.oid] = state.oid
        for constraint in state.constraints:
            self.constraint_table[constraint.oid] = state.oid

    def _new_column(
        self,
        table: TableTrail,
        oid: int,
        column: ColumnState,
        migration_id: str | None,
        location: Location | None,
    ) -> ColumnTrail:
        trail = ColumnTrail(
            column.name,
            introduced_by=migration_id,
            introduced_at=location,
            type=column.type,
            attnum=column.attnum,
        )
        self.columns[(oid, column.attnum)] = trail
        table.columns[trail.name] = trail
        return trail


_Pending = tuple[TableTrail, ColumnTrail | None, dict[str, object]]


class _StepBuilder:
    """Turns one statement's records into events and the facts of its `Step`."""

    def __init__(
        self,
        builder: _Builder,
        migration: Migration,
        statement: Statement,
        record: StatementRecord,
        existed: frozenset[int],
    ) -> None:
        self.b = builder
        self.migration = migration
        self.statement = statement
        self.record = record
        # A directory migration's steps carry their own dates: the file that ran it says when.
        step = migration.step_for(statement.location.path) if migration.steps else None
        self.when: dt.date | None = step.date if step is not None else migration.date
        self.step = Step(migration.id, record.index, statement.location, existed=existed)
        self.pending: list[_Pending] = []
        self.rewritten: dict[int, Rewrite] = {}
        #: Objects the statement's drops took care of: ("column"|"index"|..., oid, sub).
        self.dropped: set[tuple[str, int, int]] = set()
        self.created: set[int] = {
            c.objid
            for c in record.commands
            if c.catalog == "pg_class" and (c.tag.startswith("CREATE") or c.tag == "SELECT INTO")
        }
        self.tracked_change = False

    def run(self) -> Step:
        items: list[tuple[int, int, object]] = []
        for c in self.record.commands:
            items.append((c.seq, 1, c))
        for d in self.record.dropped:
            items.append((d.seq, 0, d))
        for r in self.record.rewrites:
            items.append((r.seq, 0, r))
        for s in self.record.relations:
            items.append((s.seq, 2, s))
        for t in self.record.types:
            items.append((t.seq, 2, t))
        for i in self.record.indexes:
            items.append((i.seq, 2, i))
        items.sort(key=lambda item: (item[0], item[1]))
        drops: dict[int, list[Dropped]] = {}
        for _seq, _order, item in items:
            if isinstance(item, Dropped):
                drops.setdefault(item.call, []).append(item)
        done_calls: set[int] = set()
        for _seq, _order, item in items:
            if isinstance(item, Dropped):
                if item.call not in done_calls:
                    done_calls.add(item.call)
                    self.drops(drops[item.call])
            elif isinstance(item, Rewrite):
                self.rewritten[item.oid] = item
            elif isinstance(item, Command):
                if item.tag == "COMMENT":
                    self.comment(item)
            elif isinstance(item, RelationState):
                self.relation(item)
            elif isinstance(item, TypeState):
                self.type(item)
            elif isinstance(item, IndexChange):
                self.index_change(item)
        self.locks()
        self.finish()
        return self.step

    # -- events --------------------------------------------------------------------------

    def event(
        self, table: TableTrail, column: ColumnTrail | None, action: Action, **kw: object
    ) -> None:
        self.pending.append((table, column, {"action": action, **kw}))
        self.tracked_change = True

    def rebuilt(self) -> None:
        """Drop the pairs of events of an index or constraint dropped and created again under
        the same name by one statement (ALTER COLUMN ... TYPE rebuilds them): not a change."""
        pairs = {
            Action.DROP_INDEX: Action.CREATE_INDEX,
            Action.DROP_CONSTRAINT: Action.ADD_CONSTRAINT,
        }
        if not any(kw["action"] in pairs for _t, _c, kw in self.pending):
            return
        made = {
            (id(t), kw["action"], kw.get("detail"))
            for t, c, kw in self.pending
            if c is None and kw["action"] in pairs.values()
        }
        gone: set[tuple[int, object, object]] = set()
        for t, c, kw in self.pending:
            action = kw["action"]
            if c is None and action in pairs and (id(t), pairs[action], kw.get("detail")) in made:  # type: ignore[index]
                gone.add((id(t), action, kw.get("detail")))
                gone.add((id(t), pairs[action], kw.get("detail")))  # type: ignore[index]
        if not gone:
            return
        self.pending = [
            p for p in self.pending if (id(p[0]), p[2]["action"], p[2].get("detail")) not in gone
        ]
        names = {(table, detail) for table, _action, detail in gone}
        self.step.built = [(t, i) for t, i in self.step.built if (id(t), i.name) not in names]
        self.step.constrained = [
            (t, k) for t, k in self.step.constrained if (id(t), k.name) not in names
        ]

    def finish(self) -> None:
        self.rebuilt()
        migration = self.migration
        date = self.when
        for table, column, kw in self.pending:
            oid = table.oid
            lock: str | None = None
            if oid is not None and oid in self.step.existed and oid in self.step.held:
                lock = lock_words(self.step.held[oid].mode)
            event = Event(
                migration.id,
                kw.pop("action"),  # type: ignore[arg-type]
                date,
                self.statement.location,
                lock=lock,
                rewrite=oid is not None and oid in self.rewritten,
                **kw,  # type: ignore[arg-type]
            )
            (column.events if column is not None else table.events).append(event)
            self.step.events.append((table, column, event))
        for oid, rewrite in self.rewritten.items():
            trail = self.b.tables.get(oid)
            if trail is not None:
                self.step.rewritten.append((trail, rewrite.reasons))
        self.step.unmodelled = self.tracked_change and (
            self.statement.parse_error is not None or not self.statement.changes
        )

    def locks(self) -> None:
        held = self.b.held
        for lock in self.record.locks:
            # A relation created by this migration is nobody else's yet: its locks block no one.
            if lock.oid not in self.step.existed:
                continue
            self.step.taken.append(lock)
            was = held.get(lock.oid)
            if was is None or lock_rank(lock.mode) > lock_rank(was.mode):
                held[lock.oid] = lock
        self.step.held = dict(held)

    # -- what the records say ------------------------------------------------------------

    def comment(self, command: Command) -> None:
        b = self.b
        if command.catalog == "pg_class":
            table = b.tables.get(command.objid)
            if table is None or command.objid not in b.states:
                return
            key = (command.objid, command.objsubid)
            if command.objsubid:
                column = b.columns.get(key)
                if column is not None:
                    self.event(table, column, Action.COMMENT_COLUMN, detail=command.comment)
                return
            if command.objid in b.index_table:
                return
            self.event(table, None, Action.COMMENT_TABLE, detail=command.comment)
        elif command.catalog == "pg_type":
            trail = b.type_trails.get(command.objid)
            state = b.types.get(command.objid)
            if trail is not None and state is not None:
                b.types[command.objid] = dataclasses.replace(state, comment=command.comment)
                self.type_event(trail, Action.COMMENT_TYPE, detail=command.comment)

    def relation(self, state: RelationState) -> None:
        b = self.b
        old = b.states.get(state.oid)
        trail = b.tables.get(state.oid)
        if old is None or trail is None:
            self.created_relation(state, trail)
        else:
            self.changed_relation(trail, old, state)
        b._remember(state)

    def created_relation(self, state: RelationState, trail: TableTrail | None) -> None:
        b = self.b
        migration = self.migration
        created = state.oid in self.created
        if trail is None:
            trail = TableTrail(state.schema, state.name, kind=state.kind, oid=state.oid)
            b.tables[state.oid] = trail
        trail.kind = state.kind
        if created:
            trail.introduced_by = migration.id
            self.event(trail, None, CREATE_ACTIONS.get(state.kind, Action.CREATE_TABLE))
        self.b.history.tables[(state.schema, state.name)] = trail
        for column in state.columns:
            col = b._new_column(
                trail,
                state.oid,
                column,
                migration.id if created else None,
                self.statement.location if created else None,
            )
            if created:
                self.event(trail, col, Action.ADD_COLUMN, detail=column.type)

    def changed_relation(self, trail: TableTrail, old: RelationState, new: RelationState) -> None:
        b = self.b
        history = b.history
        if (old.schema, old.name) != (new.schema, new.name):
            if history.tables.get((trail.schema, trail.name)) is trail:
                del history.tables[(trail.schema, trail.name)]
            if old.schema != new.schema:
                self.event(trail, None, Action.SET_SCHEMA, old_name=old.schema, new_name=new.schema)
            if old.name != new.name:
                trail.former_names.append(old.name)
                self.event(trail, None, Action.RENAME_TABLE, old_name=old.name, new_name=new.name)
            trail.schema, trail.name = new.schema, new.name
            history.tables[(trail.schema, trail.name)] = trail
        if old.definition != new.definition and new.kind in ("view", "materialized view"):
            self.event(trail, None, Action.REPLACE_VIEW)
        self.columns(trail, old, new)
        self.constraints_and_indexes(trail, old, new)

    def columns(self, trail: TableTrail, old: RelationState, new: RelationState) -> None:
        b = self.b
        before = {c.attnum: c for c in old.columns}
        for column in new.columns:
            was = before.pop(column.attnum, None)
            key = (new.oid, column.attnum)
            if was is None:
                col = b._new_column(
                    trail, new.oid, column, self.migration.id, self.statement.location
                )
                self.event(trail, col, Action.ADD_COLUMN, detail=column.type)
                if column.not_null and new.oid in self.step.existed and not column.identity:
                    self.step.not_null.append(
                        NotNull(trail, col, False, True, column.default is not None)
                    )
                continue
            known = b.columns.get(key)
            col = known if known is not None else b._new_column(trail, new.oid, column, None, None)
            if was.name != column.name:
                trail.columns.pop(col.name, None)
                col.former_names.append(was.name)
                col.name = column.name
                trail.columns[col.name] = col
                self.event(
                    trail, col, Action.RENAME_COLUMN, old_name=was.name, new_name=column.name
                )
            if was.type != column.type:
                col.type = column.type
                self.event(trail, col, Action.ALTER_TYPE, detail=column.type)
            if was.not_null != column.not_null:
                if column.not_null:
                    proven = any(
                        k.kind == "check"
                        and k.validated
                        and _checks_not_null(k, was.name, was.attnum)
                        for k in old.constraints
                    )
                    if new.oid in self.step.existed:
                        self.step.not_null.append(
                            NotNull(trail, col, proven, False, column.default is not None)
                        )
                    self.event(trail, col, Action.SET_NOT_NULL)
                else:
                    self.event(trail, col, Action.DROP_NOT_NULL)
            if was.default != column.default:
                if column.default is None:
                    self.event(trail, col, Action.DROP_DEFAULT)
                else:
                    self.event(trail, col, Action.SET_DEFAULT, detail=column.default)
            if was.identity != column.identity:
                if column.identity is None:
                    self.event(trail, col, Action.DROP_IDENTITY)
                else:
                    self.event(trail, col, Action.ADD_IDENTITY, detail=column.identity)
            if was.generated != column.generated and column.generated is not None:
                self.event(trail, col, Action.SET_EXPRESSION, detail=column.generated)
        for attnum in before:
            # Gone without a drop record: dropped by something the triggers do not see.
            if ("column", new.oid, attnum) not in self.dropped:
                self.drop_column(trail, new.oid, attnum, None)

    def constraints_and_indexes(
        self, trail: TableTrail, old: RelationState, new: RelationState
    ) -> None:
        old_constraints = {k.oid: k for k in old.constraints}
        old_indexes = {i.oid: i for i in old.indexes}
        old_index_names = {i.name: i for i in old.indexes}
        new_constraint_indexes = {
            k.index for k in new.constraints if k.oid not in old_constraints and k.index
        }
        for k in new.constraints:
            was = old_constraints.pop(k.oid, None)
            if was is None:
                self.event(trail, None, Action.ADD_CONSTRAINT, detail=k.name)
                if new.oid in self.step.existed:
                    self.step.constrained.append((trail, k))
                continue
            if was.name != k.name:
                self.event(
                    trail, None, Action.RENAME_CONSTRAINT, old_name=was.name, new_name=k.name
                )
            if not was.validated and k.validated:
                self.event(trail, None, Action.VALIDATE_CONSTRAINT, detail=k.name)
        for oid, was in old_constraints.items():
            if ("constraint", oid, 0) not in self.dropped:
                self.event(trail, None, Action.DROP_CONSTRAINT, detail=was.name)
        rebuilt: set[str] = set()
        for i in new.indexes:
            was_i = old_indexes.pop(i.oid, None)
            if was_i is None:
                same_name = old_index_names.get(i.name)
                if same_name is not None and same_name.oid in old_indexes:
                    # Rebuilt under the same name (ALTER COLUMN ... TYPE): not a new index.
                    rebuilt.add(i.name)
                    old_indexes.pop(same_name.oid, None)
                    continue
                if new.oid in self.step.existed:
                    self.step.built.append((trail, i))
                if i.oid not in new_constraint_indexes:
                    self.event(trail, None, Action.CREATE_INDEX, detail=i.name)
                continue
            if was_i.name != i.name:
                self.event(trail, None, Action.RENAME_INDEX, old_name=was_i.name, new_name=i.name)
        for oid, was_i in old_indexes.items():
            if (
                ("index", oid, 0) not in self.dropped
                and was_i.name not in rebuilt
                and not any(k.index == oid for k in old.constraints)
            ):
                self.event(trail, None, Action.DROP_INDEX, detail=was_i.name)

    def index_change(self, change: IndexChange) -> None:
        b = self.b
        state = b.states.get(change.table)
        trail = b.tables.get(change.table)
        if state is None or trail is None:
            return
        index = change.index
        others = tuple(i for i in state.indexes if i.oid != index.oid)
        was = next((i for i in state.indexes if i.oid == index.oid), None)
        if was is None:
            self.event(trail, None, Action.CREATE_INDEX, detail=index.name)
            if change.table in self.step.existed:
                self.step.built.append((trail, index))
        elif was.name != index.name:
            self.event(trail, None, Action.RENAME_INDEX, old_name=was.name, new_name=index.name)
        b.states[change.table] = dataclasses.replace(state, indexes=(*others, index))
        b.index_table[index.oid] = change.table

    def drops(self, rows: list[Dropped]) -> None:
        b = self.b
        originals = [r for r in rows if r.original]
        cause = (
            ", ".join(
                f"{_OBJECT_WORDS.get(r.object_type, r.object_type)} {r.identity}" for r in originals
            )
            or None
        )
        gone_tables = {
            r.objid
            for r in rows
            if r.object_type in _RELATION_OBJECTS
            and r.catalog == "pg_class"
            and r.objid in b.states
        }
        for r in rows:
            cascade_of = None if r.original else cause
            if r.catalog == "pg_class" and r.object_type in _RELATION_OBJECTS:
                self.drop_table(r, cascade_of)
            elif r.object_type == "table column":
                if r.objid in gone_tables:
                    continue
                self.dropped.add(("column", r.objid, r.objsubid))
                trail = b.tables.get(r.objid)
                column = b.columns.get((r.objid, r.objsubid))
                if trail is not None and column is not None:
                    # Only a normal dependency needs CASCADE; an automatic one (a column's
                    # own index or constraint) goes with what was dropped anyway.
                    if cascade_of and r.normal:
                        old = column.introduced_by != self.migration.id
                        self.step.cascaded.append(Cascaded(f"column {r.identity}", cascade_of, old))
                    self.drop_column(trail, r.objid, r.objsubid, cascade_of)
            elif r.object_type == "index":
                self.dropped.add(("index", r.objid, 0))
                table_oid = b.index_table.get(r.objid)
                if table_oid is None or table_oid in gone_tables or not (r.original or r.normal):
                    continue
                self.forget(table_oid, index=r.objid)
                trail = b.tables.get(table_oid)
                if trail is not None:
                    name = r.name or r.identity.rsplit(".", 1)[-1]
                    self.event(trail, None, Action.DROP_INDEX, detail=name, cascade_of=cascade_of)
            elif r.object_type == "table constraint":
                self.dropped.add(("constraint", r.objid, 0))
                table_oid = b.constraint_table.get(r.objid)
                if table_oid is None or table_oid in gone_tables:
                    continue
                trail = b.tables.get(table_oid)
                state = b.states.get(table_oid)
                known = state is not None and any(k.oid == r.objid for k in state.constraints)
                self.forget(table_oid, constraint=r.objid)
                if trail is not None and known:
                    name = r.identity.split(" on ", 1)[0]
                    if cascade_of and r.normal:
                        what = f"constraint {name} on {trail.schema}.{trail.name}"
                        old = table_oid in self.step.existed
                        self.step.cascaded.append(Cascaded(what, cascade_of, old))
                    self.event(
                        trail, None, Action.DROP_CONSTRAINT, detail=name, cascade_of=cascade_of
                    )
            elif r.object_type == "type" and r.objid in b.type_trails:
                trail_t = b.type_trails[r.objid]
                if cascade_of and r.normal:
                    old = trail_t.introduced_by != self.migration.id
                    self.step.cascaded.append(Cascaded(f"type {r.identity}", cascade_of, old))
                self.type_event(trail_t, Action.DROP_TYPE, cascade_of=cascade_of)
                b.history.types.pop((trail_t.schema, trail_t.name), None)
                b.history.dropped_types.append(trail_t)
                b.types.pop(r.objid, None)

    def forget(self, table_oid: int, *, index: int = 0, constraint: int = 0) -> None:
        """Take a dropped index or constraint out of its table's known state."""
        state = self.b.states.get(table_oid)
        if state is not None:
            self.b.states[table_oid] = dataclasses.replace(
                state,
                indexes=tuple(i for i in state.indexes if i.oid != index),
                constraints=tuple(k for k in state.constraints if k.oid != constraint),
            )

    def drop_table(self, row: Dropped, cascade_of: str | None) -> None:
        b = self.b
        trail = b.tables.get(row.objid)
        state = b.states.pop(row.objid, None)
        if trail is None or state is None:
            return
        if cascade_of and row.normal:
            old = row.objid in self.step.existed
            self.step.cascaded.append(Cascaded(f"{state.kind} {state.qualified}", cascade_of, old))
        self.event(
            trail, None, DROP_ACTIONS.get(state.kind, Action.DROP_TABLE), cascade_of=cascade_of
        )
        if b.history.tables.get((trail.schema, trail.name)) is trail:
            del b.history.tables[(trail.schema, trail.name)]
        b.history.dropped_tables.append(trail)

    def drop_column(self, trail: TableTrail, oid: int, attnum: int, cascade_of: str | None) -> None:
        column = self.b.columns.pop((oid, attnum), None)
        if column is None:
            return
        self.event(trail, column, Action.DROP_COLUMN, cascade_of=cascade_of)
        if trail.columns.get(column.name) is column:
            del trail.columns[column.name]
        trail.dropped_columns.append(column)
        state = self.b.states.get(oid)
        if state is not None:
            self.b.states[oid] = dataclasses.replace(
                state, columns=tuple(c for c in state.columns if c.attnum != attnum)
            )

    # -- enums and domains -----------------------------------------------------------------

    def type_event(self, trail: TypeTrail, action: Action, **kw: object) -> None:
        event = Event(
            self.migration.id,
            action,
            self.when,
            self.statement.location,
            **kw,  # type: ignore[arg-type]
        )
        trail.events.append(event)
        self.tracked_change = True

    def type(self, state: TypeState) -> None:
        b = self.b
        old = b.types.get(state.oid)
        trail = b.type_trails.get(state.oid)
        b.types[state.oid] = state
        if old is None or trail is None:
            trail = TypeTrail(state.schema, state.name, state.kind, oid=state.oid)
            b.type_trails[state.oid] = trail
            trail.introduced_by = self.migration.id
            b.history.types[(state.schema, state.name)] = trail
            detail = ", ".join(state.labels) if state.kind == "enum" else state.base_type
            self.type_event(trail, Action.CREATE_TYPE, detail=detail)
            return
        if (old.schema, old.name) != (state.schema, state.name):
            b.history.types.pop((trail.schema, trail.name), None)
            if old.name != state.name:
                trail.former_names.append(old.name)
                self.type_event(trail, Action.RENAME_TYPE, old_name=old.name, new_name=state.name)
            if old.schema != state.schema:
                self.type_event(
                    trail, Action.SET_SCHEMA, old_name=old.schema, new_name=state.schema
                )
            trail.schema, trail.name = state.schema, state.name
            b.history.types[(trail.schema, trail.name)] = trail
        if old.labels != state.labels:
            if len(old.labels) == len(state.labels):
                for a, z in zip(old.labels, state.labels, strict=True):
                    if a != z:
                        self.type_event(trail, Action.RENAME_VALUE, old_name=a, new_name=z)
            else:
                for label in state.labels:
                    if label not in old.labels:
                        self.type_event(trail, Action.ADD_VALUE, detail=label)
        changes = [
            f"{what} {shown}"
            for what, a, z, shown in (
                ("type", old.base_type, state.base_type, state.base_type),
                ("not null", old.not_null, state.not_null, str(state.not_null).lower()),
                ("default", old.default, state.default, state.default or "none"),
                ("checks", old.checks, state.checks, "; ".join(state.checks) or "none"),
            )
            if a != z
        ]
        if changes:
            self.type_event(trail, Action.ALTER_DOMAIN, detail=", ".join(changes))
        if old.comment != state.comment:
            self.type_event(trail, Action.COMMENT_TYPE, detail=state.comment)


def _checks_not_null(constraint: ConstraintState, name: str, attnum: int) -> bool:
    """Whether a CHECK constraint is exactly ``column IS NOT NULL`` on this column."""
    if constraint.columns and attnum not in constraint.columns:
        return False
    m = _NOT_NULL_CHECK.match(constraint.definition.strip())
    return m is not None and m.group(1) == name
