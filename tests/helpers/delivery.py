"""Delivering a letter in tests and reading back what was delivered: the stored record, the PDF's
text and pages, the QR code on its last page, the attachment of the cover mail."""
from __future__ import annotations

import io
import subprocess
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.orm import undefer

from campaign.delivery.models import Delivery
from campaign.extensions import db
from campaign.letters.models import Letter

MINISTRY = "postbus@minocw.example.nl"

ALDERPERSONS = [
    dict(kind="alderperson", name="Jan Jansen", role="wethouder", municipality="Utrecht",
         lead=True, verification="invited"),
    dict(kind="alderperson", name="Sara Sol", role="wethouder", municipality="Súdwest-Fryslân",
         verification="domain"),
    dict(kind="alderperson", name="Bert Smit", role="wethouder", municipality="'s-Hertogenbosch",
         verification="staff"),
    dict(kind="organisation", name="Eva Bos", role="directeur",
         organisation="Stichting Kinderopvang Oost", verification="mailbox"),
]


def published_letter_with_signatures(staff, factories, slug: str = "gelijke-kansen") -> str:
    slug = staff.publish_letter(slug, moderation="none")
    factories.signatures(slug, ALDERPERSONS)
    return slug


def deliveries(app, slug: str) -> list[Delivery]:
    """The letter's deliveries with their PDFs, oldest first, detached from the session."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Delivery).options(undefer(Delivery.pdf)).join(Letter)
            .where(Letter.slug == slug).order_by(Delivery.delivered_at, Delivery.id)).all()
        for row in rows:
            row.letter  # noqa: B018 (loaded for the test to read)
            row.version  # noqa: B018
        db.session.expunge_all()
        return rows


def letter_row(app, slug: str) -> Letter:
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        db.session.expunge_all()
        return letter


def deliver(staff, slug: str, *args: str):
    return staff.run("letters", "deliver", slug, "--to", MINISTRY, *args)


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def last_page_png(pdf: bytes, tmp_path: Path, dpi: int = 150) -> Path:
    """The PDF's last page as a PNG image, drawn by poppler."""
    source = tmp_path / "delivered.pdf"
    source.write_bytes(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    prefix = tmp_path / "last-page"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(pages), "-l", str(pages),
                    "-singlefile", str(source), str(prefix)], check=True, timeout=60)
    return prefix.with_suffix(".png")


def qr_codes_on_last_page(pdf: bytes, tmp_path: Path) -> list[str]:
    with Image.open(last_page_png(pdf, tmp_path)) as image:
        return [found.text for found in zxingcpp.read_barcodes(image)
                if found.format == zxingcpp.BarcodeFormat.QRCode]


def pdf_attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    return [(part.get_filename(), part.get_content()) for part in message.iter_attachments()
            if part.get_content_type() == "application/pdf"]
