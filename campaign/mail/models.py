"""The outbox table: each mail a row, written in the same transaction as the change it reports."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..delivery.models import Delivery
    from ..signatures.models import Signature


class OutboxStatus:
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"   # gave up after OUTBOX_MAX_ATTEMPTS; kept for staff to see and retry
    SKIPPED = "skipped"  # its renderer decided when sending that no mail was needed


class OutboxMail(db.Model):
    """A mail waiting to be sent, written in the same transaction as the change it reports."""
    __tablename__ = "outbox_mail"
    __table_args__ = (sa.Index("ix_outbox_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    signature_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("signature.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(320))
    # Further addresses in Cc:, comma-separated (a delivery's cover mail).
    cc: Mapped[str | None] = mapped_column(sa.Text)
    subject: Mapped[str] = mapped_column(sa.String(300))
    # None until the sender renders it (see `template`).
    body_text: Mapped[str | None] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # Set for a mail whose content is decided when it is sent (mail.outbox.RENDERED_WHEN_SENT).
    template: Mapped[str | None] = mapped_column(sa.String(32))
    # The link the mail is about, logged when mail goes to files so a developer can follow it.
    action_url: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # The delivery whose stored PDF the sender attaches: read when sent, never copied here, and
    # still known after sending.
    delivery_id: Mapped[str | None] = mapped_column(sa.ForeignKey("delivery.id"), index=True)

    signature: Mapped[Signature | None] = relationship("Signature")
    delivery: Mapped[Delivery | None] = relationship("Delivery")
