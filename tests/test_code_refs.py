"""Where the application code still names a column: the index, the search, its cache,
the column page and the expired-column message."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from checks_support import check, of_rule, sql_migration, table, wiki_of
from schema_wiki.model import Migration
from schema_wiki.render import RenderOptions, render_pages
from schema_wiki.sources.code import code_files, index_text, search_code, with_code_references

WORKER = """\
// Background worker
export async function digest(db: Db, partner: number) {
  const rows = await db.many(
    `SELECT username, email
       FROM users
      WHERE partner_id = $1`,
    [partner],
  );
  log("username is deprecated");  // a plain string: not a query
  return rows.map((row) => row.username);
}
const other = "SELECT status FROM invoices";
const qualified = users.legacy_id;
"""

PYTHON = '''\
QUERY = """
    UPDATE "users"
       SET "username" = %s
"""
status = "users.username"  # qualified in a plain string counts too
'''


def test_the_index_keeps_query_words_and_qualified_names_with_lines() -> None:
    index = index_text(WORKER, "src/worker.ts")
    assert index.query_words["username"] == ((4, 0),)
    assert index.query_words["users"] == ((5, 0),)
    assert "deprecated" not in index.query_words  # not in an SQL string
    assert index.qualified["users.legacy_id"] == (13,)
    assert index.qualified["row.username"] == (10,)
    python = index_text(PYTHON, "app/db.py")
    assert python.query_words["username"] == ((3, 0),)
    assert python.query_words["users"] == ((2, 0),)
    assert python.qualified["users.username"] == (5,)
    sql = index_text("-- report\nSELECT u.username\nFROM users u;\n", "q/report.sql")
    assert sql.query_words["username"] == ((2, 0),) and sql.qualified["u.username"] == (2,)


def _project(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "worker.ts").write_text(WORKER)
    (root / "src" / "db.py").write_text(PYTHON)
    (root / "src" / "logo.png").write_bytes(b"\x89PNG\0\0binary")
    (root / "vendor").mkdir()
    (root / "vendor" / "lib.ts").write_text("const q = 'SELECT username FROM users';\n")


def test_search_finds_qualified_names_and_queries_nearby_their_table(tmp_path: Path) -> None:
    _project(tmp_path)
    found = search_code(
        tmp_path,
        ["src/**/*"],
        [
            ("public", "users", "username"),
            ("public", "users", "legacy_id"),
            ("public", "users", "status"),
            ("public", "users", "nothing"),
        ],
    )
    places = {k: [str(r) for r in v] for k, v in found.references.items()}
    assert places["public.users.username"] == ["src/db.py:3", "src/db.py:5", "src/worker.ts:4"]
    assert places["public.users.legacy_id"] == ["src/worker.ts:13"]
    # "status" is in a query on invoices, not on users
    assert places["public.users.status"] == []
    assert places["public.users.nothing"] == []
    # vendor/ is outside the globs; the PNG is skipped
    assert found.files == 2
    ref = found.references["public.users.username"][2]
    assert ref.kind == "query" and ref.text.startswith("`SELECT username")


def test_the_index_is_cached_by_file_content(tmp_path: Path) -> None:
    _project(tmp_path)
    cache = tmp_path / ".cache"
    columns = [("public", "users", "username")]
    first = search_code(tmp_path, ["src/**/*"], columns, cache)
    stamp = (cache / "code-index.msgpack").stat().st_mtime_ns
    again = search_code(tmp_path, ["src/**/*"], columns, cache)
    assert again == first
    assert (cache / "code-index.msgpack").stat().st_mtime_ns == stamp  # nothing re-indexed
    (tmp_path / "src" / "worker.ts").write_text(WORKER.replace("SELECT username,", "SELECT"))
    changed = search_code(tmp_path, ["src/**/*"], columns, cache)
    assert [str(r) for r in changed.references["public.users.username"]] == [
        "src/db.py:3",
        "src/db.py:5",
    ]
    assert (cache / "code-index.msgpack").stat().st_mtime_ns != stamp


def test_code_files_follow_globs_relative_to_the_root(tmp_path: Path) -> None:
    _project(tmp_path)
    assert [p for p, _ in code_files(tmp_path, ["src/*.ts", "vendor/**/*.ts"])] == [
        "src/worker.ts",
        "vendor/lib.ts",
    ]


def dated(day: str) -> Migration:
    """A migration adding users.legacy_id with ``Can drop after: day`` in its header."""
    m = sql_migration("20240215000000", "ALTER TABLE users ADD COLUMN legacy_id text;\n")
    text = m.files[0].sql.replace("-- Context:", f"-- Can drop after: {day}\n-- Context:")
    return sql_migration("20240215000000", text, header=False, name="legacy")


def _expired(tmp_path: Path, code: str | None) -> list[str]:
    wiki = wiki_of([dated("2024-08-15")], [table("users", "id", "legacy_id")])
    if code is not None:
        (tmp_path / "app").mkdir(exist_ok=True)
        (tmp_path / "app" / "sync.py").write_text(code)
        wiki = with_code_references(wiki, tmp_path, ["app/**/*.py"], None)
    return [f.message for f in of_rule(check(wiki), "expired-column")]


def test_the_expired_column_message_says_where_code_names_it(tmp_path: Path) -> None:
    still = _expired(tmp_path, "x = 1\nsql = 'SELECT legacy_id FROM users'\n")
    assert still and still[0].endswith("; still referenced at app/sync.py:2")
    gone = _expired(tmp_path, "sql = 'SELECT id FROM users'\n")
    assert gone and gone[0].endswith("; no reference left in code_paths: safe to drop")
    unsearched = _expired(tmp_path, None)
    assert unsearched and "referenced" not in unsearched[0] and "safe to drop" not in unsearched[0]


def test_the_column_page_shows_code_references(tmp_path: Path) -> None:
    wiki = wiki_of([dated("2031-08-15")], [table("users", "id", "legacy_id")])
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "sync.py").write_text("q = 'SELECT legacy_id FROM users'\n")
    searched = with_code_references(wiki, tmp_path, ["app/*.py"], None)
    page = render_pages(searched, RenderOptions())["schema/public/users.md"]
    assert "**Still named in code** `app/sync.py:1`" in page
    nowhere = dataclasses.replace(searched, code_references={"public.users.legacy_id": ()})
    page = render_pages(nowhere, RenderOptions())["schema/public/users.md"]
    assert "no reference left" in page
    plain = render_pages(wiki, RenderOptions())["schema/public/users.md"]
    assert "Still named in code" not in plain
