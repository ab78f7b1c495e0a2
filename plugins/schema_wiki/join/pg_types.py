"""A column type as written in a migration, spelt the way PostgreSQL prints it.

Live columns show PostgreSQL's own ``format_type`` (``character varying(50)``);
a dropped column is known only from the migration that added it, where it may
be written ``VARCHAR(50)``, ``varchar(50)`` or ``character varying (50)``. This
gives the same text ``format_type`` would, so a dropped column's type reads
like every other. Names it does not know (user types, extensions) are kept,
lower-cased unless quoted.

Stopgap: once the replay records the type of every column as the server had
it (the witness), dropped columns take their type from there and this goes.
"""

from __future__ import annotations

import re

__all__ = ["pg_type"]

#: Written name -> the name ``format_type`` prints.
_NAMES = {
    "int": "integer",
    "int4": "integer",
    "serial": "integer",
    "serial4": "integer",
    "int8": "bigint",
    "bigserial": "bigint",
    "serial8": "bigint",
    "int2": "smallint",
    "smallserial": "smallint",
    "serial2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "decimal": "numeric",
    "dec": "numeric",
    "varchar": "character varying",
    "char varying": "character varying",
    "char": "character",
    "nchar": "character",
    "varbit": "bit varying",
    "timestamptz": "timestamp",
    "timetz": "time",
    "pg_catalog.int4": "integer",
}
#: Types that carry "with/without time zone", and the ones written with it built in.
_ZONED = {"timestamp", "time"}
_WITH_ZONE = {"timestamptz", "timetz"}
#: Types whose missing length means 1.
_LENGTH_ONE = {"character", "bit"}

_ARRAY = re.compile(r"(?:\s*\[\s*\d*\s*\])+$|\s+array(?:\s*\[\s*\d*\s*\])?$", re.IGNORECASE)
_SHAPE = re.compile(
    r"(?P<name>[a-z_][a-z0-9_$]*(?:\s*\.\s*[a-z_][a-z0-9_$]*)?(?:\s+(?!with\b|without\b)[a-z_]+)*?)"
    r"\s*(?:\(\s*(?P<args>[^()]*?)\s*\))?"
    r"(?P<rest>(?:\s+[a-z_]+)*)",
)


def pg_type(text: str) -> str:
    """``VARCHAR(50)`` -> ``character varying(50)``, ``timestamptz`` ->
    ``timestamp with time zone``, ``int[]`` -> ``integer[]``, ``DECIMAL(12, 2)``
    -> ``numeric(12,2)``; text it cannot read comes back as it was."""
    written = text.strip()
    if not written or '"' in written:
        return written
    array = ""
    m = _ARRAY.search(written)
    if m:
        array = "[]"  # format_type prints one pair whatever the dimensions
        written = written[: m.start()].rstrip()
    low = " ".join(written.lower().split())
    shape = _SHAPE.fullmatch(low)
    if shape is None:
        return text.strip()
    name = re.sub(r"\s*\.\s*", ".", shape.group("name"))
    args = re.sub(r"\s*,\s*", ",", shape.group("args") or "")
    rest = " ".join(shape.group("rest").split())
    if name.startswith("public."):
        name = name[len("public.") :]
    if name == "float" and not rest:
        precision = int(args) if args.isdigit() else 53
        return ("real" if precision <= 24 else "double precision") + array
    zone = ""
    if name in _WITH_ZONE:
        zone = "with time zone"
    canonical = _NAMES.get(name, name)
    if canonical in _ZONED:
        if rest in ("with time zone", "without time zone"):
            zone, rest = rest, ""
        zone = zone or "without time zone"
    if canonical in _LENGTH_ONE and not args and not rest:
        args = "1"
    if canonical == "numeric" and args.isdigit():
        args += ",0"  # a precision alone means scale 0
    out = canonical + (f"({args})" if args else "")
    for part in (rest, zone):
        if part:
            out += " " + part
    return out + array
