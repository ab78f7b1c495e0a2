"""ADR bodies and migration documents render as GitHub renders them.

The oracle is GitHub's own renderer, cmark-gfm (the ``cmarkgfm`` bindings).
Each case is rendered by it, and by Python-Markdown (with the extensions the
wiki turns on) after `schema_wiki.render.gfm.to_python_markdown`; the block
structure of both (paragraphs, lists and their nesting, code, tables, links)
must be the same. Each habit case also checks that plain Python-Markdown gets
it wrong, so the rewrite is what makes the difference.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from schema_wiki.render.gfm import to_python_markdown

cmarkgfm = pytest.importorskip("cmarkgfm")

REAL = Path(__file__).parent / "fixtures" / "real" / "madr"
EXTENSIONS = ["admonition", "attr_list", "tables", "toc", "md_in_html", "pymdownx.superfences"]
#: Elements whose nesting is compared; everything else is transparent.
_SHAPE = {
    "p", "ul", "ol", "li", "pre", "table", "thead", "tbody", "tr", "th", "td", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "del", "code", "em", "strong",
}  # fmt: skip
_VOID = {"input", "br", "hr"}


class _Shape(HTMLParser):
    """Nesting of the compared elements; a paragraph directly inside a list item is
    transparent (tight and loose items differ in the two renderers' rules)."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, shown)
        self.text = ""

    @property
    def depth(self) -> int:
        return sum(1 for _, shown in self.stack if shown)

    def flush(self) -> None:
        text = " ".join(self.text.split())
        if text:
            self.out.append("  " * self.depth + repr(text))
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.flush()
            self.out.append("  " * self.depth + f"<{tag}>")
        elif tag in _SHAPE:
            shown = not (tag == "p" and self.stack and self.stack[-1][0] == "li")
            if shown:
                self.flush()
                self.out.append("  " * self.depth + f"<{tag}>")
            else:
                self.text += " "
            self.stack.append((tag, shown))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SHAPE and any(t == tag for t, _ in self.stack):
            self.flush()
            while self.stack:
                open_tag, shown = self.stack.pop()
                if shown:
                    self.flush()
                if open_tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        self.text += data


def shape(html: str) -> str:
    """The block structure of rendered HTML."""
    parser = _Shape()
    parser.feed(html)
    parser.flush()
    return "\n".join(parser.out)


def github(text: str) -> str:
    options = cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE
    return shape(cmarkgfm.github_flavored_markdown_to_html(text, options=options))


def wiki(text: str, *, rewrite: bool = True) -> str:
    source = to_python_markdown(text) if rewrite else text
    return shape(markdown.markdown(source, extensions=EXTENSIONS))


HABITS = {
    "list after a paragraph line": "Positive:\n- Smaller table\n- Faster auth\n\nNegative:\n- JOIN",
    "ordered list after a paragraph line": "Steps:\n1. Create\n2. Backfill",
    "nested by two spaces": "* Summary\n  * Issue\n    * Deep\n  * Decision\n* Details",
    "nested under a number by three": (
        "1. One\n2. Two\n   - nested\n\n   a paragraph of two\n3. Three"
    ),
    "continuation indented by two": "- first line\n  second line\n- next",
    "code fence after a paragraph line": "Run this:\n```sql\nSELECT 1;\n```\nThen that.",
    "code fence inside a list item": "- item\n  ```sql\n  SELECT 1;\n  ```\n- next",
    "table after a paragraph line": "Owners:\n| Table | Team |\n|---|---|\n| users | A |",
    "bare address": "See https://example.com/adr/15, or (https://example.com/a_(b)).",
    "task list": "- [ ] announce\n- [x] test on staging",
    "strike-through": "The ~~old~~ new plan.",
    "backslash line break": "First line\\\nsecond line",
    "hash word is not a heading": "Labels like #flexible,\n#usable and #safe.",
    "parenthesis numbers": "1) one\n2) two",
    "comment between list items": "* good\n<!-- a note -->\n* bad",
}


@pytest.mark.parametrize("name", HABITS)
def test_a_github_habit_renders_as_on_github(name: str) -> None:
    text = HABITS[name]
    assert wiki(text) == github(text)


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in HABITS
        # Python-Markdown already agrees on these; the rewrite must keep them so.
        if n
        not in (
            "comment between list items",
            "continuation indented by two",
            "code fence inside a list item",
        )
    ],
)
def test_without_the_rewrite_python_markdown_differs(name: str) -> None:
    # The oracle can tell: plain Python-Markdown renders these differently.
    text = HABITS[name]
    assert wiki(text, rewrite=False) != github(text)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in REAL.glob("*.md") if p.name != "LICENSE-NOTE.md"),
    ids=lambda p: p.name,
)
def test_real_adrs_render_as_on_github(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):  # the wiki reads front matter itself
        text = text.split("\n---\n", 1)[1]
    assert wiki(text) == github(text)


def test_code_is_never_rewritten() -> None:
    text = "```yaml\nkey:\n- https://example.com\n  - ~~x~~\n```\n\n    indented https://x.y\n"
    assert to_python_markdown(text) == text


def test_an_alert_becomes_an_admonition() -> None:
    out = to_python_markdown("> [!WARNING]\n> Locks `users` for\n> a minute.\n\nAfter.")
    assert out.startswith('!!! warning "Warning"\n    Locks `users` for\n    a minute.\n')
    html = markdown.markdown(out, extensions=EXTENSIONS)
    assert 'class="admonition warning"' in html and "<p>After.</p>" in html


def test_link_rewrites_text_outside_code_only() -> None:
    seen: list[str] = []

    def link(text: str) -> str:
        seen.append(text)
        return text.replace("ADR-1", "[ADR-1](x.md)")

    out = to_python_markdown("See ADR-1.\n\n```\nADR-1\n```\n\n- item ADR-1", link)
    assert out == "See [ADR-1](x.md).\n\n```\nADR-1\n```\n\n- item [ADR-1](x.md)"
    assert "ADR-1\n" not in "".join(seen)
