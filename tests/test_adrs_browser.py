"""The decision log's status filter, clicked in a real Chromium on the example site.

The filter is plain HTML radio buttons and CSS ``:has()``: no JavaScript, so it
works offline and from ``file://``. Without Chromium or Playwright the test
skips, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from browser import chromium_path, launch
from helpers import ROOT, run


@pytest.fixture(scope="module")
def log_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    executable = chromium_path()
    if executable is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    assert executable is not None
    site = tmp_path_factory.mktemp("adr-log") / "site"
    result = run(["mkdocs", "build", "--strict", "-d", str(site)], ROOT)
    assert result.returncode == 0, result.stderr
    with sync_playwright() as playwright:
        chromium = launch(playwright, executable)
        page = chromium.new_page(java_script_enabled=False)
        page.goto((site / "adrs" / "index.html").as_uri())
        yield page
        chromium.close()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: the browser tests must run in CI")
    pytest.skip(reason)


def visible_adrs(page: Any) -> list[str]:
    rows = page.locator("article table tbody tr")
    return [
        rows.nth(i).locator("td").first.inner_text()
        for i in range(rows.count())
        if rows.nth(i).is_visible()
    ]


def test_status_filter_shows_only_that_status_without_javascript(log_page: Any) -> None:
    everything = visible_adrs(log_page)
    # Numbered as the ADRs write it ("# ADR-015: ..."), not as the file names do.
    assert everything == [f"ADR-{n:03d}" for n in range(12, 18)]
    log_page.click("label[for=sw-adr-show-accepted]")
    assert visible_adrs(log_page) == ["ADR-013", "ADR-014", "ADR-015", "ADR-016"]
    log_page.click("label[for=sw-adr-show-superseded]")
    assert visible_adrs(log_page) == ["ADR-012"]
    log_page.click("label[for=sw-adr-show-proposed]")
    assert visible_adrs(log_page) == ["ADR-017"]
    log_page.click("label[for=sw-adr-show-all]")
    assert visible_adrs(log_page) == everything
    # The timeline below is never filtered.
    assert log_page.locator("article li").filter(has_text="ADR-012").first.is_visible()
