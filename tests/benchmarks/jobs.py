"""Benchmark jobs, each run in a process of its own so that its peak memory is its own:
`python jobs.py JOB ARGS…` does the job and prints one JSON line with its seconds and peak RSS.

Jobs: seed-signatures SLUG COUNT KIND, pending-links SLUG COUNT FILE, pdf SLUG (one document),
pdf-parts SLUG (in parts, joined), pdf-reuse SLUG (served again unchanged), pdf-floor COUNT,
export SLUG FILE, outbox COUNT.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from contextlib import contextmanager

BATCH = 5000


@contextmanager
def app_context():
    from campaign import create_app

    app = create_app()
    with app.app_context():
        yield app


def _letter(slug: str):
    import sqlalchemy as sa

    from campaign.extensions import db
    from campaign.letters.models import Letter

    return db.session.scalar(sa.select(Letter).where(Letter.slug == slug))


def seed_signatures(slug: str, count: str, state: str = "confirmed") -> dict:
    """`count` signatures of organisations with names of their own, in bulk (Core inserts)."""
    from campaign.core.collation import search_key, sort_key
    from campaign.core.timeutil import utcnow
    from campaign.extensions import db
    from campaign.signatures.models import Signature, new_token_nonce

    with app_context():
        letter = _letter(slug)
        now = utcnow()
        rows = []
        for number in range(int(count)):
            name = f"Ondertekenaar {number:06d}"
            organisation = f"Stichting Voorbeeld {number:06d}"
            rows.append(dict(
                letter_id=letter.id, version_id=letter.current_version.id, kind="organisation",
                state=state, review="not_needed", verification="mailbox" if state ==
                "confirmed" else None, name=name, role="directeur", organisation=organisation,
                email=f"s{number}@{slug}.bench.example", public=True, lead=False, invited=False,
                token_nonce=new_token_nonce(), name_key=sort_key(name),
                organisation_key=sort_key(organisation), municipality_key="",
                search_key=search_key(name, organisation), created_at=now,
                confirmed_at=now if state == "confirmed" else None))
            if len(rows) == BATCH:
                db.session.execute(Signature.__table__.insert(), rows)
                rows = []
        if rows:
            db.session.execute(Signature.__table__.insert(), rows)
        db.session.commit()
    return {}


def pending_links(slug: str, count: str, path: str) -> dict:
    """`count` pending signatures, and the path of each one's confirm link, one per line."""
    import sqlalchemy as sa

    from campaign.core.links import external_url
    from campaign.extensions import db
    from campaign.signatures.models import Signature
    from campaign.signatures.tokens import Purpose, make_token

    seed_signatures(slug, count, state="pending")
    with app_context() as app:
        letter = _letter(slug)
        base = app.config["BASE_URL"]
        with open(path, "w") as out:
            for signature in db.session.scalars(sa.select(Signature).where(
                    Signature.letter_id == letter.id, Signature.state == "pending")
                    .execution_options(yield_per=2000)):
                url = external_url("public.confirm", slug=slug,
                                   token=make_token(Purpose.CONFIRM, signature))
                out.write(url[len(base):] + "\n")
    return {}


def pdf(slug: str) -> dict:
    from campaign.delivery.rendering import render_letter_pdf

    with app_context():
        started = time.perf_counter()
        data = render_letter_pdf(_letter(slug))
        return {"seconds": time.perf_counter() - started, "bytes": len(data)}


def pdf_parts(slug: str) -> dict:
    """The signed letter rendered in parts and joined (delivery/chunked.py), as the worker does."""
    from campaign.delivery.chunked import render_in_parts

    with app_context():
        started = time.perf_counter()
        data = render_in_parts(_letter(slug))
        return {"seconds": time.perf_counter() - started, "bytes": len(data)}


def pdf_reuse(slug: str) -> dict:
    """An editor asks for the PDF, the worker renders it, then the unchanged letter's PDF is
    downloaded again: the median of 20 downloads, through the staff page."""
    import statistics

    from campaign.accounts import operations
    from campaign.audit import Actor
    from campaign.core.errors import NotAllowed
    from campaign.delivery.jobs import run_due
    from campaign.extensions import db

    with app_context() as app:
        app.config["WTF_CSRF_ENABLED"] = False  # the figure is the download, not the form
        try:  # one account for every letter of the run
            operations.create_user("bench-editor@example.org", "editor",
                                   "bench password 12345", Actor.of("bench"), name="Bench")
            db.session.commit()
        except NotAllowed:
            db.session.rollback()
        client, base = app.test_client(), app.config["BASE_URL"]  # its cookies are for BASE_URL
        client.post(f"{base}/staff/login", data={"password": "bench password 12345",
                                                 "email": "bench-editor@example.org"})
        client.post(f"{base}/staff/letters/{slug}/pdf")
        run_due()
        times = []
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(f"{base}/staff/letters/{slug}/pdf/download")
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        return {"seconds": statistics.median(times), "bytes": len(response.data)}


def pdf_floor(count: str) -> dict:
    """WeasyPrint rendering the same names from minimal HTML, as one document: the floor."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from weasyprint import HTML
    items = "".join(f"<li>Stichting Voorbeeld {n:06d}<br>Ondertekenaar {n:06d}, directeur</li>"
                    for n in range(int(count)))
    html = ("<html><head><style>ul { columns: 2; list-style: none; } li { break-inside: avoid; }"
            f"</style></head><body><ul>{items}</ul></body></html>")
    started = time.perf_counter()
    data = HTML(string=html).write_pdf()
    return {"seconds": time.perf_counter() - started, "bytes": len(data)}


def export(slug: str, path: str) -> dict:
    from campaign.signatures.exports import csv_chunks

    with app_context():
        started = time.perf_counter()
        rows = 0
        with open(path, "w", encoding="utf-8") as out:
            for chunk in csv_chunks(_letter(slug)):
                rows += chunk.count("\n")
                out.write(chunk)
        return {"seconds": time.perf_counter() - started, "rows": rows - 1}


def outbox(count: str) -> dict:
    """Deliver up to `count` queued mails to a local SMTP server (aiosmtpd)."""
    import os
    import socket

    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    os.environ.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))
    try:
        from campaign.mail.outbox import send_due

        with app_context():
            started = time.perf_counter()
            report = send_due(limit=int(count))
            seconds = time.perf_counter() - started
    finally:
        controller.stop()
    return {"seconds": seconds, "sent": report.sent, "skipped": report.skipped,
            "received": Sink.received}


JOBS = {"seed-signatures": seed_signatures, "pending-links": pending_links, "pdf": pdf,
        "pdf-parts": pdf_parts, "pdf-reuse": pdf_reuse,
        "pdf-floor": pdf_floor, "export": export, "outbox": outbox}

if __name__ == "__main__":
    result = JOBS[sys.argv[1]](*sys.argv[2:])
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))
