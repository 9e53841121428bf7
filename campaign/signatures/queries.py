"""Who signed, as readers see it: lead signatories, alderpersons grouped per municipality in Dutch
order, organisations alphabetically, individuals. Used by the letter page and the PDF alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

import sqlalchemy as sa

from ..core.timeutil import utcnow
from ..directory.queries import domains_of
from ..extensions import db
from ..letters.models import Letter, SignatoryKind
from ..mail.models import OutboxMail, OutboxStatus
from .models import Review, Signature, SignatureState, Verification
from .operations import INVITATION_RESEND_INTERVAL, normalise_email
from .verification import at_domain, mail_domain, registrable_domain, website_host

# Plurals of the roles alderpersons sign with, so two of them can share a line.
ROLE_PLURALS = {
    "nl": {"wethouder": "wethouders", "burgemeester": "burgemeesters",
           "loco-burgemeester": "loco-burgemeesters", "gedeputeerde": "gedeputeerden",
           "raadslid": "raadsleden", "locoburgemeester": "locoburgemeesters"},
    "en": {"alderperson": "alderpersons", "alderman": "aldermen", "alderwoman": "alderwomen",
           "mayor": "mayors", "deputy mayor": "deputy mayors", "councillor": "councillors"},
}
DEFAULT_ROLE = {"nl": "wethouder", "en": "alderperson"}
AND = {"nl": "en", "en": "and"}


def _role_of(signature: Signature, language: str) -> str:
    return (signature.role or "").strip() or DEFAULT_ROLE.get(language, DEFAULT_ROLE["nl"])


def _municipality_phrase(municipality: str, language: str) -> str:
    return f"municipality of {municipality}" if language == "en" else f"gemeente {municipality}"


def _role_at(role: str, municipality: str, language: str) -> str:
    """"wethouder gemeente X" / "alderperson, municipality of X"."""
    separator = ", " if language == "en" else " "
    return f"{role}{separator}{_municipality_phrase(municipality, language)}"


def join_names(names: list[str], language: str) -> str:
    """"A", "A en B", "A, B en C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {AND.get(language, 'en')} {names[-1]}"


def plural_role(role: str, language: str) -> str | None:
    """The plural of a role, keeping a portfolio after it: "wethouder Onderwijs" -> "wethouders
    Onderwijs". None when we do not know the plural."""
    plurals = ROLE_PLURALS.get(language, {})
    lowered = role.lower()
    for singular in sorted(plurals, key=len, reverse=True):
        if lowered == singular or lowered.startswith(singular + " "):
            plural = plurals[singular]
            if role[:1].isupper():
                plural = plural[:1].upper() + plural[1:]
            return plural + role[len(singular):]
    return None


NO_BREAK_SPACE = "\u00a0"
# Longer names may break; they would not fit a column's line anyway.
LONGEST_UNBROKEN_NAME = 32


def person(signature: Signature) -> str:
    """The signer's name, kept on one line ("Yara de Vries" never ends a line at "de")."""
    name = signature.name or ""
    return name.replace(" ", NO_BREAK_SPACE) if len(name) <= LONGEST_UNBROKEN_NAME else name


def alderperson_line(signatures: list[Signature], language: str) -> str:
    """One line for the alderpersons of one municipality."""
    municipality = signatures[0].municipality or ""
    roles: dict[str, str] = {}  # "Wethouder" and "wethouder" are one role, spelled as first seen
    for signature in signatures:
        role = _role_of(signature, language)
        roles.setdefault(role.casefold(), role)
    if len(signatures) == 1:
        return f"{person(signatures[0])}, {_role_at(roles.popitem()[1], municipality, language)}"
    plural = plural_role(roles.popitem()[1], language) if len(roles) == 1 else None
    if plural:
        names = join_names([person(s) for s in signatures], language)
        return f"{names}, {_role_at(plural, municipality, language)}"
    named_roles = [f"{person(s)} ({_role_of(s, language)})" for s in signatures]
    return f"{join_names(named_roles, language)}, {_municipality_phrase(municipality, language)}"


def lead_line(signature: Signature, language: str) -> str:
    if signature.kind == SignatoryKind.ALDERPERSON:
        return alderperson_line([signature], language)
    parts = [person(signature), (signature.role or "").strip(), (signature.organisation or "")]
    return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Badge:
    """How a signer on a line is verified: a Verification level, the domain that verified an
    organisation through its own website, and whose it is where the line's signers differ."""
    level: str
    domain: str | None = None
    name: str | None = None


def badges(signatures: list[Signature]) -> tuple[Badge, ...]:
    """The verification badges of the signers on one line: one when they share a level, else
    one per signer with the signer's name."""
    found = {Badge(s.verification or Verification.MAILBOX, s.verified_domain)
             for s in signatures}
    if len(found) == 1:
        return tuple(found)
    return tuple(Badge(s.verification or Verification.MAILBOX, s.verified_domain, s.name)
                 for s in signatures)


class Line(str):
    """A signatory line as printed ("A en B, wethouders gemeente X"), carrying the badges of
    the signers on it for the pages that show them."""
    badges: tuple[Badge, ...]

    def __new__(cls, text: str, signatures: list[Signature]) -> Line:
        line = super().__new__(cls, text)
        line.badges = badges(signatures)
        return line


@dataclass
class OrganisationEntry:
    organisation: str
    signer: str  # "Name, role" of the person who signed for it
    badges: tuple[Badge, ...] = ()
    sector: str | None = None  # on a letter with sectors: the one it signed under


@dataclass
class PublicSignatories:
    leads: list[Line] = field(default_factory=list)
    alderpersons: list[Line] = field(default_factory=list)
    organisations: list[OrganisationEntry] = field(default_factory=list)
    individuals: list[Line] = field(default_factory=list)
    named: int = 0  # signatures behind these lines; two alderpersons may share one line

    @property
    def co_signers(self) -> int:
        return len(self.alderpersons) + len(self.organisations) + len(self.individuals)


def lead_sort_key(signature: Signature) -> tuple[int, int, int]:
    """Leads in the order staff gave them, those without a number after, by signing."""
    order = signature.lead_order
    return (0 if order is not None else 1, order or 0, signature.id)


# What the lines and badges below read of a signature.
PRINTED_COLUMNS = (Signature.id, Signature.kind, Signature.lead, Signature.lead_order,
                   Signature.name, Signature.role, Signature.organisation, Signature.municipality,
                   Signature.municipality_key, Signature.verification, Signature.verified_domain)


def public_signatories(letter: Letter) -> PublicSignatories:
    """The named signatures of a letter, grouped and ordered for reading and printing."""
    language = letter.language
    # Rows of the printed columns, not Signature objects: a tenth of the time for 10,000 lines.
    rows = db.session.execute(
        sa.select(*PRINTED_COLUMNS)
        .where(Signature.letter_id == letter.id, Signature.named())
        .order_by(Signature.kind, Signature.municipality_key, Signature.organisation_key,
                  Signature.name_key, Signature.id)
    ).all()
    result = PublicSignatories(named=len(rows))
    leads = sorted((s for s in rows if s.lead), key=lead_sort_key)
    result.leads = [Line(lead_line(s, language), [s]) for s in leads]
    others = [s for s in rows if not s.lead]
    alderpersons = [s for s in others if s.kind == SignatoryKind.ALDERPERSON]
    for _, group in groupby(alderpersons, key=lambda s: s.municipality_key):
        people = list(group)
        result.alderpersons.append(Line(alderperson_line(people, language), people))
    for s in others:
        if s.kind == SignatoryKind.ORGANISATION:
            signer = ", ".join(p for p in (person(s), (s.role or "").strip()) if p)
            result.organisations.append(
                OrganisationEntry(s.organisation or "", signer, badges([s])))
        elif s.kind == SignatoryKind.INDIVIDUAL:
            text = ", ".join(p for p in (person(s), s.role or "") if p)
            result.individuals.append(Line(text, [s]))
    return result


@dataclass
class Counts:
    total: int
    alderperson: int
    organisation: int
    individual: int
    by_verification: dict[str, int] = field(default_factory=dict)
    named: int = 0  # of the total, those the signer let us show by name

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "alderperson": self.alderperson,
                "organisation": self.organisation, "individual": self.individual}


def counts(letter: Letter) -> Counts:
    """Counted signatures by kind and by verification level, in one query that reads one index
    (ix_signature_counts) and not the table."""
    rows = db.session.execute(
        sa.select(Signature.kind, Signature.verification, Signature.public, sa.func.count())
        .where(Signature.letter_id == letter.id, Signature.counted())
        .group_by(Signature.kind, Signature.verification, Signature.public)).all()
    by_kind: dict[str, int] = {}
    by_level = dict.fromkeys(Verification.ALL, 0)
    named = 0
    for kind, level, public, number in rows:
        named += number if public else 0
        by_kind[kind] = by_kind.get(kind, 0) + number
        level = level or Verification.MAILBOX
        by_level[level] = by_level.get(level, 0) + number
    return Counts(total=sum(by_kind.values()),
                  **{kind: by_kind.get(kind, 0) for kind in SignatoryKind.ALL},
                  by_verification=by_level, named=named)


@dataclass(frozen=True)
class SectorCount:
    sector: str
    count: int


@dataclass
class SectorCounts:
    """Counted organisations by sector: the letter's sectors in its order (none left out), then
    any sector signed under that the letter no longer lists."""
    sectors: list[SectorCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(entry.count for entry in self.sectors)

    @property
    def highest(self) -> int:
        return max((entry.count for entry in self.sectors), default=0)

    def as_dict(self) -> dict[str, int]:
        return {entry.sector: entry.count for entry in self.sectors}

    def __contains__(self, sector: object) -> bool:
        return any(entry.sector == sector for entry in self.sectors)


def sector_counts(letter: Letter) -> SectorCounts:
    """Counted organisations (named or not, as in `counts`) per sector, in one grouped query
    that reads one index (ix_signature_sector_order, whose rows are confirmed signatures with a
    sector) and not the table."""
    rows = dict(db.session.execute(
        sa.select(Signature.sector, sa.func.count())
        .where(Signature.letter_id == letter.id, Signature.counted(),
               Signature.sector.is_not(None), Signature.kind == SignatoryKind.ORGANISATION)
        .group_by(Signature.sector)).all())
    listed = letter.sector_names
    others = sorted((name for name in rows if name not in listed), key=str.casefold)
    return SectorCounts([SectorCount(name, rows.get(name, 0)) for name in listed + others])


@dataclass
class LetterOverview:
    letter: Letter
    counted: int = 0
    waiting: int = 0
    pending: int = 0
    invited: int = 0


def letters_overview(statuses: tuple[str, ...] | None = None) -> list[LetterOverview]:
    """Every letter with its counted, waiting, unconfirmed and invited signatures, in one query
    for all letters (the staff dashboard and lists)."""
    letters = db.session.scalars(
        sa.select(Letter).where(Letter.status.in_(statuses) if statuses else sa.true())
        .order_by(Letter.created_at.desc(), Letter.id.desc())).all()
    overview = {letter.id: LetterOverview(letter) for letter in letters}
    rows = db.session.execute(
        sa.select(Signature.letter_id, Signature.state, Signature.review, sa.func.count())
        .where(Signature.letter_id.in_(list(overview)))
        .group_by(Signature.letter_id, Signature.state, Signature.review)).all()
    for letter_id, state, review, number in rows:
        entry = overview[letter_id]
        if state == SignatureState.CONFIRMED and review in Review.PUBLIC:
            entry.counted += number
        elif state == SignatureState.CONFIRMED and review == Review.WAITING:
            entry.waiting += number
        elif state == SignatureState.PENDING:
            entry.pending += number
        elif state == SignatureState.INVITED:
            entry.invited += number
    return list(overview.values())


# --- staff: invitations --------------------------------------------------------------------------

class RowFate:
    """What sending an uploaded invitees file will do with one of its rows."""
    NEW = "new"                      # invited
    PENDING = "pending"              # replaces an unconfirmed signature from the public form
    ALREADY_INVITED = "already_invited"
    ALREADY_SIGNED = "already_signed"
    INVALID = "invalid"
    DUPLICATE = "duplicate"          # the address is on an earlier line of the file
    SENT = (NEW, PENDING)


def invitation_fates(letter: Letter, rows: list) -> list[tuple[object, str]]:
    """Each row of an invitees file (invitees.InviteeRow) with its RowFate on this letter."""
    emails = {normalise_email(row.details.email) for row in rows if row.valid}
    existing = {s.email: s for s in db.session.scalars(sa.select(Signature).where(
        Signature.letter_id == letter.id, Signature.email.in_(emails)))} if emails else {}
    fates = []
    for row in rows:
        if row.duplicate_of is not None:
            fate = RowFate.DUPLICATE
        elif not row.valid:
            fate = RowFate.INVALID
        else:
            signature = existing.get(normalise_email(row.details.email))
            if signature is None:
                fate = RowFate.NEW
            elif signature.state == SignatureState.PENDING and not signature.invited:
                fate = RowFate.PENDING
            elif signature.state == SignatureState.INVITED:
                fate = RowFate.ALREADY_INVITED
            else:
                fate = RowFate.ALREADY_SIGNED
        fates.append((row, fate))
    return fates


class InviteeState:
    INVITED = "invited"
    OPENED = "opened"
    SIGNED = "signed"
    BOUNCED = "bounced"      # the last mail to the invitee could not be delivered
    WITHDRAWN = "withdrawn"
    ALL = (INVITED, OPENED, SIGNED, BOUNCED, WITHDRAWN)


@dataclass
class Invitee:
    signature: Signature
    state: str
    may_resend: bool = False


def invitees(letter: Letter) -> list[Invitee]:
    """The invited signatures of a letter with their state, in the order they were invited."""
    rows = db.session.scalars(sa.select(Signature).where(
        Signature.letter_id == letter.id, Signature.invited.is_(True))
        .order_by(Signature.id)).all()
    last_status: dict[int, str] = {}
    if rows:
        latest = (sa.select(OutboxMail.signature_id, sa.func.max(OutboxMail.id).label("id"))
                  .where(OutboxMail.signature_id.in_([s.id for s in rows]))
                  .group_by(OutboxMail.signature_id).subquery())
        last_status = dict(db.session.execute(
            sa.select(OutboxMail.signature_id, OutboxMail.status)
            .join(latest, OutboxMail.id == latest.c.id)).all())
    cutoff = utcnow() - INVITATION_RESEND_INTERVAL
    result = []
    for signature in rows:
        if signature.state == SignatureState.CONFIRMED:
            state = InviteeState.SIGNED
        elif signature.state == SignatureState.WITHDRAWN:
            state = InviteeState.WITHDRAWN
        elif last_status.get(signature.id) == OutboxStatus.FAILED:
            state = InviteeState.BOUNCED
        elif signature.invitation_opened_at is not None:
            state = InviteeState.OPENED
        else:
            state = InviteeState.INVITED
        may_resend = (signature.state == SignatureState.INVITED
                      and (signature.last_invited_at is None
                           or signature.last_invited_at <= cutoff))
        result.append(Invitee(signature, state, may_resend))
    return result


# --- staff: review -------------------------------------------------------------------------------

@dataclass
class Evidence:
    """What a moderator weighs for one signature."""
    signature: Signature
    mail_domain: str
    # The directory's domains of the municipality or organisation named; None when not in it.
    directory_domains: set[str] | None
    at_directory_domain: bool
    website_domain: str | None
    website_matches_mail: bool

    @property
    def letter(self) -> Letter:
        return self.signature.letter


def evidence(signature: Signature) -> Evidence:
    domain = mail_domain(signature.email or "")
    known = (domains_of(signature.directory_entry_id)
             if signature.directory_entry_id is not None else None)
    host = website_host(signature.website)
    website = registrable_domain(host) if host else None
    return Evidence(
        signature=signature, mail_domain=domain, directory_domains=known,
        at_directory_domain=bool(known and domain and at_domain(domain, known)),
        website_domain=website,
        website_matches_mail=bool(website and domain and website == registrable_domain(domain)))


def review_queue(letter: Letter | None = None) -> list[Evidence]:
    """The confirmed signatures waiting for review (of one letter, or of all), oldest first."""
    query = sa.select(Signature).where(Signature.state == SignatureState.CONFIRMED,
                                       Signature.review == Review.WAITING)
    if letter is not None:
        query = query.where(Signature.letter_id == letter.id)
    return [evidence(s) for s in db.session.scalars(
        query.order_by(Signature.confirmed_at, Signature.id))]


def letter_signatures(letter: Letter) -> list[Signature]:
    """Every confirmed signature of a letter, leads first in their order, then by kind and name:
    the list moderators correct and mark leads in."""
    rows = db.session.scalars(sa.select(Signature).where(
        Signature.letter_id == letter.id, Signature.state == SignatureState.CONFIRMED)
        .order_by(Signature.kind, Signature.municipality_key, Signature.organisation_key,
                  Signature.name_key, Signature.id)).all()
    leads = sorted((s for s in rows if s.lead), key=lead_sort_key)
    return leads + [s for s in rows if not s.lead]


def counted_per_letter(letter_ids: list[int]) -> dict[int, int]:
    """The counted signatures of each letter, in one query for all (the front page)."""
    if not letter_ids:
        return {}
    return dict(db.session.execute(
        sa.select(Signature.letter_id, sa.func.count())
        .where(Signature.letter_id.in_(letter_ids), Signature.counted())
        .group_by(Signature.letter_id)).all())
