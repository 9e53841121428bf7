"""A manifesto shows its signing organisations by sector: staff list the sectors in the letter
file, an organisation picks one on the sign form and confirms by mail, and the letter page, the
organisations list (filtered by sector, paged and searched), the insight page, the API and the
CSV show it. A letter without sectors asks none and works as before."""
from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.signatures.models import Signature
from helpers.factories import letter_file
from helpers.mail import links_in
from helpers.pages import Browser, path_of, visible_text
from helpers.signers import SIGNER

SLUG = "manifest-gelijke-kansen"
SECTORS = ["onderwijs", "kinderopvang", "jeugdzorg"]
ORGANISATION = {**SIGNER, "kind": "organisation", "name": "Sara Visser", "role": "directeur",
                "municipality": "", "organisation": "Stichting Kindcentra Zon",
                "email": "s.visser@kindcentra-zon.nl", "website": ""}


def manifesto(staff, slug: str = SLUG, sectors: str | None = "[onderwijs, kinderopvang, "
              "jeugdzorg]") -> str:
    text = letter_file(slug, moderation="none", kinds="alderperson, organisation")
    text = text.replace("kind: letter", "kind: manifesto")
    if sectors is not None:
        text = text.replace("moderation: none", f"moderation: none\nsectors: {sectors}")
    result = staff.run("letters", "import", staff.write(f"{slug}.md", text), "--publish")
    assert result.exit_code == 0, result.output
    return slug


@pytest.fixture
def app(make_app):
    return make_app(SIGNATORIES_PER_PAGE=2)


def _field_block(html: str, name: str) -> str:
    found = re.search(rf'<div class="field[^"]*" id="field-{name}">(.*?)</div>', html, re.S)
    assert found, f"no field {name}"
    return found.group(1)


def _signatures(app) -> list[Signature]:
    with app.app_context():
        return db.session.scalars(sa.select(Signature).order_by(Signature.id)).all()


def _sign_and_confirm(staff, browser, mailbox, data: dict) -> None:
    response = browser.submit(f"/letters/{SLUG}/sign", data)
    assert response.status_code == 303, visible_text(response.text)[:1500]
    staff.send_mail()
    confirm = browser.submit(path_of(links_in(mailbox.last_to(data["email"]))[0]))
    assert confirm.status_code == 200


def test_organisation_signs_under_a_sector_and_the_public_sees_it(app, staff, client,
                                                                    factories, mailbox):
    manifesto(staff)
    browser = Browser(client)
    form = browser.get(f"/letters/{SLUG}/sign").text
    select = re.search(r'<select[^>]*name="sector"[^>]*>(.*?)</select>', form, re.S)
    assert select, "the sign form offers the letter's sectors"
    assert re.findall(r'<option[^>]*value="([^"]*)"', select.group(1)) == ["", *SECTORS]
    assert "Alleen als u namens een organisatie ondertekent" in visible_text(
        _field_block(form, "sector"))

    # Without a sector: the message beside the field, 400, nothing stored.
    missing = browser.submit(f"/letters/{SLUG}/sign", {**ORGANISATION, "sector": ""})
    assert missing.status_code == 400
    block = _field_block(missing.text, "sector")
    assert 'id="sector-error"' in block and 'aria-describedby="sector-error"' in block
    assert "Kies de sector waarin uw organisatie werkt." in visible_text(block)
    # A sector the letter does not list is refused the same way.
    unknown = browser.submit(f"/letters/{SLUG}/sign", {**ORGANISATION, "sector": "bakkerij"})
    assert unknown.status_code == 400
    assert "Kies een van de sectoren uit de lijst." in visible_text(
        _field_block(unknown.text, "sector"))
    assert _signatures(app) == []

    _sign_and_confirm(staff, browser, mailbox, {**ORGANISATION, "sector": "onderwijs"})
    # An alderperson's sector, if a form sends one, is not stored.
    _sign_and_confirm(staff, browser, mailbox, {**SIGNER, "sector": "onderwijs"})
    organisation, alderperson = _signatures(app)
    assert (organisation.state, organisation.sector) == ("confirmed", "onderwijs")
    assert (alderperson.state, alderperson.sector) == ("confirmed", None)

    # More organisations: kinderopvang three, one of them unnamed; onderwijs four in all.
    factories.signatures(SLUG, [
        {"kind": "organisation", "name": f"Contact {n}", "organisation": organisation_name,
         "sector": sector, "public": public}
        for n, (organisation_name, sector, public) in enumerate([
            ("Kinderopvang De Boog", "kinderopvang", True),
            ("Kinderopvang Hummel", "kinderopvang", True),
            ("Kinderopvang Stil", "kinderopvang", False),
            ("Openbaar Onderwijs Amstel", "onderwijs", True),
            ("Christelijk Onderwijs Zuid", "onderwijs", True),
            ("Basisschool De Wilg", "onderwijs", True)])])

    page = client.get(f"/letters/{SLUG}")
    assert page.status_code == 200
    sectors = re.search(r'<nav class="sectors".*?</nav>', page.text, re.S).group(0)
    assert re.findall(r'>([^<>]+) <span class="sector-count">(\d+)</span>', sectors) == [
        ("onderwijs", "4"), ("kinderopvang", "3"), ("jeugdzorg", "0")]
    assert (f'href="/letters/{SLUG}/signatories?kind=organisation&amp;sector=kinderopvang"'
            in sectors)
    assert "Sector: onderwijs" in visible_text(page.text)

    # The list of one sector, two a page by cursor: every named organisation of it, no other.
    seen, path = [], f"/letters/{SLUG}/signatories?kind=organisation&sector=onderwijs"
    while path:
        listed = client.get(path)
        assert listed.status_code == 200
        seen += re.findall(r'<li>([^<]+?) <span class="levels', listed.text)
        following = re.search(r'<a rel="next" href="([^"]+)"', listed.text)
        path = following.group(1).replace("&amp;", "&") if following else None
        if path:
            assert "sector=onderwijs" in path and "after=" in path
    assert [visible_text(name) for name in seen] == [
        "Basisschool De Wilg", "Christelijk Onderwijs Zuid", "Openbaar Onderwijs Amstel",
        "Stichting Kindcentra Zon"]
    # Searched within the sector; the search form keeps the sector.
    found = client.get(f"/letters/{SLUG}/signatories?kind=organisation&sector=onderwijs"
                       "&q=onderwijs")
    assert [visible_text(n) for n in re.findall(r'<li>([^<]+?) <span class="levels',
                                                found.text)] == [
        "Christelijk Onderwijs Zuid", "Openbaar Onderwijs Amstel"]
    assert '<input type="hidden" name="sector" value="onderwijs">' in found.text
    kinderopvang = client.get(f"/letters/{SLUG}/signatories?kind=organisation"
                              "&sector=kinderopvang")
    assert 'aria-current="page"' in kinderopvang.text
    assert "Kinderopvang Stil" not in kinderopvang.text  # counted, not named
    # A sector the letter does not have, or a sector of alderpersons: no such list.
    for query in ("kind=organisation&sector=bakkerij", "kind=alderperson&sector=onderwijs"):
        assert client.get(f"/letters/{SLUG}/signatories?{query}").status_code == 404

    insight = client.get(f"/letters/{SLUG}/insight").text
    chart = re.search(r'<svg[^>]*class="sector-chart".*?</svg>', insight, re.S).group(0)
    assert 'role="img"' in chart and "<title" in chart
    assert len(re.findall(r'<rect[^>]*class="bar"', chart)) == 2  # jeugdzorg has none yet
    table = re.search(r'<table class="sector-table">.*?</table>', insight, re.S).group(0)
    assert [(visible_text(name), int(count)) for name, count in re.findall(
        r'<th scope="row">(.*?)</th><td class="number">(\d+)</td>', table)] == [
        ("onderwijs", 4), ("kinderopvang", 3), ("jeugdzorg", 0)]
    assert "7 organisaties ondertekenden onder een sector." in visible_text(insight)

    letter_json = client.get(f"/api/letters/{SLUG}").json
    assert letter_json["sectors"] == SECTORS
    assert letter_json["sector_counts"] == {"onderwijs": 4, "kinderopvang": 3, "jeugdzorg": 0}
    items = client.get(f"/api/letters/{SLUG}/signatures?per_page=200").json["items"]
    by_name = {item["name"]: item for item in items}
    assert by_name["Sara Visser"]["sector"] == "onderwijs"
    assert by_name["Jan Jansen"]["sector"] is None

    rows = list(csv.reader(io.StringIO(client.get(f"/letters/{SLUG}/signatures.csv").text)))
    assert rows[0][-2:] == ["signed_at", "sector"]
    assert [row[-1] for row in rows[1:3]] == ["onderwijs", ""]
    assert "@" not in client.get(f"/letters/{SLUG}/signatures.csv").text


def test_sector_counts_are_one_grouped_query_per_change_of_the_letter(app, staff, client,
                                                                       factories):
    manifesto(staff)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    factories.signatures(SLUG, [{"kind": "organisation", "name": "Een", "organisation": "A",
                                 "sector": "onderwijs"}])
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert client.get(f"/letters/{SLUG}").status_code == 200
        grouped = [s for s in statements if "GROUP BY signature.sector" in s]
        assert len(grouped) == 1
        statements.clear()
        # Unchanged letter: the counts come from the memo; any number of readers.
        for path in ("", "/insight", "/signatories?kind=organisation&sector=onderwijs"):
            assert client.get(f"/letters/{SLUG}{path}").status_code == 200
        assert not [s for s in statements if "GROUP BY signature.sector" in s]
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        factories.signatures(SLUG, [
            {"kind": "organisation", "name": f"N{n}", "organisation": f"Org {n}",
             "sector": "jeugdzorg", "email": f"n{n}@example.org"} for n in range(50)])
        # A change the audit log records makes the next reader count again, once.
        staff.run("letters", "close", SLUG)
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", seen)
        statements.clear()
        assert "jeugdzorg 50" in visible_text(client.get(f"/letters/{SLUG}").text)
        assert len([s for s in statements if "GROUP BY signature.sector" in s]) == 1
    finally:
        with app.app_context():
            if sa.event.contains(db.engine, "before_cursor_execute", seen):
                sa.event.remove(db.engine, "before_cursor_execute", seen)


def test_a_letter_without_sectors_asks_none_and_works_as_before(app, staff, client, mailbox):
    manifesto(staff, sectors=None)
    browser = Browser(client)
    form = browser.get(f"/letters/{SLUG}/sign").text
    assert 'name="sector"' not in form
    # A sector sent anyway is ignored.
    _sign_and_confirm(staff, browser, mailbox, {**ORGANISATION, "sector": "onderwijs"})
    [signature] = _signatures(app)
    assert (signature.state, signature.sector) == ("confirmed", None)
    page = client.get(f"/letters/{SLUG}").text
    assert 'class="sectors"' not in page and "Stichting Kindcentra Zon" in page
    assert 'class="sector-table"' not in client.get(f"/letters/{SLUG}/insight").text
    assert client.get(f"/letters/{SLUG}/signatories?kind=organisation&sector=onderwijs"
                      ).status_code == 404
    letter_json = client.get(f"/api/letters/{SLUG}").json
    assert letter_json["sectors"] == [] and letter_json["sector_counts"] == {}


def test_invited_organisation_brings_its_sector_from_the_invitees_csv(app, staff):
    manifesto(staff)
    bad = staff.invite(SLUG, "name,email,kind,organisation,sector\n"
                             "Sara Visser,s.visser@zon.nl,organisation,Zon,bakkerij\n"
                             "Jan Jansen,j.jansen@utrecht.nl,alderperson,,onderwijs\n")
    assert bad.exit_code != 0
    assert "line 2: sector 'bakkerij' is not one of the letter's sectors" in bad.output
    assert "line 3: only an organisation signatory has a sector" in bad.output
    good = staff.invite(SLUG, "name,email,kind,organisation,sector\n"
                              "Sara Visser,s.visser@zon.nl,organisation,Zon,jeugdzorg\n")
    assert good.exit_code == 0, good.output
    [invited] = _signatures(app)
    assert (invited.state, invited.sector) == ("invited", "jeugdzorg")
