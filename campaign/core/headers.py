"""Response headers that protect signers: no framing of the sign buttons, no token in a Referer."""
from __future__ import annotations

from flask import Flask, Response, current_app, request

SECURITY_HEADERS = {
    # A page with a sign or withdraw button must not be framed by another site (clickjacking).
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'; object-src 'none'",
    # Mailed links carry a token in their path; a link in the letter must not pass it on.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
# Pages behind a mailed link, and the staff side, are personal: never keep them in any cache.
PERSONAL_PATH_PARTS = ("/confirm/", "/invitation/", "/withdraw/", "/staff/", "/sign/sent")


# Served over https: browsers never try plain http for this site again (two years).
HSTS = "max-age=63072000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["BASE_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if any(part in request.path for part in PERSONAL_PATH_PARTS):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
