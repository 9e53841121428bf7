"""Telling signers who opted in (the sign form's `notify`) that their letter was delivered or
answered: one mail each per event, queued through the outbox in bulk and rendered when sent.

Exactly once: each signer and event gets a SignerNotice row, whose primary key refuses a second.
Two calls at once (two staff, or deliver() racing the answer's page) insert the same keys; on
PostgreSQL the second waits for the first and then skips what it committed, on SQLite writers
take turns. The outbox rows are made from the notices this very call inserted (its batch), so
however often notify_signers runs, a signer gets one mail per event.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..core.i18n import use_language
from ..core.links import external_url
from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.models import Letter
from ..mail.models import OutboxMail, OutboxStatus
from ..mail.outbox import fill_mail, mail_rendered_when_sent
from ..signatures.models import Review, Signature, SignatureState
from ..signatures.tokens import Purpose, make_token
from .models import FollowUpEvent, SignerNotice
from .queries import follow_up_of

TEMPLATES = {FollowUpEvent.DELIVERED: "followup_delivered",
             FollowUpEvent.ANSWERED: "followup_answered"}


def dialect_insert(table: sa.Table):
    """An INSERT that can be told what to do on conflict, on SQLite and PostgreSQL alike."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _wants_to_hear(signature: sa.Table) -> sa.ColumnElement[bool]:
    """Confirmed signers who ticked `notify`, with an address, whom staff did not reject."""
    return sa.and_(signature.c.state == SignatureState.CONFIRMED,
                   signature.c.notify_updates.is_(True), signature.c.email.is_not(None),
                   signature.c.review != Review.REJECTED)


def notify_signers(letter: Letter, event: str, actor: audit.Actor | str = "system") -> int:
    """Queue one mail about `event` ("delivered" or "answered") to every confirmed signer of
    `letter` who asked for it and has not had it; returns how many were queued. Two statements
    (INSERT … SELECT) and a count, nothing that loops over the signatures; in the caller's
    transaction."""
    if event not in FollowUpEvent.NOTIFIED:
        raise ValueError(f"signers are not told of {event!r}")
    signature, notice = Signature.__table__, SignerNotice.__table__
    batch, now = secrets.token_hex(16), utcnow()
    chosen = sa.select(signature.c.id, sa.literal(event), signature.c.letter_id,
                       sa.literal(batch), sa.literal(now, sa.DateTime)).where(
        signature.c.letter_id == letter.id, _wants_to_hear(signature))
    db.session.execute(
        dialect_insert(notice)
        .from_select(["signature_id", "event", "letter_id", "batch", "queued_at"], chosen)
        .on_conflict_do_nothing(index_elements=["signature_id", "event"]))
    # Counted, not the INSERT's rowcount: psycopg reports none for INSERT … SELECT ON CONFLICT.
    queued = db.session.scalar(sa.select(sa.func.count()).select_from(notice).where(
        notice.c.letter_id == letter.id, notice.c.batch == batch))
    if not queued:
        return 0
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    # A Message-ID unique to this call and signer, stable from the moment it is queued.
    message_id = (sa.literal(f"<followup.{event}.{batch}.")
                  + sa.cast(notice.c.signature_id, sa.String) + sa.literal(f"@{host}>"))
    mails = (sa.select(message_id, notice.c.signature_id, signature.c.email, sa.literal(""),
                       sa.literal(TEMPLATES[event]), sa.literal(OutboxStatus.QUEUED),
                       sa.literal(0), sa.literal(now, sa.DateTime), sa.literal(now, sa.DateTime))
             .select_from(notice.join(signature, signature.c.id == notice.c.signature_id))
             .where(notice.c.letter_id == letter.id, notice.c.batch == batch))
    db.session.execute(OutboxMail.__table__.insert().from_select(
        ["message_id", "signature_id", "recipient", "subject", "template", "status", "attempts",
         "created_at", "next_attempt_at"], mails))
    audit.record(actor, "followup.signers_notified", letter=letter, event=event, count=queued)
    return queued


def _render(row: OutboxMail, event: str) -> bool:
    """Fill the mail about `event` when it is sent, in the letter's language; nothing if the
    signer withdrew or changed their mind in between."""
    signature = db.session.get(Signature, row.signature_id) if row.signature_id else None
    if (signature is None or signature.state != SignatureState.CONFIRMED
            or not signature.email or not signature.notify_updates):
        return False
    letter = signature.letter
    use_language(letter.language)
    letter_url = external_url("public.show", slug=letter.slug)
    fill_mail(row, TEMPLATES[event], signature=signature, letter=letter,
              follow_up=follow_up_of(letter), letter_url=letter_url,
              timeline_url=letter_url + "#timeline",
              withdraw_url=external_url("public.withdraw", slug=letter.slug,
                                        token=make_token(Purpose.WITHDRAW, signature)))
    return True


@mail_rendered_when_sent(TEMPLATES[FollowUpEvent.DELIVERED])
def render_delivered(row: OutboxMail) -> bool:
    return _render(row, FollowUpEvent.DELIVERED)


@mail_rendered_when_sent(TEMPLATES[FollowUpEvent.ANSWERED])
def render_answered(row: OutboxMail) -> bool:
    return _render(row, FollowUpEvent.ANSWERED)
