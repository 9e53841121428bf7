"""Which language a page speaks: the letter's own language, else the reader's, Dutch by default."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request

from ..extensions import babel

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """A letter's pages speak its language; other pages the one the reader chose, else Dutch.

    The browser's Accept-Language is not asked: many Dutch readers run English systems.
    """
    languages = current_app.config["LANGUAGES"]
    forced = getattr(g, "language", None)
    if forced in languages:
        return forced
    if has_request_context():
        for asked in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
            if asked in languages:
                return asked
    return languages[0]


def remember_language_choice(response):
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


def use_language(language: str) -> None:
    """Speak `language` for the rest of this request or CLI command (letter pages, mails)."""
    from flask_babel import refresh

    g.language = language
    refresh()


def init_babel(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(remember_language_choice)
