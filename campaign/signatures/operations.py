"""Every state change of a signature, one function each: sign, confirm, withdraw, review, purge,
resend a link, invite.

Views, CLI commands and tests call these. They change rows, queue mail and write the audit log
in the caller's transaction; they flush when they need ids, and leave the commit to the caller.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..core.errors import NotAllowed
from ..core.i18n import use_language
from ..core.links import external_url
from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.models import Letter, LetterStatus, Moderation, SignatoryKind
from ..mail.models import OutboxMail, OutboxStatus
from ..mail.outbox import forget_recipient, queue_mail
from .models import Review, Signature, SignatureState, Verification
from .tokens import Purpose, make_token
from .verification import mail_domain_matches_website

# --- signing -----------------------------------------------------------------------------------

@dataclass
class SignerDetails:
    kind: str
    name: str
    email: str
    role: str = ""
    organisation: str = ""
    municipality: str = ""
    website: str = ""
    public: bool = True
    lead: bool = False


def normalise_email(address: str) -> str:
    """One spelling per mailbox: "Jan@Bücher.DE" and "jan@xn--bcher-kva.de" are the same signer."""
    address = address.strip()
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        pass  # the form and the CSV reader have refused invalid addresses already
    return address.lower()


def _link(purpose: str, signature: Signature) -> str:
    endpoint = {Purpose.CONFIRM: "public.confirm", Purpose.INVITE: "public.invitation",
                Purpose.WITHDRAW: "public.withdraw"}[purpose]
    return external_url(endpoint, slug=signature.letter.slug, token=make_token(purpose, signature))


def _queue_signature_mail(signature: Signature, template: str, purpose: str) -> OutboxMail:
    use_language(signature.letter.language)
    letter = signature.letter
    return queue_mail(
        signature.email, template, signature=signature, action_url=_link(purpose, signature),
        letter=letter, letter_url=external_url("public.show", slug=letter.slug),
        withdraw_url=_link(Purpose.WITHDRAW, signature),
    )


def clean_municipality(name: str) -> str:
    """"Gemeente Utrecht" -> "Utrecht": the word is printed by the letter, not typed by signers."""
    name = " ".join(name.split())
    for prefix in ("gemeente", "municipality of"):
        if name.lower() == prefix or name.lower().startswith(prefix + " "):
            return name[len(prefix):].strip()
    return name


def _apply_details(signature: Signature, details: SignerDetails) -> None:
    signature.kind = details.kind
    signature.name = " ".join(details.name.split())
    signature.role = details.role.strip() or None
    # Only what belongs to the kind: an organisation's signer is not filed under a municipality.
    signature.organisation = (" ".join(details.organisation.split()) or None
                              if details.kind == SignatoryKind.ORGANISATION else None)
    signature.municipality = (clean_municipality(details.municipality) or None
                              if details.kind == SignatoryKind.ALDERPERSON else None)
    signature.website = details.website.strip() or None
    signature.public = details.public
    signature.lead = details.lead


# A form filled in again and again with someone's address must not flood their mailbox.
REPEAT_MAIL_INTERVAL = timedelta(minutes=10)


def _recently_mailed(signature: Signature) -> bool:
    last = db.session.scalar(sa.select(OutboxMail.created_at)
                             .where(OutboxMail.signature_id == signature.id)
                             .order_by(OutboxMail.created_at.desc()).limit(1))
    return last is not None and last > utcnow() - REPEAT_MAIL_INTERVAL


def _require_open(letter: Letter) -> None:
    if not letter.is_open:
        raise NotAllowed(f"letter {letter.slug} is {letter.status}")


def submit_signature(letter: Letter, details: SignerDetails) -> None:
    """A signature from the public form: pending until its address is confirmed.

    What the signer sees does not depend on whether the address signed before; what differs is
    the mail that address receives (a confirm link, its invitation again, or a note that it has
    signed already, with the withdraw link).
    """
    _require_open(letter)
    if details.kind not in letter.kinds:
        raise NotAllowed(f"letter {letter.slug} is not signed by {details.kind}")
    email = normalise_email(details.email)
    existing = db.session.scalar(
        sa.select(Signature).where(Signature.letter_id == letter.id, Signature.email == email))
    if existing is None:
        signature = Signature(letter=letter, email=email, state=SignatureState.PENDING,
                              version=letter.current_version)
        _apply_details(signature, details)
        signature.lead = False  # only staff make lead signatories
        try:
            with db.session.begin_nested():
                db.session.add(signature)
                db.session.flush()
        except IntegrityError:
            # The same address was submitted at the same moment; answer it as a repeat.
            existing = db.session.scalar(sa.select(Signature).where(
                Signature.letter_id == letter.id, Signature.email == email))
        else:
            audit.record("signer", "signature.submitted", letter=letter, signature=signature,
                         kind=signature.kind)
            _queue_signature_mail(signature, "confirm", Purpose.CONFIRM)
            return
    if existing is None or _recently_mailed(existing):
        return
    if existing.state == SignatureState.PENDING:
        # Send the link again for the details first given: whoever fills in someone else's
        # address must not be able to change what that person's link confirms.
        audit.record("signer", "signature.resubmitted", letter=letter, signature=existing)
        _queue_signature_mail(existing, "confirm", Purpose.CONFIRM)
    elif existing.state == SignatureState.INVITED:
        _queue_signature_mail(existing, "invitation", Purpose.INVITE)
    else:
        _queue_signature_mail(existing, "already_signed", Purpose.WITHDRAW)


def _review_for(letter: Letter, signature: Signature) -> str:
    if letter.moderation == Moderation.NONE:
        return Review.NOT_NEEDED
    if letter.moderation == Moderation.UNVERIFIED and signature.verified:
        return Review.NOT_NEEDED
    if signature.invited:
        return Review.NOT_NEEDED  # staff vetted invitees when they invited them
    return Review.WAITING


def confirm_signature(signature: Signature) -> bool:
    """The signer proved control of the mailbox. Returns False if it was confirmed already."""
    if signature.state in (SignatureState.CONFIRMED, SignatureState.WITHDRAWN):
        return False
    letter = signature.letter
    _require_open(letter)
    if signature.invited:
        signature.verified_by = Verification.INVITATION
        signature.version = letter.current_version
    elif mail_domain_matches_website(signature.email or "", signature.website):
        signature.verified_by = Verification.MAIL_DOMAIN
    signature.state = SignatureState.CONFIRMED
    signature.confirmed_at = utcnow()
    signature.review = _review_for(letter, signature)
    audit.record("signer", "signature.confirmed", letter=letter, signature=signature,
                 verified_by=signature.verified_by, review=signature.review)
    _queue_signature_mail(signature, "signed", Purpose.WITHDRAW)
    return True


def withdraw_signature(signature: Signature) -> bool:
    """Take a signature out of every list and erase its personal data. False if already done."""
    if signature.state == SignatureState.WITHDRAWN:
        return False
    for field in ("name", "role", "organisation", "municipality", "email", "website"):
        setattr(signature, field, None)
    signature.public = False
    signature.state = SignatureState.WITHDRAWN
    signature.withdrawn_at = utcnow()
    mails = db.session.scalars(sa.select(OutboxMail).where(OutboxMail.signature_id == signature.id))
    for mail in mails:
        if mail.status == OutboxStatus.QUEUED:
            db.session.delete(mail)
        else:
            forget_recipient(mail)
    audit.record("signer", "signature.withdrawn", letter=signature.letter, signature=signature)
    return True


def review_signature(signature: Signature, approve: bool, actor: str) -> None:
    """Staff let a confirmed signature through, or keep it out of every list."""
    if signature.state != SignatureState.CONFIRMED:
        raise NotAllowed(f"signature {signature.id} is {signature.state}, not confirmed")
    signature.review = Review.APPROVED if approve else Review.REJECTED
    audit.record(actor, "signature.approved" if approve else "signature.rejected",
                 letter=signature.letter, signature=signature)


def purge_unconfirmed(older_than: timedelta, actor: str) -> int:
    """Delete signatures from the public form never confirmed within `older_than`, with their
    mail: an address someone typed in must not be kept when its owner never answered."""
    stale = db.session.scalars(sa.select(Signature).where(
        Signature.state == SignatureState.PENDING, Signature.created_at < utcnow() - older_than))
    count = 0
    for signature in stale:
        for mail in db.session.scalars(
                sa.select(OutboxMail).where(OutboxMail.signature_id == signature.id)):
            forget_recipient(mail)
            db.session.delete(mail)
        db.session.delete(signature)
        count += 1
    if count:
        audit.record(actor, "signatures.purged", count=count, days=older_than.days)
    return count


def resend_link(purpose: str, signature: Signature) -> bool:
    """Mail a fresh link of `purpose` to the signature's own address, if it can still be used."""
    wanted_state = {Purpose.CONFIRM: SignatureState.PENDING, Purpose.INVITE: SignatureState.INVITED}
    if signature.state == SignatureState.WITHDRAWN or not signature.email:
        return False
    if purpose in wanted_state and signature.state != wanted_state[purpose]:
        return False
    if _recently_mailed(signature):
        return False
    template = {Purpose.CONFIRM: "confirm", Purpose.INVITE: "invitation",
                Purpose.WITHDRAW: "withdraw_link"}[purpose]
    _queue_signature_mail(signature, template, purpose)
    audit.record("signer", "link.resent", letter=signature.letter, signature=signature,
                 purpose=purpose)
    return True


# --- invitations -------------------------------------------------------------------------------

@dataclass
class InviteReport:
    invited: int = 0
    skipped: int = 0


def invite(letter: Letter, invitees: list[SignerDetails], actor: str) -> InviteReport:
    """Create an invited signature and queue its personal link for each new address."""
    if letter.status != LetterStatus.OPEN:
        # A draft's page cannot be opened yet, so its links would lead nowhere.
        raise NotAllowed(f"letter {letter.slug} is {letter.status}: publish it before inviting")
    report = InviteReport()
    known = set(db.session.scalars(
        sa.select(Signature.email).where(Signature.letter_id == letter.id,
                                         Signature.email.is_not(None))))
    for details in invitees:
        email = normalise_email(details.email)
        if email in known:
            report.skipped += 1
            continue
        known.add(email)
        signature = Signature(letter=letter, email=email, state=SignatureState.INVITED,
                              invited=True)
        _apply_details(signature, details)
        db.session.add(signature)
        db.session.flush()
        audit.record(actor, "signature.invited", letter=letter, signature=signature,
                     kind=signature.kind, lead=signature.lead)
        _queue_signature_mail(signature, "invitation", Purpose.INVITE)
        report.invited += 1
    return report

