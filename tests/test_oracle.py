"""The product's history agrees with an independent oracle on every migration set we have.

`oracle.run_oracle` applies a set one migration at a time on the shared
throwaway server and reads the catalog after each; `oracle.compare` checks
``schema-wiki export``'s JSON against it, relation by relation and column by
column (see tests/oracle.py). Every disagreement is printed, one per line.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import drop_database, new_database
from oracle import OracleResult, RelationStory, compare, run_oracle
from realsets import SETS, export, project
from schema_wiki.engines.mkdocs_plugin import read_config as load_config
from schema_wiki.pipeline import migrations_format, read_setup_sql
from schema_wiki.replay.pgserver import ThrowawayPostgres
from schema_wiki.sources.migrations import load_migrations

#: Sets on which the exported history still disagrees with the oracle, and why. Each
#: reason lists every disagreement; a set that starts agreeing fails (strict) until it
#: leaves this list.
KNOWN: dict[str, str] = {}


def _cases() -> list[object]:
    out: list[object] = []
    for s in SETS:
        marks = []
        if s.name in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[s.name]))
        if s.name.startswith("real/"):
            marks.append(pytest.mark.slow)
        out.append(pytest.param(s.name, marks=marks, id=s.name))
    return out


@pytest.mark.parametrize("name", _cases())
def test_export_agrees_with_the_oracle(name: str, pg_server: ThrowawayPostgres) -> None:
    root = project(name)
    exported = export(name)
    config = load_config(str(root / "mkdocs.yml"))
    migrations, _ = load_migrations(
        config.root, config.migrations_dir, fmt=config.migrations_format
    )
    conninfo = new_database(pg_server, "oracle")
    try:
        result = run_oracle(conninfo, migrations, migrations_format(config), read_setup_sql(config))
    finally:
        drop_database(pg_server, conninfo)
    disagreements = compare(result, exported)
    assert not disagreements, f"{len(disagreements)} disagreements:\n" + "\n".join(
        str(d) for d in disagreements
    )


# --- the oracle itself ----------------------------------------------------------------

_SYNTHETIC = {
    "20240101000000_create.sql": """
CREATE TABLE a (
    id int PRIMARY KEY, x text DEFAULT 'a', y int, z varchar(10), d varchar(5) DEFAULT 'q'
);
CREATE VIEW v AS SELECT id, y FROM a;
COMMENT ON COLUMN a.x IS 'first';
CREATE TABLE c (k int);
""",
    "20240102000000_change.sql": """
ALTER TABLE a RENAME COLUMN x TO x2;
ALTER TABLE a ALTER COLUMN z TYPE varchar(20);
ALTER TABLE a ALTER COLUMN y SET NOT NULL;
ALTER TABLE a ALTER COLUMN x2 DROP DEFAULT;
COMMENT ON COLUMN a.x2 IS 'second';
ALTER TABLE a ALTER COLUMN id SET NOT NULL;
""",
    "20240103000000_add_and_drop.sql": """
ALTER TABLE a ADD COLUMN w int;
ALTER TABLE a ADD COLUMN tmp int;
ALTER TABLE a DROP COLUMN tmp;
""",
    "20240104000000_cascade.sql": """
ALTER TABLE a DROP COLUMN y CASCADE;
ALTER TABLE a RENAME TO b;
CREATE TYPE t AS ENUM ('one');
ALTER TABLE b ADD COLUMN e t;
""",
    "20240105000000_more.sql": """
DROP TYPE t CASCADE;
ALTER TABLE b ALTER COLUMN d TYPE text;
ALTER TABLE c ADD PRIMARY KEY (k);
""",
}


def _synthetic(tmp_path: Path, pg_server: ThrowawayPostgres) -> OracleResult:
    directory = tmp_path / "migrations"
    directory.mkdir()
    for name, text in _SYNTHETIC.items():
        (directory / name).write_text(text)
    migrations, _ = load_migrations(tmp_path, directory)
    conninfo = new_database(pg_server, "oracle")
    try:
        return run_oracle(conninfo, migrations, "plain")
    finally:
        drop_database(pg_server, conninfo)


def _story(result: OracleResult, name: str) -> RelationStory:
    (story,) = (s for s in result.relations.values() if s.name == name)
    return story


def test_oracle_sees_every_kind_of_change(tmp_path: Path, pg_server: ThrowawayPostgres) -> None:
    result = _synthetic(tmp_path, pg_server)
    b = _story(result, "b")
    assert (b.schema, b.introduced, b.dropped) == ("public", 0, None)
    assert [(c.migration, c.old, c.new) for c in b.renames] == [(3, "a", "b")]
    columns = {c.name: c for c in b.columns.values()}
    assert sorted(columns) == ["d", "id", "w", "x2", "z"]
    assert {name: c.introduced for name, c in columns.items()} == {
        "id": 0,
        "x2": 0,
        "z": 0,
        "d": 0,
        "w": 2,
    }
    assert [c.describe() for c in columns["x2"].changes] == [
        "rename x -> x2",
        "drop default",
        "comment 'second'",
    ]
    assert [c.describe() for c in columns["z"].changes] == [
        "type character varying(10) -> character varying(20)"
    ]
    # A default PostgreSQL rewrote with the type ('q'::character varying -> 'q'::text) is
    # part of the type change; SET NOT NULL on a primary key column changes nothing.
    assert [c.describe() for c in columns["d"].changes] == ["type character varying(5) -> text"]
    assert columns["id"].changes == []
    dropped = {c.name: c for c in b.dropped_columns}
    assert sorted(dropped) == ["e", "y"]
    assert dropped["y"].dropped is not None and dropped["y"].changes[0].kind == "set not null"
    assert (dropped["y"].dropped.migration, dropped["y"].dropped.cascade) == (3, False)
    assert dropped["e"].dropped is not None
    assert (dropped["e"].introduced, dropped["e"].dropped.migration) == (3, 4)
    assert dropped["e"].dropped.cascade  # DROP TYPE ... CASCADE took it
    # tmp was added and dropped by one migration: no snapshot shows it.
    assert "tmp" not in dropped
    v = _story(result, "v")
    assert v.kind == "v" and v.introduced == 0
    assert v.dropped is not None and (v.dropped.migration, v.dropped.cascade) == (3, True)
    (k,) = _story(result, "c").columns.values()
    assert [c.describe() for c in k.changes] == ["set not null (primary key added)"]


@pytest.fixture(scope="module")
def example_oracle(pg_server: ThrowawayPostgres) -> Iterator[tuple[OracleResult, dict[str, Any]]]:
    root = project("example")
    config = load_config(str(root / "mkdocs.yml"))
    migrations, _ = load_migrations(config.root, config.migrations_dir)
    conninfo = new_database(pg_server, "oracle")
    try:
        yield run_oracle(conninfo, migrations, migrations_format(config)), export("example")
    finally:
        drop_database(pg_server, conninfo)


def _users(data: dict[str, Any]) -> dict[str, Any]:
    (users,) = (t for t in data["tables"] if t["name"] == "users")
    return users


def _column(table: dict[str, Any], name: str) -> dict[str, Any]:
    (column,) = (c for c in table["columns"] if c["name"] == name)
    return column


def test_compare_reports_each_difference_once(
    example_oracle: tuple[OracleResult, dict[str, Any]],
) -> None:
    result, exported = example_oracle
    assert compare(result, exported) == []

    wrong = copy.deepcopy(exported)
    users = _users(wrong)
    phone = _column(users, "phone")
    phone["introduced_by"] = "migrations/20240110090000_create_users.sql"
    username = _column(users, "username")
    username["history"] = [e for e in username["history"] if e["action"] != "drop not null"]
    handle = _column(users, "handle")
    handle["history"].append(dict(handle["history"][-1], action="alter type"))
    users["dropped_columns"] = [c for c in users["dropped_columns"] if c["name"] != "legacy_id"]
    wrong["dropped_tables"] = []
    found = [str(d) for d in compare(result, wrong)]
    assert found == [
        "public.users.username @ migrations/20240509100000_deprecate_users_username.sql:"
        " oracle drop not null; export no drop not null",
        "public.users.phone: oracle introduced by"
        " migrations/20240220140000_add_phone_to_users.sql; export introduced by"
        " migrations/20240110090000_create_users.sql",
        "public.users.handle @ migrations/20240423100000_backfill_users_handle.sql:"
        " oracle no type; export type None -> None",
        "public.users.legacy_id @ migrations/20240820140000_drop_legacy_user_columns.sql:"
        " oracle dropped (introduced by migrations/20240215100000_add_legacy_id_to_users.sql);"
        " export no such dropped column",
        "public.legacy_user_mapping @ migrations/20240820140000_drop_legacy_user_columns.sql:"
        " oracle table dropped (introduced by"
        " migrations/20240220150000_create_legacy_user_mapping.sql); export no such dropped"
        " relation",
    ]
