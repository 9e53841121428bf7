"""A delivery: the PDF of a letter as it was sent to its addressee, kept byte for byte.

The PDF lives in the database beside its record. A letter is delivered a handful of times at
most and a delivered PDF is a few megabytes, while the record is worth little without the very
file: stored in the same transaction as the record and the cover mail that attaches it, it cannot
go missing or differ between app servers that share no disk, and backups hold it with the rest.
The column is deferred, so listing deliveries never loads it.
"""
from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.models import Letter, LetterVersion

# Lower-case RFC 4648 base32: no 0/1/8/9 to confuse with O/I/B/g when typed from paper.
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
ID_LENGTH = 12  # 60 random bits: short enough to type, too many to guess


def new_delivery_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


class Delivery(db.Model):
    __tablename__ = "delivery"

    # Public: printed on the PDF's last page as /verify/<id>.
    id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("letter_version.id"))
    recipient: Mapped[str] = mapped_column(sa.String(320))
    # Addresses copied in, as a list; staff see them, the public does not.
    cc: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    pdf_size: Mapped[int]
    # Of the final bytes, after signing.
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    signed: Mapped[bool] = mapped_column(default=False)
    # The counts as delivered (signatures.queries.Counts: by kind and by verification level), so
    # the verify page shows what the PDF said and never counts again.
    counts: Mapped[dict] = mapped_column(sa.JSON)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The audit actor's label: a staff member's address or "cli:<os user>". Never public.
    delivered_by: Mapped[str] = mapped_column(sa.String(200))

    letter: Mapped[Letter] = relationship()
    version: Mapped[LetterVersion] = relationship()

    @property
    def filename(self) -> str:
        return f"{self.letter.slug}-{self.id}.pdf"

    @property
    def by_verification(self) -> dict[str, int]:
        return dict(self.counts.get("by_verification") or {})

    def __repr__(self) -> str:
        return f"<Delivery {self.id} of letter {self.letter_id}>"
