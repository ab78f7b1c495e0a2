"""The words of one SQL statement, for rules that need more than `Statement.changes`.

The statement analysis says *what* a statement changed; rules about how
safely it does so also need *how* it was written: ``CONCURRENTLY``, ``NOT
VALID``, ``USING INDEX``, the kind of a constraint. A small lexer splits the
statement into words, so text inside strings, quoted identifiers, dollar
quotes and comments never counts as a keyword. (sqlglot's tokenizer would
do, at fifty times the cost per statement.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<estring>[eE]'(?:[^'\\]|''|\\.)*(?:'|\Z))
  | (?P<string>'(?:[^']|'')*(?:'|\Z))
  | (?P<dollar>\$\$.*?(?:\$\$|\Z))
  | (?P<tagged>\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*)\$.*?(?:\$(?P=tag)\$|\Z))
  | (?P<ident>"(?:[^"]|"")*(?:"|\Z))
  | (?P<punct>[(),.;])
  | (?P<word>[^\s(),.;'"]+)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Word:
    """One token: ``upper`` for keyword tests, ``name`` as PostgreSQL folds an identifier."""

    upper: str
    name: str
    #: Parenthesis depth: 0 at the statement's top level.
    depth: int
    #: 'word', 'string', 'punct'
    kind: str = "word"


def words(sql: str) -> list[Word]:
    """The tokens of ``sql``, comments and spaces left out."""
    out: list[Word] = []
    depth = 0
    for m in _TOKEN.finditer(sql):
        kind, text = m.lastgroup, m.group(0)
        if kind in ("space", "comment"):
            continue
        if kind in ("string", "estring", "dollar", "tagged"):
            out.append(Word("", text, depth, "string"))
        elif kind == "ident":
            name = text[1:-1] if text.endswith('"') and len(text) > 1 else text[1:]
            out.append(Word(name.upper(), name.replace('""', '"'), depth))
        elif kind == "punct":
            if text == ")":
                depth = max(depth - 1, 0)
            out.append(Word(text, text, depth, "punct"))
            if text == "(":
                depth += 1
        else:
            out.append(Word(text.upper(), text.translate(_ASCII_LOWER), depth))
    return out


def has_sequence(ws: Sequence[Word], *sequence: str, top_level: bool = False) -> bool:
    """True when the upper-case words ``sequence`` appear in a row."""
    n = len(sequence)
    for i in range(len(ws) - n + 1):
        if top_level and ws[i].depth != 0:
            continue
        if all(ws[i + k].upper == sequence[k] for k in range(n)):
            return True
    return False


def clauses(ws: Sequence[Word]) -> list[list[Word]]:
    """The comma-separated actions of ``ALTER TABLE name action, action``.

    Empty for any other statement.
    """
    i = _after_table_name(ws)
    if i is None:
        return []
    out: list[list[Word]] = [[]]
    for w in ws[i:]:
        if w.kind == "punct" and w.upper == "," and w.depth == 0:
            out.append([])
        else:
            out[-1].append(w)
    return [c for c in out if c]


def altered_table(ws: Sequence[Word]) -> str | None:
    """The unqualified table name of an ``ALTER TABLE`` statement."""
    i = _after_table_name(ws)
    return ws[i - 1].name if i is not None else None


def altered_schema(ws: Sequence[Word]) -> str | None:
    """The schema an ``ALTER TABLE`` statement names (``ALTER TABLE app.users``), if any."""
    i = _after_table_name(ws)
    if i is None or i < 3 or ws[i - 2].upper != ".":
        return None
    return ws[i - 3].name


def _after_table_name(ws: Sequence[Word]) -> int | None:
    if len(ws) < 3 or ws[0].upper != "ALTER" or ws[1].upper != "TABLE":
        return None
    i = 2
    if has_sequence(ws[i : i + 2], "IF", "EXISTS"):
        i += 2
    if i < len(ws) and ws[i].upper == "ONLY":
        i += 1
    # name, or schema . name
    i += 1
    while i + 1 < len(ws) and ws[i].upper == ".":
        i += 2
    return i if i <= len(ws) else None


def not_null_columns(ws: Sequence[Word]) -> set[str]:
    """Columns a CHECK expression tests with ``column IS NOT NULL``."""
    out: set[str] = set()
    for i in range(1, len(ws) - 2):
        is_not_null = (ws[i].upper, ws[i + 1].upper, ws[i + 2].upper) == ("IS", "NOT", "NULL")
        if is_not_null and ws[i - 1].kind == "word":
            out.add(ws[i - 1].name)
    return out


def constraint_name(ws: Sequence[Word]) -> str | None:
    """The name after ``CONSTRAINT`` in an ``ADD CONSTRAINT name ...`` clause."""
    for i, w in enumerate(ws[:-1]):
        if w.upper == "CONSTRAINT" and w.depth == 0:
            return ws[i + 1].name
    return None


#: Keywords that start a table constraint, and the kind they name.
CONSTRAINT_KINDS = {
    "CHECK": "check",
    "FOREIGN": "foreign key",
    "UNIQUE": "unique",
    "PRIMARY": "primary key",
    "EXCLUDE": "exclusion",
}


def constraint_kind(ws: Sequence[Word]) -> str | None:
    """The kind of the constraint an ``ADD [CONSTRAINT name] ...`` clause adds, or None."""
    if not ws or ws[0].upper != "ADD":
        return None
    i = 1
    if i < len(ws) and ws[i].upper == "CONSTRAINT":
        i += 2
    if i < len(ws) and ws[i].upper:
        # sqlglot reads ``FOREIGN KEY`` and ``PRIMARY KEY`` as one token.
        return CONSTRAINT_KINDS.get(ws[i].upper.split()[0])
    return None
