"""Take the README's screenshots of a table page, light and dark.

Usage: ``.venv/bin/python tests/screenshots.py`` (builds the example wiki into a
temporary directory, serves it on 127.0.0.1 and drives Debian's Chromium).
Writes ``docs/assets/screenshot-table.png`` and ``screenshot-table-dark.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import OPEN_SHADOW_ROOTS, chromium_path, launch, serve
from helpers import ROOT, run

PAGE = "schema/public/users/"
#: scheme -> (file, where on the page): the top of the page in light, the
#: foreign keys and the ER diagram in dark.
SHOTS = {
    "light": ("screenshot-table.png", ""),
    "dark": ("screenshot-table-dark.png", "#relationships"),
}


def main() -> int:
    """Build, serve, shoot; 1 when the build or the browser is missing."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        print("chromium is not installed", file=sys.stderr)
        return 1
    out_dir = ROOT / "docs" / "assets"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        result = run(["mkdocs", "build", "--strict", "-d", str(site)], ROOT)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        with serve(site) as base, sync_playwright() as playwright:
            browser = launch(playwright, executable)
            for scheme, (name, anchor) in SHOTS.items():
                page = browser.new_page(
                    viewport={"width": 1280, "height": 1060}, color_scheme=scheme
                )
                page.add_init_script(OPEN_SHADOW_ROOTS)  # to wait for the diagram's SVG
                page.goto(base + PAGE + anchor, wait_until="load")
                page.locator("article .mermaid svg").first.wait_for()
                page.evaluate("document.fonts.ready")
                page.screenshot(path=str(out_dir / name))
                page.close()
                print(out_dir / name)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
