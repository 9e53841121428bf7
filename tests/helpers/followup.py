"""A letter as the follow-up finds it: delivered some days ago (set straight in the database, as
deliver() leaves it), and the PDFs a ministry might answer with."""
from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from campaign.core.timeutil import utcnow
from campaign.extensions import db
from campaign.letters.models import Letter


def mark_delivered(app, slug: str, days_ago: int = 0) -> None:
    """The letter at `slug` delivered `days_ago` days ago (status and delivered_at, as
    delivery.operations.deliver sets them)."""
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        letter.status = "delivered"
        letter.closed_at = letter.closed_at or utcnow() - timedelta(days=days_ago)
        letter.delivered_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


def a_pdf(text: str = "Antwoord van de minister", pages: int = 1) -> bytes:
    """A real, small PDF (pypdf writes it)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                 NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): writer._add_object(font)})})
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
