"""Reads for the follow-up: a letter's timeline after delivery, the answer due, and the letters
whose answer is overdue (the staff dashboard)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, undefer

from ..core.timeutil import SIGNING_TIMEZONE, today_where_signed
from ..delivery.queries import deliveries_of
from ..extensions import db
from ..letters.models import Letter
from .models import AnswerDocument, FollowUp, FollowUpEvent

# The default term for an answer, counted from delivery: three weeks. The Rijksoverheid promises
# that a letter to a ministry gets a reaction within 2 to 3 weeks, and that when it cannot be
# handled within 3 weeks the sender gets, within those 3 weeks, a "behandelingsbericht" saying
# when the answer will come (rijksoverheid.nl, "Binnen welke termijn stuurt de overheid een
# antwoord op mijn brief of e-mail?"). No statute sets a term for answering an open letter or
# petition (the Awb's 8 weeks are for decisions on applications), so the promise is the norm to
# hold a ministry to; staff move the date when the acknowledgement names another.
ANSWER_TERM = timedelta(weeks=3)


def local_date(moment: datetime) -> date:
    """The Dutch calendar day of a naive UTC datetime."""
    return moment.replace(tzinfo=UTC).astimezone(SIGNING_TIMEZONE).date()


def follow_up_of(letter: Letter) -> FollowUp | None:
    return db.session.scalar(sa.select(FollowUp).options(selectinload(FollowUp.document))
                             .where(FollowUp.letter_id == letter.id))


def default_answer_due(letter: Letter) -> date | None:
    return local_date(letter.delivered_at) + ANSWER_TERM if letter.delivered_at else None


def answer_due(letter: Letter, follow_up: FollowUp | None) -> date | None:
    """The day the answer is due: the one staff set, else the default term after delivery."""
    if follow_up is not None and follow_up.answer_due is not None:
        return follow_up.answer_due
    return default_answer_due(letter)


@dataclass
class Step:
    event: str
    on: date | None
    done: bool
    reference: str | None = None   # the recipient's kenmerk (acknowledged)
    overdue: bool = False          # answer_due: passed without an answer
    text: str | None = None        # answered: the answer's text
    document: AnswerDocument | None = None
    recipient: str | None = None   # delivered: to whom the latest delivery went
    delivery_id: str | None = None  # delivered: its public id, for the verify page


@dataclass
class Timeline:
    steps: list[Step]
    follow_up: FollowUp | None

    def step(self, event: str) -> Step | None:
        return next((s for s in self.steps if s.event == event), None)


def timeline(letter: Letter, today: date | None = None) -> Timeline | None:
    """The steps after signing, in order; None for a letter not delivered. Steps not yet taken
    are there too (done False), except an acknowledgement nobody recorded after the answer."""
    if letter.delivered_at is None:
        return None
    today = today or today_where_signed()
    follow_up = follow_up_of(letter)
    answered = follow_up is not None and follow_up.answered_on is not None
    due = answer_due(letter, follow_up)
    latest = (deliveries_of(letter) or [None])[-1]
    steps = [Step(FollowUpEvent.DELIVERED, local_date(letter.delivered_at), True,
                  recipient=latest.recipient if latest else None,
                  delivery_id=latest.id if latest else None)]
    if follow_up is not None and follow_up.acknowledged_on is not None:
        steps.append(Step(FollowUpEvent.ACKNOWLEDGED, follow_up.acknowledged_on, True,
                          reference=follow_up.acknowledged_reference))
    # An answer in time makes the due date history; a late one keeps it, to show it was late.
    if due is not None and not (answered and follow_up.answered_on <= due):
        steps.append(Step(FollowUpEvent.ANSWER_DUE, due, due <= today,
                          overdue=not answered and due < today))
    if answered:
        steps.append(Step(FollowUpEvent.ANSWERED, follow_up.answered_on, True,
                          text=follow_up.answer_text, document=follow_up.document))
    else:
        steps.append(Step(FollowUpEvent.ANSWERED, None, False))
    return Timeline(steps, follow_up)


@dataclass
class Overdue:
    letter: Letter
    due: date
    days_late: int


def overdue_answers(today: date | None = None) -> list[Overdue]:
    """Delivered letters whose answer is due before `today` and not recorded, longest late first,
    in one query however many letters there are."""
    today = today or today_where_signed()
    # Delivered on a Dutch day d, due on d + ANSWER_TERM, late once today is past that: the
    # default term has run out for letters delivered before this moment (in UTC, as stored).
    cutoff = (datetime.combine(today - ANSWER_TERM, time(), SIGNING_TIMEZONE)
              .astimezone(UTC).replace(tzinfo=None))
    rows = db.session.execute(
        sa.select(Letter, FollowUp.answer_due)
        .outerjoin(FollowUp, FollowUp.letter_id == Letter.id)
        .where(Letter.delivered_at.is_not(None), FollowUp.answered_on.is_(None),
               sa.or_(FollowUp.answer_due < today,
                      sa.and_(FollowUp.answer_due.is_(None), Letter.delivered_at < cutoff)))
    ).all()
    found = []
    for letter, due in rows:
        due = due or default_answer_due(letter)
        found.append(Overdue(letter, due, (today - due).days))
    return sorted(found, key=lambda o: (-o.days_late, o.letter.title))


def answer_document(letter: Letter) -> AnswerDocument | None:
    """The answer's PDF with its bytes, for the download."""
    return db.session.scalar(sa.select(AnswerDocument)
                             .options(undefer(AnswerDocument.content))
                             .where(AnswerDocument.letter_id == letter.id))
