"""Staff actions on the outbox: re-queueing mail that was given up on. Callers commit."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from .. import audit
from ..core.errors import NotAllowed
from ..core.timeutil import utcnow
from ..extensions import db
from .models import OutboxMail, OutboxStatus


def _requeue(mail: OutboxMail) -> None:
    # A fresh round of attempts; the last error stays, to be seen until the next attempt.
    mail.status, mail.attempts, mail.next_attempt_at = OutboxStatus.QUEUED, 0, utcnow()


def _check_retryable(mail: OutboxMail) -> None:
    if mail.status != OutboxStatus.FAILED:
        raise NotAllowed(f"mail {mail.id} is {mail.status}, not failed")
    if not mail.recipient:
        raise NotAllowed(f"mail {mail.id} was erased when its signature was withdrawn")


def retry_mail(mails: Iterable[OutboxMail], actor: audit.Actor | str) -> int:
    """Queue failed mails again for a full round of attempts; refuse all if one is not failed."""
    mails = list(mails)
    for mail in mails:
        _check_retryable(mail)
    for mail in mails:
        _requeue(mail)
        audit.record(actor, "mail.requeued", mail=mail.id, signature_id=mail.signature_id,
                     status={"before": OutboxStatus.FAILED, "after": OutboxStatus.QUEUED})
    return len(mails)


def retry_all_failed(actor: audit.Actor | str) -> int:
    """Queue every failed mail again (except erased ones); one audit event for them all."""
    count = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.status == OutboxStatus.FAILED, OutboxMail.recipient != "")
        .values(status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if count:
        audit.record(actor, "mail.requeued_all_failed", count=count,
                     status={"before": OutboxStatus.FAILED, "after": OutboxStatus.QUEUED})
    return count
