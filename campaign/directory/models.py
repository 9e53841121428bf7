"""Directory tables: an entry (municipality, province, ministry or organisation), the names it is
known by, and its mail domains. Only the directory ties a mail domain to a name."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..extensions import db


class EntryKind:
    MUNICIPALITY = "municipality"
    PROVINCE = "province"
    MINISTRY = "ministry"
    ORGANISATION = "organisation"
    ALL = (MUNICIPALITY, PROVINCE, MINISTRY, ORGANISATION)


class DirectoryEntry(db.Model):
    __tablename__ = "directory_entry"
    # Named before the naming convention took in every column of a constraint.
    __table_args__ = (sa.UniqueConstraint("kind", "code", name="uq_directory_entry_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # CBS code (GM0796, PV30), a ministry's abbreviation (OCW), or the KvK number of an
    # organisation.
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    # A municipality's province, by CBS code.
    province_code: Mapped[str | None] = mapped_column(sa.String(8))
    # False for a municipality that merged away: kept for the signatures that name it.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    names: Mapped[list[DirectoryName]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="DirectoryName.id")
    domains: Mapped[list[DirectoryDomain]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="DirectoryDomain.domain")

    @property
    def domain_names(self) -> list[str]:
        return [d.domain for d in self.domains]

    def __repr__(self) -> str:
        return f"<DirectoryEntry {self.kind} {self.code} {self.name}>"


class DirectoryName(db.Model):
    """A name an entry is known by (its official name too), with the key it is matched on."""
    __tablename__ = "directory_name"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("directory_entry.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    key: Mapped[str] = mapped_column(sa.String(200), index=True)

    entry: Mapped[DirectoryEntry] = relationship(back_populates="names")


class DirectoryDomain(db.Model):
    """A mail domain whose mailboxes belong to the entry (utrecht.nl for Utrecht)."""
    __tablename__ = "directory_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("directory_entry.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)

    entry: Mapped[DirectoryEntry] = relationship(back_populates="domains")
