"""Staff accounts, for admins: list, create, change role, disable and enable."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..accounts import operations
from ..accounts.models import Role, StaffUser
from ..accounts.passwords import MINIMUM_LENGTH
from ..audit import Actor
from ..core.errors import NotAllowed
from ..core.forms import TextForm
from ..extensions import db
from .access import allow
from .blueprint import blueprint

ROLE_LABELS = {Role.ADMIN: _l("Admin"), Role.EDITOR: _l("Editor"),
               Role.MODERATOR: _l("Moderator")}


class NewUserForm(TextForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Fill in an e-mail address.")), Length(max=320)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(value, label)
                                            for value, label in ROLE_LABELS.items()])
    password = PasswordField(_l("First password"), validators=[
        DataRequired(_l("Fill in a first password.")),
        Length(min=MINIMUM_LENGTH, max=1000,
               message=_l("At least %(num)d characters.", num=MINIMUM_LENGTH))])


class AccountForm(TextForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(value, label)
                                            for value, label in ROLE_LABELS.items()])


def _user(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


def _page(form: NewUserForm, status: int = 200):
    users = db.session.scalars(sa.select(StaffUser).order_by(StaffUser.email)).all()
    return render_template("staff/users.html", users=users, form=form, roles=ROLE_LABELS), status


@blueprint.get("/users")
@allow(Role.ADMIN)
def users():
    return _page(NewUserForm())


@blueprint.post("/users")
@allow(Role.ADMIN)
def create_user():
    form = NewUserForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        operations.create_user(form.email.data, form.role.data, form.password.data,
                               Actor.staff(current_user), name=form.name.data or "")
    except NotAllowed as error:
        db.session.rollback()
        form.email.errors = [str(error)]
        return _page(form, 409)
    db.session.commit()
    return redirect(url_for(".users"), code=303)


@blueprint.post("/users/<int:user_id>/role")
@allow(Role.ADMIN)
def change_role(user_id: int):
    user, form = _user(user_id), AccountForm()
    if not form.validate_on_submit():
        return _page(NewUserForm(), 400)
    operations.set_role(user, form.role.data, Actor.staff(current_user))
    db.session.commit()
    return redirect(url_for(".users"), code=303)


@blueprint.post("/users/<int:user_id>/<any(disable, enable):action>")
@allow(Role.ADMIN)
def switch_user(user_id: int, action: str):
    user = _user(user_id)
    if user.id == current_user.id:
        return _page(NewUserForm(), 409)  # an admin cannot lock themself out
    operations.set_enabled(user, action == "enable", Actor.staff(current_user))
    db.session.commit()
    return redirect(url_for(".users"), code=303)
