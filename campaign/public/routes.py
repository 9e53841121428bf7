"""Public pages: the letter, the sign form, and the confirm, invitation and withdraw links.

Every mailed link opens a page whose button POSTs; a GET never changes anything, because mail
scanners fetch every link in a message.
"""
from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _

from ..core.caching import conditional
from ..core.clients import client_network, network_hash
from ..core.i18n import use_language
from ..directory.queries import municipality_names
from ..extensions import db, limiter
from ..followup.queries import Timeline, answer_document, timeline
from ..letters.models import Letter, LetterStatus, SignatoryKind
from ..letters.queries import find_public_letter
from ..signatures import operations
from ..signatures.browse import (
    BadCursor,
    group_page,
    letter_signatories,
    public_counts,
    public_sector_counts,
    public_version,
)
from ..signatures.models import Signature, SignatureState
from ..signatures.queries import counted_per_letter, lead_line
from ..signatures.tokens import (
    ExpiredLink,
    InvalidLink,
    Purpose,
    matches,
    read_token,
    read_token_ignoring_age,
)
from ..switches.queries import SigningLetter, letter_to_sign, signing_paused
from .forms import SignForm
from .privacy import privacy_facts

blueprint = Blueprint("public", __name__)
PAUSED_RETRY_AFTER_SECONDS = 600
MAX_QUERY_LENGTH = 100


@blueprint.app_template_filter("signer_line")
def signer_line(signature: Signature) -> str:
    return lead_line(signature, signature.letter.language)


@blueprint.app_template_global("follow_up_timeline")
def follow_up_timeline(letter: Letter) -> Timeline | None:
    """What happened after delivery (templates/public/_timeline.html); None before."""
    return timeline(letter)


def _sign_limit() -> str:
    return current_app.config["SIGN_RATE_LIMIT"]


def _sign_limit_per_address() -> str:
    return current_app.config["SIGN_RATE_LIMIT_PER_ADDRESS"]


def _sign_limit_per_letter() -> str:
    return current_app.config["SIGN_RATE_LIMIT_PER_LETTER"]


def _address_key() -> str:
    address = request.form.get("email", "")
    return "address:" + address.strip().lower()[:320] if isinstance(address, str) else ""


def _letter_key() -> str:
    return "letter:" + str((request.view_args or {}).get("slug", ""))


def _accepted(response) -> bool:
    """Only signatures taken count against the limits: a form sent back with errors does not."""
    return response.status_code == 303


def _sign_form_again(limit) -> object:
    """Over a limit: the form again with what was typed, a plain message, and status 429."""
    letter = _full_letter()
    if letter is None or not letter.accepts_signatures:
        return None
    form = SignForm(letter.kinds, sectors=letter.sector_names)
    page = render_template("public/sign.html", letter=letter, form=form, too_many=True,
                           municipality_names=municipality_names())
    return make_response(page, 429)


def _link_limit() -> str:
    return current_app.config["LINK_RATE_LIMIT"]


@blueprint.url_value_preprocessor
def _speak_the_letters_language(endpoint: str | None, values: dict | None) -> None:
    """Before anything else looks at the request (CSRF, size and rate checks, whose error pages
    come first), a letter's pages take on the letter's language."""
    slug = (values or {}).get("slug")
    letter = None
    if isinstance(slug, str) and endpoint == "public.sign" and request.method == "POST":
        letter = letter_to_sign(slug)  # the light row; _full_letter() when a page is shown
    elif isinstance(slug, str):
        letter = find_public_letter(slug)
    g.letter = letter
    if letter is not None:
        use_language(letter.language)


def _public_letter(slug: str) -> Letter | SigningLetter:
    letter = g.get("letter")
    if letter is None or letter.slug != slug:
        abort(404)
    return letter


def _full_letter() -> Letter | None:
    """The letter as pages show it, also where the sign POST read only its light row."""
    letter = g.get("letter")
    if isinstance(letter, SigningLetter):
        letter = g.letter = find_public_letter(letter.slug)
    return letter


@blueprint.get("/")
def index():
    letters = db.session.scalars(
        sa.select(Letter)
        .where(Letter.status.in_(LetterStatus.PUBLIC))
        .order_by(Letter.published_at.desc(), Letter.id.desc())).all()
    # Closed and delivered letters stay listed, in the archive, the latest to leave signing first.
    archive = sorted((letter for letter in letters if not letter.is_open),
                     key=lambda letter: letter.delivered_at or letter.closed_at
                     or letter.published_at or letter.created_at, reverse=True)
    return render_template("public/index.html",
                           letters=[letter for letter in letters if letter.is_open],
                           archive=archive,
                           counted=counted_per_letter([letter.id for letter in letters]))


@blueprint.get("/privacy")
def privacy():
    return render_template("public/privacy.html", facts=privacy_facts())


def _search_query() -> str:
    return (request.args.get("q") or "").strip()[:MAX_QUERY_LENGTH]


@blueprint.get("/letters/<slug>")
def show(slug: str):
    letter = _public_letter(slug)
    query, changed = _search_query(), public_version(letter)
    return conditional(changed, lambda: render_template(
        "public/show.html", letter=letter, version=letter.current_version,
        counts=public_counts(letter, changed), query=query,
        sectors=public_sector_counts(letter, changed),
        signatories=letter_signatories(letter, current_app.config["LETTER_PAGE_GROUP_SIZE"],
                                       query),
        signing_paused=letter.is_open and signing_paused(letter)))


@blueprint.get("/letters/<slug>/answer.pdf")
def answer_pdf(slug: str):
    """The recipient's answer as the PDF staff stored: a download, never shown in our origin."""
    document = answer_document(_public_letter(slug))
    if document is None:
        abort(404)
    response = send_file(io.BytesIO(document.content), mimetype="application/pdf",
                         as_attachment=True, download_name=document.filename,
                         etag=document.sha256, last_modified=document.uploaded_at)
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@blueprint.get("/letters/<slug>/signatories")
def signatories(slug: str):
    """One kind of co-signers a page at a time (`kind`, `after` a cursor), searched with `q`;
    organisations of one of the letter's sectors only with `sector`."""
    letter = _public_letter(slug)
    kind = request.args.get("kind", "")
    if kind not in letter.kinds:
        abort(404)
    query, after = _search_query(), request.args.get("after") or None
    sector = request.args.get("sector") or None
    changed = public_version(letter)
    sectors = public_sector_counts(letter, changed)
    if sector is not None and (kind != SignatoryKind.ORGANISATION or sector not in sectors):
        abort(404)

    def render():
        try:
            page = group_page(letter, kind, current_app.config["SIGNATORIES_PER_PAGE"], after,
                              query, sector)
        except BadCursor:
            abort(400, description=_("This link to a page of the list is not valid."))
        return render_template("public/signatories.html", letter=letter, page=page,
                               query=query, counts=public_counts(letter, changed),
                               sectors=sectors)

    return conditional(changed, render)


@blueprint.route("/letters/<slug>/sign", methods=["GET", "POST"])
@limiter.limit(_sign_limit, methods=["POST"], key_func=client_network, deduct_when=_accepted,
               on_breach=_sign_form_again)
@limiter.limit(_sign_limit_per_address, methods=["POST"], key_func=_address_key,
               deduct_when=_accepted, on_breach=_sign_form_again)
@limiter.limit(_sign_limit_per_letter, methods=["POST"], key_func=_letter_key,
               deduct_when=_accepted, on_breach=_sign_form_again)
def sign(slug: str):
    letter = _public_letter(slug)
    if not letter.accepts_signatures:
        return render_template("public/closed.html", letter=_full_letter()), 409
    if signing_paused(letter):
        return _paused(_full_letter())
    form = SignForm(letter.kinds, sectors=letter.sector_names)
    if form.validate_on_submit():
        details = operations.SignerDetails(
            kind=form.kind.data, name=form.name.data, email=form.email.data,
            role=form.role.data or "", organisation=form.organisation.data or "",
            municipality=form.municipality.data or "", website=form.website.data or "",
            public=form.public.data, notify=form.notify.data, sector=form.chosen_sector())
        address = operations.submit_signature(letter, details,
                                              client_network_hash=network_hash())
        db.session.commit()
        # Shown once on the next page, to this browser only: where to look for the mail.
        session["mailed_to"] = address
        return redirect(url_for(".check_mail", slug=slug), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("public/sign.html", letter=_full_letter(), form=form,
                           municipality_names=municipality_names()), status


@blueprint.get("/letters/<slug>/sign/sent")
def check_mail(slug: str):
    letter = _public_letter(slug)
    return render_template("public/check_mail.html", letter=letter,
                           mailed_to=session.pop("mailed_to", None))


# A link whose work is done shows the signature's state, expired or not.
DONE_STATES = {
    Purpose.CONFIRM: (SignatureState.CONFIRMED, SignatureState.WITHDRAWN),
    Purpose.INVITE: (SignatureState.CONFIRMED, SignatureState.WITHDRAWN),
    Purpose.WITHDRAW: (SignatureState.WITHDRAWN,),
}


def _signature_of(letter: Letter, target) -> Signature | None:
    signature = db.session.get(Signature, target.signature_id)
    if signature is None or signature.letter_id != letter.id:
        return None
    if signature.state != SignatureState.WITHDRAWN and not matches(signature, target):
        return None
    return signature


def _linked_signature(purpose: str, slug: str, token: str) -> Signature:
    """The signature a mailed link points at, or the page that says why there is none."""
    letter = _public_letter(slug)
    try:
        target = read_token(purpose, token)
    except ExpiredLink:
        signature = _signature_of(letter, read_token_ignoring_age(purpose, token))
        if signature is None:
            abort(404)
        if signature.state in DONE_STATES[purpose]:
            return signature
        page = render_template("public/expired.html", letter=letter, purpose=purpose, token=token)
        abort(make_response(page, 410))
    except InvalidLink:
        abort(404)
    signature = _signature_of(letter, target)
    if signature is None:
        abort(404)
    return signature


def _paused(letter: Letter):
    """Signing is paused by staff (switches): a plain page, and come back later."""
    response = make_response(render_template("public/paused.html", letter=letter), 503)
    response.headers["Retry-After"] = str(PAUSED_RETRY_AFTER_SECONDS)
    return response


def _state_page(signature: Signature, status: int = 200):
    return render_template("public/signature_state.html", letter=signature.letter,
                           signature=signature), status


def _confirm_or_show(purpose: str, template: str, slug: str, token: str):
    signature = _linked_signature(purpose, slug, token)
    letter = signature.letter
    if signature.state in (SignatureState.CONFIRMED, SignatureState.WITHDRAWN):
        return _state_page(signature)
    if not letter.accepts_signatures:
        return render_template("public/closed.html", letter=letter), 409
    if signing_paused(letter):
        return _paused(letter)
    if request.method == "POST":
        operations.confirm_signature(signature)
        db.session.commit()
        return _state_page(signature)
    if purpose == Purpose.INVITE and operations.mark_invitation_opened(signature):
        db.session.commit()
    return render_template(template, letter=letter, signature=signature,
                           version=letter.current_version)


@blueprint.route("/letters/<slug>/confirm/<token>", methods=["GET", "POST"])
def confirm(slug: str, token: str):
    return _confirm_or_show(Purpose.CONFIRM, "public/confirm.html", slug, token)


@blueprint.route("/letters/<slug>/invitation/<token>", methods=["GET", "POST"])
def invitation(slug: str, token: str):
    return _confirm_or_show(Purpose.INVITE, "public/invitation.html", slug, token)


@blueprint.route("/letters/<slug>/withdraw/<token>", methods=["GET", "POST"])
def withdraw(slug: str, token: str):
    signature = _linked_signature(Purpose.WITHDRAW, slug, token)
    if signature.state == SignatureState.WITHDRAWN:
        return _state_page(signature)
    if request.method == "POST":
        operations.withdraw_signature(signature)
        db.session.commit()
        return _state_page(signature)
    return render_template("public/withdraw.html", letter=signature.letter, signature=signature)


@blueprint.post("/letters/<slug>/<any(confirm, invite, withdraw):purpose>/<token>/renew")
@limiter.limit(_link_limit, key_func=client_network)
def renew(slug: str, purpose: str, token: str):
    """A new link in place of an expired one, mailed to the address the old one went to."""
    letter = _public_letter(slug)
    try:
        target = read_token_ignoring_age(purpose, token)
    except InvalidLink:
        abort(404)
    signature = _signature_of(letter, target)
    if signature is not None:
        operations.resend_link(purpose, signature)
        db.session.commit()
    # The same answer whatever happened, as with the sign form.
    return render_template("public/check_mail.html", letter=letter, renewed=True)
