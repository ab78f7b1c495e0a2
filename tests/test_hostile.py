"""Hostile text: whatever a comment, a header or front matter says, it shows as text.

The fixture project ``tests/fixtures/hostile`` puts HTML and script, ``javascript:``
links, Markdown that would break a table (``|``, line breaks, fences, an HTML
comment that never closes) and template syntax (``{{ }}``, ``{% %}``) into:

* the database: table, column, index, view and enum names, ``COMMENT ON`` text,
  defaults and check constraints;
* migration header fields (Migration, Author, Ticket, Owner, Reviewers,
  Context, Expected lifespan, Dependencies, Related migrations);
* ADR front matter (decision-makers, consulted, informed, tags, tables,
  columns, migrations, supersedes, status) and an ADR title;
* names an ADR refers to, in its front matter and its text.

It is built for real (``mkdocs build``) and every page is parsed: no element
or attribute the text could have injected exists, and each text appears
literally where the wiki shows it.

ADR bodies and a migration's README / PLAN / ROLLBACK documents are the
team's own Markdown, rendered like any page in ``docs/`` (raw HTML allowed, as
MkDocs allows it): the last tests pin that choice down.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import FIXTURES, run
from schema_wiki.render import paths

HOSTILE = FIXTURES / "hostile"

TABLE = "<img src=x onerror=alert('table')>"
VIEW = "</title><svg onload=alert('view')>"

#: Elements that text must never become inside a page's content.
_FORBIDDEN_IN_CONTENT = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "img",
        "svg",
        "math",
        "base",
        "meta",
        "link",
        "form",
        "details",
        "video",
        "audio",
        "source",
        "marquee",
        "template",
        "noscript",
        "title",
        "textarea",
        "button",
        "select",
    }
)
#: Attributes holding a URL a browser may follow or load.
_URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "poster",
        "background",
        "srcset",
        "ping",
        "cite",
        "longdesc",
        "xlink:href",
    }
)
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg")


def _scheme(value: str) -> str:
    """A URL as a browser reads its scheme: controls and spaces dropped, lower case."""
    return "".join(ch for ch in value if ord(ch) > 0x20).lower()


class _PageScan(HTMLParser):
    """Injected elements and attributes on one page, and the page's text.

    ``convert_charrefs`` (the default) decodes entities, so ``&#60;`` in the
    page is ``<`` in the text: the text is what a reader sees.
    """

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.text: list[str] = []
        self.content_depth = 0  # >0 inside <article>, the page's content
        self.raw: str | None = None  # the element whose raw text (script, style) we are in
        self.classes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = "content" if self.content_depth else "page"
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> ({where})")
            if name in _URL_ATTRIBUTES and value and _scheme(value).startswith(_BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}> ({where})")
            if name == "class" and value:
                self.classes.update(value.split())
        if self.content_depth and tag in _FORBIDDEN_IN_CONTENT:
            self.problems.append(f"<{tag}> inside the content")
        if tag == "article":
            self.content_depth += 1
        if tag in ("script", "style"):
            self.raw = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.raw = None
        if tag == "article":
            self.content_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.content_depth:
            self.content_depth -= 1
        if tag == self.raw:
            self.raw = None

    def handle_data(self, data: str) -> None:
        if self.raw is not None:
            # Theme scripts and the wiki's own CSS are fine; text that got in is not.
            if "alert(" in data or "body{display:none}" in data.replace(" ", ""):
                self.problems.append(f"<{self.raw}> holding {data.strip()[:60]!r}")
            return
        self.text.append(data)


@dataclass
class Page:
    path: str
    problems: list[str]
    text: str
    classes: set[str] = field(default_factory=set)

    def shows(self, literal: str) -> bool:
        """Whether the page's text holds ``literal`` (whitespace runs compared as one space)."""
        return " ".join(literal.split()) in self.text


@dataclass
class Site:
    root: Path
    pages: dict[str, Page]
    log: str
    check: str

    def page(self, src_uri: str) -> Page:
        """The built page of a source path under docs/ (``schema/public/x.md``)."""
        html = src_uri.removesuffix(".md") + "/index.html"
        if src_uri.endswith("index.md"):
            html = src_uri.removesuffix(".md") + ".html"
        return self.pages[html]


def _scan(file: Path, rel: str) -> Page:
    parser = _PageScan()
    parser.feed(file.read_text(encoding="utf-8"))
    parser.close()
    text = " ".join("".join(parser.text).split())
    return Page(rel, parser.problems, text, parser.classes)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    project = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(HOSTILE, project)
    result = run(["mkdocs", "build", "-d", "site"], project)
    assert result.returncode == 0, result.stderr
    root = project / "site"
    pages = {
        f.relative_to(root).as_posix(): _scan(f, f.relative_to(root).as_posix())
        for f in root.rglob("*.html")
    }
    check = run(["schema-wiki", "check"], project)
    assert check.returncode == 0, check.stderr
    return Site(root, pages, result.stdout + result.stderr, check.stdout + check.stderr)


def test_the_scan_sees_injection() -> None:
    """The scanner itself: it flags what a browser would run, and reads entities as text."""
    parser = _PageScan()
    parser.feed(
        "<title>x</title><script>alert(1)</script><article><p>&#60;b&#62;</p>"
        '<img src=x onerror="y"><a href=" JaVa&#x09;script:z">l</a><svg/onload=alert(2)>'
        "</article>"
    )
    assert len(parser.problems) == 6, parser.problems
    assert "<b>" in "".join(parser.text)


def test_the_hostile_project_builds_every_page(site: Site) -> None:
    for src in (
        paths.table_page("public", TABLE),
        paths.table_page("public", "things"),
        paths.table_page("public", VIEW),
        paths.migration_page("20240101090000_create_things"),
        paths.migration_page("20240201090000_document_things"),
        paths.adr_page("0001-hostile-front-matter"),
        paths.adr_page("0002-hostile-title"),
        paths.SCHEMA_INDEX,
        paths.MIGRATIONS_INDEX,
        paths.ADRS_INDEX,
        paths.HEALTH,
        paths.TABLES_AZ,
    ):
        assert site.page(src).text, src


def test_no_page_has_an_injected_element_or_attribute(site: Site) -> None:
    assert len(site.pages) > 10
    problems = {path: page.problems for path, page in site.pages.items() if page.problems}
    assert problems == {}


def test_the_title_bar_cannot_be_broken_out_of(site: Site) -> None:
    # mkdocs-material prints a page title through `striptags`, which decodes
    # entities: a title with </title> in it must still arrive encoded.
    for src, shown in (
        (paths.table_page("public", VIEW), VIEW),
        (
            paths.migration_page("20240201090000_document_things"),
            'Document the things </title><script>alert("title-breakout")</script>',
        ),
    ):
        html = (site.root / site.page(src).path).read_text(encoding="utf-8")
        head = html.split("</head>", 1)[0]
        assert "<script>alert" not in head and "<svg onload" not in head, src
        assert site.page(src).shows(shown)


#: What each page must show literally (after entity decoding), by source path.
_EXPECTED: dict[str, list[str]] = {
    paths.table_page("public", TABLE): [
        TABLE,
        # COMMENT ON TABLE, every line of it
        '<script>alert("table-comment")</script>',
        "second line | with | pipes",
        "{{ 7*7 }} {% raw %}",
        "<!-- unclosed",
        # column names
        "<script>alert('column')</script>",
        "a|b||c",
        "{{ 7*7 }}",
        "[x](javascript:alert('colname'))",
        # COMMENT ON COLUMN
        'A column named like a script: <img src=x onerror=alert("column-comment")>',
        "| cell | breaker |",
        '[link](javascript:alert("cell"))',
        "<style>body{display:none}</style>",
        "indented code?",
        "# heading?",
        # a default, a check constraint, an index
        "'<b onmouseover=alert(\"default\")>x</b>'::text",
        'CHECK ("a|b||c" <> \'<script>alert("check")</script>\'::text)',
        "<i onclick=alert('index')>",
        # the introducing migration's header, as the table shows it
        '<script>alert("migration-title")</script> {{ 7*7 }}',
        '<img src=x onerror=alert("author")> | Mallory ||',
        '[PROJ-1](javascript:alert("ticket"))',
    ],
    paths.table_page("public", "things"): [
        '{{ config.site_name }} {% include "base.html" %} {{ 7*7 }}',
        '![img](javascript:alert("note")) <javascript:alert("auto")> &lt;b&gt;',
    ],
    paths.table_page("public", VIEW): [
        VIEW,
        "`` code `` and ``` fence",
        '</code></pre><script>alert("view")</script>',
        "<label>",
    ],
    paths.migration_page("20240101090000_create_things"): [
        '<script>alert("migration-title")</script> {{ 7*7 }}',
        '<img src=x onerror=alert("author")> | Mallory ||',
        '[PROJ-1](javascript:alert("ticket"))',
        "<a href=\"javascript:alert('owner')\">owner-link</a>",
        '{{ config.site_name }}, {% include "base.html" %}',
        "<iframe src=\"javascript:alert('context')\"></iframe>",
        "| not | a | table |",
        "|-----|---|-------|",
        "{% for x in range(3) %}loop{% endfor %} and {# a comment #}",
        "``` fence that never closes",
        "<!-- an HTML comment that never closes",
        "[ref-link][evil] and {: onclick=\"alert('attr')\" }",
        "[evil]: javascript:alert('refdef')",
        '<svg/onload=alert("lifespan")>',
        '<details open ontoggle=alert("deps")>',
        "<a href=\"javascript:alert('related')\">related-link</a>",
    ],
    paths.migration_page("20240201090000_document_things"): [
        'Document the things </title><script>alert("title-breakout")</script>',
        # the README is Markdown, but template syntax in it is not evaluated
        "Template syntax in it stays text: {{ 7*7 }} and {% raw %} are not evaluated.",
    ],
    paths.adr_page("0001-hostile-front-matter"): [
        '<img src=x onerror=alert("decider")>',
        "[Mallory](javascript:alert('decider-link'))",
        "{{ 7*7 }}, {% include 'base.html' %}",
        "a | b || c, <!-- unclosed",
        "<b onmouseover=alert('tag')>tag</b>",
        TABLE,
        f"{TABLE}.a|b||c",
        "<script>alert('supersedes')</script> (no such ADR)",
        "<script>alert('no-such-table')</script> names no table or column",
        "things.{{ 7*7 }} names no table or column",
    ],
    paths.adr_page("0002-hostile-title"): [
        "status \"<script>alert('status')</script>\" is not one of",
        "<script>alert('body-ref')</script>.x",
        "Template syntax stays text: {{ 7*7 }} {% raw %}",
    ],
    paths.ADRS_INDEX: [
        'Show `<img src=x onerror=alert("adr-title")>` | as text {{ 7*7 }}',
        TABLE,
    ],
    paths.SCHEMA_INDEX: [TABLE, VIEW],
    paths.TABLES_AZ: [TABLE, VIEW],
    paths.MIGRATIONS_INDEX: [
        '<script>alert("migration-title")</script> {{ 7*7 }}',
        '<img src=x onerror=alert("author")> | Mallory ||',
    ],
    paths.HEALTH: ["<script>alert('no-such-table')</script>", TABLE],
}


@pytest.mark.parametrize("src", sorted(_EXPECTED))
def test_hostile_text_appears_literally(site: Site, src: str) -> None:
    page = site.page(src)
    missing = [text for text in _EXPECTED[src] if not page.shows(text)]
    assert missing == [], f"{page.path} does not show these literally"


def test_the_build_log_shows_names_as_text(site: Site) -> None:
    # Findings name hostile tables and references in the log, unchanged and on one line.
    assert "<script>alert('no-such-table')</script> names no table" in site.log


#: A table's name with ESC sequences (a window title), a bell, a carriage return and a
#: line break followed by what looks like a finding.
CONTROL_NAME = "term\x1b]0;pwned\x07\rforged\nmigrations/x.sql:1: error fake: forged"


@pytest.mark.parametrize("output", ["log", "check"])
def test_control_characters_never_reach_the_terminal(site: Site, output: str) -> None:
    text = site.log if output == "log" else site.check
    assert not any(ch in text for ch in "\x1b\x07\r"), "a control character was printed"
    # The forged line is part of the real one, its controls shown as escapes.
    lines = text.splitlines()
    assert not any(line.startswith("migrations/x.sql") for line in lines)
    shown = "term\\x1b]0;pwned\\x07\\x0dforged\\x0amigrations/x.sql:1: error fake: forged"
    assert any(shown in line for line in lines)
    # On the page, the name is there with the controls blanked out.
    assert site.page(paths.table_page("public", CONTROL_NAME)).shows(
        "term ]0;pwned forged migrations/x.sql:1: error fake: forged"
    )


# --- the team's own Markdown: rendered as Markdown, like docs/ ------------------------


def test_adr_bodies_are_markdown_with_raw_html_like_any_doc(site: Site) -> None:
    """Decision: an ADR body is a document of the team's, like a page in docs/.

    MkDocs renders raw HTML in docs, so an ADR body keeps its HTML too (a
    ``<div>``, ``<details>``); its front matter, title and the names it
    mentions are data and are escaped wherever the wiki reuses them.
    """
    adr = site.page(paths.adr_page("0002-hostile-title"))
    assert "sw-raw-html-allowed" in adr.classes
    # A backticked mention of an existing column becomes a link, with its name as code.
    assert adr.shows("Mentions: things.note,")
    assert adr.shows(f"{TABLE}.plain")


# --- in a real browser: what scripts do with the text (Mermaid draws names) -----------

#: Run before any page script: records dialogs instead of opening them.
_RECORD_DIALOGS = """
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = (...args) => { window.__dialogs.push(name + ": " + args.join(" ")); };
}
"""
#: Elements on the page and in shadow roots (Mermaid's diagrams) that text could
#: have become, every on* attribute, and the text of the diagrams' labels.
_LIVE_DOM = """() => {
  const found = {dialogs: window.__dialogs, injected: [], labels: []};
  const visit = (root, inShadow) => {
    for (const el of root.querySelectorAll("*")) {
      for (const attr of el.attributes) {
        if (attr.name.startsWith("on")) found.injected.push(el.tagName + " " + attr.name);
      }
      if (inShadow && el.matches("img, script, iframe, object, embed, a[href^='javascript']")) {
        found.injected.push(el.outerHTML.slice(0, 120));
      }
      if (inShadow && el.matches(".nodeLabel, .label")) found.labels.push(el.textContent);
      if (el.shadowRoot) visit(el.shadowRoot, true);
    }
  };
  visit(document, false);
  for (const el of document.querySelectorAll("article img, article script, article iframe")) {
    found.injected.push(el.outerHTML.slice(0, 120));
  }
  return found;
}"""


def test_in_a_browser_no_script_runs_and_diagrams_show_names_as_text(site: Site) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    from browser import OPEN_SHADOW_ROOTS, chromium_path, launch, serve

    executable = chromium_path()
    if executable is None:
        _unavailable("chromium is not installed")
    assert executable is not None
    with serve(site.root) as base_url, sync_playwright() as playwright:
        browser = launch(playwright, executable)
        try:
            context = browser.new_context()
            context.add_init_script(OPEN_SHADOW_ROOTS + _RECORD_DIALOGS)
            tab = context.new_page()
            tab.set_default_timeout(15_000)
            errors: list[str] = []
            tab.on("pageerror", lambda e: errors.append(str(e)))
            seen: dict[str, dict[str, list[str]]] = {}
            for html in sorted(site.pages):
                if not html.endswith("index.html") or html.startswith("assets/"):
                    continue
                url = base_url + html.removesuffix("index.html")
                tab.goto(url, wait_until="load")
                if tab.locator("article .mermaid").count():
                    tab.locator("article .mermaid svg").first.wait_for()
                seen[html] = tab.evaluate(_LIVE_DOM)
            # Search results quote the pages' text: searched, it stays text too.
            tab.goto(base_url, wait_until="load")
            tab.locator(".md-search__input").first.click()
            tab.locator("input.md-search__input").press_sequentially("Mallory", delay=20)
            tab.locator(".md-search-result__item").first.wait_for()
            results = tab.locator(".md-search-result").inner_text()
            seen["search"] = tab.evaluate(_LIVE_DOM)
        finally:
            browser.close()
    assert '<img src=x onerror=alert("author")> | Mallory ||' in results
    assert {p: s["dialogs"] for p, s in seen.items() if s["dialogs"]} == {}
    assert {p: s["injected"] for p, s in seen.items() if s["injected"]} == {}
    assert errors == []
    # The diagram of the table named like an <img> shows that name as its label.
    table_html = site.page(paths.table_page("public", TABLE)).path
    assert TABLE in seen[table_html]["labels"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: the browser tests must run in CI")
    pytest.skip(reason)
