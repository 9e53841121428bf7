"""A delivered letter's follow-up: one row per letter, the answer's PDF beside it, and the record
of which signer was told of which event (so that nobody is told twice)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.models import Letter


class FollowUpEvent:
    """The steps of a letter's timeline after it is signed."""
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    ANSWER_DUE = "answer_due"
    ANSWERED = "answered"
    # The steps a signer who opted in hears of.
    NOTIFIED = (DELIVERED, ANSWERED)


class FollowUp(db.Model):
    """What the recipient did with a delivered letter, as staff record it."""
    __tablename__ = "follow_up"

    letter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("letter.id", ondelete="CASCADE"), primary_key=True)
    # The recipient's acknowledgement of receipt: their reference ("uw kenmerk") and its date.
    acknowledged_reference: Mapped[str | None] = mapped_column(sa.String(200))
    acknowledged_on: Mapped[date | None]
    # None: the default term after delivery (followup.queries.ANSWER_TERM).
    answer_due: Mapped[date | None] = mapped_column(index=True)
    answered_on: Mapped[date | None]
    answer_text: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    letter: Mapped[Letter] = relationship()
    document: Mapped[AnswerDocument | None] = relationship(
        back_populates="follow_up", cascade="all, delete-orphan")


class AnswerDocument(db.Model):
    """The answer as the recipient sent it, a PDF kept in the database: every app process behind
    the load balancer serves it, and a backup of the database holds it."""
    __tablename__ = "answer_document"

    letter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("follow_up.letter_id", ondelete="CASCADE"), primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Deferred: pages that only link to the file never load it.
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    follow_up: Mapped[FollowUp] = relationship(back_populates="document")


class SignerNotice(db.Model):
    """A signer was sent (queued) the mail about `event`: the key that makes it once only."""
    __tablename__ = "signer_notice"

    signature_id: Mapped[int] = mapped_column(
        sa.ForeignKey("signature.id", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id", ondelete="CASCADE"),
                                           index=True)
    # The call of notify_signers that queued it: its outbox rows are found by this.
    batch: Mapped[str] = mapped_column(sa.String(32))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
