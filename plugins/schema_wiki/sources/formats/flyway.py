"""Flyway: ``V<version>__<description>.sql``, ``R__`` repeatables, ``U`` undo scripts.

Versions are dotted (``_`` also separates: ``V1_1__x`` is 1.1) and compare
part by part as numbers, trailing zeros ignored: ``2 < 2.1 < 10`` and ``1.0``
is the same version as ``1``. Repeatable scripts run after every versioned
one, ordered by description. ``U`` undo scripts are never applied: each is
shown as the rollback of the version it undoes. Files are found in
subdirectories too, as Flyway scans its locations recursively. A script's
``<file>.conf`` with ``executeInTransaction=false`` makes it non-transactional.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import ROLLBACK_DOCUMENT, Candidate, Context, Part, rollback_markdown

__all__ = ["is_flyway", "read_flyway", "version_key"]

_VERSIONED = re.compile(r"^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$")
_REPEATABLE = re.compile(r"^R__(.+)\.sql$")
_NO_TRANSACTION = re.compile(r"^\s*executeInTransaction\s*=\s*false\s*$", re.IGNORECASE | re.M)


def version_key(version: str) -> tuple[int, ...]:
    """``1.10.0`` -> (1, 10): numeric parts, trailing zeros dropped."""
    parts = [int(p) for p in re.split(r"[._]", version) if p]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def is_flyway(directory: Path) -> bool:
    """Any ``V<n>__x.sql`` or ``R__x.sql`` file, at any depth."""
    return any(
        _VERSIONED.match(p.name) or _REPEATABLE.match(p.name) for p in directory.rglob("*.sql")
    )


def read_flyway(context: Context) -> list[Candidate]:
    """Candidates of the Flyway layout."""
    out: list[Candidate] = []
    versioned: dict[tuple[int, ...], Candidate] = {}
    undo: dict[tuple[int, ...], Path] = {}
    for path in sorted(context.directory.rglob("*.sql")):
        if not path.is_file():
            continue
        m = _VERSIONED.match(path.name)
        if m and m.group(1) == "U":
            undo.setdefault(version_key(m.group(2)), path)
            continue
        if m:
            version = m.group(2).replace("_", ".")
            key = version_key(version)
            candidate = _candidate(context, path, version, m.group(3), (0, key), key)
            if candidate is not None:
                versioned.setdefault(key, candidate)
        elif r := _REPEATABLE.match(path.name):
            description = r.group(1)
            candidate = _candidate(
                context, path, "R", description, (1, description), ("R", description)
            )
        else:
            continue
        if candidate is not None:
            out.append(candidate)
    for key, undo_path in undo.items():
        target = versioned.get(key)
        if target is not None and (text := context.read(undo_path)) is not None:
            target.documents[ROLLBACK_DOCUMENT] = rollback_markdown(context.rel(undo_path), text)
    return out


def _candidate(
    context: Context,
    path: Path,
    version: str,
    description: str,
    order: tuple[object, ...],
    identity: object,
) -> Candidate | None:
    text = context.read(path)
    if text is None:
        return None
    conf = path.with_name(path.name + ".conf")
    transactional = True
    if conf.is_file():
        settings = context.read(conf)
        transactional = not (settings and _NO_TRANSACTION.search(settings))
    return Candidate(
        version=version,
        name=description,
        id=path.name[: -len(".sql")],
        path=path,
        parts=[Part(path, text)],
        order=order,
        identity=identity,
        transactional=transactional,
    )
