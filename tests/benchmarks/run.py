"""`make bench`: the figures that say whether campaign is fast enough, one JSON object per line.

Every time figure comes with its reference measured in the same run: HTTP rates against a bare
Flask app under the same gunicorn (2 workers) and the same load (wrk, 32 connections); the PDF
against WeasyPrint rendering the same names from minimal HTML. Runs on SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL too (its schema is dropped and made anew).
The export of 400,000 runs on the last backend only (PostgreSQL when set), the PDF on SQLite
only: the whole run stays within 10 minutes on 2 cores.
Set BENCH_SECONDS (default 5) for the length of each load, BENCH_QUICK=1 to skip the largest
PDF and export, BENCH_ONLY=http|pages|export|pdf for one part (pages: a letter with 100,000
signatures, its page, list pages 1 and 500, a search and the API).
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
QUICK = os.environ.get("BENCH_QUICK") == "1"
# BENCH_ONLY=http (or export, pdf): just those figures.
ONLY = os.environ.get("BENCH_ONLY", "")
CONNECTIONS = 32
# The rendered list pages 1 and 500 (their target is a ratio) take this many turns each.
PAIR_TURNS, PAIR_SECONDS = 5, 2
SETTLE_SECONDS = 1
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def emit(name: str, value: float, unit: str, **figures: object) -> None:
    figures = {key: value for key, value in figures.items() if value is not None}
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, **figures}),
          flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(module: str, env: dict, cwd: Path, workers: int = 2, **settings: str):
    port = free_port()
    env = {**env, **settings}
    server = subprocess.Popen(
        # The shipped gunicorn.conf.py for the app and the bare app alike: the same server.
        [str(BIN / "gunicorn"), "--config", str(PROJECT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning", module], env=env, cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def wrk(url: str, script: str, seconds: int = SECONDS, **env: str) -> dict:
    """Load `url` for `seconds` with CONNECTIONS connections; requests/s, p50/p95 latency."""
    # gunicorn is still answering the requests the last run left in flight: a worker busy with
    # them is slow to accept, the other takes most of the new keep-alive connections, and the
    # run gets one core where it should have two (seen here as rates that halve at random).
    time.sleep(SETTLE_SECONDS)
    done = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s",
         str(HERE / script), url], capture_output=True, text=True, check=True,
        env={**os.environ, "BENCH_THREADS": "2", **env})
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line[len("BENCH "):])
    return {"per_s": figures["requests"] / (figures["duration_us"] / 1e6),
            "p50_ms": figures["p50_us"] / 1000, "p95_ms": figures["p95_us"] / 1000,
            "requests": figures["requests"], "errors": figures["errors"],
            "http_errors": figures["non_2xx_3xx"]}


def job(env: dict, *args: str) -> dict:
    done = subprocess.run([sys.executable, str(HERE / "jobs.py"), *args], env=env, cwd=PROJECT,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"job {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def flask(env: dict, *args: str) -> str:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], env=env, cwd=PROJECT,
                          capture_output=True, text=True, check=True).stdout


def environment(backend: str, database_url: str, folder: Path, port: int) -> dict:
    ours = ("MAIL_", "DATABASE_URL", "SECRET_KEY", "BASE_URL", "RATELIMIT_", "SIGN_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    # Rate limits off, as the figures are defined; workers are not recycled mid-run.
    env.update(INSTANCE_PATH=str(folder / backend), DATABASE_URL=database_url,
               SECRET_KEY="bench-secret", BASE_URL=f"http://127.0.0.1:{port}",
               RATELIMIT_ENABLED="false", WEB_MAX_REQUESTS="0", PYTHONWARNINGS="ignore")
    return env


def session_and_token(url: str) -> tuple[str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url, timeout=10).read().decode()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, CSRF.search(page).group(1)


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                              if url.startswith("postgresql://") else url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def new_letter(env: dict) -> str:
    return flask(env, "demo", "--signatures", "0").strip().splitlines()[-1]


def http_figures(backend: str, env: dict, bare: dict, folder: Path) -> None:
    slug = new_letter(env)
    links = folder / f"{backend}-confirm-links.txt"
    job(env, "pending-links", slug, str(max(2000, SECONDS * 500)), str(links))
    with gunicorn("wsgi:app", env, PROJECT) as base:
        cookie, token = session_and_token(f"{base}/letters/{slug}/sign")
        body = (f"csrf_token={token}&kind=organisation&name=Bench+Signer&role=directeur"
                "&organisation=Stichting+Bench&sector=onderwijs&email=b{n}%40bench.example"
                "&consent=y&public=y")
        sign = wrk(f"{base}/letters/{slug}/sign", "post_form.lua", BENCH_COOKIE=cookie,
                   BENCH_BODY=body)
        emit("sign_per_s", sign["per_s"], "requests/s", backend=backend,
             ratio_to_bare=round(sign["per_s"] / bare["per_s"], 3), bare_per_s=bare["per_s"],
             **{k: v for k, v in sign.items() if k != "per_s"})
        cookie, token = session_and_token(base + open(links).readline().strip())
        confirm = wrk(f"{base}/", "post_form.lua", BENCH_COOKIE=cookie,
                      BENCH_BODY=f"csrf_token={token}", BENCH_PATHS=str(links))
        emit("confirm_per_s", confirm["per_s"], "requests/s", backend=backend,
             ratio_to_bare=round(confirm["per_s"] / bare["per_s"], 3),
             bare_per_s=bare["per_s"], **{k: v for k, v in confirm.items() if k != "per_s"})
    queued = job(env, "outbox", "1000")
    emit("outbox_mails_per_s", queued["sent"] / queued["seconds"], "mails/s", backend=backend,
         sent=queued["sent"], not_needed=queued["skipped"], seconds=round(queued["seconds"], 2))


def export_figures(backend: str, env: dict, folder: Path, largest: bool) -> None:
    """100,000 signatures exported; and 400,000 with `largest` (on one backend: the last)."""
    peaks = {}
    for count in (100_000, 400_000) if largest and not QUICK else (100_000,):
        slug = new_letter(env)
        job(env, "seed-signatures", slug, str(count))
        done = job(env, "export", slug, str(folder / f"{backend}-{count}.csv"))
        peaks[count] = done["peak_mb"]
        emit(f"export_{count}_rows_per_s", done["rows"] / done["seconds"], "rows/s",
             backend=backend, rows=done["rows"], seconds=round(done["seconds"], 2),
             peak_mb=done["peak_mb"])
    if 400_000 in peaks:
        emit("export_peak_400k_over_100k", peaks[400_000] / peaks[100_000], "ratio",
             backend=backend, target="<= 1.2", peak_100k_mb=peaks[100_000],
             peak_400k_mb=peaks[400_000])


NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')


def _page_500(base: str, slug: str) -> str:
    """The URL of list page 500 of the individuals, reached as a reader would: by `next`."""
    url = f"{base}/letters/{slug}/signatories?kind=individual"
    for _ in range(499):
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        url = base + NEXT_LINK.search(page).group(1).replace("&amp;", "&")
    return url


def page_figures(backend: str, env: dict, bare: dict) -> None:
    """The public pages of a letter with 100,000 signatures (`flask demo`'s bulk path)."""
    started = time.perf_counter()
    slug = flask(env, "demo", "--signatures", "100000").strip().splitlines()[-1]
    emit("demo_100k_seconds", time.perf_counter() - started, "s", backend=backend,
         target="< 60")
    # As served (each process keeps a page PAGE_CACHE_SECONDS), then every request rendered.
    page_500 = None
    for cache, suffix in (("5", ""), ("0", "_rendered")):
        with gunicorn("wsgi:app", env, PROJECT, PAGE_CACHE_SECONDS=cache) as base:
            page_500 = page_500 or _page_500(base, slug)[len(base):]
            pages = {"letter_page_100k": f"{base}/letters/{slug}",
                     "list_page_1_100k": f"{base}/letters/{slug}/signatories?kind=individual",
                     "list_page_500_100k": base + page_500,
                     "search_100k":
                         f"{base}/letters/{slug}/signatories?kind=organisation&q=ozturk",
                     "api_page_100k": f"{base}/api/letters/{slug}/signatures?per_page=200"}
            if suffix:  # what rendering costs, for the pages the targets compare
                measured = {"letter_page_100k": wrk(pages["letter_page_100k"], "get.lua"),
                            **_pair_in_turns(pages, ("list_page_1_100k", "list_page_500_100k"))}
            else:
                measured = {name: wrk(url, "get.lua") for name, url in pages.items()}
            for name, figures in measured.items():
                emit(f"{name}{suffix}_per_s", figures["per_s"], "requests/s", backend=backend,
                     ratio_to_bare=round(figures["per_s"] / bare["per_s"], 3),
                     bare_per_s=bare["per_s"], page_cache_seconds=int(cache),
                     target=">= 0.25 of bare" if not suffix else None,
                     **{k: v for k, v in figures.items() if k != "per_s"})
    # Under a saturating load a page's cost is the inverse of its rate (p50 is mostly queueing).
    # `measured` is the rendered pass's, the last of the loop.
    first, deep = measured["list_page_1_100k"], measured["list_page_500_100k"]
    emit("list_page_500_over_page_1_rendered", first["per_s"] / deep["per_s"],
         "ratio of time per page", backend=backend, page_1_per_s=round(first["per_s"], 1),
         page_500_per_s=round(deep["per_s"], 1), turns=first["turns"], target="<= 1.2")


def _pair_in_turns(pages: dict, pair: tuple[str, str]) -> dict:
    """The two pages a target compares, loaded in short turns (one, the other, one…): each
    page's median turn. A neighbour on this shared machine comes and goes within seconds and
    has cost one 5-second run of either page two thirds of its rate; turns put both pages
    through the same spells."""
    turns = {name: [] for name in pair}
    for name in pair * PAIR_TURNS:
        turns[name].append(wrk(pages[name], "get.lua", PAIR_SECONDS))
    return {name: {**sorted(runs, key=lambda run: run["per_s"])[len(runs) // 2],
                   "turns": f"median of {PAIR_TURNS} turns of {PAIR_SECONDS} s"}
            for name, runs in turns.items()}


def _faster(best: dict, run: dict) -> dict:
    return run if not best or run["seconds"] < best["seconds"] else best


def pdf_figures(env: dict) -> None:
    """The signed PDF as the worker renders it (in parts, joined), beside one WeasyPrint document
    of the letter (what it was before) and the floor; and the unchanged letter served again."""
    seconds = {}
    for count in (1_000,) if QUICK else (1_000, 10_000):
        slug = new_letter(env)
        job(env, "seed-signatures", slug, str(count))
        if count == 1_000:
            job(env, "pdf-floor", "100")  # warm the font caches of this machine, once
        # Rendered as the worker renders it: a letter that fits one part (1,000) as one
        # WeasyPrint document, a larger one in parts, joined. Each pair runs twice, taking
        # turns, and each side's faster run counts: a noisy neighbour on a shared machine can
        # cost one run a fifth of its time, and the 10,000 / 1,000 ratio is only as fair as
        # both of its sides are measured alike.
        floor, ours = {}, {}
        for _ in range(2):
            floor = _faster(floor, job(env, "pdf-floor", str(count)))
            ours = _faster(ours, job(env, "pdf-parts", slug))
        seconds[count] = ours["seconds"]
        emit(f"pdf_{count}_seconds", ours["seconds"], "s", peak_mb=ours["peak_mb"],
             floor_seconds=round(floor["seconds"], 2), floor_peak_mb=floor["peak_mb"],
             ratio_to_floor=round(ours["seconds"] / floor["seconds"], 3),
             memory_ratio_to_floor=round(ours["peak_mb"] / floor["peak_mb"], 3),
             target="<= 1.3x floor seconds" if count == 1_000 else "<= 0.6x floor memory")
        reuse = job(env, "pdf-reuse", slug)
        emit(f"pdf_{count}_served_again_ms", reuse["seconds"] * 1000, "ms",
             bytes=reuse["bytes"], target="< 50")
    if 10_000 in seconds:
        emit("pdf_10000_over_1000", seconds[10_000] / seconds[1_000], "ratio", target="<= 11")


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("make bench needs wrk (Debian: apt-get install wrk)")
    backends = [("sqlite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append(("postgresql", os.environ["TEST_DATABASE_URL"]))
    with tempfile.TemporaryDirectory(prefix="campaign-bench-") as tmp:
        folder = Path(tmp)
        with gunicorn("bare:app", dict(os.environ), HERE) as base:
            bare = wrk(base + "/", "get.lua")
        emit("bare_flask_per_s", bare["per_s"], "requests/s", p50_ms=bare["p50_ms"],
             p95_ms=bare["p95_ms"])
        for backend, url in backends:
            url = url or f"sqlite:///{folder / 'bench.sqlite'}"
            if backend == "postgresql":
                reset_postgres(url)
            env = environment(backend, url, folder, free_port())
            Path(env["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
            flask(env, "db", "upgrade")
            if ONLY in ("", "http"):
                http_figures(backend, env, bare, folder)
            if ONLY in ("", "pages"):
                page_figures(backend, env, bare)
            if ONLY in ("", "export"):
                export_figures(backend, env, folder, largest=backend == backends[-1][0])
            if backend == "sqlite" and ONLY in ("", "pdf"):
                pdf_figures(env)


if __name__ == "__main__":
    main()
