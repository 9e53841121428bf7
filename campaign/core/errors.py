"""Error pages: a clear message in the reader's language and the fitting status; JSON under /api."""
from __future__ import annotations

import logging
from contextlib import suppress

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db

log = logging.getLogger(__name__)

# Seconds a client is asked to wait while the database is unreachable.
RETRY_AFTER_SECONDS = 30


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
        503: (_("Temporarily unavailable"),
              _("The site cannot reach its data for a moment. Nothing was saved. Please try "
                "again in a minute.")),
    }


def _respond(code: int, api_detail: str | None = None, html_detail: str | None = None):
    if request.path.startswith("/api/"):
        messages = {400: "bad request", 404: "not found", 405: "method not allowed",
                    413: "request too large", 429: "too many requests", 500: "internal error",
                    503: "temporarily unavailable"}
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


def rollback_quietly() -> None:
    """End the request's transaction even when the database connection is gone (the rollback
    itself then fails): the connection is dropped from the pool and the session forgotten."""
    try:
        db.session.rollback()
    except Exception:  # the connection died under the rollback; nothing is left to undo
        log.warning("Rollback failed: dropping the database connection", exc_info=True)
        with suppress(Exception):
            db.session.invalidate()
        with suppress(Exception):
            db.session.remove()


def handle_not_allowed(error: NotAllowed):
    # The letter changed state between the page and the button (closed while signing).
    rollback_quietly()
    return _respond(409)


def handle_database_unavailable(error: Exception):
    """The database cannot be reached (restart, failover, network): 503 with Retry-After, not a
    500. The pool checks connections before use (pool_pre_ping), so the next request after the
    database is back succeeds, without a restart."""
    if isinstance(error, DBAPIError) and not isinstance(error, OperationalError | InterfaceError) \
            and not error.connection_invalidated:
        return handle_unexpected_error(error)  # a real fault (a constraint, bad SQL): 500
    rollback_quietly()
    log.error("Database unavailable on %s %s: %s", request.method, request.path,
              type(getattr(error, "orig", None) or error).__name__)
    response = _respond(503)
    if isinstance(response, tuple):
        response = current_app.make_response(response)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_unexpected_error(error: Exception):
    rollback_quietly()
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return _respond(500)


def _end_session_quietly(exception: BaseException | None) -> None:
    # Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse order): a failing
    # rollback there would escape every error handler and give the bare server's 500.
    try:
        db.session.remove()
    except Exception:
        log.warning("Ending the database session failed: dropping the connection",
                    exc_info=True)
        with suppress(Exception):  # nothing more can be done for a connection already gone
            db.session.invalidate()


def refuse_json_that_is_no_form():
    """Flask-WTF reads a JSON body as a form's data and fails (a 500) on one that is not an
    object (`false`, `[1]`); no form here takes JSON, and the API takes no bodies: 400."""
    if request.is_json and request.method in ("POST", "PUT", "PATCH", "DELETE") \
            and not isinstance(request.get_json(silent=True), dict):
        return _respond(400)
    return None


def refuse_nameless_form_parts():
    """A multipart part whose name cannot be read (`name="\\r"`) comes out of werkzeug with no
    name, and Flask-WTF's CSRF check fails on it (a 500): such a form is refused with 400."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype == \
            "multipart/form-data" and any(not isinstance(key, str) for key in request.form):
        return _respond(400)
    return None


def init_app(app: Flask) -> None:
    # Before every other hook, the CSRF check included.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nameless_form_parts)
    app.before_request(refuse_json_that_is_no_form)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(NotAllowed, handle_not_allowed)
    for unavailable in (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError,
                        DBAPIError):
        app.register_error_handler(unavailable, handle_database_unavailable)
    app.teardown_appcontext(_end_session_quietly)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
