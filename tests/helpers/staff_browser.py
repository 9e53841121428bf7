"""A staff member's browser: logs in through the login form, then uses the workspace's forms
with the session's CSRF token."""
from __future__ import annotations

from dataclasses import dataclass

from .factories import STAFF_PASSWORD
from .pages import csrf_token


@dataclass
class StaffBrowser:
    client: object
    token: str | None = None

    def log_in(self, email: str, password: str = STAFF_PASSWORD, next_: str | None = None):
        page = self.client.get("/staff/login")
        self.token = csrf_token(page.text)
        query = f"?next={next_}" if next_ else ""
        response = self.client.post(f"/staff/login{query}", data={
            "csrf_token": self.token, "email": email, "password": password})
        if response.status_code == 303:
            self.token = csrf_token(self.client.get("/staff/").text)
        return response

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)
