"""The example wiki in a real browser: headless Chromium (Debian's) driven by Playwright.

One build of the example and one browser serve the whole module. Without
Chromium or Playwright these tests skip, except under ``CI=true``, where a
missing browser is a failure: CI must run them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser import OPEN_SHADOW_ROOTS, chromium_path, launch, serve
from helpers import ROOT, run

#: A word that appears in one column's comment only (invoices.number).
SEARCH_WORD = "gapless"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: the browser tests must run in CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    result = run(["mkdocs", "build", "--strict", "-d", str(out)], ROOT)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    executable = chromium_path()
    if executable is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    assert executable is not None
    with sync_playwright() as playwright:
        chromium = launch(playwright, executable)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page plus what went wrong on it: console errors, page errors, requests off this host."""

    page: Any
    host: str
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="load")


@pytest.fixture
def tab(browser: Any, base_url: str) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    t = Tab(page, urlsplit(base_url).netloc)
    page.on("console", lambda m: t.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: t.errors.append(str(e)))

    def on_request(request: Any) -> None:
        if urlsplit(request.url).netloc not in (t.host, ""):
            t.external.append(request.url)

    page.on("request", on_request)
    yield t
    context.close()


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_introduced_by_leads_to_the_migration_and_back_to_the_column(
    tab: Tab, base_url: str
) -> None:
    expect = _expect()
    page = tab.page
    tab.open(base_url + "schema/public/users/#column-phone")
    introduced = page.locator(
        "xpath=//h3[@id='column-phone']/following-sibling::ul[1]"
        "/li[strong[normalize-space()='Introduced by']]/a"
    ).first
    expect(introduced).to_have_text("Add phone column to users")
    introduced.click()
    expect(page).to_have_url(re.compile(r"/migrations/20240220140000_add_phone_to_users/$"))
    expect(page.locator("article h1")).to_contain_text("Add phone column to users")

    back = page.locator("article a[href*='schema/public/users/#column-phone']").first
    back.click()
    expect(page).to_have_url(re.compile(r"/schema/public/users/#column-phone$"))
    expect(page.locator("#column-phone")).to_be_in_viewport()
    assert tab.errors == [] and tab.external == []


def test_search_for_a_comment_word_lands_on_its_column(tab: Tab, base_url: str, site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text())
    with_word = [
        d["location"]
        for d in index["docs"]
        if "#column-" in d["location"] and SEARCH_WORD in d["text"].lower()
    ]
    assert with_word == ["schema/public/invoices/#column-number"]

    expect = _expect()
    page = tab.page
    tab.open(base_url)
    page.locator("input.md-search__input").click()
    page.keyboard.type(SEARCH_WORD)
    first_section = page.locator(".md-search-result__item a[href*='#']").first
    expect(first_section).to_have_attribute(
        "href", re.compile(r"schema/public/invoices/.*#column-number$")
    )
    first_section.click()
    expect(page).to_have_url(re.compile(r"/schema/public/invoices/.*#column-number$"))
    expect(page.locator("#column-number")).to_be_in_viewport()
    assert tab.errors == [] and tab.external == []


def test_er_diagram_renders_as_svg_after_instant_navigation(tab: Tab, base_url: str) -> None:
    expect = _expect()
    page = tab.page
    tab.open(base_url + "schema/")
    page.locator("article a[href$='schema/public/users/']").first.click()
    expect(page).to_have_url(re.compile(r"/schema/public/users/$"))
    svg = page.locator("article .mermaid svg").first
    expect(svg).to_be_visible()
    labels = svg.text_content() or ""
    for table in ("users", "invoices", "notifications", "user_profiles"):
        assert table in labels
    assert page.locator("article pre.mermaid").count() == 0  # the source block was replaced
    box = svg.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    assert tab.errors == []
    assert tab.external == []  # Mermaid came from the site, not a CDN


def test_every_kind_of_page_loads_cleanly(tab: Tab, base_url: str) -> None:
    pages = [
        "",
        "schema/",
        "schema/a-z/",
        "schema/dropped/",
        "schema/health/",
        "schema/public/invoices/",
        "schema/dropped/public/legacy_user_mapping/",
        "migrations/",
        "migrations/20240301090000_split_users_table/",
        "adrs/",
        "adrs/0015-split-users-table/",
    ]
    for path in pages:
        tab.open(base_url + path)
        assert tab.page.locator("article h1").count() == 1, path
    assert tab.errors == []
    assert tab.external == []


def test_dark_scheme_colours_the_page_and_the_diagram(tab: Tab, base_url: str) -> None:
    expect = _expect()
    page = tab.page
    page.emulate_media(color_scheme="dark")
    tab.open(base_url + "schema/public/invoices/")
    scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert scheme == "slate"
    expect(page.locator("article .mermaid svg").first).to_be_visible()
    # The badge colours of the dark scheme apply (light text on a dark page).
    colour = page.locator("article .sw-badge--key").first.evaluate("e => getComputedStyle(e).color")
    red, green, blue = (int(x) for x in re.findall(r"\d+", colour)[:3])
    assert red + green + blue > 400, colour
    assert tab.errors == [] and tab.external == []


#: One page of every kind the wiki has, and the product's documentation pages.
PAGE_KINDS = [
    "",
    "conventions/",
    "schema/",
    "schema/a-z/",
    "schema/dropped/",
    "schema/health/",
    "schema/rules/",
    "schema/types/",
    "schema/public/users/",
    "schema/public/invoices/",
    "schema/public/notifications/",
    "schema/public/user_profiles/",
    "schema/dropped/public/legacy_user_mapping/",
    "migrations/",
    "migrations/20240215100000_add_legacy_id_to_users/",
    "migrations/20240301090000_split_users_table/",
    "adrs/",
    "adrs/0013-migrate-legacy-user-system/",
    "adrs/0015-split-users-table/",
    "using/",
    "using/configuration/",
    "using/checks/",
    "using/what-ci-catches/",
]

#: Tables (and the page) wider than their box: what would show a horizontal scrollbar.
_OVERFLOW = """() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push(`page ${root.scrollWidth}px`);
  for (const table of document.querySelectorAll("article table")) {
    if (table.scrollWidth > table.clientWidth + 1) {
      out.push(`table "${table.innerText.slice(0, 40)}" ${table.scrollWidth}>${table.clientWidth}`);
    }
  }
  return out;
}"""

#: Words of inline code (names, types, paths between slashes) that a line break cuts.
_CUT_WORDS = """() => {
  const out = [];
  for (const code of document.querySelectorAll("article :not(pre) > code")) {
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""


def test_no_page_kind_scrolls_sideways_at_1280_px(tab: Tab, base_url: str) -> None:
    problems = {}
    for path in PAGE_KINDS:
        tab.open(base_url + path)
        found = tab.page.evaluate(_OVERFLOW)
        if found:
            problems[path] = found
    assert problems == {}
    assert tab.errors == [] and tab.external == []


def test_no_identifier_or_type_is_cut_inside_a_word(tab: Tab, base_url: str) -> None:
    cut = {}
    for path in PAGE_KINDS:
        tab.open(base_url + path)
        words = tab.page.evaluate(_CUT_WORDS)
        if words:
            cut[path] = words
    assert cut == {}


def test_the_check_can_see_a_cut_word(tab: Tab, base_url: str) -> None:
    # The same script finds a word cut in two when the stylesheet allows it.
    tab.open(base_url + "schema/health/")
    tab.page.add_style_tag(
        content="article code { white-space: normal !important; word-break: break-all !important; }"
    )
    tab.page.set_viewport_size({"width": 500, "height": 900})
    assert tab.page.evaluate(_CUT_WORDS) != []


def test_data_pages_use_the_width_the_table_of_contents_had(tab: Tab, base_url: str) -> None:
    tab.open(base_url + "schema/public/users/")
    article = tab.page.locator("article").bounding_box()
    assert article is not None and article["width"] > 950
    assert not tab.page.locator(".md-sidebar--secondary").is_visible()
    tab.open(base_url + "adrs/0015-split-users-table/")  # prose keeps its table of contents
    assert tab.page.locator(".md-sidebar--secondary").is_visible()


def test_an_adr_is_named_by_its_title_in_the_tab_the_top_bar_and_search(
    tab: Tab, base_url: str
) -> None:
    expect = _expect()
    page = tab.page
    tab.open(base_url + "adrs/0015-split-users-table/")
    title = "ADR-015: Split users table into users and user_profiles"
    assert page.title().startswith(title)
    expect(page.locator("article h1")).to_contain_text(title)
    page.mouse.wheel(0, 600)  # the top bar shows the page title once the heading scrolled by
    expect(page.locator(".md-header__topic").last).to_contain_text(title)

    tab.open(base_url)
    page.locator("input.md-search__input").click()
    page.keyboard.type("legacy user system")
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    texts = " ".join(results.all_inner_texts())
    assert "ADR-013: Migrate accounts from the legacy user system" in texts
    assert "0013 migrate legacy user system" not in texts.lower()
    assert tab.errors == [] and tab.external == []
