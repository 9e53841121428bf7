"""/letters/<slug>/badge.svg: the letter's count as a small image other sites embed."""
from __future__ import annotations

from flask import Response, render_template
from flask_babel import ngettext

from ..core.caching import conditional
from ..core.templating import number
from ..signatures.browse import public_version
from ..signatures.queries import counts
from .routes import _public_letter, blueprint

# Roughly the advance of one character of an 11 px sans-serif font, for the badge's width.
CHARACTER_WIDTH = 6.6
PADDING = 8


def _width(text: str) -> int:
    return round(len(text) * CHARACTER_WIDTH + 2 * PADDING)


@blueprint.get("/letters/<slug>/badge.svg")
def badge(slug: str):
    letter = _public_letter(slug)

    def render() -> Response:
        total = counts(letter).total
        label = ngettext("signature", "signatures", total)
        written = number(total)  # the letter's page speaks its language: 10.000
        left, right = _width(label), _width(written)
        svg = render_template("public/badge.svg", label=label, number=written, left=left,
                              right=right, title=letter.title)
        return Response(svg, mimetype="image/svg+xml")

    return conditional(public_version(letter), render)
