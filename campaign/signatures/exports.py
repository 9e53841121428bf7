"""Staff exports of every signature, e-mail addresses included, streamed row by row."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import sqlalchemy as sa

from ..core.timeutil import isoformat_utc
from ..extensions import db
from ..letters.models import Letter, LetterVersion
from .models import Signature

FIELDS = ("id", "state", "review", "verification", "verified_domain", "kind", "name", "role",
          "organisation", "municipality", "email", "website", "public", "lead", "invited",
          "version", "created_at", "confirmed_at", "withdrawn_at")
# Spreadsheet programs run cells that start with these as formulas.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _rows(letter: Letter) -> Iterator[dict]:
    query = (sa.select(Signature, LetterVersion.number)
             .outerjoin(LetterVersion, Signature.version_id == LetterVersion.id)
             .where(Signature.letter_id == letter.id)
             .order_by(Signature.id)
             .execution_options(yield_per=500))
    for signature, version in db.session.execute(query):
        row = {name: getattr(signature, name, None) for name in FIELDS}
        row["version"] = version
        for name in ("created_at", "confirmed_at", "withdrawn_at"):
            row[name] = isoformat_utc(row[name])
        yield row


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(letter: Letter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for row in _rows(letter):
        writer.writerow({k: _cell(v) for k, v in row.items()})
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(letter: Letter) -> Iterator[str]:
    head = {"slug": letter.slug, "title": letter.title, "status": letter.status}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "signatures": ['
    for number, row in enumerate(_rows(letter)):
        yield ("" if number == 0 else ",") + "\n  " + json.dumps(row, ensure_ascii=False)
    yield "\n]}\n"
