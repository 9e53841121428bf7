"""Which language a page speaks: the letter's own language, else the reader's, Dutch by default."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request

from .extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    forced = getattr(g, "language", None)
    if forced in languages:
        return forced
    if has_request_context():
        asked = request.args.get("lang")
        if asked in languages:
            return asked
        return request.accept_languages.best_match(languages) or languages[0]
    return languages[0]


def use_language(language: str) -> None:
    """Speak `language` for the rest of this request or CLI command (letter pages, mails)."""
    from flask_babel import refresh

    g.language = language
    refresh()


def init_babel(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
