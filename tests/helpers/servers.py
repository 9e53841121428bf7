"""The app as a user runs it: flask commands and gunicorn in processes of their own."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask_command(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`flask --app wsgi ARGS` in a process of its own, as a user would run it."""
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], env=env, check=True,
                          capture_output=True, text=True, cwd=PROJECT)


def fresh_user_environment(tmp_path: Path, port: int, **settings: str) -> dict:
    """The environment of a user who set nothing of ours but `settings`, serving on `port`."""
    ours = ("MAIL_", "DATABASE_URL", "SECRET_KEY", "BASE_URL", "RATELIMIT_", "SIGN_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), BASE_URL=f"http://127.0.0.1:{port}",
               PYTHONWARNINGS="ignore", **settings)
    return env


@contextmanager
def gunicorn(env: dict, port: int, workers: int = 2):
    """The app served by gunicorn, the production server, until the block ends."""
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "wsgi:app"], env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
