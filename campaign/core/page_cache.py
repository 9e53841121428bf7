"""Public pages kept rendered in each process for a few seconds: a busy letter's page, its lists
and its API answers are served from memory instead of being queried and rendered anew for every
reader.

Only what `caching.conditional` marked shareable is kept: a 200 for a reader without a session,
the same for everyone who asks for that URL in that language. It is kept for
PAGE_CACHE_SECONDS (0 turns the cache off), and dropped at once when this process writes to the
database; what another process writes shows within those seconds, well inside what the pages
tell proxies anyway (`max-age`, caching.py). One thread at a time renders a page: while it
does, the others serve the page kept before, or wait for the new one. The cache sits outside
Flask, as WSGI middleware, so that a hit costs neither a query nor a template.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import monotonic

import sqlalchemy as sa
from werkzeug.http import parse_cookie, parse_etags, unquote_etag

# Set in the WSGI environ by caching.py when an answer may be kept for every reader of its URL.
SHAREABLE = "campaign.shareable"
CACHED_PATHS = ("/letters/", "/api/")
LANGUAGE_COOKIE = "lang"
MAX_ENTRIES = 2000
MAX_BODY_BYTES = 2 * 1024 * 1024
# How long a reader waits for another thread's rendering of the page before rendering it too.
WAIT_FOR_RENDER_SECONDS = 10


class _Writes:
    """How many times this process has written to a database (or committed): a cached page
    rendered before the latest write is not served again."""
    count = 0


def _count_write(_conn, _cursor, statement: str, *_args: object) -> None:
    if not statement.lstrip()[:6].upper().startswith("SELECT"):
        _Writes.count += 1


def _count_commit(_conn) -> None:
    _Writes.count += 1


sa.event.listen(sa.engine.Engine, "after_cursor_execute", _count_write)
sa.event.listen(sa.engine.Engine, "commit", _count_commit)


@dataclass(frozen=True)
class _Page:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None
    expires: float
    writes: int


class PageCache:
    """WSGI middleware: keeps shareable GET answers under /letters/ and /api/ for `seconds`."""

    def __init__(self, wsgi_app: Callable, seconds: float, session_cookie: str) -> None:
        self.wsgi_app, self.seconds, self.session_cookie = wsgi_app, seconds, session_cookie
        self.pages: OrderedDict[tuple, _Page] = OrderedDict()
        self.lock = threading.Lock()
        # Keys one thread is rendering: meanwhile the others serve the page kept, or wait for
        # it, instead of all rendering it at once.
        self.refreshing: dict[tuple, threading.Event] = {}

    def _key(self, environ: dict) -> tuple | None:
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
                or not path.startswith(CACHED_PATHS)):
            return None
        query = environ.get("QUERY_STRING", "")
        cookies = parse_cookie(environ.get("HTTP_COOKIE", "")) if "HTTP_COOKIE" in environ else {}
        if self.session_cookie in cookies or "lang=" in query:
            return None
        return (environ.get("HTTP_HOST", ""), path, query, cookies.get(LANGUAGE_COOKIE, ""))

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        page = self.pages.get(key)
        fresh = page is not None and page.writes == _Writes.count
        if fresh and page.expires > monotonic():
            return self._serve(page, environ, start_response)
        with self.lock:
            rendering = self.refreshing.get(key)
            if rendering is None:
                self.refreshing[key] = threading.Event()
        if rendering is not None:
            # Another thread is rendering this page: serve the one kept meanwhile, or wait for
            # the new one rather than render it once more (a burst of first readers).
            if fresh:
                return self._serve(page, environ, start_response)
            rendering.wait(WAIT_FOR_RENDER_SECONDS)
            page = self.pages.get(key)
            if page is not None and page.writes == _Writes.count:
                return self._serve(page, environ, start_response)
            return self.wsgi_app(environ, start_response)
        try:
            return self._render(key, environ, start_response)
        finally:
            with self.lock:
                self.refreshing.pop(key).set()

    def _render(self, key: tuple, environ: dict, start_response: Callable) -> Iterable[bytes]:
        writes_before = _Writes.count
        answered: dict = {}

        def remember_start(status: str, headers: list, exc_info: object = None):
            answered.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, remember_start)
        if not (environ.get(SHAREABLE) and answered.get("status", "").startswith("200 ")
                and environ.get("REQUEST_METHOD") == "GET"
                and not any(name.lower() == "set-cookie" for name, _ in answered["headers"])):
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        if len(content) <= MAX_BODY_BYTES:
            self._keep(key, _Page(
                answered["status"], list(answered["headers"]), content,
                next((value for name, value in answered["headers"] if name.lower() == "etag"),
                     None), monotonic() + self.seconds, writes_before))
        return [content]

    def _keep(self, key: tuple, page: _Page) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > MAX_ENTRIES:
                self.pages.popitem(last=False)

    @staticmethod
    def _serve(page: _Page, environ: dict, start_response: Callable) -> Iterable[bytes]:
        asked = environ.get("HTTP_IF_NONE_MATCH")
        if asked and page.etag and parse_etags(asked).contains_weak(unquote_etag(page.etag)[0]):
            headers = [(name, value) for name, value in page.headers
                       if name.lower() not in ("content-length", "content-type")]
            start_response("304 NOT MODIFIED", headers)
            return []
        start_response(page.status, list(page.headers))
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [page.body]
