"""Clients that open a connection, send half a request and stall (slowloris, or a phone on a
bad line) do not stop the site: under the shipped gunicorn.conf.py (2 workers, threaded) a
normal visitor is still answered at once. With gunicorn's default sync workers, four such
connections used to stop a 2-worker site for 20 s and more."""
from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from helpers.servers import flask_command, free_port, fresh_user_environment, gunicorn

HALF_REQUESTS = [
    b"GET /privacy HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # headers never end
    b"POST /letters/x/sign HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n\r\nname=Ja",  # body never ends
    b"GET /priv",  # the request line never ends
    b"",  # connects and says nothing
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("slow")
    port = free_port()
    env = fresh_user_environment(tmp_path, port, SECRET_KEY="test-secret")
    flask_command(env, "db", "upgrade")
    with gunicorn(env, port, workers=2) as base:
        yield port, base


def _answer_seconds(base: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"{base}/privacy", timeout=10) as response:
        assert response.status == 200
    return time.monotonic() - started


@pytest.mark.parametrize("stalled", [4, 8])
def test_half_open_connections_do_not_stop_a_normal_request(site, stalled):
    port, base = site
    sockets = []
    try:
        for number in range(stalled):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(HALF_REQUESTS[number % len(HALF_REQUESTS)])
            sockets.append(sock)
        time.sleep(0.5)  # let the workers pick them up
        seconds = [_answer_seconds(base) for _ in range(5)]
    finally:
        for sock in sockets:
            sock.close()
    assert max(seconds) < 1.5, seconds
    print(f'{{"name": "answer_beside_{stalled}_stalled_connections", '
          f'"value": {max(seconds):.3f}, "unit": "s"}}')
