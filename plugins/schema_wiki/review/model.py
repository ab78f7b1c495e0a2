"""What a review found: plain frozen data, rendered by `schema_wiki.output.review`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..model import CodeReference, Finding


class Verdict(StrEnum):
    """A checklist item's state."""

    #: The machine checked it and it holds.
    PASS = "pass"
    #: The machine checked it and it does not hold.
    FAIL = "fail"
    #: Nothing in this migration it applies to.
    NOT_APPLICABLE = "n/a"
    #: Needs a fact the replay could not give (the item says which).
    NOT_MEASURED = "not measured"
    #: No machine can decide it: for the human reviewer.
    HUMAN = "human"


@dataclass(frozen=True)
class Item:
    """One line of the review checklist, with the facts behind its verdict."""

    section: str
    text: str
    verdict: Verdict
    #: Why, in a sentence; each detail is one fact (a statement, a lock, a file:line).
    note: str = ""
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class LockFact:
    """A lock a statement took on a table that existed before its migration."""

    relation: str
    mode: str


@dataclass(frozen=True)
class StatementFacts:
    """What the server reported while one statement ran (the replay's record)."""

    #: Index in `Migration.statements`.
    index: int
    location: str
    #: The statement's first line, shortened.
    sql: str
    locks: tuple[LockFact, ...] = ()
    #: Tables written anew: (table, reasons).
    rewrites: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Objects dropped that the statement did not name (CASCADE victims).
    cascaded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Renamed:
    """A table or column renamed by the branch (``kind`` is ``table`` or ``column``)."""

    kind: str
    schema: str
    table: str
    old: str
    new: str


@dataclass(frozen=True)
class Applied:
    """One of the branch's migrations as the throwaway server ran it."""

    migration_id: str
    #: Wall time of the replay on the throwaway server (empty tables), seconds.
    seconds: float
    #: PostgreSQL's error when it failed (the later ones did not run).
    error: str | None = None
    error_location: str | None = None
    #: Whether the replay's record (locks, rewrites, drops) was available.
    measured: bool = False
    statements: tuple[StatementFacts, ...] = ()
    renames: tuple[Renamed, ...] = ()


@dataclass(frozen=True)
class RollbackTest:
    """The rollback of one migration: where it is, and what up, down, up again gave."""

    migration_id: str
    #: ``ROLLBACK.sql`` (a down file or section, Flyway undo) or ``ROLLBACK.md`` (a document).
    source: str | None
    #: None: not run (no script); True: down restored the schema and up ran again.
    passed: bool | None = None
    problem: str | None = None


@dataclass(frozen=True)
class RerunTest:
    """The migration applied a second time on top of itself."""

    migration_id: str
    passed: bool
    problem: str | None = None


@dataclass(frozen=True)
class SchemaChange:
    """One difference between the base's schema and the branch's.

    ``kind``: table, view, column, index, constraint, type, comment, drop date;
    ``action``: added, dropped, renamed, retyped, changed.
    """

    kind: str
    action: str
    target: str
    before: str | None = None
    after: str | None = None
    #: Which migration did it, when the record or the statements say.
    migration_id: str | None = None


@dataclass(frozen=True)
class Dependent:
    """An object that depends on something the branch drops, renames or retypes."""

    #: ``view public.active_users``, ``constraint invoices_user_id_fkey on table invoices``.
    what: str
    #: The table or view it belongs to (its owner is asked).
    table: str
    #: True when it goes away with the object (an index on the dropped column alone).
    goes_with_it: bool = False
    #: Its own name (trigger, constraint, index, view), to see the branch drop it by name.
    name: str = ""
    #: The branch drops it by name (before what it depends on).
    dropped_by_branch: bool = False


@dataclass(frozen=True)
class Impact:
    """What reaches one dropped, renamed, retyped or deprecated object."""

    target: str
    #: dropped, renamed, retyped, deprecated.
    change: str
    owner: str | None = None
    dependents: tuple[Dependent, ...] = ()
    #: None: no code_paths configured.
    code: tuple[CodeReference, ...] | None = None


@dataclass(frozen=True)
class MigrationReview:
    """One new or changed migration of the branch, with its checklist."""

    migration_id: str
    path: str
    title: str
    #: new, edited (exists on the base), or repeatable (a changed R__ file).
    status: str
    items: tuple[Item, ...] = ()
    applied: Applied | None = None
    rollback: RollbackTest | None = None
    rerun: RerunTest | None = None
    #: Owners of the tables it changes.
    owners: tuple[str, ...] = ()
    header: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Announcement:
    """The seed's Migration Announcement, drafted from the facts."""

    title: str
    who: str
    when: str
    what: str
    duration: str
    risk: str
    requires: str
    impact: str
    rollback: str
    asks: tuple[str, ...]
    links: tuple[str, ...]


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a commit (or the working tree) and its label."""

    label: str
    commit: str | None
    #: The working tree has changes of its own under the project (head only).
    dirty: bool = False


@dataclass(frozen=True)
class Review:
    """Everything ``schema-wiki review`` reports about a branch."""

    base: Side
    head: Side
    #: How the head's schema was made: ``incremental`` (the branch's migrations on top of
    #: the base's replayed state) or ``full`` (replayed from scratch: the branch changes
    #: migrations the base has, or their order).
    replay: str
    #: Whether the base's replay came from the cache.
    base_cached: bool
    migrations: tuple[MigrationReview, ...]
    changes: tuple[SchemaChange, ...]
    introduced: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    impacts: tuple[Impact, ...]
    owners: tuple[str, ...]
    announcement: Announcement | None
    #: Things the reader should know about how the review was made.
    notes: tuple[str, ...] = ()
    #: Seconds the whole review took.
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """Whether the branch introduces an error-level finding or a migration that
        PostgreSQL rejects (exit code 1)."""
        return any(f.level.value == "error" for f in self.introduced) or any(
            m.applied is not None and m.applied.error for m in self.migrations
        )
