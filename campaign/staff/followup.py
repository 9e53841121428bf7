"""A delivered letter's follow-up for editors: the recipient's acknowledgement, the day the answer
is due, and the answer with its PDF (recording it mails the signers who asked)."""
from __future__ import annotations

from datetime import date

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..accounts.models import Role
from ..audit import Actor
from ..core.errors import NotAllowed
from ..core.forms import TextForm
from ..extensions import db
from ..followup import operations
from ..followup.queries import default_answer_due, timeline
from ..letters.models import Letter
from .access import allow, letter_or_404
from .blueprint import blueprint

# Multipart framing and the form's text fields, on top of the largest PDF taken.
FORM_OVERHEAD_BYTES = 256 * 1024


def _a_day(form, field) -> None:
    if field.data:
        try:
            field.day = date.fromisoformat(field.data.strip())
        except ValueError:
            raise ValidationError(_l("Write the date as YYYY-MM-DD, e.g. 2026-12-01.")) from None


def _day(field) -> date | None:
    return getattr(field, "day", None) if field.data else None


class AcknowledgementForm(TextForm):
    reference = StringField(_l("Their reference (kenmerk)"), validators=[
        Length(max=operations.REFERENCE_LENGTH)])
    acknowledged_on = StringField(_l("Date of the acknowledgement"), validators=[
        DataRequired(_l("Fill in the date of the acknowledgement.")), _a_day])


class DueForm(TextForm):
    answer_due = StringField(_l("Answer due on"), validators=[Optional(), _a_day])


class AnswerForm(FlaskForm):
    """The answer: text fields and a file. Not a TextForm: this form takes a file."""
    answered_on = StringField(_l("Date of the answer"), validators=[
        DataRequired(_l("Fill in the date of the answer.")), _a_day])
    text = TextAreaField(_l("The answer's text (or a summary)"), validators=[
        Length(max=operations.ANSWER_TEXT_LENGTH)])
    document = FileField(_l("The answer as PDF (optional)"))
    remove_document = BooleanField(_l("Remove the PDF stored now"))

    def validate(self, extra_validators=None) -> bool:
        # A file sent in a text field (a crafted POST) is refused before any validator reads it.
        misplaced = [name for name in request.files if name in self._fields
                     and name != "document"]
        for name in misplaced:
            self[name].errors = [_l("This field takes text, not a file.")]
        return not misplaced and super().validate(extra_validators)


@blueprint.url_value_preprocessor
def _allow_the_answers_pdf(endpoint: str | None, values: dict | None) -> None:
    # Runs after access._allow_uploads: only this form takes more than other staff uploads.
    if endpoint == "staff.record_answer":
        request.max_content_length = (current_app.config["ANSWER_PDF_MAX_BYTES"]
                                      + FORM_OVERHEAD_BYTES)


def _page(letter: Letter, status: int = 200, **forms):
    steps = timeline(letter)
    follow_up = steps.follow_up if steps else None
    acknowledgement = forms.get("acknowledgement") or AcknowledgementForm(
        formdata=None, reference=follow_up.acknowledged_reference if follow_up else "",
        acknowledged_on=_iso(follow_up.acknowledged_on if follow_up else None))
    due = forms.get("due") or DueForm(
        formdata=None, answer_due=_iso(follow_up.answer_due if follow_up else None))
    answer = forms.get("answer") or AnswerForm(
        formdata=None, answered_on=_iso(follow_up.answered_on if follow_up else None),
        text=follow_up.answer_text if follow_up else "")
    return render_template(
        "staff/followup/show.html", letter=letter, timeline=steps, follow_up=follow_up,
        acknowledgement=acknowledgement, due=due, answer=answer,
        default_due=default_answer_due(letter),
        max_mb=current_app.config["ANSWER_PDF_MAX_BYTES"] // (1024 * 1024)), status


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _delivered_or_409(slug: str) -> Letter:
    letter = letter_or_404(slug)
    if letter.delivered_at is None:
        raise NotAllowed(f"letter {slug} has not been delivered")
    return letter


def _done(slug: str, saved: str):
    return redirect(url_for(".follow_up", slug=slug, saved=saved), code=303)


def _refused(letter: Letter, form, error: operations.FollowUpRefused, name: str):
    db.session.rollback()
    form[error.field].errors = [error.message]
    return _page(letter_or_404(letter.slug), 400, **{name: form})


@blueprint.get("/letters/<slug>/follow-up")
@allow(Role.EDITOR)
def follow_up(slug: str):
    return _page(letter_or_404(slug))


@blueprint.post("/letters/<slug>/follow-up/acknowledgement")
@allow(Role.EDITOR)
def record_acknowledgement(slug: str):
    letter, form = _delivered_or_409(slug), AcknowledgementForm()
    if not form.validate_on_submit():
        return _page(letter, 400, acknowledgement=form)
    try:
        operations.record_acknowledgement(letter, form.reference.data,
                                          _day(form.acknowledged_on), Actor.staff(current_user))
    except operations.FollowUpRefused as error:
        return _refused(letter, form, error, "acknowledgement")
    db.session.commit()
    return _done(slug, "acknowledgement")


@blueprint.post("/letters/<slug>/follow-up/due")
@allow(Role.EDITOR)
def set_answer_due(slug: str):
    letter, form = _delivered_or_409(slug), DueForm()
    if not form.validate_on_submit():
        return _page(letter, 400, due=form)
    try:
        operations.set_answer_due(letter, _day(form.answer_due), Actor.staff(current_user))
    except operations.FollowUpRefused as error:
        return _refused(letter, form, error, "due")
    db.session.commit()
    return _done(slug, "due")


@blueprint.post("/letters/<slug>/follow-up/answer")
@allow(Role.EDITOR)
def record_answer(slug: str):
    letter, form = _delivered_or_409(slug), AnswerForm()
    if not form.validate_on_submit():
        return _page(letter, 400, answer=form)
    try:
        upload = form.document.data
        document = None
        if upload is not None and getattr(upload, "filename", ""):
            data = upload.read(current_app.config["ANSWER_PDF_MAX_BYTES"] + 1)
            document = operations.check_answer_pdf(upload.filename, data)
        operations.record_answer(letter, form.text.data, _day(form.answered_on),
                                 Actor.staff(current_user), document=document,
                                 remove_document=form.remove_document.data)
    except operations.FollowUpRefused as error:
        return _refused(letter, form, error, "answer")
    db.session.commit()
    return _done(slug, "answer")
