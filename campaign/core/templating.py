"""Template helpers: Markdown, dates written out in a letter's language, and small formatting."""
from __future__ import annotations

import re
from datetime import date, datetime

from babel.dates import format_date
from flask import Flask
from flask_babel import format_decimal, get_locale, get_translations
from markupsafe import Markup, escape

from .markup import render_markdown


def long_date(value: date | datetime | None, language: str = "nl") -> str:
    """29 januari 2021 / 29 January 2021."""
    if value is None:
        return ""
    return format_date(value, format="d MMMM y", locale=language)


# "'s-Hertogenbosch", "'t Zandt": a line must not break after the elided article.
_ELIDED_PLACE = re.compile(r"(?<!\w)['\u2018\u2019][st][\s-]\w[\w-]*", re.IGNORECASE)
# A signatory line ends in its municipality: "gemeente Alphen aan den Rijn" stays on one line.
_MUNICIPALITY_AT_END = re.compile(r"(?:gemeente|municipality of) [^,()]+$")
_NOWRAP = Markup('<span class="nowrap">{}</span>')


# Longer tails may break before "gemeente": they would not fit a column's line anyway.
LONGEST_UNBROKEN_TAIL = 42


def _unbroken_tail(text: str) -> re.Match | None:
    """What stays on one line at the end of a signatory line: the role with its municipality
    ("wethouder gemeente Alphen aan den Rijn") when it fits a line, else the municipality."""
    municipality = _MUNICIPALITY_AT_END.search(text)
    if municipality is None:
        return None
    comma = text.rfind(", ", 0, municipality.start())
    if comma >= 0 and len(text) - comma - 2 <= LONGEST_UNBROKEN_TAIL:
        return re.compile(r".+").search(text, comma + 2)
    return municipality


def keep_together(text: str) -> Markup:
    """`text` escaped, with place names (and a signatory's role with its municipality) wrapped
    so that a line never breaks inside them."""
    text = str(text)
    municipality = _unbroken_tail(text)
    head = text[:municipality.start()] if municipality else text
    pieces, start = [], 0
    for match in _ELIDED_PLACE.finditer(head):
        pieces += [escape(head[start:match.start()]), _NOWRAP.format(match.group())]
        start = match.end()
    pieces.append(escape(head[start:]))
    if municipality:
        pieces.append(_NOWRAP.format(municipality.group()))
    return Markup("").join(pieces)


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def number(value: int) -> str:
    """A count with the digit grouping of the current language: 10.000 / 10,000."""
    return format_decimal(value)


def count_of(singular: str, plural: str, count: int, **variables) -> str:
    """ngettext for a count written with the current language's digit grouping: "%(num)s
    partijen" gives "10.000 partijen" (Flask-Babel's ngettext puts in the bare number). A
    template global too; `make messages` extracts it as a keyword."""
    return get_translations().ngettext(singular, plural, count) % {"num": number(count),
                                                                   **variables}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "nl")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["lines"] = lines
    app.jinja_env.filters["keep_together"] = keep_together
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals["count_of"] = count_of
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
