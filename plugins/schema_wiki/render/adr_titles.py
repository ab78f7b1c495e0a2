"""What an ADR is called: its number as the team writes it, and its page title.

A team that titles its decisions ``# ADR-015: Split users table`` calls it
ADR-015, not ADR-0015; one whose files are ``0013-migrate-....md`` with a
plain ``# Migrate ...`` title calls it ADR-0013. The wiki uses the same name
in page titles, links, the decision log and search.
"""

from __future__ import annotations

import functools
import re

from ..model import Adr

_FENCE = re.compile(r"^\s*(```|~~~)")
_H1 = re.compile(r"^#\s+\S")
#: ``ADR-015: ...``, ``ADR 15. ...``, ``adr_0015 - ...`` at the start of a title.
_WRITTEN = re.compile(r"^\s*ADR[-\s_]?(\d+)\b", re.IGNORECASE)
#: Digits that start a title and end in a separator: ``6. Title``.
_BARE = re.compile(r"^\s*(\d+)\s*[:.\-\u2013]")
#: A file name's number: ``0013-slug``, ``adr-15``, ``ADR_0007.md``; not a log4brains date.
_STEM = re.compile(r"^(?:adr[-_]?)?(\d{1,7})(?:[-_.\s]|$)", re.IGNORECASE)


def heading_index(body: str) -> int:
    """The line index of a body's title (its first ``# `` heading outside code), or -1."""
    fenced = False
    for index, line in enumerate(body.split("\n")):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _H1.match(line):
            return index
    return -1


def without_heading(body: str) -> str:
    """The body with its title line taken out (the page prints the title first)."""
    index = heading_index(body)
    if index < 0:
        return body
    lines = body.split("\n")
    del lines[index]
    return "\n".join(lines)


def label(adr: Adr) -> str:
    """``ADR-015`` as the title writes it, else ``ADR-0013`` as the file name does,
    else the number; the id for an ADR without a number."""
    index = heading_index(adr.body) if adr.body else -1
    heading = adr.body.split("\n")[index][1:].strip() if index >= 0 else ""
    return _label(adr.id, heading, adr.number)


@functools.lru_cache(maxsize=16384)
def _label(adr_id: str, heading: str, number: int | None) -> str:
    if number is None:
        return adr_id
    for pattern, text in ((_WRITTEN, heading), (_STEM, adr_id), (_BARE, heading)):
        m = pattern.match(text)
        if m and int(m.group(1)) == number:
            return f"ADR-{m.group(1)}"
    return f"ADR-{number:04d}"


def page_title(adr: Adr) -> str:
    """``ADR-015: Split users table into users and user_profiles``."""
    name = label(adr)
    return f"{name}: {adr.title}" if adr.number is not None and name != adr.title else adr.title
