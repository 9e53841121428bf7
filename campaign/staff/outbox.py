"""The outbox for admins: queued, sent and failed mail, and re-queueing what failed."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import Role
from ..audit import Actor
from ..core.errors import NotAllowed
from ..core.forms import TextForm
from ..extensions import db
from ..mail import operations
from ..mail.models import OutboxMail
from ..mail.queries import STATUSES, outbox_counts, outbox_page
from ..switches.queries import mail_paused
from .access import allow
from .blueprint import blueprint

PAGE_SIZE = 50


class RetryForm(TextForm):
    """A button: nothing but the CSRF token."""


def _before() -> int | None:
    value = request.args.get("before")
    if value is None:
        return None
    if not value.isdigit() or len(value) > 18:
        abort(400)
    return int(value)


def _page(status: int = 200, problem: str | None = None):
    shown = request.args.get("status") or None
    if shown is not None and shown not in STATUSES:
        abort(400)
    page = outbox_page(shown, _before(), PAGE_SIZE)
    return render_template("staff/outbox.html", page=page, counts=outbox_counts(),
                           shown=shown, statuses=STATUSES, paused=mail_paused(),
                           problem=problem), status


@blueprint.get("/outbox")
@allow(Role.ADMIN)
def outbox():
    return _page()


@blueprint.post("/outbox/<int:mail_id>/retry")
@allow(Role.ADMIN)
def retry_mail(mail_id: int):
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None:
        abort(404)
    if not RetryForm().validate_on_submit():
        return _page(400)
    try:
        operations.retry_mail([mail], Actor.staff(current_user))
    except NotAllowed:
        db.session.rollback()
        return _page(409, _("Mail %(id)d cannot be re-queued: only failed mail can, and not "
                            "mail erased by a withdrawal.", id=mail_id))
    db.session.commit()
    return redirect(url_for(".outbox", status="queued", requeued=1), code=303)


@blueprint.post("/outbox/retry-failed")
@allow(Role.ADMIN)
def retry_failed_mail():
    if not RetryForm().validate_on_submit():
        return _page(400)
    count = operations.retry_all_failed(Actor.staff(current_user))
    db.session.commit()
    return redirect(url_for(".outbox", status="queued", requeued=count), code=303)
