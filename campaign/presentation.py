"""Template helpers: Markdown, dates written out in a letter's language, and small formatting."""
from __future__ import annotations

import re
from datetime import date, datetime

from babel.dates import format_date
from flask import Flask
from flask_babel import get_locale

from .markup import render_markdown
from .signatories import lead_line


def long_date(value: date | datetime | None, language: str = "nl") -> str:
    """29 januari 2021 / 29 January 2021."""
    if value is None:
        return ""
    return format_date(value, format="d MMMM y", locale=language)


_ELIDED_ARTICLE = re.compile(r"(['\u2019][st])([- ])(?=\w)")


def keep_together(text: str) -> str:
    """Stop a line break after the article of "'s-Hertogenbosch" or "'t Zandt"."""
    return _ELIDED_ARTICLE.sub(lambda m: m.group(1) + ("\u2011" if m.group(2) == "-" else "\u00a0"),
                               text)


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "nl")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["lines"] = lines
    app.jinja_env.filters["keep_together"] = keep_together
    app.jinja_env.filters["signer_line"] = lambda signature: lead_line(
        signature, signature.letter.language)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
