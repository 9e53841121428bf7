"""The logo and signature image staff upload for a letter's PDF: checked by their content (PNG or
SVG only, size-limited, an SVG with scripts or references to anything outside itself refused),
stored in the database, replaced or removed.

Refused, not cleaned: an SVG that needs sanitising is one staff should look at, and a refusal
that says why is easier to trust than a silently altered image.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element  # nosec B405  # only the type; parsing is defusedxml's

import sqlalchemy as sa
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from .. import audit
from ..core.errors import NotAllowed
from ..extensions import db
from .models import ImagePurpose, Letter, LetterImage, LetterStatus

MAX_BYTES = 512 * 1024
MAX_SIDE = 6000  # pixels: a larger PNG is a photograph or a decompression bomb, not a logo
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
# Attributes that may point outside the image, and CSS that may.
LINK_ATTRIBUTES = ("href", "src")
EXTERNAL_CSS = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import", re.IGNORECASE)
REFUSED_ELEMENTS = ("script", "foreignObject", "iframe", "object", "embed", "audio", "video")


class ImageRefused(ValueError):
    """Why an upload is not taken, as a sentence for staff (lazy, translated when shown)."""


class ImageTooLarge(ImageRefused):
    """Over MAX_BYTES (a 413 on the web)."""


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    data: bytes


def check_image(data: bytes) -> CheckedImage:
    """PNG or SVG by content (the file name and the browser's type are not trusted)."""
    if not data:
        raise ImageRefused(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImageTooLarge(_l("The file is larger than %(size)d kB; nothing was stored.",
                               size=MAX_BYTES // 1024))
    if data.startswith(PNG_SIGNATURE):
        return CheckedImage("image/png", _checked_png(data))
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype")):
        return CheckedImage("image/svg+xml", _checked_svg(data))
    raise ImageRefused(_l("Only PNG and SVG images are taken; this file is neither."))


def _checked_png(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ImageRefused(_l("The file is not a PNG image."))
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise ImageRefused(_l("The image is larger than %(side)d pixels on a side.",
                                      side=MAX_SIDE))
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as error:
        if isinstance(error, ImageRefused):
            raise
        raise ImageRefused(_l("The PNG file is damaged and cannot be read.")) from None
    return data


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _checked_svg(data: bytes) -> bytes:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise ImageRefused(_l("The SVG file is not well-formed XML, or it declares a DTD or "
                              "entities.")) from None
    if b"<?xml-stylesheet" in data.lower():
        raise ImageRefused(_l("The SVG's styles refer to other files; an image for the PDF "
                              "must hold everything it shows."))
    if root.tag != SVG_NAMESPACE + "svg":
        raise ImageRefused(_l("The file is not an SVG image (its root element is not "
                              "<svg> in the SVG namespace)."))
    for element in root.iter():
        _refuse_active_content(element)
    return data


def _refuse_active_content(element: Element) -> None:
    name = _local(element.tag)
    if name in REFUSED_ELEMENTS:
        raise ImageRefused(_l("The SVG holds a <%(element)s> element; scripts and embedded "
                              "content are not taken.", element=name))
    if name == "style" and EXTERNAL_CSS.search(element.text or ""):
        raise ImageRefused(_l("The SVG's styles refer to other files; an image for the PDF "
                              "must hold everything it shows."))
    for attribute, value in element.attrib.items():
        local = _local(attribute).lower()
        if local.startswith("on"):
            raise ImageRefused(_l("The SVG has an event handler (%(attribute)s); scripts are "
                                  "not taken.", attribute=local))
        if local in LINK_ATTRIBUTES and not value.strip().startswith("#"):
            raise ImageRefused(_l("The SVG refers to something outside itself (%(value)s); an "
                                  "image for the PDF must hold everything it shows.",
                                  value=value.strip()[:80]))
        if EXTERNAL_CSS.search(value):
            raise ImageRefused(_l("The SVG's styles refer to other files; an image for the PDF "
                                  "must hold everything it shows."))


def images_of(letter: Letter) -> dict[str, LetterImage]:
    """The letter's stored images by purpose."""
    return {image.purpose: image for image in db.session.scalars(
        sa.select(LetterImage).where(LetterImage.letter_id == letter.id))}


def _require_editable(letter: Letter) -> None:
    if letter.status == LetterStatus.DELIVERED:
        raise NotAllowed(f"letter {letter.slug} has been delivered; its PDF stays as it was")


def store_image(letter: Letter, purpose: str, data: bytes, actor) -> LetterImage:
    """Check `data` (ImageRefused says why not) and keep it as the letter's `purpose` image,
    replacing the one before."""
    if purpose not in ImagePurpose.ALL:
        raise ValueError(f"unknown image purpose {purpose!r}")
    _require_editable(letter)
    checked = check_image(data)
    image = images_of(letter).get(purpose)
    if image is None:
        image = LetterImage(letter_id=letter.id, purpose=purpose)
        db.session.add(image)
    image.content_type, image.data = checked.content_type, checked.data
    image.sha256 = hashlib.sha256(checked.data).hexdigest()
    db.session.flush()
    audit.record(actor, "letter.image_stored", letter=letter, purpose=purpose,
                 content_type=image.content_type, sha256=image.sha256, size=len(checked.data))
    return image


def remove_image(letter: Letter, purpose: str, actor) -> bool:
    _require_editable(letter)
    image = images_of(letter).get(purpose)
    if image is None:
        return False
    db.session.delete(image)
    db.session.flush()
    audit.record(actor, "letter.image_removed", letter=letter, purpose=purpose)
    return True
