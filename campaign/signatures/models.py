"""Signatures: who signed which letter under which version, in which state, and how verified."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.collation import search_key, sort_key
from ..core.text import clean_line
from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.models import Letter, LetterVersion


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
    """How a confirmed signature is verified (signatures/verification.py says when which)."""
    INVITED = "invited"    # staff invited the person; the mailbox confirmed
    DOMAIN = "domain"      # the mailbox is at a domain of the municipality or organisation named
    STAFF = "staff"        # a moderator approved it
    MAILBOX = "mailbox"    # only the mailbox is confirmed
    ALL = (INVITED, DOMAIN, STAFF, MAILBOX)
    VERIFIED = (INVITED, DOMAIN, STAFF)


def new_token_nonce() -> str:
    return secrets.token_urlsafe(12)


_CONFIRMED = sa.text("state = 'confirmed'")
_CONFIRMED_WITH_SECTOR = sa.text("state = 'confirmed' AND sector IS NOT NULL")


class Signature(db.Model):
    __tablename__ = "signature"
    # One live signature per address and letter; a withdrawn one has no address left, and NULLs
    # never collide in a unique constraint.
    __table_args__ = (
        sa.UniqueConstraint("letter_id", "email", name="uq_signature_letter_id"),
        sa.Index("ix_signature_letter_public", "letter_id", "state", "review"),
        # The indexes of the public lists (queries.py, api), each in the order it is read, over
        # confirmed signatures only: a page, and a count, read the index and nothing else.
        # The search key last: SQLite tests a search against the index, not the table (100,000
        # rows without a match: 40 ms instead of 600).
        sa.Index("ix_signature_public_order", "letter_id", "kind", "lead", "municipality_key",
                 "organisation_key", "name_key", "id", "search_key", sqlite_where=_CONFIRMED,
                 postgresql_where=_CONFIRMED),
        sa.Index("ix_signature_api_order", "letter_id", "confirmed_at", "id",
                 sqlite_where=_CONFIRMED, postgresql_where=_CONFIRMED),
        sa.Index("ix_signature_counts", "letter_id", "kind", "verification", "public", "review",
                 sqlite_where=_CONFIRMED, postgresql_where=_CONFIRMED),
        # Search by any part of a word: trigrams on PostgreSQL (pg_trgm). On SQLite this is a
        # plain index nobody reads; the search reads ix_signature_public_order.
        sa.Index("ix_signature_search_key", "search_key", postgresql_using="gin",
                 postgresql_ops={"search_key": "gin_trgm_ops"}, sqlite_where=_CONFIRMED,
                 postgresql_where=_CONFIRMED),
        # Organisations by sector (browse.public_sector_counts: one grouped count reading this
        # index alone; `state` in it too, or SQLite reads the table for it) and the
        # organisations list filtered by sector, in the list's order.
        sa.Index("ix_signature_sector_order", "letter_id", "sector", "kind", "lead",
                 "municipality_key", "organisation_key", "name_key", "id", "review", "public",
                 "search_key", "state", sqlite_where=_CONFIRMED_WITH_SECTOR,
                 postgresql_where=_CONFIRMED_WITH_SECTOR),
        # The newest change of a letter's signatures in one lookup (delivery/stored.py).
        sa.Index("ix_signature_letter_changed", "letter_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter_version.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    state: Mapped[str] = mapped_column(sa.String(16))
    review: Mapped[str] = mapped_column(sa.String(16), default=Review.NOT_NEEDED)
    # A Verification level once confirmed; None before.
    verification: Mapped[str | None] = mapped_column(sa.String(16))
    # For `domain` through the website an organisation's signer typed: that domain, shown.
    verified_domain: Mapped[str | None] = mapped_column(sa.String(253))
    # The municipality (of an alderperson) or the directory's organisation the signer named.
    directory_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("directory_entry.id", ondelete="SET NULL"))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[str | None] = mapped_column(sa.String(200))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    municipality: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    # An organisation's sector, one of its letter's `sectors`; None for other kinds.
    sector: Mapped[str | None] = mapped_column(sa.String(60))
    public: Mapped[bool] = mapped_column(default=True)
    # The signer asked for one mail when the letter is delivered and one when it is answered.
    notify_updates: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    lead: Mapped[bool] = mapped_column(default=False)
    invited: Mapped[bool] = mapped_column(default=False)
    # Part of every e-mailed link; replacing it voids the links sent before.
    token_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_token_nonce)
    name_key: Mapped[str] = mapped_column(sa.String(200), default="")
    municipality_key: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation_key: Mapped[str] = mapped_column(sa.String(200), default="")
    # Name, organisation and municipality folded (collation.search_key), for the public search.
    search_key: Mapped[str] = mapped_column(sa.String(610), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on every insert and update (ORM or Core): a stored PDF is outdated once it moves.
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow,
                                                 server_default=sa.func.current_timestamp())
    confirmed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    # A keyed hash of the network the sign form came from (core.clients), for the fraud report;
    # dropped after CLIENT_NETWORK_RETENTION_DAYS. Never the address itself.
    client_network_hash: Mapped[str | None] = mapped_column(sa.String(32))
    # When a mail of ours last went to this address; at most one repeat per 10 minutes.
    last_mailed_at: Mapped[datetime | None]
    # Invitations: when staff first invited this address, when the invitation last went out
    # (re-sent at most once a week), and when its link was first opened.
    invited_at: Mapped[datetime | None]
    last_invited_at: Mapped[datetime | None]
    invitation_opened_at: Mapped[datetime | None]
    # Where a lead signatory stands among the leads (1 first); None = after those numbered.
    lead_order: Mapped[int | None]

    letter: Mapped[Letter] = relationship()
    version: Mapped[LetterVersion | None] = relationship()

    @property
    def verified(self) -> bool:
        return self.verification in Verification.VERIFIED

    @property
    def is_public(self) -> bool:
        return self.state == SignatureState.CONFIRMED and self.review in Review.PUBLIC

    @classmethod
    def counted(cls) -> sa.ColumnElement[bool]:
        """Signatures that count: confirmed and let through by the letter's moderation."""
        # The state as a literal: the partial indexes (WHERE state = 'confirmed') then apply.
        return sa.and_(cls.state == sa.literal_column("'confirmed'"),
                       cls.review.in_(Review.PUBLIC))

    @classmethod
    def named(cls) -> sa.ColumnElement[bool]:
        """Signatures that may be shown by name: counted, and the signer said yes."""
        return sa.and_(cls.counted(), cls.public.is_(True))

    def __repr__(self) -> str:
        return f"<Signature {self.id} {self.kind} {self.state}>"


@event.listens_for(Signature.name, "set", retval=True)
@event.listens_for(Signature.role, "set", retval=True)
@event.listens_for(Signature.organisation, "set", retval=True)
@event.listens_for(Signature.municipality, "set", retval=True)
@event.listens_for(Signature.website, "set", retval=True)
def _store_clean_text(signature: Signature, value: str | None, *args: Any) -> str | None:
    # Whatever path a signer's text takes (form, CSV, staff correction), no bidi override or
    # zero-width character is stored.
    return clean_line(value) or None if isinstance(value, str) else value


@event.listens_for(Signature, "before_insert")
@event.listens_for(Signature, "before_update")
def _store_sort_keys(mapper: Any, connection: Any, signature: Signature) -> None:
    signature.name_key = sort_key(signature.name)[:200]
    signature.municipality_key = sort_key(signature.municipality)[:200]
    signature.organisation_key = sort_key(signature.organisation)[:200]
    signature.search_key = search_key(signature.name, signature.organisation,
                                      signature.municipality)
