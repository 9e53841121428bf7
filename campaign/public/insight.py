"""/letters/<slug>/insight: signatures per day, and per province how many of its municipalities
have an alderperson on the letter, as server-drawn SVG charts with tables saying the same."""
from __future__ import annotations

from flask import render_template

from ..core.caching import conditional
from ..core.timeutil import utcnow
from ..letters.models import SignatoryKind
from ..signatures.browse import public_version
from ..signatures.open_data import province_coverage, signatures_per_day
from ..signatures.queries import counts
from .charts import PROVINCE_BAR_WIDTH, bar_length, day_chart
from .routes import _public_letter, blueprint


@blueprint.get("/letters/<slug>/insight")
def insight(slug: str):
    letter = _public_letter(slug)

    def render() -> str:
        chart = day_chart(signatures_per_day(letter),
                          until=utcnow().date() if letter.is_open else None)
        provinces = (province_coverage(letter) if SignatoryKind.ALDERPERSON in letter.kinds
                     else [])
        return render_template("public/insight.html", letter=letter, chart=chart,
                               counts=counts(letter), provinces=provinces,
                               bar_length=bar_length, bar_width=PROVINCE_BAR_WIDTH)

    return conditional(public_version(letter), render)
