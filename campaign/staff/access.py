"""Who may open which staff page. Every view says its roles with @allow; the guard sends the
anonymous to the login page (303) and refuses a wrong role (403), and a page that forgot to say
is nobody's, so that a new page cannot be left open."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..letters.models import Letter
from ..letters.queries import find_letter
from .blueprint import blueprint

# endpoint -> the roles that may use it (admins may use everything); () = any staff member.
ACCESS: dict[str, tuple[str, ...]] = {}
OPEN_TO_ALL = {"staff.login"}
ANY_STAFF: tuple[str, ...] = ()


def allow(*roles: str) -> Callable:
    """Say who may use a view: the roles (admin always may), or none for any staff member."""
    unknown = [role for role in roles if role not in Role.ALL]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}")

    def register(view: Callable) -> Callable:
        ACCESS[f"{blueprint.name}.{view.__name__}"] = roles
        return view
    return register


def letter_or_404(slug: str) -> Letter:
    """The letter at `slug`, drafts included; 404 when there is none."""
    letter = find_letter(slug)
    if letter is None:
        abort(404)
    return letter


def safe_next(target: str | None) -> str | None:
    """A `next` address only when it is a path on this site's staff side: never another host,
    a scheme, or a protocol-relative //address."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/staff/") or "\\" in target:
        return None
    return target


@blueprint.url_value_preprocessor
def _allow_uploads(endpoint: str | None, values: dict | None) -> None:
    """Staff upload letter files and invitee lists: more than a sign form, less than junk. Set
    before anything reads the body (the CSRF check does, before any before_request)."""
    request.max_content_length = current_app.config["STAFF_UPLOAD_MAX_BYTES"]


@blueprint.before_request
def guard():
    endpoint = request.endpoint or ""
    if endpoint in OPEN_TO_ALL:
        return None
    if not current_user.is_authenticated:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("staff.login", next=safe_next(target)), code=303)
    roles = ACCESS.get(endpoint)
    if roles is None:
        abort(403)
    if roles and not current_user.may(*roles):
        abort(403)
    return None
