"""A `Review` as a pull-request comment (Markdown) or as JSON.

The Markdown starts with `MARKER`, a hidden HTML comment by which a CI job
finds its own comment to update it on the next push. Then a short summary
(what changes, what the branch introduces, the errors spelled out), and
every detail folded in ``<details>``: the schema changes, one checklist per
migration, the findings introduced and resolved, the impact, and the
Migration Announcement draft in a fenced block, ready to paste.

Everything that comes from the repository (names, comments, messages) is
escaped for GitHub-flavoured Markdown: it can never become a link, an image,
a mention of HTML or a table cell of its own.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterable, Sequence
from enum import Enum

from ..model import Finding, Level
from ..review.model import (
    Announcement,
    Impact,
    Item,
    MigrationReview,
    Review,
    SchemaChange,
    Verdict,
)

__all__ = ["FORMATS", "MARKER", "render_review"]

FORMATS = ("markdown", "json")
#: Starts every Markdown review: a CI job finds (and updates) its comment by it.
MARKER = "<!-- schema-wiki-review -->"

# Enough to keep text text: no emphasis, code, link, image (needs "["), HTML, entity,
# heading, list, table cell or strike-through can start in it.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>#+|~&])")


def render_review(review: Review, fmt: str) -> str:
    """The review in ``fmt`` (one of `FORMATS`)."""
    if fmt == "json":
        return json.dumps(_plain(review), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(review)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


# --- escaping --------------------------------------------------------------------------


def _t(value: object) -> str:
    """Text for Markdown: one line, every Markdown punctuation character escaped."""
    text = " ".join(str(value).split())
    return _PUNCTUATION.sub(r"\\\1", text)


def _c(value: object) -> str:
    """A code span that nothing inside can end; ``|`` escaped for table cells."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _h(value: object) -> str:
    """Text inside HTML (``<summary>``)."""
    return html.escape(" ".join(str(value).split()), quote=True)


# --- Markdown ---------------------------------------------------------------------------


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _levels(findings: Sequence[Finding]) -> str:
    counts = [
        _count(sum(1 for f in findings if f.level == level), level.value)
        for level in (Level.ERROR, Level.WARNING, Level.INFO)
        if any(f.level == level for f in findings)
    ]
    return ", ".join(counts) if counts else "none"


def _side(label: str, commit: str | None, dirty: bool = False) -> str:
    text = _c(label)
    if commit:
        text += f" ({_c(commit[:10])})"
    if dirty:
        text += " with uncommitted changes"
    return text


def markdown(review: Review) -> str:
    out: list[str] = [MARKER]
    errors = [f for f in review.introduced if f.level == Level.ERROR]
    failed = [m for m in review.migrations if m.applied is not None and m.applied.error]
    state = "fails" if review.failed else "passes"
    out.append(
        f"### Schema review: {_count(len(review.migrations), 'migration')},"
        f" {len(review.changes)} schema changes, the gate {state}"
    )
    out.append("")
    how = (
        "the branch's migrations applied on top of the base's schema"
        if review.replay == "incremental"
        else "replayed from scratch"
    )
    cached = ", base replay from the cache" if review.base_cached else ""
    out.append(
        f"{_side(review.base.label, review.base.commit)} &rarr;"
        f" {_side(review.head.label, review.head.commit, review.head.dirty)}"
        f" &middot; {how}{cached}"
    )
    out.append("")
    out.append("| | |")
    out.append("|---|---|")
    if review.migrations:
        listed = "<br>".join(f"{_c(m.migration_id)} ({m.status})" for m in review.migrations)
    else:
        listed = "none new or changed"
    out.append(f"| Migrations | {listed} |")
    out.append(f"| Schema | {_schema_summary(review.changes)} |")
    out.append(
        f"| Findings | introduces {_levels(review.introduced)}; resolves"
        f" {_levels(review.resolved)} |"
    )
    if review.migrations:
        out.append(f"| Checklist | {_checklist_summary(review.migrations)} |")
    if review.owners:
        out.append(f"| Owners | {', '.join(_t(o) for o in review.owners)} |")
    out.append("")
    if failed or errors:
        out.append("**To fix before merging:**")
        out.append("")
        for m in failed:
            assert m.applied is not None and m.applied.error
            where = m.applied.error_location or m.path
            first = m.applied.error.strip().splitlines()[0]
            out.append(f"- {_c(where)} PostgreSQL rejects it: {_t(first)}")
        for f in errors:
            out.append(f"- {_finding(f)}")
        out.append("")
    for note in review.notes:
        out.append(f"> {_t(note)}")
        out.append("")
    if review.changes:
        out += _fold(f"<b>Schema changes</b> ({len(review.changes)})", _changes(review.changes))
    for m in review.migrations:
        out += _fold(_checklist_title(m), _checklist(m))
    if review.introduced or review.resolved:
        title = (
            f"<b>Findings</b>: {len(review.introduced)} introduced, {len(review.resolved)} resolved"
        )
        out += _fold(title, _findings(review.introduced, review.resolved))
    if review.impacts:
        out += _fold(f"<b>Impact</b> ({len(review.impacts)})", _impacts(review.impacts))
    if review.announcement is not None:
        out += _fold("<b>Migration Announcement</b> (draft)", _announcement(review.announcement))
    out.append(
        f"<sub>schema-wiki review &middot; {review.seconds:.1f} s &middot; checklist items"
        " marked &#9744; without a verdict are for the reviewer</sub>"
    )
    return "\n".join(out) + "\n"


def _fold(summary: str, body: list[str]) -> list[str]:
    return [f"<details><summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _schema_summary(changes: Sequence[SchemaChange]) -> str:
    if not changes:
        return "no change"
    counts: dict[str, int] = {}
    for c in changes:
        key = f"{c.kind} {c.action}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{n} {key}" for key, n in counts.items())


def _checklist_summary(migrations: Sequence[MigrationReview]) -> str:
    items = [i for m in migrations for i in m.items]
    passed = sum(1 for i in items if i.verdict == Verdict.PASS)
    failed = sum(1 for i in items if i.verdict == Verdict.FAIL)
    unmeasured = sum(1 for i in items if i.verdict == Verdict.NOT_MEASURED)
    human = sum(1 for i in items if i.verdict == Verdict.HUMAN)
    parts = [f"{passed} pass", f"{failed} fail"]
    if unmeasured:
        parts.append(f"{unmeasured} not measured")
    parts.append(f"{human} for the reviewer")
    return ", ".join(parts)


def _finding(f: Finding) -> str:
    where = _c(str(f.location)) if f.location else _c(f.target)
    return f"{where} **{_t(f.level.value)}** {_c(f.rule)}: {_t(f.message)}"


def _changes(changes: Sequence[SchemaChange]) -> list[str]:
    rows = ["| Change | Object | Before | After | By |", "|---|---|---|---|---|"]
    for c in changes:
        before = _c(_short(c.before)) if c.before else ""
        after = _c(_short(c.after)) if c.after else ""
        by = _c(c.migration_id) if c.migration_id else ""
        rows.append(f"| {_t(c.kind)} {_t(c.action)} | {_object(c)} | {before} | {after} | {by} |")
    return rows


def _object(c: SchemaChange) -> str:
    """The changed object: ``table.column``, or an index, constraint or trigger on a table."""
    table, _, name = c.target.partition(" ")
    if name:
        return f"{_c(name)} on {_c(table)}"
    return _c(c.target)


def _short(text: str, limit: int = 120) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


_MARK = {
    Verdict.PASS: "- [x]",
    Verdict.NOT_APPLICABLE: "- [x]",
    Verdict.FAIL: "- [ ] &#10060;",
    Verdict.NOT_MEASURED: "- [ ] &#10067;",
    Verdict.HUMAN: "- [ ]",
}


def _checklist_title(m: MigrationReview) -> str:
    counts = {v: sum(1 for i in m.items if i.verdict == v) for v in Verdict}
    tail = f"{counts[Verdict.PASS]} pass, {counts[Verdict.FAIL]} fail"
    if counts[Verdict.NOT_MEASURED]:
        tail += f", {counts[Verdict.NOT_MEASURED]} not measured"
    tail += f", {counts[Verdict.HUMAN]} for the reviewer"
    return f"<b>Checklist</b> <code>{_h(m.migration_id)}</code> ({m.status}): {tail}"


def _checklist(m: MigrationReview) -> list[str]:
    out: list[str] = [f"{_t(m.title)} &middot; {_c(m.path)}"]
    if m.owners:
        out[0] += " &middot; owners: " + ", ".join(_t(o) for o in m.owners)
    section = None
    for item in m.items:
        if item.section != section:
            section = item.section
            out += ["", f"**{_t(section)}**", ""]
        out.append(_item(item))
        out.extend(f"    - {_t(d)}" for d in item.details)
    return out


def _item(item: Item) -> str:
    text = _t(item.text)
    if item.verdict == Verdict.FAIL:
        text = f"**{text}**"
    note = _t(item.note) if item.note else ""
    if item.verdict == Verdict.NOT_APPLICABLE:
        note = f"n/a: {note}" if note else "n/a"
    elif item.verdict == Verdict.NOT_MEASURED:
        note = f"*not measured*: {note}" if note else "*not measured*"
    elif item.verdict == Verdict.HUMAN:
        note = f"*for the reviewer*: {note}" if note else "*for the reviewer*"
    return f"{_MARK[item.verdict]} {text}" + (f": {note}" if note else "")


def _findings(introduced: Sequence[Finding], resolved: Sequence[Finding]) -> list[str]:
    out: list[str] = []
    if introduced:
        out += ["**Introduced by this branch**", ""]
        out += [f"- {_finding(f)}" for f in introduced]
        out.append("")
    if resolved:
        out += ["**Resolved by this branch**", ""]
        out += [f"- {_finding(f)}" for f in resolved]
    return out


def _impacts(impacts: Sequence[Impact]) -> list[str]:
    out: list[str] = []
    for i in impacts:
        head = f"- {_c(i.target)} {_t(i.change)}"
        if i.owner:
            head += f", owned by {_t(i.owner)}"
        out.append(head)
        deps = [d for d in i.dependents if not d.goes_with_it]
        gone = [d for d in i.dependents if d.goes_with_it]
        for d in deps:
            first = ", dropped by the branch first" if d.dropped_by_branch else ""
            out.append(f"    - depended on by {_t(d.what)}{first}")
        if gone:
            out.append("    - goes with it: " + ", ".join(_t(d.what) for d in gone))
        if i.code is None:
            out.append("    - application code: not searched (no code_paths)")
        elif i.code:
            for ref in i.code:
                out.append(f"    - still named at {_c(str(ref))}: {_c(ref.text)}")
        else:
            out.append("    - no reference left in code\\_paths")
    return out


def _announcement(a: Announcement) -> list[str]:
    lines = [
        f"**Migration Announcement**: {a.title}",
        "",
        f"**Who**: {a.who}",
        f"**When**: {a.when}",
        f"**What**: {a.what}",
        f"**Duration**: {a.duration}",
        f"**Risk**: {a.risk}",
        f"**Requires**: {a.requires}",
        f"**Impact**: {a.impact}",
        f"**Rollback**: {a.rollback}",
        "",
        "**Asks**:",
        *(f"- {ask}" for ask in a.asks),
        "",
        "**Links**:",
        *(f"- {link}" for link in a.links),
    ]
    body = "\n".join(" ".join(line.split()) if line else "" for line in lines)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [
        "Paste it in the team channel before running the migration.",
        "",
        f"{fence}markdown",
        body,
        fence,
    ]


# --- JSON --------------------------------------------------------------------------------


def _plain(value: object) -> object:
    """Dataclasses, enums, tuples and dicts as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, Review):
            out = {"version": 1, "failed": value.failed, **out}
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    return value
