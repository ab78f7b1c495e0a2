"""The example wiki built by every engine of the MkDocs family, each in its own environment.

MkDocs 1.6 with Material, ProperDocs and mkdocs-ng run the plugin; Zensical
runs no plugin and builds the pages ``schema-wiki generate`` wrote
(`engines.py` installs each). On each: every generated page is in the site,
every column deep link lands on its anchor, the search index has a section
per column, the ER diagram's source, script and pinned Mermaid are there,
the decision log has its status filter, and an expired column fails the
build. Then a real Chromium reads each site: deep links, search, the diagram, the
status filter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser import OPEN_SHADOW_ROOTS, chromium_path, launch, serve
from engines import ENGINES, Engine, bin_dir, build, copy_example, run_in, version
from helpers import FIXTURES, run
from schema_wiki.output.generated import MANIFEST_NAME

pytestmark = pytest.mark.slow

#: A word that appears in one column's comment only (invoices.number).
SEARCH_WORD = "gapless"
_LINK = re.compile(r"\]\(([^)\s]*)#(column-[^)\s]+)\)")
_ID = re.compile(r'\bid="([^"]+)"')


@dataclass(frozen=True)
class Built:
    engine: Engine
    project: Path
    site: Path
    output: str

    def html(self, src_uri: str) -> str:
        return (self.site / html_path(src_uri)).read_text(encoding="utf-8")


def html_path(src_uri: str) -> str:
    """Where a page lands with ``use_directory_urls`` (every engine's default)."""
    stem = src_uri[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every file ``schema-wiki generate`` writes for the example (the project's .venv)."""
    project = copy_example(tmp_path_factory.mktemp("generated") / "project")
    before = {p.relative_to(project / "docs").as_posix() for p in (project / "docs").rglob("*")}
    result = run(["schema-wiki", "generate"], project)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((project / "docs" / MANIFEST_NAME).read_text(encoding="utf-8"))
    files = {uri: (project / "docs" / uri).read_bytes() for uri in manifest["files"]}
    written = {
        p.relative_to(project / "docs").as_posix()
        for p in (project / "docs").rglob("*")
        if p.is_file()
    }
    # The manifest names exactly what generate added; nothing hand-written is in it.
    assert written - before == {*files, MANIFEST_NAME}
    return files


@pytest.fixture(scope="module", params=sorted(ENGINES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    engine = ENGINES[str(request.param)]
    bin_dir(engine)  # install first: its time is not the build's
    project = copy_example(tmp_path_factory.mktemp(engine.name) / "project")
    result = build(engine, project)
    assert result.returncode == 0, result.stdout + result.stderr
    return Built(engine, project, project / "site", result.stdout + result.stderr)


def test_every_generated_page_is_in_the_site(built: Built, generated: dict[str, bytes]) -> None:
    pages = [uri for uri in generated if uri.endswith(".md")]
    assert len(pages) > 25
    missing = [uri for uri in pages if not (built.site / html_path(uri)).is_file()]
    assert missing == []
    # Each page is the wiki's page, not an empty shell: its heading is there.
    users = built.html("schema/public/users.md")
    assert re.search(r"<h1[^>]*>users", users)
    # The hand-written pages are there too, and the generated ones stay out of the nav.
    index = built.html("index.md")
    assert "schema/public/users/" not in index.split("<article", 1)[0]


def test_every_column_deep_link_lands_on_its_anchor(
    built: Built, generated: dict[str, bytes]
) -> None:
    ids: dict[str, set[str]] = {}
    checked = 0
    for uri, data in generated.items():
        if not uri.endswith(".md"):
            continue
        for target, anchor in _LINK.findall(data.decode("utf-8")):
            page = uri if not target else _resolve(uri, target)
            if page not in ids:
                ids[page] = set(_ID.findall(built.html(page)))
            assert anchor in ids[page], f"{uri}: {target}#{anchor}"
            checked += 1
    assert checked > 50


def _resolve(from_uri: str, target: str) -> str:
    parts = from_uri.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _search_sections(site: Path) -> list[tuple[str, str]]:
    """(location, text) of every section in the engine's search index."""
    material = site / "search" / "search_index.json"
    if material.is_file():
        docs = json.loads(material.read_text(encoding="utf-8"))["docs"]
    else:
        docs = json.loads((site / "search.json").read_text(encoding="utf-8"))["items"]
    return [(d["location"], d["text"]) for d in docs]


def test_search_has_a_section_per_column(built: Built) -> None:
    sections = _search_sections(built.site)
    with_word = [
        location
        for location, text in sections
        if "#column-" in location and SEARCH_WORD in text.lower()
    ]
    assert with_word == ["schema/public/invoices/#column-number"]
    users = {loc for loc, _ in sections if loc.startswith("schema/public/users/#column-")}
    assert {"schema/public/users/#column-phone", "schema/public/users/#column-handle"} <= users


def test_index_lists_stay_out_of_search(built: Built) -> None:
    """The index pages' long lists repeat each row's own page: no engine indexes them
    (Zensical refuses a section of more than 16,384 tokens; test_search_sections.py)."""
    sections = _search_sections(built.site)
    summary = "Invoices issued to users"  # the invoices table's comment, first line
    where = {loc.split("#")[0] for loc, text in sections if summary in text}
    assert "schema/public/invoices/" in where
    index_pages = {"schema/", "schema/a-z/", "migrations/", "adrs/", "schema/health/"}
    assert where & index_pages == set()


def test_er_diagram_source_script_and_pinned_mermaid_are_served(
    built: Built, generated: dict[str, bytes]
) -> None:
    users = built.html("schema/public/users.md")
    assert re.search(r'<pre class="mermaid"><code>\s*erDiagram', users)
    assert re.search(r'<script src="[./]*assets/schema-wiki/schema-wiki\.js" defer', users)
    assert re.search(r'<link [^>]*href="[./]*assets/schema-wiki\.css"', users)
    for asset in ("assets/schema-wiki/mermaid.min.js", "assets/schema-wiki/schema-wiki.js"):
        assert (built.site / asset).read_bytes() == generated[asset]
    # No CDN: the only Mermaid a page names is the site's own.
    assert "cdn" not in users.lower() or "mermaid@" not in users


def test_decision_log_has_its_status_filter(built: Built) -> None:
    log = built.html("adrs/index.md")
    for status in ("all", "accepted", "superseded", "proposed"):
        assert f'id="sw-adr-show-{status}"' in log
    assert ":has(#sw-adr-show-accepted:checked)" in log


def test_an_expired_column_fails_the_build(
    built: Built, tmp_path_factory: pytest.TempPathFactory
) -> None:
    engine = built.engine
    project = tmp_path_factory.mktemp(f"expired-{engine.name}") / "project"
    shutil.copytree(FIXTURES / "projects" / "expired", project)
    config = project / "mkdocs.yml"
    # ProperDocs ships no `mkdocs` theme (properdocs-theme-mkdocs); every engine has Material's.
    config.write_text(config.read_text().replace("name: mkdocs", "name: material"))
    result = build(engine, project)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "expired-column" in result.stdout + result.stderr
    assert "legacy_id" in result.stdout + result.stderr


def test_engine_is_the_pinned_version(built: Built) -> None:
    expected = {
        "mkdocs": "1.6.",
        "properdocs": "1.6.7",
        "mkdocs-ng": "1.8.0",
        "zensical": "0.0.73",
    }[built.engine.name]
    assert expected in version(built.engine)


# --- the plugin and generate give the same pages ---------------------------------------

_DUMP_HOOK = '''
"""Writes every file the schema-wiki plugin added, as MkDocs reads it, under DUMP_DIR."""
import os
from pathlib import Path

def on_files(files, config):
    out = Path(os.environ["DUMP_DIR"])
    for f in files:
        if f.generated_by == "schema-wiki":
            target = out / f.src_uri
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.content_bytes)
    return files
'''


def test_plugin_and_generate_give_byte_identical_files(
    generated: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_example(tmp_path / "project")
    (project / "dump_hook.py").write_text(_DUMP_HOOK, encoding="utf-8")
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (project / "mkdocs.yml").write_text(config + "\nhooks:\n  - dump_hook.py\n", encoding="utf-8")
    dump = tmp_path / "dump"
    monkeypatch.setenv("DUMP_DIR", str(dump))
    result = run(["mkdocs", "build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    served = {
        p.relative_to(dump).as_posix(): p.read_bytes() for p in dump.rglob("*") if p.is_file()
    }
    assert sorted(served) == sorted(generated)
    different = [uri for uri in served if served[uri] != generated[uri]]
    assert different == []


def test_the_plugin_replaces_pages_generate_wrote(tmp_path: Path) -> None:
    """A team that commits generated pages (for Zensical) and builds with the plugin
    too gets the plugin's fresh pages, without a line per page about hand-written files."""
    project = copy_example(tmp_path / "project")
    assert run(["schema-wiki", "generate"], project).returncode == 0
    edited = project / "docs" / "schema" / "a-z.md"
    edited.write_text("# Our own A-Z\n", encoding="utf-8")
    result = run(["mkdocs", "build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    assert "came from schema-wiki generate" in result.stderr
    # Only the page someone edited counts as hand-written, and it wins, as such pages do.
    assert result.stderr.count("it is used instead of the generated page") == 1
    assert "Our own A-Z" in (project / "site" / "schema" / "a-z" / "index.html").read_text()


# --- no silent loss ------------------------------------------------------------------------


def test_zensical_without_generate_fails_loudly(tmp_path: Path) -> None:
    engine = ENGINES["zensical"]
    project = copy_example(tmp_path / "project")
    result = run_in(engine, list(engine.build), project)
    assert result.returncode != 0
    assert "run `schema-wiki generate` before building" in result.stderr.lower()
    # After generate it builds; after an ADR edit without generate it fails again.
    assert run_in(engine, ["schema-wiki", "generate"], project).returncode == 0
    assert run_in(engine, [*engine.build], project).returncode == 0
    adr = next((project / "adrs").glob("0015-*.md"))
    adr.write_text(adr.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    # --clean: Zensical converts no page it has cached, so the guard would not run.
    stale = run_in(engine, [*engine.build, "--clean"], project)
    assert stale.returncode != 0
    assert "changed since schema-wiki generate wrote the pages" in stale.stderr


def test_zensical_keeps_hostile_titles_encoded(tmp_path: Path) -> None:
    """Zensical prints a page title through `striptags` as Material does; without the
    plugin to move it into the page's metadata, the page carries it (front matter)."""
    engine = ENGINES["zensical"]
    project = tmp_path / "hostile"
    shutil.copytree(FIXTURES / "hostile", project)
    run_in(engine, ["schema-wiki", "generate"], project)  # exit 2: the fixture's config is minimal
    result = run_in(engine, list(engine.build), project)
    assert result.returncode == 0, result.stderr
    heads = [
        html.read_text(encoding="utf-8").split("</head>", 1)[0]
        for html in (project / "site").rglob("*.html")
    ]
    assert len(heads) > 10
    assert not [h for h in heads if "<svg onload" in h or "<script>alert" in h]
    titles = [re.search(r"<title>(.*?)</title>", h, re.S) for h in heads]
    assert any(t and "&lt;/title&gt;" in t.group(1) for t in titles)


def test_engine_environments_are_separate() -> None:
    """mkdocs-ng's environment really runs mkdocs-ng (schema-wiki's dependency on mkdocs
    would have overwritten it), and no engine's environment is the project's."""
    assert "1.8.0" in version(ENGINES["mkdocs-ng"])
    dirs = {bin_dir(engine) for engine in ENGINES.values()}
    assert len(dirs) == len(ENGINES)


# --- in a real browser (Chromium): each engine's site as a reader uses it ----------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("playwright is not installed")
    executable = chromium_path()
    if executable is None:
        _no_browser("chromium is not installed (apt-get install chromium)")
    assert executable is not None
    with sync_playwright() as playwright:
        chromium = launch(playwright, executable)
        yield chromium
        chromium.close()


def _no_browser(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: the browser tests must run in CI")
    pytest.skip(reason)


@dataclass
class Reader:
    """A browser tab on one engine's site, with what went wrong on it."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")

    def clean(self) -> bool:
        return self.errors == [] and self.external == []


@pytest.fixture
def reader(browser: Any, built: Built) -> Iterator[Reader]:
    with serve(built.site) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(OPEN_SHADOW_ROOTS)
        page = context.new_page()
        page.set_default_timeout(10_000)
        r = Reader(page, base)
        host = urlsplit(base).netloc
        page.on("console", lambda m: r.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: r.errors.append(str(e)))

        def on_request(request: Any) -> None:
            if urlsplit(request.url).netloc not in (host, ""):
                r.external.append(request.url)

        page.on("request", on_request)
        yield r
        context.close()


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


#: test_browser.py and test_adrs_browser.py read the MkDocs site this way already.
without_plain_mkdocs = pytest.mark.parametrize(
    "built", sorted(set(ENGINES) - {"mkdocs"}), indirect=True
)


@without_plain_mkdocs
def test_browser_column_deep_link_and_back(reader: Reader) -> None:
    expect = _expect()
    page = reader.page
    reader.open("schema/public/users/#column-phone")
    expect(page.locator("#column-phone")).to_be_in_viewport()
    introduced = page.locator(
        "xpath=//*[@id='column-phone']/following-sibling::ul[1]"
        "/li[strong[normalize-space()='Introduced by']]/a"
    ).first
    introduced.click()
    expect(page).to_have_url(re.compile(r"/migrations/20240220140000_add_phone_to_users/$"))
    page.locator("article a[href*='schema/public/users/#column-phone']").first.click()
    expect(page).to_have_url(re.compile(r"/schema/public/users/#column-phone$"))
    expect(page.locator("#column-phone")).to_be_in_viewport()
    assert reader.clean(), (reader.errors, reader.external)


@without_plain_mkdocs
def test_browser_search_lands_on_the_column(reader: Reader) -> None:
    expect = _expect()
    page = reader.page
    reader.open("")
    if page.locator("button.md-search__button").count():
        # Zensical: a search dialog (Ctrl+K); results are options of a listbox.
        page.locator("button.md-search__button").click()
        page.locator("input[role=combobox][aria-label=Search]").fill(SEARCH_WORD)
        first = page.locator("[role=listbox] a[role=option]").first
    else:
        # Material: the header's search field; results are sections of a list.
        page.locator("input.md-search__input").click()
        page.keyboard.type(SEARCH_WORD)
        first = page.locator(".md-search-result__item a[href*='#']").first
    expect(first).to_have_attribute("href", re.compile(r"schema/public/invoices/.*#column-number$"))
    first.click()
    expect(page).to_have_url(re.compile(r"/schema/public/invoices/.*#column-number$"))
    expect(page.locator("#column-number")).to_be_in_viewport()
    assert reader.clean(), (reader.errors, reader.external)


@without_plain_mkdocs
def test_browser_er_diagram_draws_from_the_sites_own_mermaid(reader: Reader) -> None:
    expect = _expect()
    page = reader.page
    reader.open("schema/public/users/")
    svg = page.locator("article .mermaid svg").first
    expect(svg).to_be_visible()
    labels = svg.text_content() or ""
    for table in ("users", "invoices", "notifications", "user_profiles"):
        assert table in labels
    box = svg.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    assert reader.clean(), (reader.errors, reader.external)  # no CDN


@without_plain_mkdocs
def test_browser_decision_log_status_filter(reader: Reader) -> None:
    page = reader.page
    reader.open("adrs/")

    def visible() -> list[str]:
        rows = page.locator("article table tbody tr")
        return [
            rows.nth(i).locator("td").first.inner_text()
            for i in range(rows.count())
            if rows.nth(i).is_visible()
        ]

    everything = visible()
    # Numbered as the example's ADRs write their titles ("# ADR-015: ...").
    assert everything == [f"ADR-{n:03d}" for n in range(12, 18)]
    page.click("label[for=sw-adr-show-accepted]")
    assert visible() == ["ADR-013", "ADR-014", "ADR-015", "ADR-016"]
    page.click("label[for=sw-adr-show-superseded]")
    assert visible() == ["ADR-012"]
    page.click("label[for=sw-adr-show-all]")
    assert visible() == everything
    assert reader.clean(), (reader.errors, reader.external)


@without_plain_mkdocs
def test_browser_every_kind_of_page_loads_cleanly(reader: Reader) -> None:
    for path in (
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
    ):
        reader.open(path)
        assert reader.page.locator("article h1").count() == 1, path
    assert reader.clean(), (reader.errors, reader.external)
