"""The wiki's model as JSON, for other tools and for drift snapshots.

The format is documented in the README ("Export format"); ``version`` changes
when a field changes meaning.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ..join.history import TypeTrail, history_of
from ..join.story import Account, dropped_by, introduced
from ..model import Column, Event, Finding, Location, Migration, Table, Wiki

FORMAT_VERSION = 1


def _loc(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"path": location.path, "line": location.line}


def _event(event: Event, wiki: Wiki) -> dict[str, Any]:
    m = wiki.migration(event.migration_id)
    return {
        "migration": m.path if m else event.migration_id,
        "migration_id": event.migration_id,
        "action": event.action.value,
        "date": event.date.isoformat() if event.date else None,
        "detail": event.detail,
        "from": event.old_name,
        "to": event.new_name,
        "location": _loc(event.location),
        "cascade_of": event.cascade_of,
        "lock": event.lock,
        "rewrite": event.rewrite,
    }


def _told(story: Account | None, wiki: Wiki) -> dict[str, Any] | None:
    """A migration's account of a change: which (path and id), when, who, ticket, why,
    and the step of a migration of several files."""
    if story is None:
        return None
    m = wiki.migration(story.migration_id)
    return {
        "migration": m.path if m else story.migration_id,
        "migration_id": story.migration_id,
        "date": story.date.isoformat() if story.date else None,
        "author": story.author,
        "ticket": story.ticket,
        "why": story.why,
        "step": story.step,
        "step_path": story.step_path,
        "location": _loc(story.location),
    }


def _column(column: Column, wiki: Wiki, table: Table) -> dict[str, Any]:
    intro = wiki.migration(column.introduced_by) if column.introduced_by else None
    drop = column.drop_after
    return {
        "name": column.name,
        "type": column.type,
        "nullable": column.nullable,
        "default": column.default,
        "comment": column.comment,
        "position": column.position,
        "introduced_by": intro.path if intro else None,
        "history": [_event(e, wiki) for e in column.history],
        "drop_after": drop.date.isoformat() if drop else None,
        "drop_after_source": (
            {"kind": drop.source, "location": _loc(drop.location)} if drop else None
        ),
        "adrs": list(column.adrs),
        "decided_by": list(column.decided_by),
        "identity": column.identity,
        "generated": column.generated,
        "former_names": list(column.former_names),
        "dropped": column.dropped or table.dropped,
        "introduced": _told(introduced(wiki, column), wiki),
        "dropped_by": _told(dropped_by(wiki, column, table), wiki),
    }


def _table(table: Table, wiki: Wiki) -> dict[str, Any]:
    intro = wiki.migration(table.introduced_by) if table.introduced_by else None
    return {
        "schema": table.schema,
        "name": table.name,
        "kind": table.kind,
        "comment": table.comment,
        "introduced_by": intro.path if intro else None,
        "columns": [_column(c, wiki, table) for c in table.columns],
        "dropped_columns": [_column(c, wiki, table) for c in table.dropped_columns],
        "history": [_event(e, wiki) for e in table.history],
        "adrs": list(table.adrs),
        "decided_by": list(table.decided_by),
        "former_names": list(table.former_names),
        "dropped": table.dropped,
        "introduced": _told(introduced(wiki, table), wiki),
        "dropped_by": _told(dropped_by(wiki, table), wiki),
        "constraints": [asdict(c) for c in table.constraints],
        "indexes": [asdict(i) for i in table.indexes],
        "triggers": [asdict(t) for t in table.triggers],
        "definition": table.definition,
        "partition_key": table.partition_key,
        "partitions": [asdict(p) for p in table.partitions],
        "row_estimate": table.row_estimate,
        "total_bytes": table.total_bytes,
    }


def _migration(m: Migration, wiki: Wiki) -> dict[str, Any]:
    return {
        "id": m.id,
        "version": m.version,
        "name": m.name,
        "path": m.path,
        "title": m.title,
        "date": m.date.isoformat() if m.date else None,
        "header": {f.key: f.value for f in m.header.fields.values()},
        "files": [f.path for f in m.files],
        "transactional": m.transactional,
        "adrs": wiki.migration_adrs.get(m.id, []),
        "related": [
            {"migration_id": r.migration_id, "stated": r.stated}
            for r in wiki.related_migrations.get(m.id, ())
        ],
    }


def _type(data: dict[str, Any], wiki: Wiki) -> dict[str, Any]:
    """An enum or domain of the catalog, with its history from the replay."""
    history = history_of(wiki)
    trail = history.types.get((data["schema"], data["name"])) if history else None
    if trail is None:
        return {**data, "introduced_by": None, "history": []}
    return {**data, **_type_history(trail, wiki)}


def _type_history(trail: TypeTrail, wiki: Wiki) -> dict[str, Any]:
    intro = wiki.migration(trail.introduced_by) if trail.introduced_by else None
    return {
        "introduced_by": intro.path if intro else None,
        "history": [_event(e, wiki) for e in trail.events],
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "level": f.level.value,
        "target": f.target,
        "message": f.message,
        "location": _loc(f.location),
    }


def export_dict(wiki: Wiki) -> dict[str, Any]:
    """The whole model as plain JSON-ready data."""
    history = history_of(wiki)
    return {
        "version": FORMAT_VERSION,
        "today": wiki.today.isoformat(),
        "tables": [_table(t, wiki) for t in wiki.tables],
        "dropped_tables": [_table(t, wiki) for t in wiki.dropped_tables],
        "migrations": [_migration(m, wiki) for m in wiki.migrations],
        "adrs": [
            {
                "id": a.id,
                "number": a.number,
                "title": a.title,
                "status": a.status,
                "date": a.date.isoformat() if a.date else None,
                "path": a.path,
                "refs": [r.text for r in a.refs],
                "migrations": wiki.adr_migrations.get(a.id, []),
            }
            for a in wiki.adrs
        ],
        "types": {
            "enums": [_type(asdict(e), wiki) for e in wiki.catalog.enums] if wiki.catalog else [],
            "domains": (
                [_type(asdict(d), wiki) for d in wiki.catalog.domains] if wiki.catalog else []
            ),
            "dropped": [
                {"schema": t.schema, "name": t.name, "kind": t.kind, **_type_history(t, wiki)}
                for t in (history.dropped_types if history else [])
            ],
        },
        "findings": [_finding(f) for f in wiki.findings],
        "replay_failure": _failure(wiki),
    }


def _failure(wiki: Wiki) -> dict[str, Any] | None:
    """Where the migrations stopped applying (the model is then incomplete), or None."""
    failure = wiki.catalog.failure if wiki.catalog is not None else None
    if failure is None:
        return None
    return {
        "migration_id": failure.migration_id,
        "location": _loc(failure.location),
        "message": failure.pg_message,
        "applied_through": failure.applied_through,
    }


def export_json(wiki: Wiki) -> str:
    return json.dumps(export_dict(wiki), indent=2, ensure_ascii=False, default=str) + "\n"
