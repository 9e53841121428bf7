"""Staff write the letter's details: subject, reference, contact person, attachments (printed),
initiator, contact address and signing deadline (on the page). In a letter file, which `flask
letters file` writes back as it was read; with every bad value named by field and line; and in
the staff letter form, errors beside their fields."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.letters.letterfile import (
    LetterFileError,
    file_of,
    parse_letter_file,
    write_letter_file,
)
from campaign.letters.models import Letter
from helpers.factories import letter_file
from helpers.pages import visible_text
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
  - "Lijst van gemeenten: stand januari"
initiator: Wethouders voor gelijke kansen
contact_url: https://www.utrecht.nl/gelijke-kansen
sign_until: 2030-06-30
"""


def with_details(details: str = DETAILS, slug: str = SLUG) -> str:
    return letter_file(slug, moderation="none").replace("moderation: none",
                                                        "moderation: none\n" + details.rstrip())


def stored(app, slug: str = SLUG) -> Letter:
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        letter.versions  # noqa: B018 (loaded for the test to read)
        db.session.expunge_all()
        return letter


def test_letter_file_fields_are_stored_versioned_and_written_back(app, staff):
    path = staff.write("brief.md", with_details())
    assert staff.run("letters", "import", path, "--publish").exit_code == 0

    letter = stored(app)
    assert (letter.subject, letter.reference) == ("Gelijke kansen voor ieder kind",
                                                  "2021-OCW-0042")
    assert (letter.contact_name, letter.contact_phone, letter.contact_email) == (
        "Marieke de Groot", "+31 30 286 00 00", "m.degroot@utrecht.nl")
    assert letter.attachments.splitlines() == ["Onderzoeksrapport gelijke kansen (2020)",
                                               "Lijst van gemeenten: stand januari"]
    assert letter.initiator == "Wethouders voor gelijke kansen"
    assert letter.contact_url == "https://www.utrecht.nl/gelijke-kansen"
    assert letter.sign_until == date(2030, 6, 30)
    # What is printed is part of the signed text; what is only on the page is not.
    [version] = letter.versions
    assert version.subject == letter.subject and version.contact_name == "Marieke de Groot"
    assert not hasattr(version, "initiator") and not hasattr(version, "sign_until")

    out = staff.tmp_path / "terug.md"
    result = staff.run("letters", "file", SLUG, "--output", str(out))
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert parse_letter_file(written) == parse_letter_file(with_details())
    assert "contact:\n  name: Marieke de Groot\n" in written
    assert "signatory_kinds: [alderperson, organisation, individual]" in written

    # Updating from the written file changes nothing: no new version.
    assert staff.run("letters", "update", SLUG, str(out)).exit_code == 0
    assert len(stored(app).versions) == 1
    # A changed reference is a changed text: a new version; a new deadline is not.
    assert staff.run("letters", "update", SLUG, staff.write("b.md", written.replace(
        "sign_until: 2030-06-30", "sign_until: 2030-07-31"))).exit_code == 0
    assert len(stored(app).versions) == 1
    assert staff.run("letters", "update", SLUG, staff.write("c.md", written.replace(
        "2021-OCW-0042", "2021-OCW-0043"))).exit_code == 0
    assert [v.reference for v in stored(app).versions] == ["2021-OCW-0042", "2021-OCW-0043"]


def test_a_letter_without_the_new_fields_reads_and_writes_as_before(app, staff):
    assert staff.run("letters", "import", staff.write("a.md", letter_file(SLUG))).exit_code == 0
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        written = write_letter_file(file_of(letter))
    for name in ("subject", "reference", "contact", "attachments", "initiator", "contact_url",
                 "sign_until"):
        assert f"\n{name}:" not in written
    assert parse_letter_file(written) == parse_letter_file(letter_file(SLUG))


BAD_DETAILS = """\
subject: [een, lijst]
contact:
  phone: bel mij maar
  email: geen-adres
  fax: 030 123
attachments:
  - Bijlage 1: het rapport
contact_url: javascript:alert(1)
sign_until: 31-12-2030
"""


def test_bad_values_are_each_named_with_field_and_line_and_nothing_is_stored(app, staff):
    result = staff.run("letters", "import", staff.write("fout.md", with_details(BAD_DETAILS)))
    assert result.exit_code != 0
    output = result.output
    expected = [
        "line 21: field 'subject' must be text",
        "line 22: field 'contact' holds unknown keys 'fax' (known: name, phone, email)",
        "line 22: field 'contact' phone may hold only digits, spaces and + ( ) . / -",
        "line 22: field 'contact' email is not an e-mail address: 'geen-adres'",
        "line 22: field 'contact' needs the contact person's name beside a phone or e-mail",
        "line 26: field 'attachments' has a line with ': ' in it, which YAML reads as a field",
        "line 28: field 'contact_url' must be a web address starting with https://",
        "line 29: field 'sign_until' must be a date written as YYYY-MM-DD, not '31-12-2030'",
    ]
    for problem in expected:
        assert problem in output, problem
    assert "nothing was stored" in output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Letter.id))) == 0


@pytest.mark.parametrize("url", [
    "https://www.example.nl", "http://example.nl/contact?x=1", "mailto:info@example.nl",
])
def test_a_contact_address_is_a_web_page_or_a_mail_address(url):
    parsed = parse_letter_file(with_details(f"contact_url: {url}"))
    assert parsed.contact_url == url


@pytest.mark.parametrize("url", [
    "www.example.nl", "ftp://example.nl", "data:text/html,x", "https://", "mailto:nobody",
    "https://exa mple.nl", "javascript://example.nl/%0aalert(1)",
])
def test_anything_else_is_refused_as_a_contact_address(url):
    with pytest.raises(LetterFileError, match="field 'contact_url'"):
        parse_letter_file(with_details(f"contact_url: '{url}'"))


def editor(app, factories) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    browser.client.get("/?lang=en")
    assert browser.log_in(factories.staff_user("editor")).status_code == 303
    return browser


def edit_form(html: str) -> dict:
    """Every field of the edit form as the page fills it, as a browser would send it back."""
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', html,
                                  re.S):
        data[name] = value
    for name, value in re.findall(
            r'<select[^>]*name="([^"]+)"[^>]*>.*?<option selected value="([^"]*)"', html, re.S):
        data[name] = value
    data["signatory_kinds"] = re.findall(
        r'<input checked[^>]*name="signatory_kinds"[^>]*value="([^"]+)"', html)
    data.pop("csrf_token", None)
    return {k: v.replace("&#39;", "'").replace("&amp;", "&") for k, v in data.items()
            if k != "signatory_kinds"} | {"signatory_kinds": data["signatory_kinds"]}


def test_editor_fills_in_the_details_in_the_letter_form(app, factories, staff, client):
    assert staff.run("letters", "import", staff.write("a.md", letter_file(SLUG)),
                     "--publish").exit_code == 0
    staff_browser = editor(app, factories)
    page = staff_browser.get(f"/staff/letters/{SLUG}/edit")
    assert page.status_code == 200
    for name in ("subject", "reference", "contact_name", "contact_phone", "contact_email",
                 "attachments", "initiator", "contact_url", "sign_until"):
        assert f'name="{name}"' in page.text, name
    form = edit_form(page.text)

    bad = staff_browser.post(f"/staff/letters/{SLUG}/edit", {
        **form, "contact_phone": "bel mij", "contact_email": "geen-adres",
        "contact_url": "javascript:alert(1)", "sign_until": "30-06-2030"})
    assert bad.status_code == 400
    for field, message in [
            ("contact_phone", "Write the phone number with digits"),
            ("contact_email", "Write an e-mail address"),
            ("contact_url", "Write a web address starting with https://"),
            ("sign_until", "Write the date as YYYY-MM-DD"),
            ("contact_name", "Name the contact person beside the phone or e-mail.")]:
        block = re.search(rf'<div class="field has-error" id="field-{field}">(.*?)</div>',
                          bad.text, re.S)
        assert block and message in visible_text(block.group(1)), field
    assert stored(app).contact_phone == "" and stored(app).revision == 1

    saved = staff_browser.post(f"/staff/letters/{SLUG}/edit", {
        **form, "subject": "Gelijke kansen voor ieder kind", "reference": "2021-OCW-0042",
        "contact_name": "Marieke de Groot", "contact_phone": "030 286 00 00",
        "contact_email": "m.degroot@utrecht.nl",
        "attachments": "Onderzoeksrapport\r\n\r\nLijst van gemeenten\r\n",
        "initiator": "Wethouders voor gelijke kansen",
        "contact_url": "mailto:gelijkekansen@utrecht.nl", "sign_until": "2030-06-30"})
    assert saved.status_code == 303, visible_text(saved.text)[:2000]
    letter = stored(app)
    assert letter.attachments == "Onderzoeksrapport\nLijst van gemeenten"
    assert letter.sign_until == date(2030, 6, 30)
    assert [v.number for v in letter.versions] == [1, 2]  # the printed text changed
    assert letter.versions[-1].reference == "2021-OCW-0042"

    again = staff_browser.get(f"/staff/letters/{SLUG}/edit").text
    assert 'value="2030-06-30"' in again and 'value="Marieke de Groot"' in again

    # The public page says who is behind the letter, and until when one can sign.
    public = client.get(f"/letters/{SLUG}")
    behind = re.search(r'<aside class="behind".*?</aside>', public.text, re.S).group(0)
    assert "Wethouders voor gelijke kansen" in behind and "Gemeente Utrecht" in behind
    assert 'href="mailto:gelijkekansen@utrecht.nl"' in behind
    assert "30 juni 2030" in visible_text(public.text)
    assert ("Als het ondertekenen sluit, wordt de brief aangeboden aan de minister van "
            "Onderwijs, Cultuur en Wetenschap.") in visible_text(behind)
    # The contact person's phone and e-mail are for the PDF, not the page.
    assert "m.degroot@utrecht.nl" not in public.text and "286 00 00" not in public.text


def test_numbers_in_the_file_stay_as_written():
    """YAML would read these as numbers: a reference with leading zeros (octal, even), a phone
    number with its plus sign."""
    parsed = parse_letter_file(with_details(
        "reference: 0042\ncontact:\n  name: Marieke de Groot\n  phone: +31302860000\n"
        "attachments: [2021, 3.50]"))
    assert (parsed.reference, parsed.contact_phone) == ("0042", "+31302860000")
    assert parsed.attachments == ["2021", "3.50"]
    assert parse_letter_file(write_letter_file(parsed)) == parsed


def test_sectors_are_stored_in_order_and_written_back(app, staff):
    text = with_details("sectors: [onderwijs, kinderopvang, jeugdzorg, gemeente, overig]")
    assert staff.run("letters", "import", staff.write("s.md", text), "--publish").exit_code == 0
    letter = stored(app)
    assert letter.sector_names == ["onderwijs", "kinderopvang", "jeugdzorg", "gemeente",
                                   "overig"]
    # On the page, not printed: no part of the signed text.
    assert not hasattr(letter.versions[0], "sectors")
    with app.app_context():
        written = write_letter_file(file_of(db.session.get(Letter, letter.id)))
    assert "sectors: [onderwijs, kinderopvang, jeugdzorg, gemeente, overig]" in written
    assert parse_letter_file(written).sectors == letter.sector_names
    # Comma-separated, or one a line, reads the same.
    assert parse_letter_file(with_details("sectors: onderwijs, kinderopvang")).sectors == [
        "onderwijs", "kinderopvang"]
    assert parse_letter_file(with_details("sectors: |\n  sport en cultuur\n  welzijn")
                             ).sectors == ["sport en cultuur", "welzijn"]


@pytest.mark.parametrize(("sectors", "problem"), [
    ("[" + ", ".join(f"sector {n}" for n in range(31)) + "]", "lists more than 30 sectors"),
    ("[onderwijs, " + "x" * 61 + "]", "has a name longer than 60 characters"),
    ("[onderwijs, kinderopvang, Onderwijs]", "names the sector 'Onderwijs' twice"),
    ('["onder\\u202ewijs"]', "has a name with a comma, a line break or an invisible character"),
    ('["jeugd, zorg"]', "has a name with a comma"),
    ("{onderwijs: ja}", "must be a list of sector names"),
    ("[[onderwijs]]", "must be a list of sector names"),
])
def test_bad_sectors_are_named_with_their_line(sectors, problem):
    with pytest.raises(LetterFileError) as refused:
        parse_letter_file(with_details(f"sectors: {sectors}"))
    assert f"line 21: field 'sectors' {problem}" in str(refused.value)


def test_editor_lists_the_sectors_in_the_letter_form(app, factories, staff):
    assert staff.run("letters", "import", staff.write("a.md", letter_file(SLUG)),
                     "--publish").exit_code == 0
    staff_browser = editor(app, factories)
    form = edit_form(staff_browser.get(f"/staff/letters/{SLUG}/edit").text)
    assert form["sectors"].strip() == ""
    bad = staff_browser.post(f"/staff/letters/{SLUG}/edit",
                             {**form, "sectors": "onderwijs\r\nonderwijs"})
    assert bad.status_code == 400
    block = re.search(r'<div class="field has-error" id="field-sectors">(.*?)</div>', bad.text,
                      re.S)
    assert block and "Names the sector 'onderwijs' twice." in visible_text(block.group(1))
    saved = staff_browser.post(f"/staff/letters/{SLUG}/edit",
                               {**form, "sectors": "onderwijs\r\n\r\nkinderopvang\r\n"})
    assert saved.status_code == 303, visible_text(saved.text)[:2000]
    letter = stored(app)
    assert letter.sector_names == ["onderwijs", "kinderopvang"]
    assert [v.number for v in letter.versions] == [1]  # not part of the signed text
    again = staff_browser.get(f"/staff/letters/{SLUG}/edit").text
    assert re.search(r'<textarea[^>]*name="sectors"[^>]*>\s*onderwijs\nkinderopvang</textarea>',
                     again)
    assert "onderwijs, kinderopvang" in visible_text(staff_browser.get(
        f"/staff/letters/{SLUG}").text)
