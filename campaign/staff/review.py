"""The review queue for moderators: the evidence, approve or reject (in bulk), corrections,
lead signatories."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..accounts.models import Role
from ..audit import Actor
from ..core.errors import NotAllowed
from ..core.forms import TextForm
from ..extensions import db
from ..letters.models import Letter, SignatoryKind
from ..signatures import operations, queries
from ..signatures.models import Signature
from .access import allow, letter_or_404
from .blueprint import blueprint

MOST_AT_ONCE = 1000
ACTIONS = {"approve": _l("Approve"), "reject": _l("Reject")}


class ReviewForm(TextForm):
    ids = SelectMultipleField(coerce=int, validate_choice=False, validators=[
        DataRequired(_l("Choose at least one signature."))])
    action = SelectField(choices=[SelectChoice(value, label) for value, label in ACTIONS.items()])
    slug = HiddenField()

    def validate_ids(self, field):
        if len(field.data or []) > MOST_AT_ONCE:
            raise ValidationError(_l("At most %(num)d signatures at once.", num=MOST_AT_ONCE))


class CorrectionForm(TextForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("A signature needs a name.")), Length(max=200)])
    role = StringField(_l("Role"), validators=[Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)])
    municipality = StringField(_l("Municipality"), validators=[Length(max=200)])


class LeadForm(TextForm):
    lead = BooleanField(_l("Lead signatory"))
    order = IntegerField(_l("Position among the leads"), validators=[
        Optional(), NumberRange(min=1, max=1000)])


def _letter(slug: str | None) -> Letter | None:
    if not slug:
        return None
    return letter_or_404(slug)


def _signature(signature_id: int) -> Signature:
    signature = db.session.get(Signature, signature_id)
    if signature is None:
        abort(404)
    return signature


def _queue_page(letter: Letter | None, form: ReviewForm | None = None, status: int = 200):
    return render_template("staff/review/queue.html", letter=letter,
                           queue=queries.review_queue(letter), letters=queries.letters_overview(),
                           form=form or ReviewForm(formdata=None), actions=ACTIONS), status


@blueprint.get("/review")
@allow(Role.MODERATOR)
def review_queue():
    return _queue_page(_letter(request.args.get("slug")))


def _chosen(form: ReviewForm) -> list[Signature]:
    ids = sorted(set(form.ids.data))
    return list(db.session.scalars(sa.select(Signature).where(Signature.id.in_(ids))
                                   .order_by(Signature.id)))


@blueprint.post("/review/preview")
@allow(Role.MODERATOR)
def preview_review():
    """What a bulk approve or reject will touch, before it does."""
    form = ReviewForm()
    if not form.validate_on_submit():
        return _queue_page(_letter(form.slug.data or None), form, 400)
    chosen = _chosen(form)
    items = [(queries.evidence(s), operations.waiting_for_review(s)) for s in chosen]
    missing = len(set(form.ids.data)) - len(chosen)
    return render_template("staff/review/preview.html", items=items, form=form,
                           action=form.action.data, actions=ACTIONS, missing=missing,
                           touched=sum(1 for _, waiting in items if waiting))


@blueprint.post("/review/apply")
@allow(Role.MODERATOR)
def apply_review():
    form = ReviewForm()
    if not form.validate_on_submit():
        return _queue_page(_letter(form.slug.data or None), form, 400)
    chosen = _chosen(form)
    if len(chosen) != len(set(form.ids.data)):
        raise NotAllowed("a chosen signature is gone")
    count = operations.review_signatures(chosen, form.action.data == "approve",
                                         Actor.staff(current_user))
    db.session.commit()
    slug = form.slug.data or None
    return redirect(url_for(".review_queue", slug=slug, done=form.action.data, count=count),
                    code=303)


def _signature_page(signature: Signature, correction: CorrectionForm | None = None,
                    lead: LeadForm | None = None, status: int = 200):
    if correction is None:
        correction = CorrectionForm(formdata=None, obj=signature)
    if lead is None:
        lead = LeadForm(formdata=None, lead=signature.lead, order=signature.lead_order)
    return render_template("staff/review/signature.html", item=queries.evidence(signature),
                           signature=signature, correction=correction, lead=lead,
                           review=ReviewForm(formdata=None), kinds=SignatoryKind), status


@blueprint.get("/signatures/<int:signature_id>")
@allow(Role.MODERATOR)
def signature(signature_id: int):
    return _signature_page(_signature(signature_id))


@blueprint.post("/signatures/<int:signature_id>/correct")
@allow(Role.MODERATOR)
def correct_signature(signature_id: int):
    signature = _signature(signature_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return _signature_page(signature, correction=form, status=400)
    correction = operations.Correction(
        name=form.name.data, role=form.role.data or "",
        organisation=form.organisation.data or "", municipality=form.municipality.data or "")
    try:
        operations.correct_signature(signature, correction, Actor.staff(current_user))
    except NotAllowed as error:
        db.session.rollback()
        if signature.state == "withdrawn":
            raise
        target = (form.municipality if signature.kind == SignatoryKind.ALDERPERSON
                  else form.organisation if signature.kind == SignatoryKind.ORGANISATION
                  else form.name)
        target.errors = [str(error)]
        return _signature_page(signature, correction=form, status=400)
    db.session.commit()
    return redirect(url_for(".signature", signature_id=signature.id, changed="details"),
                    code=303)


@blueprint.post("/signatures/<int:signature_id>/lead")
@allow(Role.MODERATOR)
def set_lead(signature_id: int):
    signature = _signature(signature_id)
    form = LeadForm()
    if not form.validate_on_submit():
        return _signature_page(signature, lead=form, status=400)
    operations.set_lead(signature, bool(form.lead.data), form.order.data,
                        Actor.staff(current_user))
    db.session.commit()
    if request.form.get("back") == "list":
        return redirect(url_for(".signatures", slug=signature.letter.slug), code=303)
    return redirect(url_for(".signature", signature_id=signature.id, changed="lead"), code=303)


@blueprint.get("/review/letters/<slug>")
@allow(Role.MODERATOR)
def signatures(slug: str):
    """Every confirmed signature of a letter: leads first, in their order."""
    letter = _letter(slug)
    return render_template("staff/review/signatures.html", letter=letter,
                           signatures=queries.letter_signatures(letter))
