"""What the last page of a delivered PDF says about the delivery: the short verification address,
a QR code of it (segno, as inline SVG: the PDF fetcher need not serve anything for it), the day
and the addressee."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import segno
from markupsafe import Markup


@dataclass(frozen=True)
class DeliveryStamp:
    url: str
    qr_svg: Markup
    delivered_on: date
    recipient: str


def qr_svg(url: str) -> Markup:
    """A QR code of `url` as an inline <svg> that its CSS box sizes (no width or height)."""
    code = segno.make_qr(url, error="m")
    svg = code.svg_inline(omitsize=True, border=2, dark="#000", light="#fff",
                          title=None, desc=None)
    # segno writes the SVG from the code's modules alone; no text of ours is in it.
    return Markup(svg)  # noqa: S704  # nosec B704


def delivery_stamp(url: str, delivered_on: date, recipient: str) -> DeliveryStamp:
    return DeliveryStamp(url=url, qr_svg=qr_svg(url), delivered_on=delivered_on,
                         recipient=recipient)
