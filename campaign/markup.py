"""Markdown to HTML for letter bodies: CommonMark, raw HTML escaped, no images, safe links only."""
from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # html=False escapes any HTML in the file; images would fetch from elsewhere, so they go.
    # markdown-it already refuses javascript:, vbscript:, file: and data: links.
    return MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
        ["replacements", "smartquotes", "table", "strikethrough"]).disable("image")


def render_markdown(text: str) -> Markup:
    return Markup(_renderer().render(text or ""))
