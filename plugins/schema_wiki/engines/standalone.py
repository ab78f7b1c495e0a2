"""What an engine that runs no plugin needs to build the same wiki.

The plugin adds, at build time, more than pages: Markdown extensions, the
stylesheet and the diagram script in ``extra_css`` / ``extra_javascript``,
the files they point at, and the Mermaid fence. ``schema-wiki generate``
writes the files (`asset_files`); the settings must be in ``mkdocs.yml``,
which Zensical reads as it is. `config_problems` says which are missing and
gives the YAML to add; `nav_entries` the index pages to put in ``nav:``.

Page titles need nothing: the plugin only moves a generated page's title
into its metadata so mkdocs-material prints it still HTML-encoded; the page
text is the same either way.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..render import paths as page_paths
from ..render.calendar_pages import CALENDAR
from .mkdocs_plugin import (
    _CSS_SOURCE,
    _STATIC,
    CSS_PATH,
    MARKDOWN_EXTENSIONS,
    MERMAID_JS,
    NAV_PAGES,
    SCRIPT_JS,
)

__all__ = ["GUARD", "NAV_ENTRIES", "ConfigCheck", "asset_files", "config_problems", "nav_entries"]

#: The Markdown extension that fails a build without the wiki (`schema_wiki.engines.guard`).
GUARD = "schema_wiki.engines.guard"

#: The index pages, in the order and with the titles of the example's navigation.
NAV_ENTRIES: tuple[tuple[str, str], ...] = (
    ("Schema", page_paths.SCHEMA_INDEX),
    ("Tables A\u2013Z", page_paths.TABLES_AZ),
    ("Migrations", page_paths.MIGRATIONS_INDEX),
    ("Decisions", page_paths.ADRS_INDEX),
    ("Health", page_paths.HEALTH),
    ("Calendar", CALENDAR),
)
assert {path for _, path in NAV_ENTRIES} == NAV_PAGES


def asset_files(erd_depth: int) -> dict[str, bytes]:
    """The stylesheet and, with diagrams, the script and the pinned Mermaid, by path."""
    files = {CSS_PATH: _CSS_SOURCE.read_bytes()}
    if erd_depth > 0:
        for uri in (MERMAID_JS, SCRIPT_JS):
            files[uri] = (_STATIC / uri.rsplit("/", 1)[-1]).read_bytes()
    return files


@dataclass(frozen=True)
class ConfigCheck:
    """What ``mkdocs.yml`` lacks for the generated pages, and the YAML to add."""

    #: Settings without which pages break (anchors, diagrams, styles): each a sentence.
    missing: tuple[str, ...]
    #: Settings that are advised (the guard): each a sentence.
    advised: tuple[str, ...]
    #: The YAML to merge into mkdocs.yml, "" when nothing is missing or advised.
    snippet: str


def _has_mermaid_fence(mdx_configs: dict[str, Any]) -> bool:
    settings = mdx_configs.get("pymdownx.superfences") or {}
    fences = settings.get("custom_fences") or []
    return any(isinstance(f, dict) and f.get("name") == "mermaid" for f in fences)


def config_problems(
    markdown_extensions: Sequence[str],
    mdx_configs: dict[str, Any],
    extra_css: Sequence[str],
    extra_javascript: Sequence[Any],
    *,
    erd_depth: int,
) -> ConfigCheck:
    """Compare a loaded mkdocs.yml with what the plugin would add (module docstring).

    ``extra_javascript`` items are strings or objects with ``path`` and ``defer``
    (MkDocs' `ExtraScriptValue`).
    """
    missing: list[str] = []
    advised: list[str] = []
    extensions: list[str] = []
    for ext in MARKDOWN_EXTENSIONS:
        if ext not in markdown_extensions:
            extensions.append(f"  - {ext}")
            missing.append(f"markdown_extensions: {ext}")
    if erd_depth > 0 and not (
        "pymdownx.superfences" in markdown_extensions and _has_mermaid_fence(mdx_configs)
    ):
        extensions.append(
            "  - pymdownx.superfences:\n"
            "      custom_fences:\n"
            "        - name: mermaid\n"
            "          class: mermaid\n"
            "          format: !!python/name:pymdownx.superfences.fence_code_format"
        )
        missing.append("markdown_extensions: pymdownx.superfences with the mermaid fence")
    if GUARD not in markdown_extensions:
        extensions.append(f"  - {GUARD}   # fails a build that lacks the wiki's pages")
        advised.append(
            f"markdown_extensions: {GUARD} (an engine that skips the plugin then fails"
            " instead of publishing a site without the wiki)"
        )
    parts: list[str] = []
    if extensions:
        parts.append("markdown_extensions:\n" + "\n".join(extensions))
    if CSS_PATH not in [str(css) for css in extra_css]:
        parts.append(f"extra_css:\n  - {CSS_PATH}")
        missing.append(f"extra_css: {CSS_PATH}")
    if erd_depth > 0:
        script = next((s for s in extra_javascript if _script_path(s) == SCRIPT_JS), None)
        if script is None or not getattr(script, "defer", False):
            parts.append(f"extra_javascript:\n  - path: {SCRIPT_JS}\n    defer: true")
            missing.append(
                f"extra_javascript: {SCRIPT_JS} with defer: true"
                if script is None
                else f"extra_javascript: {SCRIPT_JS} needs defer: true"
            )
    return ConfigCheck(tuple(missing), tuple(advised), "\n".join(parts) + "\n" if parts else "")


def _script_path(script: Any) -> str:
    return str(getattr(script, "path", script))


def nav_entries(
    nav: Sequence[Any] | None, pages: Container[str] | None = None
) -> list[tuple[str, str]]:
    """The index pages ``nav`` does not reach yet (all of them when there is no nav);
    with ``pages``, only those among them (the calendar exists only when something is
    scheduled)."""
    present: set[str] = set()

    def walk(items: Any) -> None:
        if isinstance(items, str):
            present.add(items)
        elif isinstance(items, dict):
            for value in items.values():
                walk(value)
        elif isinstance(items, list):
            for item in items:
                walk(item)

    walk(list(nav or []))
    return [
        (title, path)
        for title, path in NAV_ENTRIES
        if path not in present and (pages is None or path in pages)
    ]


def nav_text(entries: Sequence[tuple[str, str]], target: Path | None = None) -> str:
    """Nav entries as YAML list items, or as a Markdown list for a ``.md`` target
    (the navigation file of literate-nav, which Zensical reads too)."""
    if target is not None and target.suffix.lower() in (".md", ".markdown"):
        return "".join(f"* [{title}]({path})\n" for title, path in entries)
    return "".join(f"- {title}: {path}\n" for title, path in entries)
