"""Invitations for editors: upload the invitees CSV, see per row what will happen, send,
follow up."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from ..accounts.models import Role
from ..audit import Actor
from ..core.forms import TextForm
from ..extensions import db
from ..letters.models import Letter
from ..signatures import operations
from ..signatures.invitees import InviteesError, decode_invitees, read_invitee_rows
from ..signatures.queries import InviteeState, RowFate, invitation_fates, invitees
from .access import allow, letter_or_404
from .blueprint import blueprint

FATE_LABELS = {
    RowFate.NEW: _l("new: will be invited"),
    RowFate.PENDING: _l("signed through the public form, not confirmed: the invitation "
                        "replaces it"),
    RowFate.ALREADY_INVITED: _l("already invited: skipped"),
    RowFate.ALREADY_SIGNED: _l("already signed: skipped"),
    RowFate.INVALID: _l("invalid"),
    RowFate.DUPLICATE: _l("duplicate in this file"),
}
STATE_LABELS = {
    InviteeState.INVITED: _l("invited"),
    InviteeState.OPENED: _l("opened"),
    InviteeState.SIGNED: _l("signed"),
    InviteeState.BOUNCED: _l("bounced"),
    InviteeState.WITHDRAWN: _l("withdrawn"),
}


class UploadForm(FlaskForm):
    file = FileField(_l("Invitees (CSV)"))


class SendForm(TextForm):
    # The file as uploaded and checked, sent back with the button, checked again.
    invitees = TextAreaField(validators=[DataRequired()])


class ResendForm(TextForm):
    pass


def _list_page(letter: Letter, upload: UploadForm, status: int = 200):
    found = invitees(letter)
    counts = {state: sum(1 for i in found if i.state == state) for state in InviteeState.ALL}
    return render_template(
        "staff/invitations/list.html", letter=letter, invitees=found, counts=counts,
        resendable=sum(1 for i in found if i.may_resend), upload=upload,
        resend=ResendForm(), states=STATE_LABELS), status


@blueprint.get("/letters/<slug>/invitations")
@allow(Role.EDITOR)
def invitations(slug: str):
    return _list_page(letter_or_404(slug), UploadForm())


def _preview(letter: Letter, text: str, upload: UploadForm | None = None):
    """The rows of an invitees file with what sending will do with each; 400 while any row
    is invalid, or the file cannot be read at all."""
    try:
        rows = read_invitee_rows(text, letter.kinds, letter.sector_names)
    except InviteesError as error:
        upload = upload or UploadForm()
        upload.file.errors = list(error.problems)
        return _list_page(letter, upload, 400)
    fates = invitation_fates(letter, rows)
    blocked = any(fate in (RowFate.INVALID, RowFate.DUPLICATE) for _, fate in fates)
    if not rows:
        upload = upload or UploadForm()
        upload.file.errors = [_l("The file has no invitees below its header line.")]
        return _list_page(letter, upload, 400)
    form = SendForm(formdata=None, invitees=text)
    to_send = sum(1 for _, fate in fates if fate in RowFate.SENT)
    return render_template("staff/invitations/preview.html", letter=letter, fates=fates,
                           labels=FATE_LABELS, blocked=blocked, to_send=to_send,
                           form=form), 400 if blocked else 200


@blueprint.post("/letters/<slug>/invitations/upload")
@allow(Role.EDITOR)
def upload_invitations(slug: str):
    letter = letter_or_404(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        return _list_page(letter, form, 400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors = [_l("Choose a CSV file to upload.")]
        return _list_page(letter, form, 400)
    try:
        text = decode_invitees(upload.read())
    except InviteesError as error:
        form.file.errors = list(error.problems)
        return _list_page(letter, form, 400)
    return _preview(letter, text, form)


@blueprint.post("/letters/<slug>/invitations/send")
@allow(Role.EDITOR)
def send_invitations(slug: str):
    letter = letter_or_404(slug)
    form = SendForm()
    if not form.validate_on_submit():
        return _list_page(letter, UploadForm(), 400)
    text = form.invitees.data
    try:
        rows = read_invitee_rows(text, letter.kinds, letter.sector_names)
    except InviteesError:
        return _preview(letter, text)
    if not rows or any(not row.valid for row in rows):
        return _preview(letter, text)
    if letter.signing_closed_by_deadline:
        upload = UploadForm()
        upload.file.errors = [_("Signing on this letter closed after %(day)s, so invitations "
                                "would lead to a page that no longer takes signatures. Move "
                                "the letter's last day of signing (sign_until) first.",
                                day=format_date(letter.sign_until, format="long"))]
        return _list_page(letter, upload, 409)
    report = operations.invite(letter, [row.details for row in rows],
                               Actor.staff(current_user))
    db.session.commit()
    return redirect(url_for(".invitations", slug=letter.slug, invited=report.invited,
                            skipped=report.skipped), code=303)


@blueprint.post("/letters/<slug>/invitations/resend")
@allow(Role.EDITOR)
def resend_invitations(slug: str):
    letter = letter_or_404(slug)
    form = ResendForm()
    if not form.validate_on_submit():
        return _list_page(letter, UploadForm(), 400)
    report = operations.resend_invitations(letter, Actor.staff(current_user))
    db.session.commit()
    return redirect(url_for(".invitations", slug=letter.slug, resent=report.sent,
                            not_yet=report.too_recent), code=303)
