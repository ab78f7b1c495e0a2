"""The seed's migration review checklist, filled in from facts, one migration at a time.

Each item is decided by a fact or left to the reviewer:

* what the throwaway server did (the migration applied, was rolled back and
  applied again, ran twice; the locks each statement took, the tables it
  rewrote, what a drop took with it: `witness`);
* what the rules found in the migration (``unsafe-migration``,
  ``missing-header-field``, ``undocumented-*``), and what an in-place ignore
  accepted, with its reason;
* what depends on what the migration drops (``pg_depend`` of the base) and
  where the application code still names it (``code_paths:``).

Items no machine can decide (tested on production-sized data, in staging,
on-call aware...) are listed for the human reviewer, unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..checks.edited_migration import repeatable
from ..join.schedule import freeze_hit, parse_when, shown, zone
from ..model import CodeReference, Finding, Migration, Silenced, Wiki
from .model import (
    Applied,
    Dependent,
    Item,
    RerunTest,
    RollbackTest,
    SchemaChange,
    Verdict,
)
from .witness import LOCK_STRENGTH

__all__ = ["MigrationFacts", "checklist", "lock_words"]

# How `unsafe-migration` words each kind of hit (both its parsed and its measured forms).
_INDEX = ("CREATE INDEX builds", "builds its index")
_NOT_VALID = ("without NOT VALID",)
_NOT_NULL = ("SET NOT NULL", "set NOT NULL", "added NOT NULL")
_DROP = ("is dropped", "by CASCADE")
_REWRITE = ("changes type", "rewrites table")
_DEPRECATED = re.compile(r"\bdeprecated\b", re.IGNORECASE)

#: What a lock mode blocks, for people.
_BLOCKS = {
    "AccessExclusiveLock": "blocks reads and writes",
    "ExclusiveLock": "blocks writes",
    "ShareRowExclusiveLock": "blocks writes",
    "ShareLock": "blocks writes",
    "ShareUpdateExclusiveLock": "blocks only other DDL and VACUUM",
    "RowExclusiveLock": "blocks only DDL",
    "RowShareLock": "blocks only DDL",
    "AccessShareLock": "blocks only DDL",
}


def lock_words(mode: str) -> str:
    """``AccessExclusiveLock`` -> ``ACCESS EXCLUSIVE (blocks reads and writes)``."""
    name = re.sub(r"(?<!^)(?=[A-Z])", " ", mode.removesuffix("Lock")).upper()
    return f"{name} ({_BLOCKS.get(mode, 'see the PostgreSQL manual')})"


@dataclass(frozen=True)
class MigrationFacts:
    """Everything the checklist of one migration reads."""

    migration: Migration
    status: str
    applied: Applied | None
    rollback: RollbackTest | None
    rerun: RerunTest | None
    #: The head's findings located in this migration, and the silenced ones.
    findings: Sequence[Finding]
    silenced: Sequence[Silenced]
    #: Tables (schema.table) that existed on the base: locks on the others block no one.
    existing: frozenset[str]
    #: Schema changes this migration made.
    changes: Sequence[SchemaChange]
    #: What depends on each column or table it drops (target -> dependents).
    dependents: Mapping[str, Sequence[Dependent]]
    #: Code references to what it drops or renames; None when no code_paths.
    code: Mapping[str, Sequence[CodeReference]] | None
    #: Header fields the team requires.
    required_fields: Sequence[str]


def checklist(facts: MigrationFacts, wiki: Wiki, freeze_context: tuple[object, str]) -> list[Item]:
    """The items of one migration, in the seed's sections and order."""
    m = facts.migration
    unsafe = [f for f in facts.findings if f.rule == "unsafe-migration"]
    accepted = [s for s in facts.silenced if s.finding.rule == "unsafe-migration"]
    items: list[Item] = []

    # --- Correctness
    items.append(_applied(facts))
    items.append(
        Item(
            "Correctness",
            "Migration does what it claims",
            Verdict.HUMAN,
            "compare its header with the schema changes above",
        )
    )
    items.append(_rerun(facts))

    # --- Safety
    items.append(
        _rule_item(
            "Safety",
            "Uses CONCURRENTLY for indexes",
            unsafe,
            accepted,
            _INDEX,
            "creates no index on an existing table",
        )
    )
    items.append(
        _rule_item(
            "Safety",
            "Uses NOT VALID for constraints",
            unsafe,
            accepted,
            _NOT_VALID,
            "adds no CHECK or FOREIGN KEY to an existing table",
        )
    )
    items.append(_not_null(facts, unsafe, accepted))
    items.append(_drops(facts, unsafe, accepted))
    items.append(_locks(facts))
    items.append(
        Item(
            "Safety",
            "Lock duration is acceptable on production's data",
            Verdict.HUMAN,
            "the replay ran on empty tables: weigh the locks above against the tables' sizes",
        )
    )

    # --- Testing
    items.append(Item("Testing", "Tested on production-sized data", Verdict.HUMAN))
    items.append(Item("Testing", "Tested in staging", Verdict.HUMAN))
    items.append(_rollback(facts))

    # --- Compatibility
    items.append(_code(facts))
    items.append(Item("Compatibility", "Forward compatible with new code", Verdict.HUMAN))
    items.append(_breaking(facts))

    # --- Documentation
    items.append(_header(facts))
    items.append(_documented(facts))
    items.append(_drop_dates(facts, wiki))
    items.append(_rollback_documented(facts))

    # --- Team
    items.append(_timing(m, freeze_context))
    items.append(Item("Team", "On-call is aware", Verdict.HUMAN))
    items.append(Item("Team", "Monitoring plan exists", Verdict.HUMAN))
    return items


def _where(f: Finding) -> str:
    return f"{f.location}: {f.message}" if f.location else f.message


def _applied(facts: MigrationFacts) -> Item:
    text = "SQL runs on PostgreSQL"
    a = facts.applied
    if a is None:
        return Item(
            "Correctness",
            text,
            Verdict.NOT_MEASURED,
            "not applied: an earlier migration of the branch failed",
        )
    if a.error:
        first = a.error.strip().splitlines()[0]
        return Item(
            "Correctness",
            text,
            Verdict.FAIL,
            first,
            (a.error_location,) if a.error_location else (),
        )
    return Item(
        "Correctness",
        text,
        Verdict.PASS,
        f"applied on the throwaway PostgreSQL in {_ms(a.seconds)}",
    )


def _rerun(facts: MigrationFacts) -> Item:
    text = "Idempotent (can run twice safely)"
    r = facts.rerun
    expected = repeatable(facts.migration)
    a = facts.applied
    if expected and a is not None and a.error:
        # It ran where its previous version had run: that is the re-run, and it failed.
        first = a.error.strip().splitlines()[0]
        return Item(
            "Correctness",
            text,
            Verdict.FAIL,
            f"a repeatable runs again where its previous version ran, and fails: {first}",
        )
    if r is None:
        return Item("Correctness", text, Verdict.NOT_MEASURED, "not run: the migration failed")
    if r.passed:
        return Item("Correctness", text, Verdict.PASS, "applied a second time without error")
    if expected:
        return Item(
            "Correctness",
            text,
            Verdict.FAIL,
            f"a repeatable migration runs again whenever it changes: {r.problem}",
        )
    return Item(
        "Correctness",
        text,
        Verdict.NOT_APPLICABLE,
        f"running it twice fails ({r.problem}); the tool records applied migrations"
        " and never runs it twice",
    )


def _rule_item(
    section: str,
    text: str,
    unsafe: Sequence[Finding],
    accepted: Sequence[Silenced],
    keys: Sequence[str],
    none: str,
) -> Item:
    hits = [f for f in unsafe if any(k in f.message for k in keys)]
    ok = [s for s in accepted if any(k in s.finding.message for k in keys)]
    if hits:
        return Item(section, text, Verdict.FAIL, "", tuple(_where(f) for f in hits))
    if ok:
        return Item(
            section,
            text,
            Verdict.PASS,
            "accepted in place",
            tuple(f"{s.ignore.location}: {s.ignore.reason}" for s in ok),
        )
    return Item(section, text, Verdict.PASS if none else Verdict.NOT_APPLICABLE, none)


def _not_null(
    facts: MigrationFacts, unsafe: Sequence[Finding], accepted: Sequence[Silenced]
) -> Item:
    item = _rule_item(
        "Safety", "Doesn't add NOT NULL without preparation", unsafe, accepted, _NOT_NULL, ""
    )
    # ADD COLUMN ... NOT NULL without a default works on the empty throwaway tables and
    # fails on every table that has rows.
    traps = [
        c.target
        for c in facts.changes
        if c.kind == "column"
        and c.action == "added"
        and c.after is not None
        and " NOT NULL" in c.after
        and "DEFAULT" not in c.after
        and c.target.rsplit(".", 1)[0] in facts.existing
    ]
    if traps:
        details = tuple(
            f"{t}: added NOT NULL without a default, which fails on a table with rows"
            for t in traps
        )
        return Item(item.section, item.text, Verdict.FAIL, item.note, item.details + details)
    if not item.note and not item.details:
        return Item(item.section, item.text, item.verdict, "sets no existing column NOT NULL")
    return item


def _drops(facts: MigrationFacts, unsafe: Sequence[Finding], accepted: Sequence[Silenced]) -> Item:
    text = "Doesn't drop columns still in use"
    dropped = [
        c.target
        for c in facts.changes
        if c.action == "dropped" and c.kind in ("column", "table", "view")
    ]
    if not dropped:
        return Item("Safety", text, Verdict.NOT_APPLICABLE, "drops no column or table")
    details: list[str] = []
    first: list[str] = []
    named = dropped_by_name(facts.migration)
    for target in dropped:
        for d in facts.dependents.get(target, ()):
            if d.goes_with_it:
                continue
            if d.dropped_by_branch or (d.name and d.name.lower() in named):
                first.append(f"{d.what} (dropped by name first)")
            else:
                details.append(f"{target}: {d.what} depends on it")
        for ref in (facts.code or {}).get(target, ()):
            details.append(f"{target}: still named at {ref} ({ref.text})")
    if facts.applied is not None:
        for s in facts.applied.statements:
            for victim in s.cascaded:
                details.append(f"{s.location}: CASCADE also drops {victim}")
    details += [_where(f) for f in unsafe if any(k in f.message for k in _DROP)]
    if details:
        return Item("Safety", text, Verdict.FAIL, "", tuple(dict.fromkeys(details)))
    ok = [s for s in accepted if any(k in s.finding.message for k in _DROP)]
    note = "nothing else depends on " + ", ".join(dropped)
    if facts.code is not None:
        note += ", and no code in code_paths names it"
    return Item(
        "Safety",
        text,
        Verdict.PASS,
        note,
        (*first, *(f"{s.ignore.location}: {s.ignore.reason}" for s in ok)),
    )


_NAME = r'(?:"[^"]+"|[\w$]+)'
_DROP_BY_NAME = re.compile(
    r"\bDROP\s+(?:TRIGGER|VIEW|MATERIALIZED\s+VIEW|INDEX|CONSTRAINT|RULE|POLICY)\s+"
    rf"(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?({_NAME}(?:\.{_NAME})?)",
    re.IGNORECASE,
)


def dropped_by_name(migration: Migration) -> set[str]:
    """Names of the triggers, views, indexes, constraints, rules and policies the migration
    drops by name (lower case, schema left out)."""
    out: set[str] = set()
    for statement in migration.statements:
        for m in _DROP_BY_NAME.finditer(statement.sql):
            out.add(m.group(1).rsplit(".", 1)[-1].strip('"').lower())
    return out


def _locks(facts: MigrationFacts) -> Item:
    text = "Lock level measured: no rewrite or long lock of an existing table"
    a = facts.applied
    if a is None or a.error:
        return Item("Safety", text, Verdict.NOT_MEASURED, "the migration did not apply")
    if not a.measured:
        return Item(
            "Safety",
            text,
            Verdict.NOT_MEASURED,
            "this installation's replay does not record locks and rewrites",
        )
    details: list[str] = []
    bad: list[str] = []
    scans = {
        f.location
        for f in facts.findings
        if f.rule == "unsafe-migration"
        and any(k in f.message for k in (*_INDEX, *_NOT_VALID, *_NOT_NULL, *_REWRITE))
    }
    for s in a.statements:
        held = [lock for lock in s.locks if lock.relation in facts.existing]
        if not held and not s.rewrites:
            continue
        parts = [f"{lock.relation} {lock_words(lock.mode)}" for lock in held]
        parts += [f"rewrites {table} ({', '.join(why)})" for table, why in s.rewrites]
        line = f"{s.location} {s.sql}: " + "; ".join(parts)
        details.append(line)
        strong = any(
            LOCK_STRENGTH.index(lock.mode) >= LOCK_STRENGTH.index("ShareLock")
            for lock in held
            if lock.mode in LOCK_STRENGTH
        )
        rewrites = [t for t, _ in s.rewrites if t in facts.existing]
        if rewrites or (strong and any(str(loc) == s.location for loc in scans)):
            bad.append(line)
    if bad:
        return Item(
            "Safety",
            text,
            Verdict.FAIL,
            "a statement rewrites or scans an existing table under a lock that blocks writes",
            tuple(details),
        )
    if not details:
        return Item("Safety", text, Verdict.PASS, "takes no lock on a table that existed before")
    return Item(
        "Safety",
        text,
        Verdict.PASS,
        "only brief locks (metadata changes); set lock_timeout so they do not queue"
        " behind long transactions",
        tuple(details),
    )


def _rollback(facts: MigrationFacts) -> Item:
    text = "Rollback tested (up, down, up again)"
    r = facts.rollback
    if r is None:
        return Item("Testing", text, Verdict.NOT_MEASURED, "not run: the migration failed")
    if r.source is None:
        return Item(
            "Testing", text, Verdict.FAIL, "no rollback: no down file or section, no ROLLBACK file"
        )
    if r.passed is None:
        return Item(
            "Testing",
            text,
            Verdict.HUMAN,
            f"{r.source} is a document, not a script: test its procedure by hand",
        )
    if r.passed:
        return Item(
            "Testing",
            text,
            Verdict.PASS,
            f"{r.source} restored the schema and the migration applied again",
        )
    return Item("Testing", text, Verdict.FAIL, r.problem or "", (r.source,))


def _code(facts: MigrationFacts) -> Item:
    text = "Backward compatible with current code"
    gone = [
        c
        for c in facts.changes
        if c.kind in ("column", "table", "view") and c.action in ("dropped", "renamed", "retyped")
    ]
    if facts.code is None:
        return Item(
            "Compatibility", text, Verdict.HUMAN, "set code_paths: to have the code searched"
        )
    if not gone:
        return Item("Compatibility", text, Verdict.PASS, "drops, renames and retypes nothing")
    details = [
        f"{target}: {ref} ({ref.text})" for target, refs in facts.code.items() for ref in refs
    ]
    if details:
        return Item(
            "Compatibility",
            text,
            Verdict.FAIL,
            "the code in code_paths still names what it drops, renames or retypes",
            tuple(details),
        )
    return Item(
        "Compatibility",
        text,
        Verdict.PASS,
        "no code in code_paths names what it drops, renames or retypes; check other"
        " consumers (reports, partners)",
    )


def _breaking(facts: MigrationFacts) -> Item:
    text = "No breaking changes"
    breaking = [
        f"{c.kind} {c.target} {c.action}"
        + (f" ({c.before} -> {c.after})" if c.action == "retyped" else "")
        for c in facts.changes
        if c.kind in ("column", "table", "view")
        and c.action in ("dropped", "renamed", "retyped")
        and (
            c.target.rsplit(".", 1)[0] in facts.existing
            or c.target in facts.existing
            or (c.before or "") in facts.existing
        )
    ]
    if breaking:
        return Item("Compatibility", text, Verdict.FAIL, "readers of these break", tuple(breaking))
    return Item("Compatibility", text, Verdict.PASS, "only adds or changes without removing")


def _header(facts: MigrationFacts) -> Item:
    text = "Header complete"
    missing = [
        f
        for f in facts.findings
        if f.rule in ("missing-header-field", "invalid-date", "invalid-schedule")
    ]
    if missing:
        return Item("Documentation", text, Verdict.FAIL, "", tuple(_where(f) for f in missing))
    fields = ", ".join(facts.required_fields) or "no field is required"
    when = "" if facts.migration.header.get("when") else "; no When: (the calendar and the"
    when += " announcement need it)" if when else ""
    return Item("Documentation", text, Verdict.PASS, f"has {fields}{when}")


def _documented(facts: MigrationFacts) -> Item:
    text = "Comments explain why (header Context, COMMENT ON for what it adds)"
    context = (facts.migration.header.text("context") or "").strip()
    undocumented = [
        f for f in facts.findings if f.rule in ("undocumented-table", "undocumented-column")
    ]
    details = [_where(f) for f in undocumented]
    if not context:
        details.insert(0, "the header has no Context")
    if details:
        return Item("Documentation", text, Verdict.FAIL, "", tuple(details))
    return Item("Documentation", text, Verdict.PASS, "Context stated; what it adds is commented")


def _drop_dates(facts: MigrationFacts, wiki: Wiki) -> Item:
    text = "A drop date is stated for whatever it deprecates"
    deprecated = [
        c.target
        for c in facts.changes
        if c.kind == "comment"
        and c.after
        and _DEPRECATED.search(c.after)
        and not _DEPRECATED.search(c.before or "")
    ]
    if not deprecated:
        return Item("Documentation", text, Verdict.NOT_APPLICABLE, "deprecates nothing")
    missing = []
    for target in deprecated:
        parts = target.split(".")
        table = wiki.table(parts[0], parts[1]) if len(parts) >= 2 else None
        column = table.column(parts[2]) if table is not None and len(parts) == 3 else None
        if column is None or column.drop_after is None:
            missing.append(f"{target}: deprecated without a drop date")
    if missing:
        return Item(
            "Documentation",
            text,
            Verdict.FAIL,
            "state it: Can drop after: in the header or in the comment",
            tuple(missing),
        )
    return Item("Documentation", text, Verdict.PASS, "dated: " + ", ".join(deprecated))


def _rollback_documented(facts: MigrationFacts) -> Item:
    text = "Rollback plan documented"
    source = facts.rollback.source if facts.rollback is not None else None
    field = facts.migration.header.text("rollback")
    if source or field:
        return Item("Documentation", text, Verdict.PASS, source or f"Rollback: {field}")
    return Item(
        "Documentation",
        text,
        Verdict.FAIL,
        "add a down script, a ROLLBACK file or a Rollback: header field",
    )


def _timing(m: Migration, freeze_context: tuple[object, str]) -> Item:
    text = "Timing is appropriate (When:, outside freeze windows)"
    windows, tz_name = freeze_context
    field = m.header.get("when")
    if field is None:
        return Item("Team", text, Verdict.HUMAN, "not scheduled: add a When: line to the header")
    moment = parse_when(field.value).moment
    if moment is None:
        return Item("Team", text, Verdict.FAIL, f"When: {field.value!r} cannot be read")
    hit = freeze_hit(windows, moment, zone(tz_name)) if windows else None  # type: ignore[arg-type]
    if hit is not None:
        return Item(
            "Team", text, Verdict.FAIL, f"{shown(moment)} is inside the freeze window {hit.name}"
        )
    note = f"{shown(moment)}"
    note += ", outside every freeze window" if windows else " (no freeze_windows configured)"
    return Item("Team", text, Verdict.PASS if windows else Verdict.HUMAN, note)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
