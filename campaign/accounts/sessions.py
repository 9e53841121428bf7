"""Staff sessions through Flask-Login: a session names the account and its session version, so
that disabling an account or changing its password ends the sessions made before."""
from __future__ import annotations

from flask import Flask, session
from flask_login import login_user

from ..extensions import db, login_manager
from .models import StaffUser


@login_manager.user_loader
def _load_user(session_id: str) -> StaffUser | None:
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not user.enabled or user.session_version != int(version):
        return None
    return user


def start_session(user: StaffUser) -> None:
    """Log `user` in for this browser: a fresh session (no fixation) that ends after
    PERMANENT_SESSION_LIFETIME without a request."""
    session.clear()
    login_user(user)
    session.permanent = True


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    # The staff blueprint sends the anonymous to its login page itself (303, with `next`).
    login_manager.login_view = None
