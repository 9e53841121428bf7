"""Reading pages as a signer does, and a browser that submits their forms with the CSRF token."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

BASE_URL = "http://campaign.test"


def visible_text(html: str) -> str:
    """What a reader sees of a page: tags dropped, entities resolved."""
    return unescape(re.sub(r"<[^>]+>", "", html)).replace("\u00a0", " ")


def path_of(url: str) -> str:
    assert url.startswith(BASE_URL), url
    return url[len(BASE_URL):]


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@dataclass
class Browser:
    """A signer's browser: GETs a page, then submits its form with the page's CSRF token."""
    client: object
    token: str | None = None

    def get(self, path: str):
        return self.client.get(path)

    def submit(self, path: str, data: dict | None = None, form_page: str | None = None):
        page = self.client.get(form_page or path)
        assert page.status_code == 200, page.status_code
        self.token = csrf_token(page.text)
        return self.post(path, data)

    def post(self, path: str, data: dict | None = None):
        """POST with the CSRF token of the last form this browser saw (as a second tab would)."""
        assert self.token, "no form seen yet"
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})})
