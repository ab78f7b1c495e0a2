"""History from the replay's witness: one fixture per statement kind the parser got wrong.

Every wiki here is built by a real PostgreSQL applying (and recording) the
migrations; the expected histories are written out in full.
"""

from __future__ import annotations

import pytest

from checks_support import check
from schema_wiki.model import Action
from schema_wiki.replay.pgserver import ThrowawayPostgres
from witness_support import (
    column,
    dropped,
    history_of,
    migrations_of,
    replayed,
    steps,
    table,
    trail,
)

CREATE_USERS = "CREATE TABLE users (id bigint PRIMARY KEY, username text NOT NULL, email text);\n"


def test_create_table_as_introduces_every_column(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        CREATE_USERS,
        "CREATE TABLE user_copy AS SELECT id, username AS login FROM users;\n"
        "SELECT id, email INTO TABLE user_mail FROM users;\n",
    )
    wiki = replayed(pg_server, ms)
    for name in ("id", "login"):
        c = column(wiki, "user_copy", name)
        assert c.introduced_by == ms[1].id
        assert trail(c.history) == [(ms[1].id, "add column", 1)]
    assert table(wiki, "user_copy").introduced_by == ms[1].id
    assert trail(table(wiki, "user_copy").history) == [(ms[1].id, "create table", 1)]
    assert [(c.name, c.introduced_by) for c in table(wiki, "user_mail").columns] == [
        ("id", ms[1].id),
        ("email", ms[1].id),
    ]
    assert trail(column(wiki, "user_mail", "email").history) == [(ms[1].id, "add column", 2)]


def test_alter_table_with_sub_commands_the_parser_does_not_model(
    pg_server: ThrowawayPostgres,
) -> None:
    ms = migrations_of(
        "CREATE TABLE orgs (id int PRIMARY KEY);\n"
        "CREATE TABLE t (id int NOT NULL, org int,"
        " CONSTRAINT t_org_fk FOREIGN KEY (org) REFERENCES orgs DEFERRABLE);\n",
        "ALTER TABLE t ADD COLUMN z int, ADD CHECK (z > 0);\n"
        "ALTER TABLE t ADD COLUMN y int, ALTER CONSTRAINT t_org_fk NOT DEFERRABLE;\n"
        "CREATE UNIQUE INDEX t_y_idx ON t (y);\n"
        "ALTER TABLE t ADD CONSTRAINT t_y_key UNIQUE USING INDEX t_y_idx;\n"
        "ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;\n",
    )
    wiki = replayed(pg_server, ms)
    m = ms[1].id
    assert column(wiki, "t", "z").introduced_by == m
    assert trail(column(wiki, "t", "z").history) == [(m, "add column", 1)]
    assert trail(column(wiki, "t", "y").history) == [(m, "add column", 2)]
    assert [(e.action, e.detail) for e in column(wiki, "t", "id").history][-1] == (
        Action.ADD_IDENTITY,
        "always",
    )
    assert column(wiki, "t", "id").history[-1].location.line == 5
    t = table(wiki, "t")
    assert [(e.action.value, e.detail, e.old_name, e.new_name, e.location.line) for e in t.history][
        1:
    ] == [
        ("add constraint", "t_z_check", None, None, 1),
        ("create index", "t_y_idx", None, None, 3),
        ("add constraint", "t_y_key", None, None, 4),
        ("rename index", None, "t_y_idx", "t_y_key", 4),
    ]
    assert not t.columns[0].dropped


def test_pg15_on_delete_set_null_column_list(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        "CREATE TABLE users (tenant int, id int, PRIMARY KEY (tenant, id));\n",
        "CREATE TABLE posts (tenant int, id int, uid int,"
        " FOREIGN KEY (tenant, uid) REFERENCES users ON DELETE SET NULL (uid));\n",
    )
    wiki = replayed(pg_server, ms)
    assert [(c.name, c.introduced_by) for c in table(wiki, "posts").columns] == [
        ("tenant", ms[1].id),
        ("id", ms[1].id),
        ("uid", ms[1].id),
    ]
    assert [f for f in wiki.findings if f.rule == "unsafe-migration"] == []
    from schema_wiki.checks import run_checks

    assert [f for f in run_checks(wiki).findings if f.rule == "unsafe-migration"] == []


def test_views_are_created_replaced_and_dropped_by_cascade(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        CREATE_USERS,
        "CREATE VIEW active_users AS SELECT id, username FROM users;\n"
        "CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users;\n",
        "CREATE OR REPLACE VIEW active_users AS SELECT id, username, email FROM users;\n",
        "ALTER TABLE users DROP COLUMN username CASCADE;\n",
    )
    wiki = replayed(pg_server, ms)
    view = dropped(wiki, "active_users")
    assert view.kind == "view" and view.dropped
    assert [(e.migration_id, e.action.value, e.cascade_of) for e in view.history] == [
        (ms[1].id, "create view", None),
        (ms[2].id, "replace view", None),
        (ms[3].id, "drop view", "column public.users.username"),
    ]
    assert [(c.name, c.introduced_by) for c in view.columns] == [
        ("id", ms[1].id),
        ("username", ms[1].id),
        ("email", ms[2].id),
    ]
    mat = table(wiki, "user_count")
    assert mat.kind == "materialized view"
    assert trail(mat.history) == [(ms[1].id, "create materialized view", 2)]
    assert column(wiki, "users", "username").dropped or any(
        c.name == "username" for c in table(wiki, "users").dropped_columns
    )
    (step,) = steps(wiki, ms[3])
    assert [(c.what, c.cause, c.existed) for c in step.cascaded] == [
        ("view public.active_users", "column public.users.username", True)
    ]


def test_other_relation_kinds(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        "CREATE TABLE events (at date NOT NULL, what text) PARTITION BY RANGE (at);\n"
        "CREATE FOREIGN DATA WRAPPER dummy;\n"
        "CREATE SERVER elsewhere FOREIGN DATA WRAPPER dummy;\n"
        "CREATE FOREIGN TABLE remote_things (a int) SERVER elsewhere;\n",
        "ALTER TABLE events ADD COLUMN who text;\nDROP FOREIGN TABLE remote_things;\n",
    )
    wiki = replayed(pg_server, ms)
    events = table(wiki, "events")
    assert events.kind == "partitioned table"
    assert trail(events.history) == [(ms[0].id, "create table", 1)]
    assert trail(column(wiki, "events", "who").history) == [(ms[1].id, "add column", 1)]
    remote = dropped(wiki, "remote_things")
    assert remote.kind == "foreign table"
    assert trail(remote.history) == [
        (ms[0].id, "create foreign table", 4),
        (ms[1].id, "drop foreign table", 2),
    ]


def test_ddl_inside_do_blocks_and_functions(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        CREATE_USERS,
        "DO $$ BEGIN\n  EXECUTE 'ALTER TABLE users ADD COLUMN d int';\nEND $$;\n"
        "CREATE FUNCTION add_e() RETURNS void LANGUAGE sql AS\n"
        "  $f$ ALTER TABLE users ADD COLUMN e int $f$;\n"
        "SELECT add_e();\n",
    )
    wiki = replayed(pg_server, ms)
    assert trail(column(wiki, "users", "d").history) == [(ms[1].id, "add column", 1)]
    assert trail(column(wiki, "users", "e").history) == [(ms[1].id, "add column", 6)]
    flagged = {s.location.line: s.unmodelled for s in steps(wiki, ms[1]) if s.events}
    assert flagged == {1: True, 6: True}


def test_repeated_add_column_if_not_exists_keeps_the_first_introduction(
    pg_server: ThrowawayPostgres,
) -> None:
    ms = migrations_of(
        CREATE_USERS,
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone text;\n",
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone text;\n",
    )
    wiki = replayed(pg_server, ms)
    phone = column(wiki, "users", "phone")
    assert phone.introduced_by == ms[1].id
    assert trail(phone.history) == [(ms[1].id, "add column", 1)]


def test_renames_retypes_nullability_defaults_and_comments(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        "CREATE TABLE accounts (id bigint, login varchar(40));\n",
        "ALTER TABLE accounts RENAME COLUMN login TO username;\n",
        "ALTER TABLE accounts RENAME TO users;\n",
        "ALTER TABLE users RENAME COLUMN username TO handle;\n"
        "ALTER TABLE users ALTER COLUMN handle TYPE varchar(80),\n"
        "  ALTER COLUMN handle SET DEFAULT 'anon';\n"
        "ALTER TABLE users ALTER COLUMN handle SET NOT NULL;\n"
        "COMMENT ON COLUMN users.handle IS 'Public handle';\n"
        "ALTER TABLE users ALTER COLUMN handle DROP DEFAULT;\n"
        "COMMENT ON COLUMN users.handle IS NULL;\n",
    )
    wiki = replayed(pg_server, ms)
    handle = column(wiki, "users", "handle")
    assert handle.introduced_by == ms[0].id
    assert [
        (e.migration_id, e.action.value, e.old_name, e.new_name, e.detail, e.location.line)
        for e in handle.history
    ] == [
        (ms[0].id, "add column", None, None, "character varying(40)", 1),
        (ms[1].id, "rename column", "login", "username", None, 1),
        (ms[3].id, "rename column", "username", "handle", None, 1),
        (ms[3].id, "alter type", None, None, "character varying(80)", 2),
        (ms[3].id, "set default", None, None, "'anon'::character varying", 2),
        (ms[3].id, "set not null", None, None, None, 4),
        (ms[3].id, "comment column", None, None, "Public handle", 5),
        (ms[3].id, "drop default", None, None, None, 6),
        (ms[3].id, "comment column", None, None, None, 7),
    ]
    users = table(wiki, "users")
    assert [(e.action.value, e.old_name, e.new_name) for e in users.history] == [
        ("create table", None, None),
        ("rename table", "accounts", "users"),
    ]
    assert history_of(wiki).tables[("public", "users")].former_names == ["accounts"]


def test_a_table_recreated_under_an_old_name_has_a_history_of_its_own(
    pg_server: ThrowawayPostgres,
) -> None:
    ms = migrations_of(
        "CREATE TABLE things (a int);\n",
        "DROP TABLE things;\nCREATE TABLE things (b text);\n",
    )
    wiki = replayed(pg_server, ms)
    assert trail(table(wiki, "things").history) == [(ms[1].id, "create table", 2)]
    assert [c.name for c in table(wiki, "things").columns] == ["b"]
    old = dropped(wiki, "things")
    assert trail(old.history) == [(ms[0].id, "create table", 1), (ms[1].id, "drop table", 1)]
    assert [c.name for c in old.columns] == ["a"]


def test_indexes_and_constraints(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        CREATE_USERS,
        "CREATE INDEX users_email_idx ON users (email);\n"
        "ALTER INDEX users_email_idx RENAME TO users_email_i;\n"
        "ALTER TABLE users ADD CONSTRAINT email_ok CHECK (email <> '') NOT VALID;\n"
        "ALTER TABLE users VALIDATE CONSTRAINT email_ok;\n"
        "ALTER TABLE users RENAME CONSTRAINT email_ok TO email_present;\n"
        "DROP INDEX users_email_i;\n"
        "ALTER TABLE users DROP CONSTRAINT email_present;\n",
    )
    wiki = replayed(pg_server, ms)
    assert [
        (e.action.value, e.detail, e.old_name, e.new_name, e.location.line)
        for e in table(wiki, "users").history
    ] == [
        ("create table", None, None, None, 1),
        ("create index", "users_email_idx", None, None, 1),
        ("rename index", None, "users_email_idx", "users_email_i", 2),
        ("add constraint", "email_ok", None, None, 3),
        ("validate constraint", "email_ok", None, None, 4),
        ("rename constraint", None, "email_ok", "email_present", 5),
        ("drop index", "users_email_i", None, None, 6),
        ("drop constraint", "email_present", None, None, 7),
    ]


def test_a_type_change_rebuilding_indexes_is_no_index_event(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        "CREATE TABLE t (id int PRIMARY KEY, code int UNIQUE);\nCREATE INDEX t_code ON t (code);\n",
        "ALTER TABLE t ALTER COLUMN code TYPE bigint;\n",
    )
    wiki = replayed(pg_server, ms)
    assert [e.action.value for e in table(wiki, "t").history if e.migration_id == ms[1].id] == []
    (event,) = [e for e in column(wiki, "t", "code").history if e.migration_id == ms[1].id]
    assert (event.action, event.detail, event.rewrite) == (Action.ALTER_TYPE, "bigint", True)
    assert event.lock == "ACCESS EXCLUSIVE"


def test_cascades_through_foreign_keys_and_types(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        "CREATE TYPE mood AS ENUM ('sad', 'ok');\n"
        "CREATE TABLE users (id int PRIMARY KEY, feeling mood);\n"
        "CREATE TABLE orders (id int, user_id int CONSTRAINT orders_user_fk REFERENCES users);\n",
        "DROP TYPE mood CASCADE;\n",
        "DROP TABLE users CASCADE;\n",
    )
    wiki = replayed(pg_server, ms)
    feeling = next(c for c in dropped(wiki, "users").columns if c.name == "feeling")
    assert [(e.action.value, e.cascade_of) for e in feeling.history] == [
        ("add column", None),
        ("drop column", "type public.mood"),
    ]
    orders = table(wiki, "orders")
    assert [(e.action.value, e.detail, e.cascade_of) for e in orders.history][-1] == (
        "drop constraint",
        "orders_user_fk",
        "table public.users",
    )
    assert [(e.action.value, e.cascade_of) for e in dropped(wiki, "users").history] == [
        ("create table", None),
        ("drop table", None),
    ]


def test_enums_and_domains(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE DOMAIN cents AS bigint;\n",
        "ALTER TYPE mood ADD VALUE 'happy';\n",
        "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';\n"
        "ALTER TYPE mood RENAME TO feeling;\n"
        "ALTER DOMAIN cents ADD CONSTRAINT positive CHECK (VALUE > 0);\n"
        "COMMENT ON TYPE feeling IS 'How it went';\n",
        "DROP DOMAIN cents;\n",
    )
    wiki = replayed(pg_server, ms)
    types = history_of(wiki).types
    feeling = types[("public", "feeling")]
    assert feeling.introduced_by == ms[0].id
    assert [
        (e.migration_id, e.action.value, e.detail, e.old_name, e.new_name) for e in feeling.events
    ] == [
        (ms[0].id, "create type", "sad, ok", None, None),
        (ms[1].id, "add value", "happy", None, None),
        (ms[2].id, "rename value", None, "ok", "fine"),
        (ms[2].id, "rename type", None, "mood", "feeling"),
        (ms[2].id, "comment type", "How it went", None, None),
    ]
    (cents,) = history_of(wiki).dropped_types
    assert [(e.action.value, e.detail) for e in cents.events] == [
        ("create type", "bigint"),
        ("alter domain", "checks CHECK ((VALUE > 0))"),
        ("drop type", None),
    ]


def test_setup_sql_tables_exist_before_and_have_no_introducer(
    pg_server: ThrowawayPostgres,
) -> None:
    ms = migrations_of("ALTER TABLE legacy ADD COLUMN b int;\n")
    wiki = replayed(pg_server, ms, setup_sql="CREATE TABLE legacy (a int);")
    legacy = table(wiki, "legacy")
    assert legacy.introduced_by is None and legacy.history == ()
    assert column(wiki, "legacy", "a").introduced_by is None
    assert trail(column(wiki, "legacy", "b").history) == [(ms[0].id, "add column", 1)]


def test_locks_are_measured_per_statement(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        CREATE_USERS + "CREATE TABLE orgs (id int PRIMARY KEY);\n"
        "CREATE TABLE teams (id int PRIMARY KEY);\n",
        "ALTER TABLE users ADD COLUMN org int;\n"
        "UPDATE users SET org = 1;\n"
        "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org) REFERENCES orgs"
        " NOT VALID;\n"
        "CREATE TABLE audit (id int, team int REFERENCES teams);\n",
    )
    wiki = replayed(pg_server, ms)
    taken = {
        s.location.line: sorted((lock.relation, lock.mode) for lock in s.taken)
        for s in steps(wiki, ms[1])
    }
    assert taken[1] == [("public.users", "AccessExclusiveLock")]
    # An UPDATE fires no event trigger: its lock is read right after it.
    assert taken[2] == [("public.users", "RowExclusiveLock")]
    assert taken[3] == [
        ("public.orgs", "AccessShareLock"),
        ("public.orgs", "ShareRowExclusiveLock"),
        ("public.users", "AccessShareLock"),
        ("public.users", "ShareRowExclusiveLock"),
    ]
    # Locks on the new table block nobody; the one on the referenced table does.
    assert taken[4] == [
        ("public.teams", "AccessShareLock"),
        ("public.teams", "ShareRowExclusiveLock"),
    ]
    (last,) = [s for s in steps(wiki, ms[1]) if s.location.line == 4]
    assert {lock.relation: lock.mode for lock in last.held.values()} == {
        "public.users": "AccessExclusiveLock",
        "public.orgs": "ShareRowExclusiveLock",
        "public.teams": "ShareRowExclusiveLock",
    }


@pytest.mark.parametrize("binaries", ["wheel", "system"])
def test_the_recorder_leaves_nothing_behind_on_each_server(binaries: str) -> None:
    from conftest import bin_dir_for
    from schema_wiki.replay.apply import apply_migrations
    from schema_wiki.sources.catalog import read_catalog

    ms = migrations_of(
        CREATE_USERS,
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
        "CREATE INDEX CONCURRENTLY users_email ON users (email);\n",
    )
    with ThrowawayPostgres(bin_dir_for(binaries)) as pg:
        witness = apply_migrations(pg.conninfo, ms, record=True)
        catalog = read_catalog(pg.conninfo)
        import psycopg

        with psycopg.connect(pg.conninfo) as conn:
            left = conn.execute(
                "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'schema_wiki%'),"
                " (SELECT count(*) FROM pg_event_trigger)"
            ).fetchone()
    assert left == (0, 0)
    assert [t.name for t in catalog.tables] == ["users"]
    assert witness is not None
    assert [m.migration_id for m in witness.migrations] == [m.id for m in ms]
    assert witness.migrations[1].transactional is False


def test_a_columns_own_constraint_goes_with_it_and_is_no_cascade(
    pg_server: ThrowawayPostgres,
) -> None:
    # The unique constraint on username depends on the column automatically: DROP COLUMN
    # takes it without CASCADE. Only the view (a normal dependency) needed CASCADE.
    ms = migrations_of(
        "CREATE TABLE users (id int, username text UNIQUE);\n"
        "CREATE VIEW names AS SELECT username FROM users;\n",
        "ALTER TABLE users DROP COLUMN username CASCADE;\n",
    )
    wiki = replayed(pg_server, ms)
    [step] = [s for s in steps(wiki, ms[1]) if s.cascaded or s.events]
    assert [c.what for c in step.cascaded] == ["view public.names"]
    own = [e for e in table(wiki, "users").history if e.action.value == "drop constraint"]
    assert [(e.detail, e.cascade_of) for e in own] == [
        ("users_username_key", "column public.users.username")
    ]
    found = [f.message for f in check(wiki) if f.rule == "unsafe-migration"]
    cascade = [m for m in found if "by CASCADE" in m]
    assert len(cascade) == 1 and "view public.names" in cascade[0]
    assert "users_username_key" not in cascade[0]


def test_a_type_moved_and_renamed_keeps_one_history_under_its_new_name(
    pg_server: ThrowawayPostgres,
) -> None:
    from schema_wiki.output.export import export_dict

    ms = migrations_of(
        "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE SCHEMA billing;\n",
        "ALTER TYPE mood SET SCHEMA billing;\n",
        "ALTER TYPE billing.mood RENAME TO feeling;\n"
        "CREATE DOMAIN cents AS bigint;\nCOMMENT ON DOMAIN cents IS 'Money';\n",
    )
    wiki = replayed(pg_server, ms)
    types = history_of(wiki).types
    assert set(types) == {("billing", "feeling"), ("public", "cents")}
    feeling = types[("billing", "feeling")]
    assert (feeling.schema, feeling.name, feeling.kind) == ("billing", "feeling", "enum")
    assert feeling.former_names == ["mood"]
    assert [(e.migration_id, e.action.value, e.old_name, e.new_name) for e in feeling.events][
        1:
    ] == [
        (ms[1].id, "set schema", "public", "billing"),
        (ms[2].id, "rename type", "mood", "feeling"),
    ]
    cents = types[("public", "cents")]
    assert cents.kind == "domain"
    assert [(e.action.value, e.detail) for e in cents.events] == [
        ("create type", "bigint"),
        ("comment type", "Money"),
    ]
    exported = export_dict(wiki)["types"]
    [enum] = exported["enums"]
    assert (enum["schema"], enum["name"], enum["introduced_by"]) == (
        "billing",
        "feeling",
        ms[0].path,
    )
    assert [e["action"] for e in enum["history"]] == ["create type", "set schema", "rename type"]
    [domain] = exported["domains"]
    assert domain["history"][-1]["detail"] == "Money"


def test_table_comments_are_events_with_their_text(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        CREATE_USERS,
        "COMMENT ON TABLE users IS 'Who signs in';\n",
        "COMMENT ON TABLE users IS NULL;\n",
    )
    wiki = replayed(pg_server, ms)
    users = table(wiki, "users")
    assert [(e.migration_id, e.action.value, e.detail) for e in users.history] == [
        (ms[0].id, "create table", None),
        (ms[1].id, "comment table", "Who signs in"),
        (ms[2].id, "comment table", None),
    ]
    assert users.comment is None


def test_a_column_dropped_and_added_again_has_two_stories(pg_server: ThrowawayPostgres) -> None:
    ms = migrations_of(
        CREATE_USERS,
        "ALTER TABLE users DROP COLUMN email;\n",
        "ALTER TABLE users ADD COLUMN email varchar(200);\n",
    )
    wiki = replayed(pg_server, ms)
    users = table(wiki, "users")
    live = column(wiki, "users", "email")
    assert live.introduced_by == ms[2].id and live.type == "character varying(200)"
    assert trail(live.history) == [(ms[2].id, "add column", 1)]
    [gone] = users.dropped_columns
    assert gone.name == "email" and gone.introduced_by == ms[0].id
    assert [e.action.value for e in gone.history] == ["add column", "drop column"]
