"""unsafe-migration: each item of the review checklist, unsafe and safe, on what a real
PostgreSQL measured while applying real parsed SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from checks_support import check, of_rule, sql_migration
from schema_wiki.model import Finding, Migration, Wiki
from schema_wiki.render import escape, render_pages
from schema_wiki.render.paths import migration_page
from schema_wiki.replay.pgserver import ThrowawayPostgres
from witness_support import replayed

CREATE = (
    "CREATE TABLE users (id bigint, email text, name varchar(50), age int);\n"
    "CREATE TABLE orgs (id bigint PRIMARY KEY);\n"
)


def _wiki(server: ThrowawayPostgres, migrations: Sequence[Migration], **kw: str) -> Wiki:
    return replayed(server, migrations, **kw)  # type: ignore[arg-type]


def _unsafe(server: ThrowawayPostgres, migrations: Sequence[Migration], **kw: str) -> list[Finding]:
    return of_rule(check(_wiki(server, migrations, **kw)), "unsafe-migration")


def _findings(
    server: ThrowawayPostgres, *later: str, first: str = CREATE
) -> tuple[list[Finding], list[Migration]]:
    migrations = [sql_migration("20240101000000", first)]
    for i, sql in enumerate(later):
        migrations.append(sql_migration(f"2024020{i + 1}000000", sql))
    return _unsafe(server, migrations), migrations


UNSAFE = {
    "index without concurrently": "CREATE INDEX idx_users_email ON users (email);",
    "unique index without concurrently": "CREATE UNIQUE INDEX idx ON users (lower(email));",
    "foreign key without not valid": (
        "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (id) REFERENCES orgs (id);"
    ),
    "unique column added": "ALTER TABLE users ADD COLUMN w int UNIQUE;",
    "column added, then set not null": (
        "ALTER TABLE users ADD COLUMN foo text;\nALTER TABLE users ALTER COLUMN foo SET NOT NULL;"
    ),
    "column added not null without a default": "ALTER TABLE users ADD COLUMN bar int NOT NULL;",
    "volatile default rewrites": "ALTER TABLE users ADD COLUMN r float8 DEFAULT random();",
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
    "two type changes, one rewrite": (
        "ALTER TABLE users ALTER COLUMN age TYPE bigint, ALTER COLUMN id TYPE numeric;"
    ),
    "column added with a default, then set not null": (
        "ALTER TABLE users ADD COLUMN tier text DEFAULT 'free';\n"
        "ALTER TABLE users ALTER COLUMN tier SET NOT NULL;"
    ),
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
    "numeric precision widened in place": (
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS amount numeric(12,2);\n"
    ),
    "column added not null with a constant default": (
        "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';"
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
    "new column, renamed and dropped at once": (
        "ALTER TABLE users ADD COLUMN plan text;\n"
        "ALTER TABLE users RENAME COLUMN plan TO tier;\n"
        "ALTER TABLE users DROP COLUMN tier;"
    ),
    "new table, everything at once": (
        "CREATE TABLE orders (id bigint, user_id bigint, total int);\n"
        "CREATE INDEX idx_orders_user ON orders (user_id);\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_org_fk FOREIGN KEY (user_id)"
        " REFERENCES orgs (id);\n"
        "ALTER TABLE orders ADD PRIMARY KEY (id);\n"
        "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n"
        "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\n"
        "CREATE VIEW order_totals AS SELECT total FROM orders;\n"
        "ALTER TABLE orders DROP COLUMN total CASCADE;"
    ),
    "add nullable column and comment": (
        "ALTER TABLE users ADD COLUMN phone text;\nCOMMENT ON COLUMN users.phone IS 'E.164';"
    ),
}


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_unsafe(pg_server: ThrowawayPostgres, name: str) -> None:
    found, migrations = _findings(pg_server, UNSAFE[name] + "\n")
    assert found, name
    lines = {s.location.line for s in migrations[1].statements}
    for f in found:
        assert f.location is not None
        assert f.location.path == migrations[1].path
        assert f.location.line in lines


#: What each unsafe case must tell its reader: the object, what PostgreSQL did, the lock it
#: measured, and the safe way. One tuple per finding, in the rule's order.
SAYS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "check without not valid": [
        (
            "public.users",
            ("CHECK constraint age_ok", "ACCESS EXCLUSIVE", "add it NOT VALID, then VALIDATE"),
        )
    ],
    "column added not null without a default": [
        ("public.users.bar", ("every existing row would hold NULL", "NOT NULL DEFAULT <constant>"))
    ],
    "column added, then set not null": [
        ("public.users.foo", ("added in this migration (line", "CHECK (foo IS NOT NULL) NOT VALID"))
    ],
    "drop column": [("public.users.name", ("without a drop date", "announce it first"))],
    "drop column if exists, several": [
        ("public.users.age", ("without a drop date",)),
        ("public.users.name", ("without a drop date",)),
    ],
    "foreign key without not valid": [
        (
            "public.users",
            ("FOREIGN KEY constraint users_org_fk", "SHARE ROW EXCLUSIVE on public.orgs"),
        )
    ],
    "index without concurrently": [
        ("public.users", ("idx_users_email", "blocking writes", "CONCURRENTLY (outside"))
    ],
    "narrowing varchar": [
        ("public.users.name", ("type of name to character varying(20)", "backfill it in batches"))
    ],
    "primary key": [
        ("public.users", ("constraint users_pkey", "blocking reads and writes", "... USING INDEX")),
        ("public.users.id", ("SET NOT NULL on existing column", "CHECK (id IS NOT NULL)")),
    ],
    "rename column": [
        ("public.users.full_name", ("renamed from name to full_name", "copy the data"))
    ],
    "set not null": [
        ("public.users.email", ("scans the whole table", "CHECK (email IS NOT NULL)"))
    ],
    "set not null, check never validated": [("public.users.email", ("VALIDATE it, then SET",))],
    "type change": [("public.users.age", ("type of age to bigint", "rewrites table public.users"))],
    "unique column added": [("public.users", ("UNIQUE constraint users_w_key", "UNIQUE INDEX"))],
    "unique constraint": [("public.users", ("builds its index users_email_key", "USING INDEX"))],
    "unique index without concurrently": [("public.users", ("builds index idx", "CONCURRENTLY"))],
    "unnamed check": [("public.users", ("CHECK constraint users_age_check", "NOT VALID"))],
    "varchar to int": [("public.users.name", ("type of name to integer", "move readers"))],
    "two type changes, one rewrite": [
        ("public.users", ("age to bigint", "id to numeric", "rewrites table public.users"))
    ],
    "column added with a default, then set not null": [
        ("public.users.tier", ("(it has a default, so the rows hold it)", "CHECK (tier IS NOT"))
    ],
    "volatile default rewrites": [
        (
            "public.users",
            ("this statement rewrites", "(default value)", "without a volatile default"),
        )
    ],
}


def test_every_unsafe_case_says_what_and_how_to_fix(pg_server: ThrowawayPostgres) -> None:
    assert sorted(SAYS) == sorted(UNSAFE)
    for name, expected in SAYS.items():
        found, _ = _findings(pg_server, UNSAFE[name] + "\n")
        assert [f.target for f in found] == [target for target, _ in expected], name
        for f, (_target, phrases) in zip(found, expected, strict=True):
            assert "(measured)" in f.message, (name, f.message)
            for phrase in phrases:
                assert phrase in f.message, (name, phrase, f.message)


@pytest.mark.parametrize("name", sorted(SAFE))
def test_safe(pg_server: ThrowawayPostgres, name: str) -> None:
    found, _ = _findings(pg_server, SAFE[name] + "\n")
    assert found == [], [f.message for f in found]


def test_every_statement_of_a_migration_is_checked_at_its_line(
    pg_server: ThrowawayPostgres,
) -> None:
    found, migrations = _findings(
        pg_server,
        "ALTER TABLE users ADD COLUMN plan text;\n"
        "CREATE INDEX idx_users_plan ON users (plan);\n"
        "ALTER TABLE users DROP COLUMN age;\n",
    )
    statements = migrations[1].statements
    assert [(f.target, f.location.line if f.location else None) for f in found] == [
        ("public.users", statements[1].location.line),
        ("public.users.age", statements[2].location.line),
    ]
    assert "CONCURRENTLY" in found[0].message
    assert "drop date" in found[1].message


def test_a_table_no_migration_creates_counts_as_existing(pg_server: ThrowawayPostgres) -> None:
    migrations = [sql_migration("20240201000000", "CREATE INDEX idx ON accounts (id);\n")]
    found = _unsafe(pg_server, migrations, setup_sql="CREATE TABLE accounts (id int);")
    assert [f.target for f in found] == ["public.accounts"]


def test_a_drop_after_the_announced_date_is_the_planned_cleanup(
    pg_server: ThrowawayPostgres,
) -> None:
    announced = "-- Can drop after: 2024-01-15\nALTER TABLE users ADD COLUMN legacy_id text;\n"
    migrations = [
        sql_migration("20240101000000", CREATE),
        sql_migration("20240102000000", announced, header=False),
        sql_migration("20240201000000", "ALTER TABLE users DROP COLUMN legacy_id;\n"),
    ]
    assert _unsafe(pg_server, migrations) == []
    # The same drop before the date breaks the promise to readers.
    early = sql_migration("20240110000000", "ALTER TABLE users DROP COLUMN legacy_id;\n")
    [f] = _unsafe(pg_server, [*migrations[:2], early])
    assert "before its stated drop date 2024-01-15" in f.message


def test_a_drop_date_in_the_column_comment_announces_the_drop(
    pg_server: ThrowawayPostgres,
) -> None:
    migrations = [
        sql_migration("20240101000000", CREATE),
        sql_migration(
            "20240102000000",
            "COMMENT ON COLUMN users.name IS 'Deprecated. Can be removed after 2024-01-20.';\n",
        ),
        sql_migration("20240201000000", "ALTER TABLE users DROP COLUMN name;\n"),
    ]
    assert _unsafe(pg_server, migrations) == []


def test_targets_use_the_names_objects_have_today(pg_server: ThrowawayPostgres) -> None:
    found, _ = _findings(
        pg_server,
        "ALTER TABLE users ALTER COLUMN age TYPE bigint;\n",
        "ALTER TABLE users RENAME COLUMN age TO age_years;\n",
        "ALTER TABLE users RENAME TO people;\n",
    )
    assert sorted(f.target for f in found) == [
        "public.people.age_years",  # the type change, by today's names
        "public.people.age_years",  # the rename itself
    ]


def test_hits_show_on_the_migration_page_with_the_line(pg_server: ThrowawayPostgres) -> None:
    migrations = [
        sql_migration("20240101000000", CREATE),
        sql_migration("20240201000000", "CREATE INDEX idx_users_email ON users (email);\n"),
    ]
    wiki = _wiki(pg_server, migrations)
    wiki = replace(wiki, findings=tuple(check(wiki)))
    [f] = of_rule(wiki.findings, "unsafe-migration")
    page = render_pages(wiki)[migration_page(migrations[1].id)]
    assert f'"{escape.md("unsafe-migration")}"' in page
    assert f"`{f.location}`" in page
    assert str(f.location).endswith(f":{migrations[1].statements[0].location.line}")
    # ...and not on the page of the migration that created the table.
    assert "unsafe-migration" not in render_pages(wiki)[migration_page(migrations[0].id)]


def test_a_statement_the_parser_cannot_read_does_not_hide_the_next(
    pg_server: ThrowawayPostgres,
) -> None:
    found, migrations = _findings(
        pg_server,
        "CREATE TABLE p (a bigint, b bigint,"
        " FOREIGN KEY (a) REFERENCES orgs ON DELETE SET NULL (a));\n"
        "ALTER TABLE users DROP COLUMN age;\n",
    )
    assert migrations[1].statements[0].parse_error
    assert [f.target for f in found] == ["public.users.age"]
    assert found[0].location == migrations[1].statements[-1].location


def test_a_drop_that_cascaded_names_every_object_it_took(pg_server: ThrowawayPostgres) -> None:
    """The seed's "great review comment": a drop that takes two other teams' views."""
    migrations = [
        sql_migration("20240101000000", "CREATE TABLE users (id bigint, username text);\n"),
        sql_migration(
            "20240110000000",
            "CREATE SCHEMA reporting;\n"
            "CREATE VIEW active_users AS SELECT id, username FROM users;\n"
            "CREATE VIEW reporting.user_names AS SELECT username FROM users;\n"
            "COMMENT ON COLUMN users.username IS 'Can be removed after 2024-01-20';\n",
        ),
        sql_migration("20240201000000", "ALTER TABLE users DROP COLUMN username CASCADE;\n"),
    ]
    [found] = _unsafe(pg_server, migrations)
    assert found.target == "public.users.username"
    assert found.location == migrations[2].statements[0].location
    assert "dropping column public.users.username also dropped, by CASCADE," in found.message
    assert "view public.active_users, view reporting.user_names" in found.message
    assert "ACCESS EXCLUSIVE on public.users" in found.message


def test_a_cascade_taking_only_what_the_migration_made_is_silent(
    pg_server: ThrowawayPostgres,
) -> None:
    found, _ = _findings(
        pg_server,
        "ALTER TABLE users ADD COLUMN tmp text;\n"
        "CREATE VIEW tmp_view AS SELECT tmp FROM users;\n"
        "ALTER TABLE users DROP COLUMN tmp CASCADE;\n",
    )
    assert found == []


def test_findings_state_the_measured_lock_and_the_rewrite(pg_server: ThrowawayPostgres) -> None:
    found, _ = _findings(
        pg_server,
        "ALTER TABLE users ALTER COLUMN age TYPE bigint;\n"
        "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (id) REFERENCES orgs (id);\n",
    )
    retype, fk = found
    assert retype.target == "public.users.age"
    assert "rewrites table public.users: PostgreSQL wrote every row anew" in retype.message
    assert "held ACCESS EXCLUSIVE on public.users (measured)" in retype.message
    # The foreign key also locks the table it references.
    assert "SHARE ROW EXCLUSIVE on public.orgs" in fk.message
    assert "without NOT VALID, which scans the whole table" in fk.message


def test_set_not_null_on_a_column_that_is_not_null_already_is_silent(
    pg_server: ThrowawayPostgres,
) -> None:
    found, _ = _findings(
        pg_server,
        "ALTER TABLE users ALTER COLUMN id SET NOT NULL;\n",
        first="CREATE TABLE users (id bigint NOT NULL, email text);\n",
    )
    assert found == []


def test_numeric_precision_widened_is_no_rewrite_but_int_to_bigint_is(
    pg_server: ThrowawayPostgres,
) -> None:
    found, migrations = _findings(
        pg_server,
        "ALTER TABLE t ALTER COLUMN amount TYPE numeric(14,2);\n"
        "ALTER TABLE t ALTER COLUMN label TYPE text;\n"
        "ALTER TABLE t ALTER COLUMN n TYPE bigint;\n",
        first="CREATE TABLE t (amount numeric(12,2), label varchar(50), n int);\n",
    )
    assert [(f.target, f.location) for f in found] == [
        ("public.t.n", migrations[1].statements[2].location)
    ]


def test_a_new_column_set_not_null_later_in_the_same_migration(
    pg_server: ThrowawayPostgres,
) -> None:
    """Decided from the facts: the column is new, the table is not. Its rows hold NULL in
    the new column, so SET NOT NULL fails on a table with rows, or, after a backfill,
    scans every row under ACCESS EXCLUSIVE. Either way the team should know."""
    found, migrations = _findings(
        pg_server,
        "ALTER TABLE users ADD COLUMN foo text;\n"
        "UPDATE users SET foo = 'x';\n"
        "ALTER TABLE users ALTER COLUMN foo SET NOT NULL;\n",
    )
    [f] = found
    assert f.location == migrations[1].statements[2].location
    first_line = migrations[1].statements[0].location.line
    assert f"was added in this migration (line {first_line}) and is now set NOT NULL" in f.message
    assert "fails unless every existing row got a value in between" in f.message


def test_the_system_postgresql_measures_the_same(system_bin: object) -> None:
    from pathlib import Path

    assert isinstance(system_bin, Path)
    with ThrowawayPostgres(system_bin) as server:
        found, _ = _findings(
            server,
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
            "CREATE INDEX users_age ON users (age);\n",
        )
    assert [f.target for f in found] == ["public.users.email", "public.users"]
    assert "held ACCESS EXCLUSIVE on public.users (measured)" in found[0].message


def test_a_drop_on_its_stated_date_is_fine_and_the_day_before_is_not(
    pg_server: ThrowawayPostgres,
) -> None:
    # "Can drop after" promises the column until that date: dropping on it keeps the promise.
    announced = "-- Can drop after: 2024-01-15\nALTER TABLE users ADD COLUMN legacy_id text;\n"
    base = [
        sql_migration("20240101000000", CREATE),
        sql_migration("20240102000000", announced, header=False),
    ]
    on_the_day = sql_migration("20240115000000", "ALTER TABLE users DROP COLUMN legacy_id;\n")
    assert _unsafe(pg_server, [*base, on_the_day]) == []
    day_before = sql_migration("20240114000000", "ALTER TABLE users DROP COLUMN legacy_id;\n")
    [f] = _unsafe(pg_server, [*base, day_before])
    assert f.target == "public.users.legacy_id"
    assert f.location == day_before.statements[0].location
    assert f.message == (
        "column public.users.legacy_id is dropped on 2024-01-14, before its stated drop date"
        " 2024-01-15: readers were promised it until then; held ACCESS EXCLUSIVE on"
        " public.users (measured); wait, or state an earlier date first"
    )


def test_a_drop_without_a_stated_date_says_which_column_and_how_to_announce_it(
    pg_server: ThrowawayPostgres,
) -> None:
    migrations = [
        sql_migration("20240101000000", CREATE),
        sql_migration("20240201000000", "ALTER TABLE users DROP COLUMN age;\n"),
    ]
    [f] = _unsafe(pg_server, migrations)
    assert (f.target, f.location) == ("public.users.age", migrations[1].statements[0].location)
    assert f.message == (
        "column public.users.age is dropped without a drop date stated before: readers still"
        " selecting it break; held ACCESS EXCLUSIVE on public.users (measured); announce it"
        " first (Can drop after: in a migration header, or in the column's comment), then"
        " drop it"
    )
