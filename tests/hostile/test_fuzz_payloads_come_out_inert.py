"""Signers who type script, HTML and spreadsheet formulas as their name, role and organisation:
what they typed is shown as they typed it, and is inert everywhere it comes out: the public
pages (escaped), the mails (text and HTML parts), the public and staff CSV (no cell a
spreadsheet runs), the XLSX when there is one, the API's JSON, and the PDF (the text literally,
no link made from it)."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from helpers.mail import links_in
from helpers.pages import path_of, visible_text
from helpers.staff_browser import StaffBrowser

SLUG = "gelijke-kansen"
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</title><svg onload=alert(3)>",
    '=HYPERLINK("https://evil.example/x","klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=3+4",
    "javascript:alert(5)",
]


class _Markup(HTMLParser):
    """The elements and attributes of a page as a browser reads them, for what a payload could
    have made live: a script that alerts, an on… handler, an img or svg of its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") and "alert" in (value or ""):
                self.live.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src") and (value or "").lower().startswith("javascript:"):
                self.live.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "svg") and any(value == "x" for name, value in attrs if name == "src"):
            self.live.append(f"<{tag}>")

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.live.append(f"<script>{data}")

    def handle_endtag(self, tag):
        self._in_script = False
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _shown(payload: str) -> str:
    """What the form keeps of the payload: control characters dropped, white space folded."""
    return " ".join(payload.replace("\t", " ").replace("\r", " ").split())


@pytest.fixture
def signed(app, staff, browser, mailbox, factories):
    """Every payload signed and confirmed through the pages, as an organisation's contact."""
    staff.publish_letter(SLUG, moderation="none")
    for number, payload in enumerate(PAYLOADS):
        response = browser.submit(f"/letters/{SLUG}/sign", {
            "kind": "organisation", "name": payload, "role": payload,
            "organisation": f"{payload} {number}", "municipality": "",
            "email": f"aanval{number}@example.nl", "website": "", "public": "y",
            "consent": "y"})
        assert response.status_code == 303, (payload, response.status_code)
    staff.send_mail()
    mailbox.before_confirming = len(mailbox.messages)
    for number in range(len(PAYLOADS)):
        confirm = links_in(mailbox.last_to(f"aanval{number}@example.nl"))[0]
        assert browser.submit(path_of(confirm)).status_code == 200
    staff.send_mail()  # the thank-you mails
    admin = StaffBrowser(app.test_client())
    assert admin.log_in(factories.staff_user("admin")).status_code == 303
    return admin


def _assert_inert_html(html: str, where: str) -> None:
    markup = _Markup()
    markup.feed(html)
    assert not markup.live, f"live markup in {where}: {markup.live}"


def _assert_inert_cells(rows: list[list[str]], where: str) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), f"{where}: formula cell {cell!r}"


@pytest.mark.parametrize("page", ["", "/signatories?kind=organisation",
                                  "/signatories?kind=organisation&q=script",
                                  "/signatories?kind=organisation&q=%3Cscript%3E", "/insight",
                                  "/sign"])
def test_public_pages_show_the_payloads_escaped(signed, client, page):
    response = client.get(f"/letters/{SLUG}{page}")
    assert response.status_code == 200
    _assert_inert_html(response.text, page or "the letter page")
    if page in ("", "/signatories?kind=organisation"):
        text = visible_text(response.text)
        for payload in PAYLOADS[:4]:
            assert _shown(payload) in text, f"{payload!r} not shown literally on {page}"


def test_feed_and_badge_carry_no_live_markup(signed, client):
    for path in (f"/letters/{SLUG}/feed.atom", f"/letters/{SLUG}/badge.svg"):
        response = client.get(path)
        assert response.status_code == 200
        _assert_inert_html(response.text, path)


def test_a_payload_in_a_refused_form_comes_back_escaped(signed, browser):
    response = browser.submit(f"/letters/{SLUG}/sign", {
        "kind": "alderperson", "name": PAYLOADS[0], "municipality": PAYLOADS[1],
        "email": "nog.een@example.nl", "consent": "y"})
    assert response.status_code == 400
    _assert_inert_html(response.text, "the refused sign form")
    assert _shown(PAYLOADS[1]) in visible_text(response.text)


def test_mails_carry_the_payloads_inert(signed, mailbox):
    assert mailbox.messages
    for mail in mailbox.messages:
        assert "\n" not in mail["Subject"] and "<script" not in mail["Subject"]
        html = mail.get_body(preferencelist=("html",))
        if html is not None:
            _assert_inert_html(html.get_content(), f"the HTML part of {mail['Subject']!r}")
    # Before the signer proved the mailbox is theirs, a mail carries nothing they typed (a
    # thank-you greets them by the name they chose, in a mail only they receive).
    for mail in mailbox.messages[:mailbox.before_confirming]:
        for link in links_in(mail):
            assert "evil.example" not in link and "javascript:" not in link


def test_public_csv_has_no_formula_cells(signed, client):
    response = client.get(f"/letters/{SLUG}/signatures.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n")[0]
                           else ","))
    _assert_inert_cells(rows, "the public CSV")
    assert any(_shown(PAYLOADS[3]) in cell for row in rows for cell in row)


@pytest.mark.parametrize("dialect", ["", "?dialect=rfc4180"])
def test_staff_csv_has_no_formula_cells(signed, dialect):
    response = signed.get(f"/staff/letters/{SLUG}/export.csv{dialect}")
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n")[0]
                           else ","))
    _assert_inert_cells(rows, "the staff CSV")
    names = [cell for row in rows for cell in row]
    assert "'" + _shown(PAYLOADS[3]) in names  # kept, with the guard in front


def test_staff_xlsx_has_no_formula_cells(signed):
    response = signed.get(f"/staff/letters/{SLUG}/export.xlsx")
    if response.status_code == 404:
        pytest.skip("no XLSX export yet")
    openpyxl = pytest.importorskip("openpyxl")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value!r}"


def test_api_json_returns_the_payloads_as_plain_strings(signed, client):
    response = client.get(f"/api/letters/{SLUG}/signatures")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    names = json.dumps(response.json, ensure_ascii=False)
    assert _shown(PAYLOADS[0]) in names  # data, as typed: the JSON reader decides how to show it


def test_pdf_shows_the_payloads_literally_and_links_nothing(signed, staff, tmp_path):
    path = tmp_path / "brief.pdf"
    result = staff.run("letters", "export", SLUG, "--format", "pdf", "--output", str(path))
    assert result.exit_code == 0, result.output
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
    else:
        text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    flat = " ".join(text.split())
    for payload in PAYLOADS[:5]:
        assert _shown(payload) in flat, f"{payload!r} not in the PDF's text"
    for page in PdfReader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            uri = str(action.get("/URI", ""))
            assert "evil.example" not in uri and "javascript" not in uri.lower(), uri
