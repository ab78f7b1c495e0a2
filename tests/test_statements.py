"""Splitting migration SQL into statements and what each does to the schema."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema_wiki.model import Action, Change, Location
from schema_wiki.sources.dialect import SchemaWikiPostgres, decode_unicode_string
from schema_wiki.sources.statements import analyze_statement, fold_identifier, split_statements

A = Action


def changes(sql: str) -> list[Change]:
    return [c for s in split_statements(sql, "m.sql") for c in s.changes]


def one(sql: str) -> Change:
    found = changes(sql)
    assert len(found) == 1, found
    return found[0]


# --- splitting --------------------------------------------------------------------------


def test_split_keeps_dollar_quotes_strings_and_comments_whole() -> None:
    sql = """-- header; with a semicolon
CREATE FUNCTION f() RETURNS trigger AS $body$
BEGIN
    NEW.a := 'x;y';  -- inner; comment
    RETURN NEW;
END;
$body$ LANGUAGE plpgsql;

/* block ; comment */ DO $$ BEGIN PERFORM 1; END $$;
SELECT E'it\\'s;', "odd;name" FROM t;
"""
    statements = split_statements(sql, "migrations/x.sql")
    assert [s.location for s in statements] == [
        Location("migrations/x.sql", 2),
        Location("migrations/x.sql", 9),
        Location("migrations/x.sql", 10),
    ]
    assert statements[0].sql.startswith("CREATE FUNCTION f()")
    assert statements[0].sql.endswith("$body$ LANGUAGE plpgsql")
    assert "RETURN NEW;" in statements[0].sql
    assert statements[1].sql == "DO $$ BEGIN PERFORM 1; END $$"
    assert statements[2].sql == "SELECT E'it\\'s;', \"odd;name\" FROM t"
    assert all(s.parse_error is None for s in statements)


def test_sql_is_exact_source_text() -> None:
    sql = "ALTER TABLE  users\n  ADD COLUMN a   numeric(12,2) ;\n\n;;SELECT 1"
    statements = split_statements(sql, "m.sql")
    assert [s.sql for s in statements] == [
        "ALTER TABLE  users\n  ADD COLUMN a   numeric(12,2)",
        "SELECT 1",
    ]
    assert [s.location.line for s in statements] == [1, 4]


def test_one_bad_statement_never_loses_the_file() -> None:
    sql = "CREATE TABLE a (x int);\nCREATE TABLE c (x int;\nCREATE TABLE b (y int);\n"
    statements = split_statements(sql, "m.sql")
    assert len(statements) == 3
    assert statements[1].parse_error
    assert statements[1].sql == "CREATE TABLE c (x int"
    assert [c.table for c in statements[2].changes] == ["b", "b"]


def test_unterminated_string_keeps_the_statements_before_it() -> None:
    sql = "CREATE TABLE a (x int);\nCOMMENT ON TABLE a IS 'oops;\nCREATE TABLE b (y int);\n"
    statements = split_statements(sql, "m.sql")
    assert statements[0].changes[0] == Change(A.CREATE_TABLE, "public", "a")
    assert statements[0].location.line == 1
    assert statements[-1].parse_error
    assert statements[-1].location.line == 2


def test_empty_and_comment_only_text() -> None:
    assert split_statements("", "m.sql") == []
    assert split_statements("-- nothing\n/* here */\n", "m.sql") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab;'\"$-/*\n ()E\\CREATE TABLE,"))))
def test_any_text_never_raises(text: str) -> None:
    for statement in split_statements(text, "m.sql"):
        assert statement.sql.strip()
        assert statement.location.line is not None and statement.location.line >= 1


# --- CREATE / ALTER / DROP ----------------------------------------------------------------


def test_create_table_columns_with_types_as_written() -> None:
    found = changes(
        'CREATE TABLE IF NOT EXISTS app."UserLog" (\n'
        "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  amount numeric(12,2) NOT NULL DEFAULT 0,\n"
        "  seen TIMESTAMP WITH TIME ZONE,\n"
        "  tags varchar(20)[],\n"
        "  CONSTRAINT pos CHECK (amount >= 0)\n"
        ")"
    )
    assert found == [
        Change(A.CREATE_TABLE, "app", "UserLog"),
        Change(A.ADD_COLUMN, "app", "UserLog", column="id", detail="bigint"),
        Change(A.ADD_COLUMN, "app", "UserLog", column="amount", detail="numeric(12,2)"),
        Change(A.ADD_COLUMN, "app", "UserLog", column="seen", detail="TIMESTAMP WITH TIME ZONE"),
        Change(A.ADD_COLUMN, "app", "UserLog", column="tags", detail="varchar(20)[]"),
    ]


def test_references_comment_on_update_cascade_is_not_a_comment() -> None:
    found = changes(
        "CREATE TABLE posts (\n  id int,\n  comment text,\n"
        "  parent int REFERENCES comment ON UPDATE CASCADE\n);"
    )
    assert [c.action for c in found] == [A.CREATE_TABLE, A.ADD_COLUMN, A.ADD_COLUMN, A.ADD_COLUMN]
    assert [c.column for c in found[1:]] == ["id", "comment", "parent"]


def test_names_fold_like_postgresql() -> None:
    assert one("ALTER TABLE Public.USERS ADD COLUMN Legacy_ID text") == Change(
        A.ADD_COLUMN, "public", "users", column="legacy_id", detail="text"
    )
    assert one('ALTER TABLE "Users" ADD "Legacy_ID" text').column == "Legacy_ID"
    assert fold_identifier("x" * 70, quoted=False) == "x" * 63
    assert fold_identifier("É" * 40, quoted=True) == "É" * 31  # 2 bytes each, cut at 63


def test_temporary_tables_are_not_schema() -> None:
    assert changes("CREATE TEMP TABLE scratch (a int)") == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "ALTER TABLE users DROP COLUMN IF EXISTS bio CASCADE",
            [Change(A.DROP_COLUMN, "public", "users", column="bio")],
        ),
        (
            "ALTER TABLE users RENAME COLUMN username TO handle",
            [Change(A.RENAME_COLUMN, "public", "users", column="username", new_name="handle")],
        ),
        (
            "ALTER TABLE users RENAME username TO handle",
            [Change(A.RENAME_COLUMN, "public", "users", column="username", new_name="handle")],
        ),
        (
            "ALTER TABLE accounts RENAME TO users",
            [Change(A.RENAME_TABLE, "public", "accounts", new_name="users")],
        ),
        (
            "ALTER TABLE users ALTER COLUMN amount TYPE numeric(14, 4) USING amount::numeric",
            [Change(A.ALTER_TYPE, "public", "users", column="amount", detail="numeric(14, 4)")],
        ),
        (
            "ALTER TABLE users ALTER amount SET DATA TYPE bigint",
            [Change(A.ALTER_TYPE, "public", "users", column="amount", detail="bigint")],
        ),
        (
            "ALTER TABLE users ALTER COLUMN handle SET NOT NULL",
            [Change(A.SET_NOT_NULL, "public", "users", column="handle")],
        ),
        (
            "ALTER TABLE users ALTER COLUMN handle DROP NOT NULL",
            [Change(A.DROP_NOT_NULL, "public", "users", column="handle")],
        ),
        (
            "ALTER TABLE users ALTER COLUMN created_at SET DEFAULT now()",
            [Change(A.SET_DEFAULT, "public", "users", column="created_at", detail="now()")],
        ),
        (
            "ALTER TABLE users ALTER COLUMN created_at DROP DEFAULT",
            [Change(A.DROP_DEFAULT, "public", "users", column="created_at")],
        ),
        (
            "ALTER TABLE ONLY users ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id) NOT VALID",
            [Change(A.ADD_CONSTRAINT, "public", "users", detail="fk")],
        ),
        (
            "ALTER TABLE users DROP CONSTRAINT IF EXISTS fk",
            [Change(A.DROP_CONSTRAINT, "public", "users", detail="fk")],
        ),
        (
            "ALTER TABLE users ADD COLUMN a int, ADD COLUMN b text NOT NULL DEFAULT ''",
            [
                Change(A.ADD_COLUMN, "public", "users", column="a", detail="int"),
                Change(A.ADD_COLUMN, "public", "users", column="b", detail="text"),
            ],
        ),
        (
            "DROP TABLE IF EXISTS a, app.b CASCADE",
            [Change(A.DROP_TABLE, "public", "a"), Change(A.DROP_TABLE, "app", "b")],
        ),
        (
            "CREATE UNIQUE INDEX idx_users_email ON app.users (lower(email))",
            [Change(A.CREATE_INDEX, "app", "users", detail="idx_users_email")],
        ),
    ],
)
def test_changes(sql: str, expected: list[Change]) -> None:
    assert changes(sql) == expected


def test_set_default_keeps_the_expression_as_written() -> None:
    change = one("ALTER TABLE t ALTER COLUMN due SET DEFAULT now() + interval '14 days'")
    assert change.detail == "now() + interval '14 days'"


def test_search_path_sets_the_schema_of_unqualified_names() -> None:
    found = changes(
        'SET search_path TO "$user", billing, public;\nCREATE TABLE invoices (id int);\n'
        "SET search_path = DEFAULT;\nCREATE TABLE users (id int);"
    )
    assert [(c.schema, c.table) for c in found if c.action == A.CREATE_TABLE] == [
        ("billing", "invoices"),
        ("public", "users"),
    ]


def test_statements_sqlglot_keeps_as_commands_are_not_errors() -> None:
    for sql in (
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        "ALTER TABLE users VALIDATE CONSTRAINT fk",
        "DO $$ BEGIN RAISE NOTICE 'x'; END $$",
        "ALTER TYPE mood ADD VALUE 'meh'",
        "ALTER TABLE users RENAME CONSTRAINT a TO b",
    ):
        statement = analyze_statement(sql)
        assert statement.parse_error is None, sql
        assert statement.changes == ()


# --- transactions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "transactional"),
    [
        ("CREATE INDEX CONCURRENTLY i ON t (a)", False),
        ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)", False),
        ("CREATE INDEX i ON t (a)", True),
        ("DROP INDEX CONCURRENTLY IF EXISTS i", False),
        ("DROP INDEX i", True),
        ("VACUUM ANALYZE users", False),
        ("CREATE DATABASE other", False),
        ("DROP DATABASE other", False),
        ("ALTER SYSTEM SET work_mem = '64MB'", False),
        ("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'", False),
        ("REINDEX INDEX CONCURRENTLY i", False),
        ("ALTER TABLE t DETACH PARTITION p CONCURRENTLY", False),
        ("ALTER TABLE t ADD COLUMN a int", True),
    ],
)
def test_transactional(sql: str, transactional: bool) -> None:
    assert analyze_statement(sql).transactional is transactional


def test_create_index_concurrently_change() -> None:
    statement = analyze_statement("CREATE INDEX CONCURRENTLY idx ON users (legacy_id)")
    assert statement.changes == (Change(A.CREATE_INDEX, "public", "users", detail="idx"),)
    assert statement.transactional is False


# --- COMMENT ON (the dialect fixes) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "COMMENT ON TABLE users IS 'People with an account.'",
            Change(A.COMMENT_TABLE, "public", "users", detail="People with an account."),
        ),
        (
            "COMMENT ON COLUMN users.legacy_id IS NULL",
            Change(A.COMMENT_COLUMN, "public", "users", column="legacy_id", detail=None),
        ),
        (
            "COMMENT ON COLUMN app.users.note IS E'it\\'s\\nnew'",
            Change(A.COMMENT_COLUMN, "app", "users", column="note", detail="it's\nnew"),
        ),
        (
            "COMMENT ON COLUMN users.bio IS 'Free text, '\n  'two literals.'",
            Change(
                A.COMMENT_COLUMN, "public", "users", column="bio", detail="Free text, two literals."
            ),
        ),
        (
            "COMMENT ON TABLE users IS $$dollar 'quoted'$$",
            Change(A.COMMENT_TABLE, "public", "users", detail="dollar 'quoted'"),
        ),
        (
            "COMMENT ON COLUMN posts.comment IS U&'d\\0061ta'",
            Change(A.COMMENT_COLUMN, "public", "posts", column="comment", detail="data"),
        ),
        (
            "COMMENT ON VIEW active_users IS 'A view.'",
            Change(A.COMMENT_TABLE, "public", "active_users", detail="A view."),
        ),
        (
            "COMMENT ON MATERIALIZED VIEW app.stats IS NULL",
            Change(A.COMMENT_TABLE, "app", "stats", detail=None),
        ),
    ],
)
def test_comment_changes(sql: str, expected: Change) -> None:
    statement = analyze_statement(sql)
    assert statement.parse_error is None
    assert statement.changes == (expected,)


@pytest.mark.parametrize(
    "sql",
    [
        "COMMENT ON INDEX idx_users_email IS 'Login lookups.'",
        "COMMENT ON INDEX idx_users_email IS NULL",
        "COMMENT ON TYPE mood IS 'How it went.'",
        "COMMENT ON FUNCTION users_sync_handle() IS 'Keeps handle in step.'",
        "COMMENT ON FUNCTION f(a integer, b text DEFAULT 'x') IS E'\\'quoted\\''",
        "COMMENT ON SCHEMA billing IS 'Team B.'",
        "COMMENT ON EXTENSION pgcrypto IS NULL",
        "COMMENT ON TRIGGER trg ON users IS 'x'",
        "COMMENT ON CONSTRAINT users_email_key ON users IS 'Unique e-mail.'",
    ],
)
def test_comments_on_other_objects_parse_without_changes(sql: str) -> None:
    statement = analyze_statement(sql)
    assert statement.parse_error is None
    assert statement.changes == ()


def test_comment_on_constraint_keeps_the_table() -> None:
    (tree,) = SchemaWikiPostgres().parse("COMMENT ON CONSTRAINT fk ON app.orders IS 'x'")
    assert tree is not None
    assert tree.args["on"].sql() == "app.orders"
    assert tree.sql(dialect=SchemaWikiPostgres) == "COMMENT ON CONSTRAINT fk ON app.orders IS 'x'"


def test_comment_with_trailing_garbage_is_a_parse_error() -> None:
    statement = analyze_statement("COMMENT ON TABLE users IS 'x' nonsense")
    assert statement.parse_error
    assert statement.sql == "COMMENT ON TABLE users IS 'x' nonsense"


def test_drop_lists() -> None:
    dialect = SchemaWikiPostgres()
    for sql in ("DROP TYPE a, b, c", "DROP SEQUENCE IF EXISTS a, b CASCADE", "DROP SCHEMA a, b"):
        (tree,) = dialect.parse(sql)
        assert tree is not None and len(tree.args["tables"]) >= 2, sql
    statement = analyze_statement("DROP INDEX CONCURRENTLY IF EXISTS app.i1, i2")
    assert statement.transactional is False
    assert [(c.action, c.schema, c.detail) for c in statement.changes] == [
        (A.DROP_INDEX, "app", "i1"),
        (A.DROP_INDEX, "public", "i2"),
    ]
    assert analyze_statement("DROP FUNCTION f(int), g(text)").parse_error is None
    diesel = "DROP FUNCTION IF EXISTS diesel_manage_updated_at(_tbl regclass)"
    assert analyze_statement(diesel).parse_error is None


def test_decode_unicode_string() -> None:
    assert decode_unicode_string("d\\0061t\\+000061") == "data"
    assert decode_unicode_string("a\\\\b") == "a\\b"
    assert decode_unicode_string("bad\\zz") == "bad\\zz"
    assert decode_unicode_string("d!0061", "!") == "da"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_unicode_text_never_raises(text: str) -> None:
    for statement in split_statements(text, "m.sql"):
        assert statement.location.line is not None


def test_fallback_split_respects_quotes_before_the_broken_statement() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
        "COMMENT ON TABLE t IS E'a\\'; b';\n"
        "/* nested /* ; */ ; */ CREATE TABLE c (x int);\n"
        "SELECT 'never closed;\n"
    )
    statements = split_statements(sql, "m.sql")
    assert [s.location.line for s in statements] == [1, 2, 3, 4]
    assert statements[0].sql.endswith("$$ LANGUAGE sql")
    assert statements[1].changes[0].detail == "a'; b"
    assert statements[2].changes[0] == Change(A.CREATE_TABLE, "public", "c")
    assert statements[3].parse_error and statements[3].sql == "SELECT 'never closed;"
