"""The SMTP server refuses with 451 for a while, then takes mail again: every mail is delivered
once, none is lost, each under the Message-ID it was queued with."""
from __future__ import annotations

import sqlalchemy as sa

from campaign.core.timeutil import utcnow
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.mail.outbox import send_due

MAILS = 30


class RefusingFor:
    """Makes the sink answer 451 to the next `count` mails, then accept again."""

    def __init__(self, mailbox, count: int) -> None:
        self.mailbox, self.left = mailbox, count
        self.handle = mailbox.handle_DATA

    async def handle_DATA(self, server, session, envelope):
        if self.left > 0:
            self.left -= 1
            return "451 4.3.0 Try again later"
        return await self.handle(server, session, envelope)


def test_451_then_back_every_mail_delivered_once(make_app, mailbox, smtp_server):
    app = make_app()
    with app.app_context():
        ids = [f"<r{n}@campaign.test>" for n in range(MAILS)]
        db.session.add_all(OutboxMail(message_id=message_id, recipient=f"r{n}@example.nl",
                                      subject="Hallo", body_text="Hallo")
                           for n, message_id in enumerate(ids))
        db.session.commit()
    refusing = RefusingFor(mailbox, count=45)  # every mail refused once, some twice
    mailbox.handle_DATA = refusing.handle_DATA
    try:
        rounds = 0
        with app.app_context():
            while rounds < 10:
                rounds += 1
                send_due()
                left = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)
                                         .where(OutboxMail.status != "sent"))
                if not left:
                    break
                # The back-off has passed (as if the sender kept polling).
                db.session.execute(sa.update(OutboxMail).values(next_attempt_at=utcnow()))
                db.session.commit()
    finally:
        del mailbox.handle_DATA
    assert refusing.left == 0
    delivered = sorted(m["Message-ID"] for m in mailbox.messages)
    assert delivered == sorted(ids)  # each exactly once
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMail)).all()
        assert {row.status for row in rows} == {"sent"}
        assert sum(row.attempts for row in rows) == MAILS + 45
        assert all(row.last_error is None for row in rows)
