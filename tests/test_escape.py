"""Text from the database or a file can never become markup."""

from __future__ import annotations

import markdown
import pytest

from schema_wiki.render.escape import block, cell, code, fenced, md

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<javascript:alert(1)>",
    "{{ config }} {% raw %}",
    "a | b | c",
    "# heading\n    indented code\n- list\n1. item\n---\n> quote",
    "*bold* _em_ `code` ![img](x.png)",
    "&lt;script&gt; &amp;",
]


def _html(text: str) -> str:
    return markdown.markdown(text, extensions=["tables", "attr_list", "admonition", "fenced_code"])


@pytest.mark.parametrize("text", HOSTILE)
def test_inline_and_block_text_stays_literal(text: str) -> None:
    for rendered in (_html(str(md(text))), _html(str(block(text)))):
        for tag in (
            "<script",
            "<img",
            "<a ",
            "<h1",
            "<li",
            "<pre",
            "<code",
            "<blockquote",
            "<strong",
            "<em",
            "<hr",
        ):
            assert tag not in rendered, (text, rendered)


@pytest.mark.parametrize("text", HOSTILE)
def test_table_cell_keeps_one_cell(text: str) -> None:
    table = f"| a | b |\n|---|---|\n| {cell(text)} | x |\n"
    rendered = _html(table)
    assert rendered.count("<td>") == 2, rendered
    assert "<script" not in rendered and "<a " not in rendered


def test_escaped_text_reads_back_as_the_original() -> None:
    import html

    text = "Legacy system user ID <varchar>. See: PROJ-1234 & more | x"
    rendered = _html(str(md(text)))
    assert html.unescape(rendered.removeprefix("<p>").removesuffix("</p>")) == text


def test_code_span_survives_backticks_and_html() -> None:
    rendered = _html(str(code("a`b<c>")))
    assert "<code>a`b&lt;c&gt;</code>" in rendered


def test_fence_cannot_be_closed_by_content() -> None:
    sql = "SELECT 1;\n```\n<script>x</script>"
    rendered = _html(str(fenced(sql, "sql")))
    assert "<script" not in rendered
