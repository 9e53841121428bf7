"""The fraud report and bulk invalidation: per hour, which mail domains and (keyed-hashed)
client networks signed a letter most; a bulk rejection of what one of them signed that shows
what it will touch first, is written to the audit log, and can be undone."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from .. import audit
from ..audit.models import AuditEvent
from ..core.errors import NotAllowed
from ..extensions import db
from ..letters.models import Letter
from .models import Review, Signature, SignatureState
from .verification import mail_domain

INVALIDATED = "signatures.invalidated"


@dataclass
class Hour:
    start: datetime
    total: int = 0
    domains: Counter = field(default_factory=Counter)
    networks: Counter = field(default_factory=Counter)


def hourly_report(letter: Letter, since: datetime | None = None) -> list[Hour]:
    """Signatures given through the public form per hour, with their mail domains and client
    networks, newest hour first. Streams the rows: a letter's size does not fill memory."""
    query = (sa.select(Signature.created_at, Signature.email, Signature.client_network_hash)
             .where(Signature.letter_id == letter.id, Signature.invited.is_(False),
                    Signature.email.is_not(None))
             .execution_options(yield_per=2000))
    if since is not None:
        query = query.where(Signature.created_at >= since)
    hours: dict[datetime, Hour] = defaultdict(lambda: Hour(datetime.min))
    for created_at, email, network in db.session.execute(query):
        start = created_at.replace(minute=0, second=0, microsecond=0)
        hour = hours[start]
        hour.start = start
        hour.total += 1
        hour.domains[mail_domain(email)] += 1
        if network:
            hour.networks[network] += 1
    return sorted(hours.values(), key=lambda hour: hour.start, reverse=True)


@dataclass(frozen=True)
class Selection:
    """Which signatures of a letter a bulk invalidation touches."""
    domain: str | None = None
    network: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self, letter: Letter) -> list[sa.ColumnElement[bool]]:
        if not (self.domain or self.network):
            raise NotAllowed("say which signatures: a mail domain or a client network")
        clauses = [Signature.letter_id == letter.id, Signature.invited.is_(False),
                   Signature.state.in_((SignatureState.PENDING, SignatureState.CONFIRMED)),
                   Signature.review != Review.REJECTED]
        if self.domain:
            domain = self.domain.strip().lower().lstrip("@")
            clauses.append(Signature.email.like(f"%@{domain}"))
        if self.network:
            clauses.append(Signature.client_network_hash == self.network.strip())
        if self.since:
            clauses.append(Signature.created_at >= self.since)
        if self.until:
            clauses.append(Signature.created_at < self.until)
        return clauses


def preview(letter: Letter, selection: Selection) -> list[Signature]:
    """What an invalidation would touch, without touching it."""
    return list(db.session.scalars(sa.select(Signature).where(*selection.where(letter))
                                   .order_by(Signature.id)))


def invalidate(letter: Letter, selection: Selection, actor: str) -> AuditEvent:
    """Reject every signature the selection names at once. The audit event keeps each one's id
    and review before, so that `undo_invalidation` can give them back."""
    touched = preview(letter, selection)
    if not touched:
        raise NotAllowed("no signature matches; nothing was changed")
    before = {str(signature.id): signature.review for signature in touched}
    for signature in touched:
        signature.review = Review.REJECTED
    return audit.record(actor, INVALIDATED, letter=letter, count=len(touched),
                        domain=selection.domain, network=selection.network,
                        since=selection.since.isoformat() if selection.since else None,
                        until=selection.until.isoformat() if selection.until else None,
                        reviews_before=before)


def undo_invalidation(event_id: int, actor: str) -> int:
    """Give the signatures of a bulk invalidation back the review they had, where they are still
    as it left them (rejected, not withdrawn). Returns how many."""
    event = db.session.get(AuditEvent, event_id)
    if event is None or event.action != INVALIDATED:
        raise NotAllowed(f"audit event {event_id} is no bulk invalidation")
    if (event.detail or {}).get("undone"):
        raise NotAllowed(f"invalidation {event_id} was undone already")
    before = event.detail["reviews_before"]
    restored = 0
    for signature in db.session.scalars(sa.select(Signature).where(
            Signature.id.in_([int(i) for i in before]))):
        if signature.review == Review.REJECTED and signature.state != SignatureState.WITHDRAWN:
            signature.review = before[str(signature.id)]
            restored += 1
    event.detail = {**event.detail, "undone": True}
    letter = db.session.get(Letter, event.letter_id) if event.letter_id else None
    audit.record(actor, "signatures.invalidation_undone", letter=letter,
                 invalidation=event_id, count=restored)
    return restored
