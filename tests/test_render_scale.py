"""Page weight and navigation size of a large wiki, through a real MkDocs build.

A synthetic schema (`synthetic.synthetic_wiki`: 200 tables by default, set
``SCHEMA_WIKI_SCALE_TABLES=1000`` for the figure the README quotes) stands in
for the catalog; everything else is the real plugin and mkdocs-material. The
nav must not grow with the schema, and no table page may pass 200 KB of HTML.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from synthetic import synthetic_wiki

TABLES = int(os.environ.get("SCHEMA_WIKI_SCALE_TABLES", "200"))
PAGE_LIMIT = 200 * 1024
#: The entries of the nav below, one per page.
NAV = ["Home", "Schema", "Tables A-Z", "Migrations", "Decisions", "Health"]

MKDOCS_YML = """
site_name: Scale
theme:
  name: material
  font: false
  features: [navigation.instant]
nav:
  - Home: index.md
  - Schema: schema/index.md
  - Tables A-Z: schema/a-z.md
  - Migrations: migrations/index.md
  - Decisions: adrs/index.md
  - Health: schema/health.md
plugins:
  - search
  - schema-wiki:
      database: embedded
"""


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    import schema_wiki.engines.mkdocs_plugin

    project = tmp_path_factory.mktemp("scale")
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# Home\n")
    (project / "migrations").mkdir()
    (project / "adrs").mkdir()
    (project / "mkdocs.yml").write_text(MKDOCS_YML)
    wiki = synthetic_wiki(TABLES)
    patch = pytest.MonkeyPatch()
    # The synthetic schema replaces reading migrations and a throwaway PostgreSQL.
    patch.setattr(schema_wiki.pipeline, "load", lambda config, session: wiki)
    patch.setenv("NO_MKDOCS_2_WARNING", "1")
    try:
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(project / "site"))
        started = time.perf_counter()
        build(config)
        seconds = time.perf_counter() - started
    finally:
        patch.undo()
    return project / "site", seconds


def _nav_links(html: str) -> list[str]:
    """The pages the primary navigation links to (a page's own table of contents left out)."""
    nav = html.split('class="md-nav md-nav--primary"', 1)[1]
    nav = nav.split('class="md-sidebar md-sidebar--secondary"', 1)[0]
    links = re.findall(r'<a href="([^"]*)" class="md-nav__link', nav)
    return [link for link in links if not link.startswith("#")]


def test_nav_has_the_same_entries_whatever_the_schema_size(
    large_site: tuple[Path, float],
) -> None:
    site, _ = large_site
    for page in ("index.html", "schema/index.html", "schema/public/accounts/index.html"):
        links = _nav_links((site / page).read_text())
        assert len(links) == len(NAV), (page, links)
        assert not any("public/" in link for link in links), page


def test_every_table_page_stays_under_200_kb(large_site: tuple[Path, float]) -> None:
    site, seconds = large_site
    pages = sorted((site / "schema" / "public").glob("*/index.html"))
    assert len(pages) == TABLES
    sizes = {p.parent.name: p.stat().st_size for p in pages}
    biggest = max(sizes, key=lambda name: sizes[name])
    median = sorted(sizes.values())[len(sizes) // 2]
    print(
        f"\n{TABLES} tables built in {seconds:.1f}s; table page HTML:"
        f" median {median / 1024:.0f} KB, largest {sizes[biggest] / 1024:.0f} KB ({biggest})"
    )
    assert sizes[biggest] < PAGE_LIMIT, (biggest, sizes[biggest])
    # The hub: referenced by a fifth of the schema, all listed, its diagram cut to size.
    hub = (site / "schema/public/accounts/index.html").read_text()
    referencing = TABLES // 5 - 1
    assert hub.count("#column-account_id") >= referencing
    assert "showing 20 of" in hub


def test_every_table_is_two_clicks_from_home(large_site: tuple[Path, float]) -> None:
    site, _ = large_site
    home = (site / "index.html").read_text()
    assert 'href="schema/"' in home and 'href="schema/a-z/"' in home
    for index in ("schema/index.html", "schema/a-z/index.html"):
        html = (site / index).read_text()
        linked = set(re.findall(r'href="(?:\.\./)*(?:schema/)?public/([^/"]+)/"', html))
        assert len(linked) == TABLES, index
