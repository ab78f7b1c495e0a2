"""Split migration SQL into statements and work out what each does to the schema.

Splitting uses sqlglot's tokenizer, so semicolons inside strings, quoted
identifiers, comments and dollar-quoted bodies never split a statement, and
every statement keeps its exact source text and the line where it starts.
Each statement is then parsed on its own with `SchemaWikiPostgres`: one
statement sqlglot cannot read keeps its SQL and a ``parse_error`` and never
loses the rest of the file. Nothing here raises on bad SQL.

Names follow PostgreSQL's rules: unquoted identifiers fold to lower case
(ASCII letters only, as the server does), quoted ones are kept as written,
both are truncated to 63 bytes, and tables without a schema belong to the
first schema of ``SET search_path`` earlier in the same file, else ``public``.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlglot import Token, TokenType, exp
from sqlglot.errors import ParseError

from ..model import Action, Change, Location, Statement
from .dialect import SOURCE_SQL, SchemaWikiPostgres, TableObjectComment

__all__ = [
    "DEFAULT_SCHEMA",
    "Segment",
    "StatementCache",
    "analyze_statement",
    "caching",
    "fold_identifier",
    "split_statements",
    "statements_in",
]

DEFAULT_SCHEMA = "public"
#: PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated by the server.
_MAX_IDENTIFIER_BYTES = 63
_DIALECT = SchemaWikiPostgres()
#: Statements that change rows only, never the schema (``SELECT ... INTO`` and
#: ``WITH`` may create a table, so they are parsed).
_DATA_ONLY = frozenset({TokenType.INSERT, TokenType.UPDATE, TokenType.DELETE})
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TABLE_COMMENT_KINDS = {"TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE"}
_MAX_ERROR_CHARS = 200


@dataclass(frozen=True)
class Segment:
    """A stretch ``[start, end)`` of a file's text that holds statements.

    Migration tools mark parts of a file (goose's Up section, Drizzle's
    breakpoints); ``whole`` makes the stretch one statement however many
    semicolons it holds (goose's ``StatementBegin`` / ``StatementEnd``).
    """

    start: int
    end: int
    whole: bool = False


@dataclass
class StatementCache:
    """Statements already read, by file: parsing is most of the cost of loading migrations.

    The key is a digest of the file's path, text and segments, which is all
    `statements_in` depends on; statements are immutable, so a cached list
    can be shared between builds. `used` collects the keys read or added
    since `start_round`, so a persisted cache can drop entries of files that
    are gone.
    """

    entries: dict[str, tuple[Statement, ...]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0

    @staticmethod
    def key(sql: str, path: str, segments: Sequence[Segment]) -> str:
        digest = hashlib.blake2b(digest_size=20)
        digest.update(path.encode())
        digest.update(b"\0")
        digest.update(sql.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
        digest.update(repr([(s.start, s.end, s.whole) for s in segments]).encode())
        return digest.hexdigest()

    def start_round(self) -> None:
        """Forget which entries were used and the counts: a new build begins."""
        self.used.clear()
        self.hits = self.misses = 0

    def pruned(self) -> dict[str, tuple[Statement, ...]]:
        """The entries used since `start_round`."""
        return {k: v for k, v in self.entries.items() if k in self.used}


_CACHE: contextvars.ContextVar[StatementCache | None] = contextvars.ContextVar(
    "schema_wiki_statement_cache", default=None
)


@contextlib.contextmanager
def caching(cache: StatementCache) -> Iterator[StatementCache]:
    """Within the block, `statements_in` answers from ``cache`` and fills it."""
    token = _CACHE.set(cache)
    try:
        yield cache
    finally:
        _CACHE.reset(token)


def split_statements(sql: str, path: str) -> list[Statement]:
    """Every statement of ``sql`` (the text of the file at ``path``), analysed.

    ``Statement.sql`` is the exact source text from the statement's first
    token to its last, without the terminating semicolon; ``location`` is the
    line of its first token. Never raises.
    """
    return statements_in(sql, path, [Segment(0, len(sql))])


def statements_in(sql: str, path: str, segments: Iterable[Segment]) -> list[Statement]:
    """The statements of the given ``segments`` of ``sql``, in order.

    Locations are lines of the whole ``sql``; ``SET search_path`` carries over
    from one segment to the next as it does in a session. Never raises.
    Inside `caching`, a file read before is not parsed again.
    """
    segments = list(segments)
    cache = _CACHE.get()
    key = ""
    if cache is not None:
        key = StatementCache.key(sql, path, segments)
        cache.used.add(key)
        hit = cache.entries.get(key)
        if hit is not None:
            cache.hits += 1
            return list(hit)
    analyzer = _Analyzer(sql, path)
    out: list[Statement] = []
    for segment in segments:
        out.extend(analyzer.segment(segment))
    if cache is not None:
        cache.misses += 1
        cache.entries[key] = tuple(out)
    return out


def analyze_statement(sql: str, path: str = "<sql>", line: int = 1) -> Statement:
    """One statement's `Statement`, as if it started at ``line`` of ``path``.

    A convenience for callers holding a single statement; a text with several
    statements yields the changes of all of them.
    """
    analyzer = _Analyzer(sql, path, line_offset=line - 1)
    return analyzer.whole_statement(0, len(sql)) or Statement(
        sql=sql.strip(), location=Location(path, line)
    )


def fold_identifier(name: str, quoted: bool) -> str:
    """The name PostgreSQL stores for an identifier written as ``name``."""
    folded = name if quoted else name.translate(_ASCII_LOWER)
    if len(folded) > _MAX_IDENTIFIER_BYTES // 4:
        encoded = folded.encode("utf-8")
        if len(encoded) > _MAX_IDENTIFIER_BYTES:
            # Cut at a character boundary, as the server's pg_mbcliplen does.
            folded = encoded[:_MAX_IDENTIFIER_BYTES].decode("utf-8", errors="ignore")
    return folded


# --- the analyzer -----------------------------------------------------------------------


class _Analyzer:
    """Splits and analyses one file; holds the per-file ``search_path``."""

    def __init__(self, sql: str, path: str, line_offset: int = 0) -> None:
        self.sql = sql
        self.path = path
        self.line_offset = line_offset
        self.newlines = [m.start() for m in re.finditer("\n", sql)]
        self.schema = DEFAULT_SCHEMA
        self.parser = _DIALECT.parser()

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1 + self.line_offset

    # -- splitting --

    def segment(self, segment: Segment) -> list[Statement]:
        if segment.whole:
            statement = self.whole_statement(segment.start, segment.end)
            return [statement] if statement else []
        text = self.sql[segment.start : segment.end]
        try:
            tokens = _DIALECT.tokenize(text)
        except Exception:
            # An unterminated string or comment stops the tokenizer; fall back to
            # a plain lexical split so the statements before it survive, and let
            # the statement that holds the problem carry the error.
            return [
                s
                for start, end in _lexical_chunks(text)
                if (s := self.whole_statement(segment.start + start, segment.start + end))
            ]
        out: list[Statement] = []
        for chunk in _chunks(tokens):
            out.append(self.statement(text, segment.start, chunk))
        return out

    def whole_statement(self, start: int, end: int) -> Statement | None:
        """``sql[start:end]`` as one statement (tokenized on its own)."""
        text = self.sql[start:end]
        try:
            tokens = _DIALECT.tokenize(text)
        except Exception as error:
            first, last = _code_bounds(text)
            if first >= last:
                return None
            return Statement(
                sql=text[first:last],
                location=Location(self.path, self.line_of(start + first)),
                parse_error=_short(f"cannot split into tokens: {error}"),
            )
        body = [tok for tok in tokens if tok.token_type != TokenType.SEMICOLON]
        if not body:
            return None
        return self.statement(text, start, tokens)

    # -- one statement --

    def statement(self, text: str, base: int, tokens: list[Token]) -> Statement:
        body = [tok for tok in tokens if tok.token_type != TokenType.SEMICOLON]
        first, last = body[0], body[-1]
        source = text[first.start : last.end + 1]
        location = Location(self.path, self.line_of(base + first.start))
        transactional = all(_transactional(chunk) for chunk in _chunks(tokens))
        for chunk in _chunks(tokens):
            self._track_search_path(chunk)
        if first.token_type in _DATA_ONLY:
            # Rows change, the schema does not: nothing to analyse. Data migrations
            # hold thousands of these, and parsing them was most of the load time.
            return Statement(sql=source, location=location, transactional=transactional)
        try:
            expressions = self.parser.parse(tokens, text)
        except ParseError as error:
            detail = error.errors[0] if error.errors else {}
            message = str(detail.get("description") or error).split("\n")[0]
            if detail.get("line"):
                message += f" (line {int(detail['line']) + self.line_of(base) - 1})"
            return Statement(
                sql=source,
                location=location,
                transactional=transactional,
                parse_error=_short(message),
            )
        except Exception as error:
            # sqlglot is a third-party parser fed arbitrary user SQL: whatever it
            # trips on (TokenError, RecursionError, ...) stays this statement's
            # problem, never the file's.
            return Statement(
                sql=source,
                location=location,
                transactional=transactional,
                parse_error=_short(f"{type(error).__name__}: {error}"),
            )
        changes: list[Change] = []
        try:
            for expression in expressions:
                if expression is not None:
                    changes.extend(_changes(expression, self.schema))
        except Exception as error:  # an AST shape the analysis did not foresee
            return Statement(
                sql=source,
                location=location,
                transactional=transactional,
                parse_error=_short(f"cannot analyse the statement: {error}"),
            )
        return Statement(
            sql=source,
            location=location,
            changes=tuple(changes),
            transactional=transactional,
        )

    def _track_search_path(self, tokens: Sequence[Token]) -> None:
        """Follow ``SET [SESSION | LOCAL] search_path TO a, b``: new names go to ``a``."""
        if not tokens or tokens[0].text.upper() != "SET":
            return
        i = 1
        if i < len(tokens) and tokens[i].text.upper() in ("SESSION", "LOCAL"):
            i += 1
        if i >= len(tokens) or tokens[i].text.upper() != "SEARCH_PATH":
            return
        i += 1
        if i < len(tokens) and (
            tokens[i].token_type == TokenType.EQ or tokens[i].text.upper() == "TO"
        ):
            i += 1
        for tok in tokens[i:]:
            if tok.token_type == TokenType.COMMA:
                continue
            quoted = tok.token_type in (TokenType.IDENTIFIER, TokenType.STRING)
            if not quoted and tok.text.upper() == "DEFAULT":
                self.schema = DEFAULT_SCHEMA
                return
            name = fold_identifier(tok.text, quoted)
            # The server creates objects in the first schema that exists; "$user"
            # rarely does, and the system schemas are never where migrations write.
            if name and name not in ("$user", "pg_catalog", "pg_temp"):
                self.schema = name
                return


def _chunks(tokens: Sequence[Token]) -> list[list[Token]]:
    """Tokens grouped into statements at top-level semicolons (empty ones dropped)."""
    out: list[list[Token]] = []
    current: list[Token] = []
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            if current:
                out.append(current)
            current = []
        else:
            current.append(tok)
    if current:
        out.append(current)
    return out


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MAX_ERROR_CHARS else message[: _MAX_ERROR_CHARS - 1] + "…"


# --- transactions -----------------------------------------------------------------------


def _words(tokens: Sequence[Token]) -> list[str]:
    """Upper-case words of a statement; a command's raw argument is split into words."""
    words: list[str] = []
    previous: Token | None = None
    for tok in tokens:
        if (
            tok.token_type == TokenType.STRING
            and previous
            and previous.token_type == (TokenType.COMMAND)
        ):
            words.extend(tok.text.upper().split())
        elif tok.token_type not in (TokenType.STRING, TokenType.IDENTIFIER):
            words.append(tok.text.upper())
        else:
            words.append("")
        previous = tok
    return words


def _transactional(tokens: Sequence[Token]) -> bool:
    """False for statements PostgreSQL refuses inside a transaction block."""
    words = _words(tokens)
    if not words:
        return True
    head = words[0]
    if head == "VACUUM":
        return False
    if head == "REINDEX":
        return not ("CONCURRENTLY" in words or words[1:2] in (["SYSTEM"], ["DATABASE"]))
    rest = words[1:]
    if head in ("CREATE", "DROP"):
        if rest[:1] == ["UNIQUE"]:
            rest = rest[1:]
        if rest[:2] == ["INDEX", "CONCURRENTLY"]:
            return False
        return rest[:1] not in (["DATABASE"], ["TABLESPACE"])
    if head == "ALTER":
        if rest[:1] == ["SYSTEM"]:
            return False
        if rest[:1] == ["TYPE"] and "ADD" in rest and "VALUE" in rest:
            # Before PostgreSQL 12 this fails in a transaction block; later
            # servers allow it but cannot use the new value in the same one.
            return False
        if rest[:1] == ["TABLE"] and "DETACH" in rest and "CONCURRENTLY" in rest:
            return False
        if rest[:1] == ["DATABASE"] and "TABLESPACE" in rest:
            return False
    return True


# --- changes ----------------------------------------------------------------------------


def _name(node: exp.Expr | None) -> str | None:
    if isinstance(node, exp.Identifier):
        return fold_identifier(node.name, bool(node.args.get("quoted")))
    if isinstance(node, exp.Column | exp.Table):
        return _name(node.this)
    if isinstance(node, exp.Var | exp.Literal):
        return fold_identifier(node.name, False) if node.name else None
    return None


def _table(node: exp.Expr | None, schema: str) -> tuple[str, str] | None:
    """(schema, table) of a table reference."""
    if isinstance(node, exp.Schema):
        node = node.this
    if not isinstance(node, exp.Table):
        return None
    name = _name(node.this)
    if not name:
        return None
    return _name(node.args.get("db")) or schema, name


def _source(node: exp.Expr | None) -> str | None:
    """The text of a type or default as written, whitespace collapsed."""
    if node is None:
        return None
    text = node.meta.get(SOURCE_SQL) if node._meta else None
    if not isinstance(text, str):
        text = node.sql(dialect=_DIALECT)
    return " ".join(text.split())


def _changes(expression: exp.Expr, schema: str) -> list[Change]:
    if isinstance(expression, exp.Create):
        return _create_changes(expression, schema)
    if isinstance(expression, exp.Drop):
        return _drop_changes(expression, schema)
    if isinstance(expression, exp.Alter):
        return _alter_changes(expression, schema)
    if isinstance(expression, exp.Comment):
        return _comment_changes(expression, schema)
    return []


def _create_changes(create: exp.Create, schema: str) -> list[Change]:
    kind = str(create.args.get("kind") or "").upper()
    if kind == "INDEX":
        index = create.this
        if not isinstance(index, exp.Index):
            return []
        where = _table(index.args.get("table"), schema)
        if not where:
            return []
        return [Change(Action.CREATE_INDEX, where[0], where[1], detail=_name(index.this))]
    if kind != "TABLE":
        return []
    properties = create.args.get("properties")
    if properties and properties.find(exp.TemporaryProperty):
        # A temporary table lives for one session: it is not part of the schema.
        return []
    where = _table(create.this, schema)
    if not where:
        return []
    out = [Change(Action.CREATE_TABLE, *where)]
    if isinstance(create.this, exp.Schema):
        for column in create.this.expressions:
            if isinstance(column, exp.ColumnDef) and column.args.get("kind") is not None:
                name = _name(column.this)
                if name:
                    out.append(
                        Change(
                            Action.ADD_COLUMN,
                            *where,
                            column=name,
                            detail=_source(column.args.get("kind")),
                        )
                    )
    return out


def _drop_changes(drop: exp.Drop, schema: str) -> list[Change]:
    kind = str(drop.args.get("kind") or "").upper()
    out: list[Change] = []
    for node in drop.args.get("tables") or []:
        where = _table(node, schema)
        if not where:
            continue
        if kind == "TABLE":
            out.append(Change(Action.DROP_TABLE, *where))
        elif kind == "INDEX":
            # DROP INDEX does not name the table; load_migrations fills it in
            # from the CREATE INDEX that made it, when there is one.
            out.append(Change(Action.DROP_INDEX, where[0], "", detail=where[1]))
    return out


def _alter_changes(alter: exp.Alter, schema: str) -> list[Change]:
    if str(alter.args.get("kind") or "").upper() != "TABLE":
        return []
    where = _table(alter.this, schema)
    if not where:
        return []
    out: list[Change] = []
    for action in alter.args.get("actions") or []:
        out.extend(_alter_action(action, where))
    return out


def _alter_action(action: exp.Expr, where: tuple[str, str]) -> list[Change]:
    if isinstance(action, exp.ColumnDef):
        name = _name(action.this)
        if not name:
            return []
        return [
            Change(Action.ADD_COLUMN, *where, column=name, detail=_source(action.args.get("kind")))
        ]
    if isinstance(action, exp.Drop):
        kind = str(action.args.get("kind") or "").upper()
        names = [_name(node) for node in action.args.get("tables") or []]
        if kind == "COLUMN":
            return [Change(Action.DROP_COLUMN, *where, column=n) for n in names if n]
        if kind == "CONSTRAINT":
            return [Change(Action.DROP_CONSTRAINT, *where, detail=n) for n in names if n]
        return []
    if isinstance(action, exp.RenameColumn):
        old, new = _name(action.this), _name(action.args.get("to"))
        if not old or not new:
            return []
        return [Change(Action.RENAME_COLUMN, *where, column=old, new_name=new)]
    if isinstance(action, exp.AlterRename):
        new = _name(action.this)
        return [Change(Action.RENAME_TABLE, *where, new_name=new)] if new else []
    if isinstance(action, exp.AlterColumn):
        return _alter_column(action, where)
    if isinstance(action, exp.AddConstraint):
        out = []
        for constraint in action.expressions:
            name = _name(constraint.this) if isinstance(constraint, exp.Constraint) else None
            out.append(Change(Action.ADD_CONSTRAINT, *where, detail=name))
        return out
    return []


def _alter_column(action: exp.AlterColumn, where: tuple[str, str]) -> list[Change]:
    column = _name(action.this)
    if not column:
        return []
    args = action.args
    if args.get("dtype") is not None:
        return [Change(Action.ALTER_TYPE, *where, column=column, detail=_source(args["dtype"]))]
    if args.get("default") is not None:
        written = action.meta.get(SOURCE_SQL) if action._meta else None
        detail = " ".join(written.split()) if isinstance(written, str) else _source(args["default"])
        return [Change(Action.SET_DEFAULT, *where, column=column, detail=detail)]
    if args.get("allow_null") is False:
        return [Change(Action.SET_NOT_NULL, *where, column=column)]
    if args.get("drop") and args.get("allow_null"):
        return [Change(Action.DROP_NOT_NULL, *where, column=column)]
    if args.get("drop"):
        return [Change(Action.DROP_DEFAULT, *where, column=column)]
    return []


def _comment_changes(comment: exp.Comment, schema: str) -> list[Change]:
    if isinstance(comment, TableObjectComment):
        return []
    kind = str(comment.args.get("kind") or "").upper()
    value = comment.expression
    text = value.this if isinstance(value, exp.Literal) else None
    if kind in _TABLE_COMMENT_KINDS:
        where = _table(comment.this, schema)
        return [Change(Action.COMMENT_TABLE, *where, detail=text)] if where else []
    if kind == "COLUMN" and isinstance(comment.this, exp.Column):
        column = comment.this
        name, table = _name(column.this), _name(column.args.get("table"))
        if not name or not table:
            return []
        owner = _name(column.args.get("db")) or schema
        return [Change(Action.COMMENT_COLUMN, owner, table, column=name, detail=text)]
    return []


# --- the fallback splitter --------------------------------------------------------------


def _code_bounds(text: str) -> tuple[int, int]:
    """Offsets of the first and after-last characters that are not blank or comment."""
    first = len(text)
    last = 0
    for kind, start, end in lex_pieces(text):
        if kind == "code":
            first = min(first, start)
            last = max(last, end)
    while last > first and text[last - 1].isspace():
        last -= 1
    return first, last


def _lexical_chunks(text: str) -> list[tuple[int, int]]:
    """Statement stretches split at top-level semicolons, by a small lexer.

    Only used when sqlglot's tokenizer gives up (an unterminated string or
    comment): it knows quotes, ``E''`` escapes, dollar quotes and nested
    comments, and lets an unterminated one run to the end of the text.
    """
    out: list[tuple[int, int]] = []
    start = 0
    for kind, begin, end in lex_pieces(text):
        if kind == ";":
            out.append((start, begin))
            start = end
    out.append((start, len(text)))
    return out


def lex_pieces(text: str) -> Iterable[tuple[str, int, int]]:
    """(kind, start, end) pieces: 'code', 'comment', 'space' or ';'.

    A small lexer that knows quotes, ``E''`` escapes, dollar quotes and nested
    comments; an unterminated one runs to the end of the text.
    """
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == ";":
            yield ";", i, i + 1
            i += 1
        elif ch.isspace():
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            yield "space", i, j
            i = j
        elif text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            yield "comment", i, j
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            yield "comment", i, j
            i = j
        else:
            j = _skip_code(text, i)
            yield "code", i, j
            i = j


def _skip_code(text: str, i: int) -> int:
    """End of the code piece at ``i``: a quoted literal, dollar quote or plain run."""
    n = len(text)
    ch = text[i]
    prev_is_word = i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_$")
    if ch in "'\"":
        backslash = (
            ch == "'"
            and i > 0
            and text[i - 1] in "eE"
            and not (i > 1 and (text[i - 2].isalnum() or text[i - 2] == "_"))
        )
        j = i + 1
        while j < n:
            if backslash and text[j] == "\\":
                j += 2
                continue
            if text[j] == ch:
                if j + 1 < n and text[j + 1] == ch:
                    j += 2
                    continue
                return j + 1
            j += 1
        return n
    if ch == "$" and not prev_is_word:
        j = i + 1
        while j < n and (text[j].isalnum() or text[j] == "_"):
            j += 1
        if j < n and text[j] == "$" and not text[i + 1 : i + 2].isdigit():
            tag = text[i : j + 1]
            close = text.find(tag, j + 1)
            return n if close < 0 else close + len(tag)
        return i + 1
    j = i + 1
    while j < n and not text[j].isspace() and text[j] not in ";'\"$-/":
        j += 1
    return max(j, i + 1)
