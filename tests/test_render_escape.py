"""Escaping as rendering uses it: whatever the text and whichever common Markdown
extensions a site enables, escaped text yields no element and reads back unchanged."""

from __future__ import annotations

import html
import re

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema_wiki.render.escape import block, cell, md, summary

#: Extensions that turn plain characters into elements (links, emoji, marks, maths...).
ELEMENT_EXTENSIONS = [
    "abbr",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "tables",
    "admonition",
    "pymdownx.betterem",
    "pymdownx.caret",
    "pymdownx.critic",
    "pymdownx.details",
    "pymdownx.emoji",
    "pymdownx.magiclink",
    "pymdownx.mark",
    "pymdownx.tilde",
    "pymdownx.inlinehilite",
    "pymdownx.arithmatex",
    "pymdownx.superfences",
]
#: Text made mostly of the characters Markdown and its extensions care about.
TEXT = st.text(
    alphabet=st.sampled_from(list("\\`*_{}[]()#+-.!|<>&\"'~^=:$%@/?;,0123456789 \n\taAzé_")),
    max_size=60,
)


def _convert(text: str) -> str:
    return markdown.markdown(text, extensions=ELEMENT_EXTENSIONS)


def _tags(rendered: str) -> set[str]:
    return set(re.findall(r"<([a-z][a-z0-9]*)", rendered))


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_inline_text_makes_no_element_and_reads_back(text: str) -> None:
    rendered = _convert(str(md(text)))
    assert _tags(rendered) <= {"p"}, (text, rendered)
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    expected = " ".join(text.replace("\t", " ").split("\n")).lstrip()
    assert html.unescape(inner).strip() == expected.strip(), (text, rendered)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_block_text_makes_only_paragraphs(text: str) -> None:
    rendered = _convert(str(block(text)))
    assert _tags(rendered) <= {"p"}, (text, rendered)


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_cell_text_stays_in_its_cell(text: str) -> None:
    rendered = _convert(f"| a | b |\n|---|---|\n| {cell(text)} | x |\n")
    assert rendered.count("<td>") == 2, (text, rendered)
    assert _tags(rendered) <= {"table", "thead", "tbody", "tr", "th", "td", "br"}, rendered


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Login e-mail address, stored lower-cased. Unique.", 0),
        ("Billing's (Team B) notes: see ADR 0014.", 0),
        ("users.email", 1),
        ("http://example.com", 2),
    ],
)
def test_prose_keeps_most_characters_plain(text: str, escaped: int) -> None:
    # Each reference costs Python-Markdown a pattern match: prose should need few.
    assert str(md(text)).count("&#") == escaped


def test_summary_takes_the_first_sentence_of_a_multiline_context() -> None:
    context = "We're migrating from the legacy\nsystem. This column stores the old ID."
    assert summary(context) == "We're migrating from the legacy system."
    assert summary("e.g. a value. Then more.") == "e.g. a value."
    long = "word " * 60
    assert summary(long, limit=40).endswith("\u2026") and len(summary(long, limit=40)) <= 41
    assert summary(None) == ""
