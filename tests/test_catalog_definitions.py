"""read_catalog writes most index and constraint definitions itself: byte for byte
what pg_get_indexdef and pg_get_constraintdef say, on real servers.

Plain btree indexes, primary keys, unique constraints and foreign keys are
spelled in Python (those functions cost tens of microseconds each and
pg_get_indexdef locks the table); everything else is left to PostgreSQL. Here a
schema with many kinds of each is read on every installation present, and each
definition is compared with what the server's own function returns; the test
also checks which ones took the Python path, so that a fallback cannot hide a
wrong spelling.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql

from conftest import BINARY_SETS, bin_dir_for
from schema_wiki.gc_pause import gc_paused
from schema_wiki.model import Catalog, CatalogColumn, CatalogConstraint, CatalogIndex
from schema_wiki.replay.pgserver import ThrowawayPostgres
from schema_wiki.row_maker import row_maker
from schema_wiki.sources import catalog as catalog_module
from schema_wiki.sources.catalog import read_catalog

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE SCHEMA "Odd Schema";
CREATE SCHEMA other;
CREATE TABLE parent (id bigint PRIMARY KEY, a int, b int, UNIQUE (a, b));
CREATE TABLE shadowed (id int PRIMARY KEY);
CREATE TABLE things (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(200) NOT NULL,
    name text,
    "Mixed Case" text,
    "order" int,
    "user" text,
    "time" timestamptz,
    type text,
    "we""ird" int,
    feeling mood,
    amount posint,
    tags text[],
    net cidr,
    note text COLLATE "C",
    payload jsonb,
    during tstzrange,
    a int,
    b int,
    parent_id bigint,
    shadowed_id int REFERENCES shadowed (id),
    CONSTRAINT things_email_key UNIQUE (email),
    CONSTRAINT things_pair_nnd UNIQUE NULLS NOT DISTINCT (a, b),
    CONSTRAINT things_include UNIQUE (name) INCLUDE (note, "order"),
    CONSTRAINT "things Deferred" UNIQUE ("user") DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT things_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)
        ON UPDATE CASCADE ON DELETE SET NULL,
    CONSTRAINT things_pair_fk FOREIGN KEY (a, b) REFERENCES parent (a, b)
        MATCH FULL ON DELETE RESTRICT DEFERRABLE,
    CONSTRAINT things_set_some FOREIGN KEY (a, b) REFERENCES parent (a, b)
        ON DELETE SET NULL (a),
    CONSTRAINT things_set_default FOREIGN KEY (parent_id) REFERENCES parent (id)
        ON UPDATE RESTRICT ON DELETE SET DEFAULT,
    CONSTRAINT things_check CHECK ("order" > 0),
    CONSTRAINT things_no_overlap EXCLUDE USING gist (during WITH &&)
);
ALTER TABLE things ADD CONSTRAINT things_later FOREIGN KEY (b, a) REFERENCES parent (a, b)
    NOT VALID;
CREATE INDEX things_multi ON things (a, b);
CREATE INDEX things_orders ON things (a DESC, b DESC NULLS LAST, name NULLS FIRST,
    email ASC NULLS LAST, "order" ASC);
CREATE INDEX "Things Mixed" ON things ("Mixed Case");
CREATE INDEX things_keywords ON things ("order", "user", "time", type, "we""ird");
CREATE INDEX things_varchar ON things (email);
CREATE INDEX things_enum ON things (feeling);
CREATE INDEX things_cidr ON things (net);
CREATE INDEX things_explicit_default ON things (name text_ops);
CREATE INDEX things_column_collation ON things (note);
CREATE INDEX things_covering ON things (a) INCLUDE (name, "Mixed Case");
CREATE UNIQUE INDEX things_nulls_not_distinct ON things (b) NULLS NOT DISTINCT;
CREATE INDEX things_domain ON things (amount);
CREATE INDEX things_array ON things (tags);
CREATE INDEX things_pattern ON things (name text_pattern_ops);
CREATE INDEX things_collate ON things (name COLLATE "C");
CREATE INDEX things_partial ON things (a) WHERE b > 0;
CREATE INDEX things_expression ON things (lower(name));
CREATE INDEX things_gin ON things USING gin (payload);
CREATE INDEX things_hash ON things USING hash (name);
CREATE INDEX things_fillfactor ON things (b) WITH (fillfactor = 70);
CREATE TABLE "Odd Schema"."Odd Table" (
    id int PRIMARY KEY,
    "Parent Id" bigint REFERENCES parent (id),
    x int
);
CREATE INDEX "odd index" ON "Odd Schema"."Odd Table" (x DESC);
CREATE TABLE other.far (
    id int PRIMARY KEY,
    things_id bigint REFERENCES public.things (id),
    odd_id int REFERENCES "Odd Schema"."Odd Table" (id)
);
CREATE TABLE near (id int PRIMARY KEY, far_id int REFERENCES other.far (id));
CREATE TABLE events (id bigint, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE INDEX events_at ON events (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
"""

#: PostgreSQL 18 only.
SCHEMA_18 = """
ALTER TABLE things ADD CONSTRAINT things_unenforced FOREIGN KEY (a, b) REFERENCES parent (a, b)
    NOT ENFORCED;
"""

#: Plain btree indexes whose definition needs what Python does not spell:
#: a domain's or an array's operator class, a named one, an explicit collation.
LEFT_TO_POSTGRES = {"things_domain", "things_array", "things_pattern", "things_collate"}


@dataclass
class Env:
    server: ThrowawayPostgres
    conninfo: str
    version: int


@pytest.fixture(scope="module", params=BINARY_SETS)
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """The schema above on each installation present."""
    with ThrowawayPostgres(bin_dir_for(str(request.param))) as server:
        conninfo = server.create_database("definitions")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(SCHEMA.encode())
            if conn.info.server_version >= 180000:
                conn.execute(SCHEMA_18.encode())
            # A table of the same name earlier on the search path ("$user", public):
            # public.shadowed is no longer visible, so references to it are qualified.
            user = sql.Identifier(conn.info.user)
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(user))
            conn.execute(sql.SQL("CREATE TABLE {}.shadowed (id int)").format(user))
            version = conn.info.server_version
        yield Env(server, conninfo, version)


Definitions = dict[tuple[str, ...], str]


def _what_postgres_says(conninfo: str) -> tuple[Definitions, Definitions]:
    """pg_get_indexdef and pg_get_constraintdef of everything outside pg_catalog."""
    with psycopg.connect(conninfo) as conn:
        indexes = conn.execute(
            "SELECT n.nspname, c.relname, ic.relname, pg_get_indexdef(i.indexrelid)"
            " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
            " JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'"
        ).fetchall()
        constraints = conn.execute(
            "SELECT n.nspname, c.relname, con.conname, pg_get_constraintdef(con.oid, true)"
            " FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'"
            "   AND con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0"
        ).fetchall()
    return {r[:3]: r[3] for r in indexes}, {r[:3]: r[3] for r in constraints}


def _read_spying(
    conninfo: str, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> tuple[Catalog, set[int], set[int]]:
    """The catalog, and the oids of the indexes and constraints left to PostgreSQL."""
    left: dict[str, set[int]] = {"indexes": set(), "constraints": set()}
    real = catalog_module._definitions

    def spy(*args: Any) -> Any:
        result = real(*args)
        left["indexes"].update(result[1])
        left["constraints"].update(result[3])
        return result

    monkeypatch.setattr(catalog_module, "_definitions", spy)
    catalog = read_catalog(conninfo, **options)
    return catalog, left["indexes"], left["constraints"]


def _names(conninfo: str, oids: set[int]) -> set[str]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT relname FROM pg_class WHERE oid = ANY(%(o)s)"
            " UNION ALL SELECT conname FROM pg_constraint WHERE oid = ANY(%(o)s)",
            {"o": sorted(oids)},
        ).fetchall()
    return {r[0] for r in rows}


def _compare(catalog: Catalog, conninfo: str) -> tuple[int, int]:
    indexes, constraints = _what_postgres_says(conninfo)
    seen_indexes = seen_constraints = 0
    for table in catalog.tables:
        for index in table.indexes:
            assert index.definition == indexes[(table.schema, table.name, index.name)]
            seen_indexes += 1
        for constraint in table.constraints:
            expected = constraints[(table.schema, table.name, constraint.name)]
            assert constraint.definition == expected, constraint.name
            seen_constraints += 1
    return seen_indexes, seen_constraints


def test_definitions_are_what_postgres_says(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog, left_indexes, left_constraints = _read_spying(env.conninfo, monkeypatch)
    seen_indexes, seen_constraints = _compare(catalog, env.conninfo)
    assert seen_indexes >= 30 and seen_constraints >= 24
    assert _names(env.conninfo, left_indexes) == LEFT_TO_POSTGRES
    assert left_constraints == set()
    things = catalog.table("public", "things")
    assert things is not None
    spelled = {i.name: i.definition for i in things.indexes}
    assert spelled["things_varchar"].endswith("USING btree (email)"), "varchar takes text_ops"
    assert spelled["things_keywords"].endswith('("order", "user", "time", type, "we""ird")')
    near = catalog.table("public", "near")
    assert near is not None
    assert "REFERENCES other.far(id)" in near.constraints[-1].definition
    assert any("REFERENCES public.shadowed(id)" in c.definition for c in things.constraints)


def test_definitions_with_schema_filters(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    # Foreign keys into schemas not read name their columns from the query.
    catalog, _, left_constraints = _read_spying(env.conninfo, monkeypatch, schemas=["other"])
    (far,) = catalog.tables
    assert _compare(catalog, env.conninfo) == (1, 3)
    assert left_constraints == set()
    assert {c.ref_table for c in far.constraints} == {None, "things", "Odd Table"}


def test_definitions_when_every_identifier_is_quoted(env: Env) -> None:
    name = str(psycopg.conninfo.conninfo_to_dict(env.conninfo)["dbname"])
    with psycopg.connect(env.conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET quote_all_identifiers = on").format(sql.Identifier(name))
        )
    try:
        catalog = read_catalog(env.conninfo)
        _compare(catalog, env.conninfo)
        things = catalog.table("public", "things")
        assert things is not None
        assert things.indexes[0].definition.startswith('CREATE UNIQUE INDEX "things_pkey" ON')
    finally:
        with psycopg.connect(env.conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} RESET quote_all_identifiers").format(
                    sql.Identifier(name)
                )
            )


def test_not_enforced_foreign_keys(env: Env) -> None:
    if env.version < 180000:
        pytest.skip("NOT ENFORCED is PostgreSQL 18's")
    things = read_catalog(env.conninfo).table("public", "things")
    assert things is not None
    (unenforced,) = (c for c in things.constraints if c.name == "things_unenforced")
    assert unenforced.definition.endswith("NOT ENFORCED") and not unenforced.enforced


# --- building the objects -------------------------------------------------------------------


def test_objects_built_without_init_equal_those_built_with_it() -> None:
    column = ("id", "bigint", False, None, "The key", 1, "always", None, None, "C")
    assert catalog_module._column(column) == CatalogColumn(*column)
    assert catalog_module._column((*column, "ignored", 42)) == CatalogColumn(*column)
    index = ("i", "CREATE INDEX i ON public.t USING btree (a)", ("a",), False, False, None,
             True, "btree", None, 8192, None)  # fmt: skip
    assert catalog_module._index_of(index) == CatalogIndex(*index)
    built = catalog_module._constraint_of(
        ("c", "check", "CHECK (a > 0)", ("a",), None, None, (), True, True, False, False, None)
    )
    assert built == CatalogConstraint("c", "check", "CHECK (a > 0)", ("a",))
    assert hash(built) == hash(CatalogConstraint("c", "check", "CHECK (a > 0)", ("a",)))
    with pytest.raises(AttributeError):
        built.name = "other"  # type: ignore[misc]


def test_classes_that_need_their_init_keep_it() -> None:
    @dataclass(frozen=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("negative")

    make = row_maker(Checked)
    assert make((1, "extra")) == Checked(1)
    with pytest.raises(ValueError, match="negative"):
        make((-1,))


def test_the_collector_is_paused_and_resumed() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with gc_paused(False):
        assert gc.isenabled(), "not paused when told not to"
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled(), "left off when it was off"
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_quoting_follows_quote_identifier() -> None:
    quote = catalog_module._quoter("off", ["select", "user", "time"])
    assert [quote(n) for n in ("plain_1", "_x", "type", "user", "Mixed", "a b", 'we"ird')] == [
        "plain_1",
        "_x",
        "type",
        '"user"',
        '"Mixed"',
        '"a b"',
        '"we""ird"',
    ]
    assert quote("1abc") == '"1abc"' and quote("naïve") == '"naïve"' and quote("a$") == '"a$"'
    assert catalog_module._quoter("on", [])("plain") == '"plain"'
