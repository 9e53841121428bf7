"""Reading the outbox for staff: how many mails are queued, sent, failed, and a page of them."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from .models import OutboxMail, OutboxStatus

STATUSES = (OutboxStatus.QUEUED, OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SKIPPED)


def outbox_counts() -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(db.session.execute(
        sa.select(OutboxMail.status, sa.func.count()).group_by(OutboxMail.status)).all())
    return counts


@dataclass
class OutboxPage:
    mails: list[OutboxMail]
    older: int | None  # the `before` of the next (older) page, None on the last


def outbox_page(status: str | None = None, before: int | None = None,
                limit: int = 50) -> OutboxPage:
    """Newest first, `limit` at a time, paged by id (so a busy outbox never shifts the pages)."""
    query = sa.select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit + 1)
    if status:
        query = query.where(OutboxMail.status == status)
    if before is not None:
        query = query.where(OutboxMail.id < before)
    mails = list(db.session.scalars(query))
    older = mails[limit - 1].id if len(mails) > limit else None
    return OutboxPage(mails[:limit], older)
