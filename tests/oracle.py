"""An independent oracle of what migrations did to every relation and column.

It shares nothing with the product's history code. The product's loader only
gives it the migrations in order (files, statements, whether each runs in a
transaction), `create_tool_tables` creates the migration tool's own tables
before the first migration (as the tool would, so that migrations using them
apply), and `ThrowawayPostgres` is the server. Then:

1. every migration is applied on its own, and after each one the catalog is
   read: ``pg_class``, ``pg_attribute``, ``pg_attrdef`` and ``pg_description``,
   keyed by (relation oid, attnum), which survive renames and type changes;
2. consecutive snapshots are compared: a relation or column that appears was
   introduced by that migration; one whose name, type (``atttypid`` and
   ``atttypmod``), NOT NULL, default or comment differs was changed by it; one
   that disappears was dropped by it, and a ``sql_drop`` event trigger (whose
   ``original`` flag is false for objects a CASCADE took) says whether
   directly or by cascade.

The result is compared with ``schema-wiki export``'s JSON (`compare`). The
oracle sees each migration's net effect, so the comparison is per migration:
what a migration changed about a column, in any number of statements, must be
what the export's events of that migration say (renames from the first old
name to the last new name; the last NOT NULL, default and comment event).
Differences are reported one line each (`Disagreement`).

Two choices where the catalog says more than a history should:

* a default PostgreSQL rewrote because the column's type changed (``'x'::text``
  becoming ``'x'::character varying``) is part of that type change, not a
  default change of its own; setting or dropping a default still counts;
* the generation expression of a generated column is not a default.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from schema_wiki.model import Migration
from schema_wiki.replay.bookkeeping import create_tool_tables

__all__ = [
    "Disagreement",
    "OracleError",
    "OracleResult",
    "compare",
    "run_oracle",
]

_RECORDER = "schema_wiki_oracle"

# The drop log: every object a statement dropped, with PostgreSQL's own
# "original" flag (false for what a CASCADE took along). SECURITY DEFINER: a
# migration may drop things after SET ROLE.
_RECORDER_SQL = f"""
CREATE SCHEMA {_RECORDER};
CREATE TABLE {_RECORDER}.dropped (
    classid oid, objid oid, objsubid int, original boolean, object_type text, identity text
);
CREATE FUNCTION {_RECORDER}.record_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO {_RECORDER}.dropped
    SELECT classid, objid, objsubid, original, object_type, object_identity
    FROM pg_event_trigger_dropped_objects();
END
$$;
CREATE EVENT TRIGGER {_RECORDER}_drop ON sql_drop EXECUTE FUNCTION {_RECORDER}.record_drop();
"""

_RELATIONS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, d.description,
       COALESCE((SELECT array_agg(k) FROM pg_catalog.pg_constraint p, unnest(p.conkey) k
                 WHERE p.conrelid = c.oid AND p.contype = 'p'), '{{}}')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', '{_RECORDER}')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid
                    AND e.deptype = 'e')
"""

_COLUMNS = """
SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod,
       pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attgenerated <> '', d.description
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass
      AND d.objsubid = a.attnum
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""

_PARTITIONS = "SELECT oid FROM pg_catalog.pg_class WHERE oid = ANY(%s) AND relispartition"

# A statement that starts (after comments) with transaction control.
_TRANSACTION_CONTROL = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b",
    re.IGNORECASE | re.DOTALL,
)


class OracleError(Exception):
    """A migration did not apply on the oracle's database."""


# --- snapshots ---------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    name: str
    type_key: tuple[int, int]
    type: str
    notnull: bool
    default: str | None
    generated: bool
    comment: str | None


@dataclass(frozen=True)
class Rel:
    oid: int
    schema: str
    name: str
    kind: str
    comment: str | None
    primary_key: frozenset[int]
    columns: dict[int, Col]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def _snapshot(conn: psycopg.Connection[Any]) -> dict[int, Rel]:
    relations = conn.execute(_RELATIONS).fetchall()
    columns: dict[int, dict[int, Col]] = defaultdict(dict)
    for row in conn.execute(_COLUMNS, ([r[0] for r in relations],)).fetchall():
        columns[row[0]][row[1]] = Col(
            name=row[2],
            type_key=(row[3], row[4]),
            type=row[5],
            notnull=row[6],
            default=row[7],
            generated=row[8],
            comment=row[9],
        )
    return {
        r[0]: Rel(r[0], r[1], r[2], r[3], r[4], frozenset(r[5]), dict(columns.get(r[0], {})))
        for r in relations
    }


# --- stories -----------------------------------------------------------------------


@dataclass
class Change:
    """What one migration did to a relation or column, as the catalog shows it."""

    migration: int
    kind: str
    old: str | None = None
    new: str | None = None
    cascade: bool = False
    note: str = ""

    def describe(self) -> str:
        text = self.kind
        if self.kind in ("rename", "type", "move"):
            text += f" {self.old} -> {self.new}"
        elif self.kind == "comment":
            text += f" {self.new!r}"
        elif self.kind == "set default":
            text += f" {self.new}"
        if self.cascade:
            text += " (by cascade)"
        if self.note:
            text += f" ({self.note})"
        return text


@dataclass
class ColumnStory:
    name: str
    introduced: int | None
    changes: list[Change] = field(default_factory=list)
    dropped: Change | None = None


@dataclass
class RelationStory:
    oid: int
    schema: str
    name: str
    kind: str
    introduced: int | None
    renames: list[Change] = field(default_factory=list)
    dropped: Change | None = None
    columns: dict[int, ColumnStory] = field(default_factory=dict)
    #: Columns dropped while the relation stayed.
    dropped_columns: list[ColumnStory] = field(default_factory=list)
    #: True for the migration tool's own tables: the export hides them.
    hidden: bool = False

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class OracleResult:
    migrations: list[Migration]
    relations: dict[int, RelationStory]
    hidden: tuple[str, ...]


def _column_changes(i: int, before: Col, after: Col, pk_added: bool) -> list[Change]:
    out: list[Change] = []
    if before.name != after.name:
        out.append(Change(i, "rename", before.name, after.name))
    type_changed = before.type_key != after.type_key
    if type_changed:
        out.append(Change(i, "type", before.type, after.type))
    if before.notnull != after.notnull:
        kind = "set not null" if after.notnull else "drop not null"
        out.append(Change(i, kind, note="primary key added" if pk_added else ""))
    if not (before.generated or after.generated) and before.default != after.default:
        if after.default is None:
            out.append(Change(i, "drop default", before.default))
        elif before.default is None or not type_changed:
            out.append(Change(i, "set default", before.default, after.default))
    if before.comment != after.comment:
        out.append(Change(i, "comment", before.comment, after.comment))
    return out


def _apply(conn: psycopg.Connection[Any], migration: Migration) -> None:
    statements = migration.statements
    one_transaction = (
        migration.transactional
        and all(s.transactional for s in statements)
        and not any(_TRANSACTION_CONTROL.match(s.sql) for s in statements)
    )
    try:
        if one_transaction:
            with conn.transaction():
                for statement in statements:
                    conn.execute(statement.sql.encode())
        else:
            for statement in statements:
                conn.execute(statement.sql.encode())
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
    except psycopg.Error as exc:
        raise OracleError(f"{migration.path}: {str(exc).strip()}") from exc


def run_oracle(
    conninfo: str, migrations: Sequence[Migration], fmt: str, setup_sql: str | None = None
) -> OracleResult:
    """Apply ``migrations`` one by one on the empty database ``conninfo`` and watch the catalog."""
    with (
        psycopg.connect(conninfo, autocommit=True) as conn,
        psycopg.connect(conninfo, autocommit=True) as watcher,
    ):
        if setup_sql:
            conn.execute(setup_sql.encode())
        hidden = create_tool_tables(conn, fmt)
        watcher.execute(_RECORDER_SQL.encode())
        previous = _snapshot(watcher)
        stories: dict[int, RelationStory] = {}
        for rel in previous.values():
            story = RelationStory(rel.oid, rel.schema, rel.name, rel.kind, None)
            story.hidden = rel.qualified in hidden
            story.columns = {n: ColumnStory(c.name, None) for n, c in rel.columns.items()}
            stories[rel.oid] = story
        for i, migration in enumerate(migrations):
            _apply(conn, migration)
            current = _snapshot(watcher)
            drops = {
                (row[0], row[1]): row[2]
                for row in watcher.execute(
                    f"DELETE FROM {_RECORDER}.dropped"
                    " WHERE classid = 'pg_catalog.pg_class'::regclass RETURNING objid, objsubid,"
                    " original"
                ).fetchall()
            }
            _diff(i, previous, current, drops, stories, watcher)
            previous = current
    return OracleResult(list(migrations), stories, hidden)


def _diff(
    i: int,
    previous: dict[int, Rel],
    current: dict[int, Rel],
    drops: dict[tuple[int, int], bool],
    stories: dict[int, RelationStory],
    watcher: psycopg.Connection[Any],
) -> None:
    for oid, rel in current.items():
        before = previous.get(oid)
        if before is None:
            story = RelationStory(oid, rel.schema, rel.name, rel.kind, i)
            story.columns = {n: ColumnStory(c.name, i) for n, c in rel.columns.items()}
            stories[oid] = story
            continue
        story = stories[oid]
        if before.name != rel.name:
            story.renames.append(Change(i, "rename", before.name, rel.name))
        if before.schema != rel.schema:
            story.renames.append(Change(i, "move", before.schema, rel.schema))
        story.schema, story.name, story.kind = rel.schema, rel.name, rel.kind
        for attnum, col in rel.columns.items():
            old = before.columns.get(attnum)
            if old is None:
                story.columns[attnum] = ColumnStory(col.name, i)
                continue
            pk_added = attnum in rel.primary_key and attnum not in before.primary_key
            column = story.columns[attnum]
            column.name = col.name
            column.changes.extend(_column_changes(i, old, col, pk_added))
        for attnum in before.columns.keys() - rel.columns.keys():
            column = story.columns.pop(attnum)
            original = drops.get((oid, attnum), True)
            column.dropped = Change(i, "drop", cascade=not original)
            story.dropped_columns.append(column)
    gone = [oid for oid in previous if oid not in current]
    partitions = (
        {row[0] for row in watcher.execute(_PARTITIONS, (gone,)).fetchall()} if gone else set()
    )
    for oid in gone:
        story = stories[oid]
        if oid in partitions:
            # Attached as a partition: part of its parent now, not dropped.
            story.dropped = Change(i, "attached as a partition")
            continue
        story.dropped = Change(i, "drop", cascade=not drops.get((oid, 0), True))


# --- comparison --------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """One difference between the oracle and the export."""

    subject: str
    migration: str
    oracle: str
    export: str

    def __str__(self) -> str:
        where = f" @ {self.migration}" if self.migration else ""
        return _printable(f"{self.subject}{where}: oracle {self.oracle}; export {self.export}")


def _printable(text: str) -> str:
    """``text`` with control characters escaped: hostile names must not drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _Index:
    """Migration paths, ids and files of the export mapped to the oracle's migration numbers."""

    def __init__(self, migrations: Sequence[Migration]) -> None:
        self.migrations = list(migrations)
        self.by_key: dict[str, int] = {}
        for i, m in enumerate(migrations):
            self.by_key[m.id] = i
            self.by_key[m.path] = i
            for f in m.files:
                self.by_key.setdefault(f.path, i)

    def number(self, value: str | None) -> int | None:
        if value is None:
            return None
        return self.by_key.get(value, -1)

    def of_event(self, event: dict[str, Any]) -> int:
        for key in ("migration_id", "migration"):
            found = self.by_key.get(str(event.get(key)))
            if found is not None:
                return found
        return -1

    def name(self, number: int | None) -> str:
        if number is None:
            return "no migration"
        if number < 0:
            return "an unknown migration"
        return self.migrations[number].path


# Export actions, by what the oracle calls them.
_ACTIONS = {
    "rename column": "rename",
    "alter type": "type",
    "set not null": "set not null",
    "drop not null": "drop not null",
    "set default": "set default",
    "drop default": "drop default",
    "comment column": "comment",
}


def _export_changes(
    events: Iterable[dict[str, Any]], index: _Index, introduced: int | None
) -> dict[int, dict[str, Change]]:
    """The export's events of one column as net changes per migration (after its introduction)."""
    out: dict[int, dict[str, Change]] = defaultdict(dict)
    for event in events:
        kind = _ACTIONS.get(str(event.get("action")))
        if kind is None:
            continue
        i = index.of_event(event)
        if introduced is not None and i == introduced:
            continue
        changes = out[i]
        if kind == "rename":
            first = changes.get("rename")
            old = first.old if first else event.get("from")
            changes["rename"] = Change(i, "rename", old, event.get("to"))
        elif kind in ("set not null", "drop not null"):
            changes.pop("set not null", None)
            changes.pop("drop not null", None)
            changes[kind] = Change(i, kind)
        elif kind in ("set default", "drop default"):
            changes.pop("set default", None)
            changes.pop("drop default", None)
            changes[kind] = Change(i, kind, new=event.get("detail"))
        elif kind == "comment":
            changes["comment"] = Change(i, "comment", new=event.get("detail"))
        else:
            changes[kind] = Change(i, kind, new=event.get("detail"))
    for changes in out.values():
        rename = changes.get("rename")
        if rename is not None and rename.old == rename.new:
            del changes["rename"]
    return out


def _same(oracle: Change, export: Change) -> bool:
    if oracle.kind == "rename":
        return (oracle.old, oracle.new) == (export.old, export.new)
    if oracle.kind == "comment":
        return oracle.new == export.new
    return True


def _compare_column(
    subject: str,
    story: ColumnStory,
    column: dict[str, Any],
    index: _Index,
    out: list[Disagreement],
) -> None:
    intro = index.number(column.get("introduced_by"))
    if intro != story.introduced:
        out.append(
            Disagreement(
                subject,
                "",
                f"introduced by {index.name(story.introduced)}",
                f"introduced by {index.name(intro)}",
            )
        )
    theirs = _export_changes(column.get("history", []), index, story.introduced)
    ours: dict[int, dict[str, Change]] = defaultdict(dict)
    for change in story.changes:
        ours[change.migration][change.kind] = change
    for i in sorted(set(ours) | set(theirs)):
        mine, their = ours.get(i, {}), theirs.get(i, {})
        for kind in sorted(set(mine) | set(their)):
            a, b = mine.get(kind), their.get(kind)
            if a is not None and b is not None and _same(a, b):
                continue
            out.append(
                Disagreement(
                    subject,
                    index.name(i),
                    a.describe() if a else "no " + kind,
                    b.describe() if b else "no " + kind,
                )
            )


def _drop_of(
    history: Iterable[dict[str, Any]], actions: str | tuple[str, ...], index: _Index
) -> int | None:
    wanted = (actions,) if isinstance(actions, str) else actions
    found = [index.of_event(e) for e in history if e.get("action") in wanted]
    return found[-1] if found else None


#: The export's actions that drop a relation, one per kind.
_RELATION_DROPS = ("drop table", "drop view", "drop materialized view", "drop foreign table")


def compare(result: OracleResult, export: dict[str, Any]) -> list[Disagreement]:
    """Every difference between the oracle's stories and ``schema-wiki export``'s JSON."""
    index = _Index(result.migrations)
    out: list[Disagreement] = []
    tables = {(t["schema"], t["name"]): t for t in export["tables"]}
    seen: set[tuple[str, str]] = set()
    dropped_relations: list[RelationStory] = []
    for story in result.relations.values():
        if story.hidden:
            if (story.schema, story.name) in tables:
                out.append(Disagreement(story.qualified, "", "hidden (tool table)", "shown"))
            continue
        if story.dropped is not None:
            if story.dropped.kind == "drop":
                dropped_relations.append(story)
            continue
        key = (story.schema, story.name)
        table = tables.get(key)
        if table is None:
            out.append(Disagreement(story.qualified, "", f"a {story.kind} relation", "missing"))
            continue
        seen.add(key)
        _compare_relation(story, table, index, out)
    for key in tables.keys() - seen:
        out.append(Disagreement(".".join(key), "", "no such relation", "listed"))
    _compare_dropped_relations(dropped_relations, export.get("dropped_tables", []), index, out)
    return out


def _compare_relation(
    story: RelationStory, table: dict[str, Any], index: _Index, out: list[Disagreement]
) -> None:
    subject = story.qualified
    intro = index.number(table.get("introduced_by"))
    if intro != story.introduced:
        out.append(
            Disagreement(
                subject,
                "",
                f"introduced by {index.name(story.introduced)}",
                f"introduced by {index.name(intro)}",
            )
        )
    ours = [(c.migration, c.old, c.new) for c in story.renames if c.kind == "rename"]
    theirs = [
        (index.of_event(e), e.get("from"), e.get("to"))
        for e in table.get("history", [])
        if e.get("action") == "rename table" and index.of_event(e) != story.introduced
    ]
    if ours != theirs:
        out.append(Disagreement(subject, "", f"renames {ours}", f"renames {theirs}"))
    for move in (c for c in story.renames if c.kind == "move"):
        out.append(Disagreement(subject, index.name(move.migration), move.describe(), "nothing"))
    columns = {c["name"]: c for c in table.get("columns", [])}
    for column in story.columns.values():
        found = columns.pop(column.name, None)
        if found is None:
            out.append(Disagreement(f"{subject}.{column.name}", "", "a column", "missing"))
            continue
        _compare_column(f"{subject}.{column.name}", column, found, index, out)
    for name in columns:
        out.append(Disagreement(f"{subject}.{name}", "", "no such column", "listed"))
    _compare_dropped_columns(subject, story, table.get("dropped_columns", []), index, out)


def _compare_dropped_columns(
    subject: str,
    story: RelationStory,
    exported: list[dict[str, Any]],
    index: _Index,
    out: list[Disagreement],
) -> None:
    theirs = [
        (
            c["name"],
            index.number(c.get("introduced_by")),
            _drop_of(c["history"], "drop column", index),
        )
        for c in exported
    ]
    # Added and dropped by one migration: no snapshot shows it, so the oracle cannot judge.
    theirs = [t for t in theirs if t[1] is None or t[1] != t[2]]
    for column in story.dropped_columns:
        assert column.dropped is not None
        key = (column.name, column.introduced, column.dropped.migration)
        if key in theirs:
            theirs.remove(key)
            continue
        cascade = " by cascade" if column.dropped.cascade else ""
        out.append(
            Disagreement(
                f"{subject}.{column.name}",
                index.name(column.dropped.migration),
                f"dropped{cascade} (introduced by {index.name(column.introduced)})",
                "no such dropped column",
            )
        )
    for name, intro, dropped in theirs:
        out.append(
            Disagreement(
                f"{subject}.{name}",
                index.name(dropped),
                "no such dropped column",
                f"dropped (introduced by {index.name(intro)})",
            )
        )


def _compare_dropped_relations(
    stories: list[RelationStory],
    exported: list[dict[str, Any]],
    index: _Index,
    out: list[Disagreement],
) -> None:
    theirs = [
        (
            t["schema"],
            t["name"],
            index.number(t.get("introduced_by")),
            _drop_of(t.get("history", []), _RELATION_DROPS, index),
        )
        for t in exported
    ]
    theirs = [t for t in theirs if t[2] is None or t[2] != t[3]]
    for story in stories:
        assert story.dropped is not None
        key = (story.schema, story.name, story.introduced, story.dropped.migration)
        if key in theirs:
            theirs.remove(key)
            continue
        cascade = " by cascade" if story.dropped.cascade else ""
        out.append(
            Disagreement(
                story.qualified,
                index.name(story.dropped.migration),
                f"{_KINDS.get(story.kind, story.kind)} dropped{cascade}"
                f" (introduced by {index.name(story.introduced)})",
                "no such dropped relation",
            )
        )
    for schema, name, intro, dropped in theirs:
        out.append(
            Disagreement(
                f"{schema}.{name}",
                index.name(dropped),
                "no such dropped relation",
                f"dropped (introduced by {index.name(intro)})",
            )
        )


_KINDS = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}
