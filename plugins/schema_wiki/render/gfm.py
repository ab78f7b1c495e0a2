"""GitHub-flavoured Markdown rewritten into the Markdown that Python-Markdown reads alike.

Teams write their ADRs and a migration's README / PLAN / ROLLBACK for GitHub,
whose renderer (cmark-gfm, CommonMark) differs from Python-Markdown, which
MkDocs uses, in ways that turn a decision into run-on text:

* a list straight after a paragraph line (``Positive:`` then ``- item``)
  starts a list on GitHub; Python-Markdown keeps it in the paragraph;
* a nested list or a list item's second paragraph indented by the width of
  its parent's marker (two spaces under ``-``, three under ``1.``) nests on
  GitHub; Python-Markdown wants four spaces and flattens it;
* a code fence or a table straight after a paragraph line;
* a bare ``https://`` address is a link; ``~~text~~`` is struck out;
  ``- [ ]`` and ``- [x]`` are check boxes; a line ending in ``\\`` breaks;
* ``> [!NOTE]`` (and TIP, IMPORTANT, WARNING, CAUTION) is an alert box;
* ``#word`` at the start of a line is text, not a heading;
* ``1)`` numbers a list as ``1.`` does.

`to_python_markdown` rewrites those, and only those, into what
Python-Markdown renders the same way (blank lines, four-space indents,
``<https://...>``, ``<del>``, disabled check boxes, admonitions). It is
applied to the team's documents alone, not to a site's other pages, so a
site keeps its own Markdown rules. Code (fenced, indented, inline) is never
changed. `tests/test_gfm.py` compares the result with GitHub's own renderer
on real ADRs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,})(.*)$")
#: A list item marker and what follows it: bullet, or up to nine digits then ``.`` or ``)``.
_ITEM = re.compile(r"^([*+-]|\d{1,9}[.)])(?:( +)(.*)|$)")
_THEMATIC_BREAK = re.compile(r"^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_TABLE_DELIMITER = re.compile(r"^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_ALERT = re.compile(r"^>\s?\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$", re.IGNORECASE)
_ALERT_KINDS = {
    "NOTE": ("note", "Note"),
    "TIP": ("tip", "Tip"),
    "IMPORTANT": ("info", "Important"),
    "WARNING": ("warning", "Warning"),
    "CAUTION": ("danger", "Caution"),
}
_HASH_WORD = re.compile(r"^(#{1,6})(?=[^#\s])")
_ATX = re.compile(r"^#{1,6}(?:\s|$)")
_REFERENCE_DEFINITION = re.compile(r"^\[[^\]]+\]:\s")
_TASK = re.compile(r"^\[([ xX])\](?=\s)")
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
#: A bare address: not a link's target (after ``](``) or text (after ``[``), an autolink
#: (after ``<``), an attribute (after a quote or ``=``), nor inside a word.
_BARE_URL = re.compile(r"(?<![<\[\"'=/\w])(?<!\]\()https?://[^\s<>`]+")
_STRIKE = re.compile(r"(?<!~)~~(?=\S)(.+?)(?<=\S)~~(?!~)")


@dataclass
class _Item:
    """An open list item: where its content starts in the source and in the output."""

    content: int
    out: int


@dataclass
class _Fence:
    char: str
    length: int
    #: Columns added to (or, negative, removed from) every line inside the fence.
    shift: int


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _shifted(line: str, shift: int) -> str:
    if shift >= 0:
        return " " * shift + line if line.strip() else line
    cut = min(-shift, _indent_of(line))
    return line[cut:]


def _inline(text: str) -> str:
    """Inline rewrites outside code spans: bare addresses, strike-through."""
    if "http" not in text and "~~" not in text:
        return text
    out: list[str] = []
    last = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_inline_plain(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_inline_plain(text[last:]))
    return "".join(out)


def _inline_plain(text: str) -> str:
    text = _STRIKE.sub(r"<del>\1</del>", text)
    return _BARE_URL.sub(_autolink, text)


def _autolink(m: re.Match[str]) -> str:
    url = m.group(0)
    # GitHub leaves trailing punctuation out, and a closing parenthesis with no opening one.
    trail = ""
    while (url and url[-1] in "?!.,:;*_~'\"") or (
        url.endswith(")") and url.count(")") > url.count("(")
    ):
        trail = url[-1] + trail
        url = url[:-1]
    if url.endswith("://") or not url:
        return m.group(0)
    return f"<{url}>{trail}"


def _break(line: str, next_line: str | None) -> str:
    """A line ending in one backslash breaks the line on GitHub: two spaces here."""
    stripped = line.rstrip(" ")
    if (
        stripped.endswith("\\")
        and not stripped.endswith("\\\\")
        and next_line is not None
        and next_line.strip()
    ):
        return stripped[:-1] + "  "
    return line


def to_python_markdown(text: str, link: Callable[[str], str] | None = None) -> str:
    """Rewrite GitHub-flavoured Markdown so Python-Markdown renders it as GitHub does.

    ``link`` rewrites the text of each line outside code (it gets the whole line's
    text, code spans included): `mentions.Mentions.markdown` links ids there.
    """
    return _Rewriter(text, link).run()


class _Rewriter:
    """One pass over the lines, keeping the open list items, fence and code block."""

    def __init__(self, text: str, link: Callable[[str], str] | None) -> None:
        self.link = link
        self.lines = [
            line.expandtabs(4)
            for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        ]
        self.out: list[str] = []
        self.items: list[_Item] = []
        self.fence: _Fence | None = None
        #: The previous line: blank, paragraph (text a following line may continue),
        #: item (a list item's first line), fence (a fence's end) or other.
        self.previous = "blank"
        self.in_code = False  # an indented code block outside lists
        self.alert = False  # inside a `> [!NOTE]` alert, written as an admonition
        #: Output indent of the block (lines since the last blank one) when it started
        #: as an indented continuation of a list item, which Python-Markdown then reads
        #: to its end as part of that item.
        self.block_indent: int | None = None

    def inline(self, text: str) -> str:
        return _inline(self.link(text) if self.link is not None else text)

    def run(self) -> str:
        for index, line in enumerate(self.lines):
            following = self.lines[index + 1] if index + 1 < len(self.lines) else None
            self.line(line, following)
        return "\n".join(self.out)

    def emit(self, line: str, kind: str) -> None:
        if self.previous == "blank" or kind == "blank":
            indent = _indent_of(line)
            self.block_indent = indent if kind == "paragraph" and indent else None
        self.out.append(line)
        self.previous = kind

    def line(self, line: str, following: str | None) -> None:
        if self.fence is not None:
            self.in_fence(line)
            return
        if not line.strip():
            self.alert = False
            self.emit("", "blank")
            return
        indent = _indent_of(line)
        body = line[indent:]
        if self.alert:
            if body.startswith(">"):
                quoted = body[1:].removeprefix(" ")
                self.out.append("    " + self.inline(quoted) if quoted.strip() else "")
                return
            self.alert = False
            self.emit("", "blank")
        if self.in_code:
            if indent >= 4:
                self.out.append(line)
                return
            self.in_code = False
        if self.items and self.in_list(indent, body, following):
            return
        self.outside(line, indent, body, following)

    def in_fence(self, line: str) -> None:
        fence = self.fence
        assert fence is not None
        body = line.lstrip(" ")
        self.out.append(_shifted(line, fence.shift))
        if body.startswith(fence.char * fence.length) and not body.strip().strip(fence.char):
            self.fence = None
            self.previous = "fence"

    def open_fence(self, match: re.Match[str], indent: int, new_indent: int) -> None:
        if self.previous not in ("blank", "fence"):
            self.out.append("")
        self.fence = _Fence(match.group(1)[0], len(match.group(1)), new_indent - indent)
        self.out.append(" " * new_indent + match.group(0))

    def in_list(self, indent: int, body: str, following: str | None) -> bool:
        """Write a line inside a list; False when the list ended before it."""
        items = self.items
        item = _ITEM.match(body)
        if item and not _THEMATIC_BREAK.match(body) and indent < items[-1].content + 4:
            # A sibling of the first open item whose content starts right of it, else a
            # child of the item before that one.
            while items and indent < items[-1].content:
                items.pop()
            text = self.item_line(item, indent)
            if self.previous == "fence" or (
                self.block_indent is not None and _indent_of(text) < self.block_indent
            ):
                self.emit("", "blank")
            self.emit(text, "item")
            return True
        owner = next((it for it in reversed(items) if indent >= it.content), None)
        if owner is None and body.startswith("<!--"):
            items.clear()  # an HTML comment ends a list on GitHub, blank line or not
            return False
        if owner is None:
            if self.previous == "blank":
                items.clear()  # the list ended: this line starts a block of its own
                return False
            owner = items[-1]  # a lazy continuation of the last item's paragraph
        elif self.previous == "blank":
            del items[items.index(owner) + 1 :]
        else:
            owner = items[-1]
        new_indent = owner.out + max(0, indent - owner.content)
        fence = _FENCE_OPEN.match(body)
        if fence:
            self.open_fence(fence, indent, new_indent)
            return True
        if self.previous == "fence":
            self.out.append("")
        self.emit(" " * new_indent + self.inline(_break(body, following)), "paragraph")
        return True

    def outside(self, line: str, indent: int, body: str, following: str | None) -> None:
        previous = self.previous
        if indent >= 4:
            if previous == "paragraph":
                # A paragraph's continuation line: GitHub ignores the indent.
                self.emit(self.inline(_break(line, following)), "paragraph")
            else:
                self.in_code = True
                self.emit(line, "other")
            return
        fence = _FENCE_OPEN.match(body)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            self.open_fence(fence, indent, 0)
            return
        if previous == "fence":
            self.out.append("")
        alert = _ALERT.match(body)
        if alert and previous != "paragraph":
            kind, title = _ALERT_KINDS[alert.group(1).upper()]
            self.alert = True
            self.emit(f'!!! {kind} "{title}"', "other")
            return
        item = _ITEM.match(body)
        if item and not _THEMATIC_BREAK.match(body):
            content = (item.group(3) or "").strip()
            ordered = item.group(1)[0].isdigit()
            interrupts = bool(content) and (not ordered or int(item.group(1)[:-1]) == 1)
            if previous != "paragraph" or interrupts:
                if previous == "paragraph":
                    self.out.append("")
                self.emit(self.item_line(item, indent), "item")
                return
        if previous == "paragraph" and _is_table_header(body, following):
            self.out.append("")
        if _ATX.match(body) or _REFERENCE_DEFINITION.match(body):
            self.emit(line, "other")
            return
        if _is_table_header(body, following) or (previous == "other" and body.startswith("|")):
            self.emit(self.inline(line), "other")
            return
        if _HASH_WORD.match(body):
            line = " " * indent + "\\" + body
        kind = "other" if body.startswith(("<", ">")) else "paragraph"
        self.emit(self.inline(_break(line, following)), kind)

    def item_line(self, item: re.Match[str], indent: int) -> str:
        """One list item line at Python-Markdown's indent; opens the item."""
        out_indent = self.items[-1].out if self.items else 0
        marker = item.group(1)
        if marker[-1] == ")":
            marker = marker[:-1] + "."
        spaces = len(item.group(2) or "")
        width = len(item.group(1)) + (spaces if 0 < spaces <= 4 else 1)
        self.items.append(_Item(content=indent + width, out=out_indent + 4))
        content = item.group(3) or ""
        task = _TASK.match(content)
        if task:
            checked = " checked" if task.group(1) in "xX" else ""
            content = f'<input type="checkbox" disabled{checked}>' + content[3:]
        return " " * out_indent + f"{marker} {self.inline(content)}".rstrip()


def _is_table_header(body: str, following: str | None) -> bool:
    return (
        following is not None
        and "|" in body
        and "|" in following
        and _TABLE_DELIMITER.match(following.strip()) is not None
    )
