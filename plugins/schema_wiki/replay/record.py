"""Record, inside the throwaway PostgreSQL, what every migration statement did.

While `apply.apply_migrations` applies the migrations, event triggers in a
private schema (`SCHEMA`) write down what the server itself reports:

* ``ddl_command_end``: every object a command created or altered
  (``pg_event_trigger_ddl_commands()``), the state afterwards of each table,
  view, enum and domain it touched (catalog rows keyed by oid and attnum, so
  renames are exact), and the locks the session holds at that moment (the
  command's locks are still held);
* ``sql_drop``: everything a command dropped, CASCADE victims included
  (``pg_event_trigger_dropped_objects()``: ``original`` is false for them);
* ``table_rewrite``: every table rewritten, and why.

Each record carries the number of the statement it belongs to: before each
statement the applier sends ``SET schema_wiki_witness.stmt = n`` (a utility
statement, nearly free), in the same round trip as the statement, so DDL run
inside ``DO`` blocks and functions is attributed to the statement that ran
it. Statements that change only rows (an ``UPDATE`` backfill) fire no event
trigger: the locks they take are read right after them.

The records are read into a `Witness` of plain frozen dataclasses and the
schema is dropped before anything reads the catalog, so none of it reaches
the wiki. This module is only ever used on the throwaway server: nothing is
installed in a database given by ``database:``.

The dataclasses here import nothing from the rest of the package, so that
`schema_wiki.model` can hold a `Witness` (`Catalog.witness`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..gc_pause import gc_paused
from ..pg_codes import CONSTRAINT_KIND_NAMES, RELKIND_NAMES
from ..row_maker import row_maker

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "SCHEMA",
    "ColumnState",
    "Command",
    "ConstraintState",
    "Dropped",
    "IndexChange",
    "IndexState",
    "LockHeld",
    "MigrationRecord",
    "RelationState",
    "Rewrite",
    "StatementRecord",
    "TypeState",
    "Witness",
    "install",
    "lock_reader",
    "marker",
    "needs_lock_read",
    "read_witness",
    "remove",
]

#: The private schema holding the recorder; removed before the catalog is read.
SCHEMA = "schema_wiki_witness"
_GUC = f"{SCHEMA}.stmt"

# --- what is recorded ------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnState:
    """One column of a relation as ``pg_attribute`` has it at one moment."""

    attnum: int
    name: str
    #: ``format_type``: ``numeric(12,2)``, ``character varying(50)``.
    type: str
    not_null: bool
    default: str | None = None
    comment: str | None = None
    #: 'always' or 'by default' for an identity column.
    identity: str | None = None
    #: The expression of a generated column.
    generated: str | None = None


@dataclass(frozen=True)
class ConstraintState:
    """A table constraint (NOT NULL constraints are `ColumnState.not_null`)."""

    oid: int
    name: str
    #: 'primary key', 'foreign key', 'unique', 'check', 'exclusion', 'trigger'
    kind: str
    validated: bool
    #: ``pg_get_constraintdef``
    definition: str
    #: Attnums of the constrained columns.
    columns: tuple[int, ...] = ()
    #: The referenced table's oid (foreign keys).
    ref_table: int | None = None
    #: The index that enforces it (primary key, unique, exclusion), by oid.
    index: int | None = None
    comment: str | None = None


@dataclass(frozen=True)
class IndexState:
    """An index of a relation."""

    oid: int
    name: str
    unique: bool
    primary: bool
    valid: bool
    #: Attnums of the key columns (0 for an expression).
    columns: tuple[int, ...] = ()
    comment: str | None = None


@dataclass(frozen=True)
class RelationState:
    """A table, partitioned table, view, materialized view or foreign table at one moment.

    ``seq`` orders it among the other records of its statement.
    """

    seq: int
    oid: int
    schema: str
    name: str
    #: 'table', 'partitioned table', 'view', 'materialized view', 'foreign table'
    kind: str
    #: ``relfilenode``: a new one means the table's data was written anew.
    filenode: int
    comment: str | None = None
    columns: tuple[ColumnState, ...] = ()
    constraints: tuple[ConstraintState, ...] = ()
    indexes: tuple[IndexState, ...] = ()
    #: The query of a view or materialized view (``pg_get_viewdef``).
    definition: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, attnum: int) -> ColumnState | None:
        for c in self.columns:
            if c.attnum == attnum:
                return c
        return None


@dataclass(frozen=True)
class TypeState:
    """An enum or a domain at one moment."""

    seq: int
    oid: int
    schema: str
    name: str
    #: 'enum' or 'domain'
    kind: str
    #: An enum's labels in sort order.
    labels: tuple[str, ...] = ()
    #: A domain's base type (``format_type``).
    base_type: str | None = None
    not_null: bool = False
    default: str | None = None
    #: A domain's CHECK constraints (``pg_get_constraintdef``), by name order.
    checks: tuple[str, ...] = ()
    comment: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Command:
    """One row of ``pg_event_trigger_ddl_commands()``: an object a command created or altered."""

    seq: int
    #: ``CREATE TABLE``, ``ALTER TABLE``, ``COMMENT``...
    tag: str
    #: ``table``, ``table column``, ``index``, ``view``, ``type``... (empty for COMMENT:
    #: ``catalog``, ``objid`` and ``objsubid`` say what was commented)
    object_type: str
    schema: str | None
    identity: str
    #: The system catalog the object lives in: ``pg_class``, ``pg_constraint``, ``pg_type``...
    catalog: str
    objid: int
    objsubid: int
    #: For ``COMMENT``: the comment afterwards (None when removed).
    comment: str | None = None


@dataclass(frozen=True)
class Dropped:
    """One row of ``pg_event_trigger_dropped_objects()``."""

    seq: int
    #: Rows of one ``sql_drop`` firing share it (one DROP and what it took with it).
    call: int
    object_type: str
    schema: str | None
    name: str | None
    identity: str
    catalog: str
    objid: int
    objsubid: int
    #: True for what the statement named; False for what went with it.
    original: bool
    #: True when a normal dependency led here: a CASCADE victim, not a part of
    #: the dropped object (its index, its row type).
    normal: bool


@dataclass(frozen=True)
class Rewrite:
    """``table_rewrite``: the table's data is written anew (``reason`` is PostgreSQL's bitmask)."""

    seq: int
    oid: int
    reason: int

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reason bits in words."""
        return tuple(word for bit, word in _REWRITE_REASONS if self.reason & bit) or ("rewrite",)


_REWRITE_REASONS = (
    (1, "persistence change"),
    (2, "default value"),
    (4, "column type or expression"),
    (8, "access method"),
)


@dataclass(frozen=True)
class LockHeld:
    """A lock the applying session held on a table or view (``pg_locks`` of its own backend)."""

    seq: int
    oid: int
    #: ``schema.name`` when it was read; empty when the relation was already gone.
    relation: str
    #: ``AccessExclusiveLock``, ``ShareLock``...
    mode: str


@dataclass(frozen=True)
class IndexChange:
    """An index created or altered by ``CREATE INDEX`` / ``ALTER INDEX``: nothing else of its
    table changed, so the table's state is not recorded again."""

    seq: int
    #: The table's oid.
    table: int
    index: IndexState


@dataclass(frozen=True)
class StatementRecord:
    """What the server reported while one statement ran, in order (``seq``)."""

    #: The statement's index in `Migration.statements`.
    index: int
    commands: tuple[Command, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    rewrites: tuple[Rewrite, ...] = ()
    #: Locks newly held since the statement started (in its transaction).
    locks: tuple[LockHeld, ...] = ()
    #: States, after each command, of the tables and views the command touched.
    relations: tuple[RelationState, ...] = ()
    types: tuple[TypeState, ...] = ()
    indexes: tuple[IndexChange, ...] = ()


@dataclass(frozen=True)
class MigrationRecord:
    """The statements of one migration that the server reported anything for."""

    migration_id: str
    #: Whether the migration ran in one transaction (locks then add up until its end).
    transactional: bool
    statements: tuple[StatementRecord, ...] = ()

    def statement(self, index: int) -> StatementRecord | None:
        for s in self.statements:
            if s.index == index:
                return s
        return None


@dataclass(frozen=True)
class Witness:
    """What the throwaway PostgreSQL saw while the migrations applied.

    ``before`` holds the tables, views and types that existed before the
    first migration (made by ``setup_sql``), so later changes to them have a
    state to compare with.
    """

    migrations: tuple[MigrationRecord, ...] = ()
    before: tuple[RelationState, ...] = ()
    before_types: tuple[TypeState, ...] = ()
    server_version: str = ""
    #: Set when a migration failed and the record stops before it (a replay for a live
    #: database goes on without it): PostgreSQL's message, and where.
    failure: str | None = None
    failure_path: str | None = None
    failure_line: int | None = None

    def migration(self, migration_id: str) -> MigrationRecord | None:
        for m in self.migrations:
            if m.migration_id == migration_id:
                return m
        return None


# --- the recorder, in SQL ----------------------------------------------------------------
#
# Cost shapes every choice here (measured on 1,000 generated tables, 22,778 statements):
#
# * COMMENT is nine statements in ten of a documented schema: it takes the shortest
#   path, one INSERT of what was commented (by oid) and the comment, nothing else
#   (no identity text: that also keeps the witness small).
# * A function's plans are made on its first call, when the catalogs are still small
#   and a sequential scan of pg_constraint or pg_index looks cheapest, and are kept
#   for the session while the catalogs grow with every migration: the functions run
#   with index scans only, and with generic plans (their queries take parameters,
#   and custom plans would be planned anew on most calls).
# * Executor start-up is a third of the cost of a query: small queries, run only
#   when they have something to record (an index creation records the index, not
#   its whole table).
# * Locks are read only after a statement that touched a relation that existed before
#   its transaction (or a foreign key's target): locks on a table nobody else can see
#   yet block no one, and reading pg_locks grows with the locks a transaction holds,
#   so a schema of thousands of tables in one transaction would be quadratic.

_RELKINDS = "('r', 'p', 'v', 'm', 'f')"
# The relations created in the current transaction, space separated: a transaction-
# local setting, gone at COMMIT or ROLLBACK.
_CREATED = f"{SCHEMA}.created"
_CREATING_TAGS = (
    "('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'CREATE VIEW',"
    " 'CREATE MATERIALIZED VIEW', 'CREATE FOREIGN TABLE')"
)
# Commands that lock no table or view: no lock reading after them.
_NO_RELATION_TAGS = (
    "('CREATE FUNCTION', 'CREATE PROCEDURE', 'CREATE TYPE', 'CREATE DOMAIN', 'CREATE SCHEMA',"
    " 'CREATE SEQUENCE', 'CREATE EXTENSION', 'ALTER FUNCTION', 'ALTER PROCEDURE', 'ALTER TYPE',"
    " 'ALTER DOMAIN', 'ALTER SEQUENCE', 'ALTER SCHEMA', 'GRANT', 'REVOKE', 'CREATE ROLE',"
    " 'ALTER DEFAULT PRIVILEGES', 'CREATE COLLATION', 'CREATE OPERATOR', 'CREATE CAST',"
    " 'CREATE AGGREGATE', 'CREATE TEXT SEARCH CONFIGURATION', 'CREATE FOREIGN DATA WRAPPER',"
    " 'CREATE SERVER', 'CREATE USER MAPPING')"
)
#: pg_event_trigger_ddl_commands() object types whose objid is a table or view's oid.
_RELATION_OBJECT_TYPES = (
    "('table', 'view', 'materialized view', 'foreign table', 'table column', 'view column',"
    " 'materialized view column', 'foreign table column')"
)

# Every firing takes one number from this sequence (its ``call``): it orders the
# records of a statement, and ties a relation's rows to one state.
_SEQ = f"{SCHEMA}.seq"

_PLANNING = (
    "SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off"
    " SET enable_mergejoin = off"
    " SET plan_cache_mode = force_generic_plan"
)

_DESCRIPTION = (
    "(SELECT dsc.description FROM pg_catalog.pg_description dsc"
    " WHERE dsc.objoid = {oid} AND dsc.classoid = 'pg_catalog.{catalog}'::pg_catalog.regclass"
    " AND dsc.objsubid = {sub})"
)
_DEFAULT = (
    "(SELECT pg_catalog.pg_get_expr(ad.adbin, {relid}) FROM pg_catalog.pg_attrdef ad"
    " WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum)"
)
_INDEX_ROWS = f"""
  INSERT INTO {SCHEMA}.idx
  SELECT c, i.indrelid, i.indexrelid,
         (SELECT ic.relname FROM pg_catalog.pg_class ic WHERE ic.oid = i.indexrelid),
         i.indisunique, i.indisprimary, i.indisvalid, i.indkey::pg_catalog.int2[], NULL
  FROM pg_catalog.pg_index i"""


def _relation_rows(comments: bool, then: str) -> str:
    """The state of relations ``rels`` as call ``c`` of statement ``s`` (plpgsql variables
    of the function the text is part of); with ``comments``, their comments too. ``then``
    ends the statement: a query over ``state_cons`` (the constraints recorded)."""

    def described(oid: str, catalog: str, sub: str) -> str:
        return _DESCRIPTION.format(oid=oid, catalog=catalog, sub=sub) if comments else "NULL"

    # A default holds no column reference: deparsed without its table (no relation to
    # open, no column names to set up); a generated column's expression needs it. Looked
    # up only for the columns that have one (a join would probe for every column).
    return f"""
    WITH state_rels AS (
      INSERT INTO {SCHEMA}.rels
      SELECT c, s, x.oid, n.nspname, x.relname, x.relkind, x.relfilenode,
             {described("x.oid", "pg_class", "0")},
             CASE WHEN x.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(x.oid) END
      FROM pg_catalog.pg_class x
      JOIN pg_catalog.pg_namespace n ON n.oid = x.relnamespace
      WHERE x.oid = ANY(rels) AND x.relkind IN {_RELKINDS}
    ), state_attrs AS (
      INSERT INTO {SCHEMA}.attrs
      SELECT c, a.attrelid, a.attnum, a.attname,
             pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
             CASE WHEN a.atthasdef AND a.attgenerated = '' THEN {_DEFAULT.format(relid="0")} END,
             {described("a.attrelid", "pg_class", "a.attnum")},
             CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
             CASE WHEN a.atthasdef AND a.attgenerated <> '' THEN
               {_DEFAULT.format(relid="ad.adrelid")} END
      FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = ANY(rels) AND a.attnum > 0 AND NOT a.attisdropped
    ), state_cons AS (
      INSERT INTO {SCHEMA}.cons
      SELECT c, x.conrelid, x.oid, x.conname, x.contype, x.convalidated,
             CASE WHEN x.contype = 'c' THEN pg_catalog.pg_get_constraintdef(x.oid) END,
             x.conkey, x.confrelid, x.conindid,
             {described("x.oid", "pg_constraint", "0")}
      FROM pg_catalog.pg_constraint x
      WHERE x.conrelid = ANY(rels) AND x.contype <> 'n'
      RETURNING contype, confrelid
    ), state_idx AS (
      {_INDEX_ROWS.strip()}
      WHERE i.indrelid = ANY(rels)
    )
    {then};"""


_TYPE_ROWS = f"""
    INSERT INTO {SCHEMA}.types
    SELECT c, s, t.oid, n.nspname, t.typname, t.typtype,
           CASE WHEN t.typtype = 'e' THEN
             ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                   WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END,
           CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
           t.typnotnull, t.typdefault,
           ARRAY(SELECT pg_catalog.pg_get_constraintdef(x.oid) FROM pg_catalog.pg_constraint x
                 WHERE x.contypid = t.oid AND x.contype = 'c' ORDER BY x.conname),
           {_DESCRIPTION.format(oid="t.oid", catalog="pg_type", sub="0")}
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE t.oid = ANY(typs) AND t.typtype IN ('e', 'd');"""

# Only for what exists before the first migration: with the comments (later ones come
# from the COMMENT commands).
_SNAPSHOT = f"""
CREATE FUNCTION {SCHEMA}.snapshot(rels oid[], typs oid[]) RETURNS void
LANGUAGE plpgsql {_PLANNING} AS
$body$
DECLARE
  c bigint := 0;
  s int := NULL;
  n bigint;
BEGIN
  {_relation_rows(comments=True, then="SELECT pg_catalog.count(*) INTO n FROM state_cons").strip()}
  {_TYPE_ROWS.strip()}
END
$body$;
"""

# Locks the session holds on tables and views (or on relations already dropped),
# except on relations created in the same transaction (they block no one: nobody
# else can see them yet) and on the recorder's own (``{ours}``, filled in at install).
# Catalogs are below 16384. A lock read again later in its transaction is left out by
# `read_witness`.
_READ_LOCKS = f"""
  INSERT INTO {SCHEMA}.locks
  SELECT c, s, pg_catalog.txid_current(), l.relation, l.mode
  FROM pg_catalog.pg_locks l
  WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted
    AND l.relation >= 16384 AND l.relation <> ALL({{ours}})
    AND pg_catalog.strpos(
          ' ' || COALESCE(pg_catalog.current_setting('{_CREATED}', true), '') || ' ',
          ' ' || l.relation::text || ' ') = 0
    AND COALESCE((SELECT x.relkind FROM pg_catalog.pg_class x WHERE x.oid = l.relation)
                 IN {_RELKINDS}, true)"""

_INSTALL = f"""
CREATE SCHEMA {SCHEMA};
CREATE SEQUENCE {_SEQ} CACHE 1000;
CREATE UNLOGGED TABLE {SCHEMA}.commands (
  call bigint, ord bigint, stmt int, tag text, object_type text, schema_name text,
  identity text, catalog text, objid oid, objsubid int, comment text);
CREATE UNLOGGED TABLE {SCHEMA}.drops (
  call bigint, ord bigint, stmt int, object_type text, schema_name text, object_name text,
  identity text, catalog text, objid oid, objsubid int, original boolean, normal boolean);
CREATE UNLOGGED TABLE {SCHEMA}.rewrites (call bigint, stmt int, relid oid, reason int);
CREATE UNLOGGED TABLE {SCHEMA}.locks (call bigint, stmt int, xact bigint, relid oid, mode text);
CREATE UNLOGGED TABLE {SCHEMA}.rels (
  call bigint, stmt int, oid oid, nspname text, relname text, relkind text, filenode oid,
  comment text, definition text);
CREATE UNLOGGED TABLE {SCHEMA}.attrs (
  call bigint, relid oid, attnum int, attname text, type text, isnotnull boolean,
  def text, comment text, identity text, generated text);
CREATE UNLOGGED TABLE {SCHEMA}.cons (
  call bigint, relid oid, oid oid, conname text, contype text, validated boolean,
  def text, conkey int2[], confrelid oid, conindid oid, comment text);
CREATE UNLOGGED TABLE {SCHEMA}.idx (
  call bigint, relid oid, oid oid, name text, isunique boolean, isprimary boolean,
  isvalid boolean, indkey int2[], comment text);
CREATE UNLOGGED TABLE {SCHEMA}.types (
  call bigint, stmt int, oid oid, nspname text, typname text, typtype text, labels text[],
  base text, isnotnull boolean, def text, checks text[], comment text);
-- A migration may SET ROLE to a role of its own: the triggers then run as that role.
GRANT USAGE ON SCHEMA {SCHEMA} TO PUBLIC;
GRANT INSERT ON ALL TABLES IN SCHEMA {SCHEMA} TO PUBLIC;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO PUBLIC;

CREATE FUNCTION {SCHEMA}.stmt() RETURNS int LANGUAGE sql STABLE AS
$$ SELECT NULLIF(pg_catalog.current_setting('{_GUC}', true), '')::int $$;
"""

# The recorder's own relations, for `_READ_LOCKS`.
_OURS = f"""
SELECT 'ARRAY[' || pg_catalog.string_agg(c.oid::text, ',') || ']::pg_catalog.oid[]'
FROM pg_catalog.pg_class c WHERE c.relnamespace = '{SCHEMA}'::pg_catalog.regnamespace
"""

# After a snapshot in on_change: whether a foreign key recorded points at a relation that
# existed before the transaction (its lock is to be read).
_FOREIGN_KEYS_UNKNOWN = """
    SELECT locks OR EXISTS (
             SELECT 1 FROM state_cons k
             WHERE k.contype = 'f'
               AND pg_catalog.strpos(known, ' ' || k.confrelid::text || ' ') = 0)
    INTO locks"""

_FUNCTIONS = f"""
CREATE FUNCTION {SCHEMA}.read_locks() RETURNS void LANGUAGE plpgsql {_PLANNING} AS
$body$
DECLARE
  c bigint := pg_catalog.nextval('{_SEQ}');
  s int := {SCHEMA}.stmt();
BEGIN
  {_READ_LOCKS};
END
$body$;

-- The trigger function itself has no settings (entering a function with settings
-- costs): COMMENT is recorded here, anything else by on_change.
CREATE FUNCTION {SCHEMA}.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS
$body$
BEGIN
  IF TG_TAG = 'COMMENT' THEN
    INSERT INTO {SCHEMA}.commands
    SELECT k.c, d.ordinality, k.s, d.command_tag, NULL, NULL, NULL,
           d.classid::pg_catalog.regclass::text, d.objid, d.objsubid,
           (SELECT dsc.description FROM pg_catalog.pg_description dsc
            WHERE dsc.objoid = d.objid AND dsc.classoid = d.classid
              AND dsc.objsubid = d.objsubid)
    FROM (SELECT pg_catalog.nextval('{_SEQ}') AS c, {SCHEMA}.stmt() AS s) k
    CROSS JOIN pg_catalog.pg_event_trigger_ddl_commands() WITH ORDINALITY AS d
    WHERE NOT d.in_extension;
  ELSE
    PERFORM {SCHEMA}.on_change(TG_TAG);
  END IF;
END
$body$;

CREATE FUNCTION {SCHEMA}.on_change(fired text) RETURNS void LANGUAGE plpgsql {_PLANNING} AS
$body$
DECLARE
  c bigint := pg_catalog.nextval('{_SEQ}');
  s int := {SCHEMA}.stmt();
  r record;
  indexes oid[];
  constraints oid[];
  typs oid[];
  rels oid[];
  created text;
  known text;
  o oid;
  locks boolean;
BEGIN
  -- What the command names says which tables to record, without a catalog lookup:
  -- a relation or one of its columns by its own oid, an index or constraint by its
  -- table's. Sorted out row by row here: plpgsql's simple expressions cost less than
  -- the aggregates and subqueries a single statement would need.
  FOR r IN
    INSERT INTO {SCHEMA}.commands
    SELECT c, d.ordinality, s, d.command_tag, d.object_type, d.schema_name, d.object_identity,
           d.classid::pg_catalog.regclass::text, d.objid, d.objsubid, NULL
    FROM pg_catalog.pg_event_trigger_ddl_commands() WITH ORDINALITY AS d
    WHERE NOT d.in_extension
    RETURNING catalog, objid, object_type, tag
  LOOP
    IF r.catalog = 'pg_class' THEN
      IF r.object_type IN {_RELATION_OBJECT_TYPES} THEN
        rels := rels || r.objid;
        IF r.tag IN {_CREATING_TAGS} THEN
          created := pg_catalog.concat_ws(' ', created, r.objid);
        END IF;
      ELSIF r.object_type = 'index' THEN
        indexes := indexes || r.objid;
      END IF;
    ELSIF r.catalog = 'pg_constraint' THEN
      constraints := constraints || r.objid;
    ELSIF r.catalog = 'pg_type' THEN
      typs := typs || r.objid;
    END IF;
  END LOOP;
  IF created IS NOT NULL THEN
    PERFORM pg_catalog.set_config('{_CREATED}',
      COALESCE(pg_catalog.current_setting('{_CREATED}', true), '') || ' ' || created, true);
  END IF;
  -- Locks on relations created in this transaction block no one: a statement that
  -- touched only such relations (and whose foreign keys point only at such) reads
  -- none. That keeps a schema of thousands of tables in one transaction linear.
  locks := rels IS NULL AND indexes IS NULL AND constraints IS NULL
           AND fired NOT IN {_NO_RELATION_TAGS};
  IF constraints IS NOT NULL THEN
    rels := COALESCE(rels, '{{}}') || ARRAY(
      SELECT x.conrelid FROM pg_catalog.pg_constraint x
      WHERE x.oid = ANY(constraints) AND x.conrelid <> 0);
    typs := COALESCE(typs, '{{}}') || ARRAY(
      SELECT x.contypid FROM pg_catalog.pg_constraint x
      WHERE x.oid = ANY(constraints) AND x.contypid <> 0);
  END IF;
  IF fired IN ('CREATE INDEX', 'ALTER INDEX') THEN
    -- Nothing else of the table changed: the index alone. An index locks no foreign
    -- key's target.
    WITH ins AS (
      {_INDEX_ROWS.strip()}
      WHERE i.indexrelid = ANY(indexes)
      RETURNING relid
    )
    SELECT COALESCE(rels, '{{}}') || pg_catalog.array_agg(ins.relid) INTO rels FROM ins;
  ELSE
    IF indexes IS NOT NULL THEN
      rels := COALESCE(rels, '{{}}') || ARRAY(
        SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = ANY(indexes));
    END IF;
    IF pg_catalog.cardinality(rels) > 0 THEN
      known := ' ' || COALESCE(pg_catalog.current_setting('{_CREATED}', true), '') || ' ';
      {_relation_rows(comments=False, then=_FOREIGN_KEYS_UNKNOWN).strip()}
    END IF;
  END IF;
  IF pg_catalog.cardinality(typs) > 0 THEN
    {_TYPE_ROWS.strip()}
  END IF;
  IF NOT locks AND rels IS NOT NULL THEN
    known := ' ' || COALESCE(pg_catalog.current_setting('{_CREATED}', true), '') || ' ';
    FOREACH o IN ARRAY rels LOOP
      IF pg_catalog.strpos(known, ' ' || o::text || ' ') = 0 THEN
        locks := true;
        EXIT;
      END IF;
    END LOOP;
  END IF;
  IF locks THEN
    {_READ_LOCKS};
  END IF;
END
$body$;

CREATE FUNCTION {SCHEMA}.on_drop() RETURNS event_trigger LANGUAGE plpgsql {_PLANNING} AS
$body$
DECLARE
  c bigint := pg_catalog.nextval('{_SEQ}');
  s int := {SCHEMA}.stmt();
BEGIN
  INSERT INTO {SCHEMA}.drops
  SELECT c, o.ordinality, s, o.object_type, o.schema_name, o.object_name,
         o.object_identity, o.classid::pg_catalog.regclass::text, o.objid, o.objsubid,
         o.original, o.normal
  FROM pg_catalog.pg_event_trigger_dropped_objects() WITH ORDINALITY AS o
  WHERE NOT o.is_temporary
    AND o.object_type IN ('table', 'view', 'materialized view', 'foreign table', 'table column',
                          'index', 'table constraint', 'type', 'domain constraint');
  {_READ_LOCKS};
END
$body$;

CREATE FUNCTION {SCHEMA}.on_rewrite() RETURNS event_trigger LANGUAGE plpgsql AS
$body$
BEGIN
  INSERT INTO {SCHEMA}.rewrites
  VALUES (pg_catalog.nextval('{_SEQ}'), {SCHEMA}.stmt(),
          pg_catalog.pg_event_trigger_table_rewrite_oid(),
          pg_catalog.pg_event_trigger_table_rewrite_reason());
END
$body$;
"""

_TRIGGERS = f"""
CREATE EVENT TRIGGER {SCHEMA}_ddl ON ddl_command_end EXECUTE FUNCTION {SCHEMA}.on_ddl();
CREATE EVENT TRIGGER {SCHEMA}_drop ON sql_drop EXECUTE FUNCTION {SCHEMA}.on_drop();
CREATE EVENT TRIGGER {SCHEMA}_rewrite ON table_rewrite EXECUTE FUNCTION {SCHEMA}.on_rewrite();
ALTER EVENT TRIGGER {SCHEMA}_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER {SCHEMA}_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER {SCHEMA}_rewrite ENABLE ALWAYS;
"""

# What exists before the first migration (setup_sql's tables and types), as call 0, with
# the comments (later ones come from the COMMENT commands).
_BEFORE = f"""
SELECT {SCHEMA}.snapshot(
  ARRAY(SELECT c.oid FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN {_RELKINDS} AND n.nspname NOT LIKE 'pg\\_%'
          AND n.nspname NOT IN ('information_schema', '{SCHEMA}')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                          WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                            AND e.objid = c.oid AND e.deptype = 'e')),
  ARRAY(SELECT t.oid FROM pg_catalog.pg_type t
        JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype IN ('e', 'd') AND n.nspname NOT LIKE 'pg\\_%'
          AND n.nspname NOT IN ('information_schema', '{SCHEMA}')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                          WHERE e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                            AND e.objid = t.oid AND e.deptype = 'e')))
"""

_REMOVE = f"""
DROP EVENT TRIGGER IF EXISTS {SCHEMA}_ddl;
DROP EVENT TRIGGER IF EXISTS {SCHEMA}_drop;
DROP EVENT TRIGGER IF EXISTS {SCHEMA}_rewrite;
DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
"""

# A constraint trigger is recorded too (the catalog reader leaves it out).
_CONSTRAINT_KINDS = {**CONSTRAINT_KIND_NAMES, "t": "trigger"}

# Statements that start with one of these words fire ddl_command_end (which reads
# the locks) or take no lock worth knowing; after any other (UPDATE, INSERT, DO,
# LOCK, TRUNCATE, SELECT...) the applier reads the locks explicitly.
_DDL_START = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*"
    r"(?:CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|SET|RESET|SECURITY|REFRESH|BEGIN|START|COMMIT"
    r"|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|IMPORT)\b",
    re.IGNORECASE | re.DOTALL,
)


def install(conn: psycopg.Connection[Any]) -> None:
    """Create the recorder in the database of ``conn`` and record what exists already.

    Only for the throwaway server: event triggers need a superuser.
    """
    conn.execute(_INSTALL.encode())
    conn.execute(_SNAPSHOT.encode())
    row = conn.execute(_OURS.encode()).fetchone()
    ours = row[0] if row and row[0] else "'{}'::pg_catalog.oid[]"
    conn.execute(_FUNCTIONS.replace("{ours}", ours).encode())
    conn.execute(_BEFORE.encode())
    conn.execute(_TRIGGERS.encode())


def remove(conn: psycopg.Connection[Any]) -> None:
    """Drop the event triggers and the recorder's schema."""
    conn.execute(_REMOVE.encode())


def marker(number: int) -> str:
    """The statement that tags what follows as statement ``number`` (no round trip of its own)."""
    return f"SET {_GUC} = {int(number)}"


def needs_lock_read(sql: str) -> bool:
    """Whether the statement may take locks no event trigger sees (UPDATE, LOCK, DO...)."""
    return _DDL_START.match(sql) is None


def lock_reader(number: int) -> str:
    """The statement that records the locks held after statement ``number``."""
    return f"SELECT {SCHEMA}.read_locks()"


@dataclass(frozen=True)
class Planned:
    """One migration as the applier numbers it: statement ``i`` is number ``first + i``."""

    migration_id: str
    transactional: bool
    first: int
    count: int


_QUERIES = {
    "commands": "SELECT stmt, call, tag, COALESCE(object_type, ''), schema_name,"
    " COALESCE(identity, ''), catalog, objid, objsubid, comment FROM {s}.commands"
    " ORDER BY call, ord",
    "drops": "SELECT call, ord, stmt, object_type, schema_name, object_name, identity, catalog,"
    " objid, objsubid, original, normal FROM {s}.drops ORDER BY call, ord",
    "rewrites": "SELECT call, stmt, relid, reason FROM {s}.rewrites ORDER BY call",
    "locks": "SELECT call, stmt, xact, relid, mode FROM {s}.locks ORDER BY call",
    "rels": "SELECT call, stmt, oid, nspname, relname, relkind, filenode, comment, definition"
    " FROM {s}.rels ORDER BY call, oid",
    "attrs": "SELECT call, relid, attnum, attname, type, isnotnull, def, comment, identity,"
    " generated FROM {s}.attrs ORDER BY call, relid, attnum",
    "cons": "SELECT call, relid, oid, conname, contype, validated, def, conkey, confrelid,"
    " conindid, comment FROM {s}.cons ORDER BY call, relid, oid",
    "idx": "SELECT call, relid, oid, name, isunique, isprimary, isvalid, indkey, comment"
    " FROM {s}.idx ORDER BY call, relid, oid",
    "types": "SELECT call, stmt, oid, nspname, typname, typtype, labels, base, isnotnull, def,"
    " checks, comment FROM {s}.types ORDER BY call, oid",
}


def read_witness(conn: psycopg.Connection[Any], plan: list[Planned]) -> Witness:
    """Everything recorded so far, grouped by migration and statement."""
    # Tens of thousands of small objects: the collector would walk them over and over.
    with gc_paused():
        return _read_witness(conn, plan)


def _read_witness(conn: psycopg.Connection[Any], plan: list[Planned]) -> Witness:
    rows = {
        name: conn.execute(query.format(s=SCHEMA).encode()).fetchall()
        for name, query in _QUERIES.items()
    }
    by_stmt: dict[int | None, dict[str, list[Any]]] = {}

    def bucket(stmt: int | None, kind: str) -> list[Any]:
        return by_stmt.setdefault(stmt, {}).setdefault(kind, [])

    command = row_maker(Command)
    column = row_maker(ColumnState)
    for r in rows["commands"]:
        bucket(r[0], "commands").append(command(r[1:]))
    for r in rows["drops"]:
        bucket(r[2], "dropped").append(
            Dropped(
                r[0], r[0], r[3] or "", r[4], r[5], r[6] or "", r[7] or "", r[8], r[9],
                bool(r[10]), bool(r[11]),
            )
        )  # fmt: skip
    for r in rows["rewrites"]:
        bucket(r[1], "rewrites").append(Rewrite(r[0], r[2], r[3] or 0))

    parts: dict[tuple[int, int], dict[str, list[Any]]] = {}
    for r in rows["attrs"]:
        parts.setdefault((r[0], r[1]), {}).setdefault("attrs", []).append(column(r[2:]))
    for name in ("cons", "idx"):
        for r in rows[name]:
            parts.setdefault((r[0], r[1]), {}).setdefault(name, []).append(r)
    states: dict[tuple[int, int], RelationState] = {}
    for r in rows["rels"]:
        state = _relation(r, parts.pop((r[0], r[2]), {}))
        states[(r[0], r[2])] = state
        bucket(r[1], "relations").append(state)
    # Index rows with no state of their table: CREATE INDEX and ALTER INDEX record the
    # index alone. Their statement is the one of the locks or commands of that call.
    stmt_of_call = {r[1]: r[0] for r in rows["commands"]}
    for (call, relid), found in parts.items():
        for i in found.get("idx", ()):
            bucket(stmt_of_call.get(call), "indexes").append(IndexChange(call, relid, _index(i)))
    for r in rows["types"]:
        bucket(r[1], "types").append(_type(r))

    # Locks name their relation as it was called then; only tables and views count.
    names: dict[int, str] = {}
    pending = sorted(
        [(call, 0, state) for (call, _oid), state in states.items()]
        + [(r[0], 1, r) for r in rows["locks"]],
        key=lambda item: (item[0], item[1]),
    )
    seen: set[tuple[int, int, str]] = set()
    for _call, kind, item in pending:
        if kind == 0:
            names[item.oid] = item.qualified
            continue
        call, stmt, xact, relid, mode = item
        # A lock read again later in its transaction is the same lock: its first reading counts.
        if relid not in names or (xact, relid, mode) in seen:
            continue
        seen.add((xact, relid, mode))
        bucket(stmt, "locks").append(LockHeld(call, relid, names[relid], mode))

    before = by_stmt.pop(None, {})
    records: list[MigrationRecord] = []
    record = row_maker(StatementRecord)
    kinds = ("commands", "dropped", "rewrites", "locks", "relations", "types", "indexes")
    for p in plan:
        statements: list[StatementRecord] = []
        for i in range(p.count):
            got = by_stmt.get(p.first + i)
            if got:
                statements.append(record((i, *(tuple(got.get(k, ())) for k in kinds))))
        records.append(MigrationRecord(p.migration_id, p.transactional, tuple(statements)))
    version = conn.info.parameter_status("server_version") or ""
    return Witness(
        migrations=tuple(records),
        before=tuple(before.get("relations", ())),
        before_types=tuple(before.get("types", ())),
        server_version=version,
    )


def _index(i: tuple[Any, ...]) -> IndexState:
    return IndexState(
        oid=i[2],
        name=i[3],
        unique=bool(i[4]),
        primary=bool(i[5]),
        valid=bool(i[6]),
        columns=tuple(i[7] or ()),
        comment=i[8],
    )


def _relation(r: tuple[Any, ...], parts: dict[str, list[Any]]) -> RelationState:
    call, _stmt, oid, schema, name, relkind, filenode, comment, definition = r
    return RelationState(
        seq=call,
        oid=oid,
        schema=schema,
        name=name,
        kind=RELKIND_NAMES.get(relkind, relkind),
        filenode=int(filenode),
        comment=comment,
        columns=tuple(parts.get("attrs", ())),
        constraints=tuple(
            ConstraintState(
                oid=k[2],
                name=k[3],
                kind=_CONSTRAINT_KINDS.get(k[4], k[4]),
                validated=bool(k[5]),
                definition=k[6] or "",
                columns=tuple(k[7] or ()),
                ref_table=k[8] or None,
                index=k[9] or None,
                comment=k[10],
            )
            for k in parts.get("cons", ())
        ),
        indexes=tuple(_index(i) for i in parts.get("idx", ())),
        definition=definition,
    )


def _type(r: tuple[Any, ...]) -> TypeState:
    call, _stmt, oid, schema, name, typtype, labels, base, not_null, default, checks, comment = r
    return TypeState(
        seq=call,
        oid=oid,
        schema=schema,
        name=name,
        kind="enum" if typtype == "e" else "domain",
        labels=tuple(labels or ()),
        base_type=base,
        not_null=bool(not_null),
        default=default,
        checks=tuple(checks or ()),
        comment=comment,
    )
