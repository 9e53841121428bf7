"""The audit log: one row per state change, written in the same transaction as the change, with
a real actor: a staff account, the command line (with the OS user), or a signer."""
from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.timeutil import utcnow
from ..extensions import db
from .models import AuditEvent

if TYPE_CHECKING:
    from ..accounts.models import StaffUser
    from ..letters.models import Letter
    from ..signatures.models import Signature


@dataclass(frozen=True)
class Actor:
    """Who made a change."""
    kind: str               # staff, cli, signer, system
    label: str              # a staff member's address, "cli:root", "signer", "demo"
    staff_user_id: int | None = None

    STAFF = "staff"
    CLI = "cli"
    SIGNER = "signer"
    SYSTEM = "system"

    @classmethod
    def staff(cls, user: StaffUser) -> Actor:
        return cls(cls.STAFF, user.email, user.id)

    @classmethod
    def cli(cls) -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no user name for this uid (containers)
            who = "unknown"
        return cls(cls.CLI, f"cli:{who}")

    @classmethod
    def of(cls, actor: Actor | str) -> Actor:
        """An Actor from what callers pass: an Actor, or a plain word ("signer", "demo")."""
        if isinstance(actor, Actor):
            return actor
        return cls(cls.SIGNER if actor == cls.SIGNER else cls.SYSTEM, actor)


def record_in_bulk(actor: Actor | str, action: str, *, letter_id: int | None = None,
                   signature_id: int | None = None, **detail: object) -> None:
    """As `record`, with one Core INSERT and no object back: for the paths that must be fast."""
    who = Actor.of(actor)
    db.session.execute(AuditEvent.__table__.insert().values(
        at=utcnow(), actor=who.label, actor_kind=who.kind, staff_user_id=who.staff_user_id,
        action=action, letter_id=letter_id, signature_id=signature_id, detail=detail or None))


def record(actor: Actor | str, action: str, *, letter: Letter | None = None,
           signature: Signature | None = None, signature_id: int | None = None,
           **detail: object) -> AuditEvent:
    """Log what happened; `detail` must never hold personal data that withdrawal has to erase."""
    who = Actor.of(actor)
    event = AuditEvent(actor=who.label, actor_kind=who.kind, staff_user_id=who.staff_user_id,
                       action=action, detail=detail or None)
    if letter is not None:
        event.letter_id = letter.id
    if signature is not None:
        event.signature_id = signature.id
    elif signature_id is not None:
        event.signature_id = signature_id
    db.session.add(event)
    return event
