"""An SMTP server that answers one byte a second: the sender gives up on that mail after the
overall deadline (MAIL_SEND_DEADLINE), keeps it for a later attempt, and goes on with the rest.
smtplib's own timeout is per read, so without the deadline it would wait for ever."""
from __future__ import annotations

import time

import sqlalchemy as sa

from campaign.core.timeutil import utcnow
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.mail.outbox import send_due
from helpers.faults import TcpProxy, trickle


def _queue(app, count: int) -> None:
    with app.app_context():
        for number in range(count):
            db.session.add(OutboxMail(message_id=f"<t{number}@campaign.test>",
                                      recipient=f"r{number}@example.nl", subject=f"Mail {number}",
                                      body_text="Hallo"))
        db.session.commit()


def _mails(app) -> list[OutboxMail]:
    with app.app_context():
        return db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()


def test_a_trickling_server_is_given_up_on_and_the_rest_is_sent(make_app, mailbox):
    with TcpProxy(("127.0.0.1", mailbox.port)) as proxy:
        # The first connection trickles a greeting that never ends; later ones reach the sink.
        proxy.first(trickle(b"220 " + b"x" * 600 + b"\r\n", seconds_per_byte=1.0))
        app = make_app(MAIL_PORT=proxy.port, MAIL_TIMEOUT=5, MAIL_SEND_DEADLINE=2)
        _queue(app, 3)
        started = time.monotonic()
        with app.app_context():
            report = send_due()
        elapsed = time.monotonic() - started
    assert (report.sent, report.retried) == (2, 1)
    assert elapsed < 6, f"the sender waited {elapsed:.1f} s"
    first, *rest = _mails(app)
    assert first.status == "queued" and first.attempts == 1
    assert "within 2 s" in first.last_error and first.next_attempt_at > utcnow()
    assert [m.status for m in rest] == ["sent", "sent"]
    assert sorted(m["Message-ID"] for m in mailbox.messages) == ["<t1@campaign.test>",
                                                                  "<t2@campaign.test>"]


def test_the_mail_given_up_on_goes_out_when_the_server_is_well_again(make_app, mailbox):
    with TcpProxy(("127.0.0.1", mailbox.port)) as proxy:
        proxy.first(trickle(b"220 slow", seconds_per_byte=1.0))
        app = make_app(MAIL_PORT=proxy.port, MAIL_TIMEOUT=5, MAIL_SEND_DEADLINE=1)
        _queue(app, 1)
        with app.app_context():
            assert send_due().retried == 1
            db.session.execute(sa.update(OutboxMail).values(next_attempt_at=utcnow()))
            db.session.commit()
            assert send_due().sent == 1
    [mail] = _mails(app)
    assert mail.status == "sent" and mail.attempts == 2
    assert [m["Message-ID"] for m in mailbox.messages] == ["<t0@campaign.test>"]
