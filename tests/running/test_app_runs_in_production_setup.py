"""The production setup: several gunicorn workers share their rate limits through Redis."""
from __future__ import annotations

import http.cookiejar
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from helpers.pages import csrf_token
from helpers.servers import flask_command, free_port, fresh_user_environment, gunicorn

REDIS_URL = os.environ.get("TEST_REDIS_URL")


def _sign_through_gunicorn(tmp_path, storage_uri: str, times: int) -> list[int]:
    """Start gunicorn (3 workers) with rate limits in `storage_uri` and 3 signings an hour
    allowed; sign `times` times from one address; the status of each submission."""
    port = free_port()
    env = fresh_user_environment(
        tmp_path, port, RATELIMIT_STORAGE_URI=storage_uri, SIGN_RATE_LIMIT="3 per hour",
        SECRET_KEY=uuid.uuid4().hex,
        # each run counts under its own key, so earlier runs do not count
        RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    flask_command(env, "db", "upgrade")
    slug = flask_command(env, "demo", "--signatures", "0").stdout.strip()
    codes = []
    with gunicorn(env, port, workers=3) as base:
        for number in range(times):  # a fresh connection each time, so the workers take turns
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            page = opener.open(f"{base}/letters/{slug}/sign", timeout=5).read().decode()
            form = {"csrf_token": csrf_token(page), "kind": "organisation", "name": "N",
                    "organisation": "O", "sector": "onderwijs", "email": f"n{number}@o.nl",
                    "consent": "y"}
            try:
                codes.append(opener.open(f"{base}/letters/{slug}/sign",
                                         urllib.parse.urlencode(form).encode(), timeout=5).status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
    return codes


@pytest.fixture
def sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("this is about the rate limiter, not the database")


@pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL to test against Redis")
def test_rate_limits_hold_across_gunicorn_workers_through_redis(tmp_path, sqlite_only):
    assert _sign_through_gunicorn(tmp_path, REDIS_URL, 5) == [200, 200, 200, 429, 429]


def test_signing_goes_on_while_redis_is_unreachable(tmp_path, sqlite_only):
    assert _sign_through_gunicorn(tmp_path, "redis://127.0.0.1:1/0", 2) == [200, 200]


def test_a_setting_that_is_no_number_is_named(monkeypatch, tmp_path):
    from campaign.config import SettingError, from_environment
    monkeypatch.setenv("MAIL_PORT", "smtp")
    with pytest.raises(SettingError, match="MAIL_PORT must be a whole number, not 'smtp'"):
        from_environment(tmp_path)
