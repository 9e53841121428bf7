"""Markdown to HTML for letter bodies: CommonMark, raw HTML escaped, no images, safe links only."""
from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html
from markupsafe import Markup


def _image_as_its_text(renderer, tokens, index, options, env) -> str:
    # An image would be fetched from elsewhere (a tracker on the web page, a file in the PDF):
    # show its alternative text instead.
    return escape_html(tokens[index].content)


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # html=False escapes any HTML in the file; markdown-it already refuses javascript:,
    # vbscript:, file: and data: links.
    md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
        ["replacements", "smartquotes", "table", "strikethrough"])
    md.add_render_rule("image", _image_as_its_text)
    return md


def render_markdown(text: str) -> Markup:
    # html=False above has escaped every tag the text held.
    return Markup(_renderer().render(text or ""))  # noqa: S704  # nosec B704
