"""Read the live schema from PostgreSQL's catalog, safely enough for production.

One short READ ONLY transaction of five round trips (settings; schemas;
relations, enums, domains and the server's quoting and default operator
classes; columns, constraints, indexes and triggers; the definitions left to
PostgreSQL, and views), pipelined where libpq allows, with set-based queries
that join ``pg_description`` directly rather than calling ``col_description()``
per row. Plain btree indexes, primary keys, unique constraints and foreign keys
are written out in Python from their catalog rows, exactly as
``pg_get_indexdef`` and ``pg_get_constraintdef`` would (those cost tens of
microseconds each with a fresh connection's cold caches, most of the read on
a thousand tables); the rest is deparsed by PostgreSQL.

Safety. The transaction is ``READ ONLY``, so nothing can be written, and
``statement_timeout`` / ``lock_timeout`` / ``idle_in_transaction_session_timeout``
are set with ``SET LOCAL`` semantics, so they end with the transaction and
never leak into a pooled server connection. (Startup ``options`` would be
refused by PgBouncer; a session-wide ``SET`` would outlive us in a pool.)

Locks. Measured on PostgreSQL 15 and 18: reading ``pg_class`` and friends,
``format_type``, ``pg_get_triggerdef``, ``pg_get_expr`` without a relation and
``pg_get_constraintdef`` of a key take no lock on user tables, but
``pg_get_indexdef``, ``pg_get_constraintdef`` of a check, ``pg_get_viewdef``,
``pg_get_partkeydef``, ``pg_get_expr`` with a relation and the size functions
take an AccessShareLock on the relation they describe (released right after),
except ``pg_get_viewdef``, which keeps one on the view and every table it
reads until the transaction ends: view definitions are read by the very last
query, so a migration never queues behind those locks while we wait for
another. A table that needs none of these functions (its keys and plain
indexes are written in Python) is not locked at all. AccessShareLock
conflicts only with ACCESS EXCLUSIVE (DDL in progress): then we wait at most
``lock_timeout`` and fail with a message naming the locked table. A waiting
AccessShareLock does not delay other readers. Sizes come from ``relpages``
rather than ``pg_total_relation_size``, which would open every table, index
and TOAST table.

Passwords never appear in a message: see `redact_conninfo`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple
from urllib.parse import unquote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..errors import DatabaseError
from ..gc_pause import gc_paused
from ..model import (
    Catalog,
    CatalogColumn,
    CatalogConstraint,
    CatalogDependent,
    CatalogDomain,
    CatalogEnum,
    CatalogIndex,
    CatalogPartition,
    CatalogTable,
    CatalogTrigger,
)
from ..pg_codes import CONSTRAINT_KIND_NAMES, RELKIND_NAMES
from ..row_maker import row_maker

__all__ = [
    "SYSTEM_SCHEMAS",
    "catalog_connection",
    "is_system_schema",
    "read_catalog",
    "redact_conninfo",
]

#: Schemas never read (plus every ``pg_*`` schema: ``pg_toast``, ``pg_temp_3``...).
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})

_MASK = "********"


def is_system_schema(name: str) -> bool:
    """Whether ``name`` is PostgreSQL's own (``pg_catalog``, ``pg_toast``, ``pg_temp_1``...)."""
    # Users cannot create schemas named pg_*: the prefix is reserved.
    return name in SYSTEM_SCHEMAS or name.startswith("pg_")


# --- passwords ----------------------------------------------------------------------

_URI = re.compile(r"^(?P<scheme>postgres(?:ql)?://)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_URI_QUERY_SECRET = re.compile(r"(?i)([?&](?:ssl)?password=)([^&#]*)")
_KV_SECRET = re.compile(r"(?i)(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s]*)")


def _split_userinfo(rest: str) -> tuple[str | None, str]:
    """(``user:password`` or None, the rest) of a URI after its ``scheme://``.

    The userinfo ends at the last ``@`` before the query: wider than libpq's
    own rule, so an unencoded ``/`` or ``@`` in a password is masked too.
    """
    head = re.split(r"[?#]", rest, maxsplit=1)[0]
    if "@" not in head:
        return None, rest
    at = head.rindex("@")
    return rest[:at], rest[at + 1 :]


def redact_conninfo(conninfo: str) -> str:
    """``conninfo`` with every password masked, in URI or ``key=value`` form.

    ``postgresql://app:s3cret@db/app?sslpassword=x`` becomes
    ``postgresql://app:********@db/app?sslpassword=********``; ``password='a b'``
    becomes ``password=********``. Works on malformed strings too.
    """
    match = _URI.match(conninfo.strip())
    if match:
        userinfo, rest = _split_userinfo(match["rest"])
        if userinfo is not None:
            user = userinfo.split(":", 1)[0]
            rest = (f"{user}:{_MASK}" if ":" in userinfo else user) + "@" + rest
        return match["scheme"] + _URI_QUERY_SECRET.sub(lambda m: m[1] + _MASK, rest)
    return _KV_SECRET.sub(lambda m: m[1] + _MASK, conninfo)


def _secrets(conninfo: str) -> list[str]:
    """Every password text in ``conninfo``, raw and decoded, longest first."""
    found: set[str] = set()
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error:
        params = {}
    for key in ("password", "sslpassword"):
        value = params.get(key)
        if value:
            found.add(str(value))
    match = _URI.match(conninfo.strip())
    if match:
        userinfo, _ = _split_userinfo(match["rest"])
        if userinfo is not None and ":" in userinfo:
            found.add(userinfo.split(":", 1)[1])
        found.update(m[2] for m in _URI_QUERY_SECRET.finditer(match["rest"]))
    else:
        for m in _KV_SECRET.finditer(conninfo):
            found.add(m[2])
            found.add(m[2].strip("'"))
    found |= {unquote(s) for s in found}
    return sorted((s for s in found if s), key=len, reverse=True)


def _scrub(text: str, conninfo: str) -> str:
    """``text`` with the passwords of ``conninfo`` masked, on one line."""
    for secret in _secrets(conninfo):
        text = text.replace(secret, _MASK)
    return " ".join(text.split())


def _target(conninfo: str) -> str:
    """Where we connect, for messages: ``host:port/dbname as user``, never the password."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error:
        return "the configured database"
    host = str(params.get("host") or params.get("hostaddr") or "localhost")
    port = params.get("port")
    where = f"{host}:{port}" if port else host
    if params.get("dbname"):
        where += f"/{params['dbname']}"
    if params.get("user"):
        where += f" as {params['user']}"
    return _scrub(where, conninfo)


# --- errors -------------------------------------------------------------------------

_CONNECT_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (r"password authentication failed", "authentication failed (wrong user or password)"),
        (r"no password supplied|fe_sendauth", "the server wants a password and none was given"),
        (r"authentication failed|pg_hba\.conf", "the server refused this user from this host"),
        (r"database \"[^\"]*\" does not exist", "that database does not exist"),
        (r"role \"[^\"]*\" does not exist", "that user (role) does not exist"),
        (r"timeout expired|timed out", "no answer within connect_timeout"),
        (
            r"could not translate host name|Name or service not known|failed to resolve host",
            "unknown host name (or a port that is not a number)",
        ),
        (r"Connection refused", "connection refused (is PostgreSQL running there?)"),
        (r"No such file or directory", "no PostgreSQL socket there (is it running?)"),
        (r"Network is unreachable|No route to host", "the host is unreachable"),
        (r"too many connections|remaining connection slots", "the server has no free connection"),
        (r"the database system is (starting up|shutting down|in recovery)", "the server is busy"),
        (r"SSL", "SSL negotiation failed"),
    )
)


def _connect_error(exc: psycopg.Error, conninfo: str, connect_timeout: int) -> DatabaseError:
    said = _scrub(str(exc), conninfo)
    if isinstance(exc, psycopg.ProgrammingError):
        return DatabaseError(f"the database connection string is invalid: {said}")
    reason = next((r for p, r in _CONNECT_REASONS if p.search(said)), "connection failed")
    if reason.startswith("no answer"):
        reason += f" ({connect_timeout} s)"
    return DatabaseError(f"cannot connect to {_target(conninfo)}: {reason} (libpq: {said})")


def _read_error(
    exc: psycopg.Error,
    conninfo: str,
    *,
    statement_timeout_ms: int,
    lock_timeout_ms: int,
    holders: str,
) -> DatabaseError:
    said = _scrub(exc.diag.message_primary or str(exc), conninfo)
    target = _target(conninfo)
    if exc.sqlstate == "55P03":
        return DatabaseError(
            f"reading the catalog of {target} waited longer than lock_timeout "
            f"({lock_timeout_ms} ms) for a lock{holders}: a migration or other DDL is "
            "probably running; try again when it is done, or raise lock_timeout"
        )
    if exc.sqlstate == "57014":
        return DatabaseError(
            f"reading the catalog of {target} took longer than statement_timeout "
            f"({statement_timeout_ms} ms): raise statement_timeout ({said})"
        )
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        return DatabaseError(f"lost the connection to {target} while reading the catalog: {said}")
    return DatabaseError(f"reading the catalog of {target} failed: {said}")


# --- queries ------------------------------------------------------------------------

_SETTINGS = """
SELECT pg_catalog.set_config('statement_timeout', %(statement_timeout)s, true),
       pg_catalog.set_config('lock_timeout', %(lock_timeout)s, true),
       pg_catalog.set_config('idle_in_transaction_session_timeout', %(idle_timeout)s, true)
"""

# Catalogs often have no statistics (a new database, autovacuum off), and the
# planner may then join pg_description or pg_attrdef with a nested loop that
# scans them once per column: 97 ms instead of 14 ms on 100 tables, 375 ms
# instead of 196 ms on 1,000 (measured). The column, constraint, index and
# trigger queries read whole catalogs, for which hash joins are right; the
# relations query keeps nested loops for its per-table subqueries.
# With the default work_mem (4 MB) the columns' hash joins went in two batches
# written to disk on 5,000 tables (each needed 14 MB): 16 MB, for this
# transaction only and never lowering a larger setting, keeps them in memory
# (6 % of that query's time).
_HASH_JOINS = """
SELECT pg_catalog.set_config('enable_nestloop', 'off', true),
       CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) < 16777216
            THEN pg_catalog.set_config('work_mem', '16MB', true) END
"""

_NAMESPACES = """
SELECT n.nspname FROM pg_catalog.pg_namespace n ORDER BY n.nspname
"""

# Objects that belong to an extension (PostGIS' spatial_ref_sys...) are not the
# team's schema: left out.
_NOT_EXTENSION_MEMBER = """
NOT EXISTS (SELECT FROM pg_catalog.pg_depend dep
            WHERE dep.classid = '{catalog}'::pg_catalog.regclass
              AND dep.objid = {oid} AND dep.deptype = 'e')
"""

# Sizes are estimates from relpages (kept current by VACUUM, ANALYZE and
# CREATE INDEX), like the row count from reltuples: pg_total_relation_size
# opens and locks every table, index and TOAST table, which took 112 ms of
# 116 ms on 1,000 tables with a fresh connection's cold caches; relpages, 12 ms.
# The indexes of the tables we read are added up in Python from _INDEXES
# (summing them here was half of this query's time); a partition's, here.
_RELATIONS = (
    """
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition, inh.inhparent,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
       d.description,
       CASE WHEN c.relkind IN ('r', 'm', 'f') AND c.reltuples >= 0 THEN c.reltuples::bigint END,
       CASE WHEN c.relkind IN ('r', 'm') THEN
         (c.relpages::bigint
          + COALESCE((SELECT t.relpages FROM pg_catalog.pg_class t
                      WHERE t.oid = c.reltoastrelid), 0)
          + CASE WHEN c.relispartition THEN
              COALESCE((SELECT pg_catalog.sum(ic.relpages) FROM pg_catalog.pg_index i
                        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                        WHERE i.indrelid = c.oid), 0)
            ELSE 0 END
         )::bigint * pg_catalog.current_setting('block_size')::bigint
       END,
       NULL::text  -- the view's definition, from _VIEW_DEFINITIONS
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_inherits inh ON c.relispartition AND inh.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname = ANY(%(schemas)s::text[])
  AND """
    + _NOT_EXTENSION_MEMBER.format(catalog="pg_catalog.pg_class", oid="c.oid")
    + """
ORDER BY n.nspname, c.relname
"""
)

# Last of all (see the module documentation: the locks it keeps).
_VIEW_DEFINITIONS = """
SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid, true)
FROM pg_catalog.pg_class c
WHERE c.oid = ANY(%(rels)s::oid[]) AND c.relkind IN ('v', 'm')
"""

# The columns come in the order of CatalogColumn's fields; then the relation,
# and the type and collation oids for the index definitions.
# A default cannot refer to columns, so it deparses without its table (relid 0):
# twice as fast, and no lock on the table. Generated columns do need it.
_COLUMNS = """
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END,
       d.description, a.attnum,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
       CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
       CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END,
       co.collname, a.attrelid, a.atttypid, a.attcollation,
       CASE WHEN a.attgenerated <> '' THEN ad.oid END
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.objsubid = a.attnum
LEFT JOIN pg_catalog.pg_collation co
       ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
WHERE a.attrelid = ANY(%(rels)s::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
"""

# Key columns come as attnums and are named in Python from the columns read
# anyway (a subquery per constraint cost 45 us with cold caches). Only a
# foreign key to a table outside the schemas read names its columns here.
# conparentid <> 0: the copies PostgreSQL makes for each partition of a
# referenced partitioned table, not constraints anyone wrote.
#
# Primary keys, unique constraints and foreign keys are written out in Python
# (see `_plain_constraint_definition`) from the fields after the comment:
# pg_get_constraintdef costs about 8 us a constraint, which was 17 of the
# query's 31 ms on 1,000 tables. Checks and exclusions need PostgreSQL's
# deparser.
_CONSTRAINTS = """
SELECT con.conrelid, con.conname, con.contype,
       CASE WHEN con.contype NOT IN ('p', 'u', 'f') THEN
         pg_catalog.pg_get_constraintdef(con.oid, true)
       END,
       con.convalidated, {enforced}, con.condeferrable, con.condeferred,
       con.conkey, con.confrelid, con.confkey, fn.nspname, fc.relname,
       CASE WHEN con.confrelid <> 0 AND con.confrelid <> ALL(%(rels)s::oid[]) THEN
         ARRAY(SELECT a.attname FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY k(num, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
               ORDER BY k.ord)
       END,
       d.description,
       con.oid, con.conindid, con.confmatchtype, con.confupdtype, con.confdeltype,
       {delete_set_columns}, {period},
       CASE WHEN con.contype = 'f' THEN pg_catalog.pg_table_is_visible(con.confrelid) END
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = con.oid AND d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
      AND d.objsubid = 0
WHERE con.conrelid = ANY(%(rels)s::oid[]) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND con.conparentid = 0
ORDER BY con.conrelid, pg_catalog.strpos('pufcx', con.contype), con.conname
"""

# The constraints `_plain_constraint_definition` could not write.
_CONSTRAINT_DEFINITIONS = """
SELECT x.oid, pg_catalog.pg_get_constraintdef(x.oid, true)
FROM pg_catalog.unnest(%(oids)s::oid[]) x(oid)
"""

# Key columns come as attnums, named from the columns already read; only
# expression indexes pay for pg_get_indexdef per key (a subquery per index
# costs 25 us, a quarter of the whole query on 1,000 tables).
#
# pg_get_indexdef costs 40 us an index with a fresh connection's cold caches
# (80 of the query's 90 ms on 1,000 tables) and locks the table: a plain btree
# index (columns only: no expression, predicate, storage option or partitioned
# parent) is written out in Python instead, from its key columns, operator
# classes, collations and options (see `_plain_index_definition`, which falls
# back on pg_get_indexdef for what it cannot spell exactly as PostgreSQL does).
_PLAIN_INDEX = """(am.amname = 'btree' AND ic.relkind = 'i' AND i.indexprs IS NULL
                   AND i.indpred IS NULL AND ic.reloptions IS NULL)"""

_INDEXES = (
    """
SELECT i.indrelid, ic.relname,
       CASE WHEN NOT """
    + _PLAIN_INDEX
    + """ THEN pg_catalog.pg_get_indexdef(i.indexrelid) END,
       (i.indkey::int2[])[0:i.indnatts - 1],
       CASE WHEN i.indexprs IS NOT NULL THEN
         ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
               FROM pg_catalog.generate_series(1, i.indnkeyatts) k ORDER BY k)
       END,
       i.indisunique, i.indisprimary, pg_catalog.pg_get_expr(i.indpred, i.indrelid),
       i.indisvalid, am.amname, con.conname,
       CASE WHEN ic.relkind = 'i' THEN
         ic.relpages::bigint * pg_catalog.current_setting('block_size')::bigint
       END,
       d.description, i.indexrelid, i.indnkeyatts,
       (i.indclass::oid[])[0:i.indnkeyatts - 1], (i.indcollation::oid[])[0:i.indnkeyatts - 1],
       (i.indoption::int2[])[0:i.indnkeyatts - 1], {nulls_not_distinct}
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_constraint con
       ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
      AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = i.indexrelid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.objsubid = 0
WHERE i.indrelid = ANY(%(rels)s::oid[])
ORDER BY i.indrelid, NOT i.indisprimary, ic.relname
"""
)

# The indexes `_plain_index_definition` could not write, just before the views.
_INDEX_DEFINITIONS = """
SELECT x.oid, pg_catalog.pg_get_indexdef(x.oid) FROM pg_catalog.unnest(%(oids)s::oid[]) x(oid)
"""

# The default btree operator class of each type, as GetDefaultOpClass (which
# pg_get_indexdef asks) chooses it: the one for the type itself, else the one
# binary-coercible type (a "preferred" one wins: varchar takes text_ops over
# bpchar_ops), for plain base types and enums. Types left out (domains,
# arrays, ranges, composites, ambiguous ones) get pg_get_indexdef. So do
# operator classes that take options.
_BTREE_DEFAULTS = """
SELECT defaults.typ, defaults.opclass FROM (
WITH opc AS (
  SELECT c.oid, c.opcintype, c.opcfamily
  FROM pg_catalog.pg_opclass c
  JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
  WHERE am.amname = 'btree' AND c.opcdefault
), coercible AS (
  SELECT c.castsource, c.casttarget FROM pg_catalog.pg_cast c
  WHERE c.castmethod = 'b' AND c.castcontext = 'i'
), exact AS (
  SELECT opc.opcintype AS typ, pg_catalog.min(opc.oid) AS opclass
  FROM opc JOIN pg_catalog.pg_type t ON t.oid = opc.opcintype
  WHERE t.typtype NOT IN ('d', 'p')
  GROUP BY opc.opcintype HAVING pg_catalog.count(*) = 1
), src AS (
  SELECT t.oid, t.typtype, t.typcategory
  FROM pg_catalog.pg_type t
  WHERE t.oid IN (SELECT castsource FROM coercible UNION SELECT enumtypid FROM pg_catalog.pg_enum)
    AND (t.typtype = 'e' OR (t.typtype = 'b' AND t.typelem = 0))
    AND NOT EXISTS (SELECT FROM opc WHERE opc.opcintype = t.oid)
    AND NOT EXISTS (SELECT FROM opc WHERE opc.opcintype IN (
          'pg_catalog.any'::pg_catalog.regtype, 'pg_catalog.anyelement'::pg_catalog.regtype,
          'pg_catalog.anycompatible'::pg_catalog.regtype,
          'pg_catalog.anynonarray'::pg_catalog.regtype,
          'pg_catalog.anycompatiblenonarray'::pg_catalog.regtype))
), candidate AS (
  SELECT src.oid AS typ, opc.oid AS opclass,
         ct.typcategory = src.typcategory AND ct.typispreferred AS preferred
  FROM src
  JOIN (SELECT castsource, casttarget FROM coercible
        UNION SELECT oid, 'pg_catalog.anyenum'::pg_catalog.regtype FROM src WHERE typtype = 'e'
       ) st ON st.castsource = src.oid
  JOIN opc ON opc.opcintype = st.casttarget
  JOIN pg_catalog.pg_type ct ON ct.oid = opc.opcintype
), chosen AS (
  SELECT typ, opclass FROM exact
  UNION ALL
  SELECT typ, CASE
           WHEN pg_catalog.count(*) FILTER (WHERE preferred) = 1 THEN
             pg_catalog.min(opclass) FILTER (WHERE preferred)
           WHEN pg_catalog.count(*) = 1 THEN pg_catalog.min(opclass)
         END
  FROM candidate GROUP BY typ
)
SELECT chosen.typ, chosen.opclass
FROM chosen JOIN opc ON opc.oid = chosen.opclass
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_amproc p
                  WHERE p.amprocfamily = opc.opcfamily AND p.amprocnum = 5)
) defaults
"""

# What pg_get_indexdef's quote_identifier quotes: names that are not all
# lower-case letters, digits and underscores, and the keywords that are not
# unreserved; or every name, with quote_all_identifiers.
_QUOTING = """
SELECT pg_catalog.current_setting('quote_all_identifiers'),
       ARRAY(SELECT k.word FROM pg_catalog.pg_get_keywords() k WHERE k.catcode <> 'U')
"""

_TRIGGERS = """
SELECT t.tgrelid, t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled <> 'D',
       d.description
FROM pg_catalog.pg_trigger t
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
      AND d.objsubid = 0
WHERE t.tgrelid = ANY(%(rels)s::oid[]) AND NOT t.tgisinternal
ORDER BY t.tgrelid, t.tgname
"""

# What depends on each relation read, or on its columns, that was not read
# already: views and rules (by their rewrite rule), triggers, policies and
# functions with SQL bodies. Keys, checks, foreign keys and plain indexes name
# their columns in the rows read anyway (`_dependents` uses those), and the
# columns that expression and partial indexes and generated columns read come
# from `_COLUMN_USES`: the pg_depend rows of constraints, indexes and column
# defaults were three quarters of this query's rows and most of its time on a
# thousand tables. Normal and automatic dependencies only: internal ones are
# parts of one object (a view's own rule). Reading pg_depend takes no lock.
#
# The rows are found by their class (pg_depend's depender index): a condition
# on what they depend on (the thousand relations read, or only pg_class) made
# the planner walk the reference index over every dependency of every table
# instead (7 to 25 ms on 1,000 tables, where this takes under one); rows of
# other relations, or of types and functions, are left out in Python. Nothing
# is joined here: on a fresh connection, opening pg_rewrite, pg_trigger and
# pg_policy cost more than the rest of the query. The few objects found are
# named with the view definitions (`_DEPENDENT_NAMES`, `_FUNCTIONS`).
_DEPENDENTS = """
SELECT CASE WHEN d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN d.refobjid END,
       d.refobjsubid,
       CASE d.classid
         WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN 'r'
         WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN 't'
         WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass THEN 'p'
         ELSE 'f' END,
       d.objid
FROM pg_catalog.pg_depend d
WHERE d.classid IN ('pg_catalog.pg_rewrite'::pg_catalog.regclass,
                    'pg_catalog.pg_trigger'::pg_catalog.regclass,
                    'pg_catalog.pg_policy'::pg_catalog.regclass,
                    'pg_catalog.pg_proc'::pg_catalog.regclass)
  AND d.deptype IN ('n', 'a')
"""

# The rules, triggers and policies `_DEPENDENTS` found: (kind, oid, the relation
# they belong to, its schema, name and kind, their own name). Internal triggers
# (a foreign key's) are left out.
_DEPENDENT_NAMES = """
SELECT x.code, x.oid, x.rel, n.nspname, c.relname, c.relkind, x.name
FROM (
  SELECT 'r' AS code, rw.oid, rw.ev_class AS rel, NULL::name AS name
  FROM pg_catalog.pg_rewrite rw WHERE rw.oid = ANY(%(rules)s::oid[])
  UNION ALL
  SELECT 't', tg.oid, tg.tgrelid, tg.tgname
  FROM pg_catalog.pg_trigger tg WHERE tg.oid = ANY(%(triggers)s::oid[]) AND NOT tg.tgisinternal
  UNION ALL
  SELECT 'p', po.oid, po.polrelid, po.polname
  FROM pg_catalog.pg_policy po WHERE po.oid = ANY(%(policies)s::oid[])
) x
JOIN pg_catalog.pg_class c ON c.oid = x.rel
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
"""

# The columns that expression or partial indexes (pg_class rows) and generated
# columns (their pg_attrdef rows) read, by the object's oid.
_COLUMN_USES = """
SELECT d.objid, d.refobjid, d.refobjsubid
FROM pg_catalog.pg_depend d
WHERE ((d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objid = ANY(%(indexes)s::oid[]))
    OR (d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
        AND d.objid = ANY(%(defaults)s::oid[])))
  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0
"""

_FUNCTIONS = """
SELECT p.oid, n.nspname,
       p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.oid = ANY(%(oids)s::oid[])
"""

_TYPE_FILTER = (
    """
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass
      AND d.objsubid = 0
WHERE t.typtype = %(typtype)s AND n.nspname = ANY(%(schemas)s::text[])
  AND """
    + _NOT_EXTENSION_MEMBER.format(catalog="pg_catalog.pg_type", oid="t.oid")
    + """
ORDER BY n.nspname, t.typname
"""
)

_ENUMS = (
    """
SELECT n.nspname, t.typname,
       ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
       d.description
FROM pg_catalog.pg_type t"""
    + _TYPE_FILTER
)

_DOMAINS = (
    """
SELECT n.nspname, t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod),
       NOT t.typnotnull, t.typdefault,
       ARRAY(SELECT pg_catalog.pg_get_constraintdef(c.oid, true) FROM pg_catalog.pg_constraint c
             WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname),
       d.description
FROM pg_catalog.pg_type t"""
    + _TYPE_FILTER
)

_LOCK_HOLDERS = """
SELECT pg_catalog.format('%%I.%%I', n.nspname, c.relname), l.mode, l.pid
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE l.granted AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_catalog.pg_backend_pid()
  AND n.nspname = ANY(%(schemas)s::text[])
ORDER BY 1 LIMIT 3
"""

Row = tuple[Any, ...]


def _run(
    conn: psycopg.Connection[Any], queries: Sequence[tuple[str, dict[str, Any]]]
) -> list[list[Row]]:
    """Run ``queries`` in one round trip (pipeline mode) when libpq allows it."""
    if psycopg.Pipeline.is_supported():
        with conn.pipeline():
            cursors = [conn.execute(_sql(q), params) for q, params in queries]
        return [cur.fetchall() for cur in cursors]
    return [conn.execute(_sql(q), params).fetchall() for q, params in queries]


def _sql(text: str) -> bytes:
    # Queries are module constants: bytes sidesteps LiteralString typing of
    # the ones assembled from pieces.
    return text.encode()


# --- assembling the model -----------------------------------------------------------


def _selected(names: Iterable[str], include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    chosen = []
    for name in names:
        if is_system_schema(name):
            continue
        if include and not any(fnmatch.fnmatchcase(name, p) for p in include):
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in exclude):
            continue
        chosen.append(name)
    return chosen


def _oid_array(oids: Iterable[int]) -> str:
    """``{1,2,3}``: sent untyped, it becomes the ``oid[]`` it is cast to, a constant the
    planner hashes; psycopg's own list adapter costs 1.3 ms a query on 1,000 oids."""
    return "{" + ",".join(map(str, oids)) + "}"


_column = row_maker(CatalogColumn)
_constraint_of = row_maker(CatalogConstraint)
_index_of = row_maker(CatalogIndex)
_trigger_of = row_maker(CatalogTrigger)

#: Where a row of _COLUMNS has its relation, position (attnum), type and collation.
_RELATION, _POSITION, _TYPE, _COLLATION = 10, 5, 11, 12


def _columns(
    rows: list[Row],
) -> tuple[dict[int, tuple[CatalogColumn, ...]], dict[int, dict[int, Row]]]:
    """Columns by relation oid, in attnum order; and each relation's rows by attnum."""
    groups: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[_RELATION]].append(row)
    columns = {}
    by_attnum = {}
    position = operator.itemgetter(_POSITION)
    make = _column
    for oid, group in groups.items():
        group.sort(key=position)  # cheaper here than an ORDER BY
        columns[oid] = tuple(map(make, group))
        by_attnum[oid] = {r[_POSITION]: r for r in group}
    return columns, by_attnum


_UNKNOWN: Row = ("?",)


def _constraint(row: Row, attrs: dict[int, dict[int, Row]], definition: str) -> CatalogConstraint:
    (rel, name, contype, _definition, validated, enforced, deferrable, deferred, keys,
     ref_rel, ref_keys, ref_schema, ref_table, ref_names, comment) = row[:15]  # fmt: skip
    own = attrs.get(rel, {})
    if ref_names is None and ref_rel:
        theirs = attrs.get(ref_rel, {})
        ref_names = [theirs.get(k, _UNKNOWN)[0] for k in ref_keys or ()]
    return _constraint_of(
        (
            name,
            CONSTRAINT_KIND_NAMES[contype],
            definition,
            tuple([own.get(k, _UNKNOWN)[0] for k in keys or ()]),
            ref_schema,
            ref_table,
            tuple(ref_names or ()),
            validated,
            enforced,
            deferrable,
            deferred,
            comment,
        )
    )


def _index(row: Row, attrs: dict[int, Row], definition: str) -> CatalogIndex:
    (_rel, name, _definition, keys, expressions, unique, primary, predicate, valid, method,
     constraint, size, comment, _oid, nkeys) = row[:15]  # fmt: skip
    if expressions is not None:
        columns = tuple(expressions)
    else:
        columns = tuple([attrs.get(k, _UNKNOWN)[0] for k in keys[:nkeys]])
    return _index_of(
        (name, definition, columns, unique, primary, predicate, valid, method, constraint, size,
         comment)
    )  # fmt: skip


# --- definitions without pg_get_indexdef and pg_get_constraintdef -------------------
#
# They write what those functions write (ruleutils.c), byte for byte, for the
# common cases; for any other they return None, and the function is called.
# tests/test_catalog_definitions.py compares them on many kinds of index and
# constraint.

_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _quoter(quote_all_identifiers: str, keywords: Iterable[str]) -> Callable[[str], str]:
    """PostgreSQL's ``quote_identifier``, given the server's setting and its keywords
    that are not unreserved."""
    reserved = frozenset(keywords)
    quote_all = quote_all_identifiers == "on"
    quoted: dict[str, str] = {}  # the same few column names come back again and again

    def quote(name: str) -> str:
        text = quoted.get(name)
        if text is None:
            if not quote_all and name not in reserved and _PLAIN_IDENTIFIER.fullmatch(name):
                text = name
            else:
                text = '"' + name.replace('"', '""') + '"'
            quoted[name] = text
        return text

    return quote


_INDOPTION_DESC, _INDOPTION_NULLS_FIRST = 1, 2


def _plain_index_definition(
    row: Row,
    table: tuple[str, str],
    attrs: dict[int, Row],
    defaults: dict[int, int],
    quote: Callable[[str], str],
) -> str | None:
    """What pg_get_indexdef says of a plain btree index (see _PLAIN_INDEX), or None
    when that takes more than column names and sort orders: an operator class or
    collation other than the column's default, or a column we have not read."""
    name, keys, unique = row[1], row[3], row[5]
    nkeys, opclasses, collations, options, nulls_not_distinct = row[14:19]
    parts = []
    for n, attnum in enumerate(keys):
        column = attrs.get(attnum)
        if column is None:
            return None
        text = quote(column[0])
        if n < nkeys:
            if opclasses[n] != defaults.get(column[_TYPE]):
                return None
            if collations[n] and collations[n] != column[_COLLATION]:
                return None
            option = options[n]
            if option & _INDOPTION_DESC:
                text += " DESC" if option & _INDOPTION_NULLS_FIRST else " DESC NULLS LAST"
            elif option & _INDOPTION_NULLS_FIRST:
                text += " NULLS FIRST"
        parts.append(text)
    listed = ", ".join(parts[:nkeys])
    if len(parts) > nkeys:
        listed += ") INCLUDE (" + ", ".join(parts[nkeys:])
    return (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX {quote(name)}"
        f" ON {quote(table[0])}.{quote(table[1])} USING {quote('btree')} ({listed})"
        + (" NULLS NOT DISTINCT" if nulls_not_distinct else "")
    )


_MATCH = {"s": "", "f": " MATCH FULL", "p": " MATCH PARTIAL"}
_ACTIONS = {"a": "", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def _plain_constraint_definition(
    row: Row,
    attrs: dict[int, dict[int, Row]],
    indexes: dict[int, Row],
    quote: Callable[[str], str],
) -> str | None:
    """What pg_get_constraintdef says of a primary key, unique constraint or foreign
    key, or None when a column, its index or something rarer is not at hand."""
    (rel, _name, contype, _definition, validated, enforced, deferrable, deferred, keys,
     ref_rel, ref_keys, ref_schema, ref_table, ref_names, _comment, _oid, index_oid, match,
     on_update, on_delete, delete_set, period, visible) = row  # fmt: skip
    if period or not keys:
        return None
    own = attrs.get(rel, {})
    try:
        listed = ", ".join([quote(own[k][0]) for k in keys])
        if contype == "f":
            if ref_names is None:
                theirs = attrs.get(ref_rel, {})
                ref_names = [theirs[k][0] for k in ref_keys]
            referenced = quote(ref_table) if visible else f"{quote(ref_schema)}.{quote(ref_table)}"
            text = (
                f"FOREIGN KEY ({listed}) REFERENCES {referenced}"
                f"({', '.join(map(quote, ref_names))}){_MATCH[match]}"
            )
            if _ACTIONS[on_update]:
                text += " ON UPDATE " + _ACTIONS[on_update]
            if _ACTIONS[on_delete]:
                text += " ON DELETE " + _ACTIONS[on_delete]
            if delete_set is not None:
                text += " (" + ", ".join([quote(own[k][0]) for k in delete_set]) + ")"
        else:
            index = indexes.get(index_oid)
            if index is None:
                return None
            text = "PRIMARY KEY (" if contype == "p" else "UNIQUE ("
            if contype == "u" and index[18]:
                text = "UNIQUE NULLS NOT DISTINCT ("
            text += listed + ")"
            included = index[3][len(keys) :]
            if included:
                text += " INCLUDE (" + ", ".join([quote(own[k][0]) for k in included]) + ")"
    except (KeyError, TypeError):  # a column or table not read (or gone meanwhile)
        return None
    if deferrable:
        text += " DEFERRABLE"
    if deferred:
        text += " INITIALLY DEFERRED"
    if not enforced:
        text += " NOT ENFORCED"
    elif not validated:
        text += " NOT VALID"
    return text


def _definitions(
    relations: list[Row],
    attrs: dict[int, dict[int, Row]],
    constraints: list[Row],
    indexes: list[Row],
    defaults: dict[int, int],
    quote: Callable[[str], str],
) -> tuple[dict[int, str], list[int], dict[int, str], list[int]]:
    """Definitions of the indexes and constraints by oid, and those left to PostgreSQL."""
    tables = {row[0]: (row[1], row[2]) for row in relations}
    no_attrs: dict[int, Row] = {}
    index_definitions: dict[int, str] = {}
    missing_indexes = []
    by_oid = {}
    for row in indexes:
        oid = row[13]
        by_oid[oid] = row
        text = row[2]
        if text is None:
            rel = row[0]
            text = _plain_index_definition(
                row, tables[rel], attrs.get(rel, no_attrs), defaults, quote
            )
        if text is None:
            missing_indexes.append(oid)
        else:
            index_definitions[oid] = text
    constraint_definitions: dict[int, str] = {}
    missing_constraints = []
    for row in constraints:
        oid = row[15]
        text = row[3]
        if text is None:
            text = _plain_constraint_definition(row, attrs, by_oid, quote)
        if text is None:
            missing_constraints.append(oid)
        else:
            constraint_definitions[oid] = text
    return index_definitions, missing_indexes, constraint_definitions, missing_constraints


def _grouped(rows: Iterable[Row]) -> dict[int, list[Row]]:
    groups: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(row)
    return groups


def _qualified(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def _assemble(
    relations: list[Row],
    cols: dict[int, tuple[CatalogColumn, ...]],
    attrs: dict[int, dict[int, Row]],
    constraints: list[Row],
    constraint_definitions: dict[int, str],
    indexes: list[Row],
    index_definitions: dict[int, str],
    triggers: list[Row],
    dependents: dict[int, tuple[CatalogDependent, ...]],
) -> tuple[CatalogTable, ...]:
    by_oid = {row[0]: row for row in relations}
    shown = _shown_oids(relations)

    # Fold partitions (at any depth) into their top-most partitioned ancestor.
    partitions: dict[int, list[CatalogPartition]] = defaultdict(list)
    for row in relations:
        oid, schema, name, relkind, is_partition, parent, partkey, bound = row[:8]
        if oid in shown or not is_partition:
            continue
        root = parent
        while root not in shown:
            root = by_oid[root][5]
        direct = by_oid[parent]
        partitions[root].append(
            CatalogPartition(
                schema=schema,
                name=name,
                bound=bound or "",
                parent=None if parent == root else _qualified(direct[1], direct[2]),
                partition_key=partkey if relkind == "p" else None,
            )
        )
    # Sizes and row estimates of a partitioned table are those of its partitions.
    totals: dict[int, list[int | None]] = {}
    for row in relations:
        oid, is_partition, parent = row[0], row[4], row[5]
        if oid in shown or not is_partition:
            continue
        root = parent
        while root not in shown:
            root = by_oid[root][5]
        acc = totals.setdefault(root, [None, None])
        for i, value in enumerate((row[9], row[10])):
            if value is not None:
                acc[i] = (acc[i] or 0) + value

    cons, idxs, trgs = (_grouped(rows) for rows in (constraints, indexes, triggers))
    no_attrs: dict[int, Row] = {}
    tables = []
    for row in relations:
        oid, schema, name, relkind, _is_part, _parent, partkey, _bound, comment = row[:9]
        if oid not in shown:
            continue
        rows_estimate, total_bytes, definition = row[9], row[10], row[11]
        if relkind == "p":
            rows_estimate, total_bytes = totals.get(oid, [None, 0])
        own = attrs.get(oid, no_attrs)
        tables.append(
            CatalogTable(
                schema=schema,
                name=name,
                kind=RELKIND_NAMES[relkind],
                comment=comment,
                columns=cols.get(oid, ()),
                constraints=tuple(
                    [
                        _constraint(r, attrs, constraint_definitions[r[15]])
                        for r in cons.get(oid, ())
                        if r[15] in constraint_definitions  # else dropped meanwhile
                    ]
                ),
                indexes=tuple(
                    [
                        _index(r, own, index_definitions[r[13]])
                        for r in idxs.get(oid, ())
                        if r[13] in index_definitions  # else dropped meanwhile
                    ]
                ),
                triggers=tuple([_trigger_of(r[1:]) for r in trgs.get(oid, ())]),
                definition=definition,
                partition_key=partkey,
                partitions=tuple(sorted(partitions.get(oid, ()), key=lambda p: (p.schema, p.name))),
                row_estimate=rows_estimate,
                total_bytes=total_bytes,
                dependents=dependents.get(oid, ()),
            )
        )
    return tuple(tables)


_RELATION_KINDS = {"v": "view", "m": "materialized view"}
_DEPENDENT_ORDER = {
    kind: i
    for i, kind in enumerate(
        (
            "view",
            "materialized view",
            "rule",
            "foreign key",
            "primary key",
            "unique",
            "exclusion",
            "check",
            "index",
            "generated column",
            "trigger",
            "policy",
            "function",
        )
    )
}


def _dependents(
    rows: list[Row],
    relations: list[Row],
    attrs: dict[int, dict[int, Row]],
    constraints: list[Row],
    indexes: list[Row],
    column_uses: list[Row],
    names: dict[tuple[str, int], Row],
    functions: dict[int, tuple[str, str]],
) -> dict[int, tuple[CatalogDependent, ...]]:
    """What depends on each relation, by its oid: one entry per object, with the columns
    of the relation it uses.

    ``rows`` are `_DEPENDENTS` (one per object and column used), ``names`` what
    `_DEPENDENT_NAMES` says of their rules, triggers and policies, ``column_uses``
    `_COLUMN_USES`; keys, checks and foreign keys name their columns in
    ``constraints``, and plain indexes theirs in ``indexes``, as
    ``pg_depend`` would.
    """
    owners: dict[int, Row] = {row[0]: (row[1], row[2], row[3]) for row in relations}
    found: dict[int, dict[tuple[str, str, str | None, str], set[int]]] = defaultdict(dict)

    def add(ref: int, key: tuple[str, str, str | None, str], columns: Iterable[int]) -> None:
        found[ref].setdefault(key, set()).update(c for c in columns if c)

    for ref, ref_column, code, objid in rows:
        if code == "f":
            if objid in functions:
                schema, signature = functions[objid]
                add(ref, ("function", schema, None, signature), (ref_column,))
            continue
        named = names.get((code, objid))
        if named is None:
            continue  # an internal trigger (a foreign key's), or gone meanwhile
        owner, schema, relation, relkind, name = named
        if code == "r":
            if owner == ref:
                continue
            key = (_RELATION_KINDS.get(relkind, "rule"), schema, relation, relation)
        else:
            key = ("trigger" if code == "t" else "policy", schema, relation, name)
        add(ref, key, (ref_column,))
    for row in constraints:
        rel, name, contype, keys, ref_rel, ref_keys = (
            row[0],
            row[1],
            row[2],
            row[8],
            row[9],
            row[10],
        )
        kind = CONSTRAINT_KIND_NAMES.get(contype)
        if kind is None or rel not in owners:
            continue
        schema, relation, _ = owners[rel]
        add(rel, (kind, schema, relation, name), keys or ())
        if contype == "f" and ref_rel:
            add(ref_rel, (kind, schema, relation, name), ref_keys or ())
    uses: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for objid, ref, ref_column in column_uses:
        uses[objid].append((ref, ref_column))
    for row in indexes:
        rel, name, keys, constraint, oid = row[0], row[1], row[3], row[10], row[13]
        if constraint is not None or rel not in owners:
            continue  # a key's index: the constraint stands for it, as in pg_depend
        schema, relation, _ = owners[rel]
        add(rel, ("index", schema, relation, name), keys or ())
        for ref, ref_column in uses.get(oid, ()):
            if ref == rel:
                add(rel, ("index", schema, relation, name), (ref_column,))
    generated = {
        row[13]: (rel, attnum, row[0])
        for rel, by_attnum in attrs.items()
        for attnum, row in by_attnum.items()
        if len(row) > 13 and row[13] is not None
    }
    for objid, ref, ref_column in column_uses:
        column = generated.get(objid)
        if column is None or column[0] != ref or column[1] == ref_column or ref not in owners:
            continue  # an index's row, or a default's dependency on its own column
        schema, relation, _ = owners[ref]
        add(ref, ("generated column", schema, relation, column[2]), (ref_column,))

    out: dict[int, tuple[CatalogDependent, ...]] = {}
    for ref, objects in found.items():
        own = attrs.get(ref, {})
        out[ref] = tuple(
            sorted(
                (
                    CatalogDependent(
                        kind=kind,
                        schema=schema,
                        relation=relation,
                        name=name,
                        columns=tuple([own[n][0] for n in sorted(numbers) if n in own]),
                    )
                    for (kind, schema, relation, name), numbers in objects.items()
                ),
                key=lambda d: (
                    _DEPENDENT_ORDER.get(d.kind, 99),
                    d.schema,
                    d.relation or "",
                    d.name,
                ),
            )
        )
    return out


def _shown_oids(relations: list[Row]) -> set[int]:
    """Relations that get their own entry: all but partitions whose parent we read."""
    present = {row[0] for row in relations}
    return {row[0] for row in relations if not (row[4] and row[5] in present)}


# --- public API ---------------------------------------------------------------------


@contextlib.contextmanager
def catalog_connection(
    conninfo: str,
    *,
    connect_timeout: int = 5,
    statement_timeout_ms: int = 5000,
    lock_timeout_ms: int = 2000,
    application_name: str = "schema-wiki",
) -> Iterator[psycopg.Connection[Any]]:
    """A connection inside a READ ONLY transaction with the timeouts set, closed at exit.

    The timeouts hold for that first transaction (``SET LOCAL`` semantics);
    every later transaction on it is READ ONLY too. Raises `DatabaseError`
    (never containing a password) when the database cannot be reached.
    """
    try:
        conn = psycopg.connect(
            conninfo,
            connect_timeout=max(1, int(connect_timeout)),
            application_name=application_name,
        )
    except psycopg.Error as exc:
        raise _connect_error(exc, conninfo, connect_timeout) from None
    with conn:
        conn.read_only = True
        settings = {
            "statement_timeout": f"{int(statement_timeout_ms)}ms",
            "lock_timeout": f"{int(lock_timeout_ms)}ms",
            # If this process stalls mid-read, the server ends the session
            # rather than let it sit on its locks.
            "idle_timeout": f"{max(10_000, 2 * int(statement_timeout_ms))}ms",
        }
        try:
            _run(conn, [(_SETTINGS, settings)])  # pipelined with psycopg's BEGIN READ ONLY
        except psycopg.Error as exc:
            raise _read_error(
                exc,
                conninfo,
                statement_timeout_ms=statement_timeout_ms,
                lock_timeout_ms=lock_timeout_ms,
                holders="",
            ) from None
        yield conn


def read_catalog(
    conninfo: str,
    *,
    schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
    connect_timeout: int = 5,
    statement_timeout_ms: int = 5000,
    lock_timeout_ms: int = 2000,
    application_name: str = "schema-wiki",
) -> Catalog:
    """Read tables, views, columns, constraints, indexes, triggers, enums and domains.

    ``schemas`` are glob patterns of schemas to read (empty: every schema but
    PostgreSQL's own); ``exclude_schemas`` are patterns to leave out. Partitions
    are folded into their partitioned table. Objects that belong to an
    extension are left out.

    The connection is `catalog_connection`: read-only and bounded by the three
    timeouts (see the module documentation). Raises `DatabaseError`, with a
    one-line message that never contains a password, when the database cannot
    be reached or read.
    """
    # One pause for reading and building: the rows are gone when the collector
    # resumes, so that it walks only what we return.
    with gc_paused():
        with catalog_connection(
            conninfo,
            connect_timeout=connect_timeout,
            statement_timeout_ms=statement_timeout_ms,
            lock_timeout_ms=lock_timeout_ms,
            application_name=application_name,
        ) as conn:
            names: list[str] = []
            try:
                (namespaces,) = _run(conn, [(_NAMESPACES, {})])
                names = _selected((r[0] for r in namespaces), schemas, exclude_schemas)
                read = _read(conn, names)
            except psycopg.Error as exc:
                holders = _lock_holders(conn, names) if exc.sqlstate == "55P03" else ""
                raise _read_error(
                    exc,
                    conninfo,
                    statement_timeout_ms=statement_timeout_ms,
                    lock_timeout_ms=lock_timeout_ms,
                    holders=holders,
                ) from None
            version = conn.info.parameter_status("server_version") or ""
        catalog = Catalog(
            tables=_assemble(*read.tables),
            server_version=version,
            enums=tuple(
                CatalogEnum(schema=r[0], name=r[1], values=tuple(r[2]), comment=r[3])
                for r in read.enums
            ),
            domains=tuple(
                CatalogDomain(
                    schema=r[0],
                    name=r[1],
                    type=r[2],
                    nullable=r[3],
                    default=r[4],
                    checks=tuple(r[5]),
                    comment=r[6],
                )
                for r in read.domains
            ),
        )
        del read
    return catalog


class _Read(NamedTuple):
    #: The arguments of `_assemble`.
    tables: tuple[Any, ...]
    enums: list[Row]
    domains: list[Row]


def _read(conn: psycopg.Connection[Any], schemas: list[str]) -> _Read:
    """The rows of everything in ``schemas``, in three round trips, the transaction ended."""
    by_schema = {"schemas": schemas}
    version = conn.info.server_version
    relations, enums, domains, defaults, quoting = _run(
        conn,
        [
            (_RELATIONS, by_schema),
            (_ENUMS, {**by_schema, "typtype": "e"}),
            (_DOMAINS, {**by_schema, "typtype": "d"}),
            (_BTREE_DEFAULTS, {}),
            (_QUOTING, {}),
        ],
    )
    by_rel = {"rels": _oid_array(sorted(_shown_oids(relations)))}
    constraints_sql = _CONSTRAINTS.format(
        enforced="con.conenforced" if version >= 180000 else "true",
        delete_set_columns="con.confdelsetcols" if version >= 150000 else "NULL::int2[]",
        period="con.conperiod" if version >= 180000 else "false",
    )
    indexes_sql = _INDEXES.format(
        nulls_not_distinct="i.indnullsnotdistinct" if version >= 150000 else "false"
    )
    _, column_rows, constraints, indexes, triggers, depends = _run(
        conn,
        [
            (_HASH_JOINS, {}),
            (_COLUMNS, by_rel),
            (constraints_sql, by_rel),
            (indexes_sql, by_rel),
            (_TRIGGERS, by_rel),
            (_DEPENDENTS, by_rel),
        ],
    )
    columns, attrs = _columns(column_rows)
    generated = [r[13] for r in column_rows if r[13] is not None]
    del column_rows
    index_definitions, missing_indexes, constraint_definitions, missing_constraints = _definitions(
        relations, attrs, constraints, indexes, dict(defaults), _quoter(*quoting[0])
    )
    # The views last of all (see the module documentation: the locks they keep).
    queries: list[tuple[str, dict[str, Any]]] = []
    if missing_indexes:
        queries.append((_INDEX_DEFINITIONS, {"oids": _oid_array(missing_indexes)}))
    if missing_constraints:
        queries.append((_CONSTRAINT_DEFINITIONS, {"oids": _oid_array(missing_constraints)}))
    shown = set(_shown_oids(relations))
    depends = [r for r in depends if r[0] in shown]
    wanted: dict[str, list[int]] = {"r": [], "t": [], "p": [], "f": []}
    for row in depends:
        wanted[row[2]].append(row[3])
    names_needed = any(wanted[code] for code in ("r", "t", "p"))
    # Expression and partial indexes, and generated columns: the columns they read.
    uses = {
        "indexes": _oid_array([r[13] for r in indexes if r[4] is not None or r[7] is not None]),
        "defaults": _oid_array(generated),
    }
    reads_columns = uses["indexes"] != "{}" or uses["defaults"] != "{}"
    if names_needed:
        queries.append(
            (
                _DEPENDENT_NAMES,
                {
                    "rules": _oid_array(sorted(set(wanted["r"]))),
                    "triggers": _oid_array(sorted(set(wanted["t"]))),
                    "policies": _oid_array(sorted(set(wanted["p"]))),
                },
            )
        )
    if wanted["f"]:
        queries.append((_FUNCTIONS, {"oids": _oid_array(sorted(set(wanted["f"])))}))
    if reads_columns:
        queries.append((_COLUMN_USES, uses))
    *fetched, views = _run(conn, [*queries, (_VIEW_DEFINITIONS, by_rel)])
    conn.rollback()
    column_uses = fetched.pop() if reads_columns else []
    function_names = {row[0]: (row[1], row[2]) for row in fetched.pop()} if wanted["f"] else {}
    dependent_names = {(row[0], row[1]): row[2:] for row in fetched.pop()} if names_needed else {}
    if missing_indexes:
        index_definitions.update((oid, text) for oid, text in fetched.pop(0) if text is not None)
    if missing_constraints:
        constraint_definitions.update(
            (oid, text) for oid, text in fetched.pop(0) if text is not None
        )

    definitions: dict[int, str | None] = {row[0]: row[1] for row in views}
    index_bytes: dict[int, int] = defaultdict(int)
    for row in indexes:
        if row[11] is not None:
            index_bytes[row[0]] += row[11]
    relations = [
        (
            *row[:10],
            row[10] if row[10] is None or row[4] else row[10] + index_bytes.get(row[0], 0),
            definitions.get(row[0]),
        )
        for row in relations
    ]
    dependents = _dependents(
        depends,
        relations,
        attrs,
        constraints,
        indexes,
        column_uses,
        dependent_names,
        function_names,
    )
    return _Read(
        (
            relations,
            columns,
            attrs,
            constraints,
            constraint_definitions,
            indexes,
            index_definitions,
            triggers,
            dependents,
        ),
        enums,
        domains,
    )


def _lock_holders(conn: psycopg.Connection[Any], schemas: list[str]) -> str:
    """`` on public.users (held by pid 123)``: who holds the lock we waited for, best effort."""
    try:
        conn.rollback()
        conn.execute("SET LOCAL statement_timeout = '1s'")
        rows = conn.execute(_sql(_LOCK_HOLDERS), {"schemas": schemas}).fetchall()
        conn.rollback()
    except psycopg.Error:
        return ""
    if not rows:
        return ""
    held = ", ".join(f"{name} (held by pid {pid})" for name, _mode, pid in rows)
    return f" on {held}"
