"""Background PDF work: staff ask, the worker (`flask worker`) renders, the staff page follows.
Two kinds of job: rendering the current PDF (stored.py), and delivering a letter too large to
render inside a web request (operations.deliver, run by the worker with the staff's form).

A render job is a row of `render_job`, claimed by a worker with `SELECT … FOR UPDATE SKIP
LOCKED` (on PostgreSQL several workers can run at once; SQLite has one writer and needs no lock),
exactly like the outbox beside it. Chosen over the job libraries the design names because:
- Procrastinate runs on PostgreSQL only: `make run`'s embedded default (SQLite, no server) would
  need a second code path, and its jobs could not be written in the transaction of the request.
- Huey needs Redis (or its SQLite storage, a second database file) and keeps its queue outside
  our database: a job and the state staff see would live in two places.
- What staff see of a render is the job itself (queued, how far, failed and why, done) and its
  result is a row too (stored.py); the queue is that same table, one indexed query to claim, and
  the same code on SQLite and PostgreSQL. Should more kinds of background work come, that is the
  moment to move them all onto Procrastinate.

A job that fails says why; one whose worker died (no progress for RENDER_STALE_SECONDS) shows as
failed, and asking again makes a new one.
"""
from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pikepdf
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..audit import Actor
from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.models import Letter
from .stored import StoredPdf, current_pdf, render_key, store_pdf

log = logging.getLogger(__name__)


class RenderStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    WAITING = (QUEUED, RUNNING)


class JobKind:
    RENDER = "render"
    DELIVER = "deliver"


class RenderJob(db.Model):
    __tablename__ = "render_job"
    __table_args__ = (sa.Index("ix_render_job_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=RenderStatus.QUEUED)
    # The render key asked for; the one rendered when done (stored.py).
    render_key: Mapped[str] = mapped_column(sa.String(64))
    # Co-signer entries laid out so far, of `total`.
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    requested_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # Last sign of life from the worker rendering it.
    progressed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    kind: Mapped[str] = mapped_column(sa.String(16), default=JobKind.RENDER,
                                      server_default=JobKind.RENDER)
    # A delivery's form (to, cc, note, again) and who asked for it; its result's public id.
    request: Mapped[dict | None] = mapped_column(sa.JSON)
    delivery_id: Mapped[str | None] = mapped_column(sa.String(16))

    letter: Mapped[Letter] = relationship()

    @property
    def stalled(self) -> bool:
        """Running, but its worker has not been heard of for too long: it died."""
        limit = timedelta(seconds=current_app.config["RENDER_STALE_SECONDS"])
        return (self.status == RenderStatus.RUNNING
                and utcnow() - (self.progressed_at or self.created_at) > limit)

    @property
    def shown_status(self) -> str:
        return RenderStatus.FAILED if self.stalled else self.status

    @property
    def percent(self) -> int:
        return 100 if self.status == RenderStatus.DONE else (
            int(100 * self.done / self.total) if self.total else 0)


def latest_job(letter: Letter, kind: str = JobKind.RENDER) -> RenderJob | None:
    return db.session.scalar(sa.select(RenderJob).where(RenderJob.letter_id == letter.id,
                                                        RenderJob.kind == kind)
                             .order_by(RenderJob.id.desc()).limit(1))


@dataclass
class PdfState:
    """What the staff page shows: the current PDF if there is one, else the job working on it."""
    stored: StoredPdf | None
    job: RenderJob | None


def pdf_state(letter: Letter) -> PdfState:
    key = render_key(letter)
    job = latest_job(letter)
    return PdfState(current_pdf(letter, key), job)


def request_render(letter: Letter, actor: Actor | str) -> RenderJob | None:
    """Ask for the letter's PDF: None when the stored one is current, else the job (a waiting
    one reused) that will render it. The caller commits."""
    key = render_key(letter)
    if current_pdf(letter, key) is not None:
        return None
    job = latest_job(letter)
    if job is not None and job.status in RenderStatus.WAITING and not job.stalled:
        return job
    job = RenderJob(letter=letter, render_key=key, requested_by=Actor.of(actor).label[:200])
    db.session.add(job)
    return job


def request_delivery(letter: Letter, to: str, cc: list[str], note: str, again: bool,
                     actor: Actor) -> RenderJob:
    """Ask the worker to deliver `letter` as the form says; a delivery already waiting is
    returned instead (one at a time). The caller commits."""
    job = latest_job(letter, JobKind.DELIVER)
    if job is not None and job.status in RenderStatus.WAITING and not job.stalled:
        return job
    job = RenderJob(letter=letter, kind=JobKind.DELIVER, render_key=render_key(letter),
                    requested_by=actor.label[:200], request={
                        "to": to, "cc": cc, "note": note, "again": again,
                        "actor_kind": actor.kind, "actor_label": actor.label,
                        "staff_user_id": actor.staff_user_id})
    db.session.add(job)
    return job


def _claim_next() -> RenderJob | None:
    job = db.session.scalars(
        sa.select(RenderJob).where(RenderJob.status == RenderStatus.QUEUED)
        .order_by(RenderJob.id).limit(1).with_for_update(skip_locked=True)).first()
    if job is not None:
        job.status, job.started_at = RenderStatus.RUNNING, utcnow()
        job.progressed_at = job.started_at
    db.session.commit()
    return job


def run_job(job: RenderJob) -> None:
    """Render the job's letter in parts, reporting progress, and store the result."""
    from .chunked import render_in_parts  # WeasyPrint: loaded by the worker, not every process

    if job.kind == JobKind.DELIVER:
        return _run_delivery(job)
    letter = job.letter
    # The key before reading: a signature that changes during the render moves it on, so the
    # result is never taken for newer than it is.
    key = render_key(letter)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        job.done, job.total, job.progressed_at = done, total, utcnow()
        db.session.commit()

    try:
        data = render_in_parts(letter, progress=progress)
        store_pdf(letter, key, data, page_count(data), time.perf_counter() - started)
        job.status, job.render_key, job.finished_at = RenderStatus.DONE, key, utcnow()
        db.session.commit()
        log.info("Rendered the PDF of %s (job %s)", letter.slug, job.id)
    except Exception as error:  # a render that fails says why on the staff page, never hangs
        db.session.rollback()
        log.exception("Render job %s failed", job.id)
        job.status, job.finished_at = RenderStatus.FAILED, utcnow()
        job.error = f"{type(error).__name__}: {error}"[:500]
        db.session.commit()


def _run_delivery(job: RenderJob) -> None:
    """Deliver as staff asked; a refusal (delivered meanwhile, signing failed) is the job's
    error, shown on the deliveries page, and nothing is delivered."""
    from .operations import deliver

    asked = job.request or {}
    actor = Actor(asked["actor_kind"], asked["actor_label"], asked.get("staff_user_id"))

    def progress(done: int, total: int) -> None:
        job.done, job.total, job.progressed_at = done, total, utcnow()
        db.session.commit()  # nothing of the delivery is written before its render is done

    try:
        delivery = deliver(job.letter, asked["to"], asked.get("cc") or [], asked.get("note", ""),
                           actor, again=bool(asked.get("again")), progress=progress)
        job.status, job.delivery_id, job.finished_at = RenderStatus.DONE, delivery.id, utcnow()
        db.session.commit()
        log.info("Delivered %s (job %s, delivery %s)", job.letter.slug, job.id, delivery.id)
    except Exception as error:  # said on the staff page; nothing half-written
        db.session.rollback()
        log.exception("Delivery job %s failed", job.id)
        job.status, job.finished_at = RenderStatus.FAILED, utcnow()
        job.error = str(error)[:500] or type(error).__name__
        db.session.commit()


def page_count(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def run_due(limit: int = 1) -> int:
    """Run up to `limit` queued render jobs; return how many ran."""
    ran = 0
    for _ in range(limit):
        job = _claim_next()
        if job is None:
            break
        run_job(job)
        ran += 1
    return ran
