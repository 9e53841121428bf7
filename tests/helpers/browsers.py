"""The app served to a real browser: Debian's Chromium driven by Playwright, against the app on a
threaded local server. Tests that need them are skipped without Chromium, except where
REQUIRE_BROWSER is set (CI), where they fail."""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM and not os.environ.get("REQUIRE_BROWSER"),
    reason="Chromium is not installed (make install adds it on Debian)")


@contextmanager
def served_app(make_app):
    """An app from `make_app` on a local port, with BASE_URL pointing there: (app, base_url)."""
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    server.app = app = make_app(BASE_URL=base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, base_url
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def chromium_browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "REQUIRE_BROWSER is set but Chromium is missing"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            yield browser
        finally:
            browser.close()
