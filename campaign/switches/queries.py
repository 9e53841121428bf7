"""Reading the switches: is signing paused on a letter, is mail paused, and the board for staff."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import sqlalchemy as sa

from ..extensions import db
from ..letters.letterfile import SLUG
from ..letters.models import Letter, LetterStatus, LetterVersion, SigningRules
from .models import LETTER_SIGNING, MAIL, SIGNING, Switch, letter_signing


def _on(*names: str) -> bool:
    return bool(db.session.scalar(
        sa.select(sa.exists().where(Switch.name.in_(names), Switch.paused.is_(True)))))


def signing_paused(letter: Letter | SigningLetter) -> bool:
    """Signing on `letter` is paused: on the letter itself or on the whole site. The light row
    of the sign POST read it with the letter (letter_to_sign)."""
    if isinstance(letter, SigningLetter):
        return letter.signing_paused
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


@dataclass(frozen=True)
class SigningLetter(SigningRules):
    """What the sign POST needs of a letter, read without the ORM (letter_to_sign)."""
    id: int
    slug: str
    status: str
    language: str
    signatory_kinds: str
    sectors: str | None
    sign_until: date | None
    current_version_id: int | None
    signing_paused: bool


def letter_to_sign(slug: str) -> SigningLetter | None:
    """The public letter at `slug` a sign form is posted to, with its current version's id and
    whether signing on it is paused, in one query: the sign POST is the one path that must be
    fast. None as find_public_letter."""
    if len(slug) > 120 or not SLUG.fullmatch(slug):
        return None
    row = db.session.execute(_letter_to_sign(), {"slug": slug}).first()
    return None if row is None else SigningLetter(**row._mapping)


@cache
def _letter_to_sign() -> sa.Select:
    """Built once per process: building the statement cost more than running it."""
    letter, version, switch = Letter.__table__, LetterVersion.__table__, Switch.__table__
    current_version = (sa.select(version.c.id).where(version.c.letter_id == letter.c.id)
                       .order_by(version.c.number.desc()).limit(1).scalar_subquery())
    paused = sa.exists().where(
        switch.c.paused.is_(True),
        sa.or_(switch.c.name == SIGNING,
               switch.c.name == sa.literal(LETTER_SIGNING) + sa.cast(letter.c.id, sa.String)))
    return (sa.select(letter.c.id, letter.c.slug, letter.c.status, letter.c.language,
                      letter.c.signatory_kinds, letter.c.sectors, letter.c.sign_until,
                      current_version.label("current_version_id"),
                      paused.label("signing_paused"))
            .where(letter.c.slug == sa.bindparam("slug"),
                   letter.c.status.in_(LetterStatus.PUBLIC)))
