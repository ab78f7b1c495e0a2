"""Escaping text for Markdown that Python-Markdown turns into HTML.

Anything from a database comment, a header field or front matter goes through
here. Characters that HTML or Markdown would interpret become numeric
character references, which Python-Markdown passes through untouched and
browsers (and the search index) read back as the plain character. That keeps
text literal whatever Markdown extensions a site enables.
"""

from __future__ import annotations

import re

from markupsafe import Markup

_SPECIAL = "\\`*_{}[]()#+-.!|<>&\"'~^=:$%@"
_TABLE = {ord(c): f"&#{ord(c)};" for c in _SPECIAL}
# Control characters other than tab and newline have no business in a page.
_TABLE.update({i: " " for i in range(32) if i not in (9, 10)})
_TABLE[0x7F] = " "


def md(value: object) -> Markup:
    """Inline text: every special character escaped, line breaks folded to spaces."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    text = str(value).translate(_TABLE)
    return Markup(" ".join(text.split("\n")).replace("\t", " "))


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


def code(value: object) -> Markup:
    """An inline code span; backticks inside are handled with a longer fence."""
    text = " ".join(str(value).split("\n"))
    text = text.translate({i: " " for i in range(32)})
    if not text:
        return Markup("")
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def fenced(value: str, lang: str = "") -> Markup:
    """A fenced code block that no backtick run inside can close early."""
    longest = run = 0
    for ch in value:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    body = value.rstrip("\n")
    return Markup(f"{fence}{lang}\n{body}\n{fence}")
