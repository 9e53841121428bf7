"""Mail through a transactional outbox: queue a mail in the caller's transaction; drain it later.

`queue_mail` only adds a row to the session, so a mail exists exactly when the change it belongs
to is committed. `queue_mail_rendered_when_sent` adds a row whose content the sender decides,
through the renderer registered for its template with `mail_rendered_when_sent`. `send_due`
claims one due row at a time (FOR UPDATE SKIP LOCKED on PostgreSQL, so several senders can run at
once), sends it through Flask-Mail or, with no MAIL_SERVER, writes it as an .eml file, and on
failure schedules a retry with back-off. A mail is sent at least once and always under the
Message-ID it was given when queued.
"""
from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import idna
import sqlalchemy as sa
from flask import current_app, render_template
from flask_mail import Message

from ..core.polling import keep_polling
from ..core.timeutil import utcnow
from ..extensions import db
from ..switches.queries import mail_paused
from .deadline import send_within
from .models import OutboxMail, OutboxStatus

if TYPE_CHECKING:
    from ..signatures.models import Signature

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30
SUBJECT_LENGTH = OutboxMail.subject.type.length
LONGEST_RETRY_SECONDS = 3600


def render_mail(template: str, **context: object) -> tuple[str, str]:
    """Subject and body of templates/email/<template>.txt: the first line is the subject; the
    rest, after a blank line, the body."""
    text = render_template(f"email/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[:SUBJECT_LENGTH - 1].rstrip() + "…"
    return subject, body.strip("\n") + "\n"


def fill_mail(row: OutboxMail, template: str, *, action_url: str | None = None,
              **context: object) -> None:
    row.subject, row.body_text = render_mail(template, action_url=action_url, **context)
    row.action_url = action_url


def _new_row(recipient: str, **fields: object) -> OutboxMail:
    """A row not yet in the session: rendering may query (and so flush) before it is whole."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return OutboxMail(message_id=make_msgid(domain=host), recipient=recipient, **fields)


def queue_mail(recipient: str, template: str, *, signature: Signature | None = None,
               action_url: str | None = None, **context: object) -> OutboxMail:
    """Add a mail rendered now from templates/email/<template>.txt to the current transaction."""
    row = _new_row(recipient, signature=signature)
    fill_mail(row, template, action_url=action_url, signature=signature, **context)
    db.session.add(row)
    return row


# Renderers of mails whose content is decided when they are sent, by template name. A renderer
# fills the row (fill_mail) and returns True, or returns False: then nothing is sent.
RENDERED_WHEN_SENT: dict[str, Callable[[OutboxMail], bool]] = {}


def mail_rendered_when_sent(template: str):
    def register(renderer: Callable[[OutboxMail], bool]) -> Callable[[OutboxMail], bool]:
        RENDERED_WHEN_SENT[template] = renderer
        return renderer
    return register


def queue_mail_rendered_when_sent(template: str, recipient: str, *,
                                  signature_id: int | None = None,
                                  in_bulk: bool = False) -> OutboxMail | None:
    """Add a mail to the current transaction whose content its renderer decides when it is sent:
    the request that queues it does the same work whatever the mail will say. `in_bulk` writes
    it with one Core INSERT and returns nothing (the sign POST's fast path)."""
    row = _new_row(recipient, signature_id=signature_id, template=template, subject="")
    if not in_bulk:
        db.session.add(row)
        return row
    now = utcnow()
    db.session.execute(OutboxMail.__table__.insert().values(
        message_id=row.message_id, signature_id=signature_id, recipient=recipient, subject="",
        template=template, status=OutboxStatus.QUEUED, attempts=0, created_at=now,
        next_attempt_at=now))
    return None


def forget_recipient(row: OutboxMail) -> None:
    """Erase a handled mail's personal data (a withdrawal), keeping the row as a record."""
    row.recipient, row.subject, row.body_text, row.body_html = "", "", "", None
    row.action_url = None
    # SMTP errors name the refused address.
    row.last_error = "(erased)" if row.last_error else None
    _mail_file(row).unlink(missing_ok=True)


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: 30 s, 1 min, 2 min, … at most an hour."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS))


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    paused: bool = False

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.retried} to retry, {self.failed} given up"
        text += f", {self.skipped} not needed" if self.skipped else ""
        return text + (" (mail is paused: it waits in the outbox)" if self.paused else "")


def _claim_next_due() -> OutboxMail | None:
    query = (
        sa.select(OutboxMail)
        .where(OutboxMail.status == OutboxStatus.QUEUED, OutboxMail.next_attempt_at <= utcnow())
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(query).first()


def smtp_address(address: str) -> str:
    """The address as SMTP without SMTPUTF8 carries it: an internationalised domain in its
    ASCII (IDNA) form. Local parts are ASCII already: the forms refuse others."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"


def _as_message(row: OutboxMail) -> Message:
    message = Message(subject=row.subject, recipients=[smtp_address(row.recipient)],
                      body=row.body_text, html=row.body_html,
                      cc=[smtp_address(a.strip()) for a in (row.cc or "").split(",") if a.strip()])
    message.msgId = row.message_id
    if row.delivery is not None:  # a delivery's cover mail carries its stored PDF, as stored
        message.attach(row.delivery.filename, "application/pdf", row.delivery.pdf)
    return message


def _mail_file(row: OutboxMail) -> Path:
    name = f"{row.created_at:%Y%m%d-%H%M%S}-{row.id:06d}.eml"
    return Path(current_app.config["MAIL_DIRECTORY"]) / name


def _write_to_file(row: OutboxMail, message: Message) -> None:
    path = _mail_file(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(message.as_bytes())
    log.info("Mail %s written to %s", row.id, path)
    if row.action_url:
        log.info("Link in that mail (%s): %s", row.subject, row.action_url)


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    # Flask-Mail opens its SMTP connection without a timeout, which lets a stalled server hold
    # the sender (and its locked row) for ever; smtplib falls back on the default timeout.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _deliver(row: OutboxMail) -> None:
    message = _as_message(row)
    if current_app.config.get("MAIL_SERVER"):
        # MAIL_TIMEOUT bounds each wait on the server, MAIL_SEND_DEADLINE the whole hand-over
        # (a server trickling a byte a second would otherwise hold the row for ever).
        with _socket_timeout(current_app.config["MAIL_TIMEOUT"]):
            send_within(message, current_app.config["MAIL_SEND_DEADLINE"])
    else:
        _write_to_file(row, message)


def _render_now(row: OutboxMail) -> bool:
    renderer = RENDERED_WHEN_SENT.get(row.template or "")
    if renderer is None:
        log.error("Mail %s: no renderer for template %r; not sent", row.id, row.template)
        return False
    return renderer(row)


def send_due(limit: int = 100) -> SendReport:
    """Send up to `limit` due mails, one transaction each; return what happened."""
    report = SendReport()
    if mail_paused():  # an admin paused outgoing mail: it waits in the outbox
        db.session.rollback()  # end the read, so a sender does not hold a transaction open
        report.paused = True
        return report
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    for _ in range(limit):
        row = _claim_next_due()
        if row is None:
            break
        if row.body_text is None and not _render_now(row):
            row.status = OutboxStatus.SKIPPED
            report.skipped += 1
            db.session.commit()
            continue
        try:
            _deliver(row)
        except Exception as error:  # any failure to hand over the mail means: try again later
            row.attempts += 1
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            if row.attempts >= max_attempts:
                row.status = OutboxStatus.FAILED
                report.failed += 1
                # The log names the mail and the kind of error, never the SMTP text: that names
                # the recipient. Staff read the whole error on the outbox page.
                log.error("Giving up on mail %s after %d attempts (%s)",
                          row.id, row.attempts, type(error).__name__)
            else:
                row.next_attempt_at = utcnow() + retry_delay(row.attempts)
                report.retried += 1
                log.warning("Mail %s not sent (%s); retrying at %s",
                            row.id, type(error).__name__, row.next_attempt_at)
        else:
            row.attempts += 1
            row.status = OutboxStatus.SENT
            row.sent_at = utcnow()
            row.last_error = None
            # Once sent, keep what the record needs (who, what subject, when, under which
            # Message-ID), not the body with its three-year withdraw link.
            row.body_text = row.body_html = row.action_url = None
            report.sent += 1
        db.session.commit()
    return report


def run_sender(poll_seconds: float, stop_after: float | None = None) -> None:
    """Drain the outbox until interrupted, looking for new mail every `poll_seconds`."""
    def round_of_mail() -> bool:
        report = send_due()
        busy = bool(report.sent or report.retried or report.failed)
        if busy:
            log.info("Outbox: %s", report)
        return busy

    keep_polling(round_of_mail, poll_seconds, "Outbox", stop_after)
