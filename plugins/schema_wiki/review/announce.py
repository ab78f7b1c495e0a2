"""The seed's Migration Announcement, drafted from what the review found.

Every line comes from a fact: Who from the headers' ``Author``; When from
``When:``; What from the schema diff; Duration from the replay (its time on
empty tables and the locks it took) and, with a live database configured,
the row estimates of the tables it locks; Risk from the checklist; Requires
from the code references and the headers' ``Dependencies``; Impact from the
dependents and owners; Rollback from the rollback test; Asks names the
owners of the tables it reaches; Links names the migrations, tickets and
ADRs. What no fact says is left as a ``TODO`` for the author.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config import WikiConfig
from ..join.owners import owner_of
from ..join.schedule import parse_when, shown
from ..model import Wiki
from .checklist import lock_words
from .model import Announcement, Impact, MigrationReview, SchemaChange, Verdict
from .witness import LOCK_STRENGTH

__all__ = ["announce"]

_VERBS = {
    "added": "Adding",
    "dropped": "Dropping",
    "renamed": "Renaming",
    "retyped": "Changing the type of",
    "changed": "Changing",
}


def announce(
    reviews: Sequence[MigrationReview],
    changes: Sequence[SchemaChange],
    impacts: Sequence[Impact],
    wiki: Wiki,
    config: WikiConfig,
    estimates: Mapping[str, int],
    existing: frozenset[str] | None = None,
) -> Announcement:
    """The announcement of the branch's migrations (one, or several run together)."""
    title = reviews[0].title if len(reviews) == 1 else "; ".join(r.title for r in reviews)
    authors = _unique(r.header.get("Author", "") for r in reviews)
    who = ", ".join(authors) if authors else "TODO: Author: is missing from the header"
    when = _when(reviews)
    what = _what(changes)
    duration = _duration(reviews, estimates, existing, changes)
    risk = _risk(reviews)
    requires = _requires(reviews, impacts)
    impact = _impact(impacts)
    rollback = _rollback(reviews)
    asks = _asks(reviews, impacts, config)
    links = _links(reviews, wiki)
    return Announcement(
        title,
        who,
        when,
        what,
        duration,
        risk,
        requires,
        impact,
        rollback,
        tuple(asks),
        tuple(links),
    )


def _unique(values: object) -> list[str]:
    out: list[str] = []
    for v in values:  # type: ignore[attr-defined]
        v = " ".join(str(v).split())
        if v and v not in out:
            out.append(v)
    return out


def _when(reviews: Sequence[MigrationReview]) -> str:
    moments = []
    for r in reviews:
        text = r.header.get("When")
        if text:
            moment = parse_when(text).moment
            moments.append(shown(moment) if moment else f"{text} (unreadable)")
    if not moments:
        return "TODO: not scheduled; add a When: line (ISO date-time with zone) to the header"
    return "; ".join(_unique(moments))


def _what(changes: Sequence[SchemaChange]) -> str:
    parts: list[str] = []
    for c in changes:
        if c.kind == "comment":
            continue
        verb = _VERBS.get(c.action, c.action.capitalize())
        if c.kind == "column" and c.action == "added":
            parts.append(f"{verb} {_nullable(c.after)} column `{c.target}`")
        elif c.action == "renamed":
            parts.append(f"{verb} {c.kind} `{c.before}` to `{c.target}`")
        elif c.action == "retyped":
            parts.append(f"{verb} `{c.target}` from `{c.before}` to `{c.after}`")
        elif c.kind == "drop date":
            parts.append(f"Stating a drop date ({c.after}) for `{c.target}`")
        elif " " in c.target:
            table, _, name = c.target.partition(" ")
            parts.append(f"{verb} {c.kind} `{name}` on `{table}`")
        else:
            parts.append(f"{verb} {c.kind} `{c.target}`")
    if not parts:
        return "Comments only (no schema change)"
    shown_parts = parts[:6]
    more = f"; and {len(parts) - 6} more changes" if len(parts) > 6 else ""
    return "; ".join(shown_parts) + more


def _nullable(definition: str | None) -> str:
    if definition and "NOT NULL" in definition:
        return "NOT NULL"
    return "nullable"


def _duration(
    reviews: Sequence[MigrationReview],
    estimates: Mapping[str, int],
    existing: frozenset[str] | None = None,
    changes: Sequence[SchemaChange] = (),
) -> str:
    applied = [r.applied for r in reviews if r.applied is not None]
    total = sum(a.seconds for a in applied)
    text = f"replayed in {total * 1000:.0f} ms on the throwaway PostgreSQL (empty tables)"
    locks: dict[str, str] = {}
    rewrites: list[str] = []
    measured = bool(applied) and all(a.measured for a in applied)
    for a in applied:
        for s in a.statements:
            for lock in s.locks:
                if existing is not None and lock.relation not in existing:
                    continue  # created or dropped within the migration: blocks no one
                now = locks.get(lock.relation)
                if now is None or _rank(lock.mode) > _rank(now):
                    locks[lock.relation] = lock.mode
            rewrites.extend(t for t, _ in s.rewrites)
    if measured and locks:
        text += "; locks " + ", ".join(
            f"{rel} {lock_words(mode)}" for rel, mode in sorted(locks.items())
        )
    elif not measured:
        text += "; locks not measured"
    if rewrites:
        text += "; rewrites " + ", ".join(dict.fromkeys(rewrites))
    # The tables it locks, or (not measured) the tables it changes, that existed before.
    reached = set(locks) | {
        _table_of(c) for c in changes if existing is None or _table_of(c) in existing
    }
    sized = [f"{rel} ~{estimates[rel]:,} rows" for rel in sorted(reached) if rel in estimates]
    if sized:
        text += f" (live database: {', '.join(sized)})"
    elif estimates:
        text += " (live database: no estimate for the tables it changes)"
    return text + ". TODO: time it in staging on production-sized data"


def _table_of(change: SchemaChange) -> str:
    """``schema.table`` of a change's target (``s.t``, ``s.t.c`` or ``s.t name``)."""
    head = change.target.split(" ", 1)[0]
    return ".".join(head.split(".")[:2])


def _rank(mode: str) -> int:
    return LOCK_STRENGTH.index(mode) if mode in LOCK_STRENGTH else -1


#: A failed checklist item, as a reason in the Risk line.
_REASONS = {
    "Uses CONCURRENTLY for indexes": "an index built without CONCURRENTLY",
    "Uses NOT VALID for constraints": "a constraint validated while writes wait",
    "Doesn't add NOT NULL without preparation": "NOT NULL without preparation",
    "Doesn't drop columns still in use": "drops what is still in use",
    "No breaking changes": "breaks readers",
    "Backward compatible with current code": "the current code still names what it removes",
    "Rollback tested (up, down, up again)": "no tested rollback",
    "Rollback plan documented": "no rollback plan",
    "Header complete": "an incomplete header",
    "Timing is appropriate (When:, outside freeze windows)": "scheduled in a freeze window",
}


def _reason(text: str) -> str:
    if text.startswith("Lock level measured"):
        return "a long lock or a rewrite of an existing table"
    return _REASONS.get(text, text[:1].lower() + text[1:])


def _risk(reviews: Sequence[MigrationReview]) -> str:
    failed = [i for r in reviews for i in r.items if i.verdict == Verdict.FAIL]
    if any(r.applied is not None and r.applied.error for r in reviews):
        return "High (a migration fails on PostgreSQL)"
    serious = [_reason(i.text) for i in failed if i.section in ("Safety", "Compatibility")]
    if serious:
        return "High: " + ", ".join(dict.fromkeys(serious))
    if failed:
        return "Medium: " + ", ".join(dict.fromkeys(_reason(i.text) for i in failed))
    return "Low: additive, no long lock measured, rollback tested"


def _requires(reviews: Sequence[MigrationReview], impacts: Sequence[Impact]) -> str:
    parts: list[str] = []
    code = [(i.target, r) for i in impacts if i.code for r in i.code]
    if code:
        places = ", ".join(f"{r} ({target})" for target, r in code[:4])
        more = f" and {len(code) - 4} more" if len(code) > 4 else ""
        parts.append(
            f"Code changes first: the code still names what this drops or renames at {places}{more}"
        )
    deps = _unique(r.header.get("Dependencies", "") for r in reviews)
    deps = [d for d in deps if d.lower() not in ("none", "n/a", "-")]
    if deps:
        parts.append("Dependencies: " + "; ".join(deps))
    if not parts:
        return "No code changes required (nothing in code_paths names what it changes)"
    return ". ".join(parts)


def _impact(impacts: Sequence[Impact]) -> str:
    if not impacts:
        return "None (backward compatible: nothing is dropped, renamed or retyped)"
    parts = []
    for i in impacts:
        deps = [d.what for d in i.dependents if not d.goes_with_it and not d.dropped_by_branch]
        text = f"`{i.target}` {i.change}"
        if deps:
            text += " (" + ", ".join(deps) + " depend on it)"
        parts.append(text)
    return "; ".join(parts)


def _rollback(reviews: Sequence[MigrationReview]) -> str:
    parts = []
    for r in reviews:
        rb = r.rollback
        if rb is None or rb.source is None:
            parts.append(f"{r.migration_id}: no rollback script; TODO: describe the way back")
        elif rb.passed:
            parts.append(f"{rb.source} (tested: down restores the schema, up applies again)")
        elif rb.passed is None:
            parts.append(f"{rb.source} (a procedure; not tested automatically)")
        else:
            parts.append(f"{rb.source} FAILS its test: {rb.problem}")
    return "; ".join(parts)


def _asks(
    reviews: Sequence[MigrationReview], impacts: Sequence[Impact], config: WikiConfig
) -> list[str]:
    asks: list[str] = []
    mine = _unique(o for r in reviews for o in r.owners)
    for i in impacts:
        targets = [i.target]
        for d in i.dependents:
            if d.goes_with_it or d.dropped_by_branch:
                continue
            schema, _, name = d.table.partition(".")
            owner = owner_of(config.owners, schema, name)
            if owner and owner not in mine:
                asks.append(f"{owner}: {d.what} depends on `{i.target}`; please review")
        del targets
        if i.code:
            places = ", ".join(str(r) for r in i.code[:3])
            asks.append(f"Owners of {places}: that code still names `{i.target}`")
    for owner in mine[1:]:
        asks.append(f"{owner}: this changes tables you own; please review")
    asks.append("@on-call: please be available for 30 minutes after it runs")
    return list(dict.fromkeys(asks))


def _links(reviews: Sequence[MigrationReview], wiki: Wiki) -> list[str]:
    links: list[str] = []
    for r in reviews:
        links.append(f"Migration: {r.path}")
        ticket = r.header.get("Ticket")
        if ticket:
            links.append(f"Ticket: {ticket}")
        for adr_id in wiki.migration_adrs.get(r.migration_id, ()):
            adr = wiki.adr(adr_id)
            if adr is not None:
                links.append(f"ADR: {adr.title} ({adr.path})")
    links.append("Staging test results: TODO")
    return list(dict.fromkeys(links))
