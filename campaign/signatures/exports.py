"""Staff exports of every signature, e-mail addresses included, streamed row by row."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from ..core.timeutil import isoformat_utc
from ..extensions import db
from ..letters.models import Letter, LetterVersion
from .models import Signature

FIELDS = ("id", "state", "review", "verification", "verified_domain", "kind", "name", "role",
          "organisation", "municipality", "email", "website", "public", "lead", "invited",
          "version", "created_at", "confirmed_at", "withdrawn_at", "sector")
# (New columns go at the end: the order is a documented interface.)
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
    # The guard is per cell, and the writer quotes with the file's own delimiter, so no cell a
    # spreadsheet reads can start with a formula character unescaped.
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


# Column headers of the Dutch Excel dialect.
DUTCH_HEADERS = {
    "id": "id", "state": "status", "review": "beoordeling", "verification": "controle",
    "verified_domain": "gecontroleerd domein", "kind": "soort", "name": "naam",
    "role": "functie", "organisation": "organisatie", "municipality": "gemeente",
    "email": "e-mailadres", "website": "website", "public": "naam tonen",
    "lead": "eerste ondertekenaar", "invited": "uitgenodigd", "version": "versie",
    "created_at": "aangemaakt", "confirmed_at": "bevestigd", "withdrawn_at": "ingetrokken",
    "sector": "sector",
}


class CsvDialect:
    """`excel-nl`: what Dutch Excel opens by a double click (`;`, UTF-8 with a byte-order mark,
    Dutch headers, ja/nee); `rfc4180`: plain CSV (`,`, no BOM, the field names)."""
    EXCEL_NL = "excel-nl"
    RFC4180 = "rfc4180"
    ALL = (EXCEL_NL, RFC4180)


def csv_chunks(letter: Letter, dialect: str = CsvDialect.EXCEL_NL) -> Iterator[str]:
    """Every signature as CSV, in chunks of about 64 KB: memory stays flat however many."""
    dutch = dialect == CsvDialect.EXCEL_NL
    yes_no = {True: "ja", False: "nee"} if dutch else {}
    rows = ([yes_no.get(row[name], row[name]) if isinstance(row[name], bool) else row[name]
             for name in FIELDS] for row in _rows(letter))
    yield from csv_stream([DUTCH_HEADERS[name] for name in FIELDS] if dutch else FIELDS, rows,
                          delimiter=";" if dutch else ",", bom=dutch)


def csv_stream(header: Iterable[str], rows: Iterable[Iterable[object]], delimiter: str = ",",
               bom: bool = False) -> Iterator[str]:
    """Rows as CSV with the formula guard on every cell, in chunks of about 64 KB (this export
    and the public one at /letters/<slug>/signatures.csv)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
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
