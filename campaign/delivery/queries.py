"""Finding deliveries: a letter's, one by its public id, and those whose file has a SHA-256.
None of these loads the stored PDF (a deferred column) unless asked: `find_delivery(…,
with_pdf=True)`."""
from __future__ import annotations

import re
from datetime import UTC

import sqlalchemy as sa
from babel.dates import format_datetime
from sqlalchemy.orm import joinedload, undefer

from ..core.timeutil import SIGNING_TIMEZONE
from ..extensions import db
from ..letters.models import Letter
from .models import ID_ALPHABET, ID_LENGTH, Delivery

DELIVERY_ID = re.compile(f"[{ID_ALPHABET}]{{{ID_LENGTH}}}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def deliveries_of(letter: Letter) -> list[Delivery]:
    """The letter's deliveries, oldest first."""
    return list(db.session.scalars(
        sa.select(Delivery).where(Delivery.letter_id == letter.id)
        .order_by(Delivery.delivered_at, Delivery.id)))


def deliveries_by_letter(letter_ids: list[int]) -> dict[int, list[Delivery]]:
    """Deliveries of several letters in one query, oldest first."""
    found: dict[int, list[Delivery]] = {letter_id: [] for letter_id in letter_ids}
    if letter_ids:
        for delivery in db.session.scalars(
                sa.select(Delivery).where(Delivery.letter_id.in_(letter_ids))
                .order_by(Delivery.delivered_at, Delivery.id)):
            found[delivery.letter_id].append(delivery)
    return found


def normalise_delivery_id(text: str) -> str | None:
    """A public id as typed from paper (any case, spaces or dashes between); None when it
    cannot be one."""
    cleaned = re.sub(r"[\s-]", "", text[:40]).lower()
    return cleaned if DELIVERY_ID.fullmatch(cleaned) else None


def find_delivery(delivery_id: str, *, with_pdf: bool = False) -> Delivery | None:
    """The delivery with this public id, with its letter and version; its stored PDF loaded
    too when `with_pdf` (for a download)."""
    cleaned = normalise_delivery_id(delivery_id)
    if cleaned is None:
        return None
    options = [joinedload(Delivery.letter), joinedload(Delivery.version)]
    if with_pdf:
        options.append(undefer(Delivery.pdf))
    return db.session.scalar(sa.select(Delivery).options(*options).where(Delivery.id == cleaned))


def normalise_sha256(text: str) -> str | None:
    """A SHA-256 as 64 lower-case hex digits; None when `text` is none."""
    cleaned = text.strip().lower()
    return cleaned if SHA256_HEX.fullmatch(cleaned) else None


def deliveries_with_sha256(sha256: str) -> list[Delivery]:
    """Deliveries whose stored file has this SHA-256 (64 lower-case hex digits)."""
    return list(db.session.scalars(
        sa.select(Delivery).options(joinedload(Delivery.letter))
        .where(Delivery.sha256 == sha256).order_by(Delivery.delivered_at)))


def delivered_when(delivery: Delivery, language: str) -> str:
    """"1 december 2026, 14:05" in Dutch time (the stored time is UTC)."""
    moment = delivery.delivered_at.replace(tzinfo=UTC)
    return format_datetime(moment, format="d MMMM y, HH:mm", tzinfo=SIGNING_TIMEZONE,
                           locale=language)
