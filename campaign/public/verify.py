"""The verify pages: anyone holding a delivered PDF checks it against what was delivered.

`GET /verify/<id>` (the address printed on the PDF's last page) shows the letter, to whom and
when it was delivered, the signature counts as delivered and the file's SHA-256; a PDF uploaded
there, or `GET /verify?sha256=…`, says whether a file is byte for byte a delivered one. Nothing
here names who delivered it or any signer's address.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from ..core.clients import client_network
from ..core.i18n import use_language
from ..delivery.models import Delivery
from ..delivery.queries import (
    delivered_when,
    deliveries_with_sha256,
    find_delivery,
    normalise_sha256,
)
from ..extensions import limiter

blueprint = Blueprint("verify", __name__)
CHUNK = 1024 * 1024


class UploadForm(FlaskForm):
    """A PDF to compare with the delivered files (the field name `pdf` is documented)."""
    pdf = FileField(_l("The PDF file you received"),
                    validators=[FileRequired(_l("Choose a PDF file."))])


@blueprint.url_value_preprocessor
def _before_anything_reads_the_body(endpoint: str | None, values: dict | None) -> None:
    """A PDF is larger than any form; the delivery's page speaks its letter's language. Both set
    before the CSRF check reads the body (its error page comes first)."""
    if request.method == "POST":
        request.max_content_length = current_app.config["VERIFY_UPLOAD_MAX_BYTES"]
    delivery_id = (values or {}).get("delivery_id")
    g.delivery = find_delivery(delivery_id) if isinstance(delivery_id, str) else None
    if g.delivery is not None:
        use_language(g.delivery.letter.language)


def _upload_limit() -> str:
    return current_app.config["VERIFY_UPLOAD_RATE_LIMIT"]


def _delivery(delivery_id: str) -> Delivery:
    delivery = g.get("delivery")
    if delivery is None:
        abort(404)
    return delivery


def _sha256_of_upload(form: UploadForm) -> str:
    digest = hashlib.sha256()
    stream = form.pdf.data.stream
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _when(delivery: Delivery) -> str:
    return delivered_when(delivery, delivery.letter.language)


def _page(template: str, status: int = 200, **context):
    return render_template(template, when=_when, **context), status


@blueprint.get("/verify/<delivery_id>")
def show(delivery_id: str):
    delivery = _delivery(delivery_id)
    return _page("public/verify_delivery.html", delivery=delivery, form=UploadForm())


@blueprint.post("/verify/<delivery_id>")
@limiter.limit(_upload_limit, key_func=client_network)
def check_against(delivery_id: str):
    """Whether the uploaded file is this delivery's (and if not, whether it is another's)."""
    delivery = _delivery(delivery_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _page("public/verify_delivery.html", 400, delivery=delivery, form=form)
    sha256 = _sha256_of_upload(form)
    return _page("public/verify_delivery.html", delivery=delivery, form=UploadForm(formdata=None),
                 checked=sha256, matches=deliveries_with_sha256(sha256))


@blueprint.get("/verify")
def search():
    """The check by SHA-256 (`?sha256=`) and the upload form."""
    asked = request.args.get("sha256")
    if asked is None:
        return _page("public/verify.html", form=UploadForm())
    sha256 = normalise_sha256(asked)
    if sha256 is None:
        return _page("public/verify.html", 400, form=UploadForm(), asked=asked[:200],
                     problem=_("A SHA-256 is 64 characters, each 0–9 or a–f. Copy it whole "
                               "from the e-mail or the verify page."))
    return _page("public/verify.html", form=UploadForm(), asked=sha256, checked=sha256,
                 matches=deliveries_with_sha256(sha256))


@blueprint.post("/verify")
@limiter.limit(_upload_limit, key_func=client_network)
def check_upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _page("public/verify.html", 400, form=form)
    sha256 = _sha256_of_upload(form)
    return _page("public/verify.html", form=UploadForm(formdata=None), checked=sha256,
                 matches=deliveries_with_sha256(sha256))
