"""Letters and their frozen versions, with the named states and kinds a letter can have."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import today_where_signed, utcnow
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


class SigningRules:
    """Who may sign (and under which sectors) and whether signing is open, from the columns
    `status`, `signatory_kinds`, `sectors` and `sign_until`: for a Letter, and for the light
    row the sign POST reads (switches.queries.SigningLetter)."""
    status: str
    signatory_kinds: str
    sign_until: date | None
    sectors: str | None

    @property
    def kinds(self) -> list[str]:
        return [k for k in SignatoryKind.ALL if k in self.signatory_kinds.split(",")]

    @property
    def sector_names(self) -> list[str]:
        return [line for line in (self.sectors or "").splitlines() if line]

    @property
    def is_open(self) -> bool:
        return self.status == LetterStatus.OPEN

    @property
    def signing_closed_by_deadline(self) -> bool:
        """Open, but its `sign_until` day has passed where the letter is signed."""
        return (self.is_open and self.sign_until is not None
                and today_where_signed() > self.sign_until)

    @property
    def accepts_signatures(self) -> bool:
        """The one test for taking a signature: open, and its `sign_until` day not yet past."""
        return self.is_open and not self.signing_closed_by_deadline


class LetterText:
    """The text of a letter: what a draft holds and what each published version freezes."""
    TEXT_FIELDS = ("title", "body", "addressee", "place", "letter_date", "salutation", "closing",
                   "letterhead", "subject", "reference", "contact_name", "contact_phone",
                   "contact_email", "attachments")

    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    addressee: Mapped[str] = mapped_column(sa.Text, default="")
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    letter_date: Mapped[date | None] = mapped_column(sa.Date)
    salutation: Mapped[str] = mapped_column(sa.String(300), default="")
    closing: Mapped[str] = mapped_column(sa.String(300), default="")
    letterhead: Mapped[str] = mapped_column(sa.Text, default="")
    # Printed in the reference block of the PDF; an empty subject prints the title.
    subject: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    reference: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The campaign's contact person (not a signer): printed, so never a signer's address.
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(50), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(sa.String(320), default="", server_default="")
    # One attachment per line, listed as "Bijlage(n)" after the closing.
    attachments: Mapped[str] = mapped_column(sa.Text, default="", server_default="")


class Letter(SigningRules, LetterText, db.Model):
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
    # Who is behind the letter, shown on its public page; not part of the signed text.
    initiator: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    contact_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # The last day (in SIGNING_TIMEZONE) on which the letter takes signatures.
    sign_until: Mapped[date | None]
    # The sectors an organisation signs under, one a line in the letter file's order; empty: the
    # sign form asks none. Shown on the page, not printed, not versioned.
    sectors: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Bumped on every save of the letter's fields: an edit made from an older page is refused.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    versions: Mapped[list[LetterVersion]] = relationship(
        back_populates="letter", order_by="LetterVersion.number", cascade="all, delete-orphan")

    @property
    def current_version(self) -> LetterVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def current_version_id(self) -> int | None:
        return self.versions[-1].id if self.versions else None

    def __repr__(self) -> str:
        return f"<Letter {self.slug} {self.status}>"


class LetterVersion(LetterText, db.Model):
    """The text of a letter as it stood when published; signatures point at the one they signed."""
    __tablename__ = "letter_version"
    # Named before the naming convention took in every column of a constraint.
    __table_args__ = (
        sa.UniqueConstraint("letter_id", "number", name="uq_letter_version_letter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    letter: Mapped[Letter] = relationship(back_populates="versions")


class ImagePurpose:
    """The images staff may upload for a letter's PDF."""
    LOGO = "logo"                        # in the letterhead
    SIGNATURE_IMAGE = "signature_image"  # above the closing name
    ALL = (LOGO, SIGNATURE_IMAGE)


class LetterImage(db.Model):
    """An image printed on a letter's PDF, stored in the database (not on one server's disk) so
    that every app process and the render worker see the same file, and a backup holds it."""
    __tablename__ = "letter_image"
    __table_args__ = (sa.UniqueConstraint("letter_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(sa.String(32))
    content_type: Mapped[str] = mapped_column(sa.String(32))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

