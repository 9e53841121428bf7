"""Render and deliver: staff export the signed letter as a PDF a ministry can accept, and nothing in
a letter's text can make the PDF fetch or embed a file."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from campaign.delivery.rendering import STATIC_ROOT, RefusedURL, StaticFilesOnly, render_letter_pdf
from campaign.extensions import db
from campaign.letters.models import Letter
from helpers.factories import letter_file
from helpers.pages import BASE_URL

LEAD = dict(kind="alderperson", name="Jan Jansen", role="wethouder", municipality="Utrecht",
            lead=True)
# Given out of order on purpose: the PDF must list them the way a Dutch reader files them.
ALDERPERSONS = [
    ("Tom Tak", "Tilburg"), ("Sara Sol", "Súdwest-Fryslân"), ("Bert Smit", "'s-Hertogenbosch"),
    ("Lies Lam", "Leiden"), ("Anna de Boer", "'s-Hertogenbosch"), ("Gert Gans", "Groningen"),
    ("Siem Sip", "Sittard-Geleen"),
]
# Enough further municipalities to need a second page.
MORE_MUNICIPALITIES = [
    "Almere", "Amersfoort", "Amsterdam", "Apeldoorn", "Arnhem", "Assen", "Breda", "Delft",
    "Den Haag", "Deventer", "Dordrecht", "Ede", "Eindhoven", "Emmen", "Enschede", "Gouda",
    "Haarlem", "Heerlen", "Helmond", "Hengelo", "Hilversum", "Hoorn", "Leeuwarden", "Lelystad",
    "Maastricht", "Nijmegen", "Oss", "Roermond", "Rotterdam", "Schiedam", "Venlo", "Zwolle",
]
ORGANISATIONS = [("Eva Bos", "directeur", "Stichting Kinderopvang Oost"),
                 ("Olaf Vos", "voorzitter", "Bibliotheek Leiden")]
INDIVIDUAL = dict(kind="individual", name="Ida Burger", role="leraar")
NOT_SHOWN = [
    dict(kind="alderperson", name="Willem Ingetrokken", municipality="Delft", state="withdrawn"),
    dict(kind="alderperson", name="Piet Wachtend", municipality="Delft", state="pending"),
    dict(kind="alderperson", name="Nina Anoniem", municipality="Delft", public=False),
    dict(kind="organisation", name="Rita Review", organisation="Stichting Wacht",
         review="waiting"),
]


def _letter(slug: str) -> Letter:
    return db.session.scalar(sa.select(Letter).where(Letter.slug == slug))


def import_letter(staff, slug: str, *, body: str | None = None, language: str = "nl",
                  publish: bool = True) -> str:
    text = letter_file(slug, moderation="none", language=language, body=body)
    args = ["letters", "import", staff.write(f"{slug}.md", text)]
    result = staff.run(*args, "--publish") if publish else staff.run(*args)
    assert result.exit_code == 0, result.output
    return slug


def export_pdf(staff, slug: str) -> PdfReader:
    path = staff.tmp_path / f"{slug}.pdf"
    result = staff.run("letters", "export", slug, "--format", "pdf", "--output", str(path))
    assert result.exit_code == 0, result.output
    return PdfReader(path)


def page_texts(reader: PdfReader) -> list[str]:
    # Lines wrap differently as fonts and columns change; compare with single spaces.
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def in_order(text: str, *parts: str) -> bool:
    positions = [text.index(part) for part in parts]
    return positions == sorted(positions)


def test_staff_export_the_signed_letter_as_pdf(app, staff, factories):
    slug = staff.publish_letter()
    with app.app_context():  # edited after publishing: the PDF keeps the signed text
        _letter(slug).body = "Een tekst die nog niet gepubliceerd is."
        db.session.commit()
    factories.signatures(slug, [
        LEAD,
        *[dict(kind="alderperson", name=name, role="wethouder", municipality=place)
          for name, place in ALDERPERSONS],
        *[dict(kind="alderperson", name=f"Wethouder {place}", role="wethouder",
               municipality=place) for place in MORE_MUNICIPALITIES],
        *[dict(kind="organisation", name=name, role=role, organisation=organisation)
          for name, role, organisation in ORGANISATIONS],
        INDIVIDUAL,
        *NOT_SHOWN,
    ])

    reader = export_pdf(staff, slug)
    pages = page_texts(reader)
    text = " ".join(pages)

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Gemeente Utrecht" in page and "www.utrecht.nl" in page
        assert "Postbus 16200, 3500 CE Utrecht" in page and "KvK 30280353" in page
        assert f"Pagina {number} van {len(pages)}" in page
        assert f"Controleer de ondertekenaars op {BASE_URL}/letters/{slug}" in page

    assert in_order(text, "Aan de minister van Onderwijs, Cultuur en Wetenschap Postbus 16375",
                    "Utrecht, 29 januari 2021", "Geachte minister,",
                    "Wij vragen u om gelijke kansen voor ieder kind.", "Wat wij vragen",
                    "Structurele middelen.", "Hoogachtend,",
                    "Jan Jansen, wethouder gemeente Utrecht", "Mede ondertekend door:",
                    "Namens de ondertekenende organisaties:",
                    "Op persoonlijke titel ondertekend door:", "Ida Burger, leraar")
    assert "nog niet gepubliceerd" not in text
    assert "Anna de Boer en Bert Smit, wethouders gemeente 's-Hertogenbosch" in text
    assert in_order(text, "gemeente Groningen", "gemeente 's-Hertogenbosch", "gemeente Leiden",
                    "gemeente Sittard-Geleen", "gemeente Súdwest-Fryslân", "gemeente Tilburg")
    assert in_order(text, "Bibliotheek Leiden Olaf Vos, voorzitter",
                    "Stichting Kinderopvang Oost Eva Bos, directeur")
    for person in NOT_SHOWN:
        assert person["name"] not in text
    assert "Daarnaast ondertekende 1 partij zonder vermelding van de naam." in text
    assert re.search(r"Ondertekend door \d+ partijen \(\d+ wethouders, 2 organisaties en 1 "
                     r"particulier\); stand op \d{1,2} \w+ \d{4}\.", text)
    assert "onder wie" not in text
    assert "@" not in text

    assert reader.metadata.title == "Open brief over gelijke kansen"
    assert reader.metadata.author == "Gemeente Utrecht"
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_english_draft_previews_with_english_labels_and_its_own_text(app, staff, factories):
    slug = import_letter(staff, "fair-chances", language="en", publish=False)
    factories.signatures(slug, [
        dict(kind="alderperson", name="Amy Adams", role="alderperson", municipality="Leiden"),
        dict(kind="alderperson", name="Ben Brown", role="alderperson", municipality="Leiden"),
        dict(kind="organisation", name="Cas Cole", role="director", organisation="Kids First"),
    ])

    reader = export_pdf(staff, slug)
    [page] = page_texts(reader)

    assert "Utrecht, 29 January 2021" in page
    assert "Wij vragen u om gelijke kansen" in page  # no version yet: the draft's own text
    assert "Co-signed by: Amy Adams and Ben Brown, alderpersons, municipality of Leiden" in page
    assert "On behalf of the signing organisations: Kids First Cas Cole, director" in page
    assert "Page 1 of 1" in page
    assert f"Verify the signatories at {BASE_URL}/letters/{slug}" in page
    for dutch in ("Mede ondertekend", "Pagina", "Controleer", "Onderwerp"):
        assert dutch not in page
    assert reader.trailer["/Root"]["/Lang"] == "en"


HOSTILE_BODY = """\
Zie [het wachtwoordbestand](file:///etc/passwd) en ![een beeld](file:///etc/passwd).
![extern](http://127.0.0.1:9/pixel.png) en [de bijlage](bijlage.pdf).

<link rel="attachment" href="file:///etc/passwd">
<a rel="attachment" href="file:///etc/passwd">bijlage</a>
<img src="http://127.0.0.1:9/pixel.png">
<style>@import url("http://127.0.0.1:9/x.css"); body { background: url(file:///etc/passwd) }</style>
"""


class RecordingFetcher(StaticFilesOnly):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


def link_targets(reader: PdfReader) -> list[str]:
    return [annotation.get_object()["/A"].get("/URI", "")
            for page in reader.pages for annotation in page.get("/Annots") or []
            if "/A" in annotation.get_object()]


def test_letter_text_cannot_fetch_or_embed_anything(app, staff):
    slug = import_letter(staff, "vijandig", body=HOSTILE_BODY)
    fetcher = RecordingFetcher()
    with app.app_context():
        data = render_letter_pdf(_letter(slug), url_fetcher=fetcher)
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page_texts(reader))

    assert fetcher.asked, "the PDF should load its fonts through the fetcher"
    fonts = (STATIC_ROOT / "fonts").as_uri()
    assert all(url.startswith(fonts + "/") and url.endswith(".ttf") for url in fetcher.asked)
    assert list(reader.attachments) == []
    assert b"root:x:0:0" not in data
    assert "<link rel=" in text and "<img src=" in text  # shown as text, not obeyed
    assert not any(target.startswith("file:") for target in link_targets(reader))
    assert f"{BASE_URL}/letters/bijlage.pdf" in link_targets(reader)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    (STATIC_ROOT / "fonts" / ".." / ".." / ".." / "pyproject.toml").as_uri(),
    STATIC_ROOT.as_uri() + "/fonts/%2e%2e/%2e%2e/delivery/rendering.py",
    STATIC_ROOT.as_uri() + "/site.css",
    "file://evil.example.org" + (STATIC_ROOT / "fonts" / "Caladea-Regular.ttf").as_posix(),
    "http://127.0.0.1:9/pixel.png",
    "https://example.org/font.ttf",
    "data:text/plain;base64,cm9vdDp4OjA6MA==",
    "ftp://example.org/x.ttf",
    "fonts/Caladea-Regular.ttf",
])
def test_fetcher_refuses_everything_but_the_apps_static_files(url):
    with pytest.raises(RefusedURL):
        StaticFilesOnly().fetch(url)


def test_fetcher_serves_the_shipped_fonts():
    font = STATIC_ROOT / "fonts" / "Caladea-Regular.ttf"
    response = StaticFilesOnly().fetch(font.as_uri())
    assert response.content_type == "font/ttf"
    assert response.read() == font.read_bytes()
    assert Path(STATIC_ROOT / "fonts" / "OFL.txt").is_file()


def test_fetcher_stops_an_attachment_even_in_raw_html(tmp_path):
    """Should escaping ever fail, the fetcher still keeps /etc/passwd out of the PDF."""
    from weasyprint import HTML

    html = '<html><link rel="attachment" href="file:///etc/passwd"><p>x</p></html>'
    data = HTML(string=html, url_fetcher=StaticFilesOnly()).write_pdf()
    assert list(PdfReader(io.BytesIO(data)).attachments) == []
    assert b"root:x:0:0" not in data


def test_on_paper_links_show_their_address_and_no_text_runs_off(staff):
    body = ("Zie [ons plan](https://www.utrecht.nl/plan) en https://www.example.org/bijlage.\n\n"
            + "Onafgebroken" * 20 + "\n\n\u202eGNIREUQ\u202c rechts-naar-links.")
    slug = import_letter(staff, "links-op-papier", body=body)
    [page] = page_texts(export_pdf(staff, slug))
    assert "ons plan (https://www.utrecht.nl/plan)" in page
    assert page.count("https://www.example.org/bijlage") == 1  # its words are its address
    assert "Onafgebroken" * 3 in page.replace(" ", "")
    # The letterhead keeps an address line whole, place name and all.
    assert "Postbus 16200, 3500 CE Utrecht" in page


def test_a_manifesto_is_printed_as_one_and_counts_its_parties(staff, factories):
    text = letter_file("manifest", moderation="none").replace("kind: letter", "kind: manifesto")
    assert staff.run("letters", "import", staff.write("m.md", text), "--publish").exit_code == 0
    factories.signatures("manifest", [
        dict(kind="organisation", name="Eva Bos", organisation="Stichting Zon", role="directeur"),
        dict(kind="organisation", name="Olaf Vos", organisation="Bibliotheek Ede", role="")])
    [page] = page_texts(export_pdf(staff, "manifest"))
    assert "De ondertekenende partijen:" in page
    assert re.search(r"Ondertekend door 2 partijen; stand op \d{1,2} \w+ \d{4}\.", page)
    assert "brief" not in page.lower().replace("open brief over", "")
