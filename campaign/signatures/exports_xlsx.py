"""The staff export of every signature as an Excel workbook (XLSX), written with openpyxl's
write-only mode: rows go to a temporary file as they are read, so memory stays flat however many.

Every text cell is typed as text, never as a formula, and one that starts like a formula (`=`,
`+`, `-`, `@`, tab, CR) also carries Excel's quote prefix, so that editing the cell keeps it text.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import BinaryIO

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..extensions import db
from ..letters.models import Letter
from .exports import DUTCH_HEADERS, FIELDS, FORMULA_START, _rows
from .models import Signature

CHUNK_BYTES = 64 * 1024


def export_count(letter: Letter) -> int:
    """How many rows an export of `letter` has: one COUNT on the letter's index."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Signature)
                             .where(Signature.letter_id == letter.id)) or 0


def _cell(sheet, value: object) -> object:
    if not isinstance(value, str):
        return value
    # XML cannot carry most control characters; the signer's text never has them (clean_line).
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # openpyxl would take "=…" for a formula
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def write_xlsx(letter: Letter, out: BinaryIO,
               progress: Callable[[int], None] | None = None) -> int:
    """Every signature of `letter` as a workbook written to `out`; returns the rows written.
    `progress(n)` hears of every 1,000 rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="ondertekeningen")
    sheet.append([DUTCH_HEADERS[name] for name in FIELDS])
    rows = 0
    for row in _rows(letter):
        sheet.append([_cell(sheet, row[name]) for name in FIELDS])
        rows += 1
        if progress and rows % 1000 == 0:
            progress(1000)
    if progress and rows % 1000:
        progress(rows % 1000)
    book.save(out)
    return rows


def xlsx_chunks(letter: Letter) -> Iterator[bytes]:
    """The workbook in chunks for a streamed response; it is built in a temporary file first
    (a ZIP is finished only at its end)."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(letter, spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
