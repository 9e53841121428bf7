"""Reading the audit log for admins: a page at a time or streamed as CSV, filtered by letter and
actor, with what each change was before and after.

Audit details never hold a signer's personal data by design; as a second line, the details of
every event about a withdrawn signature are left out of what is read here."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..core.timeutil import isoformat_utc
from ..extensions import db
from ..letters.models import Letter
from ..signatures.models import Signature, SignatureState
from .models import AuditEvent

# Spreadsheet programs run cells that start with these as formulas.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_FIELDS = ("id", "at", "actor", "actor_kind", "action", "letter", "signature_id", "before",
              "after", "detail")


@dataclass
class AuditFilter:
    letter: Letter | None = None
    actor: str | None = None

    def where(self, query: sa.Select) -> sa.Select:
        if self.letter is not None:
            query = query.where(AuditEvent.letter_id == self.letter.id)
        if self.actor:
            query = query.where(sa.func.lower(AuditEvent.actor) == self.actor.strip().lower())
        return query


@dataclass
class AuditRow:
    id: int
    at: datetime
    actor: str
    actor_kind: str
    action: str
    letter: str | None        # the letter's slug
    signature_id: int | None
    before: dict
    after: dict
    detail: dict
    erased: bool              # the signature was withdrawn: its details are not shown


def split_detail(detail: dict | None) -> tuple[dict, dict, dict]:
    """(before, after, the rest) of an event's detail: a top-level `before`/`after`, and every
    value of the form {"before": …, "after": …} under its own name."""
    before, after, rest = {}, {}, {}
    for key, value in (detail or {}).items():
        if key in ("before", "after"):
            target = before if key == "before" else after
            if isinstance(value, dict):
                target.update(value)
            else:
                target["value"] = value
        elif isinstance(value, dict) and set(value) == {"before", "after"}:
            before[key], after[key] = value["before"], value["after"]
        else:
            rest[key] = value
    return before, after, rest


def _select(selection: AuditFilter) -> sa.Select:
    query = (sa.select(AuditEvent, Letter.slug, Signature.state)
             .outerjoin(Letter, AuditEvent.letter_id == Letter.id)
             .outerjoin(Signature, AuditEvent.signature_id == Signature.id))
    return selection.where(query)


def _row(event: AuditEvent, slug: str | None, state: str | None) -> AuditRow:
    erased = state == SignatureState.WITHDRAWN and event.detail is not None
    before, after, rest = ({}, {}, {}) if erased else split_detail(event.detail)
    return AuditRow(event.id, event.at, event.actor, event.actor_kind, event.action, slug,
                    event.signature_id, before, after, rest, erased)


@dataclass
class AuditPage:
    rows: list[AuditRow]
    older: int | None  # the `before` of the next (older) page, None on the last


def audit_page(selection: AuditFilter, before: int | None = None,
               limit: int = 50) -> AuditPage:
    """Newest first, `limit` at a time, paged by id."""
    query = _select(selection).order_by(AuditEvent.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = [_row(*found) for found in db.session.execute(query)]
    older = rows[limit - 1].id if len(rows) > limit else None
    return AuditPage(rows[:limit], older)


def audit_rows(selection: AuditFilter) -> Iterator[AuditRow]:
    """Every event that fits, oldest first, read from the database in batches."""
    query = _select(selection).order_by(AuditEvent.id).execution_options(yield_per=500)
    for found in db.session.execute(query):
        yield _row(*found)


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def csv_chunks(selection: AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    for row in audit_rows(selection):
        detail = {"erased": "signature withdrawn"} if row.erased else row.detail
        writer.writerow([_cell(value) for value in (
            row.id, isoformat_utc(row.at), row.actor, row.actor_kind, row.action, row.letter,
            row.signature_id, _json(row.before), _json(row.after), _json(detail))])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def letters_in_log() -> list[Letter]:
    """The letters to filter by: every letter, drafts included, by title."""
    return list(db.session.scalars(sa.select(Letter).order_by(Letter.title, Letter.id)))
