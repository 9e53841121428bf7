"""The audit log: one row per state change, written in the same transaction as the change."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..extensions import db
from .models import AuditEvent

if TYPE_CHECKING:
    from ..letters.models import Letter
    from ..signatures.models import Signature


def record(actor: str, action: str, *, letter: Letter | None = None,
           signature: Signature | None = None, signature_id: int | None = None,
           **detail: object) -> AuditEvent:
    """Log what happened; `detail` must never hold personal data that withdrawal has to erase."""
    event = AuditEvent(actor=actor, action=action, detail=detail or None)
    if letter is not None:
        event.letter_id = letter.id
    if signature is not None:
        event.signature_id = signature.id
    elif signature_id is not None:
        event.signature_id = signature_id
    db.session.add(event)
    return event
