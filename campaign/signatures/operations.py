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
from ..core.collation import search_key, sort_key
from ..core.errors import NotAllowed
from ..core.i18n import use_language
from ..core.links import external_url
from ..core.text import clean_line
from ..core.timeutil import utcnow
from ..directory.matching import without_kind_word as clean_municipality
from ..directory.queries import resolve_municipality, resolve_organisation
from ..extensions import db
from ..letters.models import Letter, LetterStatus, Moderation, SignatoryKind
from ..mail.models import OutboxMail, OutboxStatus
from ..mail.outbox import (
    fill_mail,
    forget_recipient,
    mail_rendered_when_sent,
    queue_mail,
    queue_mail_rendered_when_sent,
)
from .models import Review, Signature, SignatureState, Verification, new_token_nonce
from .submission import write_submission
from .tokens import Purpose, make_token
from .verification import level_of_confirmed

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
    # From the sign form: mail me when the letter is delivered and when it is answered.
    notify: bool = False
    # An organisation's sector, one of the letter's `sectors` (kept only for organisations).
    sector: str = ""


def normalise_email(address: str) -> str:
    """One spelling per mailbox: "Jan@Bücher.DE" and "jan@xn--bcher-kva.de" are the same signer."""
    address = address.strip()
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        pass  # the form and the CSV reader have refused invalid addresses already
    return address.lower()


def deliverable_local_part(address: str) -> bool:
    """Whether mail to `address` can go through any SMTP server: the part before the @ in ASCII
    (SMTPUTF8, for others, is offered by too few servers to count on)."""
    return address.rpartition("@")[0].isascii()


def _link(purpose: str, signature: Signature) -> str:
    endpoint = {Purpose.CONFIRM: "public.confirm", Purpose.INVITE: "public.invitation",
                Purpose.WITHDRAW: "public.withdraw"}[purpose]
    return external_url(endpoint, slug=signature.letter.slug, token=make_token(purpose, signature))


def _mail_context(signature: Signature, purpose: str) -> dict[str, object]:
    letter = signature.letter
    use_language(letter.language)
    return dict(signature=signature, action_url=_link(purpose, signature), letter=letter,
                letter_url=external_url("public.show", slug=letter.slug),
                withdraw_url=_link(Purpose.WITHDRAW, signature))


def _queue_signature_mail(signature: Signature, template: str, purpose: str) -> OutboxMail:
    return queue_mail(signature.email, template, **_mail_context(signature, purpose))


# What the sign form's mail says, by the state of the signature its address already has.
SIGN_REQUEST_MAIL = {
    SignatureState.PENDING: ("confirm", Purpose.CONFIRM),
    SignatureState.INVITED: ("invitation", Purpose.INVITE),
    SignatureState.CONFIRMED: ("already_signed", Purpose.WITHDRAW),
}


@mail_rendered_when_sent("sign_request")
def render_sign_request(row: OutboxMail) -> bool:
    """The mail answering a sign form, decided when it is sent: a confirm link, the invitation
    again, or a note that this address has signed already; nothing when the address had a mail
    of ours in the last REPEAT_MAIL_INTERVAL, or the signature is gone."""
    signature = db.session.get(Signature, row.signature_id) if row.signature_id else None
    if signature is None or signature.state not in SIGN_REQUEST_MAIL or not signature.email:
        return False
    if not claim_mail_slot(signature):
        return False
    template, purpose = SIGN_REQUEST_MAIL[signature.state]
    fill_mail(row, template, **_mail_context(signature, purpose))
    return True


def _detail_values(details: SignerDetails) -> dict[str, object]:
    """The columns a signer's details fill, cleaned; only what belongs to the kind (an
    organisation's signer is not filed under a municipality). A municipality, or an
    organisation the directory knows, is stored under the directory's own name, so that
    "Den Bosch" and "gemeente 's-Hertogenbosch" make one line."""
    organisation = municipality = sector = ""
    entry = None
    if details.kind == SignatoryKind.ALDERPERSON:
        municipality = clean_municipality(clean_line(details.municipality))
        entry = resolve_municipality(municipality).entry
        municipality = entry.name if entry else municipality
    elif details.kind == SignatoryKind.ORGANISATION:
        organisation = clean_line(details.organisation)
        entry = resolve_organisation(organisation)
        organisation = entry.name if entry else organisation
        sector = clean_line(details.sector)
    return dict(kind=details.kind, name=clean_line(details.name),
                role=clean_line(details.role) or None, organisation=organisation or None,
                municipality=municipality or None, website=clean_line(details.website) or None,
                public=details.public, lead=details.lead, sector=sector or None,
                directory_entry_id=entry.id if entry else None)


def _apply_details(signature: Signature, details: SignerDetails) -> None:
    for name, value in _detail_values(details).items():
        setattr(signature, name, value)


def _require_open(letter: Letter) -> None:
    if not letter.accepts_signatures:
        raise NotAllowed(f"letter {letter.slug} is {letter.status}"
                         + (f", signing closed after {letter.sign_until}"
                            if letter.signing_closed_by_deadline else ""))


# A form filled in again and again with someone's address must not flood their mailbox.
REPEAT_MAIL_INTERVAL = timedelta(minutes=10)


def claim_mail_slot(signature: Signature) -> bool:
    """Whether the signature's address may get a mail now (at most one per REPEAT_MAIL_INTERVAL),
    claimed in one conditional UPDATE, so that of mails racing each other only one goes."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Signature)
        .where(Signature.id == signature.id,
               sa.or_(Signature.last_mailed_at.is_(None),
                      Signature.last_mailed_at <= now - REPEAT_MAIL_INTERVAL))
        .values(last_mailed_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(signature)
    return claimed


def _move(signature: Signature, from_states: tuple[str, ...], to_state: str,
          **values: object) -> bool:
    """Move a signature to `to_state` if it is in one of `from_states`, in one conditional
    UPDATE: of two requests racing (a double click, confirm against withdraw) exactly one wins,
    and on PostgreSQL the row stays locked until the winner commits. The object is reloaded."""
    moved = db.session.execute(
        sa.update(Signature)
        .where(Signature.id == signature.id, Signature.state.in_(from_states))
        .values(state=to_state, **values)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(signature)
    return moved


def _sort_and_search_keys(values: dict[str, object]) -> dict[str, str]:
    return {"name_key": sort_key(values["name"])[:200],
            "municipality_key": sort_key(values["municipality"])[:200],
            "organisation_key": sort_key(values["organisation"])[:200],
            "search_key": search_key(values["name"], values["organisation"],
                                     values["municipality"])}


def submit_signature(letter: Letter, details: SignerDetails,
                     client_network_hash: str | None = None) -> str:
    """A signature from the public form: pending until its address is confirmed. Returns the
    address as stored (normalise_email).

    A new address and one that signed before take the same statements, so neither the answer nor
    its timing tells who signed: insert-unless-present, then a mail whose content the sender
    decides (render_sign_request) and an audit event, both written in this transaction.
    """
    _require_open(letter)
    if details.kind not in letter.kinds:
        raise NotAllowed(f"letter {letter.slug} is not signed by {details.kind}")
    if (details.kind == SignatoryKind.ORGANISATION and details.sector
            and clean_line(details.sector) not in letter.sector_names):
        raise NotAllowed(f"letter {letter.slug} has no sector {details.sector!r}")
    email = normalise_email(details.email)
    values = _detail_values(details)
    values["lead"] = False  # only staff make lead signatories
    values = dict(
        letter_id=letter.id, email=email, state=SignatureState.PENDING,
        version_id=letter.current_version_id, token_nonce=new_token_nonce(),
        created_at=utcnow(), client_network_hash=client_network_hash,
        notify_updates=details.notify, **values)
    write_submission({**values, **_sort_and_search_keys(values)})
    return email


def _review_for(letter: Letter, signature: Signature) -> str:
    if letter.moderation == Moderation.NONE:
        return Review.NOT_NEEDED
    if letter.moderation == Moderation.UNVERIFIED and signature.verified:
        return Review.NOT_NEEDED
    if signature.invited:
        return Review.NOT_NEEDED  # staff vetted invitees when they invited them
    return Review.WAITING


def confirm_signature(signature: Signature) -> bool:
    """The signer proved control of the mailbox. Returns False if it was confirmed (or withdrawn)
    already, also by a request racing this one: one confirmation, one thank-you mail."""
    if signature.state in (SignatureState.CONFIRMED, SignatureState.WITHDRAWN):
        return False
    letter = signature.letter
    _require_open(letter)
    now = utcnow()
    if not _move(signature, (SignatureState.PENDING, SignatureState.INVITED),
                 SignatureState.CONFIRMED, confirmed_at=now, last_mailed_at=now):
        return False
    if signature.invited:
        signature.version = letter.current_version
    level = level_of_confirmed(signature)
    signature.verification, signature.verified_domain = level.level, level.domain
    signature.review = _review_for(letter, signature)
    audit.record("signer", "signature.confirmed", letter=letter, signature=signature,
                 verification=signature.verification, review=signature.review)
    queue_mail_rendered_when_sent("signed", signature.email, signature_id=signature.id)
    return True


@mail_rendered_when_sent("signed")
def render_thank_you(row: OutboxMail) -> bool:
    """The thank-you mail with the withdraw link, rendered when sent (not in the confirming
    request); nothing if the signature was withdrawn in between."""
    signature = db.session.get(Signature, row.signature_id) if row.signature_id else None
    if signature is None or signature.state != SignatureState.CONFIRMED or not signature.email:
        return False
    fill_mail(row, "signed", **_mail_context(signature, Purpose.WITHDRAW))
    return True


ERASED = dict(name=None, role=None, organisation=None, municipality=None, email=None,
              website=None, public=False, name_key="", municipality_key="", organisation_key="",
              search_key="", sector=None)


def withdraw_signature(signature: Signature) -> bool:
    """Take a signature out of every list and erase its personal data. False if already done.
    A confirmation racing it waits for it or loses to it: withdrawal always wins."""
    if signature.state == SignatureState.WITHDRAWN:
        return False
    if not _move(signature, (SignatureState.INVITED, SignatureState.PENDING,
                             SignatureState.CONFIRMED),
                 SignatureState.WITHDRAWN, withdrawn_at=utcnow(), **ERASED):
        return False
    mails = db.session.scalars(sa.select(OutboxMail).where(OutboxMail.signature_id == signature.id))
    for mail in mails:
        if mail.status == OutboxStatus.QUEUED:
            db.session.delete(mail)
        else:
            forget_recipient(mail)
    _forget_corrections(signature)
    audit.record("signer", "signature.withdrawn", letter=signature.letter, signature=signature)
    return True


def review_signature(signature: Signature, approve: bool, actor: str) -> None:
    """Staff let a confirmed signature through, or keep it out of every list."""
    if signature.state != SignatureState.CONFIRMED:
        raise NotAllowed(f"signature {signature.id} is {signature.state}, not confirmed")
    signature.review = Review.APPROVED if approve else Review.REJECTED
    before = signature.verification
    if approve and signature.verification == Verification.MAILBOX:
        signature.verification = Verification.STAFF
    audit.record(actor, "signature.approved" if approve else "signature.rejected",
                 letter=signature.letter, signature=signature,
                 verification={"before": before, "after": signature.verification})


def downgrade_verification(signature: Signature, actor: str) -> None:
    """A moderator doubts a `domain` (or `staff`) level: the signature counts as a confirmed
    mailbox only, and under a moderating letter waits for review again."""
    if signature.state != SignatureState.CONFIRMED:
        raise NotAllowed(f"signature {signature.id} is {signature.state}, not confirmed")
    if signature.verification not in (Verification.DOMAIN, Verification.STAFF):
        raise NotAllowed(f"signature {signature.id} is verified as {signature.verification}; "
                         "only domain and staff levels can be downgraded")
    before = {"verification": signature.verification, "domain": signature.verified_domain,
              "review": signature.review}
    signature.verification, signature.verified_domain = Verification.MAILBOX, None
    if signature.letter.moderation != Moderation.NONE:
        signature.review = Review.WAITING
    audit.record(actor, "signature.downgraded", letter=signature.letter, signature=signature,
                 before=before, after={"verification": signature.verification,
                                       "review": signature.review})


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


def forget_client_networks(older_than: timedelta, actor: str) -> int:
    """Drop the keyed hashes of client networks from signatures older than `older_than`: the
    fraud report needs them while a letter is fresh, nobody needs them after."""
    forgotten = db.session.execute(
        sa.update(Signature)
        .where(Signature.client_network_hash.is_not(None),
               Signature.created_at < utcnow() - older_than)
        .values(client_network_hash=None)
        .execution_options(synchronize_session=False)).rowcount
    if forgotten:
        audit.record(actor, "signatures.client_networks_forgotten", count=forgotten,
                     days=older_than.days)
    return forgotten


def resend_link(purpose: str, signature: Signature) -> bool:
    """Mail a fresh link of `purpose` to the signature's own address, if it can still be used."""
    wanted_state = {Purpose.CONFIRM: SignatureState.PENDING, Purpose.INVITE: SignatureState.INVITED}
    if signature.state == SignatureState.WITHDRAWN or not signature.email:
        return False
    if purpose in wanted_state and signature.state != wanted_state[purpose]:
        return False
    if not claim_mail_slot(signature):
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
    # Of the invited: addresses that had only an unconfirmed signature from the public form.
    replaced: int = 0


def _replace_unconfirmed(signature: Signature, details: SignerDetails, actor: str) -> None:
    """Staff vetting beats a stranger: an unconfirmed form signature for an invitee's address
    becomes the invitation. Its details are dropped, its links die with a new nonce, and mail
    not yet sent for it is dropped."""
    for mail in db.session.scalars(sa.select(OutboxMail).where(
            OutboxMail.signature_id == signature.id)):
        if mail.status == OutboxStatus.QUEUED:
            db.session.delete(mail)
    _apply_details(signature, details)
    signature.state = SignatureState.INVITED
    signature.invited = True
    signature.token_nonce = new_token_nonce()
    signature.version = None
    audit.record(actor, "signature.invitation_replaced_unconfirmed", letter=signature.letter,
                 signature=signature)


def _invite_one(letter: Letter, email: str, details: SignerDetails, actor: str,
                report: InviteReport) -> None:
    existing = db.session.scalar(
        sa.select(Signature).where(Signature.letter_id == letter.id, Signature.email == email)
        .with_for_update())
    if existing is None:
        signature = Signature(letter=letter, email=email, state=SignatureState.INVITED,
                              invited=True)
        _apply_details(signature, details)
        try:
            with db.session.begin_nested():
                db.session.add(signature)
        except IntegrityError:
            # Invited (or signed) by another run at this very moment: it is on the letter now.
            report.skipped += 1
            return
    elif existing.state == SignatureState.PENDING and not existing.invited:
        signature = existing
        _replace_unconfirmed(signature, details, actor)
        report.replaced += 1
    else:
        report.skipped += 1
        return
    now = utcnow()
    signature.last_mailed_at = signature.last_invited_at = now
    signature.invited_at = signature.invited_at or now
    db.session.flush()
    audit.record(actor, "signature.invited", letter=letter, signature=signature,
                 kind=signature.kind, lead=signature.lead)
    _queue_signature_mail(signature, "invitation", Purpose.INVITE)
    report.invited += 1


def invite(letter: Letter, invitees: list[SignerDetails], actor: str) -> InviteReport:
    """Create an invited signature and queue its personal link for each address not yet on the
    letter, or on it only through an unconfirmed public form."""
    if letter.status != LetterStatus.OPEN:
        # A draft's page cannot be opened yet, so its links would lead nowhere.
        raise NotAllowed(f"letter {letter.slug} is {letter.status}: publish it before inviting")
    if letter.signing_closed_by_deadline:
        # The links would open a page that no longer takes signatures.
        raise NotAllowed(f"letter {letter.slug}: signing closed after {letter.sign_until}; "
                         "move its sign_until before inviting")
    report = InviteReport()
    for details in invitees:
        _invite_one(letter, normalise_email(details.email), details, actor, report)
    return report


# How often an invitee who has not signed may be sent their invitation again.
INVITATION_RESEND_INTERVAL = timedelta(days=7)


@dataclass
class ResendReport:
    sent: int = 0
    too_recent: int = 0  # invited or reminded within INVITATION_RESEND_INTERVAL


def resend_invitations(letter: Letter, actor: str) -> ResendReport:
    """Send the invitation again to every invitee of `letter` who has not signed, at most once
    per INVITATION_RESEND_INTERVAL each: each claim is one conditional UPDATE, so two staff
    pressing the button at once send each reminder once."""
    _require_open(letter)
    now = utcnow()
    report = ResendReport()
    waiting = db.session.scalars(sa.select(Signature).where(
        Signature.letter_id == letter.id, Signature.state == SignatureState.INVITED,
        Signature.invited.is_(True), Signature.email.is_not(None))
        .order_by(Signature.id)).all()
    for signature in waiting:
        claimed = db.session.execute(
            sa.update(Signature)
            .where(Signature.id == signature.id, Signature.state == SignatureState.INVITED,
                   sa.or_(Signature.last_invited_at.is_(None),
                          Signature.last_invited_at <= now - INVITATION_RESEND_INTERVAL))
            .values(last_invited_at=now, last_mailed_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        db.session.refresh(signature)
        if not claimed:
            report.too_recent += 1
            continue
        _queue_signature_mail(signature, "invitation", Purpose.INVITE)
        report.sent += 1
    if report.sent:
        audit.record(actor, "invitations.resent", letter=letter, count=report.sent,
                     too_recent=report.too_recent)
    return report


def mark_invitation_opened(signature: Signature) -> bool:
    """Note when an invitee first opened their invitation's page (a GET: a mail scanner
    fetching the link counts too). True the first time."""
    if signature.state != SignatureState.INVITED or signature.invitation_opened_at is not None:
        return False
    opened = db.session.execute(
        sa.update(Signature)
        .where(Signature.id == signature.id, Signature.invitation_opened_at.is_(None))
        .values(invitation_opened_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(signature)
    return opened


# --- moderation --------------------------------------------------------------------------------

def waiting_for_review(signature: Signature) -> bool:
    return signature.state == SignatureState.CONFIRMED and signature.review == Review.WAITING


def review_signatures(signatures: list[Signature], approve: bool, actor: str) -> int:
    """Approve or reject several waiting signatures at once: all of them, or, when any of them
    no longer waits (another moderator was quicker), none."""
    if not signatures:
        raise NotAllowed("no signatures chosen")
    stale = [str(s.id) for s in signatures if not waiting_for_review(s)]
    if stale:
        raise NotAllowed(f"signature(s) {', '.join(stale)} no longer wait for review")
    for signature in signatures:
        review_signature(signature, approve, actor)
    return len(signatures)


CORRECTABLE = ("name", "role", "organisation", "municipality")


@dataclass
class Correction:
    name: str
    role: str = ""
    organisation: str = ""
    municipality: str = ""


def correct_signature(signature: Signature, correction: Correction, actor: str) -> dict:
    """Staff correct how a signature is shown. The values before and after are kept in the
    audit log (and erased there too when the signer withdraws). A municipality is stored
    under the directory's name; a changed municipality or organisation re-checks a `domain`
    level. Returns the fields changed; NotAllowed for what cannot be stored."""
    if signature.state == SignatureState.WITHDRAWN:
        raise NotAllowed(f"signature {signature.id} is withdrawn")
    name = clean_line(correction.name)
    if not name:
        raise NotAllowed("a signature needs a name")
    wanted: dict[str, str | None] = {"name": name, "role": clean_line(correction.role) or None}
    entry_id = signature.directory_entry_id
    if signature.kind == SignatoryKind.ALDERPERSON:
        typed = clean_municipality(clean_line(correction.municipality))
        entry = resolve_municipality(typed).entry if typed else None
        if entry is None:
            raise NotAllowed(f"{typed or '(empty)'} is not a Dutch municipality")
        wanted["municipality"], entry_id = entry.name, entry.id
    elif signature.kind == SignatoryKind.ORGANISATION:
        organisation = clean_line(correction.organisation)
        if not organisation:
            raise NotAllowed("an organisation signatory needs an organisation")
        entry = resolve_organisation(organisation)
        wanted["organisation"] = entry.name if entry else organisation
        entry_id = entry.id if entry else None
    before = {f: getattr(signature, f) for f in wanted if getattr(signature, f) != wanted[f]}
    if not before:
        return {}
    for name_, value in wanted.items():
        setattr(signature, name_, value)
    signature.directory_entry_id = entry_id
    level_before = signature.verification
    if (signature.verification == Verification.DOMAIN
            and {"municipality", "organisation"} & set(before)):
        level = level_of_confirmed(signature)
        signature.verification, signature.verified_domain = level.level, level.domain
        if level.level == Verification.MAILBOX and signature.letter.moderation != Moderation.NONE:
            signature.review = Review.WAITING
    audit.record(actor, "signature.corrected", letter=signature.letter, signature=signature,
                 before=before, after={f: wanted[f] for f in before},
                 verification={"before": level_before, "after": signature.verification})
    return before


def _forget_corrections(signature: Signature) -> None:
    """A withdrawn signer keeps no personal data, not in the audit log either."""
    from ..audit.models import AuditEvent

    for event in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.signature_id == signature.id,
            AuditEvent.action == "signature.corrected")):
        event.detail = {"fields": sorted((event.detail or {}).get("before", {})),
                        "erased": True}


def set_lead(signature: Signature, lead: bool, order: int | None, actor: str) -> None:
    """Make a signature a lead signatory (shown first, in `order`), or no longer one."""
    if signature.state == SignatureState.WITHDRAWN:
        raise NotAllowed(f"signature {signature.id} is withdrawn")
    before = {"lead": signature.lead, "order": signature.lead_order}
    signature.lead = lead
    signature.lead_order = order if lead else None
    audit.record(actor, "signature.lead_set", letter=signature.letter, signature=signature,
                 before=before, after={"lead": signature.lead, "order": signature.lead_order})
