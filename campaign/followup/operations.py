"""Every change to a delivered letter's follow-up, one function each: the recipient's
acknowledgement, the date the answer is due, the answer (with its PDF). Audit-logged; the caller
commits. Recording the answer tells the signers who asked (notifications.notify_signers)."""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import audit
from ..core.errors import NotAllowed
from ..core.text import clean_line
from ..core.timeutil import today_where_signed, utcnow
from ..extensions import db
from ..letters.models import Letter
from .models import AnswerDocument, FollowUp, FollowUpEvent
from .notifications import dialect_insert, notify_signers
from .queries import local_date

log = logging.getLogger(__name__)

REFERENCE_LENGTH = FollowUp.acknowledged_reference.type.length
ANSWER_TEXT_LENGTH = 20_000
FILENAME_LENGTH = AnswerDocument.filename.type.length


class FollowUpRefused(ValueError):
    """A value the follow-up does not take; `field` names the form field, the message (lazy,
    translated when shown) says why."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _require_delivered(letter: Letter) -> None:
    if letter.delivered_at is None:
        raise NotAllowed(f"letter {letter.slug} has not been delivered")


def _check_day(field: str, day: date | None, letter: Letter, *, future: bool = False) -> None:
    """A day on or after delivery; not in the future unless `future`."""
    if day is None:
        return
    delivered = local_date(letter.delivered_at)
    if day < delivered:
        raise FollowUpRefused(field, _l("This is before the letter was delivered (%(day)s).",
                                        day=delivered.isoformat()))
    if not future and day > today_where_signed():
        raise FollowUpRefused(field, _l("This date is in the future."))


def _follow_up_for_change(letter: Letter) -> FollowUp:
    """The letter's follow-up row, made if it is missing, locked for this transaction on
    PostgreSQL: two staff saving at once do not lose each other's fields silently."""
    db.session.execute(dialect_insert(FollowUp.__table__)
                       .values(letter_id=letter.id, updated_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["letter_id"]))
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.letter_id == letter.id)
                             .with_for_update().execution_options(populate_existing=True))


def record_acknowledgement(letter: Letter, reference: str, received_on: date,
                           actor: audit.Actor | str) -> FollowUp:
    """The recipient confirmed receipt: their reference (kenmerk) and the day of their letter."""
    _require_delivered(letter)
    reference = clean_line(reference or "")
    if len(reference) > REFERENCE_LENGTH:
        raise FollowUpRefused("reference", _l("At most %(num)d characters.",
                                              num=REFERENCE_LENGTH))
    if received_on is None:
        raise FollowUpRefused("acknowledged_on", _l("Fill in the date of the acknowledgement."))
    _check_day("acknowledged_on", received_on, letter)
    follow_up = _follow_up_for_change(letter)
    before = {"reference": follow_up.acknowledged_reference,
              "on": _iso(follow_up.acknowledged_on)}
    follow_up.acknowledged_reference = reference or None
    follow_up.acknowledged_on = received_on
    audit.record(actor, "followup.acknowledged", letter=letter, before=before,
                 after={"reference": reference or None, "on": received_on.isoformat()})
    return follow_up


def set_answer_due(letter: Letter, due: date | None, actor: audit.Actor | str) -> FollowUp:
    """The day the answer is due; None goes back to the default term after delivery."""
    _require_delivered(letter)
    _check_day("answer_due", due, letter, future=True)
    follow_up = _follow_up_for_change(letter)
    before = _iso(follow_up.answer_due)
    follow_up.answer_due = due
    audit.record(actor, "followup.answer_due_set", letter=letter,
                 before=before, after=_iso(due))
    return follow_up


@dataclass(frozen=True)
class UploadedPdf:
    filename: str
    data: bytes


def max_answer_bytes() -> int:
    return current_app.config["ANSWER_PDF_MAX_BYTES"]


def check_answer_pdf(filename: str, data: bytes) -> UploadedPdf:
    """A PDF by its content (the name and the browser's type are not trusted), at most
    ANSWER_PDF_MAX_BYTES, that a PDF reader can open."""
    field = "document"
    if not data:
        raise FollowUpRefused(field, _l("The file is empty."))
    if len(data) > max_answer_bytes():
        raise FollowUpRefused(field, _l("The file is larger than %(size)d MB.",
                                        size=max_answer_bytes() // (1024 * 1024)))
    if b"%PDF-" not in data[:1024]:
        raise FollowUpRefused(field, _l("Only PDF files are taken; this file is not a PDF."))
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        pages = int(reader.root["/Pages"]["/Count"])
    except (PdfError, KeyError, TypeError, ValueError, IndexError, AttributeError,
            RecursionError) as error:
        log.info("Answer PDF refused: %s", type(error).__name__)
        raise FollowUpRefused(field, _l("The PDF file is damaged and cannot be read.")) from None
    if pages < 1:
        raise FollowUpRefused(field, _l("The PDF file has no pages."))
    name = clean_line(filename.replace("\\", "/").rsplit("/", 1)[-1]) or "answer.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return UploadedPdf(name[-FILENAME_LENGTH:], data)


def record_answer(letter: Letter, text: str, received_on: date, actor: audit.Actor | str, *,
                  document: UploadedPdf | None = None, remove_document: bool = False) -> int:
    """The recipient answered: the day, the text (for the public page) and optionally the PDF
    they sent (checked with check_answer_pdf). Recording it the first time queues the mail to
    the signers who asked; correcting it later mails nobody again. Returns how many were
    notified by this call."""
    _require_delivered(letter)
    text = (text or "").replace("\r\n", "\n").strip()
    if received_on is None:
        raise FollowUpRefused("answered_on", _l("Fill in the date of the answer."))
    _check_day("answered_on", received_on, letter)
    if not text and document is None and not _has_document(letter):
        raise FollowUpRefused("text", _l("Give the answer's text, its PDF, or both."))
    if len(text) > ANSWER_TEXT_LENGTH:
        raise FollowUpRefused("text", _l("At most %(num)d characters.", num=ANSWER_TEXT_LENGTH))
    follow_up = _follow_up_for_change(letter)
    first = follow_up.answered_on is None
    follow_up.answered_on, follow_up.answer_text = received_on, text or None
    detail: dict[str, object] = {"on": received_on.isoformat(), "first": first}
    if document is not None:
        digest = hashlib.sha256(document.data).hexdigest()
        stored = follow_up.document or AnswerDocument()
        stored.filename, stored.size, stored.sha256 = document.filename, len(document.data), digest
        stored.content, stored.uploaded_at = document.data, utcnow()
        follow_up.document = stored
        detail["document"] = {"sha256": digest, "size": len(document.data)}
    elif remove_document and follow_up.document is not None:
        follow_up.document = None
        detail["document"] = "removed"
    db.session.flush()
    audit.record(actor, "followup.answered", letter=letter, **detail)
    return notify_signers(letter, FollowUpEvent.ANSWERED, actor)


def _has_document(letter: Letter) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AnswerDocument)
                             .where(AnswerDocument.letter_id == letter.id)) > 0


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None

