"""gunicorn's settings for campaign: `gunicorn -c gunicorn.conf.py wsgi:app` (gunicorn also reads
this file by itself when started in this folder).

Threaded workers (gthread): a client that sends half a request and stalls holds one thread, not a
whole worker, so a few slow or half-open connections cannot stop the site. Many of them still can:
in production put a buffering reverse proxy in front (README, "Production"), which hands gunicorn
only whole requests. Every setting can be changed from the environment, or on the command line.
"""
from __future__ import annotations

import multiprocessing
import os


def _number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


# Where to listen; gunicorn's own default is 127.0.0.1:8000 (or 0.0.0.0:$PORT when PORT is set).
if os.environ.get("WEB_BIND"):
    bind = os.environ["WEB_BIND"].split(",")

# Processes: WEB_CONCURRENCY (the name platforms use), else two per core.
workers = _number("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count())
worker_class = "gthread"
# Requests each process serves at once; most of a request's time is spent waiting on PostgreSQL.
threads = _number("WEB_THREADS", 8)

# A request that takes longer than this is stuck: its worker is restarted.
timeout = _number("WEB_TIMEOUT", 30)
graceful_timeout = _number("WEB_GRACEFUL_TIMEOUT", 30)
# Seconds an idle kept-alive connection is held open (behind a proxy that reuses connections,
# set it above the proxy's own idle timeout).
keepalive = _number("WEB_KEEPALIVE", 5)
# Connections held open per worker, across all its threads.
worker_connections = _number("WEB_CONNECTIONS", 1000)

# Refuse oversized request lines and headers before the app sees them (bodies are bounded by the
# app's MAX_CONTENT_LENGTH).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Workers restart now and then, so that no slow leak grows without bound.
max_requests = _number("WEB_MAX_REQUESTS", 10_000)
max_requests_jitter = max_requests // 10

# The app logs through the "campaign" logger; an access log only when asked for
# (WEB_ACCESS_LOG=- for stdout, or a file), as a reverse proxy usually keeps one.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
