"""/letters/<slug>/insight: signatures per day, per province how many of its municipalities
have an alderperson on the letter, and on a letter with sectors its organisations by sector, as
server-drawn SVG charts with tables saying the same."""
from __future__ import annotations

from flask import render_template

from ..core.caching import conditional
from ..core.timeutil import utcnow
from ..letters.models import SignatoryKind
from ..signatures.browse import public_sector_counts, public_version
from ..signatures.open_data import province_coverage, signatures_per_day
from ..signatures.queries import counts
from .charts import PROVINCE_BAR_WIDTH, bar_length, day_chart, sector_chart
from .routes import _public_letter, blueprint


@blueprint.get("/letters/<slug>/insight")
def insight(slug: str):
    letter = _public_letter(slug)
    changed = public_version(letter)

    def render() -> str:
        chart = day_chart(signatures_per_day(letter),
                          until=utcnow().date() if letter.is_open else None)
        provinces = (province_coverage(letter) if SignatoryKind.ALDERPERSON in letter.kinds
                     else [])
        letter_counts = counts(letter)
        sectors = public_sector_counts(letter, changed)
        per_sector = [(entry.sector, entry.count) for entry in sectors.sectors]
        return render_template("public/insight.html", letter=letter, chart=chart,
                               counts=letter_counts, provinces=provinces,
                               bar_length=bar_length, bar_width=PROVINCE_BAR_WIDTH,
                               sectors=sector_chart(per_sector) if per_sector else None,
                               without_sector=max(letter_counts.organisation - sectors.total, 0))

    return conditional(changed, render)
