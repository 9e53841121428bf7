"""Delivering a letter from the workspace (editors): the deliver form, a confirmation step when
the letter was delivered before, and the deliveries with their stored PDFs and SHA-256s. The
same operation as `flask letters deliver`."""
from __future__ import annotations

import re

from flask import Response, abort, current_app, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..accounts.models import Role
from ..audit import Actor
from ..core.errors import NotAllowed
from ..core.forms import TextForm
from ..core.links import external_url
from ..delivery import operations
from ..delivery.jobs import JobKind, RenderStatus, latest_job, request_delivery
from ..delivery.queries import delivered_when, deliveries_of, find_delivery
from ..delivery.signing import SigningError, signing_configured
from ..extensions import db
from ..letters.models import Letter, LetterStatus
from ..signatures.queries import counts
from .access import allow, letter_or_404
from .blueprint import blueprint

_SEPARATORS = re.compile(r"[\s,;]+")


def _addresses(text: str | None) -> list[str]:
    return [part for part in _SEPARATORS.split(text or "") if part]


def _is_address(form, field) -> None:
    for address in _addresses(field.data) if field.name == "cc" else [field.data or ""]:
        try:
            operations.check_address(address, field.name)
        except operations.BadDeliveryInput:
            raise ValidationError(_l("“%(address)s” is not an e-mail address that mail can be "
                                     "sent to.", address=address.strip()[:320])) from None


def _few_enough(form, field) -> None:
    if len(_addresses(field.data)) > operations.MAX_CC:
        raise ValidationError(_l("At most %(num)d addresses in Cc.", num=operations.MAX_CC))


class DeliverForm(TextForm):
    """Field names as the CLI options: to, cc, note; `again` confirms a second delivery."""
    to = StringField(_l("To (e-mail address of the addressee)"), validators=[
        DataRequired(_l("Fill in the address the letter goes to.")), Length(max=320),
        _is_address])
    cc = TextAreaField(_l("Cc (e-mail addresses, one a line)"), validators=[
        Length(max=20 * 330), _few_enough, _is_address])
    note = TextAreaField(_l("Note in the cover mail"), validators=[
        Length(max=operations.NOTE_MAX_LENGTH)])
    again = BooleanField(_l("Yes, deliver this letter again"))


def _when(delivery) -> str:
    return delivered_when(delivery, get_locale().language)


def _page(letter: Letter, form: DeliverForm | None = None, status: int = 200,
          problem: str | None = None):
    deliveries = deliveries_of(letter)
    job = latest_job(letter, JobKind.DELIVER)
    return render_template(
        "staff/deliveries/list.html", letter=letter, deliveries=deliveries,
        form=form or DeliverForm(formdata=None), problem=problem, job=job,
        statuses=RenderStatus,
        waiting=job is not None and job.status in RenderStatus.WAITING and not job.stalled,
        # A failed background delivery is news until a delivery made after it.
        failed=job is not None and job.shown_status == RenderStatus.FAILED
        and not any(d.delivered_at >= job.created_at for d in deliveries),
        when=_when,
        verify_url=lambda d: external_url("verify.show", delivery_id=d.id),
        signing=signing_configured(), deliverable=letter.status != LetterStatus.DRAFT), status


@blueprint.get("/letters/<slug>/deliveries")
@allow(Role.EDITOR)
def deliveries(slug: str):
    return _page(letter_or_404(slug))


@blueprint.post("/letters/<slug>/deliveries")
@allow(Role.EDITOR)
def deliver_letter(slug: str):
    letter, form = letter_or_404(slug), DeliverForm()
    if not form.validate_on_submit():
        return _page(letter, form, 400)
    earlier = deliveries_of(letter)
    if earlier and not form.again.data:
        return render_template("staff/deliveries/confirm.html", letter=letter, form=form,
                               earlier=earlier, when=_when), 200
    if counts(letter).total > current_app.config["RENDER_IN_REQUEST_MAX"]:
        # Rendering thousands of signatories takes minutes: the worker does it, this page follows.
        request_delivery(letter, form.to.data.strip(), _addresses(form.cc.data),
                         form.note.data or "", bool(form.again.data), Actor.staff(current_user))
        db.session.commit()
        return redirect(url_for(".deliveries", slug=slug), code=303)
    try:
        delivery = operations.deliver(letter, form.to.data, _addresses(form.cc.data),
                                      form.note.data or "", Actor.staff(current_user),
                                      again=bool(form.again.data))
    except operations.BadDeliveryInput as error:  # the form checks first; kept for safety
        db.session.rollback()
        form[error.field].errors = [error.message]
        return _page(letter_or_404(slug), form, 400)
    except operations.NotDeliverable:
        db.session.rollback()
        return _page(letter_or_404(slug), form, 409, _(
            "A draft cannot be delivered: publish the letter first."))
    except operations.AlreadyDelivered:
        db.session.rollback()
        return _page(letter_or_404(slug), form, 409, _(
            "Someone delivered this letter a moment ago. Look at the deliveries below before "
            "you deliver it again."))
    except SigningError as error:
        db.session.rollback()
        return _page(letter_or_404(slug), form, 503, _(
            "The PDF could not be signed (%(error)s). Nothing was delivered; ask the person "
            "who runs the server to check the signing settings.", error=str(error)))
    except NotAllowed:
        db.session.rollback()
        raise
    db.session.commit()
    return redirect(url_for(".deliveries", slug=slug, delivered=delivery.id), code=303)


@blueprint.get("/letters/<slug>/deliveries/<delivery_id>.pdf")
@allow(Role.EDITOR)
def delivery_pdf(slug: str, delivery_id: str):
    """The stored file, byte for byte as delivered."""
    delivery = find_delivery(delivery_id, with_pdf=True)
    if delivery is None or delivery.letter.slug != slug:
        abort(404)
    return Response(delivery.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{delivery.filename}"',
        "X-Content-SHA256": delivery.sha256})
