"""Error pages: a clear message in the reader's language and the fitting status; JSON under /api."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db

log = logging.getLogger(__name__)


class NotAllowed(Exception):
    """The change does not fit the letter's or signature's state (the web answers 409)."""


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Something in this request is not right"),
              _("Please go back and try again.")),
        404: (_("Page not found"),
              _("This page does not exist, or the link is not valid. Check that you copied the "
                "whole link from the e-mail.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        409: (_("Not possible now"), _("This cannot be done in the letter's current state.")),
        410: (_("This link has expired"), _("Ask for a new link.")),
        413: (_("Too much data"), _("What you sent is larger than this form accepts.")),
        429: (_("Too many attempts"),
              _("You have tried this too often in a short time. Please wait a while and try "
                "again.")),
        500: (_("Something went wrong on our side"),
              _("Nothing was saved. Please try again later.")),
    }


def _respond(code: int, api_detail: str | None = None, html_detail: str | None = None):
    if request.path.startswith("/api/"):
        messages = {400: "bad request", 404: "not found", 405: "method not allowed",
                    413: "request too large", 429: "too many requests", 500: "internal error"}
        return jsonify(error=api_detail or messages.get(code, "error")), code
    title, text = _messages().get(code, _messages()[400])
    return render_template("errors/error.html", code=code, title=title,
                           text=html_detail or text), code


def handle_http_error(error: HTTPException):
    code = error.code or 500
    if error.response is not None:
        return error.response
    detail = error.description if request.path.startswith("/api/") and code == 400 else None
    return _respond(code, api_detail=detail)


def handle_csrf_error(error: CSRFError):
    return _respond(400, html_detail=_(
        "The form had expired or came from another page. Please open the form again and "
        "resubmit it."))


def handle_not_allowed(error: NotAllowed):
    # The letter changed state between the page and the button (closed while signing).
    db.session.rollback()
    return _respond(409)


def handle_unexpected_error(error: Exception):
    db.session.rollback()
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return _respond(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(NotAllowed, handle_not_allowed)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
