"""/letters/<slug>/feed.atom: what happened to a letter, for feed readers and the press:
published, each new version of its text, closed, delivered, and per day how many signed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from feedgen.feed import FeedGenerator
from flask import Response, current_app
from flask_babel import gettext as _

from ..core.caching import conditional
from ..core.links import external_url
from ..core.templating import count_of, long_date
from ..letters.models import Letter
from ..signatures.browse import public_version
from ..signatures.open_data import signatures_per_day
from .routes import _public_letter, blueprint

# The daily count entries cover the last weeks; older days are in the insight page.
DAYS_IN_FEED = 30


@dataclass(frozen=True)
class Update:
    key: str       # unique within the letter: the entry's id ends in it
    at: datetime   # UTC
    title: str
    summary: str


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _day_end(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def letter_updates(letter: Letter) -> list[Update]:
    """The letter's updates, newest first."""
    language = letter.language
    updates = []
    if letter.published_at:
        updates.append(Update("published", _utc(letter.published_at),
                              _("Published: %(title)s", title=letter.title),
                              _("The letter is open for signing.")))
    for version in letter.versions[1:]:
        updates.append(Update(f"version-{version.number}", _utc(version.created_at),
                              _("New version %(number)d of the text", number=version.number),
                              _("Signatures given before stay with the text they signed.")))
    if letter.closed_at:
        updates.append(Update("closed", _utc(letter.closed_at), _("Closed for signing"),
                              _("The letter takes no more signatures.")))
    if letter.delivered_at:
        updates.append(Update("delivered", _utc(letter.delivered_at), _("Delivered"),
                              _("The signed letter has been delivered to its addressee.")))
    per_day = signatures_per_day(letter)
    cutoff = per_day[-1][0] - timedelta(days=DAYS_IN_FEED - 1) if per_day else None
    running = 0
    for day, added in per_day:
        running += added
        if day >= cutoff:
            updates.append(Update(
                f"day-{day.isoformat()}", _day_end(day),
                count_of("%(num)s new signature on %(day)s", "%(num)s new signatures on %(day)s",
                         added, day=long_date(day, language)),
                count_of("%(num)s signature in all.", "%(num)s signatures in all.", running)))
    return sorted(updates, key=lambda update: (update.at, update.key), reverse=True)


@blueprint.get("/letters/<slug>/feed.atom")
def feed(slug: str):
    letter = _public_letter(slug)

    def render() -> Response:
        page = external_url("public.show", slug=letter.slug)
        updates = letter_updates(letter)
        generator = FeedGenerator()
        generator.id(page)
        generator.title(letter.title)
        generator.language(letter.language)
        generator.link(href=page, rel="alternate", type="text/html")
        generator.link(href=external_url("public.feed", slug=letter.slug), rel="self",
                       type="application/atom+xml")
        generator.author(name=letter.initiator or current_app.config["ORGANISATION_NAME"])
        generator.updated(updates[0].at if updates else _utc(letter.created_at))
        for update in reversed(updates):  # feedgen puts each new entry first
            entry = generator.add_entry()
            entry.id(f"{page}#{update.key}")
            entry.title(update.title)
            entry.summary(update.summary)
            entry.link(href=page, rel="alternate")
            entry.updated(update.at)
            entry.published(update.at)
        return Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")

    return conditional(public_version(letter), render)
