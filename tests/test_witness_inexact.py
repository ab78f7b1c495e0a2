"""What the witness still gets wrong or cannot see: one fixture each, pinned.

Each test asserts today's inexact result, so that fixing one shows here as a
failure to update rather than passing unnoticed.
"""

from __future__ import annotations

from checks_support import check, of_rule
from schema_wiki.replay.pgserver import ThrowawayPostgres
from witness_support import column, migrations_of, replayed, steps, table, trail

CREATE = "CREATE TABLE users (id bigint PRIMARY KEY, email text, age int);\n"


def test_concurrently_built_index_takes_no_measured_lock(pg_server: ThrowawayPostgres) -> None:
    """CREATE INDEX CONCURRENTLY releases its SHARE UPDATE EXCLUSIVE session lock before
    ddl_command_end fires: nothing is measured (it is still no finding, from the text)."""
    ms = migrations_of(CREATE, "CREATE INDEX CONCURRENTLY users_email ON users (email);\n")
    wiki = replayed(pg_server, ms)
    (step,) = steps(wiki, ms[1])
    assert step.taken == []
    assert [e.action.value for e in table(wiki, "users").history][-1] == "create index"


def test_row_locks_of_a_non_transactional_migration_are_gone_before_they_are_read(
    pg_server: ThrowawayPostgres,
) -> None:
    """Outside a transaction an UPDATE's ROW EXCLUSIVE lock ends with the statement, before
    the reader after it runs (in a transactional migration it is measured)."""
    ms = migrations_of(
        CREATE,
        "UPDATE users SET age = 1;\nCREATE INDEX CONCURRENTLY users_age ON users (age);\n",
    )
    wiki = replayed(pg_server, ms)
    assert [s.location.line for s in steps(wiki, ms[1]) if s.taken] == []


def test_comments_copied_by_create_table_like_are_no_events(pg_server: ThrowawayPostgres) -> None:
    """Only COMMENT statements make comment events: a comment copied by
    ``LIKE ... INCLUDING COMMENTS`` is in the catalog but not in the history."""
    ms = migrations_of(
        CREATE + "COMMENT ON COLUMN users.email IS 'Login';\n",
        "CREATE TABLE users_copy (LIKE users INCLUDING COMMENTS);\n",
    )
    wiki = replayed(pg_server, ms)
    assert column(wiki, "users_copy", "email").comment == "Login"
    assert trail(column(wiki, "users_copy", "email").history) == [(ms[1].id, "add column", 1)]


def test_cluster_rewrites_without_a_table_rewrite_event(pg_server: ThrowawayPostgres) -> None:
    """table_rewrite fires for ALTER TABLE and ALTER TYPE only: CLUSTER (and VACUUM FULL,
    outside migrations) rewrite the table unreported; its ACCESS EXCLUSIVE lock is
    measured, but unsafe-migration does not flag it."""
    ms = migrations_of(CREATE, "CLUSTER users USING users_pkey;\n")
    wiki = replayed(pg_server, ms)
    (step,) = steps(wiki, ms[1])
    assert step.rewritten == []
    assert ("public.users", "AccessExclusiveLock") in [
        (lock.relation, lock.mode) for lock in step.taken
    ]
    assert of_rule(check(wiki), "unsafe-migration") == []


def test_an_index_dropped_and_recreated_under_its_name_in_one_statement_is_no_event(
    pg_server: ThrowawayPostgres,
) -> None:
    """A drop and a creation of the same name in one statement read as a rebuild (what
    ALTER COLUMN ... TYPE does): a DO block that replaces an index leaves no trace."""
    ms = migrations_of(
        CREATE + "CREATE INDEX users_email ON users (email);\n",
        "DO $$ BEGIN\n  DROP INDEX users_email;\n"
        "  CREATE INDEX users_email ON users (lower(email));\nEND $$;\n",
    )
    wiki = replayed(pg_server, ms)
    assert [e.migration_id for e in table(wiki, "users").history] == [ms[0].id, ms[0].id]


def test_a_migration_that_drops_two_tables_names_both_as_the_cause(
    pg_server: ThrowawayPostgres,
) -> None:
    """sql_drop tells what a DROP took, not which of the named objects each victim hung on:
    with several, every victim names them all."""
    ms = migrations_of(
        "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);\n"
        "CREATE TABLE c (a_id int REFERENCES a, b_id int REFERENCES b);\n",
        "DROP TABLE a, b CASCADE;\n",
    )
    wiki = replayed(pg_server, ms)
    causes = {e.cascade_of for e in table(wiki, "c").history if e.cascade_of}
    assert len(causes) == 1
    assert sorted(causes.pop().split(", ")) == ["table public.a", "table public.b"]
