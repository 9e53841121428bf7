"""Reading the outbox for staff: how many mails are queued, sent, failed."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import OutboxMail, OutboxStatus


def outbox_counts() -> dict[str, int]:
    counts = dict.fromkeys((OutboxStatus.QUEUED, OutboxStatus.SENT, OutboxStatus.FAILED,
                            OutboxStatus.SKIPPED), 0)
    counts.update(db.session.execute(
        sa.select(OutboxMail.status, sa.func.count()).group_by(OutboxMail.status)).all())
    return counts
