"""Every change to staff accounts, one function each: create, disable, enable, change a role or
a password, and log in (with the throttle). They leave the commit to the caller."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from .. import audit
from ..core.errors import NotAllowed
from ..core.timeutil import utcnow
from ..extensions import db
from .models import LoginThrottle, Role, StaffUser
from .passwords import hash_password, needs_rehash, password_problem, verify_password

MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)


def normalise_address(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise NotAllowed(f"{email!r} is not an e-mail address ({error})") from None


def find_user(email: str) -> StaffUser | None:
    return db.session.scalar(sa.select(StaffUser).where(
        StaffUser.email == email.strip().lower()))


def create_user(email: str, role: str, password: str, actor: object,
                name: str = "") -> StaffUser:
    address = normalise_address(email)
    if role not in Role.ALL:
        raise NotAllowed(f"role must be one of {', '.join(Role.ALL)}, not {role!r}")
    problem = password_problem(password)
    if problem:
        raise NotAllowed(f"the password needs {problem}")
    if find_user(address) is not None:
        raise NotAllowed(f"there is a staff account for {address} already")
    user = StaffUser(email=address, role=role, name=" ".join(name.split()),
                     password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "staff.created", staff=user.email, role=role)
    return user


def set_enabled(user: StaffUser, enabled: bool, actor: object) -> None:
    """Disable (ending every session at once) or enable an account."""
    if user.enabled == enabled:
        return
    user.enabled = enabled
    user.session_version += 1
    audit.record(actor, "staff.enabled" if enabled else "staff.disabled", staff=user.email)


def set_role(user: StaffUser, role: str, actor: object) -> None:
    if role not in Role.ALL:
        raise NotAllowed(f"role must be one of {', '.join(Role.ALL)}, not {role!r}")
    before, user.role = user.role, role
    user.session_version += 1  # a changed role starts with a fresh login
    audit.record(actor, "staff.role_changed", staff=user.email, before=before, after=role)


def change_password(user: StaffUser, password: str, actor: object) -> None:
    """A new password; every other session of the account ends (the caller logs this one in
    again)."""
    problem = password_problem(password)
    if problem:
        raise NotAllowed(f"the password needs {problem}")
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record(actor, "staff.password_changed", staff=user.email)


def _throttle_key(email: str) -> str:
    key = hashlib.sha256(b"campaign.login:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


@dataclass
class LoginResult:
    user: StaffUser | None = None
    locked: bool = False


def log_in(email: str, password: str) -> LoginResult:
    """Check an address and password. An address with MAX_FAILURES failures within
    FAILURE_WINDOW is locked for LOCK_TIME, right password or not; unknown and known addresses
    take the same path and the same time."""
    now = utcnow()
    key = _throttle_key(email)
    throttle = db.session.get(LoginThrottle, key, with_for_update=True)
    if throttle is None:
        throttle = LoginThrottle(key=key, failures=0, window_start=now)
        db.session.add(throttle)
    if throttle.locked_until and throttle.locked_until > now:
        return LoginResult(locked=True)
    if throttle.window_start < now - FAILURE_WINDOW:
        throttle.failures, throttle.window_start, throttle.locked_until = 0, now, None
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password) or not (
            user and user.enabled):
        throttle.failures += 1
        if throttle.failures >= MAX_FAILURES:
            throttle.locked_until = now + LOCK_TIME
        return LoginResult()
    db.session.delete(throttle)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    audit.record(audit.Actor.staff(user), "staff.logged_in")
    return LoginResult(user=user)
