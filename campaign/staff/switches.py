"""Switches for admins: pause signing (one letter or the site) and outgoing mail."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..audit import Actor
from ..core.errors import NotAllowed
from ..core.forms import TextForm
from ..extensions import db
from ..mail.queries import outbox_counts
from ..switches import operations
from ..switches.queries import board
from .access import allow, letter_or_404
from .blueprint import blueprint


class SwitchForm(TextForm):
    """A button: nothing but the CSRF token."""


def _page(status: int = 200, problem: bool = False):
    return render_template("staff/switches.html", board=board(), outbox=outbox_counts(),
                           problem=problem), status


@blueprint.get("/switches")
@allow(Role.ADMIN)
def switches():
    return _page()


@blueprint.post("/switches/<any(signing, mail):name>/<any(pause, resume):action>")
@allow(Role.ADMIN)
def flip_switch(name: str, action: str):
    if not SwitchForm().validate_on_submit():
        return _page(400)
    actor = Actor.staff(current_user)
    if name == "signing":
        (operations.pause_signing if action == "pause" else operations.resume_signing)(actor)
    else:
        (operations.pause_mail if action == "pause" else operations.resume_mail)(actor)
    db.session.commit()
    return redirect(url_for(".switches"), code=303)


@blueprint.post("/switches/letters/<slug>/<any(pause, resume):action>")
@allow(Role.ADMIN)
def flip_letter_switch(slug: str, action: str):
    letter = letter_or_404(slug)
    if not SwitchForm().validate_on_submit():
        return _page(400)
    flip = operations.pause_signing if action == "pause" else operations.resume_signing
    try:
        flip(Actor.staff(current_user), letter)
    except NotAllowed:
        db.session.rollback()
        return _page(409, problem=True)
    db.session.commit()
    return redirect(url_for(".switches"), code=303)
