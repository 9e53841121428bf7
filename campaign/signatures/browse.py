"""The public signatory lists a page at a time, by keyset (never OFFSET), and searched: each
query reads an index in its own order (migration 0010) and stops after one page, so page 500
costs what page 1 costs.

A cursor is the sort key of the last row shown, as opaque text (base64 of JSON); a cursor that
does not parse is BadCursor, which the faces answer with 400.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import load_only

from ..audit.models import AuditEvent
from ..core.collation import search_words
from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.models import Letter, SignatoryKind
from .models import Review, Signature
from .queries import (
    Counts,
    Line,
    OrganisationEntry,
    SectorCounts,
    alderperson_line,
    badges,
    counts,
    lead_line,
    lead_sort_key,
    person,
    sector_counts,
)

MAX_LEADS = 200
# Alderpersons of one municipality share a line; a page does not cut it (up to this many more:
# a real municipality has fewer alderpersons).
MAX_SAME_MUNICIPALITY = 10
MAX_QUERY_WORDS = 6
MAX_CURSOR_LENGTH = 1200

# A literal, not a parameter: SQLite (and PostgreSQL's generic plans) use a partial index only
# when the query's WHERE visibly implies the index's.
_CONFIRMED = sa.literal_column("'confirmed'")


class BadCursor(ValueError):
    """An `after` value that is not a cursor this app made."""


def encode_cursor(values: tuple) -> str:
    text = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: tuple[type, ...]) -> tuple:
    """The values in a cursor, each of the type given, or BadCursor."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise BadCursor(cursor)
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadCursor(cursor) from error
    if (not isinstance(values, list) or len(values) != len(types)
            or not all(type(v) is t for v, t in zip(values, types, strict=True))):
        raise BadCursor(cursor)
    return tuple(values)


def _named(letter: Letter) -> sa.ColumnElement[bool]:
    return sa.and_(Signature.letter_id == letter.id, Signature.state == _CONFIRMED,
                   Signature.review.in_(Review.PUBLIC), Signature.public.is_(True))


def _matching(query: str | None) -> sa.ColumnElement[bool]:
    """Every word of the query is part of a word of the name, organisation or municipality."""
    words = search_words(query)[:MAX_QUERY_WORDS]
    return sa.and_(sa.true(), *(Signature.search_key.contains(word) for word in words))


def lead_lines(letter: Letter, query: str | None = None) -> list[Line]:
    """The lead signatories, in the order staff gave them."""
    # One query per kind, in the index's order: each reads a range of
    # ix_signature_public_order (SQLite, without statistics, would otherwise take
    # ix_signature_letter_public and read every confirmed signature).
    rows = [signature for kind in letter.kinds for signature in db.session.scalars(
        sa.select(Signature).options(_SHOWN)
        .where(_named(letter), Signature.kind == kind, Signature.lead == sa.true(),
               _matching(query))
        .order_by(*_ORDER).limit(MAX_LEADS))]
    return [Line(lead_line(s, letter.language), [s]) for s in sorted(rows, key=lead_sort_key)]


# The order of the public lists, and of the index that serves them.
_ORDER = (Signature.municipality_key, Signature.organisation_key, Signature.name_key,
          Signature.id)
CURSOR_TYPES = (str, str, str, int)


def _key_of(signature: Signature) -> tuple:
    return (signature.municipality_key, signature.organisation_key, signature.name_key,
            signature.id)


@dataclass
class GroupPage:
    """One page of one kind of co-signers."""
    kind: str
    lines: list = field(default_factory=list)  # Line, or OrganisationEntry for organisations
    next_cursor: str | None = None
    first: bool = True  # no cursor was given: the start of the list
    sector: str | None = None  # only organisations of this sector


# What a line shows, and its cursor: the rest of the row is never read.
_SHOWN = load_only(Signature.kind, Signature.name, Signature.role, Signature.organisation,
                   Signature.municipality, Signature.sector, Signature.verification,
                   Signature.verified_domain, Signature.lead, Signature.lead_order,
                   Signature.municipality_key, Signature.organisation_key, Signature.name_key,
                   raiseload=True)


def _group_query(letter: Letter, kind: str, query: str | None,
                 sector: str | None = None) -> sa.Select:
    # With a sector, the range of ix_signature_sector_order that holds it, in the list's order.
    of_sector = Signature.sector == sector if sector else sa.true()
    return (sa.select(Signature).options(_SHOWN)
            .where(_named(letter), of_sector, Signature.kind == kind,
                   Signature.lead == sa.false(), _matching(query))
            .order_by(*_ORDER))


def _after(select: sa.Select, key: tuple) -> sa.Select:
    return select.where(sa.tuple_(*_ORDER) > sa.tuple_(*(sa.literal(v) for v in key)))


def _lines(kind: str, rows: list[Signature], language: str) -> list:
    if kind == SignatoryKind.ALDERPERSON:
        return [Line(alderperson_line(people, language), people)
                for people in (list(g) for _, g in groupby(rows, key=lambda s: s.municipality_key))]
    if kind == SignatoryKind.ORGANISATION:
        return [OrganisationEntry(s.organisation or "",
                                  ", ".join(p for p in (person(s), (s.role or "").strip()) if p),
                                  badges([s]), s.sector) for s in rows]
    return [Line(", ".join(p for p in (person(s), s.role or "") if p), [s]) for s in rows]


def group_page(letter: Letter, kind: str, per_page: int, after: str | None = None,
               query: str | None = None, sector: str | None = None) -> GroupPage:
    """A page of the co-signers of `kind` after the cursor `after` (BadCursor if it is not
    one), optionally only those matching `query`, and only organisations of `sector`."""
    select = _group_query(letter, kind, query, sector)
    if after:
        select = _after(select, decode_cursor(after, CURSOR_TYPES))
    rows = list(db.session.scalars(select.limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if more and kind == SignatoryKind.ALDERPERSON:
        # Finish the last municipality's line rather than cut it in two.
        last = rows[-1]
        # Equal on the municipality, then after the rest of the key: an index range, no scan.
        rest = list(db.session.scalars(
            _group_query(letter, kind, query)
            .where(Signature.municipality_key == last.municipality_key,
                   sa.tuple_(*_ORDER[1:]) > sa.tuple_(*(sa.literal(v)
                                                        for v in _key_of(last)[1:])))
            .limit(MAX_SAME_MUNICIPALITY)))
        rows += rest
        if rest:
            more = db.session.scalar(sa.select(sa.exists(
                _after(select, _key_of(rows[-1])).limit(1)))) or False
    return GroupPage(kind=kind, lines=_lines(kind, rows, letter.language),
                     next_cursor=encode_cursor(_key_of(rows[-1])) if more and rows else None,
                     first=not after, sector=sector)


@dataclass
class LetterSignatories:
    """What the letter page shows of who signed: the leads, and the first page of each kind."""
    leads: list[Line]
    groups: list[GroupPage]

    @property
    def shown(self) -> bool:
        return bool(self.leads) or any(group.lines for group in self.groups)


def letter_signatories(letter: Letter, per_group: int,
                       query: str | None = None) -> LetterSignatories:
    return LetterSignatories(
        leads=lead_lines(letter, query),
        groups=[group_page(letter, kind, per_group, query=query) for kind in letter.kinds])


# --- the API: in order of signing ----------------------------------------------------------------

API_CURSOR_TYPES = (str, int)


def signed_in_order(letter: Letter, per_page: int, after: str | None = None,
                    page: int | None = None) -> tuple[list[Signature], str | None]:
    """A page of named signatures in the order they were confirmed, and the cursor of the next
    page (None on the last). `page` (OFFSET) is kept for the API's first clients."""
    select = (sa.select(Signature).where(_named(letter))
              .order_by(Signature.confirmed_at, Signature.id))
    if after:
        moment, last_id = decode_cursor(after, API_CURSOR_TYPES)
        try:
            at = datetime.fromisoformat(moment)
        except ValueError as error:
            raise BadCursor(after) from error
        select = select.where(sa.tuple_(Signature.confirmed_at, Signature.id)
                              > sa.tuple_(sa.literal(at, sa.DateTime()), sa.literal(last_id)))
    elif page and page > 1:
        select = select.offset((page - 1) * per_page)
    rows = list(db.session.scalars(select.limit(per_page + 1)))
    if len(rows) <= per_page:
        return rows, None
    last = rows[per_page - 1]
    return rows[:per_page], encode_cursor((last.confirmed_at.isoformat(), last.id))


# --- what a cached copy is checked against -------------------------------------------------------

def public_version(letter: Letter) -> tuple:
    """A value that changes whenever what the public sees of `letter` may have: every change of
    a signature, the letter or a switch writes an audit event, so the newest event of the
    letter (and of no letter: global switches) says it, read from an index in two lookups.
    The day is in it too, for a letter whose signing closes by date."""
    newest = sa.select(sa.func.max(AuditEvent.id))
    of_letter, of_none = db.session.execute(sa.select(
        newest.where(AuditEvent.letter_id == letter.id).scalar_subquery(),
        newest.where(AuditEvent.letter_id.is_(None)).scalar_subquery())).one()
    return (letter.id, letter.status, of_letter, of_none, utcnow().date().isoformat())


MEMO_SIZE = 256


def _memoised(name: str, letter: Letter, version: tuple, compute):
    memo = current_app.extensions.setdefault(name, OrderedDict())
    key = (letter.id, version)
    found = memo.get(key)
    if found is None:
        found = memo[key] = compute(letter)
        while len(memo) > MEMO_SIZE:
            memo.popitem(last=False)
    return found


def public_counts(letter: Letter, version: tuple) -> Counts:
    """counts(letter), computed once per public_version in each app process: counting reads one
    index (about 100,000 entries at 100,000 signatures, tens of milliseconds), and a busy
    letter is read far more often than it changes. No counter row that every confirmation
    would have to lock."""
    return _memoised("campaign_public_counts", letter, version, counts)


def public_sector_counts(letter: Letter, version: tuple) -> SectorCounts:
    """sector_counts(letter), once per public_version in each app process as public_counts:
    one grouped count on ix_signature_sector_order. A letter without sectors costs nothing."""
    if not letter.sector_names:
        return SectorCounts()
    return _memoised("campaign_public_sector_counts", letter, version, sector_counts)
