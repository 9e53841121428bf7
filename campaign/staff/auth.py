"""Logging in and out, and changing one's password."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..accounts import operations
from ..accounts.passwords import MINIMUM_LENGTH
from ..accounts.sessions import start_session
from ..audit import Actor
from ..core.clients import client_network
from ..core.errors import NotAllowed
from ..core.forms import TextForm
from ..extensions import db, limiter
from .access import ANY_STAFF, allow, safe_next
from .blueprint import blueprint


class LoginForm(TextForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Fill in your e-mail address.")), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Fill in your password.")), Length(max=1000)])


class PasswordForm(TextForm):
    current = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Fill in your current password.")), Length(max=1000)])
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Fill in a new password.")),
        Length(min=MINIMUM_LENGTH, max=1000,
               message=_l("At least %(num)d characters.", num=MINIMUM_LENGTH))])
    repeat = PasswordField(_l("New password again"), validators=[
        EqualTo("password", message=_l("The two new passwords differ."))])


def _login_limit() -> str:
    return current_app.config["STAFF_LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code == 200 and request.method == "POST"


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=client_network, deduct_when=_failed)
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for(".dashboard"), code=303)
    error = None
    if form.validate_on_submit():
        result = operations.log_in(form.email.data, form.password.data)
        db.session.commit()
        if result.locked:
            return render_template("staff/login.html", form=form, locked=True), 429
        if result.user is not None:
            start_session(result.user)
            return redirect(target or url_for(".dashboard"), code=303)
        # The same words for an unknown address and a wrong password.
        error = _l("This e-mail address and password do not match an account.")
    return render_template("staff/login.html", form=form, error=error)


@blueprint.post("/logout")
@allow(*ANY_STAFF)
def logout():
    logout_user()
    return redirect(url_for(".login"), code=303)


@blueprint.route("/password", methods=["GET", "POST"])
@allow(*ANY_STAFF)
def password():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not operations.log_in(user.email, form.current.data).user:
            form.current.errors = [_l("This is not your current password.")]
            db.session.commit()  # the failed try counts towards the lock
            status = 400
        else:
            try:
                operations.change_password(user, form.password.data, Actor.staff(user))
            except NotAllowed as error:
                form.password.errors = [str(error)]
                db.session.rollback()
                status = 400
            else:
                db.session.commit()
                start_session(user)  # this session goes on; the others end
                return redirect(url_for(".dashboard", changed="password"), code=303)
    elif form.is_submitted():
        status = 400
    return render_template("staff/password.html", form=form), status
