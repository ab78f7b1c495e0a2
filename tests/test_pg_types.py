"""`pg_type` spells a type written in a migration as PostgreSQL's ``format_type`` does.

The oracle is a real server: each spelling is a column of a real table, and
``format_type`` of that column must equal `pg_type` of the text the migration
parser keeps for it.
"""

from __future__ import annotations

import psycopg
import pytest

from schema_wiki.join.pg_types import pg_type
from schema_wiki.sources.statements import split_statements

#: Spellings people write (upper and lower case, aliases, spaces, arrays).
SPELLINGS = [
    "VARCHAR(50)",
    "varchar(50)",
    "character varying(50)",
    "character varying (50)",
    "varchar",
    "CHAR VARYING(7)",
    "int",
    "INT",
    "integer",
    "int4",
    "int8",
    "int2",
    "smallint",
    "BIGINT",
    "serial",
    "bigserial",
    "smallserial",
    "bool",
    "boolean",
    "float8",
    "float4",
    "float",
    "float(10)",
    "float(40)",
    "real",
    "double precision",
    "DOUBLE PRECISION",
    "decimal(12,2)",
    "DECIMAL(12, 2)",
    "numeric",
    "numeric(5)",
    "dec(4,1)",
    "timestamptz",
    "TIMESTAMPTZ",
    "timestamptz(3)",
    "timestamp",
    "timestamp(6)",
    "timestamp with time zone",
    "timestamp without time zone",
    "timestamp(3) with time zone",
    "time",
    "timetz",
    "time with time zone",
    "date",
    "interval",
    "interval day to second",
    "char(3)",
    "char",
    "character",
    "character(3)",
    "bit",
    "bit(3)",
    "varbit",
    "bit varying(5)",
    "text",
    "text[]",
    "TEXT[]",
    "int[]",
    "integer[][]",
    "varchar(20)[]",
    "int ARRAY",
    "jsonb",
    "json",
    "uuid",
    "bytea",
    "inet",
    "cidr",
    "macaddr",
    "money",
    "tsvector",
    "xml",
    "point",
    "int4range",
    "tstzrange",
    "mood",
    "public.mood",
    "other.mood",
]


def _written(spelling: str) -> str:
    """The type text the migration parser keeps for ``ADD COLUMN x <spelling>``."""
    [statement] = split_statements(f"ALTER TABLE t ADD COLUMN x {spelling};\n", "m.sql")
    if not statement.changes:  # sqlglot does not read ``bit varying(5)``: the text itself
        return spelling
    [change] = statement.changes
    assert change.detail is not None
    return change.detail


def test_every_spelling_reads_as_format_type_prints_it(pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("CREATE TYPE mood AS ENUM ('ok')")
        conn.execute("CREATE SCHEMA other")
        conn.execute("CREATE TYPE other.mood AS ENUM ('ok')")
        columns = ", ".join(f"c{i} {s}" for i, s in enumerate(SPELLINGS))
        conn.execute(f"CREATE TABLE t ({columns})")
        rows = conn.execute(
            "SELECT attnum, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum"
        ).fetchall()
    printed = [row[1] for row in rows]
    assert len(printed) == len(SPELLINGS)
    ours = [pg_type(_written(s)) for s in SPELLINGS]
    wrong = [(s, o, p) for s, o, p in zip(SPELLINGS, ours, printed, strict=True) if o != p]
    assert wrong == []


@pytest.mark.parametrize("text", ["", '"Mood"', "weird(((", "My_Type"])
def test_what_it_cannot_read_comes_back_unchanged_or_lowered(text: str) -> None:
    assert pg_type(text).lower() == text.strip().lower()
