"""Relations between ADRs: resolved, shown on both sides, checked for cycles.

An ADR states a relation on one side (``supersedes: ["0012"]`` in ADR-14,
or ``Superseded by [14. ...](0014-....md)`` in ADR-12 as adr-tools writes
it); `link_relations` resolves each target to an ADR and gives both ADRs the
relation, the other side's as its inverse. Then:

* a target that names no ADR is a ``dangling-reference`` finding at the
  line that states it;
* a cycle of supersessions (A supersedes B supersedes A, or an ADR that
  supersedes itself) is a ``dangling-reference`` finding at one of its lines,
  and its members keep the statuses their files state;
* an ADR superseded by one that was accepted (its status is accepted,
  deprecated or superseded) is shown as superseded, whatever its own file
  says; a merely proposed or a rejected successor changes nothing yet.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import replace

from ..model import Adr, AdrRelation, Finding, Level, RelationKind

__all__ = ["EFFECTIVE_STATUSES", "find_adr", "link_relations", "supersession_cycles"]

#: Statuses of a successor that make its predecessor superseded.
EFFECTIVE_STATUSES = frozenset({"accepted", "deprecated", "superseded"})

_DIGITS = re.compile(r"\d+")


def label(adr: Adr) -> str:
    """``ADR-0015``, or the id of an ADR without a number."""
    return f"ADR-{adr.number:04d}" if adr.number is not None else adr.id


def find_adr(adrs: Iterable[Adr], source: Adr | None, target: str) -> Adr | None:
    """The ADR ``target`` names: a path or file name (relative to ``source``'s file),
    an id, or a number (``0012``, ``ADR-012``, ``12. Title``)."""
    pool = list(adrs)
    text = target.strip().split("#")[0].strip()
    if not text:
        return None
    if text.endswith(".md") or "/" in text:
        base = posixpath.dirname(source.path) if source is not None else ""
        resolved = posixpath.normpath(posixpath.join(base, text))
        for adr in pool:
            if adr.path == resolved:
                return adr
        stem = posixpath.basename(text).removesuffix(".md")
        for adr in pool:
            if adr.id == stem:
                return adr
        text = stem
    for adr in pool:
        if adr.id == text:
            return adr
    m = _DIGITS.search(text)
    if m is None:
        return None
    number = int(m.group(0))
    return next((a for a in pool if a.number == number), None)


def link_relations(adrs: list[Adr]) -> tuple[list[Adr], list[Finding]]:
    """Resolve every relation, give it to both ADRs, check cycles, apply supersessions.

    Returns new `Adr` values (in the same order) and the findings.
    """
    findings: list[Finding] = []
    by_id = {a.id: a for a in adrs}
    stated: dict[str, dict[tuple[RelationKind, str], AdrRelation]] = {a.id: {} for a in adrs}
    unresolved: dict[str, list[AdrRelation]] = {a.id: [] for a in adrs}
    # A supersedes B, with the relation that says so.
    edges: list[tuple[str, str, AdrRelation]] = []

    for adr in adrs:
        for rel in adr.relations:
            other = find_adr(adrs, adr, rel.target)
            if other is None:
                unresolved[adr.id].append(rel)
                findings.append(
                    Finding(
                        "dangling-reference",
                        Level.WARNING,
                        adr.id,
                        f"{label(adr)} {rel.kind.value} {rel.target!r}, which names no ADR;"
                        " fix the number or file name",
                        rel.location,
                    )
                )
                continue
            if other.id == adr.id and rel.kind not in (
                RelationKind.SUPERSEDES,
                RelationKind.SUPERSEDED_BY,
            ):
                findings.append(
                    Finding(
                        "dangling-reference",
                        Level.WARNING,
                        adr.id,
                        f"{label(adr)} {rel.kind.value} itself; name another ADR",
                        rel.location,
                    )
                )
                continue
            stated[adr.id].setdefault(
                (rel.kind, other.id), replace(rel, adr_id=other.id, stated=True)
            )
            if rel.kind == RelationKind.SUPERSEDES:
                edges.append((adr.id, other.id, rel))
            elif rel.kind == RelationKind.SUPERSEDED_BY:
                edges.append((other.id, adr.id, rel))

    cycles = supersession_cycles([(a, b) for a, b, _ in edges])
    in_cycle = {node for cycle in cycles for node in cycle}
    for cycle in cycles:
        members = set(cycle)
        inside = [(a, b, r) for a, b, r in edges if a in members and b in members]
        inside.sort(key=lambda e: (e[2].location.path, e[2].location.line or 0))
        first = inside[0][2]
        owner = next((a.id for a in adrs if a.path == first.location.path), cycle[0])
        chain = " supersedes ".join(label(by_id[n]) for n in [*cycle, cycle[0]])
        findings.append(
            Finding(
                "dangling-reference",
                Level.WARNING,
                owner,
                f"supersession cycle: {chain}; remove the relation that is wrong",
                first.location,
            )
        )

    merged: dict[str, list[AdrRelation]] = {}
    for adr in adrs:
        relations = dict(stated[adr.id])
        for other in adrs:
            for (kind, target_id), rel in stated[other.id].items():
                if target_id != adr.id or other.id == adr.id:
                    continue
                key = (kind.inverse, other.id)
                if key not in relations:
                    relations[key] = AdrRelation(
                        kind.inverse, other.id, rel.location, adr_id=other.id, stated=False
                    )
        ordered = sorted(
            relations.values(),
            key=lambda r: (_KIND_ORDER[r.kind], by_id[r.adr_id or ""].number or 0, r.adr_id),
        )
        merged[adr.id] = [*ordered, *unresolved[adr.id]]

    successors: dict[str, list[str]] = {}
    for a, b, _ in edges:
        if a != b and a not in in_cycle and b not in in_cycle:
            successors.setdefault(b, []).append(a)

    out: list[Adr] = []
    for adr in adrs:
        status, stated_status = adr.status, adr.stated_status
        superseded = any(by_id[s].status in EFFECTIVE_STATUSES for s in successors.get(adr.id, []))
        if superseded and adr.status != "superseded":
            status, stated_status = "superseded", adr.status
        out.append(
            replace(
                adr, relations=tuple(merged[adr.id]), status=status, stated_status=stated_status
            )
        )
    return out, findings


_KIND_ORDER = {
    RelationKind.SUPERSEDED_BY: 0,
    RelationKind.SUPERSEDES: 1,
    RelationKind.AMENDED_BY: 2,
    RelationKind.AMENDS: 3,
    RelationKind.RELATES_TO: 4,
}


def supersession_cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Every cycle in a directed graph, one per strongly connected component
    with more than one node or a self-loop, in the order of a walk around it."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, [])
        graph.setdefault(b, [])
        if b not in graph[a]:
            graph[a].append(b)

    # Tarjan's algorithm, iterative so a long chain of ADRs cannot hit the recursion limit.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            neighbours = graph[node]
            if i < len(neighbours):
                work.append((node, i + 1))
                nxt = neighbours[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])

    cycles: list[list[str]] = []
    for component in components:
        if len(component) == 1 and component[0] not in graph[component[0]]:
            continue
        cycles.append(_walk(graph, set(component)))
    return cycles


def _walk(graph: dict[str, list[str]], members: set[str]) -> list[str]:
    """The shortest cycle through the component's smallest node, as a list of nodes."""
    start = min(members)
    parents: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in graph[node]:
            if nxt not in members:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return list(reversed(path))
            if nxt not in parents:
                parents[nxt] = node
                queue.append(nxt)
    return [start]
