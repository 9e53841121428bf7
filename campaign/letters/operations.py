"""Every state change of a letter, one function each: import, update, publish, close, reopen.

They change rows and write the audit log in the caller's transaction, and leave the commit to the
caller (a view or a CLI command).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit
from ..core.errors import NotAllowed
from ..core.timeutil import utcnow
from ..extensions import db
from .letterfile import LetterFile, LetterFileError
from .models import Letter, LetterStatus, LetterText, LetterVersion


class EditConflict(NotAllowed):
    """The letter was saved by someone else since the editor's page was made."""

    def __init__(self, letter: Letter, expected_revision: int) -> None:
        super().__init__(f"letter {letter.slug} was changed since revision {expected_revision}")
        self.expected_revision = expected_revision


def _letter_fields(parsed: LetterFile) -> dict[str, object]:
    return dict(
        kind=parsed.kind, language=parsed.language, title=parsed.title, body=parsed.body,
        addressee=parsed.addressee, place=parsed.place, letter_date=parsed.date,
        salutation=parsed.salutation, closing=parsed.closing, letterhead=parsed.letterhead,
        signatory_kinds=",".join(parsed.signatory_kinds), moderation=parsed.moderation,
        verification_appendix=parsed.verification_appendix, subject=parsed.subject,
        reference=parsed.reference, contact_name=parsed.contact_name,
        contact_phone=parsed.contact_phone, contact_email=parsed.contact_email,
        attachments="\n".join(parsed.attachments), initiator=parsed.initiator,
        contact_url=parsed.contact_url, sign_until=parsed.sign_until,
        sectors="\n".join(parsed.sectors))


def import_letter(parsed: LetterFile, actor: str) -> Letter:
    if db.session.scalar(sa.select(Letter.id).where(Letter.slug == parsed.slug)) is not None:
        raise LetterFileError([f"field 'slug': a letter with slug {parsed.slug!r} already "
                               "exists (use 'flask letters update' to change it)"],
                              {"slug": ["already exists"]})
    letter = Letter(slug=parsed.slug, status=LetterStatus.DRAFT, **_letter_fields(parsed))
    db.session.add(letter)
    db.session.flush()
    audit.record(actor, "letter.imported", letter=letter, slug=letter.slug)
    return letter


def update_letter(letter: Letter, parsed: LetterFile, actor: str, *,
                  expected_revision: int | None = None) -> LetterVersion | None:
    """Replace a letter's fields from its file. An open letter whose text changed gets a new
    version at once; signatures keep pointing at the version they signed.

    Every save bumps the letter's revision. Given `expected_revision` (the revision the editor's
    page showed), a letter saved by someone else since raises EditConflict and nothing changes;
    the check is one conditional UPDATE, so two saves at the same moment cannot both pass."""
    if parsed.slug != letter.slug:
        raise LetterFileError([f"field 'slug': the file is for {parsed.slug!r}, "
                               f"not {letter.slug!r}"], {"slug": ["belongs to another letter"]})
    if letter.status == LetterStatus.DELIVERED:
        raise NotAllowed(f"letter {letter.slug} has been delivered; its text stays as it was")
    _next_revision(letter, letter.revision if expected_revision is None else expected_revision)
    for name, value in _letter_fields(parsed).items():
        setattr(letter, name, value)
    version = _freeze_if_changed(letter) if letter.status != LetterStatus.DRAFT else None
    db.session.flush()
    audit.record(actor, "letter.updated", letter=letter,
                 version=version.number if version else None)
    return version


def _next_revision(letter: Letter, expected: int) -> None:
    bumped = db.session.execute(
        sa.update(Letter).where(Letter.id == letter.id, Letter.revision == expected)
        .values(revision=Letter.revision + 1)
        .execution_options(synchronize_session=False))
    if bumped.rowcount != 1:
        raise EditConflict(letter, expected)
    set_committed_value(letter, "revision", expected + 1)


def _freeze_if_changed(letter: Letter) -> LetterVersion | None:
    """A new version holding the letter's text, unless the current version holds it already."""
    current = letter.current_version
    if current is not None and all(getattr(current, name) == getattr(letter, name)
                                   for name in LetterText.TEXT_FIELDS):
        return None
    version = LetterVersion(
        number=(current.number + 1) if current else 1,
        **{name: getattr(letter, name) for name in LetterText.TEXT_FIELDS},
    )
    letter.versions.append(version)
    return version


def publish_letter(letter: Letter, actor: str) -> LetterVersion:
    """Open a letter for signing, freezing its text as a new version when it changed."""
    if letter.status == LetterStatus.DELIVERED:
        raise NotAllowed(f"letter {letter.slug} has been delivered and cannot be reopened")
    version = _freeze_if_changed(letter) or letter.current_version
    letter.status = LetterStatus.OPEN
    letter.published_at = letter.published_at or utcnow()
    letter.closed_at = None
    db.session.flush()
    audit.record(actor, "letter.published", letter=letter, version=version.number)
    return version


def close_letter(letter: Letter, actor: str) -> None:
    if letter.status != LetterStatus.OPEN:
        raise NotAllowed(f"letter {letter.slug} is {letter.status}, not open")
    letter.status = LetterStatus.CLOSED
    letter.closed_at = utcnow()
    audit.record(actor, "letter.closed", letter=letter)


def reopen_letter(letter: Letter, actor: str) -> None:
    """Take signatures again on a closed letter (its text as it stands)."""
    if letter.status != LetterStatus.CLOSED:
        raise NotAllowed(f"letter {letter.slug} is {letter.status}, not closed")
    version = _freeze_if_changed(letter) or letter.current_version
    letter.status = LetterStatus.OPEN
    letter.closed_at = None
    db.session.flush()
    audit.record(actor, "letter.reopened", letter=letter, version=version.number)
