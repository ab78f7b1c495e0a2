"""A migration header's ``Ticket:`` as links.

A ticket written as a URL (``https://tracker.example.com/browse/BILL-7``) links to
itself. With ``ticket_url: "https://tracker.example.com/browse/{ticket}"`` in
mkdocs.yml, ticket ids (``PROJ-1234``, ``#123``) link there too. Everything
else stays text, escaped.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markupsafe import Markup

from . import escape

__all__ = ["PLACEHOLDER", "ticket_links", "ticket_url_problem"]

#: Where the id goes in ``ticket_url``.
PLACEHOLDER = "{ticket}"

_URL = r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]]"
#: ``PROJ-1234`` (Jira, Linear, YouTrack), ``#123`` (GitHub, GitLab).
_ID = r"(?<![\w/#.-])(?:[A-Za-z][A-Za-z0-9_]*-\d+|#\d+)(?![\w-])"
_TOKEN = re.compile(rf"(?P<url>{_URL})|(?P<id>{_ID})")
#: Characters left as they are in a URL; every other is percent-encoded, so a URL from
#: a file can end neither a Markdown link (``)``, spaces) nor a table cell (``|``).
_SAFE = ":/?#[]@!$&*+,;=%~.-_"


def _href(url: str) -> str:
    return quote(url, safe=_SAFE)


def ticket_links(text: str | None, template: str | None = None) -> Markup:
    """``text`` escaped for Markdown, with its URLs and (given ``template``) ticket ids
    as links. A value that is one bare number is an id too."""
    if not text:
        return Markup("")
    value = text.strip()
    if template and value.isdigit():
        return _link(value, template.replace(PLACEHOLDER, quote(value, safe="")))
    out: list[Markup] = []
    last = 0
    for m in _TOKEN.finditer(value):
        if m.start() < last or (m.group("id") and not template):
            continue
        out.append(_text(value[last : m.start()], after=last > 0))
        end = m.end()
        if m.group("url"):
            url = m.group("url")
            if url.count("(") > url.count(")") and value[end : end + 1] == ")":
                url, end = url + ")", end + 1  # https://en.wikipedia.org/wiki/A_(b)
            out.append(_link(url, url))
        elif template is not None:
            ticket = m.group("id").lstrip("#")
            out.append(_link(m.group("id"), template.replace(PLACEHOLDER, quote(ticket, safe=""))))
        last = end
    out.append(_text(value[last:], after=last > 0))
    return Markup("").join(out)


def _text(text: str, *, after: bool) -> Markup:
    if not text:
        return Markup("")
    # `escape.md` strips a leading space: keep the one between a link and the text.
    lead = " " if after and text[:1].isspace() else ""
    return Markup(lead) + escape.md(text)


def _link(label: str, url: str) -> Markup:
    return Markup("[{}]({})").format(escape.md(label), Markup(_href(url)))


def ticket_url_problem(value: str) -> str | None:
    """What is wrong with a ``ticket_url:`` setting, or None."""
    if PLACEHOLDER not in value:
        return (
            f"ticket_url: {value!r} has no {PLACEHOLDER} for the ticket id;"
            ' write it like "https://tracker.example.com/browse/{ticket}"'
        )
    if not re.match(r"https?://[^\s/]", value):
        return f"ticket_url: {value!r} is not an http(s) URL"
    return None
