"""The tables: letters and their frozen versions, signatures, outbox mail and the audit log."""
from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .collation import sort_key
from .extensions import db
from .timeutil import utcnow


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
    ALDERPERSON = "alderperson"
    ORGANISATION = "organisation"
    INDIVIDUAL = "individual"
    ALL = (ALDERPERSON, ORGANISATION, INDIVIDUAL)


class SignatureState:
    INVITED = "invited"      # staff invited this person; their link has not been used yet
    PENDING = "pending"      # submitted through the public form; e-mail not yet confirmed
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"  # personal data erased


class Review:
    NOT_NEEDED = "not_needed"
    WAITING = "waiting"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLIC = (NOT_NEEDED, APPROVED)


class Verification:
    INVITATION = "invitation"
    MAIL_DOMAIN = "mail_domain"


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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

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


def new_token_nonce() -> str:
    return secrets.token_urlsafe(12)


class Signature(db.Model):
    __tablename__ = "signature"
    # One live signature per address and letter; a withdrawn one has no address left, and NULLs
    # never collide in a unique constraint.
    __table_args__ = (
        sa.UniqueConstraint("letter_id", "email"),
        sa.Index("ix_signature_letter_public", "letter_id", "state", "review"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter_version.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    state: Mapped[str] = mapped_column(sa.String(16))
    review: Mapped[str] = mapped_column(sa.String(16), default=Review.NOT_NEEDED)
    verified_by: Mapped[str | None] = mapped_column(sa.String(16))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[str | None] = mapped_column(sa.String(200))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    municipality: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    public: Mapped[bool] = mapped_column(default=True)
    lead: Mapped[bool] = mapped_column(default=False)
    invited: Mapped[bool] = mapped_column(default=False)
    # Part of every e-mailed link; replacing it voids the links sent before.
    token_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_token_nonce)
    name_key: Mapped[str] = mapped_column(sa.String(200), default="")
    municipality_key: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation_key: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    letter: Mapped[Letter] = relationship()
    version: Mapped[LetterVersion | None] = relationship()

    @property
    def verified(self) -> bool:
        return self.verified_by is not None

    @property
    def is_public(self) -> bool:
        return self.state == SignatureState.CONFIRMED and self.review in Review.PUBLIC

    @classmethod
    def counted(cls) -> sa.ColumnElement[bool]:
        """Signatures that count: confirmed and let through by the letter's moderation."""
        return sa.and_(cls.state == SignatureState.CONFIRMED, cls.review.in_(Review.PUBLIC))

    @classmethod
    def named(cls) -> sa.ColumnElement[bool]:
        """Signatures that may be shown by name: counted, and the signer said yes."""
        return sa.and_(cls.counted(), cls.public.is_(True))

    def __repr__(self) -> str:
        return f"<Signature {self.id} {self.kind} {self.state}>"


@event.listens_for(Signature, "before_insert")
@event.listens_for(Signature, "before_update")
def _store_sort_keys(mapper: Any, connection: Any, signature: Signature) -> None:
    signature.name_key = sort_key(signature.name)[:200]
    signature.municipality_key = sort_key(signature.municipality)[:200]
    signature.organisation_key = sort_key(signature.organisation)[:200]


class OutboxStatus:
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"   # gave up after OUTBOX_MAX_ATTEMPTS; kept for staff to see and retry


class OutboxMail(db.Model):
    """A mail waiting to be sent, written in the same transaction as the change it reports."""
    __tablename__ = "outbox_mail"
    __table_args__ = (sa.Index("ix_outbox_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    signature_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("signature.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # The link the mail is about, logged when mail goes to files so a developer can follow it.
    action_url: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    signature: Mapped[Signature | None] = relationship()


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(64))
    letter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("letter.id", ondelete="SET NULL"), index=True)
    signature_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("signature.id", ondelete="SET NULL"))
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
