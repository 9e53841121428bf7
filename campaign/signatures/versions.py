"""How many signatures each version of a letter has: signatures point at the text they signed."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..letters.models import Letter
from .models import Review, Signature, SignatureState


@dataclass
class VersionCount:
    counted: int = 0   # confirmed and let through by the letter's moderation
    waiting: int = 0   # confirmed, waiting for staff review


def signatures_per_version(letter: Letter) -> dict[int, VersionCount]:
    """Version number -> its confirmed signatures, for every version of the letter (one query)."""
    per_version = {version.number: VersionCount() for version in letter.versions}
    number_of = {version.id: version.number for version in letter.versions}
    rows = db.session.execute(
        sa.select(Signature.version_id, Signature.review, sa.func.count())
        .where(Signature.letter_id == letter.id, Signature.state == SignatureState.CONFIRMED,
               Signature.version_id.is_not(None))
        .group_by(Signature.version_id, Signature.review)).all()
    for version_id, review, number in rows:
        entry = per_version.get(number_of.get(version_id))
        if entry is None:
            continue
        if review in Review.PUBLIC:
            entry.counted += number
        elif review == Review.WAITING:
            entry.waiting += number
    return per_version
