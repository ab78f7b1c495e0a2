"""A migration that exists on the base branch was edited (or removed) on this one.

**Problem.** Production, staging and every colleague's database ran the
migration as it was on the base branch. Migration tools do not run it
again: the edit reaches only fresh databases, so environments drift apart
(and tools that checksum applied migrations, like Flyway, refuse to start).
The seed's rule: never change history, add a migration.

**Fix.** Restore the migration as it is on the base branch and write a new
migration that makes the change. Repeatable migrations (Flyway's ``R__``
files), which the tool runs again whenever they change, are exempt.

Reported by ``schema-wiki review``, which compares the branch's migrations
with the base's; ``schema-wiki check`` and builds do not see the base.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..model import Finding, Level, Location, Migration

NAME = "edited-migration"
LEVEL = Level.ERROR
REPORTED_BY = "schema-wiki review (it compares the branch with its base)"


@dataclass(frozen=True)
class MigrationDigest:
    """What `compare` needs of a base migration: its id and the digests of its SQL."""

    id: str
    version: str
    path: str
    #: SHA-256 of each SQL file's text, by path.
    files: dict[str, str]
    #: SHA-256 of its statements without comments.
    statements: str

    @property
    def repeatable(self) -> bool:
        """Whether the tool runs it again whenever it changes (Flyway ``R__``)."""
        return self.version == "R" and self.path.rsplit("/", 1)[-1].startswith("R__")


def digest(migration: Migration) -> MigrationDigest:
    """The `MigrationDigest` of ``migration``."""
    statements = hashlib.sha256(
        "\0".join(s.sql.strip() for s in migration.statements).encode("utf-8", "surrogatepass")
    ).hexdigest()
    files = {
        f.path: hashlib.sha256(f.sql.encode("utf-8", "surrogatepass")).hexdigest()
        for f in migration.files
    }
    return MigrationDigest(migration.id, migration.version, migration.path, files, statements)


def repeatable(migration: Migration) -> bool:
    """Whether the tool runs ``migration`` again whenever it changes (Flyway ``R__``)."""
    return digest_of(migration).repeatable


def digest_of(migration: Migration) -> MigrationDigest:
    return MigrationDigest(migration.id, migration.version, migration.path, {}, "")


def compare(
    base: Sequence[MigrationDigest],
    head: Sequence[Migration],
    base_text: Callable[[str], str | None] = lambda _path: None,
) -> Iterator[Finding]:
    """An ``edited-migration`` finding for each migration of ``base`` whose SQL files differ
    in ``head``, or that ``head`` no longer has. ``base_text`` gives a base file's text (to
    point at the first changed line), or None."""
    ours = {m.id: m for m in head}
    for old in base:
        if old.repeatable:
            continue
        new = ours.get(old.id)
        if new is None:
            yield Finding(
                NAME,
                LEVEL,
                old.id,
                f"{old.id} exists on the base branch and was removed on this one;"
                " databases that ran it keep its changes: restore it and undo them in a new"
                " migration",
                Location(old.path),
            )
            continue
        now = digest(new)
        if now.files == old.files:
            continue
        after = {f.path: f.sql for f in new.files}
        changed = sorted(
            p for p in set(old.files) | set(now.files) if old.files.get(p) != now.files.get(p)
        )
        first = changed[0]
        line: int | None = None
        if first in after:
            before = base_text(first)
            line = _first_difference(before, after[first]) if before is not None else 1
        what = (
            "only its comments changed, but tools that checksum migrations (Flyway) will"
            " refuse the edit"
            if now.statements == old.statements
            else "databases that ran it will never see the edit"
        )
        yield Finding(
            NAME,
            LEVEL,
            old.id,
            f"{old.id} exists on the base branch and was edited on this one"
            f" ({', '.join(changed)}); {what}: restore it and make the change in a new"
            " migration",
            Location(first, line) if first in after else Location(new.path),
        )


def _first_difference(before: str, after: str) -> int:
    old, new = before.split("\n"), after.split("\n")
    for number, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        if a != b:
            return number
    return min(len(old), len(new)) + 1
