"""HTTP caching of public pages and API answers: an ETag made from a cheap "last changed" value
the view passes (never from the rendered page), 304 for a reader who has that version, and
`Cache-Control: public, max-age=…, stale-while-revalidate=…` so a proxy or CDN serves a busy
letter from its cache.

Only for readers without a session: a session (a signer's note after signing, a staff login)
may make the page personal, so then `private, no-cache` and no 304. Paths that headers.py marks
personal keep their `no-store`.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask, Response, current_app, g, make_response, request, session

from .headers import PERSONAL_PATH_PARTS
from .page_cache import SHAREABLE

DEFAULT_MAX_AGE = 30
DEFAULT_STALE_WHILE_REVALIDATE = 300


def _code_version(app: Flask) -> str:
    """Changes when the code, templates or translations change: a new release is a new ETag.
    The same in every worker (file times, not the start time)."""
    root = Path(app.root_path)
    newest = 0.0
    for folder in (root, root.parent / "templates"):
        for directory, _, files in os.walk(folder):
            for name in files:
                if name.endswith((".py", ".html", ".mo", ".css", ".txt")):
                    newest = max(newest, os.stat(os.path.join(directory, name)).st_mtime)
    return str(newest)


def _shareable() -> bool:
    """Whether this answer is the same for every reader of the URL."""
    return (request.method in ("GET", "HEAD") and not session and "lang" not in request.args
            and not any(part in request.path for part in PERSONAL_PATH_PARTS))


def etag_of(version: Iterable[object]) -> str:
    parts = [current_app.extensions["campaign_code_version"], *map(str, version)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def conditional(version: Iterable[object], render: Callable[[], object]) -> Response:
    """The answer of `render()`, cacheable under an ETag made from `version`: what the page
    shows changes only when one of its parts does. 304 when the reader has it already."""
    if not _shareable():
        response = make_response(render())
        g.cache_control = "private, no-cache"
        return response
    etag = etag_of(version)
    g.cache_control = "public, max-age={}, stale-while-revalidate={}".format(
        current_app.config.get("PUBLIC_CACHE_MAX_AGE", DEFAULT_MAX_AGE),
        current_app.config.get("PUBLIC_CACHE_STALE_WHILE_REVALIDATE",
                               DEFAULT_STALE_WHILE_REVALIDATE))
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
    else:
        response = make_response(render())
    response.set_etag(etag, weak=True)
    return response


def _cache_headers(response: Response) -> Response:
    policy = g.pop("cache_control", None)
    if policy is None or response.status_code not in (200, 304):
        return response
    if "Set-Cookie" in response.headers or session.modified:
        policy = "private, no-cache"
        response.headers.pop("ETag", None)
    response.headers["Cache-Control"] = policy
    response.vary.add("Cookie")
    if policy.startswith("public"):
        request.environ[SHAREABLE] = True  # page_cache may keep it
    return response


def init_app(app: Flask) -> None:
    app.extensions["campaign_code_version"] = _code_version(app)
    app.after_request(_cache_headers)
