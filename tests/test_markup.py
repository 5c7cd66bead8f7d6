"""User text in Streamlit's Markdown elements renders as typed: no link, no image, no
Streamlit directive. Checked with a CommonMark parser (markdown-it, as installed with rich)."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from dashboard.markup import literal

ATTACKS = [
    "![](https://host.example/x.png)",
    "[Open Door](https://host.example/phish)",
    "<https://host.example/auto>",
    "Steppe **Bureau** _of_ `Law`",
    "# Heading",
    "- a list item",
    "1. numbered",
    "> quoted",
    "Fund :red[urgent] :material/warning: $x^2$",
    "Back\\slash and a &amp; entity",
    "Открытая Дверь (Алматы) — 50% [тест]",
]


def _inline_tokens(text: str) -> list:  # type: ignore[type-arg]
    parsed = MarkdownIt("commonmark").parse(text)
    return [child for token in parsed if token.children for child in token.children]


@pytest.mark.parametrize("text", ATTACKS)
def test_escaped_text_parses_as_the_same_plain_text(text: str) -> None:
    parsed = MarkdownIt("commonmark").parse(literal(text))
    # One paragraph of plain text: no heading, list, quote, link, image, emphasis or code.
    assert [token.type for token in parsed] == ["paragraph_open", "inline", "paragraph_close"]
    children = _inline_tokens(literal(text))
    assert {child.type for child in children} <= {"text"}
    assert "".join(child.content for child in children) == text


@pytest.mark.parametrize("text", ["Fund :red[urgent]", ":material/warning:", "$x^2$"])
def test_streamlit_directives_lose_their_colons_and_dollars(text: str) -> None:
    """Streamlit's own extensions start at an unescaped ``:`` or ``$``; none is left."""
    escaped = literal(text)
    for mark in (":", "$"):
        assert escaped.count(mark) == escaped.count("\\" + mark)
