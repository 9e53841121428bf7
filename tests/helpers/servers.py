"""The app as a user runs it: flask commands and gunicorn in processes of their own."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from .pages import CSRF

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask_command(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`flask --app wsgi ARGS` in a process of its own, as a user would run it."""
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], env=env, check=check,
                          capture_output=True, text=True, cwd=PROJECT)


def fresh_user_environment(tmp_path: Path, port: int, **settings: str) -> dict:
    """The environment of a user who set nothing of ours but `settings`, serving on `port`."""
    ours = ("MAIL_", "DATABASE_URL", "SECRET_KEY", "BASE_URL", "RATELIMIT_", "SIGN_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), BASE_URL=f"http://127.0.0.1:{port}",
               PYTHONWARNINGS="ignore", **settings)
    # Tests look at pages right after another process wrote: no page cache unless asked for.
    env.setdefault("PAGE_CACHE_SECONDS", "0")
    return env


@contextmanager
def gunicorn(env: dict, port: int, workers: int = 2, threads: int | None = None):
    """The app served by gunicorn, the production server, with the shipped gunicorn.conf.py
    (threaded workers) until the block ends; `threads` overrides its threads per worker."""
    command = [str(BIN / "gunicorn"), "--config", str(PROJECT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    server = subprocess.Popen([*command, "wsgi:app"], env=env, cwd=PROJECT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/privacy", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@dataclass
class HttpBrowser:
    """A browser talking HTTP to a served app: one session cookie and the CSRF token of the last
    form it saw, so that many threads can press the same button at the same moment."""
    base: str
    cookie: str = ""
    token: str = ""

    def _request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        address = urlsplit(self.base)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            cookie = response.getheader("Set-Cookie")
            if cookie and not self.cookie:
                self.cookie = cookie.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, str]:
        status, text = self._request("GET", path)
        match = CSRF.search(text)
        if match:
            self.token = match.group(1) or match.group(2)
        return status, text

    def post(self, path: str, data: dict | None = None) -> int:
        body = urlencode({"csrf_token": self.token, **(data or {})})
        return self._request("POST", path, body)[0]
