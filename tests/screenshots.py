"""Take the README's screenshots: a table page, the migration log, an ADR and the schema index.

Usage: ``.venv/bin/python tests/screenshots.py`` (builds the example wiki into a
temporary directory on a pinned date, serves it on 127.0.0.1 and drives
Debian's Chromium at 1280 px). Writes ``docs/assets/screenshot-*.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import OPEN_SHADOW_ROOTS, chromium_path, launch, serve
from helpers import ROOT, run

#: The date the example is built on, so the badges in the pictures do not change.
TODAY = "2026-06-01"
#: file -> (page, colour scheme, height of the shot in CSS pixels).
SHOTS = {
    "screenshot-table.png": ("schema/public/users/", "light", 1000),
    "screenshot-migrations.png": ("migrations/", "light", 900),
    "screenshot-adr.png": ("adrs/0015-split-users-table/", "light", 900),
    "screenshot-schema.png": ("schema/", "dark", 700),
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
        result = run(["mkdocs", "build", "--strict", "-d", str(site)], ROOT, today=TODAY)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        with serve(site) as base, sync_playwright() as playwright:
            browser = launch(playwright, executable)
            for name, (path, scheme, height) in SHOTS.items():
                page = browser.new_page(
                    viewport={"width": 1280, "height": height}, color_scheme=scheme
                )
                page.add_init_script(OPEN_SHADOW_ROOTS)
                page.goto(base + path, wait_until="load")
                page.evaluate("document.fonts.ready")
                page.screenshot(path=str(out_dir / name))
                page.close()
                print(out_dir / name)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
