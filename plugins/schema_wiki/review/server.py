"""The review's replays on one throwaway PostgreSQL: the base, the branch, and the tests.

One server holds a database per state:

* ``base``: the setup SQL and the base's migrations, applied in order. Its
  data directory is copied into the cache (`snapshot_dir`), keyed by the
  base's inputs, so the next review of a branch of the same base starts
  the server on that copy instead of replaying the base again;
* ``head``: a copy of ``base`` (``CREATE DATABASE ... TEMPLATE base``, a file
  copy) with only the branch's migrations applied, one by one, each
  recorded (`witness`) and timed. When the branch edits or removes
  migrations the base has, or reorders them, ``head`` is replayed from
  scratch instead: what a fresh database gets;
* a scratch copy of ``head`` per migration for the rollback test (down, then
  the schema compared with the one before the migration, then up again) and
  the re-run test (up once more), thrown away after.

The base database also answers which objects depend on what the branch
drops, renames or retypes (`dependents`, from ``pg_depend``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..errors import MigrationFailed
from ..model import Catalog, CatalogIndex, CatalogTable, Migration
from ..replay.apply import apply_migrations
from ..replay.pgserver import ThrowawayPostgres
from ..sources.catalog import read_catalog
from .model import Applied, Dependent, RerunTest, RollbackTest
from .witness import apply_one_recorded, apply_recorded

__all__ = ["ReviewServer", "comparable", "rollback_sql", "schema_digest"]

log = logging.getLogger(__name__)

#: Snapshots of base data directories kept in the cache (about 100 MB at 1,000 tables).
KEEP_SNAPSHOTS = 2


def snapshot_dir(cache_dir: Path, key: str) -> Path:
    """Where the data directory of the base whose inputs digest to ``key`` is kept."""
    return cache_dir / "review" / f"base-{key[:32]}"


class ReviewServer:
    """A throwaway server for one review; use as a context manager."""

    def __init__(
        self,
        postgres_bin: Path | None,
        catalog_options: dict[str, Any],
        from_data: Path | None = None,
    ) -> None:
        self.server = ThrowawayPostgres(postgres_bin, from_data=from_data)
        self.options = catalog_options
        self._scratch = 0

    def __enter__(self) -> ReviewServer:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    # -- databases ----------------------------------------------------------------------

    def conninfo(self, database: str) -> str:
        return self.server.conninfo_for(database)

    def create(self, name: str, template: str | None = None) -> str:
        """Create ``name``, empty or as a copy of ``template``; its conninfo."""
        query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template or "template0")
        )
        if template is not None and self.server.version >= 15:
            # Copying the files is four times faster than through the WAL (the default
            # since 15) for a database of a thousand tables.
            query = query + sql.SQL(" STRATEGY FILE_COPY")
        with psycopg.connect(self.server.conninfo, autocommit=True) as conn:
            conn.execute(query)
        return self.conninfo(name)

    def drop(self, name: str) -> None:
        with psycopg.connect(self.server.conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    @contextlib.contextmanager
    def scratch(self, template: str) -> Iterator[str]:
        """A throwaway copy of ``template``: its conninfo, dropped afterwards."""
        self._scratch += 1
        name = f"scratch_{self._scratch}"
        conninfo = self.create(name, template)
        try:
            yield conninfo
        finally:
            self.drop(name)

    def catalog(self, database: str) -> Catalog:
        return read_catalog(self.conninfo(database), **self.options)

    # -- replays ------------------------------------------------------------------------

    def replay(self, database: str, migrations: Sequence[Migration], setup_sql: str | None) -> Any:
        """Create ``database`` and apply everything to it, recorded when the replay can
        record (the record, or None). Raises `MigrationFailed`."""
        conninfo = self.create(database)
        return apply_recorded(conninfo, migrations, setup_sql)

    def apply_branch(self, database: str, migration: Migration) -> tuple[Applied, Any]:
        """Apply one of the branch's migrations to ``database``, recorded and timed; a
        migration PostgreSQL rejects is not raised (its `Applied` says why)."""
        return apply_one_recorded(self.conninfo(database), migration)

    def snapshot(self, dest: Path) -> None:
        """Keep the cluster's data directory at ``dest`` (written beside it, then renamed)."""
        staging: Path | None = None
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
            self.server.snapshot(staging / "data")
            if dest.exists():
                shutil.rmtree(dest, ignore_errors=True)
            (staging / "data").rename(dest)
        except OSError as exc:  # a read-only or full disk: the next review replays again
            why = str(exc).splitlines()[0][:200]
            log.debug("schema-wiki: cannot keep the base's data directory at %s: %s", dest, why)
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        _prune(dest.parent, KEEP_SNAPSHOTS)

    # -- tests ---------------------------------------------------------------------------

    def test_migration(
        self,
        head: str,
        migration: Migration,
        before: Catalog,
        down: str | None,
        source: str | None,
    ) -> tuple[RollbackTest, RerunTest]:
        """Roll ``migration`` back and forward again, then re-run it, on copies of ``head``
        (where it is the last migration applied); ``before`` is the schema before it."""
        rollback = RollbackTest(migration.id, source)
        if down is not None:
            with self.scratch(head) as conninfo:
                rollback = self._rollback(conninfo, migration, before, down, source)
        with self.scratch(head) as conninfo:
            try:
                apply_migrations(conninfo, [migration])
                rerun = RerunTest(migration.id, True)
            except MigrationFailed as exc:
                rerun = RerunTest(migration.id, False, _first_line(exc))
        return rollback, rerun

    def _rollback(
        self, conninfo: str, migration: Migration, before: Catalog, down: str, source: str | None
    ) -> RollbackTest:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(down.encode())
        except psycopg.Error as exc:
            primary = exc.diag.message_primary or str(exc).strip()
            return RollbackTest(migration.id, source, False, f"the rollback fails: {primary}")
        after = read_catalog(conninfo, **self.options)
        differences = schema_digest(before) != schema_digest(after)
        if differences:
            left = _difference(before, after)
            return RollbackTest(
                migration.id, source, False, f"the rollback does not restore the schema: {left}"
            )
        try:
            apply_migrations(conninfo, [migration])
        except MigrationFailed as exc:
            return RollbackTest(
                migration.id,
                source,
                False,
                f"up again after the rollback fails: {_first_line(exc)}",
            )
        return RollbackTest(migration.id, source, True)

    # -- dependencies ----------------------------------------------------------------------

    def dependents(
        self, database: str, targets: Sequence[tuple[str, str, str | None]]
    ) -> dict[tuple[str, str, str | None], tuple[Dependent, ...]]:
        """What depends on each (schema, table, column or None) in ``database``: views,
        constraints (foreign keys from other tables), indexes, triggers, defaults."""
        out: dict[tuple[str, str, str | None], tuple[Dependent, ...]] = {}
        if not targets:
            return out
        with psycopg.connect(self.conninfo(database), autocommit=True) as conn:
            for target in targets:
                out[target] = tuple(_dependents(conn, *target))
        return out


_DEPENDENTS = """
WITH t AS (
  SELECT c.oid, a.attnum
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_attribute a
         ON a.attrelid = c.oid AND a.attname = %(column)s AND NOT a.attisdropped
  WHERE n.nspname = %(schema)s AND c.relname = %(table)s
)
SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, 0) AS what,
  CASE d.classid
    WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass
      THEN (SELECT g.tgname FROM pg_catalog.pg_trigger g WHERE g.oid = d.objid)
    WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass
      THEN (SELECT k.conname FROM pg_catalog.pg_constraint k WHERE k.oid = d.objid)
    WHEN 'pg_catalog.pg_class'::pg_catalog.regclass
      THEN (SELECT r.relname FROM pg_catalog.pg_class r WHERE r.oid = d.objid)
    WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass
      THEN (SELECT r.relname FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_class r
            ON r.oid = w.ev_class WHERE w.oid = d.objid)
  END AS name,
  owner.oid = t.oid AS same_table,
  pg_catalog.format('%%s.%%s', owner_ns.nspname, owner.relname) AS owner_name,
  d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AS is_class,
  d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AS is_constraint,
  COALESCE((SELECT k.conkey FROM pg_catalog.pg_constraint k WHERE k.oid = d.objid),
           (SELECT i.indkey::pg_catalog.int2[] FROM pg_catalog.pg_index i
            WHERE i.indexrelid = d.objid)) AS keys,
  (SELECT r.relkind FROM pg_catalog.pg_class r WHERE r.oid = d.objid) AS relkind
FROM t
JOIN pg_catalog.pg_depend d
  ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = t.oid
 AND (t.attnum IS NULL OR d.refobjsubid = t.attnum)
 AND d.deptype IN ('n', 'a')
JOIN LATERAL (
  SELECT CASE d.classid
    WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass
      THEN (SELECT w.ev_class FROM pg_catalog.pg_rewrite w WHERE w.oid = d.objid)
    WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass
      THEN (SELECT k.conrelid FROM pg_catalog.pg_constraint k WHERE k.oid = d.objid)
    WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass
      THEN (SELECT g.tgrelid FROM pg_catalog.pg_trigger g WHERE g.oid = d.objid)
    WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass
      THEN (SELECT f.adrelid FROM pg_catalog.pg_attrdef f WHERE f.oid = d.objid)
    WHEN 'pg_catalog.pg_class'::pg_catalog.regclass
      THEN COALESCE((SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = d.objid),
                    d.objid)
  END AS oid
) o ON true
LEFT JOIN pg_catalog.pg_class owner ON owner.oid = o.oid
LEFT JOIN pg_catalog.pg_namespace owner_ns ON owner_ns.oid = owner.relnamespace
ORDER BY 1
"""


def _dependents(
    conn: psycopg.Connection[Any], schema: str, table: str, column: str | None
) -> Iterator[Dependent]:
    rows = conn.execute(
        _DEPENDENTS, {"schema": schema, "table": table, "column": column or ""}
    ).fetchall()
    if column is not None and not rows:
        return
    attnum = None
    if column is not None:
        found = conn.execute(
            "SELECT a.attnum FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c"
            " ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = %s AND a.attname = %s",
            (schema, table, column),
        ).fetchone()
        attnum = found[0] if found else None
    for what, name, same_table, owner_name, is_class, _is_constraint, keys, relkind in rows:
        if relkind == "S":
            continue  # a sequence owned by the column: part of it
        if what.startswith("rule ") and same_table:
            continue  # a view's own rule, when the target is the view
        goes = bool(same_table) and (
            column is None or (keys is not None and attnum is not None and set(keys) <= {attnum})
        )
        if is_class and same_table and column is None:
            goes = True
        yield Dependent(_describe(what), owner_name or "", goes, name or "")


def _describe(what: str) -> str:
    # pg_describe_object says "rule _RETURN on view v": the view is what readers know.
    if what.startswith("rule _RETURN on "):
        return what.removeprefix("rule _RETURN on ")
    return what


# --- comparing schemas ----------------------------------------------------------------


def comparable(catalog: Catalog) -> Catalog:
    """``catalog`` without what differs between two databases of the same schema
    (sizes, row estimates, the server's version, what the replay recorded)."""

    def index(i: CatalogIndex) -> CatalogIndex:
        return dataclasses.replace(i, size_bytes=None)

    def table(t: CatalogTable) -> CatalogTable:
        return dataclasses.replace(
            t,
            row_estimate=None,
            total_bytes=None,
            indexes=tuple(sorted((index(i) for i in t.indexes), key=lambda i: i.name)),
            constraints=tuple(sorted(t.constraints, key=lambda c: c.name)),
        )

    return dataclasses.replace(
        catalog,
        tables=tuple(sorted((table(t) for t in catalog.tables), key=lambda t: t.qualified)),
        server_version="",
        witness=None,
    )


def schema_digest(catalog: Catalog) -> str:
    """A digest of the schema alone (see `comparable`)."""
    return hashlib.sha256(repr(comparable(catalog)).encode()).hexdigest()


def _difference(before: Catalog, after: Catalog) -> str:
    """The first difference, in words."""
    a = {t.qualified: t for t in comparable(before).tables}
    b = {t.qualified: t for t in comparable(after).tables}
    for name in sorted(set(a) - set(b)):
        return f"{name} is missing"
    for name in sorted(set(b) - set(a)):
        return f"{name} is still there"
    for name in sorted(a):
        if a[name] == b[name]:
            continue
        ca = {c.name: c for c in a[name].columns}
        cb = {c.name: c for c in b[name].columns}
        for col in sorted(set(cb) - set(ca)):
            return f"column {name}.{col} is still there"
        for col in sorted(set(ca) - set(cb)):
            return f"column {name}.{col} is missing"
        for col in sorted(ca):
            if ca[col] != cb[col]:
                return f"column {name}.{col} differs"
        ia = {i.name for i in a[name].indexes}
        ib = {i.name for i in b[name].indexes}
        for ix in sorted(ib - ia):
            return f"index {ix} on {name} is still there"
        for ix in sorted(ia - ib):
            return f"index {ix} on {name} is missing"
        return f"{name} differs (constraints, indexes or triggers)"
    return "types or domains differ"


def _first_line(exc: Exception) -> str:
    """PostgreSQL's own message (``MigrationFailed.primary``) with where it happened."""
    primary = getattr(exc, "pg_message", None)
    location = getattr(exc, "location", None)
    if primary:
        return f"{location}: {primary}" if location else str(primary)
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _prune(directory: Path, keep: int) -> None:
    try:
        found = sorted(
            (p for p in directory.glob("base-*") if p.is_dir()),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
    except OSError:
        return
    for old in found[keep:]:
        shutil.rmtree(old, ignore_errors=True)


# --- rollback scripts ------------------------------------------------------------------

_FENCE = re.compile(r"^(`{3,})sql\n(.*?)\n\1\s*$", re.S | re.M)


def rollback_sql(migration: Migration) -> tuple[str | None, str | None]:
    """The rollback of ``migration``: (its SQL or None, where it comes from or None).

    A down file or section, a Flyway undo or a ROLLBACK SQL file is a script
    (``Migration.documents["ROLLBACK.sql"]``): its SQL is returned. A
    ``ROLLBACK.md`` document is a procedure written for people: its source is
    returned, its SQL is not run.
    """
    script = migration.documents.get("ROLLBACK.sql")
    if script is not None:
        m = _FENCE.search(script)
        origin = script.split("`", 2)[1] if script.startswith("From `") else "ROLLBACK.sql"
        if m is not None:
            return m.group(2), origin
        return None, origin
    for name in migration.documents:
        if name.lower().startswith("rollback"):
            return None, f"{migration.path}/{name}"
    return None, None
