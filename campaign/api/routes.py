"""GET /api/letters/<slug> and GET /api/letters/<slug>/signatures (README: "JSON API")."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from ..core.caching import conditional
from ..core.links import external_url
from ..core.timeutil import isoformat_utc
from ..delivery.models import Delivery
from ..delivery.queries import deliveries_of
from ..directory import queries as directory
from ..extensions import csrf
from ..letters.models import Letter
from ..letters.queries import find_public_letter
from ..signatures.browse import (
    BadCursor,
    public_counts,
    public_sector_counts,
    public_version,
    signed_in_order,
)
from ..signatures.models import Signature

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
    changed = public_version(found)

    def answer():
        letter_counts = public_counts(found, changed)
        return jsonify(slug=found.slug, title=found.title, kind=found.kind,
                       status=found.status, counts=letter_counts.as_dict(),
                       verification=letter_counts.by_verification,
                       initiator=found.initiator or None, contact_url=found.contact_url or None,
                       sign_until=found.sign_until.isoformat() if found.sign_until else None,
                       accepts_signatures=found.accepts_signatures,
                       sectors=found.sector_names,
                       sector_counts=public_sector_counts(found, changed).as_dict(),
                       deliveries=[delivery_item(d) for d in deliveries_of(found)])

    return conditional(changed, answer)


def delivery_item(delivery: Delivery) -> dict:
    """A delivery as the public may see it: never who delivered it or the Cc addresses."""
    return {"id": delivery.id, "delivered_at": isoformat_utc(delivery.delivered_at),
            "recipient": delivery.recipient, "sha256": delivery.sha256,
            "verify_url": external_url("verify.show", delivery_id=delivery.id)}


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
        "sector": signature.sector,
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
    """A page of named signatures in the order of signing; `next` is the URL of the next page
    by cursor (`after`). `page` still works, for the first clients, but costs more the
    further it goes."""
    found = _letter(slug)
    page = _positive_int("page", 1, MAX_PAGE)
    per_page = _positive_int("per_page", current_app.config["SIGNATURES_PER_PAGE"], MAX_PER_PAGE)
    after = request.args.get("after") or None

    def answer():
        try:
            rows, cursor = signed_in_order(found, per_page, after=after, page=page)
        except BadCursor:
            abort(400, description="'after' is not a cursor from a 'next' link")
        next_url = None
        if cursor:
            extra = {"per_page": per_page} if "per_page" in request.args else {}
            next_url = external_url("api.signatures", slug=found.slug, after=cursor, **extra)
        return jsonify(items=[signature_item(s) for s in rows], next=next_url)

    return conditional(public_version(found), answer)
