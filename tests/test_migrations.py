"""Finding, ordering and reading migrations in every layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schema_wiki.errors import SourceError
from schema_wiki.model import Action, Change, Level, Location, Migration
from schema_wiki.sources.migrations import ROLLBACK_DOCUMENT, detect_format, load_migrations

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


# --- plain -----------------------------------------------------------------------------------


def test_plain_order_ids_and_paths() -> None:
    root = FIXTURES / "plain"
    migrations, _ = load_migrations(root, Path("migrations"))
    assert [m.id for m in migrations] == [
        "20240110090000_create_users",
        # 20240215 is midnight: before 09:30 that day, although "_" sorts after "0".
        "20240215_add_legacy_id",
        "20240215093000_rename_username",
        "20240220_create_legacy_user_mapping",
        "20240301_split_users_table",
    ]
    first = migrations[0]
    assert (first.version, first.name) == ("20240110090000", "create_users")
    assert first.path == "migrations/20240110090000_create_users.sql"
    assert first.files[0].path == first.path
    assert first.statements[0].location == Location(first.path, 6)
    assert first.title == "Create users table"
    assert first.transactional is True


def test_plain_header_and_non_transactional_statement() -> None:
    migrations, _ = load_migrations(FIXTURES / "plain", FIXTURES / "plain" / "migrations")
    legacy = migrations[1]
    assert legacy.header.text("can drop after") == "2024-08-15"
    assert legacy.header.items("related migrations") == ("20240220_create_legacy_user_mapping.sql",)
    assert legacy.transactional is False
    assert legacy.changes == (
        Change(Action.ADD_COLUMN, "public", "users", column="legacy_id", detail="VARCHAR(50)"),
        Change(Action.CREATE_INDEX, "public", "users", detail="idx_users_legacy_id"),
    )


def test_directory_migration_files_in_numeric_order_with_documents() -> None:
    migrations, findings = load_migrations(FIXTURES / "plain", Path("migrations"))
    split = migrations[-1]
    assert split.path == "migrations/20240301_split_users_table"
    assert [f.path.rsplit("/", 1)[1] for f in split.files] == [
        "001_create_user_profiles.sql",
        "002_backfill_profiles.sql",
        "010_drop_old_columns.sql",
    ]
    assert sorted(split.documents) == ["PLAN.md", "README.md", "ROLLBACK.md"]
    assert split.documents["ROLLBACK.md"].startswith("# Rollback")
    # The header is the first SQL file's.
    assert split.header.text("date") == "2024-03-01"
    assert split.header.items("adr") == ("0015",)
    # Statements keep the file they come from.
    assert split.statements[-1].location == Location(
        "migrations/20240301_split_users_table/010_drop_old_columns.sql", 5
    )
    # DROP INDEX learns its table from the CREATE INDEX in an earlier migration.
    assert split.changes[-1] == Change(
        Action.DROP_INDEX, "public", "users", detail="idx_users_created_at"
    )
    # Later files' headers are still checked; the schema dump beside the migrations is
    # not one of them, and says so.
    assert [(f.rule, f.location) for f in findings] == [
        (
            "invalid-date",
            Location("migrations/20240301_split_users_table/010_drop_old_columns.sql", 2),
        ),
        ("unrecognised-file", Location("migrations/schema.sql")),
    ]
    # Each file is a step with its own header, the migration's filling the gaps.
    assert [(s.number, s.path.rsplit("/", 1)[1]) for s in split.steps] == [
        (1, "001_create_user_profiles.sql"),
        (2, "002_backfill_profiles.sql"),
        (3, "010_drop_old_columns.sql"),
    ]
    last = split.steps[-1]
    assert split.step_for(last.path) is last
    assert split.step_for(split.statements[-1].location.path) is last
    assert split.step_for("migrations/elsewhere.sql") is None


def test_drop_index_of_an_unknown_index_has_no_change(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/1_a.sql": "CREATE TABLE a (x int);\nCREATE INDEX ix ON a (x);\n",
            "m/2_b.sql": "ALTER TABLE a RENAME TO b;\nDROP INDEX ix;\nDROP INDEX a_x_key;\n",
        },
    )
    migrations, _ = load_migrations(tmp_path, Path("m"))
    second = migrations[1]
    assert second.changes[1:] == (Change(Action.DROP_INDEX, "public", "b", detail="ix"),)
    assert len(second.statements) == 3


def test_plain_ignores_files_that_are_not_migrations() -> None:
    migrations, _ = load_migrations(FIXTURES / "plain", Path("migrations"))
    paths = {f.path for m in migrations for f in m.files}
    assert not any(p.endswith((".bak", "schema.sql", "README.md", "scratch.sql")) for p in paths)


def test_numeric_versions_compare_as_numbers(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "db/10_third.sql": "SELECT 3;",
            "db/2_second.sql": "SELECT 2;",
            "db/1_first.sql": "SELECT 1;",
        },
    )
    migrations, _ = load_migrations(tmp_path, tmp_path / "db")
    assert [m.name for m in migrations] == ["first", "second", "third"]


def test_same_version_is_an_error_naming_both_files_where_the_tool_refuses_it(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "m/20240215093000_add_phone.up.sql": "SELECT 1;",
            "m/20240215093000_add_email.up.sql": "SELECT 2;",
        },
    )
    with pytest.raises(SourceError) as caught:
        load_migrations(tmp_path, Path("m"))
    message = str(caught.value)
    assert "m/20240215093000_add_email.up.sql" in message
    assert "m/20240215093000_add_phone.up.sql" in message


def test_bom_crlf_and_undecodable_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/1_bom.sql": "\ufeff-- Migration: With BOM\r\nCREATE TABLE a (x int);\r\n".encode(),
            "m/2_latin1.sql": "-- Migration: Caf\xe9\nCREATE TABLE b (x int);\n".encode("latin-1"),
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("m"))
    assert [m.id for m in migrations] == ["1_bom"]
    assert migrations[0].title == "With BOM"
    assert "\r" not in migrations[0].files[0].sql
    assert migrations[0].statements[0].location.line == 2
    assert [(f.rule, f.level, f.target) for f in findings] == [
        ("unreadable-migration", Level.ERROR, "m/2_latin1.sql")
    ]
    assert "UTF-8" in findings[0].message


def test_missing_directory_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        load_migrations(tmp_path, Path("nope"))
    (tmp_path / "m").mkdir()
    with pytest.raises(SourceError, match="unknown migrations format"):
        load_migrations(tmp_path, Path("m"), fmt="alembic")


# --- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tree", "directory", "expected"),
    [
        ("plain", "migrations", "plain"),
        ("golang-migrate", "db/migrations", "golang-migrate"),
        ("drizzle", "drizzle", "drizzle"),
        ("drizzle-folders", "drizzle", "drizzle"),
        ("flyway", "src/main/resources/db/migration", "flyway"),
        ("dbmate", "db/migrations", "dbmate"),
        ("goose", "migrations", "goose"),
        ("diesel", "migrations", "diesel"),
        ("sqitch", ".", "sqitch"),
    ],
)
def test_detect_format(tree: str, directory: str, expected: str) -> None:
    assert detect_format(FIXTURES / tree / directory) == expected
    # "auto" reads the same as naming the format.
    auto, _ = load_migrations(FIXTURES / tree, Path(directory))
    named, _ = load_migrations(FIXTURES / tree, Path(directory), fmt=expected)
    assert [m.id for m in auto] == [m.id for m in named]


def rollback(migration: Migration) -> str:
    return migration.documents[ROLLBACK_DOCUMENT]


# --- golang-migrate ---------------------------------------------------------------------------


def test_golang_migrate() -> None:
    migrations, findings = load_migrations(FIXTURES / "golang-migrate", Path("db/migrations"))
    assert findings == []
    assert [m.id for m in migrations] == ["000001_create_users", "2_add_phone", "10_index_phone"]
    first = migrations[0]
    assert (first.version, first.name) == ("000001", "create_users")
    assert first.path == "db/migrations/000001_create_users.up.sql"
    assert "DROP TABLE IF EXISTS users;" in rollback(first)
    assert "db/migrations/000001_create_users.down.sql" in rollback(first)
    # The down script is shown, never applied.
    assert all("DROP" not in s.sql for s in first.statements)
    assert [m.transactional for m in migrations] == [True, True, False]


def test_golang_migrate_same_number_is_a_duplicate(tmp_path: Path) -> None:
    write(tmp_path, {"m/1_a.up.sql": "SELECT 1;", "m/0001_b.up.sql": "SELECT 2;"})
    with pytest.raises(SourceError, match=r"m/0001_b\.up\.sql"):
        load_migrations(tmp_path, Path("m"), fmt="golang-migrate")


# --- Drizzle ----------------------------------------------------------------------------------


def test_drizzle_journal_order_breakpoints_and_unlisted_files() -> None:
    migrations, findings = load_migrations(FIXTURES / "drizzle", Path("drizzle"))
    assert [m.id for m in migrations] == [
        "0000_curly_hulk",
        "0001_brave_storm",
        "0002_custom_backfill",
    ]
    first = migrations[0]
    assert [s.location.line for s in first.statements] == [1, 8, 14]
    assert first.changes[:3] == (
        Change(Action.CREATE_TABLE, "public", "users"),
        Change(Action.ADD_COLUMN, "public", "users", column="id", detail="serial"),
        Change(Action.ADD_COLUMN, "public", "users", column="email", detail="varchar(255)"),
    )
    assert first.changes[3].column == "createdAt"  # quoted: case kept
    # "--> statement-breakpoint" right after ";" on the same line.
    brave = migrations[1]
    assert [s.sql for s in brave.statements] == [
        'ALTER TABLE "users" ADD COLUMN "name" text',
        'CREATE INDEX IF NOT EXISTS "users_name_idx" ON "users" USING btree ("name")',
    ]
    # Hand-written statements between breakpoints need no semicolon.
    custom = migrations[2]
    assert len(custom.statements) == 2
    assert custom.changes == (Change(Action.SET_NOT_NULL, "public", "users", column="name"),)
    assert [(f.rule, f.level, f.target) for f in findings] == [
        ("migration-not-in-journal", Level.INFO, "drizzle/0003_not_in_journal.sql")
    ]


def test_drizzle_journal_decides_order_not_file_names(tmp_path: Path) -> None:
    journal = (
        '{"entries": [{"idx": 0, "tag": "0001_second_in_name"},'
        ' {"idx": 1, "tag": "0000_first_in_name"}, {"idx": 2, "tag": "0002_missing"}]}'
    )
    write(
        tmp_path,
        {
            "d/meta/_journal.json": journal,
            "d/0000_first_in_name.sql": "SELECT 1;",
            "d/0001_second_in_name.sql": "SELECT 2;",
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("d"))
    assert [m.id for m in migrations] == ["0001_second_in_name", "0000_first_in_name"]
    assert [(f.rule, f.level) for f in findings] == [("missing-migration", Level.ERROR)]


def test_drizzle_folder_layout() -> None:
    migrations, _ = load_migrations(FIXTURES / "drizzle-folders", Path("drizzle"))
    assert [m.id for m in migrations] == ["20240110090000_init", "20240301120000_add_name"]
    assert migrations[0].path == "drizzle/20240110090000_init"
    assert migrations[0].files[0].path == "drizzle/20240110090000_init/migration.sql"
    assert migrations[1].changes[-1] == Change(
        Action.COMMENT_COLUMN, "public", "users", column="name", detail="Display name."
    )


# --- Flyway -----------------------------------------------------------------------------------


def test_flyway_versions_repeatables_and_undo() -> None:
    migrations, findings = load_migrations(
        FIXTURES / "flyway", Path("src/main/resources/db/migration")
    )
    assert findings == []
    assert [(m.version, m.name) for m in migrations] == [
        ("1", "Create_person_table"),
        ("1.1", "Add_email"),
        ("2", "Add_people"),
        ("2.1", "Add_phone"),
        ("3", "In_subdirectory"),  # found in a subdirectory
        ("10", "Index_email"),
        ("R", "active_view"),  # repeatables last, by description
        ("R", "person_view"),
    ]
    by_name = {m.name: m for m in migrations}
    assert "alter table PERSON drop column PHONE;" in rollback(by_name["Add_phone"])
    assert by_name["Index_email"].transactional is False  # V10__Index_email.sql.conf
    assert by_name["Create_person_table"].changes[0] == Change(
        Action.CREATE_TABLE, "public", "person"
    )
    assert migrations[0].title == "Create person table"


def test_flyway_one_and_one_point_zero_are_the_same_version(tmp_path: Path) -> None:
    write(tmp_path, {"sql/V1__a.sql": "SELECT 1;", "sql/V1.0__b.sql": "SELECT 2;"})
    with pytest.raises(SourceError, match="two migrations have version"):
        load_migrations(tmp_path, Path("sql"))


# --- dbmate and goose ---------------------------------------------------------------------------


def test_dbmate_sections_and_transaction_option() -> None:
    migrations, findings = load_migrations(FIXTURES / "dbmate", Path("db/migrations"))
    assert findings == []
    assert [m.name for m in migrations] == ["create_users", "index_email", "rename_name"]
    create = migrations[0]
    assert create.title == "Create users"  # header after "-- migrate:up"
    assert [s.sql.split()[0] for s in create.statements] == ["create"]
    assert "drop table users;" in rollback(create)
    assert "-- migrate:down" in rollback(create)
    assert migrations[1].transactional is False
    assert migrations[2].changes == (
        Change(Action.RENAME_COLUMN, "public", "users", column="name", new_name="full_name"),
    )


def test_goose_sections_statement_blocks_and_no_transaction() -> None:
    migrations, findings = load_migrations(FIXTURES / "goose", Path("migrations"))
    assert findings == []
    assert [m.version for m in migrations] == ["00001", "00002", "00010", "20240215093000"]
    function = migrations[1]
    # StatementBegin / StatementEnd: one statement, semicolons and all.
    assert len(function.statements) == 2
    body = function.statements[1]
    assert body.sql.startswith("CREATE OR REPLACE FUNCTION touch()")
    assert "RETURN NEW;" in body.sql and body.location.line == 5
    assert "DROP FUNCTION touch();" in rollback(function)
    assert migrations[2].transactional is False
    assert all(m.transactional for i, m in enumerate(migrations) if i != 2)
    assert [s.sql for s in migrations[0].statements][1].startswith("INSERT INTO users")


def test_goose_versions_compare_as_numbers_dbmate_as_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "g/9_a.sql": "-- +goose Up\nSELECT 1;\n",
            "g/10_b.sql": "-- +goose Up\nSELECT 2;\n",
            "d/20240101000000_a.sql": "-- migrate:up\nSELECT 1;\n",
            "d/20240201000000_b.sql": "-- migrate:up\nSELECT 2;\n",
        },
    )
    goose, _ = load_migrations(tmp_path, Path("g"))
    assert [m.name for m in goose] == ["a", "b"]
    dbmate, _ = load_migrations(tmp_path, Path("d"))
    assert [m.name for m in dbmate] == ["a", "b"]


# --- Diesel ------------------------------------------------------------------------------------


def test_diesel_versions_with_and_without_dashes_mix() -> None:
    migrations, findings = load_migrations(FIXTURES / "diesel", Path("migrations"))
    assert findings == []
    assert [m.version for m in migrations] == [
        "00000000000000",
        "20240110090000",
        "20240215093000",
        "20240301120000",
    ]
    assert migrations[1].id == "2024-01-10-090000_create_posts"
    assert migrations[1].files[0].path == "migrations/2024-01-10-090000_create_posts/up.sql"
    assert "DROP TABLE posts;" in rollback(migrations[1])
    assert migrations[2].transactional is False  # metadata.toml
    assert migrations[3].changes == (
        Change(Action.RENAME_COLUMN, "public", "posts", column="body", new_name="content"),
    )


def test_diesel_same_version_spelled_two_ways_is_a_duplicate(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/2024-01-10-090000_a/up.sql": "SELECT 1;",
            "m/20240110090000_b/up.sql": "SELECT 2;",
        },
    )
    with pytest.raises(SourceError, match="2024-01-10-090000_a"):
        load_migrations(tmp_path, Path("m"))


# --- Sqitch ----------------------------------------------------------------------------------


def test_sqitch_plan_order_rework_and_revert() -> None:
    migrations, findings = load_migrations(FIXTURES / "sqitch", Path("."))
    assert findings == []
    assert [m.id for m in migrations] == ["appschema", "users@v1.0", "flips", "users"]
    appschema, users_v1, flips, users = migrations
    assert appschema.path == "deploy/appschema.sql"
    assert appschema.version == "20240110090000"
    assert appschema.title == "Add schema for all flipr objects."
    assert "DROP SCHEMA flipr;" in rollback(appschema)
    assert users_v1.changes[0] == Change(Action.CREATE_TABLE, "flipr", "users")
    assert users.changes == (
        Change(Action.ADD_COLUMN, "flipr", "users", column="twitter", detail="TEXT"),
    )
    assert "DROP COLUMN twitter" in rollback(users)
    assert flips.header.items("dependencies") == ("appschema", "users")
    assert flips.title == "Flips table"  # the script's own header wins
    assert flips.header.text("author") == "Marge N. O'Vera"


def test_sqitch_missing_script_and_bad_plan_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sqitch.plan": (
                "%project=x\n\nfirst 2024-01-01T00:00:00Z A <a@b> # one\nnonsense here\n"
            ),
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("."))
    assert migrations == []
    assert sorted((f.rule, f.location) for f in findings) == [
        ("invalid-plan", Location("sqitch.plan", 4)),
        ("missing-migration", Location("sqitch.plan", 3)),
    ]


# --- versions several migrations share (the seed's names) -------------------------------------


def test_seed_names_share_a_date_version_and_are_ordered_by_name(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/20240110_create_users.sql": "CREATE TABLE users (id bigint);",
            "m/20240215_split_users_table/001_create_user_profiles.sql": "SELECT 1;",
            "m/20240215_add_legacy_id_to_users.sql": "SELECT 2;",
            "m/20240215093000_after_midnight.sql": "SELECT 3;",
            "m/20240301_b.sql": "SELECT 4;",
            "m/20240301_a.sql": "SELECT 5;",
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("m"))
    assert [m.id for m in migrations] == [
        "20240110_create_users",
        "20240215_add_legacy_id_to_users",
        "20240215_split_users_table",
        "20240215093000_after_midnight",
        "20240301_a",
        "20240301_b",
    ]
    assert [(f.rule, f.level) for f in findings] == [("shared-version", Level.INFO)]
    message = findings[0].message
    assert "20240215: 20240215_add_legacy_id_to_users.sql then 20240215_split_users_table/" in (
        message
    )
    assert "20240301: 20240301_a.sql then 20240301_b.sql" in message
    assert "version, then name" in message


def test_the_same_name_twice_is_still_an_error_in_the_plain_layout(tmp_path: Path) -> None:
    write(tmp_path, {"m/20240215_x.sql": "SELECT 1;", "m/20240215_x/001_a.sql": "SELECT 2;"})
    with pytest.raises(SourceError, match="two migrations have version 20240215"):
        load_migrations(tmp_path, Path("m"))


def test_a_rollback_file_beside_a_plain_migration_is_its_rollback(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/20240215_add_x.sql": "ALTER TABLE t ADD x int;",
            "m/20240215_add_x.down.sql": "ALTER TABLE t DROP x;",
            "m/20240216_orphan_rollback.sql": "SELECT 1;",
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("m"))
    assert [m.id for m in migrations] == ["20240215_add_x"]
    assert "ALTER TABLE t DROP x;" in rollback(migrations[0])
    # A rollback of nothing is not silently dropped.
    assert [(f.rule, f.target) for f in findings] == [
        ("unrecognised-file", "m/20240216_orphan_rollback.sql")
    ]


# --- nothing unrecognised is silent ---------------------------------------------------------------


def test_sql_files_no_layout_recognises_are_findings(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/20240101_a.sql": "SELECT 1;",
            "m/2024_02_15_add_phone.sql": "SELECT 2;",  # plain: read as version 2024
            "m/add_email.sql": "SELECT 3;",
            "m/20240301_dir/001_step.sql": "SELECT 4;",
            "m/20240301_dir/verify.sql": "SELECT 5;",
            "m/archive/old.sql": "SELECT 6;",
            "m/.scratch.sql": "SELECT 7;",
            "m/README.md": "# Migrations",
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("m"))
    assert [m.id for m in migrations] == ["2024_02_15_add_phone", "20240101_a", "20240301_dir"]
    assert [(f.rule, f.level, f.location) for f in findings] == [
        ("unrecognised-file", Level.WARNING, Location("m/20240301_dir/verify.sql")),
        ("unrecognised-file", Level.WARNING, Location("m/add_email.sql")),
        ("unrecognised-file", Level.WARNING, Location("m/archive/old.sql")),
    ]
    assert "plain layout (detected)" in findings[0].message


def test_a_directory_with_only_a_schema_dump_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"db/schema.sql": "CREATE TABLE users (id bigint);"})
    migrations, findings = load_migrations(tmp_path, Path("db"))
    assert migrations == []
    errors = [f for f in findings if f.level == Level.ERROR]
    assert [(f.rule, f.location) for f in errors] == [("no-migrations", Location("db"))]
    message = errors[0].message
    assert "db/schema.sql" in message and "0001_schema.sql" in message
    assert "golang-migrate" in message and "Prisma" in message and "Liquibase" in message
    assert [f.rule for f in findings if f.level == Level.WARNING] == ["unrecognised-file"]


def test_a_directory_of_other_files_is_an_error_an_empty_one_is_not(tmp_path: Path) -> None:
    write(tmp_path, {"db/changelog.xml": "<databaseChangeLog/>", "new/README.md": "# Soon"})
    (tmp_path / "empty").mkdir()
    _, findings = load_migrations(tmp_path, Path("db"))
    assert [(f.rule, f.level) for f in findings] == [("no-migrations", Level.ERROR)]
    assert "db/changelog.xml" in findings[0].message
    assert load_migrations(tmp_path, Path("empty")) == ([], [])
    assert load_migrations(tmp_path, Path("new")) == ([], [])


def test_a_lifespan_with_no_date_to_count_from_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sql/V1__add_legacy.sql": "-- Expected lifespan: 6 months\nALTER TABLE t ADD x int;",
            "sql/V2__dated.sql": (
                "-- Date: 2024-02-15\n-- Expected lifespan: 6 months\nALTER TABLE t ADD y int;"
            ),
        },
    )
    _, findings = load_migrations(tmp_path, Path("sql"))
    assert [(f.rule, f.level, f.location) for f in findings] == [
        ("invalid-drop-date", Level.ERROR, Location("sql/V1__add_legacy.sql", 1))
    ]
    assert "no Date" in findings[0].message


# --- steps of a directory migration ---------------------------------------------------------------


def test_each_file_of_a_directory_migration_is_a_step_with_its_own_header(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m/20240301_split/001_create.sql": (
                "-- Migration: Split users, step 1: create\n-- Date: 2024-03-01\n"
                "-- Author: Alice\n-- Ticket: PROJ-1\nCREATE TABLE p (id int);\n"
            ),
            "m/20240301_split/002_backfill.sql": "BEGIN;\n-- Ticket: PROJ-2\nSELECT 1;\n",
            "m/20240301_split/003_drop.sql": (
                "-- Migration: Split users, step 3: drop\n-- Date: 26 March 2024\n"
                "-- Author: Bob\nALTER TABLE users DROP COLUMN bio;\n"
            ),
        },
    )
    (split,), _ = load_migrations(tmp_path, Path("m"))
    one, two, three = split.steps
    assert (one.title, one.date, one.header.text("ticket")) == (
        "Split users, step 1: create",
        dt.date(2024, 3, 1),
        "PROJ-1",
    )
    # What a step does not say, it inherits; its title is then its file name.
    assert (two.title, two.date, two.header.text("author"), two.header.text("ticket")) == (
        "backfill",
        dt.date(2024, 3, 1),
        "Alice",
        "PROJ-2",
    )
    assert two.own == ("ticket",)
    assert (three.title, three.date, three.header.text("author")) == (
        "Split users, step 3: drop",
        dt.date(2024, 3, 26),
        "Bob",
    )
    drop = split.statements[-1]
    assert split.step_for(drop.location.path) is three
    # The migration itself keeps its first file's header.
    assert (split.title, split.date) == ("Split users, step 1: create", dt.date(2024, 3, 1))


def test_a_single_file_migration_has_no_steps() -> None:
    migrations, _ = load_migrations(FIXTURES / "plain", Path("migrations"))
    assert migrations[0].steps == ()
    assert migrations[0].step_for(migrations[0].files[0].path) is None


# --- Prisma ---------------------------------------------------------------------------------


def test_prisma_folders_in_name_order_with_lock_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "p/migration_lock.toml": 'provider = "postgresql"\n',
            "p/20240215093000_add_legacy_id/migration.sql": (
                '-- AlterTable\nALTER TABLE "User" ADD COLUMN "legacyId" TEXT;\n'
            ),
            "p/20240110090000_init/migration.sql": (
                '-- CreateTable\nCREATE TABLE "User" ("id" SERIAL NOT NULL);\n'
            ),
            "p/20240110090000_init/README.md": "# Init\n",
        },
    )
    assert detect_format(tmp_path / "p") == "prisma"
    migrations, findings = load_migrations(tmp_path, Path("p"))
    assert findings == []
    assert [m.id for m in migrations] == ["20240110090000_init", "20240215093000_add_legacy_id"]
    init = migrations[0]
    assert (init.version, init.name, init.path) == (
        "20240110090000",
        "init",
        "p/20240110090000_init",
    )
    assert init.date == dt.date(2024, 1, 10)
    assert init.documents["README.md"] == "# Init\n"
    assert migrations[1].changes == (
        Change(Action.ADD_COLUMN, "public", "User", column="legacyId", detail="TEXT"),
    )


def test_prisma_without_lock_file_and_another_provider(tmp_path: Path) -> None:
    write(tmp_path, {"p/20240101000000_init/migration.sql": "CREATE TABLE t (id int);"})
    assert detect_format(tmp_path / "p") == "prisma"
    write(tmp_path, {"p/migration_lock.toml": 'provider = "mysql"\n'})
    _, findings = load_migrations(tmp_path, Path("p"))
    assert [(f.rule, f.location) for f in findings] == [
        ("invalid-metadata", Location("p/migration_lock.toml"))
    ]
    assert "mysql" in findings[0].message


# --- Liquibase formatted SQL ------------------------------------------------------------------

_CHANGELOG = """\
--liquibase formatted sql

--changeset alice:1 labels:users context:prod
--comment: Create users
CREATE TABLE users (id bigint PRIMARY KEY, email text);
--rollback DROP TABLE users;

-- Migration: Add legacy_id column
-- Date: 15 February 2024
-- Ticket: PROJ-1234
-- Can drop after: 15 August 2024
--changeset alice:add-legacy-id
ALTER TABLE users ADD COLUMN legacy_id varchar(50);
/* liquibase rollback
ALTER TABLE users DROP COLUMN legacy_id;
*/

--changeset "Bob Builder":3 runInTransaction:false
--preconditions onFail:MARK_RAN
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_indexes WHERE indexname = 'ix'
CREATE INDEX CONCURRENTLY ix ON users (email);

--changeset carol:4 dbms:oracle
ALTER TABLE users ADD x NUMBER;

--changeset carol:5 splitStatements:false
CREATE FUNCTION f() RETURNS int AS 'SELECT 1; ' LANGUAGE sql;
COMMENT ON FUNCTION f() IS 'One';

--changeset carol:6
--ignoreLines:1
this line is not SQL
--ignoreLines:start
nor are these
two
--ignoreLines:end
COMMENT ON TABLE users IS 'People';
"""


def test_liquibase_changesets_are_migrations(tmp_path: Path) -> None:
    write(tmp_path, {"db/changelog/001-users.sql": _CHANGELOG})
    assert detect_format(tmp_path / "db") == "liquibase"
    migrations, findings = load_migrations(tmp_path, Path("db"))
    assert [m.id for m in migrations] == [
        "001-users::1::alice",
        "001-users::add-legacy-id::alice",
        "001-users::3::Bob Builder",
        "001-users::5::carol",
        "001-users::6::carol",
    ]
    create, legacy, index, function, ignoring = migrations
    assert create.title == "Create users"
    assert create.header.text("author") == "alice"
    assert create.header.text("changeset") == "alice:1"
    assert "DROP TABLE users;" in rollback(create)
    assert [s.location.line for s in create.statements] == [5]
    # The header comment above the changeset line is the changeset's.
    assert legacy.title == "Add legacy_id column"
    assert legacy.date == dt.date(2024, 2, 15)
    assert legacy.header.get("can drop after").date == dt.date(2024, 8, 15)  # type: ignore[union-attr]
    assert legacy.header.text("ticket") == "PROJ-1234"
    assert "DROP COLUMN legacy_id" in rollback(legacy)
    assert [c.action for c in legacy.changes] == [Action.ADD_COLUMN]
    assert index.header.text("author") == "Bob Builder"
    assert index.transactional is False
    assert "onFail:MARK_RAN" in (index.header.text("preconditions") or "")
    # splitStatements:false: one statement; ignored lines are not applied.
    assert [s.sql.split()[0] for s in function.statements] == ["CREATE"]
    assert "COMMENT ON FUNCTION" in function.statements[0].sql
    assert [s.sql for s in ignoring.statements] == ["COMMENT ON TABLE users IS 'People'"]
    assert [(f.rule, f.level, f.location) for f in findings] == [
        ("skipped-migration", Level.INFO, Location("db/changelog/001-users.sql", 23))
    ]


def test_liquibase_duplicate_changeset_is_an_error(tmp_path: Path) -> None:
    text = "--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n--changeset a:1\nSELECT 2;\n"
    write(tmp_path, {"db/x.sql": text})
    with pytest.raises(SourceError, match="two migrations have version 1"):
        load_migrations(tmp_path, Path("db"))


@pytest.mark.parametrize(
    ("name", "root"),
    [
        (
            "db.changelog-master.yaml",
            "databaseChangeLog:\n"
            "  - include:\n      file: db/changelog/changes/b.sql\n"
            "  - include:\n      file: db/changelog/changes/a.sql\n",
        ),
        (
            "db.changelog-master.xml",
            '<databaseChangeLog>\n  <include file="changes/b.sql" relativeToChangelogFile="true"/>'
            '\n  <include file="changes/a.sql" relativeToChangelogFile="true"/>\n'
            "</databaseChangeLog>\n",
        ),
    ],
)
def test_liquibase_root_changelog_decides_the_order(tmp_path: Path, name: str, root: str) -> None:
    def changelog(author: str) -> str:
        return f"--liquibase formatted sql\n--changeset {author}:1\nSELECT 1;\n"

    write(
        tmp_path,
        {
            f"db/changelog/{name}": root,
            "db/changelog/changes/a.sql": changelog("a"),
            "db/changelog/changes/b.sql": changelog("b"),
            "db/changelog/changes/c.sql": changelog("c"),
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("db/changelog"))
    assert [m.id for m in migrations] == ["b::1::b", "a::1::a"]
    assert [(f.rule, f.location) for f in findings] == [
        ("skipped-migration", Location("db/changelog/changes/c.sql"))
    ]


def test_liquibase_without_root_changelog_orders_by_path(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "db/2-b.sql": "--liquibase formatted sql\n--changeset b:1\nSELECT 1;\n",
            "db/1-a.sql": "--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n",
            "db/notes.sql": "SELECT 'not formatted';\n",
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("db"))
    assert [m.id for m in migrations] == ["1-a::1::a", "2-b::1::b"]
    assert [(f.rule, f.target) for f in findings] == [("unrecognised-file", "db/notes.sql")]


def test_liquibase_nested_changelogs_are_followed(tmp_path: Path) -> None:
    # The layout of many Spring projects: a master changelog including one per release.
    def sql(author: str) -> str:
        return f"--liquibase formatted sql\n--changeset {author}:1\nSELECT 1;\n"

    xml = "<databaseChangeLog>\n{}</databaseChangeLog>\n"
    include = '  <include file="{}" relativeToChangelogFile="true"/>\n'
    write(
        tmp_path,
        {
            "db/changelog-master.xml": xml.format(
                include.format("release_2/changelog.xml")
                + include.format("release_1/changelog.xml")
            ),
            "db/release_1/changelog.xml": xml.format(include.format("scripts/b.sql")),
            "db/release_1/scripts/b.sql": sql("r1"),
            "db/release_2/changelog.xml": xml.format(
                include.format("scripts/z.sql") + include.format("scripts/a.sql")
            ),
            "db/release_2/scripts/a.sql": sql("r2a"),
            "db/release_2/scripts/z.sql": sql("r2z"),
        },
    )
    migrations, findings = load_migrations(tmp_path, Path("db"))
    assert [m.id for m in migrations] == ["z::1::r2z", "a::1::r2a", "b::1::r1"]
    assert findings == []
