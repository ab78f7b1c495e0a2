"""The schema wiki's domain model: plain, typed data with no MkDocs import.

Sources produce `Migration`, `Adr` and `Catalog` values; `join.wiki.build_wiki`
joins them into a `Wiki` of `Table` and `Column` entries with their history
and cross-links; checks turn a `Wiki` into `Finding` values; rendering turns
all of it into pages. Paths are POSIX strings relative to the project root
(the directory holding ``mkdocs.yml``).

Every value is a frozen dataclass of plain data (strings, numbers, dates,
enums, tuples, mappings): a stage never changes what an earlier one made, it
returns new values, and the cache can store them in a data-only format.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from enum import StrEnum

# The replay's records are plain frozen dataclasses of their own module, which
# imports nothing of the package: no cycle.
from .replay.record import Witness


@dataclass(frozen=True, order=True)
class Location:
    """A place in a project file: ``path`` relative to the project root, 1-based ``line``."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class Level(StrEnum):
    """How serious a finding is. Errors fail every build; warnings fail ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Finding:
    """One problem a check found.

    ``target`` names what the finding is about: ``schema.table.column``,
    ``schema.table``, a migration id or an ADR id.
    """

    rule: str
    level: Level
    target: str
    message: str
    location: Location | None = None

    def format(self) -> str:
        """The one-line form used by ``schema-wiki check`` and the build log."""
        where = str(self.location) if self.location else self.target
        return printable(f"{where}: {self.level.value} {self.rule}: {self.message}")


# C0 and C1 controls and DEL. A table name or a comment can hold any of them: written
# to a terminal or a CI log as they are, ESC sequences would drive the terminal and a
# line break would forge another line of the report.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` on one line with every control character shown as ``\\xNN``."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# --- migrations ------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderField:
    """One ``Key: value`` field of a migration's header comment.

    ``value`` keeps line breaks of multi-line fields (Context); ``items`` holds
    the entries of list fields (``- item`` lines, or comma separated values).
    """

    key: str
    value: str
    line: int
    items: tuple[str, ...] = ()
    #: ``Date`` and a plain ``Can drop after``: the date the value states, in any
    #: form `sources.headers.read_date` reads (None when it states none).
    date: dt.date | None = None


@dataclass(frozen=True)
class MigrationHeader:
    """The parsed header comment, fields keyed by their lower-case name."""

    fields: dict[str, HeaderField] = field(default_factory=dict)

    def get(self, key: str) -> HeaderField | None:
        return self.fields.get(key.lower())

    def text(self, key: str) -> str | None:
        f = self.get(key)
        return f.value if f and f.value else None

    def items(self, key: str) -> tuple[str, ...]:
        f = self.get(key)
        return f.items if f else ()


class Action(StrEnum):
    """What one statement did to one table or column."""

    CREATE_TABLE = "create table"
    DROP_TABLE = "drop table"
    RENAME_TABLE = "rename table"
    COMMENT_TABLE = "comment table"
    ADD_COLUMN = "add column"
    DROP_COLUMN = "drop column"
    RENAME_COLUMN = "rename column"
    ALTER_TYPE = "alter type"
    SET_NOT_NULL = "set not null"
    DROP_NOT_NULL = "drop not null"
    SET_DEFAULT = "set default"
    DROP_DEFAULT = "drop default"
    COMMENT_COLUMN = "comment column"
    CREATE_INDEX = "create index"
    DROP_INDEX = "drop index"
    ADD_CONSTRAINT = "add constraint"
    DROP_CONSTRAINT = "drop constraint"
    # What only the replay's witness reports (`schema_wiki.replay.record`).
    CREATE_VIEW = "create view"
    REPLACE_VIEW = "replace view"
    DROP_VIEW = "drop view"
    CREATE_MATERIALIZED_VIEW = "create materialized view"
    DROP_MATERIALIZED_VIEW = "drop materialized view"
    CREATE_FOREIGN_TABLE = "create foreign table"
    DROP_FOREIGN_TABLE = "drop foreign table"
    #: ``ALTER ... SET SCHEMA``: ``old_name`` and ``new_name`` are the schemas.
    SET_SCHEMA = "set schema"
    RENAME_INDEX = "rename index"
    RENAME_CONSTRAINT = "rename constraint"
    VALIDATE_CONSTRAINT = "validate constraint"
    ADD_IDENTITY = "add identity"
    DROP_IDENTITY = "drop identity"
    SET_EXPRESSION = "set expression"
    CREATE_TYPE = "create type"
    DROP_TYPE = "drop type"
    RENAME_TYPE = "rename type"
    COMMENT_TYPE = "comment type"
    ADD_VALUE = "add value"
    RENAME_VALUE = "rename value"
    ALTER_DOMAIN = "alter domain"


@dataclass(frozen=True)
class Change:
    """One effect of a statement on the schema.

    For renames ``new_name`` is the new table or column name. ``detail``
    carries the type (add column, alter type), the default, the comment text
    (``None`` for ``IS NULL``) or the index or constraint name.
    """

    action: Action
    schema: str
    table: str
    column: str | None = None
    new_name: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a migration file, with where it starts."""

    sql: str
    location: Location
    changes: tuple[Change, ...] = ()
    #: False when PostgreSQL refuses to run it in a transaction block.
    transactional: bool = True
    #: Set when sqlglot could not understand the statement; it is kept verbatim.
    parse_error: str | None = None


@dataclass(frozen=True)
class MigrationFile:
    """One SQL file belonging to a migration (a directory migration has several)."""

    path: str
    sql: str


@dataclass(frozen=True)
class MigrationStep:
    """One SQL file of a migration made of several (a directory of numbered files).

    ``header`` holds the file's own fields, with the migration's filled in
    where the step says nothing; ``date`` is the step's ``Date``, else the
    migration's date.
    """

    #: 1-based position in the migration.
    number: int
    path: str
    header: MigrationHeader
    date: dt.date | None = None
    #: Header keys (lower case) the file states itself rather than inherits.
    own: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The step's ``Migration`` field, else its file name in words."""
        if "migration" in self.own:
            text = self.header.text("migration")
            if text:
                return text
        stem = self.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        words = stem.lstrip("0123456789").lstrip("_-") or stem
        return words.replace("_", " ").replace("-", " ")


@dataclass(frozen=True)
class Migration:
    """A migration: one file, or a directory of numbered SQL files plus documents."""

    id: str
    version: str
    name: str
    path: str
    header: MigrationHeader
    files: tuple[MigrationFile, ...]
    statements: tuple[Statement, ...]
    #: README / PLAN / ROLLBACK documents of a directory migration: name -> markdown.
    documents: dict[str, str] = field(default_factory=dict)
    #: False when the tool marks it non-transactional or a statement requires it.
    transactional: bool = True
    #: Each SQL file of a migration made of several, with its own header; empty
    #: for a migration of one file.
    steps: tuple[MigrationStep, ...] = ()

    @property
    def title(self) -> str:
        return self.header.text("migration") or self.name.replace("_", " ")

    @property
    def date(self) -> dt.date | None:
        field = self.header.get("date")
        stated = field.date if field is not None else None
        return stated or parse_date(self.header.text("date")) or version_date(self.version)

    def step_for(self, path: str) -> MigrationStep | None:
        """The step whose file is ``path`` (a `Statement`'s ``location.path``), or None."""
        for step in self.steps:
            if step.path == path:
                return step
        return None

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for s in self.statements for c in s.changes)


# --- ADRs --------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaRef:
    """A reference from an ADR to a table (``column`` None) or a column."""

    schema: str | None
    table: str
    column: str | None
    location: Location
    #: True when the ADR names it on purpose (front matter, a link to the table page):
    #: unresolved, it is a dangling reference. A backticked mention only counts when
    #: its table is known, since ``config.yml`` in backticks is just code.
    explicit: bool = False

    @property
    def text(self) -> str:
        parts = [p for p in (self.schema, self.table, self.column) if p]
        return ".".join(parts)


class RelationKind(StrEnum):
    """How one ADR relates to another. Each kind has an inverse (`inverse`)."""

    SUPERSEDES = "supersedes"
    SUPERSEDED_BY = "superseded by"
    AMENDS = "amends"
    AMENDED_BY = "amended by"
    RELATES_TO = "relates to"

    @property
    def inverse(self) -> RelationKind:
        """The same relation seen from the other ADR."""
        return _INVERSE_RELATION[self]


_INVERSE_RELATION = {
    RelationKind.SUPERSEDES: RelationKind.SUPERSEDED_BY,
    RelationKind.SUPERSEDED_BY: RelationKind.SUPERSEDES,
    RelationKind.AMENDS: RelationKind.AMENDED_BY,
    RelationKind.AMENDED_BY: RelationKind.AMENDS,
    RelationKind.RELATES_TO: RelationKind.RELATES_TO,
}


@dataclass(frozen=True)
class AdrRelation:
    """A relation between two ADRs.

    As read from a file, ``target`` is the text naming the other ADR
    (``0012``, ``ADR-012``, ``0003-use-x.md``) and ``adr_id`` is None. After
    the join, ``adr_id`` is the other ADR's id, and relations stated only on
    the other side appear too, with ``stated`` False and the other file's
    location.
    """

    kind: RelationKind
    target: str
    location: Location
    adr_id: str | None = None
    stated: bool = True


@dataclass(frozen=True)
class Adr:
    """An Architecture Decision Record."""

    id: str
    number: int | None
    title: str
    status: str
    date: dt.date | None
    path: str
    body: str
    #: Line in the file where ``body`` starts (front matter excluded).
    body_line: int = 1
    refs: tuple[SchemaRef, ...] = ()
    #: Migration ids or directory names the ADR names.
    migrations: tuple[str, ...] = ()
    meta: dict[str, object] = field(default_factory=dict)
    #: Relations to other ADRs: as written in the file, or (after the join) both sides.
    relations: tuple[AdrRelation, ...] = ()
    #: The status the file states, when the join changed ``status`` (an ADR another
    #: accepted ADR supersedes is shown as superseded whatever its file says).
    stated_status: str | None = None
    #: MADR ``decision-makers`` (or the older ``deciders``), ``consulted``, ``informed``.
    decision_makers: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()
    #: log4brains / front matter ``tags``.
    tags: tuple[str, ...] = ()
    #: Which layout the file was written in: ``madr`` (front matter), ``bullets``
    #: (MADR 2, log4brains), ``nygard`` (adr-tools) or ``plain``.
    format: str = "plain"
    #: Set when the file could not be read at all; the page then shows only the error.
    error: str | None = None


# --- catalog -------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogColumn:
    """A column as the database has it; ``type`` is PostgreSQL's ``format_type``."""

    name: str
    type: str
    nullable: bool
    default: str | None
    comment: str | None
    #: ``pg_attribute.attnum``: 1-based, gaps where columns were dropped.
    position: int
    #: 'always' or 'by default' for identity columns.
    identity: str | None = None
    #: The expression of a generated column (``default`` is then None).
    generated: str | None = None
    #: 'stored' or 'virtual' for generated columns.
    generated_kind: str | None = None
    #: A collation other than the type's default.
    collation: str | None = None


@dataclass(frozen=True)
class CatalogConstraint:
    """A table constraint. NOT NULL is on `CatalogColumn.nullable`, not here."""

    name: str
    #: 'primary key', 'foreign key', 'unique', 'check' or 'exclusion'
    kind: str
    #: ``pg_get_constraintdef``: ``FOREIGN KEY (user_id) REFERENCES users(id)``
    definition: str
    columns: tuple[str, ...] = ()
    ref_schema: str | None = None
    ref_table: str | None = None
    ref_columns: tuple[str, ...] = ()
    #: False for a constraint added ``NOT VALID`` and not validated since.
    validated: bool = True
    #: False for ``NOT ENFORCED`` (PostgreSQL 18).
    enforced: bool = True
    deferrable: bool = False
    initially_deferred: bool = False
    comment: str | None = None

    @property
    def not_valid(self) -> bool:
        return not self.validated


@dataclass(frozen=True)
class CatalogIndex:
    """An index, with the SQL that creates it."""

    name: str
    #: ``pg_get_indexdef``: ``CREATE UNIQUE INDEX ... USING btree (email)``
    definition: str
    #: Key columns; an expression key appears as its text.
    columns: tuple[str, ...] = ()
    unique: bool = False
    primary: bool = False
    #: The WHERE clause of a partial index.
    predicate: str | None = None
    #: False for an index left INVALID by a failed ``CREATE INDEX CONCURRENTLY``.
    valid: bool = True
    method: str = "btree"
    #: The constraint this index enforces, if any.
    constraint: str | None = None
    size_bytes: int | None = None
    comment: str | None = None

    @property
    def invalid(self) -> bool:
        return not self.valid


@dataclass(frozen=True)
class CatalogTrigger:
    """A user trigger (not the internal ones behind foreign keys)."""

    name: str
    #: ``pg_get_triggerdef``
    definition: str
    #: False when ``ALTER TABLE ... DISABLE TRIGGER`` switched it off.
    enabled: bool = True
    comment: str | None = None


@dataclass(frozen=True)
class CatalogPartition:
    """A partition folded into its partitioned table."""

    schema: str
    name: str
    #: ``FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')`` or ``DEFAULT``
    bound: str
    #: The direct parent when it is itself a partition (sub-partitioning).
    parent: str | None = None
    #: The partition key when the partition is itself partitioned.
    partition_key: str | None = None


@dataclass(frozen=True)
class CatalogDependent:
    """Something in the schema that depends on a table or on some of its columns.

    From ``pg_depend``: what PostgreSQL would refuse to drop without
    ``CASCADE``, or drop along with it. ``kind`` is ``view``, ``materialized
    view``, ``foreign key``, ``primary key``, ``unique``, ``check``,
    ``exclusion``, ``index``, ``trigger``, ``generated column``, ``policy`` or
    ``function``.
    """

    kind: str
    #: Schema of the object (of its table, for a key, index, trigger or policy).
    schema: str
    #: The relation the object is, or belongs to (a view is its own); None for a function.
    relation: str | None
    #: The object's own name (a view's, a constraint's, a generated column's...).
    name: str
    #: The columns of the depended-on table it uses; empty: the table as a whole.
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogTable:
    """A table, view, materialized view or foreign table. Partitions are folded in."""

    schema: str
    name: str
    #: 'table', 'partitioned table', 'view', 'materialized view', 'foreign table'
    kind: str
    comment: str | None
    columns: tuple[CatalogColumn, ...]
    constraints: tuple[CatalogConstraint, ...] = ()
    indexes: tuple[CatalogIndex, ...] = ()
    triggers: tuple[CatalogTrigger, ...] = ()
    #: The query of a view or materialized view (``pg_get_viewdef``).
    definition: str | None = None
    #: ``RANGE (created_at)`` for a partitioned table.
    partition_key: str | None = None
    partitions: tuple[CatalogPartition, ...] = ()
    #: The planner's row estimate (``reltuples``; partitions summed); None if unknown.
    row_estimate: int | None = None
    #: ``pg_total_relation_size`` (partitions summed); None for views.
    total_bytes: int | None = None
    #: What depends on the table or its columns (views, keys, indexes, triggers,
    #: generated columns, policies, functions), in a stable order.
    dependents: tuple[CatalogDependent, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> CatalogColumn | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    def dependents_of(self, column: str) -> tuple[CatalogDependent, ...]:
        """What depends on one column (by name)."""
        return tuple(d for d in self.dependents if column in d.columns)


@dataclass(frozen=True)
class CatalogEnum:
    """An enum type and its labels in sort order."""

    schema: str
    name: str
    values: tuple[str, ...]
    comment: str | None = None


@dataclass(frozen=True)
class CatalogDomain:
    """A domain: a base type with a default, NOT NULL and CHECK constraints."""

    schema: str
    name: str
    #: ``format_type`` of the base type
    type: str
    nullable: bool = True
    default: str | None = None
    #: ``pg_get_constraintdef`` of each CHECK constraint: ``CHECK (VALUE > 0)``
    checks: tuple[str, ...] = ()
    comment: str | None = None


@dataclass(frozen=True)
class ReplayFailure:
    """Why the throwaway PostgreSQL stopped applying the migrations.

    The catalog read afterwards is the schema as it stood after the last
    migration that applied (``applied_through``).
    """

    #: The migration PostgreSQL rejected; None when ``setup_sql`` failed.
    migration_id: str | None
    #: The failing line (None for inline ``setup_sql``).
    location: Location | None
    #: PostgreSQL's own words.
    pg_message: str
    #: The report on one line: PostgreSQL's message, detail, hint, what to do.
    summary: str
    #: The whole report, with the failing statement.
    message: str
    #: The last migration that applied in full; None when none did.
    applied_through: str | None = None
    #: Statements of the failing migration that stayed applied (one run statement by
    #: statement keeps those before the failing one; a transaction keeps none).
    statements_applied: int = 0


@dataclass(frozen=True)
class Catalog:
    """What the live database says the schema is now.

    ``witness`` is what the throwaway server saw while it applied the migrations
    (the history's only source); None when no replay ran (a catalog built by hand).
    """

    tables: tuple[CatalogTable, ...]
    server_version: str = ""
    enums: tuple[CatalogEnum, ...] = ()
    domains: tuple[CatalogDomain, ...] = ()
    #: The migration tool's own tables (``schema.table``) the replay created before
    #: the migrations; left out of ``tables`` (see ``replay/bookkeeping.py``).
    hidden_tables: tuple[str, ...] = ()
    #: Extensions the throwaway server had only as schema-wiki's stand-ins
    #: (``pgcrypto``, ``uuid-ossp``; see ``replay/standin.py``).
    standins: tuple[str, ...] = ()
    #: Set when the migrations did not all apply: the catalog is then incomplete.
    failure: ReplayFailure | None = None
    witness: Witness | None = None

    @functools.cached_property
    def _by_name(self) -> dict[tuple[str, str], CatalogTable]:
        return {(t.schema, t.name): t for t in self.tables}

    def table(self, schema: str, name: str) -> CatalogTable | None:
        return self._by_name.get((schema, name))


# --- in-place ignores -----------------------------------------------------------------


@dataclass(frozen=True)
class Ignore:
    """An in-place ignore: a ``-- schema-wiki: ignore <rule> <reason>`` comment or ADR ``ignore:``.

    ``scope`` is ``statement`` (a comment before a statement), ``migration``
    (a comment in the header) or ``adr`` (an ADR's front matter); ``owner`` is
    the migration or ADR id it belongs to.
    """

    rule: str
    reason: str
    location: Location
    scope: str
    owner: str


@dataclass(frozen=True)
class Silenced:
    """A finding an in-place ignore silenced, kept so the health page can show it."""

    finding: Finding
    ignore: Ignore


# --- the joined wiki ----------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One way the two schemas differ.

    ``aspect`` is ``table``, ``column`` (present on one side only), ``type``,
    ``nullable``, ``default`` or ``comment``; ``ours`` and ``theirs`` are the
    values shown side by side (None where a side has nothing).
    """

    target: str
    aspect: str
    ours: str | None
    theirs: str | None

    def describe(self, label: str) -> str:
        if self.aspect in ("table", "column"):
            if self.theirs is None:
                return f"{self.aspect} {self.target} exists in the migrations but not in {label}"
            return f"{self.aspect} {self.target} exists in {label} but not in the migrations"
        return (
            f"{self.target}: {self.aspect} differs: migrations {_shown(self.ours)},"
            f" {label} {_shown(self.theirs)}"
        )


def _shown(value: str | None) -> str:
    return "none" if value is None else repr(value)


@dataclass(frozen=True)
class Event:
    """One entry in a table's or column's history."""

    migration_id: str
    action: Action
    date: dt.date | None
    location: Location
    detail: str | None = None
    #: For renames: the name before; the entry's subject has the new name.
    old_name: str | None = None
    new_name: str | None = None
    #: For what a DROP ... CASCADE took along: the object(s) the statement dropped,
    #: ``column public.users.username``.
    cascade_of: str | None = None
    #: The strongest lock the migration held on the table after this statement, as
    #: measured on the throwaway server (``ACCESS EXCLUSIVE``); None for a table created
    #: in the same migration (nobody else could see it).
    lock: str | None = None
    #: True when PostgreSQL rewrote the table's data for this statement (``table_rewrite``).
    rewrite: bool = False


@dataclass(frozen=True)
class RelatedMigration:
    """A migration related to another by a ``Related migrations:`` header."""

    migration_id: str
    #: True when this migration's own header names the other; False when only the
    #: other's header names this one (the link is shown both ways).
    stated: bool = True


@dataclass(frozen=True)
class DropDate:
    """When a column may be dropped, and what said so."""

    date: dt.date
    location: Location | None
    #: 'header' (Can drop after / Expected lifespan) or 'comment'.
    source: str


@dataclass(frozen=True)
class CodeReference:
    """A line of the application code (``code_paths:``) that names a column."""

    #: Relative to the project root, POSIX.
    path: str
    line: int
    #: The line itself, stripped and cut short.
    text: str
    #: ``qualified`` (``table.column``) or ``query`` (the name inside an SQL string).
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Column:
    """A column of the joined wiki: the catalog's facts plus its story."""

    name: str
    type: str
    nullable: bool
    default: str | None
    comment: str | None
    position: int
    introduced_by: str | None = None
    history: tuple[Event, ...] = ()
    drop_after: DropDate | None = None
    #: ADR ids that discuss the column.
    adrs: tuple[str, ...] = ()
    dropped: bool = False
    #: 'always' or 'by default' for identity columns.
    identity: str | None = None
    #: The expression of a generated column.
    generated: str | None = None
    #: Names the column had before, oldest first (a reference may use one).
    former_names: tuple[str, ...] = ()
    #: ADR ids a migration that added or changed the column names in its ``ADR:``
    #: header: the decisions behind it (``adrs`` holds those that mention it).
    decided_by: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        return column_anchor(self.name)


@dataclass(frozen=True)
class Table:
    """A table (or view...) of the joined wiki.

    ``catalog`` is what the database says about it now (None for a dropped
    table); the other fields are the join's: history, ADRs, dropped columns.
    """

    schema: str
    name: str
    kind: str
    comment: str | None
    columns: tuple[Column, ...] = ()
    introduced_by: str | None = None
    history: tuple[Event, ...] = ()
    #: ADR ids that discuss the table.
    adrs: tuple[str, ...] = ()
    dropped: bool = False
    #: Columns that existed once and were dropped, kept as history.
    dropped_columns: tuple[Column, ...] = ()
    catalog: CatalogTable | None = None
    #: Names the table had before, oldest first (a reference may use one).
    former_names: tuple[str, ...] = ()
    #: ADR ids a migration that created or changed the table (or one of its columns)
    #: names in its ``ADR:`` header (``adrs`` holds those that mention it).
    decided_by: tuple[str, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def constraints(self) -> tuple[CatalogConstraint, ...]:
        return self.catalog.constraints if self.catalog else ()

    @property
    def indexes(self) -> tuple[CatalogIndex, ...]:
        return self.catalog.indexes if self.catalog else ()

    @property
    def triggers(self) -> tuple[CatalogTrigger, ...]:
        return self.catalog.triggers if self.catalog else ()

    @property
    def definition(self) -> str | None:
        """The query of a view or materialized view."""
        return self.catalog.definition if self.catalog else None

    @property
    def partition_key(self) -> str | None:
        """``RANGE (created_at)`` for a partitioned table."""
        return self.catalog.partition_key if self.catalog else None

    @property
    def partitions(self) -> tuple[CatalogPartition, ...]:
        return self.catalog.partitions if self.catalog else ()

    @property
    def row_estimate(self) -> int | None:
        """The planner's row estimate; None when unknown (never analysed, or a view)."""
        return self.catalog.row_estimate if self.catalog else None

    @property
    def total_bytes(self) -> int | None:
        """Bytes on disk, indexes and TOAST included; None for views."""
        return self.catalog.total_bytes if self.catalog else None

    @functools.cached_property
    def _columns_by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> Column | None:
        return self._columns_by_name.get(name)

    def dropped_column(self, name: str) -> Column | None:
        """The last column of that name that was dropped, if any."""
        for c in reversed(self.dropped_columns):
            if c.name == name:
                return c
        return None


@dataclass(frozen=True)
class Wiki:
    """Everything the wiki knows, joined and cross-linked. Immutable: each stage
    (join, drift, checks) returns a new one with `dataclasses.replace`.

    Lookups (by name, by id, findings by target) are built on first use and
    belong to this object, so they can never outlive or disagree with it.
    """

    tables: tuple[Table, ...]
    migrations: tuple[Migration, ...]
    adrs: tuple[Adr, ...]
    today: dt.date
    findings: tuple[Finding, ...] = ()
    #: Tables that were dropped; kept for their history.
    dropped_tables: tuple[Table, ...] = ()
    #: migration id -> ADR ids that name it, and the reverse.
    migration_adrs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    adr_migrations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: migration id -> (schema, table, column or None) it touched, by today's names.
    touched: dict[str, tuple[tuple[str, str, str | None], ...]] = field(default_factory=dict)
    #: Differences from ``compare_with`` (schema drift), and what the other side was.
    drift: tuple[Difference, ...] = ()
    drift_label: str | None = None
    #: The catalog the wiki was built from (indexes, constraints: read by checks).
    catalog: Catalog | None = None
    #: Findings that in-place ignores silenced, with the ignore that did it.
    silenced: tuple[Silenced, ...] = ()
    #: migration id -> the migrations related to it by a ``Related migrations:``
    #: header, its own or theirs.
    related_migrations: dict[str, tuple[RelatedMigration, ...]] = field(default_factory=dict)
    #: Where the application code (``code_paths:``) names deprecated, expiring and
    #: expired columns, by ``schema.table.column``; None when no code was searched
    #: (no ``code_paths:``), so "no reference left" is only said when it was.
    code_references: dict[str, tuple[CodeReference, ...]] | None = None
    #: What the replay's server saw each statement do: a `schema_wiki.join.history.History`,
    #: read through `schema_wiki.join.history.history_of` by the rules that judge
    #: statements and the pages that show them, so there is one history for all. It is
    #: derived from the catalog's witness: not compared, and never stored in the cache
    #: (typed ``object`` so the data-only cache format need not know its shape).
    history: object = field(default=None, compare=False, repr=False)

    @functools.cached_property
    def _tables(self) -> dict[tuple[str, str], Table]:
        return {(t.schema, t.name): t for t in self.tables}

    @functools.cached_property
    def _migrations(self) -> dict[str, Migration]:
        out: dict[str, Migration] = {}
        for m in self.migrations:
            out.setdefault(m.id, m)
        return out

    @functools.cached_property
    def _adrs(self) -> dict[str, Adr]:
        return {a.id: a for a in self.adrs}

    @functools.cached_property
    def tables_by_name(self) -> dict[str, tuple[Table, ...]]:
        """Current tables by exact name (several schemas may share one)."""
        out: dict[str, list[Table]] = {}
        for t in self.tables:
            out.setdefault(t.name, []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def tables_by_lower_name(self) -> dict[str, tuple[Table, ...]]:
        """Current tables by lower-case name, for names written in prose."""
        out: dict[str, list[Table]] = {}
        for t in self.tables:
            out.setdefault(t.name.lower(), []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def dropped_tables_by_name(self) -> dict[str, tuple[Table, ...]]:
        """Dropped tables by exact name, in the order they were dropped."""
        out: dict[str, list[Table]] = {}
        for t in self.dropped_tables:
            out.setdefault(t.name, []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def tables_by_former_name(self) -> dict[str, tuple[Table, ...]]:
        """Tables (current, then dropped) by each lower-case name they had before a rename."""
        out: dict[str, list[Table]] = {}
        for t in (*self.tables, *self.dropped_tables):
            for name in t.former_names:
                bucket = out.setdefault(name.lower(), [])
                if not any(t is other for other in bucket):
                    bucket.append(t)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def migration_order(self) -> dict[str, int]:
        """Each migration's place in the order they are applied."""
        return {m.id: i for i, m in enumerate(self.migrations)}

    @functools.cached_property
    def migrations_by_key(self) -> dict[str, Migration]:
        """The first migration with each id, version and path, in order."""
        out: dict[str, Migration] = {}
        for m in self.migrations:
            for name in (m.id, m.version, m.path):
                out.setdefault(name, m)
        return out

    @functools.cached_property
    def migrations_by_name(self) -> dict[str, Migration]:
        """Migrations by every lower-case name a header may give them: id, version, the
        file or directory name, each file's name (``.sql`` left out); the first wins."""
        out: dict[str, Migration] = {}
        for m in self.migrations:
            names = [m.id, m.version, m.path.rsplit("/", 1)[-1]]
            names += [f.path.rsplit("/", 1)[-1] for f in m.files]
            for name in names:
                out.setdefault(name.removesuffix(".sql").lower(), m)
        return out

    @functools.cached_property
    def findings_by_prefix(self) -> dict[str, tuple[Finding, ...]]:
        """Findings by every dotted prefix of their target (``s``, ``s.t``, ``s.t.c``)."""
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            end = f.target.find(".")
            while end != -1:
                out.setdefault(f.target[:end], []).append(f)
                end = f.target.find(".", end + 1)
            out.setdefault(f.target, []).append(f)
        return {k: tuple(v) for k, v in out.items()}

    def table(self, schema: str, name: str) -> Table | None:
        return self._tables.get((schema, name))

    def migration(self, migration_id: str) -> Migration | None:
        return self._migrations.get(migration_id)

    def adr(self, adr_id: str) -> Adr | None:
        return self._adrs.get(adr_id)


# --- helpers ------------------------------------------------------------------------


def column_anchor(name: str) -> str:
    """The stable HTML id of a column on its table page: ``column-<name>``."""
    safe = "".join(ch if ch.isalnum() or ch in "_-" else "-" for ch in name.lower())
    return f"column-{safe}"


def parse_date(text: str | None) -> dt.date | None:
    """An ISO date at the start of ``text`` (``2024-02-15``, ``2024-02-15 14:00``), or None."""
    if not text:
        return None
    head = text.strip()[:10]
    try:
        return dt.date.fromisoformat(head)
    except ValueError:
        return None


def version_date(version: str) -> dt.date | None:
    """The date a timestamp version (``20240215093000`` or ``20240215``) encodes, or None."""
    if len(version) >= 8 and version[:8].isdigit():
        try:
            return dt.date(int(version[:4]), int(version[4:6]), int(version[6:8]))
        except ValueError:
            return None
    return None
