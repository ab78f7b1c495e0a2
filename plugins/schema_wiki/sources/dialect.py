"""A sqlglot dialect that reads the PostgreSQL migrations teams actually write.

sqlglot's ``postgres`` dialect is built for queries; a few DDL statements that
migrations use all the time come back wrong or not at all. Rather than patch
the text with regular expressions (which cannot tell ``COMMENT ON`` from a
table named ``comment``), this module teaches the parser:

* ``COMMENT ON ... IS NULL`` (removes a comment) and ``IS E'...'``, ``$$...$$``
  or ``U&'...'`` strings, and adjacent string literals PostgreSQL concatenates;
* ``COMMENT ON CONSTRAINT c ON t`` (and ``TRIGGER`` / ``POLICY`` / ``RULE``
  ``... ON t``) keeping the table, as `TableObjectComment`;
* comments on every other object kind (index, view, type, function with its
  signature, schema, extension, ...), the object kept as written;
* ``DROP INDEX | TYPE | SEQUENCE | SCHEMA ... a, b, c`` (several names);
* ``ALTER TABLE t RENAME a TO b`` (a column rename without ``COLUMN``), which
  the base dialect misreads as a table rename;
* the source text of data types and ``SET DEFAULT`` expressions, kept in the
  node's ``meta`` (``SOURCE_SQL``) because sqlglot normalises them
  (``numeric(12,2)`` would otherwise read ``DECIMAL(12, 2)``).

It also stays quiet: statements it cannot model become ``exp.Command`` without
logging a warning for each, since the caller records what it could not read.
"""

from __future__ import annotations

import typing as t

from sqlglot import Token, TokenType, exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.generators.postgres import PostgresGenerator
from sqlglot.parsers.postgres import PostgresParser

__all__ = ["SOURCE_SQL", "SchemaWikiPostgres", "TableObjectComment", "decode_unicode_string"]

#: ``meta`` key holding the exact source text of a data type or default expression.
SOURCE_SQL = "schema_wiki_source_sql"

# Object kinds of COMMENT ON, longest first so "MATERIALIZED VIEW" wins over "VIEW".
_COMMENT_KINDS: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            tuple(kind.split())
            for kind in (
                "ACCESS METHOD",
                "AGGREGATE",
                "CAST",
                "COLLATION",
                "COLUMN",
                "CONSTRAINT",
                "CONVERSION",
                "DATABASE",
                "DOMAIN",
                "EVENT TRIGGER",
                "EXTENSION",
                "FOREIGN DATA WRAPPER",
                "FOREIGN TABLE",
                "FUNCTION",
                "INDEX",
                "LANGUAGE",
                "LARGE OBJECT",
                "MATERIALIZED VIEW",
                "OPERATOR",
                "OPERATOR CLASS",
                "OPERATOR FAMILY",
                "POLICY",
                "PROCEDURAL LANGUAGE",
                "PROCEDURE",
                "PUBLICATION",
                "ROLE",
                "ROUTINE",
                "RULE",
                "SCHEMA",
                "SEQUENCE",
                "SERVER",
                "STATISTICS",
                "SUBSCRIPTION",
                "TABLE",
                "TABLESPACE",
                "TEXT SEARCH CONFIGURATION",
                "TEXT SEARCH DICTIONARY",
                "TEXT SEARCH PARSER",
                "TEXT SEARCH TEMPLATE",
                "TRANSFORM",
                "TRIGGER",
                "TYPE",
                "VIEW",
            )
        ),
        key=len,
        reverse=True,
    )
)
# Kinds whose object is a relation: the name is parsed as a table reference.
_RELATION_KINDS = {
    "TABLE",
    "VIEW",
    "MATERIALIZED VIEW",
    "FOREIGN TABLE",
    "INDEX",
    "SEQUENCE",
    "TYPE",
    "DOMAIN",
    "SCHEMA",
}
# Kinds named "x ON table".
_ON_TABLE_KINDS = {"CONSTRAINT", "TRIGGER", "POLICY", "RULE"}
# Literal tokens PostgreSQL accepts as the comment text.
_STRING_TOKENS = {
    TokenType.STRING,
    TokenType.BYTE_STRING,
    TokenType.HEREDOC_STRING,
    TokenType.RAW_STRING,
    TokenType.UNICODE_STRING,
    TokenType.NATIONAL_STRING,
}
# Object kinds DROP may list several of; functions are excluded because their
# signatures hold commas of their own.
_ROUTINE_KINDS = {"FUNCTION", "PROCEDURE", "AGGREGATE", "ROUTINE", "OPERATOR"}
_DROP_LIST_KINDS = {"INDEX", "TYPE", "SEQUENCE", "SCHEMA", "DOMAIN", "TRIGGER"}


class TableObjectComment(exp.Comment):
    """``COMMENT ON CONSTRAINT | TRIGGER | POLICY | RULE name ON table IS ...``.

    ``this`` is the object's name, ``on`` the table (``exp.Table``) and
    ``on_domain`` is set for ``CONSTRAINT c ON DOMAIN d``.
    """

    arg_types: t.ClassVar[dict[str, bool]] = {
        **exp.Comment.arg_types,
        "on": True,
        "on_domain": False,
    }


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def decode_unicode_string(text: str, escape: str = "\\") -> str:
    """Decode the escapes of a ``U&'...'`` literal (``\\0061``, ``\\+000061``, ``\\\\``).

    Malformed escapes are kept as written: this feeds documentation, not a server.
    """
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch != escape:
            out.append(ch)
            i += 1
            continue
        if text.startswith(escape, i + 1):
            out.append(escape)
            i += 2
            continue
        if text.startswith("+", i + 1):
            digits, consumed = text[i + 2 : i + 8], 8
            wanted = 6
        else:
            digits, consumed = text[i + 1 : i + 5], 5
            wanted = 4
        code = -1
        if len(digits) == wanted and all(c in _HEX_DIGITS for c in digits):
            code = int(digits, 16)
        if 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            out.append(chr(code))
            i += consumed
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _tableobjectcomment_sql(self: PostgresGenerator, expression: TableObjectComment) -> str:
    domain = " DOMAIN" if expression.args.get("on_domain") else ""
    return (
        f"COMMENT ON {expression.args['kind']} {self.sql(expression, 'this')}"
        f" ON{domain} {self.sql(expression, 'on')} IS {self.sql(expression, 'expression')}"
    )


class SchemaWikiPostgres(Postgres):
    """PostgreSQL as migrations write it; see the module docstring for what it adds."""

    class Parser(PostgresParser):
        """The postgres parser with the DDL fixes listed in the module docstring."""

        # PostgreSQL's RENAME [COLUMN] a TO b: COLUMN is optional.
        ALTER_RENAME_REQUIRES_COLUMN = False

        def _warn_unsupported(self) -> None:
            # The caller keeps unmodelled statements as commands; a log line per
            # DO block or CREATE EXTENSION would only be noise in a docs build.
            return None

        # --- types and defaults keep their source text ---------------------------

        def _parse_types(self, *args: t.Any, **kwargs: t.Any) -> exp.Expr | None:
            start = self._index
            result = super()._parse_types(*args, **kwargs)
            if isinstance(result, exp.DataType) and self._index > start:
                result.meta[SOURCE_SQL] = self._find_sql(self._tokens[start], self._prev)
            return result

        def _parse_alter_table_alter(self) -> exp.Expr | None:
            start = self._index
            node = super()._parse_alter_table_alter()
            if isinstance(node, exp.AlterColumn) and node.args.get("default") is not None:
                for i in range(start, self._index - 1):
                    if self._tokens[i].token_type == TokenType.DEFAULT:
                        node.meta[SOURCE_SQL] = self._find_sql(self._tokens[i + 1], self._prev)
                        break
            return node

        # --- RENAME ------------------------------------------------------------------

        def _parse_alter_table_rename(self) -> exp.AlterRename | exp.RenameColumn | None:
            if self._match(TokenType.CONSTRAINT, advance=False):
                # RENAME CONSTRAINT has no node of its own: the ALTER becomes a Command.
                return None
            return super()._parse_alter_table_rename()

        # --- DROP a, b, c ------------------------------------------------------------

        def _parse_drop(
            self, exists: bool = False, kind: str | None = None
        ) -> exp.Drop | exp.Command:
            start = self._prev
            statement_level = self._index == 1
            if statement_level and self._curr and self._curr.text.upper() in _ROUTINE_KINDS:
                # Signatures such as f(_tbl regclass, OUT n int) are beyond the base
                # parser, and dropping a routine changes no table: keep it verbatim.
                return self._parse_as_command(start)
            drop = super()._parse_drop(exists=exists, kind=kind)
            if (
                not statement_level
                or not isinstance(drop, exp.Drop)
                or not self._match(TokenType.COMMA, advance=False)
            ):
                return drop
            if str(drop.args.get("kind") or "").upper() not in _DROP_LIST_KINDS:
                return self._parse_as_command(start)
            tables = list(drop.args.get("tables") or [])
            while self._match(TokenType.COMMA):
                name = self._parse_table_parts(schema=True)
                if name is None:
                    return self._parse_as_command(start)
                tables.append(name)
            drop.set("tables", tables)
            if self._match_texts(("CASCADE", "RESTRICT")):
                drop.set("cascade", self._prev.text.upper() == "CASCADE")
                drop.set("restrict", self._prev.text.upper() == "RESTRICT")
            return drop

        # --- COMMENT ON --------------------------------------------------------------

        def _parse_comment(self, allow_exists: bool = True) -> exp.Expr:
            start = self._prev
            # COMMENT as the first word of a statement is PostgreSQL's COMMENT ON;
            # anywhere else (other dialects' column options) keep the base behaviour.
            if self._index != 1:
                return super()._parse_comment(allow_exists=allow_exists)
            if not self._match(TokenType.ON):
                return self._parse_as_command(start)
            is_index = self._last_top_level_is()
            if is_index is None:
                self.raise_error("Expected IS followed by a string or NULL")
                return self._parse_as_command(start)

            kind = ""
            for words in _COMMENT_KINDS:
                if self._match_text_seq(*words):
                    kind = " ".join(words)
                    break
            if not kind:
                self.raise_error("Unknown object kind after COMMENT ON")
                return self._parse_as_command(start)

            name_start = self._index
            target = self._parse_comment_target(kind, is_index)
            if target is None or self._index != is_index:
                # A shape we do not model (a function signature, an operator):
                # keep the object as written; the comment text is what matters.
                self._retreat(name_start)
                if name_start >= is_index:
                    self.raise_error("Expected the name of the object to comment on")
                target = exp.Var(
                    this=self._find_sql(self._tokens[name_start], self._tokens[is_index - 1])
                )
                self._retreat(is_index)
            self._match(TokenType.IS)
            text = self._parse_comment_text()
            if self._curr:
                self.raise_error("Unexpected text after the comment's string")

            if isinstance(target, tuple):
                name, table, on_domain = target
                return self.expression(
                    TableObjectComment(
                        this=name, kind=kind, expression=text, on=table, on_domain=on_domain
                    )
                )
            return self.expression(exp.Comment(this=target, kind=kind, expression=text))

        def _last_top_level_is(self) -> int | None:
            depth = 0
            found: int | None = None
            for i in range(self._index, self._tokens_size):
                token_type = self._tokens[i].token_type
                if token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
                    depth += 1
                elif token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
                    depth -= 1
                elif token_type == TokenType.IS and depth == 0:
                    found = i
            return found

        def _parse_comment_target(
            self, kind: str, is_index: int
        ) -> exp.Expr | tuple[exp.Expr, exp.Expr, bool] | None:
            if kind == "COLUMN":
                return self._parse_column()
            if kind in _RELATION_KINDS:
                return self._parse_table_parts(schema=True)
            if kind in _ON_TABLE_KINDS:
                name = self._parse_id_var(any_token=True)
                if name is None or not self._match(TokenType.ON):
                    return None
                on_domain = kind == "CONSTRAINT" and self._match_text_seq("DOMAIN")
                table = self._parse_table_parts(schema=True)
                if table is None:
                    return None
                return name, table, bool(on_domain)
            return None

        def _parse_comment_text(self) -> exp.Expr:
            if self._match(TokenType.NULL):
                return exp.Null()
            parts: list[str] = []
            while self._match_set(_STRING_TOKENS):
                parts.append(self._string_token_text(self._prev))
            if not parts:
                self.raise_error("Expected a string or NULL after IS")
                return exp.Null()
            return exp.Literal.string("".join(parts))

        def _string_token_text(self, token: Token) -> str:
            if token.token_type != TokenType.UNICODE_STRING:
                return token.text
            escape = "\\"
            if self._match_text_seq("UESCAPE") and self._match(TokenType.STRING):
                escape = self._prev.text or escape
            return decode_unicode_string(token.text, escape)

    class Generator(PostgresGenerator):
        """Prints `TableObjectComment` back as PostgreSQL."""

        TRANSFORMS = {  # noqa: RUF012 - sqlglot's own convention for generator tables
            **PostgresGenerator.TRANSFORMS,
            TableObjectComment: _tableobjectcomment_sql,
        }
