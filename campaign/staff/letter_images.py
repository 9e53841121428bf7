"""A letter's logo and signature image, uploaded by editors on a page beside the letter form
(that form takes text only): upload, look at, remove. The checks (PNG or SVG by content, size,
no scripts) are letters.images'."""
from __future__ import annotations

from flask import Response, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from ..accounts.models import Role
from ..audit import Actor
from ..core.errors import NotAllowed
from ..extensions import db
from ..letters import images
from ..letters.models import ImagePurpose, Letter, LetterStatus
from .access import allow, letter_or_404
from .blueprint import blueprint

PURPOSE_LABELS = {ImagePurpose.LOGO: _l("Logo (in the letterhead)"),
                  ImagePurpose.SIGNATURE_IMAGE: _l("Signature image (above the lead's name)")}


class ImageForm(FlaskForm):
    image = FileField(_l("PNG or SVG image, at most %(size)d kB",
                         size=images.MAX_BYTES // 1024),
                      validators=[FileRequired(_l("Choose an image file."))])


class RemoveImageForm(FlaskForm):
    """A button: the CSRF token and nothing else."""


def image_forms(letter: Letter, failed: str | None = None,
                form: ImageForm | None = None) -> list[dict]:
    """What the edit page shows per image: its label, the stored image, and its forms."""
    stored = images.images_of(letter)
    return [dict(purpose=purpose, label=label, stored=stored.get(purpose),
                 form=form if purpose == failed and form else ImageForm(prefix=purpose),
                 remove=RemoveImageForm(prefix=f"remove-{purpose}"))
            for purpose, label in PURPOSE_LABELS.items()]


def _editable(slug: str) -> Letter:
    letter = letter_or_404(slug)
    if letter.status == LetterStatus.DELIVERED:
        raise NotAllowed(f"letter {slug} has been delivered")
    return letter


@blueprint.post("/letters/<slug>/images/<any(logo, signature_image):purpose>")
@allow(Role.EDITOR)
def upload_image(slug: str, purpose: str):
    letter = _editable(slug)
    form = ImageForm(prefix=purpose)
    status = 400
    if form.validate_on_submit():
        try:
            images.store_image(letter, purpose, form.image.data.read(), Actor.staff(current_user))
        except images.ImageRefused as refusal:
            db.session.rollback()
            form.image.errors = [refusal.args[0]]
            status = 413 if isinstance(refusal, images.ImageTooLarge) else 400
        else:
            db.session.commit()
            return redirect(url_for(".letter_images", slug=slug), code=303)
    return _images_page(letter, status, failed=purpose, form=form)


@blueprint.post("/letters/<slug>/images/<any(logo, signature_image):purpose>/remove")
@allow(Role.EDITOR)
def remove_image(slug: str, purpose: str):
    letter = _editable(slug)
    if not RemoveImageForm(prefix=f"remove-{purpose}").validate_on_submit():
        abort(400)
    images.remove_image(letter, purpose, Actor.staff(current_user))
    db.session.commit()
    return redirect(url_for(".letter_images", slug=slug), code=303)


@blueprint.get("/letters/<slug>/images/<any(logo, signature_image):purpose>")
@allow(Role.EDITOR)
def show_image(slug: str, purpose: str):
    """The stored file, for the edit page's preview; never run as a document."""
    image = images.images_of(letter_or_404(slug)).get(purpose)
    if image is None:
        abort(404)
    return Response(image.data, mimetype=image.content_type, headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"})


def _images_page(letter: Letter, status: int = 200, failed: str | None = None,
                 form: ImageForm | None = None):
    return render_template("staff/letters/images.html", letter=letter,
                           image_forms=image_forms(letter, failed, form)), status


@blueprint.get("/letters/<slug>/images")
@allow(Role.EDITOR)
def letter_images(slug: str):
    return _images_page(_editable(slug))
