"""Escaping text for Markdown that Python-Markdown turns into HTML.

Anything from a database comment, a header field or front matter goes through
here. Characters that HTML or Markdown would interpret become numeric
character references, which Python-Markdown passes through untouched and
browsers (and the search index) read back as the plain character. That keeps
text literal whatever Markdown extensions a site enables.

Only characters that can start markup in their position are escaped: a
sentence's full stop, an apostrophe or the hyphen of "e-mail" cannot, while
``.`` before a letter (``example.com``, a magic link) or ``:`` before one (an
emoji, ``http:``) can. Every reference costs Python-Markdown an inline
pattern match, and prose escaped character by character made table pages
a quarter slower to build.
"""

from __future__ import annotations

import re

from markupsafe import Markup

_CONTROL = {i: " " for i in range(32) if i not in (9, 10)}
_CONTROL[0x7F] = " "
_MD_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
#: Always markup somewhere: HTML, emphasis, code, links, tables, attribute lists,
#: strike/sub/sup/mark, maths, admonition titles.
_ALWAYS = '\\`*{}[]<>&|~^=$"'
_SPECIAL = re.compile(
    "[" + re.escape(_ALWAYS) + "]"
    # magic links and emoji (example.com, http:, @user, #12, :smile:), ellipses
    r"|[.:@#](?=\S)"
    # dashes and arrows of smarty extensions (--, -->)
    r"|-(?=[->])"
    # an underscore can emphasise unless letters or digits stand on both sides (user_id);
    # next to another underscore it counts as a boundary once that one is escaped
    r"|(?<![^\W_])_|_(?![^\W_])"
)


def _ref(m: re.Match[str]) -> str:
    return f"&#{ord(m.group())};"


def _escape(text: str) -> str:
    """Escape the specials of one line; its first character too unless a letter,
    since at the start of a line ``-``, ``1.``, ``!!!`` or ``:`` begin blocks."""
    text = _SPECIAL.sub(_ref, text)
    if text and not text[0].isalpha() and not text.startswith("&#"):
        text = f"&#{ord(text[0])};{text[1:]}"
    return text


def md(value: object) -> Markup:
    """Inline text: markup characters escaped, line breaks folded to spaces."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    text = str(value)
    if _MD_CONTROL.search(text):  # rare: a search is far cheaper than translating every text
        text = text.translate(_CONTROL)
    text = text.replace("\n", " ").replace("\t", " ")
    return Markup(_escape(text.lstrip()))


def cell(value: object) -> Markup:
    """Text for a Markdown table cell: like `md`, with line breaks kept as ``<br>``."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return Markup(str(value).replace("\n", " "))
    lines = [line.strip() for line in str(value).split("\n")]
    return Markup("<br>".join(str(md(line)) for line in lines if line))


def block(value: object) -> Markup:
    """Multi-line text as Markdown paragraphs; nothing in it is interpreted.

    Lines are stripped so indentation can never start a code block.
    """
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    paragraphs: list[list[str]] = [[]]
    for line in str(value).replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append(str(md(line)))
    return Markup("\n\n".join("\n".join(p) for p in paragraphs if p))


def first_line(value: object) -> str:
    """The first sentence-ish line of a comment, for summaries."""
    if value is None:
        return ""
    for line in str(value).split("\n"):
        if line.strip():
            return line.strip()
    return ""


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def summary(value: object, limit: int = 160) -> str:
    """The first sentence of a text with its line breaks folded, at most ``limit`` characters.

    For a migration's multi-line Context where a table cell has room for one line.
    """
    if value is None:
        return ""
    text = " ".join(str(value).split())
    end = _SENTENCE_END.search(text)
    if end is not None:
        text = text[: end.start()]
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
        text = cut + "\u2026"
    return text


_BACKTICKS = re.compile(r"`+")
_CONTROLS = {i: " " for i in range(32)}
_ANY_CONTROL = re.compile("[\x00-\x1f]")


def code(value: object) -> Markup:
    """An inline code span; backticks inside are handled with a longer fence."""
    text = str(value)
    if _ANY_CONTROL.search(text):  # rare: a search is far cheaper than translating every text
        text = text.translate(_CONTROLS)
    if not text:
        return Markup("")
    longest = max(map(len, _BACKTICKS.findall(text)), default=0) if "`" in text else 0
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def fenced(value: str, lang: str = "") -> Markup:
    """A fenced code block that no backtick run inside can close early."""
    longest = max(map(len, _BACKTICKS.findall(value)), default=0)
    fence = "`" * max(3, longest + 1)
    body = value.rstrip("\n")
    return Markup(f"{fence}{lang}\n{body}\n{fence}")
