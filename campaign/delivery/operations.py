"""Delivering a letter: freeze its PDF with a verification address on the last page, sign it when
configured, store it with its SHA-256, queue the cover mail that carries it, audit, and mark the
letter delivered. Like every operation it leaves the commit to the caller."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, gettext

from .. import audit
from ..core.errors import NotAllowed
from ..core.links import external_url
from ..core.templating import lines
from ..core.timeutil import utcnow
from ..extensions import db
from ..followup.notifications import notify_signers
from ..letters.models import Letter, LetterKind, LetterStatus
from ..mail.outbox import queue_mail
from ..signatures.queries import Counts, counts
from . import chunked
from .models import Delivery, new_delivery_id
from .queries import deliveries_of
from .rendering import tally
from .signing import sign_pdf, signing_configured
from .stamp import delivery_stamp

MAX_CC = 20
NOTE_MAX_LENGTH = 2000


class NotDeliverable(NotAllowed):
    """The letter cannot be delivered in its state (a draft)."""


class AlreadyDelivered(NotAllowed):
    """Delivered before; delivering again must be asked for (`again`)."""

    def __init__(self, letter: Letter, earlier: list[Delivery]) -> None:
        if earlier:
            last = earlier[-1]
            when = (f"was delivered to {last.recipient} on {last.delivered_at:%Y-%m-%d %H:%M} "
                    f"UTC ({len(earlier)} delivery(ies) so far)")
        else:
            when = "was delivered by someone else a moment ago"
        super().__init__(f"letter {letter.slug} {when}; deliver it again only on purpose "
                         "(--again)")
        self.earlier = earlier


class BadDeliveryInput(ValueError):
    """An address or note that cannot be used; `field` names it (to, cc, note)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_address(address: str, field: str = "to") -> str:
    """The address in its normalised form, or BadDeliveryInput saying what is wrong with it."""
    address = (address or "").strip()
    if not address:
        raise BadDeliveryInput(field, "an e-mail address is needed")
    try:
        normalised = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise BadDeliveryInput(field, f"{address[:320]!r} is not a valid e-mail address: "
                                      f"{error}") from None
    if not normalised.rpartition("@")[0].isascii():
        # Without SMTPUTF8, which few servers offer, such a mail would not get through.
        raise BadDeliveryInput(field, f"{address!r}: the part before the @ must be plain ASCII")
    return normalised


def check_addresses(to: str, cc: Iterable[str]) -> tuple[str, list[str]]:
    """The recipient and the distinct Cc addresses (not the recipient again), checked."""
    recipient = check_address(to, "to")
    copies: list[str] = []
    for address in cc:
        normalised = check_address(address, "cc")
        if normalised.lower() != recipient.lower() and normalised.lower() not in {
                c.lower() for c in copies}:
            copies.append(normalised)
    if len(copies) > MAX_CC:
        raise BadDeliveryInput("cc", f"at most {MAX_CC} addresses in Cc")
    return recipient, copies


def _counts_snapshot(letter_counts: Counts) -> dict:
    return {**letter_counts.as_dict(), "by_verification": dict(letter_counts.by_verification)}


def _unused_id() -> str:
    for _ in range(10):
        candidate = new_delivery_id()
        if db.session.get(Delivery, candidate) is None:
            return candidate
    raise RuntimeError("no free delivery id found")  # 60 random bits: never in practice


def _mark_delivered(letter: Letter, seen_status: str, moment) -> bool:
    """Set the letter delivered if its status is still the one we saw: of two deliveries at the
    same moment only one passes a first delivery (one conditional UPDATE, no lock held while the
    PDF renders)."""
    changed = db.session.execute(
        sa.update(Letter).where(Letter.id == letter.id, Letter.status == seen_status)
        .values(status=LetterStatus.DELIVERED, delivered_at=moment, closed_at=sa.func.coalesce(
            Letter.closed_at, moment))
        .execution_options(synchronize_session=False)).rowcount
    return changed == 1


def deliver(letter: Letter, to: str, cc: Iterable[str] = (), note: str = "",
            actor: audit.Actor | str = "system", again: bool = False,
            progress: chunked.Progress | None = None) -> Delivery:
    """Deliver `letter` to `to` (Cc `cc`) with the staff `note`; see the module docstring.

    Refuses a draft (NotDeliverable), a second delivery unless `again` (AlreadyDelivered; both
    records are kept when it is), bad addresses or a long note (BadDeliveryInput), and signing
    that is configured but fails (signing.SigningError)."""
    if letter.status == LetterStatus.DRAFT or letter.current_version is None:
        raise NotDeliverable(f"letter {letter.slug} is a draft: publish it before delivering it")
    recipient, copies = check_addresses(to, cc)
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise BadDeliveryInput("note", f"the note is longer than {NOTE_MAX_LENGTH} characters")
    earlier = deliveries_of(letter)
    if earlier and not again:
        raise AlreadyDelivered(letter, earlier)
    seen_status = letter.status

    delivery_id = _unused_id()
    now = utcnow()
    verify_url = external_url("verify.show", delivery_id=delivery_id)
    letter_counts = counts(letter)  # as the PDF prints them, give or take a signature meanwhile
    stamp = delivery_stamp(verify_url, now.date(), recipient)
    # In parts when it has more co-signers than one part holds (the memory of one part,
    # whatever the letter's size), else as one document: chunked.py decides.
    pdf = chunked.render_in_parts(letter, stamp=stamp, progress=progress)
    signed = signing_configured()
    if signed:
        version = letter.current_version
        with force_locale(letter.language):
            reason = gettext("Delivered to %(recipient)s; verify at %(url)s",
                             recipient=recipient, url=verify_url)
        pdf = sign_pdf(pdf, reason=reason, location=version.place or None)

    if not _mark_delivered(letter, seen_status, now):
        raise AlreadyDelivered(letter, earlier)
    delivery = Delivery(
        id=delivery_id, letter=letter, version=letter.current_version, recipient=recipient,
        cc=copies, note=note, pdf=pdf, pdf_size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(),
        signed=signed, counts=_counts_snapshot(letter_counts), delivered_at=now,
        delivered_by=audit.Actor.of(actor).label)
    db.session.add(delivery)
    letter.status, letter.delivered_at = LetterStatus.DELIVERED, now
    letter.closed_at = letter.closed_at or now
    _queue_cover_mail(letter, delivery, letter_counts, verify_url)
    audit.record(actor, "letter.delivered", letter=letter, delivery=delivery.id,
                 recipient=recipient, cc=copies, sha256=delivery.sha256, signed=signed,
                 version=delivery.version.number, again=bool(earlier),
                 status={"before": seen_status, "after": LetterStatus.DELIVERED})
    db.session.flush()
    # Signers who asked to hear of it get one mail; a second delivery tells nobody twice.
    notify_signers(letter, "delivered", actor)
    return delivery


def _queue_cover_mail(letter: Letter, delivery: Delivery, letter_counts: Counts,
                      verify_url: str) -> None:
    """The cover mail in the letter's language; the outbox attaches the stored PDF when sending."""
    text = delivery.version
    letterhead = lines(text.letterhead)
    with force_locale(letter.language):
        row = queue_mail(
            delivery.recipient, "delivery", action_url=verify_url, letter=letter, text=text,
            delivery=delivery, verify_url=verify_url,
            is_manifesto=letter.kind == LetterKind.MANIFESTO,
            sender=letterhead[0] if letterhead else "",
            tally=tally(letter_counts, letter.language, delivery.delivered_at.date(),
                        delivered=True) if letter_counts.total else "")
    row.cc = ", ".join(delivery.cc) or None
    row.delivery = delivery
