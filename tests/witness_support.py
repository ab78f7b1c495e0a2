"""Wikis built the way a build builds them: the migrations applied, and recorded, by a real
PostgreSQL, the catalog read back from it. Nothing about the history is made up by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from checks_support import sql_migration
from conftest import drop_database, new_database
from factories import TODAY
from schema_wiki.join.history import History, Step
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import Adr, Column, Event, Migration, Table, Wiki
from schema_wiki.replay.apply import apply_migrations
from schema_wiki.replay.pgserver import ThrowawayPostgres
from schema_wiki.replay.record import Witness
from schema_wiki.sources.catalog import read_catalog


def replayed(
    server: ThrowawayPostgres,
    migrations: Sequence[Migration],
    adrs: Sequence[Adr] = (),
    today: dt.date = TODAY,
    setup_sql: str | None = None,
) -> Wiki:
    """The joined wiki of ``migrations`` applied, with the recorder, to a fresh database."""
    conninfo = new_database(server, "witness")
    try:
        witness = apply_migrations(conninfo, migrations, setup_sql, record=True)
        catalog = read_catalog(conninfo)
    finally:
        drop_database(server, conninfo)
    assert isinstance(witness, Witness)
    return build_wiki(
        list(migrations), list(adrs), dataclasses.replace(catalog, witness=witness), today
    )


def migrations_of(*sqls: str, header: bool = False) -> list[Migration]:
    """One migration per SQL text, a month apart from 2024-01-01 (``m1``, ``m2``...)."""
    return [
        sql_migration(f"2024{i + 1:02d}01000000", sql, header=header, name=f"m{i + 1}")
        for i, sql in enumerate(sqls)
    ]


def history_of(wiki: Wiki) -> History:
    from schema_wiki.join.history import history_of as typed

    history = typed(wiki)
    assert history is not None
    return history


def table(wiki: Wiki, name: str, schema: str = "public") -> Table:
    found = wiki.table(schema, name)
    assert found is not None, f"no table {schema}.{name}: {[t.name for t in wiki.tables]}"
    return found


def dropped(wiki: Wiki, name: str) -> Table:
    found = [t for t in wiki.dropped_tables if t.name == name]
    assert found, f"no dropped table {name}: {[t.name for t in wiki.dropped_tables]}"
    return found[-1]


def column(wiki: Wiki, table_name: str, name: str) -> Column:
    t = table(wiki, table_name)
    found = t.column(name) or next((c for c in t.dropped_columns if c.name == name), None)
    assert found is not None, f"no column {name} in {table_name}"
    return found


def line_of(migration: Migration, text: str) -> int:
    """The line of the statement of ``migration`` that contains ``text``."""
    for statement in migration.statements:
        if text in statement.sql:
            assert statement.location.line is not None
            return statement.location.line
    raise AssertionError(f"no statement with {text!r} in {migration.id}")


def trail(events: Sequence[Event]) -> list[tuple[str, str, int | None]]:
    """(migration id, action, line) of each event, the shape most tests compare."""
    return [(e.migration_id, e.action.value, e.location.line) for e in events]


def steps(wiki: Wiki, migration: Migration) -> list[Step]:
    return history_of(wiki).steps_of(migration.id)
