"""Migration ids and ADR numbers written in text, turned into links.

A team writes "Superseded by ADR-014", "see 20240220150000_create_legacy_user_mapping"
or "migrations/20240301090000_split_users_table/PLAN.md" in its ADRs, its
migration documents and its migration headers. On the wiki each becomes a link
to that ADR's or migration's page; a name that matches nothing stays text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from markupsafe import Markup

from ..join.wiki import find_migration
from ..model import Adr, Migration, Wiki
from . import escape, paths
from .reports import path_code

#: ``ADR-015``, ``ADR 0013``, ``ADR_7``: the word ADR, then the number.
_ADR = r"(?P<adr>\bADR[- _]?(?P<number>\d{1,7})\b)"
#: A migration id (``20240220150000_create_legacy_user_mapping``), alone or in a path
#: (``migrations/<id>/PLAN.md``, ``<id>.sql``).
_MIGRATION = r"(?P<migration>(?<![\w/.-])(?:[\w.-]+/)*(?P<id>\d{8,14}_\w+)(?:\.sql)?(?:/[\w.-]+)?)"
#: What is left alone in Markdown: code spans (unless one is a whole mention), links,
#: images, autolinks and HTML tags.
_PROTECTED = (
    r"(?P<code>(?P<ticks>`+)(?P<inner>.+?)(?<!`)(?P=ticks)(?!`))"
    r"|(?P<link>!?\[[^\]\n]*\]\([^)\n]*\))"
    r"|(?P<tag><[^>\n]*>)"
)
_MARKDOWN = re.compile(f"{_PROTECTED}|{_ADR}|{_MIGRATION}")
_PLAIN = re.compile(f"{_ADR}|{_MIGRATION}")
_WHOLE = re.compile(f"^(?:{_ADR}|{_MIGRATION})$")
_SKIP_LINE = re.compile(r"^\s*(?:#|\[[^\]]+\]:)")


class Mentions:
    """Links for the ADRs and migrations one page's text names.

    ``source`` is the file the text comes from (an ADR does not link to itself);
    ``here`` maps a migration document's path to its section on this page.
    """

    def __init__(
        self,
        wiki: Wiki,
        url: Callable[[str, str | None], str],
        *,
        source: str | None = None,
        here: dict[str, str] | None = None,
    ) -> None:
        self.wiki = wiki
        self.url = url
        self.source = source
        self.here = here or {}
        self.by_number: dict[int, Adr] = {}
        for adr in wiki.adrs:
            if adr.number is not None:
                self.by_number.setdefault(adr.number, adr)

    # --- targets ---------------------------------------------------------------------

    def target(self, m: re.Match[str]) -> str | None:
        """The URL a mention points at, or None when it names nothing."""
        if m.group("adr"):
            adr = self.by_number.get(int(m.group("number")))
            if adr is None or adr.path == self.source:
                return None
            return self.url(paths.adr_page(adr.id), None)
        migration = self.migration(m.group("id"))
        if migration is None:
            return None
        token = m.group("migration")
        document = token.rsplit("/", 1)[-1] if "/" in token.split(m.group("id"), 1)[1] else ""
        path = f"{migration.path}/{document}"
        if document and path in self.here:
            return "#" + self.here[path]
        from .views import document_anchor

        anchor = document_anchor(document) if document in migration.documents else None
        return self.url(paths.migration_page(migration.id), anchor)

    def migration(self, text: str) -> Migration | None:
        found = find_migration(self.wiki, text)
        # find_migration also matches on a shared prefix; a mention must name the id.
        if found is None or not (text == found.id or text.startswith(found.id)):
            return None
        return found

    # --- Markdown -------------------------------------------------------------------

    def markdown(self, line: str) -> str:
        """One line of a team's Markdown with its mentions linked."""
        if not ("ADR" in line or any(ch.isdigit() for ch in line)) or _SKIP_LINE.match(line):
            return line
        return _MARKDOWN.sub(self._markdown_sub, line)

    def _markdown_sub(self, m: re.Match[str]) -> str:
        if m.group("link") or m.group("tag"):
            return m.group(0)
        if m.group("code"):
            whole = _WHOLE.match(m.group("inner").strip())
            url = self.target(whole) if whole else None
            return f"[{m.group(0)}]({url})" if url else m.group(0)
        url = self.target(m)
        return f"[{escape.md(m.group(0))}]({url})" if url else m.group(0)

    # --- plain text (headers) --------------------------------------------------------

    def inline(self, text: str) -> Markup:
        """Plain text, escaped, with its mentions linked; line breaks kept as ``<br>``."""
        lines = [line.strip() for line in text.split("\n")]
        return Markup("<br>").join(self._plain(line) for line in lines if line)

    def block(self, text: str) -> Markup:
        """Plain multi-line text as paragraphs (like `escape.block`), mentions linked."""
        paragraphs: list[list[Markup]] = [[]]
        for line in text.replace("\r\n", "\n").split("\n"):
            line = line.strip()
            if not line:
                if paragraphs[-1]:
                    paragraphs.append([])
                continue
            paragraphs[-1].append(self._plain(line))
        return Markup("\n\n").join(Markup("\n").join(p) for p in paragraphs if p)

    def _plain(self, line: str) -> Markup:
        out: list[Markup] = []
        last = 0
        for m in _PLAIN.finditer(line):
            url = self.target(m)
            if url is None:
                continue
            if m.start() > last:
                out.append(self._text(line[last : m.start()], after_link=last > 0))
            out.append(Markup("[{}]({})").format(escape.md(m.group(0)), Markup(url)))
            last = m.end()
        if last < len(line):
            out.append(self._text(line[last:], after_link=last > 0))
        return Markup("").join(out)

    @staticmethod
    def _text(text: str, *, after_link: bool) -> Markup:
        # `escape.md` strips a leading space: keep the one between a link and the text.
        if after_link and text.startswith(" "):
            return Markup(" ") + escape.md(text)
        return escape.md(text)


def migration_facts(
    wiki: Wiki,
    migration: Migration,
    mentions: Mentions,
    adr_link: Callable[[str], Markup],
    *,
    related: Sequence[Markup] | None = None,
    ticket: Callable[[str], Markup] | None = None,
) -> list[tuple[str, Markup]]:
    """The rows of a migration page's facts table, each fact once.

    The title is the page's heading and the context its own section, so neither
    is a row; related migrations and the decisions are links; ids written in
    other fields (Dependencies) are linked too. ``related``, when given, is the
    related migrations both ways (those this header names and those naming
    it); ``ticket`` links a Ticket field (URLs, ``ticket_url``).
    """
    rows: list[tuple[str, Markup]] = [
        ("Id", escape.code(migration.id)),
        (
            "Directory" if migration.documents or len(migration.files) > 1 else "File",
            path_code(migration.path),
        ),
    ]
    related_key = "Related migrations"
    for key, field in migration.header.fields.items():
        if key in ("migration", "context", "adr") or not field.value:
            continue
        if key.startswith("related") and related is not None:
            related_key = field.key
        elif key.startswith("related") and field.items:
            rows.append(
                (field.key, Markup("<br>").join(_related(mentions, item) for item in field.items))
            )
        elif key == "ticket" and ticket is not None:
            rows.append((field.key, ticket(field.value)))
        else:
            rows.append((field.key, mentions.inline(field.value)))
    if related:
        rows.append((related_key, Markup("<br>").join(related)))
    decisions = [adr_link(adr_id) for adr_id in wiki.migration_adrs.get(migration.id, [])]
    adr_field = migration.header.get("adr")
    if adr_field is not None:
        # A number that names no ADR: as written (the dangling-reference finding says so).
        for item in adr_field.items or (adr_field.value,):
            if item.strip() and _number(item) not in mentions.by_number:
                decisions.append(escape.md(item))
    if decisions:
        rows.append(("Decisions", Markup("<br>").join(decisions)))
    return rows


def _number(text: str) -> int:
    m = re.search(r"\d+", text)
    return int(m.group(0)) if m else -1


def _related(mentions: Mentions, item: str) -> Markup:
    """A related migration: its link by date and title, else the text as written."""
    text = item.strip().removeprefix("- ").strip()
    key = text.rsplit("/", 1)[-1].removesuffix(".sql")
    migration = mentions.migration(key)
    if migration is None:
        return mentions.inline(text)
    when = migration.date.isoformat() if migration.date else "undated"
    url = mentions.url(paths.migration_page(migration.id), None)
    return Markup("[{} &middot; {}]({})").format(when, escape.md(migration.title), Markup(url))
