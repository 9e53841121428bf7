"""Staff accounts and the login throttle."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..core.timeutil import utcnow
from ..extensions import db


class Role:
    ADMIN = "admin"          # everything, and staff accounts
    EDITOR = "editor"        # letters, invitations, exports, delivery
    MODERATOR = "moderator"  # the review queue and corrections
    ALL = (ADMIN, EDITOR, MODERATOR)


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(16))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    enabled: Mapped[bool] = mapped_column(default=True)
    # Part of every session's id: raising it ends the sessions made before.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.enabled

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def may(self, *roles: str) -> bool:
        return self.role == Role.ADMIN or self.role in roles

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


class LoginThrottle(db.Model):
    """Failed logins per address typed (as a keyed hash, known account or not), so that an
    account is locked after too many, and an unknown address behaves exactly like a known one."""
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
