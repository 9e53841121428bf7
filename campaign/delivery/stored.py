"""The rendered PDF of a letter, kept and served again until its text or its signatures change.

A render is valid for one `render_key`: a hash of the letter's revision and published version,
its images, the day (the PDF prints "stand op <date>") and the signatures marker, the latest
`Signature.changed_at` of the letter. Every write to a signature sets that column (insert or
update, ORM or Core), so the marker moves whenever the list might have; it is one lookup in the
index (letter_id, changed_at), whatever the number of signatures.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.images import images_of
from ..letters.models import Letter
from ..signatures.models import Signature


class StoredPdf(db.Model):
    """The latest rendered PDF of a letter (one a letter)."""
    __tablename__ = "stored_pdf"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id", ondelete="CASCADE"),
                                           unique=True)
    render_key: Mapped[str] = mapped_column(sa.String(64))
    # Loaded only when the file is served: the status page reads the rest.
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int]
    pages: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)


def signatures_marker(letter: Letter) -> datetime | None:
    """When any signature of `letter` last changed: one index lookup."""
    return db.session.scalar(sa.select(sa.func.max(Signature.changed_at))
                             .where(Signature.letter_id == letter.id))


def render_key(letter: Letter, today: date | None = None) -> str:
    """What the letter's PDF depends on, as a hash: equal keys, equal PDFs."""
    version = letter.current_version
    images = sorted(image.sha256 for image in images_of(letter).values())
    marker = signatures_marker(letter)
    parts = [letter.id, letter.revision, version.id if version else 0, ",".join(images),
             (today or date.today()).isoformat(), marker.isoformat() if marker else "-"]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def stored_pdf(letter: Letter) -> StoredPdf | None:
    """The letter's stored PDF, current or not."""
    return db.session.scalar(sa.select(StoredPdf).where(StoredPdf.letter_id == letter.id))


def current_pdf(letter: Letter, key: str | None = None) -> StoredPdf | None:
    """The stored PDF when it is still the letter's PDF; None when there is none or it is
    outdated."""
    stored = stored_pdf(letter)
    if stored is None or stored.render_key != (key or render_key(letter)):
        return None
    return stored


def store_pdf(letter: Letter, key: str, data: bytes, pages: int, seconds: float) -> StoredPdf:
    """Keep `data` as the letter's PDF for `key`, replacing the one before. The caller commits."""
    stored = stored_pdf(letter) or StoredPdf(letter_id=letter.id)
    stored.render_key, stored.data, stored.size, stored.pages = key, data, len(data), pages
    stored.sha256 = hashlib.sha256(data).hexdigest()
    stored.rendered_at, stored.seconds = utcnow(), seconds
    db.session.add(stored)
    return stored
