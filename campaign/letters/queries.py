"""Finding a letter the public may see by the slug in its address."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .letterfile import SLUG
from .models import Letter, LetterStatus


def find_public_letter(slug: str) -> Letter | None:
    """The open, closed or delivered letter at `slug`; None for drafts and for what cannot be a
    slug (odd characters never reach the database)."""
    if len(slug) > 120 or not SLUG.fullmatch(slug):
        return None
    return db.session.scalar(sa.select(Letter).where(
        Letter.slug == slug, Letter.status.in_(LetterStatus.PUBLIC)))
