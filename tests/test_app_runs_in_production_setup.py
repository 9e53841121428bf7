"""The production setup: several gunicorn workers share their rate limits through Redis."""
from __future__ import annotations

import http.cookiejar
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from conftest import csrf_token, flask_command, free_port, gunicorn

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL to test against Redis")
def test_rate_limits_hold_across_gunicorn_workers_through_redis(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("this test is about the rate limiter, not the database")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MAIL_", "DATABASE_URL", "RATELIMIT_", "SIGN_"))}
    port = free_port()
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), BASE_URL=f"http://127.0.0.1:{port}",
               PYTHONWARNINGS="ignore", RATELIMIT_STORAGE_URI=REDIS_URL,
               SIGN_RATE_LIMIT="3 per hour", SECRET_KEY=uuid.uuid4().hex,
               # each run counts under its own key, so earlier runs do not count
               RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    flask_command(env, "db", "upgrade")
    slug = flask_command(env, "demo", "--signatures", "0").stdout.strip()
    with gunicorn(env, port, workers=3) as base:
        codes = []
        for number in range(5):  # a fresh connection each time, so the workers take turns
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            page = opener.open(f"{base}/letters/{slug}/sign", timeout=5).read().decode()
            form = {"csrf_token": csrf_token(page), "kind": "organisation", "name": "N",
                    "organisation": "O", "email": f"n{number}@o.nl", "consent": "y"}
            try:
                codes.append(opener.open(f"{base}/letters/{slug}/sign",
                                         urllib.parse.urlencode(form).encode(), timeout=5).status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
    assert codes == [200, 200, 200, 429, 429]
