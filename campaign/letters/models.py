"""Letters and their frozen versions, with the named states and kinds a letter can have."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..extensions import db


class LetterKind:
    LETTER = "letter"
    MANIFESTO = "manifesto"
    ALL = (LETTER, MANIFESTO)


class LetterStatus:
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DELIVERED = "delivered"
    PUBLIC = (OPEN, CLOSED, DELIVERED)


class Moderation:
    NONE = "none"              # every confirmed signature is public
    UNVERIFIED = "unverified"  # those not verified by invitation or mail domain wait for review
    ALL_SIGNATURES = "all"     # every signature waits for review
    ALL = (NONE, UNVERIFIED, ALL_SIGNATURES)


class SignatoryKind:
    """Who may sign: a letter names the kinds it accepts."""
    ALDERPERSON = "alderperson"
    ORGANISATION = "organisation"
    INDIVIDUAL = "individual"
    ALL = (ALDERPERSON, ORGANISATION, INDIVIDUAL)


class LetterText:
    """The text of a letter: what a draft holds and what each published version freezes."""
    TEXT_FIELDS = ("title", "body", "addressee", "place", "letter_date", "salutation", "closing",
                   "letterhead")

    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    addressee: Mapped[str] = mapped_column(sa.Text, default="")
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    letter_date: Mapped[date | None] = mapped_column(sa.Date)
    salutation: Mapped[str] = mapped_column(sa.String(300), default="")
    closing: Mapped[str] = mapped_column(sa.String(300), default="")
    letterhead: Mapped[str] = mapped_column(sa.Text, default="")


class Letter(LetterText, db.Model):
    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default=LetterKind.LETTER)
    language: Mapped[str] = mapped_column(sa.String(8), default="nl")
    status: Mapped[str] = mapped_column(sa.String(16), default=LetterStatus.DRAFT, index=True)
    # Comma-separated SignatoryKind values.
    signatory_kinds: Mapped[str] = mapped_column(sa.String(100))
    moderation: Mapped[str] = mapped_column(sa.String(16), default=Moderation.UNVERIFIED)
    # The PDF ends with an appendix saying how each signatory is verified.
    verification_appendix: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # Bumped on every save of the letter's fields: an edit made from an older page is refused.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    versions: Mapped[list[LetterVersion]] = relationship(
        back_populates="letter", order_by="LetterVersion.number", cascade="all, delete-orphan")

    @property
    def kinds(self) -> list[str]:
        return [k for k in SignatoryKind.ALL if k in self.signatory_kinds.split(",")]

    @property
    def current_version(self) -> LetterVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def is_open(self) -> bool:
        return self.status == LetterStatus.OPEN

    def __repr__(self) -> str:
        return f"<Letter {self.slug} {self.status}>"


class LetterVersion(LetterText, db.Model):
    """The text of a letter as it stood when published; signatures point at the one they signed."""
    __tablename__ = "letter_version"
    __table_args__ = (sa.UniqueConstraint("letter_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    letter: Mapped[Letter] = relationship(back_populates="versions")
