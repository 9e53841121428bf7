"""The switches' table: one row per switch that was ever flipped, keyed by its name."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.timeutil import utcnow
from ..extensions import db

SIGNING = "signing"   # the whole site
MAIL = "mail"         # outgoing mail: the sender leaves the outbox alone


LETTER_SIGNING = "signing:letter:"  # + the letter's id


def letter_signing(letter_id: int) -> str:
    """The name of the switch that pauses signing on one letter."""
    return f"{LETTER_SIGNING}{letter_id}"


class Switch(db.Model):
    """A switch; one that was never flipped has no row and pauses nothing."""
    __tablename__ = "switch"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    paused: Mapped[bool] = mapped_column(default=False)
    # Set for a letter's own switch, so that it goes with the letter.
    letter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(sa.String(200), default="")
