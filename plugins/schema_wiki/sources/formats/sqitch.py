"""Sqitch: changes in the order of ``sqitch.plan``, scripts in ``deploy/``.

A plan line is ``name [requires] 2024-02-15T09:30:00Z Planner <email> # note``;
``@tag`` lines tag the change before them. A change planned again later
(reworked) runs its earlier versions from ``deploy/<name>@<tag>.sql``, the tag
being the first one after that earlier entry. ``revert/<name>.sql`` is kept
as the rollback; ``verify/`` is not read.

Each migration's version is its planned time (``20240215093000``), so its
date shows without a header. The plan's note, requirements and planner fill
the header's Migration, Dependencies and Author when the deploy script's own
header lacks them; those fields' lines are lines of ``sqitch.plan``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...model import HeaderField, Level, Location
from .base import ROLLBACK_DOCUMENT, Candidate, Context, Part, rollback_markdown

__all__ = ["PlanEntry", "is_sqitch", "parse_plan", "read_sqitch"]

PLAN = "sqitch.plan"
_CHANGE = re.compile(
    r"^[+]?(?P<name>[^\s\[@#:][^\s\[@#]*)\s*"
    r"(?:\[(?P<requires>[^\]]*)\]\s*)?"
    r"(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)\s*"
    r"(?P<planner>[^<#]*?)\s*(?:<(?P<email>[^>]*)>)?\s*(?:#\s?(?P<note>.*))?$"
)
_TAG = re.compile(r"^@(?P<tag>[^\s#]+)")


@dataclass
class PlanEntry:
    """One change of the plan."""

    name: str
    line: int
    time: str
    requires: tuple[str, ...]
    planner: str
    note: str
    #: Tags that follow the entry before the next change.
    tags: tuple[str, ...] = ()


def is_sqitch(directory: Path) -> bool:
    """The directory holds a ``sqitch.plan``."""
    return (directory / PLAN).is_file()


def parse_plan(text: str) -> tuple[list[PlanEntry], list[tuple[int, str]]]:
    """The plan's changes in order, and (line, text) of lines it could not read."""
    entries: list[PlanEntry] = []
    bad: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith(("%", "#")):
            continue
        tag = _TAG.match(line)
        if tag:
            if entries:
                entries[-1].tags = (*entries[-1].tags, tag.group("tag"))
            continue
        if line.startswith("-"):
            # An old-style "- change" entry reverts a change; not a deploy.
            continue
        m = _CHANGE.match(line)
        if not m:
            bad.append((number, line))
            continue
        requires = tuple(
            r for r in (m.group("requires") or "").split() if r and not r.startswith("!")
        )
        entries.append(
            PlanEntry(
                name=m.group("name"),
                line=number,
                time=m.group("time"),
                requires=requires,
                planner=(m.group("planner") or "").strip(),
                note=(m.group("note") or "").strip(),
            )
        )
    return entries, bad


def read_sqitch(context: Context) -> list[Candidate]:
    """Candidates in the order of ``sqitch.plan``."""
    plan_path = context.directory / PLAN
    plan_rel = context.rel(plan_path)
    text = context.read(plan_path)
    if text is None:
        return []
    # Verify scripts are Sqitch's own checks, never applied: known, not read.
    verify = context.directory / "verify"
    if verify.is_dir():
        for verify_script in verify.rglob("*.sql"):
            context.recognise(verify_script)
    entries, bad = parse_plan(text)
    for number, line in bad:
        context.note(
            "invalid-plan",
            Level.WARNING,
            plan_rel,
            f"cannot read the plan line {line!r}; expected"
            " 'name [requires] YYYY-MM-DDTHH:MM:SSZ Planner <email> # note'",
            Location(plan_rel, number),
        )
    out: list[Candidate] = []
    for index, entry in enumerate(entries):
        script = entry.name
        if any(later.name == entry.name for later in entries[index + 1 :]):
            tag = next((t for e in entries[index:] for t in e.tags), None)
            if tag:
                script = f"{entry.name}@{tag}"
        deploy = context.directory / "deploy" / f"{script}.sql"
        if not deploy.is_file():
            context.note(
                "missing-migration",
                Level.ERROR,
                entry.name,
                f"{PLAN} plans {entry.name} but {context.rel(deploy)} does not exist",
                Location(plan_rel, entry.line),
            )
            continue
        sql = context.read(deploy)
        if sql is None:
            continue
        documents: dict[str, str] = {}
        revert = context.directory / "revert" / f"{script}.sql"
        if revert.is_file() and (revert_sql := context.read(revert)) is not None:
            documents[ROLLBACK_DOCUMENT] = rollback_markdown(context.rel(revert), revert_sql)
        out.append(
            Candidate(
                version=re.sub(r"\D", "", entry.time),
                name=entry.name,
                id=script,
                path=deploy,
                parts=[Part(deploy, sql)],
                order=(index,),
                identity=script,
                documents=documents,
                extra_fields=_plan_fields(entry),
            )
        )
    return out


def _plan_fields(entry: PlanEntry) -> dict[str, HeaderField]:
    fields: dict[str, HeaderField] = {}
    if entry.note:
        fields["migration"] = HeaderField("Migration", entry.note, entry.line)
    if entry.requires:
        fields["dependencies"] = HeaderField(
            "Dependencies", ", ".join(entry.requires), entry.line, entry.requires
        )
    if entry.planner:
        fields["author"] = HeaderField("Author", entry.planner, entry.line)
    return fields
