"""Reads for the open data and the insight page: signatures per day, alderpersons' coverage of
each province, and the public fields of the named signatures as CSV rows. Every count is
aggregated by the database (GROUP BY); no query loads signatures to count them in Python, and
the CSV streams."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ..core.timeutil import isoformat_utc
from ..directory.models import DirectoryEntry, EntryKind
from ..extensions import db
from ..letters.models import Letter, SignatoryKind
from .exports import csv_stream
from .models import Signature

# The public fields, as the JSON API names them (README: "JSON API"). Never the e-mail address.
# New fields go at the end: the CSV's column order is a documented interface.
PUBLIC_FIELDS = ("name", "kind", "role", "municipality", "organisation", "lead", "verification",
                 "verified_domain", "signed_at", "sector")


def _as_date(value: object) -> date:
    """SQLite's date() answers 'YYYY-MM-DD', PostgreSQL's a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def signatures_per_day(letter: Letter) -> list[tuple[date, int]]:
    """Counted signatures per day of confirmation (UTC), oldest first; days without any left
    out (the chart fills them in)."""
    day = sa.func.date(Signature.confirmed_at)
    rows = db.session.execute(
        sa.select(day, sa.func.count())
        .where(Signature.letter_id == letter.id, Signature.counted(),
               Signature.confirmed_at.is_not(None))
        .group_by(day).order_by(day)).all()
    return [(_as_date(when), number) for when, number in rows]


@dataclass(frozen=True)
class ProvinceCoverage:
    code: str
    name: str
    municipalities: int  # current municipalities in the province
    signed: int          # ... of which at least one alderperson has signed (and counts)

    @property
    def share(self) -> float:
        return self.signed / self.municipalities if self.municipalities else 0.0


def province_coverage(letter: Letter) -> list[ProvinceCoverage]:
    """Per province: its municipalities, and how many of them have an alderperson on the
    letter. Three small grouped queries, whatever the number of signatures."""
    municipality = sa.orm.aliased(DirectoryEntry)
    active = sa.and_(DirectoryEntry.kind == EntryKind.MUNICIPALITY,
                     DirectoryEntry.active.is_(True))
    totals = dict(db.session.execute(
        sa.select(DirectoryEntry.province_code, sa.func.count())
        .where(active).group_by(DirectoryEntry.province_code)).all())
    signed = dict(db.session.execute(
        sa.select(municipality.province_code,
                  sa.func.count(sa.distinct(Signature.directory_entry_id)))
        .join(municipality, municipality.id == Signature.directory_entry_id)
        .where(Signature.letter_id == letter.id, Signature.counted(),
               Signature.kind == SignatoryKind.ALDERPERSON,
               municipality.kind == EntryKind.MUNICIPALITY, municipality.active.is_(True))
        .group_by(municipality.province_code)).all())
    provinces = db.session.execute(
        sa.select(DirectoryEntry.code, DirectoryEntry.name)
        .where(DirectoryEntry.kind == EntryKind.PROVINCE)
        .order_by(DirectoryEntry.name)).all()
    return [ProvinceCoverage(code, name, totals.get(code, 0), signed.get(code, 0))
            for code, name in provinces if totals.get(code)]


def _public_rows(letter: Letter) -> Iterator[list[object]]:
    columns = [Signature.confirmed_at if name == "signed_at" else getattr(Signature, name)
               for name in PUBLIC_FIELDS]
    at = PUBLIC_FIELDS.index("signed_at")
    query = (sa.select(*columns)
             .where(Signature.letter_id == letter.id, Signature.named())
             .order_by(Signature.confirmed_at, Signature.id)
             .execution_options(yield_per=1000))
    for row in db.session.execute(query):
        # true/false as in the JSON API, not Python's True/False.
        values = [str(value).lower() if isinstance(value, bool) else value for value in row]
        values[at] = isoformat_utc(row[at])
        yield values


def public_csv_chunks(letter: Letter) -> Iterator[str]:
    """The public fields of every signature shown by name (the signer said yes), as plain CSV
    (RFC 4180, UTF-8, the API's field names), in the API's order, streamed."""
    return csv_stream(PUBLIC_FIELDS, _public_rows(letter))
