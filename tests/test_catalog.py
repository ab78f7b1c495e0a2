"""Applying migrations and reading the catalog, against real PostgreSQL servers."""

from __future__ import annotations

import contextlib
import socket
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import psycopg
import pytest

from conftest import bin_dir_for
from schema_wiki.errors import DatabaseError, MigrationFailed
from schema_wiki.model import (
    Catalog,
    CatalogColumn,
    CatalogTable,
    Location,
    Migration,
    MigrationFile,
    MigrationHeader,
    Statement,
)
from schema_wiki.replay.apply import apply_migrations, runs_in_transaction
from schema_wiki.replay.pgserver import ThrowawayPostgres
from schema_wiki.sources.catalog import catalog_connection, read_catalog, redact_conninfo

#: A password that must never show up in a message.
SENTINEL = "Sentinel-Pa55-xyzzy"


def make_migration(
    path: str,
    *statements: tuple[int, str] | tuple[int, str, bool],
    transactional: bool = True,
    parse_errors: dict[int, str] | None = None,
) -> Migration:
    """A migration of ``(line, sql[, transactional])`` statements, as the parser would give."""
    stem = Path(path).stem
    return Migration(
        id=stem,
        version=stem.split("_")[0],
        name=stem,
        path=path,
        header=MigrationHeader(),
        files=(MigrationFile(path, ""),),
        statements=tuple(
            Statement(
                sql=s[1],
                location=Location(path, s[0]),
                transactional=s[2] if len(s) == 3 else True,
                parse_error=(parse_errors or {}).get(s[0]),
            )
            for s in statements
        ),
        transactional=transactional,
    )


SCHEMA: Sequence[Migration] = (
    make_migration(
        "migrations/001_types.sql",
        (3, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')"),
        (4, "COMMENT ON TYPE mood IS 'How one feels'"),
        (5, "CREATE DOMAIN positive_int AS integer NOT NULL DEFAULT 1\n  CHECK (VALUE > 0)"),
        (7, "COMMENT ON DOMAIN positive_int IS 'A positive integer'"),
    ),
    make_migration(
        "migrations/002_accounts.sql",
        (
            1,
            """CREATE TABLE accounts (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                obsolete int,
                name varchar(50) NOT NULL,
                balance numeric(12,2) NOT NULL DEFAULT 0,
                feeling mood,
                note text COLLATE "C",
                name_upper text GENERATED ALWAYS AS (upper(name)) STORED,
                CONSTRAINT accounts_name_key UNIQUE (name),
                CONSTRAINT accounts_balance_check CHECK (balance >= 0)
            )""",
        ),
        (12, "ALTER TABLE accounts DROP COLUMN obsolete"),
        (13, "COMMENT ON TABLE accounts IS 'Accounts: 100% of them, %s included'"),
        (14, "COMMENT ON COLUMN accounts.balance IS 'Balance in EUR'"),
        (15, "COMMENT ON CONSTRAINT accounts_balance_check ON accounts IS 'No overdraft'"),
        # The parser could not read this one; the database still runs it.
        (16, "COMMENT ON COLUMN accounts.name IS E'Shown\\non the profile'"),
        parse_errors={16: "unexpected string"},
    ),
    make_migration(
        "migrations/003_transfers.sql",
        (
            1,
            """CREATE TABLE transfers (
                id bigint PRIMARY KEY,
                account_id bigint,
                amount positive_int,
                during tstzrange,
                created_at timestamptz NOT NULL DEFAULT now(),
                EXCLUDE USING gist (during WITH &&)
            )""",
        ),
        (9, "INSERT INTO accounts (name) VALUES ('ada'), ('bob')"),
        (10, "INSERT INTO transfers (id, account_id, amount) VALUES (1, 1, 5), (2, 1, 5)"),
        (
            11,
            "ALTER TABLE transfers ADD CONSTRAINT transfers_account_fk\n"
            "  FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID",
        ),
        (
            13,
            "CREATE INDEX CONCURRENTLY transfers_recent ON transfers (created_at)\n"
            "  WHERE amount > 10",
            False,
        ),
        (15, "COMMENT ON INDEX transfers_recent IS 'Recent big transfers'"),
        (16, "CREATE INDEX accounts_lower_name ON accounts (lower(name), balance)"),
        (
            17,
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n  RETURN NEW;\nEND\n$$",
        ),
        (
            22,
            "CREATE TRIGGER transfers_touch BEFORE UPDATE ON transfers\n"
            "  FOR EACH ROW EXECUTE FUNCTION touch()",
        ),
        (24, "COMMENT ON TRIGGER transfers_touch ON transfers IS 'Keeps it fresh'"),
        (25, "CREATE TRIGGER transfers_off AFTER INSERT ON transfers EXECUTE FUNCTION touch()"),
        (26, "ALTER TABLE transfers DISABLE TRIGGER transfers_off"),
    ),
    make_migration(
        "migrations/004_views_partitions.sql",
        (1, "CREATE VIEW rich_accounts AS SELECT id, name FROM accounts WHERE balance > 1000"),
        (2, "COMMENT ON VIEW rich_accounts IS 'The well-off'"),
        (3, "COMMENT ON COLUMN rich_accounts.name IS 'Their name'"),
        (
            4,
            "CREATE MATERIALIZED VIEW account_totals AS\n"
            "  SELECT account_id, sum(amount) AS total FROM transfers GROUP BY account_id",
        ),
        (
            6,
            "CREATE TABLE events (id bigint, at date NOT NULL, payload jsonb)\n"
            "  PARTITION BY RANGE (at)",
        ),
        (7, "COMMENT ON TABLE events IS 'Everything that happened'"),
        (
            8,
            "CREATE TABLE events_2024 PARTITION OF events\n"
            "  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        ),
        (
            9,
            "CREATE TABLE events_2025 PARTITION OF events\n"
            "  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (id)",
        ),
        (11, "CREATE TABLE events_2025_rest PARTITION OF events_2025 DEFAULT"),
        (12, "CREATE TABLE events_other PARTITION OF events DEFAULT"),
        (13, "INSERT INTO events SELECT g, '2024-06-01', '{}' FROM generate_series(1, 30) g"),
        (14, "INSERT INTO events SELECT g, '2025-06-01', '{}' FROM generate_series(1, 12) g"),
        (15, "ANALYZE events"),
        (16, "CREATE FOREIGN DATA WRAPPER nowhere"),
        (17, "CREATE SERVER far_away FOREIGN DATA WRAPPER nowhere"),
        (18, "CREATE FOREIGN TABLE remote_things (id int) SERVER far_away"),
        (19, "CREATE SCHEMA audit"),
        (
            20,
            "CREATE TABLE audit.log (id int PRIMARY KEY,\n"
            "  account_id bigint REFERENCES public.accounts (id))",
        ),
        (22, "CREATE SCHEMA scratch"),
        (23, "CREATE TABLE scratch.tmp (x int)"),
    ),
)

BROKEN_INDEX = "CREATE UNIQUE INDEX CONCURRENTLY transfers_amount_key ON transfers (amount)"


@dataclass
class Env:
    server: ThrowawayPostgres
    conninfo: str
    catalog: Catalog

    def table(self, name: str, schema: str = "public") -> CatalogTable:
        found = self.catalog.table(schema, name)
        assert found is not None, f"{schema}.{name} not in the catalog"
        return found


@pytest.fixture(scope="module", params=["wheel", "system"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """The schema above, applied on each installation present, and its catalog."""
    bin_dir = bin_dir_for(str(request.param))
    with ThrowawayPostgres(bin_dir) as server:
        conninfo = server.create_database("catalog")
        apply_migrations(conninfo, SCHEMA)
        # A failed CREATE UNIQUE INDEX CONCURRENTLY leaves an INVALID index.
        with psycopg.connect(conninfo, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute(BROKEN_INDEX)
            conn.execute("ANALYZE accounts")
            # An extension's views (in public) are not the team's schema.
            with contextlib.suppress(psycopg.errors.UndefinedFile):
                conn.execute("CREATE EXTENSION pg_stat_statements")
        yield Env(server, conninfo, read_catalog(conninfo))


# --- what the catalog says ------------------------------------------------------------


def test_relations_and_their_kinds(env: Env) -> None:
    kinds = {(t.schema, t.name): t.kind for t in env.catalog.tables}
    assert kinds == {
        ("public", "accounts"): "table",
        ("public", "transfers"): "table",
        ("public", "rich_accounts"): "view",
        ("public", "account_totals"): "materialized view",
        ("public", "events"): "partitioned table",
        ("public", "remote_things"): "foreign table",
        ("audit", "log"): "table",
        ("scratch", "tmp"): "table",
    }
    assert env.catalog.server_version.split(".")[0] == str(env.server.version)


def test_columns_types_nullability_defaults(env: Env) -> None:
    accounts = env.table("accounts")
    assert [c.name for c in accounts.columns] == [
        "id",
        "name",
        "balance",
        "feeling",
        "note",
        "name_upper",
    ]
    positions = [c.position for c in accounts.columns]
    assert positions == sorted(positions) and positions[1] == 3, "attnum, gap of the drop"
    cols = {c.name: c for c in accounts.columns}
    assert cols["id"].type == "bigint" and cols["id"].identity == "always"
    assert not cols["id"].nullable and cols["id"].default is None
    assert cols["name"].type == "character varying(50)" and not cols["name"].nullable
    assert cols["balance"].type == "numeric(12,2)" and cols["balance"].default == "0"
    assert cols["feeling"].type == "mood" and cols["feeling"].nullable
    assert cols["note"].collation == "C" and cols["name"].collation is None
    assert cols["name_upper"].generated == "upper((name)::text)"
    assert cols["name_upper"].generated_kind == "stored" and cols["name_upper"].default is None
    transfers = {c.name: c for c in env.table("transfers").columns}
    assert transfers["created_at"].type == "timestamp with time zone"
    assert transfers["created_at"].default == "now()"
    assert transfers["amount"].type == "positive_int"


def test_column_fields_keep_the_order_the_query_selects() -> None:
    # read_catalog builds CatalogColumn positionally, for speed.
    assert [f.name for f in fields(CatalogColumn)][:10] == [
        "name",
        "type",
        "nullable",
        "default",
        "comment",
        "position",
        "identity",
        "generated",
        "generated_kind",
        "collation",
    ]


def test_comments_on_everything(env: Env) -> None:
    accounts = env.table("accounts")
    assert accounts.comment == "Accounts: 100% of them, %s included"
    cols = {c.name: c for c in accounts.columns}
    assert cols["balance"].comment == "Balance in EUR"
    assert cols["name"].comment == "Shown\non the profile"
    assert cols["id"].comment is None
    checks = {c.name: c for c in accounts.constraints}
    assert checks["accounts_balance_check"].comment == "No overdraft"
    indexes = {i.name: i for i in env.table("transfers").indexes}
    assert indexes["transfers_recent"].comment == "Recent big transfers"
    triggers = {t.name: t for t in env.table("transfers").triggers}
    assert triggers["transfers_touch"].comment == "Keeps it fresh"
    view = env.table("rich_accounts")
    assert view.comment == "The well-off"
    assert [c.comment for c in view.columns] == [None, "Their name"]


def test_constraints(env: Env) -> None:
    accounts = {c.name: c for c in env.table("accounts").constraints}
    assert [c.kind for c in env.table("accounts").constraints] == [
        "primary key",
        "unique",
        "check",
    ], "primary key first; NOT NULL is on the columns"
    assert accounts["accounts_pkey"].columns == ("id",)
    assert accounts["accounts_name_key"].definition == "UNIQUE (name)"
    assert accounts["accounts_balance_check"].definition == "CHECK (balance >= 0::numeric)"
    transfers = {c.name: c for c in env.table("transfers").constraints}
    fk = transfers["transfers_account_fk"]
    assert fk.kind == "foreign key" and fk.not_valid and not fk.validated
    assert (fk.columns, fk.ref_schema, fk.ref_table, fk.ref_columns) == (
        ("account_id",),
        "public",
        "accounts",
        ("id",),
    )
    assert fk.definition.endswith("NOT VALID")
    exclusion = next(c for c in transfers.values() if c.kind == "exclusion")
    assert exclusion.columns == ("during",) and "gist" in exclusion.definition
    audit_fk = next(c for c in env.table("log", "audit").constraints if c.kind == "foreign key")
    assert (audit_fk.ref_schema, audit_fk.ref_table) == ("public", "accounts")


def test_indexes(env: Env) -> None:
    indexes = {i.name: i for i in env.table("transfers").indexes}
    broken = indexes["transfers_amount_key"]
    assert broken.invalid and broken.unique and not indexes["transfers_recent"].invalid
    partial = indexes["transfers_recent"]
    assert partial.predicate == "((amount)::integer > 10)"  # amount is a domain
    assert partial.columns == ("created_at",)
    assert partial.definition.startswith("CREATE INDEX transfers_recent ON public.transfers")
    assert indexes["transfers_pkey"].primary and indexes["transfers_pkey"].constraint == (
        "transfers_pkey"
    )
    assert env.table("transfers").indexes[0].name == "transfers_pkey", "primary key first"
    assert next(i for i in indexes.values() if i.method == "gist").constraint is not None
    expression = {i.name: i for i in env.table("accounts").indexes}["accounts_lower_name"]
    assert expression.columns == ("lower(name::text)", "balance")


def test_triggers(env: Env) -> None:
    triggers = {t.name: t for t in env.table("transfers").triggers}
    assert set(triggers) == {"transfers_touch", "transfers_off"}, "internal FK triggers hidden"
    assert triggers["transfers_touch"].definition.startswith(
        "CREATE TRIGGER transfers_touch BEFORE UPDATE ON transfers"
    )
    assert triggers["transfers_touch"].enabled and not triggers["transfers_off"].enabled


def test_views(env: Env) -> None:
    view = env.table("rich_accounts")
    assert view.definition is not None and "balance > 1000" in view.definition
    assert [c.name for c in view.columns] == ["id", "name"]
    assert view.total_bytes is None and view.row_estimate is None
    matview = env.table("account_totals")
    assert matview.definition is not None and "GROUP BY" in matview.definition


def test_partitions_fold_into_their_table(env: Env) -> None:
    events = env.table("events")
    assert events.partition_key == "RANGE (at)"
    assert events.comment == "Everything that happened"
    assert [c.name for c in events.columns] == ["id", "at", "payload"]
    parts = {p.name: p for p in events.partitions}
    assert set(parts) == {"events_2024", "events_2025", "events_2025_rest", "events_other"}
    assert parts["events_2024"].bound == "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    assert parts["events_other"].bound == "DEFAULT"
    assert parts["events_2025"].partition_key == "LIST (id)"
    assert parts["events_2025_rest"].parent == "public.events_2025"
    assert parts["events_2024"].parent is None
    assert events.row_estimate == 42, "the partitions' estimates, summed"
    assert events.total_bytes is not None and events.total_bytes > 0


def test_enums_and_domains(env: Env) -> None:
    (mood,) = env.catalog.enums
    assert (mood.schema, mood.name, mood.values, mood.comment) == (
        "public",
        "mood",
        ("sad", "ok", "happy"),
        "How one feels",
    )
    (domain,) = env.catalog.domains
    assert (domain.name, domain.type, domain.nullable, domain.default) == (
        "positive_int",
        "integer",
        False,
        "1",
    )
    assert domain.checks == ("CHECK (VALUE > 0)",)
    assert domain.comment == "A positive integer"


def test_row_estimates(env: Env) -> None:
    assert env.table("accounts").row_estimate == 2
    assert env.table("accounts").total_bytes is not None


def test_schema_filters(env: Env) -> None:
    def schemas(**kw: Sequence[str]) -> set[str]:
        return {t.schema for t in read_catalog(env.conninfo, **kw).tables}

    assert schemas() == {"public", "audit", "scratch"}
    assert schemas(schemas=["aud*"]) == {"audit"}
    assert schemas(schemas=["*"], exclude_schemas=["scratch", "pub?ic"]) == {"audit"}
    # PostgreSQL's own schemas never, even when asked for.
    assert schemas(schemas=["pg_*", "information_schema"]) == set()
    # A foreign key into a schema not read still names its columns.
    audit = read_catalog(env.conninfo, schemas=["audit"])
    (fk,) = (c for c in audit.tables[0].constraints if c.kind == "foreign key")
    assert fk.ref_columns == ("id",)
    assert read_catalog(env.conninfo, schemas=["audit"]).enums == ()


# --- safety -------------------------------------------------------------------------------


def test_the_catalog_connection_is_read_only_and_bounded(env: Env) -> None:
    with catalog_connection(env.conninfo, statement_timeout_ms=1234, lock_timeout_ms=567) as conn:
        settings = conn.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
            " current_setting('application_name'), current_setting('transaction_read_only')"
        ).fetchone()
        assert settings == ("1234ms", "567ms", "schema-wiki", "on")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE sneaky (x int)")
        conn.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("UPDATE accounts SET balance = 1")
    assert env.catalog.table("public", "sneaky") is None


def test_a_lock_held_elsewhere_fails_fast_and_says_so(env: Env) -> None:
    with psycopg.connect(env.conninfo) as other:
        other.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(DatabaseError) as caught:
            read_catalog(env.conninfo, lock_timeout_ms=300)
        assert time.monotonic() - started < 5
        message = str(caught.value)
        assert "lock_timeout (300 ms)" in message and "public.accounts" in message
        assert "\n" not in message

        with pytest.raises(DatabaseError, match=r"statement_timeout \(200 ms\)"):
            read_catalog(env.conninfo, statement_timeout_ms=200, lock_timeout_ms=5000)
        other.rollback()


def _assert_secret_free(error: BaseException) -> None:
    text = "".join(traceback.format_exception(error))
    assert SENTINEL not in text
    assert "\n" not in str(error)


@pytest.fixture(scope="module")
def password_server() -> Iterator[ThrowawayPostgres]:
    with ThrowawayPostgres(password="the-real-one") as server:
        yield server


def test_wrong_password_is_reported_without_it(password_server: ThrowawayPostgres) -> None:
    params = psycopg.conninfo.conninfo_to_dict(password_server.conninfo)
    host, port = params["host"], params["port"]
    wrong_kv = psycopg.conninfo.make_conninfo(password_server.conninfo, password=SENTINEL)
    wrong_uri = f"postgresql://postgres:{SENTINEL}@/postgres?host={host}&port={port}"
    for conninfo in (wrong_kv, wrong_uri):
        with pytest.raises(DatabaseError, match="authentication failed") as caught:
            read_catalog(conninfo)
        _assert_secret_free(caught.value)
    missing = psycopg.conninfo.make_conninfo(password_server.conninfo, password="")
    with pytest.raises(DatabaseError, match="password"):
        read_catalog(missing, connect_timeout=2)
    assert read_catalog(password_server.conninfo).tables == ()


def test_unreachable_servers_are_reported_without_the_password(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    refused = f"host=127.0.0.1 port={free_port} dbname=app user=app password={SENTINEL}"
    with pytest.raises(DatabaseError, match="connection refused") as caught:
        read_catalog(refused)
    _assert_secret_free(caught.value)
    assert "127.0.0.1" in str(caught.value)

    no_socket = f"postgresql://app:{SENTINEL}@/app?host={tmp_path}"
    with pytest.raises(DatabaseError, match="no PostgreSQL socket") as caught:
        read_catalog(no_socket)
    _assert_secret_free(caught.value)


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(DatabaseError, match="connect_timeout") as caught:
            read_catalog(f"host=127.0.0.1 port={port} password={SENTINEL}", connect_timeout=1)
        assert time.monotonic() - started < 10
        _assert_secret_free(caught.value)


def test_missing_database_and_bad_connection_strings(pg_server: ThrowawayPostgres) -> None:
    missing = psycopg.conninfo.make_conninfo(
        pg_server.conninfo, dbname="no_such_db", password=SENTINEL
    )
    with pytest.raises(DatabaseError, match="does not exist") as caught:
        read_catalog(missing)
    _assert_secret_free(caught.value)
    for bad in (
        f"host=localhost password={SENTINEL} nonsense",
        f"postgresql://app:{SENTINEL}@localhost:notaport/app",
        f"host=localhost password='{SENTINEL}' sslmode=sometimes",
    ):
        with pytest.raises(DatabaseError) as caught:
            read_catalog(bad)
        _assert_secret_free(caught.value)


@pytest.mark.parametrize(
    ("conninfo", "redacted"),
    [
        ("host=db password=s3cret user=app", "host=db password=******** user=app"),
        ("host=db password = 's3 cr\\'et' user=app", "host=db password = ******** user=app"),
        ("postgresql://app:s3cret@db:5432/app", "postgresql://app:********@db:5432/app"),
        (
            "postgres://app@db/app?password=s3cret&sslmode=require",
            "postgres://app@db/app?password=********&sslmode=require",
        ),
        ("postgresql://app:pa/ss@word@db/app", "postgresql://app:********@db/app"),
        ("postgresql://db/app?sslpassword=k3y", "postgresql://db/app?sslpassword=********"),
        ("host=db sslpassword=k3y", "host=db sslpassword=********"),
        ("host=db user=app", "host=db user=app"),
    ],
)
def test_redact_conninfo(conninfo: str, redacted: str) -> None:
    assert redact_conninfo(conninfo) == redacted


# --- applying migrations ------------------------------------------------------------------


def _exists(conninfo: str, relation: str) -> bool:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [relation]).fetchone()
        return bool(row and row[0])


def test_concurrently_runs_outside_a_transaction(pg_database: str) -> None:
    migration = make_migration(
        "migrations/010_things.sql",
        (1, "CREATE TABLE things (id int, label text)"),
        (2, "CREATE INDEX CONCURRENTLY things_label ON things (label)", False),
    )
    assert not runs_in_transaction(migration)
    apply_migrations(pg_database, [migration])
    (things,) = read_catalog(pg_database).tables
    assert [i.name for i in things.indexes] == ["things_label"]
    assert things.indexes[0].valid


def test_a_failing_statement_names_file_line_and_postgres_message(pg_database: str) -> None:
    good = make_migration("migrations/001_ok.sql", (1, "CREATE TABLE ok (x int)"))
    bad = make_migration(
        "migrations/002_bad.sql",
        (3, "CREATE TABLE half_done (x int)"),
        (5, "ALTER TABLE half_done\n  ADD COLUMN y int,\n  ADD COLUMN z no_such_type"),
    )
    with pytest.raises(MigrationFailed) as caught:
        apply_migrations(pg_database, [good, bad])
    error = caught.value
    # Line 5 starts the statement; PostgreSQL points two lines further down.
    assert error.location == Location("migrations/002_bad.sql", 7)
    assert error.pg_message == 'type "no_such_type" does not exist'
    assert error.statement.startswith("ALTER TABLE half_done")
    text = str(error)
    assert text.startswith("migrations/002_bad.sql:7: migration 002_bad failed:")
    assert 'type "no_such_type" does not exist' in text and "ALTER TABLE half_done" in text
    assert "migrations/002_bad.sql:5" in text
    assert _exists(pg_database, "ok"), "earlier migrations stay applied"
    assert not _exists(pg_database, "half_done"), "the failed migration is rolled back"


def test_a_failure_outside_a_transaction_keeps_what_ran(pg_database: str) -> None:
    migration = make_migration(
        "migrations/003_nontx.sql",
        (1, "CREATE TABLE kept (x int)"),
        (2, "CREATE INDEX CONCURRENTLY kept_y ON kept (y)", False),
    )
    with pytest.raises(MigrationFailed, match='column "y" does not exist') as caught:
        apply_migrations(pg_database, [migration])
    assert caught.value.location == Location("migrations/003_nontx.sql", 2)
    assert _exists(pg_database, "kept")


def test_setup_sql_runs_first_and_its_failure_is_clear(pg_database: str) -> None:
    migration = make_migration("migrations/001_x.sql", (1, "CREATE TABLE app.x (id int)"))
    apply_migrations(pg_database, [migration], setup_sql="CREATE SCHEMA app; SELECT 1;")
    assert _exists(pg_database, "app.x")
    with pytest.raises(MigrationFailed, match="setup_sql failed") as caught:
        apply_migrations(pg_database, [], setup_sql="CREATE SCHEMA app")
    assert caught.value.pg_message == 'schema "app" already exists'


def test_files_that_manage_their_own_transaction(pg_database: str) -> None:
    migration = make_migration(
        "migrations/001_own.sql",
        (1, "-- the file says when\nBEGIN"),
        (3, "CREATE TABLE own (x int)"),
        (4, "COMMIT"),
    )
    assert not runs_in_transaction(migration)
    apply_migrations(pg_database, [migration])
    assert _exists(pg_database, "own")

    unclosed = make_migration(
        "migrations/002_open.sql", (1, "BEGIN"), (2, "CREATE TABLE never (x int)")
    )
    with pytest.raises(MigrationFailed, match="left a transaction open"):
        apply_migrations(pg_database, [unclosed])
    assert not _exists(pg_database, "never")


def test_a_failed_build_still_removes_its_server() -> None:
    bad = make_migration("migrations/001_bad.sql", (4, "CREATE TABLE t (x no_such_type)"))
    with pytest.raises(MigrationFailed) as caught, ThrowawayPostgres() as pg:
        pid = pg.pid
        apply_migrations(pg.conninfo, [bad])
    assert caught.value.location == Location("migrations/001_bad.sql", 4)
    assert 'type "no_such_type" does not exist' in str(caught.value)
    assert pid is not None and not pg.running
    assert not pg.data_dir.exists() and not pg.socket_dir.exists()
