"""Reading the switches: is signing paused on a letter, is mail paused, and the board for staff."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..letters.models import Letter, LetterStatus
from .models import MAIL, SIGNING, Switch, letter_signing


def _on(*names: str) -> bool:
    return bool(db.session.scalar(
        sa.select(sa.exists().where(Switch.name.in_(names), Switch.paused.is_(True)))))


def signing_paused(letter: Letter) -> bool:
    """Signing on `letter` is paused: on the letter itself or on the whole site."""
    return _on(SIGNING, letter_signing(letter.id))


def site_signing_paused() -> bool:
    return _on(SIGNING)


def mail_paused() -> bool:
    return _on(MAIL)


def switch(name: str) -> Switch | None:
    return db.session.get(Switch, name)


@dataclass
class LetterSwitch:
    letter: Letter
    switch: Switch | None

    @property
    def paused(self) -> bool:
        return bool(self.switch and self.switch.paused)


@dataclass
class Board:
    signing: Switch | None
    mail: Switch | None
    letters: list[LetterSwitch]

    @property
    def signing_paused(self) -> bool:
        return bool(self.signing and self.signing.paused)

    @property
    def mail_paused(self) -> bool:
        return bool(self.mail and self.mail.paused)


def board() -> Board:
    """Every switch, with the open letters (only those can be signed) and their own switches."""
    rows = db.session.execute(
        sa.select(Letter, Switch)
        .outerjoin(Switch, Switch.letter_id == Letter.id)
        .where(Letter.status == LetterStatus.OPEN)
        .order_by(Letter.title, Letter.id)).all()
    return Board(signing=switch(SIGNING), mail=switch(MAIL),
                 letters=[LetterSwitch(letter, row) for letter, row in rows])
