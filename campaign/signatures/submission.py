"""The sign POST's writes, in as few round trips as the database allows.

A signature from the public form needs three rows in one transaction: the pending signature
(unless its letter has one for that address already), the mail that answers it and the audit
event. On PostgreSQL they are one statement: an INSERT … ON CONFLICT DO NOTHING whose id, or the
id of the signature that was there, feeds the two other INSERTs through data-modifying CTEs.
Elsewhere (SQLite, in the process itself) they are four plain statements. A new address and a
known one take the same statement, so neither answer nor timing tells who signed.
"""
from __future__ import annotations

from email.utils import make_msgid
from functools import cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from ..audit.models import AuditEvent
from ..audit.operations import Actor
from ..core.timeutil import utcnow
from ..extensions import db
from ..mail.models import OutboxMail, OutboxStatus
from .models import Signature

SIGN_REQUEST = "sign_request"
SUBMITTED = "signature.submitted"


def write_submission(values: dict[str, object]) -> None:
    """Insert the signature `values` describe unless its (letter_id, email) exists, and queue
    the sign request mail and the audit event for whichever signature has that address."""
    now = utcnow()
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    mail = dict(message_id=make_msgid(domain=host), status=OutboxStatus.QUEUED, now=now)
    if db.session.get_bind().dialect.name == "postgresql":
        written = db.session.execute(_one_statement(tuple(sorted(values))),
                                     {**values, **mail}).first()
        if written is not None:
            return
        # Another request inserted this address a moment ago, after this statement's snapshot
        # was taken: its row is invisible to the CTEs, but not to the next statement.
    else:
        _insert_ignoring_duplicate(values)
    table = Signature.__table__
    signature_id = db.session.scalar(sa.select(table.c.id).where(
        table.c.letter_id == values["letter_id"], table.c.email == values["email"]))
    db.session.execute(_mail_insert(), dict(mail, signature_id=signature_id,
                                            recipient=values["email"]))
    db.session.execute(_audit_insert(), dict(signature_id=signature_id, now=now,
                                             letter_id=values["letter_id"]))


def _insert_ignoring_duplicate(values: dict[str, object]) -> None:
    from sqlalchemy.dialects.sqlite import insert

    db.session.execute(insert(Signature.__table__).values(**values)
                       .on_conflict_do_nothing(index_elements=["letter_id", "email"]))


# The statements are built once per process (per set of columns): building and compiling them
# again on every POST cost more than sending them.

def _mail_columns(signature_id: sa.ColumnElement, recipient: sa.ColumnElement) -> dict:
    outbox = OutboxMail.__table__
    return {"message_id": sa.bindparam("message_id", type_=outbox.c.message_id.type),
            "signature_id": signature_id, "recipient": recipient,
            "subject": sa.literal("", outbox.c.subject.type),
            "template": sa.literal(SIGN_REQUEST, outbox.c.template.type),
            "status": sa.bindparam("status", type_=outbox.c.status.type),
            "attempts": sa.literal(0, outbox.c.attempts.type),
            "created_at": sa.bindparam("now", type_=outbox.c.created_at.type),
            "next_attempt_at": sa.bindparam("now", type_=outbox.c.next_attempt_at.type)}


def _audit_columns(signature_id: sa.ColumnElement) -> dict:
    audit = AuditEvent.__table__
    return {"at": sa.bindparam("now", type_=audit.c.at.type),
            "actor": sa.literal(Actor.SIGNER, audit.c.actor.type),
            "actor_kind": sa.literal(Actor.SIGNER, audit.c.actor_kind.type),
            "action": sa.literal(SUBMITTED, audit.c.action.type),
            "letter_id": sa.bindparam("letter_id", type_=audit.c.letter_id.type),
            "signature_id": signature_id}


@cache
def _mail_insert() -> sa.Insert:
    outbox = OutboxMail.__table__
    return outbox.insert().values(_mail_columns(
        sa.bindparam("signature_id", type_=outbox.c.signature_id.type),
        sa.bindparam("recipient", type_=outbox.c.recipient.type)))


@cache
def _audit_insert() -> sa.Insert:
    audit = AuditEvent.__table__
    return audit.insert().values(_audit_columns(
        sa.bindparam("signature_id", type_=audit.c.signature_id.type)))


@cache
def _one_statement(columns: tuple[str, ...]) -> sa.Insert:
    """WITH new AS (INSERT INTO signature … ON CONFLICT DO NOTHING RETURNING id),
    this AS (SELECT id FROM new UNION ALL SELECT id FROM signature WHERE letter_id, email),
    mail AS (INSERT INTO outbox_mail … SELECT … FROM this)
    INSERT INTO audit_event … SELECT … FROM this RETURNING id"""
    from sqlalchemy.dialects.postgresql import insert

    signature, outbox, audit = (Signature.__table__, OutboxMail.__table__,
                                AuditEvent.__table__)
    new = (insert(signature)
           .values({name: sa.bindparam(name, type_=signature.c[name].type) for name in columns})
           .on_conflict_do_nothing(index_elements=["letter_id", "email"])
           .returning(signature.c.id).cte("new"))
    # Both CTEs see the snapshot the statement began with: the row `new` inserts is not in it,
    # so `this` holds one id, the new one or the one that was there.
    known = sa.select(signature.c.id).where(
        signature.c.letter_id == sa.bindparam("letter_id", type_=signature.c.letter_id.type),
        signature.c.email == sa.bindparam("email", type_=signature.c.email.type))
    this = sa.union_all(sa.select(new.c.id), known).cte("this")
    mail_values = _mail_columns(this.c.id, sa.bindparam("email", type_=outbox.c.recipient.type))
    mail = (outbox.insert()
            .from_select(list(mail_values), sa.select(*mail_values.values()))
            .returning(outbox.c.id).cte("mail"))
    audit_values = _audit_columns(this.c.id)
    return (audit.insert()
            .from_select(list(audit_values), sa.select(*audit_values.values()))
            .returning(audit.c.id).add_cte(mail))
