"""unsafe-migration: each item of the review checklist, unsafe and safe, on real parsed SQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from checks_support import check, of_rule, sql_migration, table, wiki_of
from schema_wiki.model import Finding, Migration
from schema_wiki.render import escape, render_pages
from schema_wiki.render.paths import migration_page

CREATE = "CREATE TABLE users (id bigint, email text, name varchar(50), age int);\n"


def _findings(*later: str, first: str = CREATE) -> tuple[list[Finding], list[Migration]]:
    migrations = [sql_migration("20240101000000", first)]
    for i, sql in enumerate(later):
        migrations.append(sql_migration(f"2024020{i + 1}000000", sql))
    return of_rule(check(wiki_of(migrations)), "unsafe-migration"), migrations


UNSAFE = {
    "index without concurrently": "CREATE INDEX idx_users_email ON users (email);",
    "unique index without concurrently": "CREATE UNIQUE INDEX idx ON users (lower(email));",
    "foreign key without not valid": (
        "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (id) REFERENCES orgs (id);"
    ),
    "check without not valid": "ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age > 0);",
    "unnamed check": "ALTER TABLE users ADD CHECK (age > 0);",
    "unique constraint": "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    "primary key": "ALTER TABLE users ADD PRIMARY KEY (id);",
    "set not null": "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    "set not null, check never validated": (
        "ALTER TABLE users ADD CONSTRAINT nn CHECK (email IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"
    ),
    "drop column": "ALTER TABLE users DROP COLUMN name;",
    "drop column if exists, several": "ALTER TABLE users DROP COLUMN IF EXISTS name, DROP age;",
    "rename column": "ALTER TABLE users RENAME COLUMN name TO full_name;",
    "type change": "ALTER TABLE users ALTER COLUMN age TYPE bigint;",
    "narrowing varchar": "ALTER TABLE users ALTER COLUMN name TYPE varchar(20);",
    "varchar to int": "ALTER TABLE users ALTER COLUMN name SET DATA TYPE int USING name::int;",
}

SAFE = {
    "index concurrently": "CREATE INDEX CONCURRENTLY idx_users_email ON users (email);",
    "unique index concurrently if not exists": (
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON users (email);"
    ),
    "foreign key not valid, then validate": (
        "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES orgs (id) NOT VALID;\n"
        "ALTER TABLE users VALIDATE CONSTRAINT fk;"
    ),
    "check not valid": "ALTER TABLE ONLY users ADD CONSTRAINT age_ok CHECK (age > 0) NOT VALID;",
    "unique using index": (
        "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n"
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"
    ),
    "set not null after a validated check": (
        "ALTER TABLE users ADD CONSTRAINT nn CHECK (email IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE users VALIDATE CONSTRAINT nn;\n"
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
        "ALTER TABLE users DROP CONSTRAINT nn;"
    ),
    "drop not null": "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
    "widening varchar": "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);",
    "varchar to text": "ALTER TABLE users ALTER COLUMN name TYPE text;",
    "new column, everything at once": (
        "ALTER TABLE users ADD COLUMN plan text;\n"
        "ALTER TABLE users ALTER COLUMN plan SET NOT NULL;\n"
        "ALTER TABLE users ALTER COLUMN plan TYPE varchar(10);\n"
        "ALTER TABLE users RENAME COLUMN plan TO tier;\n"
        "ALTER TABLE users DROP COLUMN tier;"
    ),
    "new table, everything at once": (
        "CREATE TABLE orders (id bigint, user_id bigint, total int);\n"
        "CREATE INDEX idx_orders_user ON orders (user_id);\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id)"
        " REFERENCES users (id);\n"
        "ALTER TABLE orders ADD PRIMARY KEY (id);\n"
        "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n"
        "ALTER TABLE orders ALTER COLUMN total TYPE bigint;"
    ),
    "add nullable column and comment": (
        "ALTER TABLE users ADD COLUMN phone text;\nCOMMENT ON COLUMN users.phone IS 'E.164';"
    ),
}


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_unsafe(name: str) -> None:
    found, migrations = _findings(UNSAFE[name] + "\n")
    assert found, name
    lines = {s.location.line for s in migrations[1].statements}
    for f in found:
        assert f.location is not None
        assert f.location.path == migrations[1].path
        assert f.location.line in lines


@pytest.mark.parametrize("name", sorted(SAFE))
def test_safe(name: str) -> None:
    found, _ = _findings(SAFE[name] + "\n")
    assert found == [], [f.message for f in found]


def test_every_statement_of_a_migration_is_checked_at_its_line() -> None:
    found, migrations = _findings(
        "ALTER TABLE users ADD COLUMN plan text;\n"
        "CREATE INDEX idx_users_plan ON users (plan);\n"
        "ALTER TABLE users DROP COLUMN age;\n"
    )
    statements = migrations[1].statements
    assert [(f.target, f.location.line if f.location else None) for f in found] == [
        ("public.users", statements[1].location.line),
        ("public.users.age", statements[2].location.line),
    ]
    assert "CONCURRENTLY" in found[0].message
    assert "drop date" in found[1].message


def test_a_table_no_migration_creates_counts_as_existing() -> None:
    found, _ = _findings("CREATE INDEX idx ON accounts (id);\n", first="SELECT 1;\n")
    assert [f.target for f in found] == ["public.accounts"]


def test_a_drop_after_the_announced_date_is_the_planned_cleanup() -> None:
    announced = "-- Can drop after: 2024-01-15\nALTER TABLE users ADD COLUMN legacy_id text;\n"
    migrations = [
        sql_migration("20240101000000", CREATE),
        sql_migration("20240102000000", announced, header=False),
        sql_migration("20240201000000", "ALTER TABLE users DROP COLUMN legacy_id;\n"),
    ]
    assert of_rule(check(wiki_of(migrations)), "unsafe-migration") == []
    # The same drop before the date breaks the promise to readers.
    early = sql_migration("20240110000000", "ALTER TABLE users DROP COLUMN legacy_id;\n")
    [f] = of_rule(check(wiki_of([*migrations[:2], early])), "unsafe-migration")
    assert "before its stated drop date 2024-01-15" in f.message


def test_a_drop_date_in_the_column_comment_announces_the_drop() -> None:
    migrations = [
        sql_migration("20240101000000", CREATE),
        sql_migration(
            "20240102000000",
            "COMMENT ON COLUMN users.name IS 'Deprecated. Can be removed after 2024-01-20.';\n",
        ),
        sql_migration("20240201000000", "ALTER TABLE users DROP COLUMN name;\n"),
    ]
    assert of_rule(check(wiki_of(migrations)), "unsafe-migration") == []


def test_targets_use_the_names_objects_have_today() -> None:
    found, _ = _findings(
        "ALTER TABLE users ALTER COLUMN age TYPE bigint;\n",
        "ALTER TABLE users RENAME COLUMN age TO age_years;\n",
        "ALTER TABLE users RENAME TO people;\n",
    )
    assert sorted(f.target for f in found) == [
        "public.people.age_years",  # the type change, by today's names
        "public.people.age_years",  # the rename itself
    ]


def test_hits_show_on_the_migration_page_with_the_line() -> None:
    migrations = [
        sql_migration("20240101000000", CREATE),
        sql_migration("20240201000000", "CREATE INDEX idx_users_email ON users (email);\n"),
    ]
    wiki = wiki_of(migrations, [table("users", "id", "email", "name", "age")])
    wiki = replace(wiki, findings=tuple(check(wiki)))
    [f] = of_rule(wiki.findings, "unsafe-migration")
    page = render_pages(wiki)[migration_page(migrations[1].id)]
    assert f'"{escape.md("unsafe-migration")}"' in page
    assert f"`{f.location}`" in page
    assert str(f.location).endswith(f":{migrations[1].statements[0].location.line}")
    # ...and not on the page of the migration that created the table.
    assert "unsafe-migration" not in render_pages(wiki)[migration_page(migrations[0].id)]


def test_a_statement_the_parser_cannot_read_does_not_hide_the_next() -> None:
    found, migrations = _findings(
        "CREATE FUNCTION broken( RETURNS;\nALTER TABLE users DROP COLUMN age;\n"
    )
    assert migrations[1].statements[0].parse_error
    assert [f.target for f in found] == ["public.users.age"]
    assert found[0].location == migrations[1].statements[-1].location
