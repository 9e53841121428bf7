"""The audit log's table: one row per state change, with who made it."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.timeutil import utcnow
from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    # A letter's events in order: its newest is found in one index lookup (core.caching), and
    # deleting a signature finds its events without a scan.
    __table_args__ = (sa.Index("ix_audit_event_letter_id_id", "letter_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Who: a staff member's address, "cli:<os user>", "signer"; its kind, and the account.
    actor: Mapped[str] = mapped_column(sa.String(200))
    actor_kind: Mapped[str] = mapped_column(sa.String(16), default="system")
    staff_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64))
    letter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("letter.id", ondelete="SET NULL"))
    signature_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("signature.id", ondelete="SET NULL"), index=True)
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
