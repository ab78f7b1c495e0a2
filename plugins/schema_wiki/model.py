"""The schema wiki's domain model: plain, typed data with no MkDocs import.

Sources produce `Migration`, `Adr` and `Catalog` values; `build.build_wiki`
joins them into a `Wiki` of `Table` and `Column` entries with their history
and cross-links; checks turn a `Wiki` into `Finding` values; rendering turns
all of it into pages. Paths are POSIX strings relative to the project root
(the directory holding ``mkdocs.yml``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

# The replay's records are plain frozen dataclasses of their own module, which
# imports nothing of the package: no cycle.
from .replay.record import Witness

if TYPE_CHECKING:
    from .join.history import History


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

    @property
    def title(self) -> str:
        return self.header.text("migration") or self.name.replace("_", " ")

    @property
    def date(self) -> dt.date | None:
        return parse_date(self.header.text("date")) or version_date(self.version)

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

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> CatalogColumn | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


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
class Catalog:
    """What the live database says the schema is now.

    ``witness`` is what the throwaway server saw while it applied the migrations
    (the history's only source); None when no replay ran (a catalog built by hand).
    """

    tables: tuple[CatalogTable, ...]
    server_version: str = ""
    enums: tuple[CatalogEnum, ...] = ()
    domains: tuple[CatalogDomain, ...] = ()
    witness: Witness | None = None

    def table(self, schema: str, name: str) -> CatalogTable | None:
        for t in self.tables:
            if t.schema == schema and t.name == name:
                return t
        return None


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
class DropDate:
    """When a column may be dropped, and what said so."""

    date: dt.date
    location: Location | None
    #: 'header' (Can drop after / Expected lifespan) or 'comment'.
    source: str


@dataclass
class Column:
    name: str
    type: str
    nullable: bool
    default: str | None
    comment: str | None
    position: int
    introduced_by: str | None = None
    history: list[Event] = field(default_factory=list)
    drop_after: DropDate | None = None
    adrs: list[str] = field(default_factory=list)
    dropped: bool = False
    #: 'always' or 'by default' for identity columns.
    identity: str | None = None
    #: The expression of a generated column.
    generated: str | None = None

    @property
    def anchor(self) -> str:
        return column_anchor(self.name)


@dataclass
class Table:
    schema: str
    name: str
    kind: str
    comment: str | None
    columns: list[Column] = field(default_factory=list)
    introduced_by: str | None = None
    history: list[Event] = field(default_factory=list)
    adrs: list[str] = field(default_factory=list)
    dropped: bool = False
    #: Columns that existed once and were dropped, kept as history.
    dropped_columns: list[Column] = field(default_factory=list)
    #: What the catalog says besides the columns (empty for dropped tables).
    constraints: tuple[CatalogConstraint, ...] = ()
    indexes: tuple[CatalogIndex, ...] = ()
    triggers: tuple[CatalogTrigger, ...] = ()
    #: The query of a view or materialized view.
    definition: str | None = None
    #: ``RANGE (created_at)`` for a partitioned table, and its partitions.
    partition_key: str | None = None
    partitions: tuple[CatalogPartition, ...] = ()
    #: The planner's row estimate; None when unknown (never analysed, or a view).
    row_estimate: int | None = None
    #: Bytes on disk, indexes and TOAST included; None for views.
    total_bytes: int | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


@dataclass
class Wiki:
    """Everything the wiki knows, joined and cross-linked."""

    tables: list[Table]
    migrations: list[Migration]
    adrs: list[Adr]
    today: dt.date
    findings: list[Finding] = field(default_factory=list)
    #: Tables that were dropped; kept for their history.
    dropped_tables: list[Table] = field(default_factory=list)
    #: migration id -> ADR ids that name it, and the reverse.
    migration_adrs: dict[str, list[str]] = field(default_factory=dict)
    adr_migrations: dict[str, list[str]] = field(default_factory=dict)
    #: migration id -> (schema, table, column or None) it touched, by today's names.
    touched: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)
    #: Differences from ``compare_with`` (schema drift), and what the other side was.
    drift: list[Difference] = field(default_factory=list)
    drift_label: str | None = None
    #: The catalog the wiki was built from (indexes, constraints: read by checks).
    catalog: Catalog | None = None
    #: Findings that in-place ignores silenced, with the ignore that did it.
    silenced: list[Silenced] = field(default_factory=list)
    #: What the replay's server saw each statement do (`schema_wiki.join.history`):
    #: read by the rules that judge statements, so there is one history for all.
    history: History | None = None

    def table(self, schema: str, name: str) -> Table | None:
        for t in self.tables:
            if t.schema == schema and t.name == name:
                return t
        return None

    def migration(self, migration_id: str) -> Migration | None:
        for m in self.migrations:
            if m.id == migration_id:
                return m
        return None

    def adr(self, adr_id: str) -> Adr | None:
        for a in self.adrs:
            if a.id == adr_id:
                return a
        return None


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
