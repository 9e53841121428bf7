"""The PDF prints a letter's details where a Dutch official letter has them: a reference block
beside the addressee (Ons kenmerk, contact person, phone, e-mail, attachments), date and subject
above the salutation, the attachments after the closing, the staff's logo in the letterhead and
their signature image above the lead's name. Long or right-to-left values stay on the page; an
upload that is no PNG or SVG, too large, or an SVG with scripts is refused with a message."""
from __future__ import annotations

import io
import re
import shutil
import subprocess  # nosec B404
from html import unescape

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from campaign.delivery.rendering import (
    RefusedURL,
    StaticFilesOnly,
    letter_fetcher,
    render_letter_pdf,
)
from campaign.extensions import db
from campaign.letters import images
from campaign.letters.models import Letter
from helpers.factories import letter_file
from helpers.staff_browser import StaffBrowser

SLUG = "gelijke-kansen"
DETAILS = """\
subject: Gelijke kansen voor ieder kind
reference: 2021-OCW-0042
contact:
  name: Marieke de Groot
  phone: +31 30 286 00 00
  email: m.degroot@utrecht.nl
attachments:
  - Onderzoeksrapport gelijke kansen (2020)
  - Lijst van deelnemende gemeenten
"""
LEAD = dict(kind="alderperson", name="Jan Jansen", role="wethouder", municipality="Utrecht",
            lead=True, email="jan@utrecht.nl")
SVG_LOGO = (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
            b'<rect width="40" height="40" fill="#b00"/></svg>')


def png(width: int = 300, height: int = 90, colour=(20, 20, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def publish(staff, details: str = DETAILS) -> None:
    text = letter_file(SLUG, moderation="none").replace(
        "moderation: none", "moderation: none\n" + details.rstrip())
    result = staff.run("letters", "import", staff.write("brief.md", text), "--publish")
    assert result.exit_code == 0, result.output


def render(app) -> tuple[PdfReader, bytes]:
    with app.app_context():
        data = render_letter_pdf(db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG)))
    return PdfReader(io.BytesIO(data)), data


def text_of(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def in_order(text: str, *parts: str) -> bool:
    positions = [text.index(part) for part in parts]
    return positions == sorted(positions)


def store(app, purpose: str, data: bytes) -> None:
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        images.store_image(letter, purpose, data, "test")
        db.session.commit()


def test_the_reference_block_date_subject_and_attachments_stand_where_a_reader_expects(
        app, staff, factories):
    publish(staff)
    factories.signatures(SLUG, [LEAD])
    reader, _ = render(app)
    [page] = [" ".join(p.extract_text().split()) for p in reader.pages]

    assert in_order(page, "Ons kenmerk 2021-OCW-0042", "Contactpersoon Marieke de Groot",
                    "Telefoon +31 30 286 00 00", "E-mail m.degroot@utrecht.nl", "Bijlage(n) 2")
    assert in_order(page, "Aan de minister van Onderwijs",
                    "Datum Utrecht, 29 januari 2021", "Onderwerp Gelijke kansen voor ieder kind",
                    "Geachte minister,", "Hoogachtend,", "Jan Jansen, wethouder gemeente Utrecht",
                    "Bijlage(n): Onderzoeksrapport gelijke kansen (2020) "
                    "Lijst van deelnemende gemeenten")
    # The subject replaces the title: the title is not repeated in the letter.
    assert "Open brief over gelijke kansen" not in page
    # The contact is the campaign's, printed on purpose; no signer's address is.
    assert "jan@utrecht.nl" not in page


def test_without_a_subject_the_title_is_the_subject_and_no_empty_block_is_printed(
        app, staff):
    publish(staff, details="")
    reader, _ = render(app)
    text = text_of(reader)
    assert "Onderwerp Open brief over gelijke kansen" in text
    for label in ("Ons kenmerk", "Contactpersoon", "Telefoon", "Bijlage(n)"):
        assert label not in text


def test_the_logo_and_signature_image_are_embedded(app, staff, factories):
    publish(staff)
    factories.signatures(SLUG, [LEAD])
    store(app, "logo", png(300, 90, (200, 0, 0)))
    store(app, "signature_image", png(400, 120))
    reader, _ = render(app)
    embedded = reader.pages[0].images
    assert len(embedded) == 2
    sizes = sorted(image.image.size for image in embedded)
    assert sizes == [(300, 90), (400, 120)]

    # An SVG logo is drawn as vectors, fetched through the letter's fetcher like the rest.
    store(app, "logo", SVG_LOGO)
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        fetcher = RecordingFetcher(letter_fetcher(letter))
        reader = PdfReader(io.BytesIO(render_letter_pdf(letter, url_fetcher=fetcher)))
    assert len(reader.pages[0].images) == 1  # the PNG signature; the logo is vector
    assert any(url.startswith("letter-image:logo/") for url in fetcher.asked)
    assert any(url.startswith("letter-image:signature_image/") for url in fetcher.asked)


class RecordingFetcher(StaticFilesOnly):
    def __init__(self, inner: StaticFilesOnly) -> None:
        super().__init__(images=inner.images)
        self.asked: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


def test_the_fetcher_serves_exactly_the_letters_stored_images(app, staff):
    publish(staff)
    store(app, "logo", SVG_LOGO)
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        fetcher = letter_fetcher(letter)
        [url] = fetcher.images
        assert fetcher.fetch(url).read() == SVG_LOGO
    for other in (url.replace("logo", "signature_image"), url[:-1] + "0",
                  "letter-image:logo/../../etc/passwd"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(other)
    with pytest.raises(RefusedURL):
        StaticFilesOnly().fetch(url)  # a fetcher given no images serves none


def words_beyond_the_margins(pdf: bytes, tmp_path) -> list[str]:
    """Words whose box reaches past the page's side margins (from pdftotext -bbox)."""
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    html = subprocess.run([shutil.which("pdftotext"), "-bbox", str(path), "-"],  # nosec B603
                          check=True, capture_output=True, text=True).stdout
    outside = []
    for page in re.finditer(r'<page width="([\d.]+)".*?</page>', html, re.S):
        width = float(page.group(1))
        for x_min, x_max, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>',
                page.group(0)):
            if float(x_min) < 25 * 72 / 25.4 - 2 or float(x_max) > width - 25 * 72 / 25.4 + 2:
                outside.append(unescape(word))
    return outside


def test_long_unbroken_and_right_to_left_values_stay_on_the_page(app, staff, factories,
                                                                 tmp_path):
    long_word = "Onafgebroken" * 12
    publish(staff, details=f"""\
subject: {"Een lang onderwerp dat over meer regels loopt " * 2}{long_word}
reference: KENMERK-{"X" * 150}
contact:
  name: عبد الرحمن الفلاني-van der Heijden
  phone: +31 (0)30 286 00 00 / 06-12345678
  email: onafgebrokenlangeadresnaamvoordecontactpersoon@gelijkekansenvooriederkind.example.nl
attachments:
  - "{long_word}"
  - {"Een rapport met een lange titel over gelijke kansen " * 3}
""")
    factories.signatures(SLUG, [LEAD])
    store(app, "logo", png(2000, 200))  # wide: scaled into the letterhead
    store(app, "signature_image", png(200, 600))  # tall: scaled into its space
    reader, data = render(app)
    text = text_of(reader).replace(" ", "")
    assert "KENMERK-" + "X" * 20 in text
    assert long_word[:60] in text
    assert "عبد" in text_of(reader) or "دبع" in text_of(reader)
    assert words_beyond_the_margins(data, tmp_path) == []
    # Every entry of the reference block kept its label with its value (no split entry).
    assert "Contactpersoon" in text and "Telefoon+31(0)302860000" in text


def editor(app, factories) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    browser.client.get("/?lang=en")
    assert browser.log_in(factories.staff_user("editor")).status_code == 303
    return browser


def upload(browser: StaffBrowser, purpose: str, data: bytes, name: str):
    # The multipart body built by hand: the test client would spool a large one to a file it
    # never closes.
    boundary = "image-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{purpose}-csrf_token\""
            f"\r\n\r\n{browser.token}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"{purpose}-image\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    return browser.client.post(f"/staff/letters/{SLUG}/images/{purpose}", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")


SCRIPTED_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
                b'<rect width="10" height="10"/></svg>')
REMOTE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" '
              b'xmlns:xlink="http://www.w3.org/1999/xlink">'
              b'<image xlink:href="http://127.0.0.1:9/x.png" width="10" height="10"/></svg>')
HANDLER_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
STYLED_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://x/y.css);'
              b'</style></svg>')
ENTITY_SVG = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
              b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>')


@pytest.mark.parametrize("data, name, status, message", [
    (b"GIF89a" + b"\x00" * 40, "logo.png", 400, "Only PNG and SVG images are taken"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "logo.svg", 400, "Only PNG and SVG images are taken"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "logo.png", 400, "The PNG file is damaged"),
    (SCRIPTED_SVG, "logo.svg", 400, "The SVG holds a <script> element"),
    (REMOTE_SVG, "logo.svg", 400, "The SVG refers to something outside itself"),
    (HANDLER_SVG, "logo.svg", 400, "The SVG has an event handler (onload)"),
    (STYLED_SVG, "logo.svg", 400, "The SVG's styles refer to other files"),
    (ENTITY_SVG, "logo.svg", 400, "declares a DTD or entities"),
    (b'<?xml-stylesheet href="http://127.0.0.1:9/x.css"?>' + SVG_LOGO, "logo.svg", 400,
     "The SVG's styles refer to other files"),
    (b"<html><body>x</body></html>", "logo.svg", 400, "Only PNG and SVG images are taken"),
    (b'<?xml version="1.0"?><html/>', "logo.svg", 400, "not an SVG image"),
    (png() + b"\x00" * (images.MAX_BYTES), "logo.png", 413, "larger than 512 kB"),
])
def test_a_bad_upload_is_refused_with_a_message_and_nothing_is_stored(
        app, staff, factories, data, name, status, message):
    publish(staff)
    browser = editor(app, factories)
    response = upload(browser, "logo", data, name)
    assert response.status_code == status
    block = re.search(r'<div class="field has-error" id="field-logo-image">(.*?)</div>',
                      response.text, re.S)
    assert block and message in unescape(block.group(1))
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        assert images.images_of(letter) == {}


def test_editor_uploads_replaces_and_removes_the_images(app, staff, factories):
    publish(staff)
    browser = editor(app, factories)
    page = browser.get(f"/staff/letters/{SLUG}/images")
    assert page.status_code == 200 and 'name="logo-image"' in page.text
    assert 'href="/staff/letters/gelijke-kansen/images"' in browser.get(
        f"/staff/letters/{SLUG}/edit").text

    assert upload(browser, "logo", SVG_LOGO, "logo.svg").status_code == 303
    assert upload(browser, "signature_image", png(), "handtekening.png").status_code == 303
    shown = browser.get(f"/staff/letters/{SLUG}/images/logo")
    assert shown.data == SVG_LOGO and shown.mimetype == "image/svg+xml"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    # The public cannot fetch it: the images are staff pages.
    assert app.test_client().get(f"/staff/letters/{SLUG}/images/logo").status_code in (302, 303)

    assert upload(browser, "logo", png(), "logo.png").status_code == 303  # replaced
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        assert {p: i.content_type for p, i in images.images_of(letter).items()} == {
            "logo": "image/png", "signature_image": "image/png"}

    removed = browser.client.post(f"/staff/letters/{SLUG}/images/logo/remove",
                                  data={"remove-logo-csrf_token": browser.token})
    assert removed.status_code == 303
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        assert set(images.images_of(letter)) == {"signature_image"}
    assert browser.get(f"/staff/letters/{SLUG}/images/logo").status_code == 404
