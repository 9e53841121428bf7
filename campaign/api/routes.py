"""GET /api/letters/<slug> and GET /api/letters/<slug>/signatures (README: "JSON API")."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request

from ..core.links import external_url
from ..core.timeutil import isoformat_utc
from ..directory import queries as directory
from ..extensions import csrf, db
from ..letters.models import Letter
from ..letters.queries import find_public_letter
from ..signatures.models import Signature
from ..signatures.queries import counts

blueprint = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(blueprint)

MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000


def _letter(slug: str) -> Letter:
    letter = find_public_letter(slug)
    if letter is None:
        abort(404)
    return letter


def _positive_int(name: str, default: int, maximum: int) -> int:
    """A query parameter from 1 up; above `maximum` it is cut to it."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        abort(400, description=f"'{name}' must be a whole number from 1 to {maximum}")
    return min(int(raw), maximum)


@blueprint.get("/letters/<slug>")
def letter(slug: str):
    found = _letter(slug)
    letter_counts = counts(found)
    return jsonify(slug=found.slug, title=found.title, kind=found.kind, status=found.status,
                   counts=letter_counts.as_dict(), verification=letter_counts.by_verification)


def signature_item(signature: Signature) -> dict:
    return {
        "name": signature.name,
        "kind": signature.kind,
        "role": signature.role,
        "municipality": signature.municipality,
        "organisation": signature.organisation,
        "lead": signature.lead,
        "verification": signature.verification,
        "verified_domain": signature.verified_domain,
        # Kept for clients of the first API: any level but `mailbox`.
        "verified": signature.verified,
        "signed_at": isoformat_utc(signature.confirmed_at),
    }


@blueprint.get("/municipalities")
def municipalities():
    """Every current Dutch municipality: CBS code, name, province code and mail domains."""
    return jsonify(items=[{"code": entry.code, "name": entry.name,
                           "province": entry.province_code, "domains": entry.domain_names}
                          for entry in directory.municipalities()])


@blueprint.get("/letters/<slug>/signatures")
def signatures(slug: str):
    found = _letter(slug)
    page = _positive_int("page", 1, MAX_PAGE)
    per_page = _positive_int("per_page", current_app.config["SIGNATURES_PER_PAGE"], MAX_PER_PAGE)
    rows = db.session.scalars(
        sa.select(Signature)
        .where(Signature.letter_id == found.id, Signature.named())
        .order_by(Signature.confirmed_at, Signature.id)
        .offset((page - 1) * per_page).limit(per_page + 1)).all()
    has_next = len(rows) > per_page
    next_url = None
    if has_next:
        extra = {"per_page": per_page} if "per_page" in request.args else {}
        next_url = external_url("api.signatures", slug=found.slug, page=page + 1, **extra)
    return jsonify(items=[signature_item(s) for s in rows[:per_page]], next=next_url)
