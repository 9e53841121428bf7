"""Finding letters by the slug in their address, and their versions side by side."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from .letterfile import SLUG, LetterFile
from .models import Letter, LetterStatus, LetterText, LetterVersion


def find_public_letter(slug: str) -> Letter | None:
    """The open, closed or delivered letter at `slug`; None for drafts and for what cannot be a
    slug (odd characters never reach the database)."""
    if len(slug) > 120 or not SLUG.fullmatch(slug):
        return None
    # With its versions in the same query: every page of a letter asks for the current one.
    return db.session.scalar(sa.select(Letter).options(joinedload(Letter.versions)).where(
        Letter.slug == slug, Letter.status.in_(LetterStatus.PUBLIC)))


def find_letter(slug: str) -> Letter | None:
    """The letter at `slug` in any state, drafts included (for staff)."""
    if len(slug) > 120 or not SLUG.fullmatch(slug):
        return None
    return db.session.scalar(sa.select(Letter).where(Letter.slug == slug))


def find_version(letter: Letter, number: int) -> LetterVersion | None:
    return next((v for v in letter.versions if v.number == number), None)


# One text per field, in the order a reader meets them.
DIFF_FIELDS = ("title", "letterhead", "reference", "contact_name", "contact_phone", "contact_email",
               "addressee", "place", "letter_date", "subject", "salutation", "body", "closing",
               "attachments")


def text_of(source: LetterText | LetterFile) -> dict[str, str]:
    """The text fields of a letter, a version or a parsed file, as plain text."""
    values = {}
    for name in DIFF_FIELDS:
        value = getattr(source, "date" if name == "letter_date" and isinstance(
            source, LetterFile) else name, None)
        if isinstance(value, list):  # a parsed file's attachments, one a line as stored
            value = "\n".join(value)
        values[name] = value.isoformat() if isinstance(value, date) else (value or "")
    return values


@dataclass
class DiffRow:
    """One line of a side-by-side diff: `change` is equal, replace, delete or insert."""
    change: str
    old_number: int | None
    old: str | None
    new_number: int | None
    new: str | None


@dataclass
class FieldDiff:
    name: str
    rows: list[DiffRow] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(row.change != "equal" for row in self.rows)


def _rows(old: str, new: str) -> list[DiffRow]:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    rows = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for change, a1, a2, b1, b2 in matcher.get_opcodes():
        for offset in range(max(a2 - a1, b2 - b1)):
            i, j = a1 + offset, b1 + offset
            rows.append(DiffRow(change,
                                i + 1 if i < a2 else None, old_lines[i] if i < a2 else None,
                                j + 1 if j < b2 else None, new_lines[j] if j < b2 else None))
    return rows


def text_diff(old: dict[str, str], new: dict[str, str]) -> list[FieldDiff]:
    """Two texts (from text_of) side by side, field by field, line by line (difflib)."""
    return [FieldDiff(name, _rows(old[name], new[name])) for name in DIFF_FIELDS]


def version_diff(old: LetterText, new: LetterText) -> list[FieldDiff]:
    return text_diff(text_of(old), text_of(new))
