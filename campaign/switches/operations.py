"""Flipping the switches; every flip is in the audit log. Callers commit."""
from __future__ import annotations

from .. import audit
from ..core.errors import NotAllowed
from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.models import Letter
from .models import MAIL, SIGNING, Switch, letter_signing


def _flip(name: str, paused: bool, actor: audit.Actor | str, *, letter: Letter | None = None,
          action: str) -> bool:
    """Set a switch; False (and nothing recorded) when it was set so already."""
    row = db.session.get(Switch, name, with_for_update=True)
    before = bool(row and row.paused)
    if before == paused:
        return False
    who = audit.Actor.of(actor)
    if row is None:
        row = Switch(name=name, letter_id=letter.id if letter is not None else None)
        db.session.add(row)
    row.paused, row.changed_at, row.changed_by = paused, utcnow(), who.label
    audit.record(who, action, letter=letter, switch=name,
                 paused={"before": before, "after": paused})
    return True


def pause_signing(actor: audit.Actor | str, letter: Letter | None = None) -> bool:
    """Pause signing on one open letter, or (no letter) on the whole site."""
    if letter is None:
        return _flip(SIGNING, True, actor, action="switch.signing_paused")
    if not letter.is_open:
        raise NotAllowed(f"letter {letter.slug} is {letter.status}, not open for signing")
    return _flip(letter_signing(letter.id), True, actor, letter=letter,
                 action="switch.signing_paused")


def resume_signing(actor: audit.Actor | str, letter: Letter | None = None) -> bool:
    if letter is None:
        return _flip(SIGNING, False, actor, action="switch.signing_resumed")
    return _flip(letter_signing(letter.id), False, actor, letter=letter,
                 action="switch.signing_resumed")


def pause_mail(actor: audit.Actor | str) -> bool:
    """Outgoing mail waits in the outbox until resumed."""
    return _flip(MAIL, True, actor, action="switch.mail_paused")


def resume_mail(actor: audit.Actor | str) -> bool:
    return _flip(MAIL, False, actor, action="switch.mail_resumed")
