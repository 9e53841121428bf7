"""Verified means verified. A hostile visitor can no longer come out "verified" as a ministry or a
mayor with a free-mail address and a website of their own choosing; a real alderperson or
organisation is verified by the directory's domains; each level shows on the page, in the API,
in the staff export and in the PDF appendix; moderators raise and lower levels."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from campaign.extensions import db
from campaign.signatures.models import Signature
from helpers.factories import letter_file
from helpers.mail import links_in
from helpers.pages import path_of, visible_text
from helpers.signers import SIGNER


def _sign_and_confirm(staff, browser, mailbox, **fields) -> Signature:
    signer = {**SIGNER, **fields}
    response = browser.submit("/letters/gelijke-kansen/sign", signer)
    assert response.status_code == 303, visible_text(response.text)[:2000]
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(signer["email"]))[0]))
    with staff.app.app_context():
        return db.session.scalar(sa.select(Signature).where(Signature.email == signer["email"]))


ORGANISATION = dict(kind="organisation", municipality="", role="directeur")


@pytest.mark.parametrize("fields", [
    # the findings: free mail, a mail provider's own website, a public suffix
    dict(ORGANISATION, email="anyone@mail.com", website="mail.com",
         organisation="Ministerie van Onderwijs"),
    dict(ORGANISATION, email="someone@gmx.de", website="gmx.de", organisation="Stichting Echt"),
    dict(ORGANISATION, email="anyone@yahoo.co.uk", website="co.uk", organisation="Stichting Echt"),
    dict(kind="alderperson", role="burgemeester", municipality="Amsterdam",
         email="anyone@yahoo.co.uk", website="co.uk"),
    # a disposable mailbox
    dict(ORGANISATION, email="iemand@mailinator.com", website="mailinator.com",
         organisation="Stichting Echt"),
    # a domain of one's own names a public body the directory knows
    dict(ORGANISATION, email="minister@eigen-domein.nl", website="eigen-domein.nl",
         organisation="Ministerie van Onderwijs"),
    dict(ORGANISATION, email="griffie@eigen-domein.nl", website="eigen-domein.nl",
         organisation="Gemeente Amsterdam"),
    # an alderperson is verified by their municipality's domains only
    dict(kind="alderperson", role="burgemeester", municipality="Amsterdam",
         email="burgemeester@eigen-domein.nl", website="eigen-domein.nl"),
])
def test_a_claim_anyone_can_make_is_not_verified(staff, browser, mailbox, client, fields):
    slug = staff.publish_letter(moderation="unverified")
    signature = _sign_and_confirm(staff, browser, mailbox, **fields)
    assert signature.state == "confirmed"
    assert (signature.verification, signature.review) == ("mailbox", "waiting")
    assert client.get(f"/api/letters/{slug}").json["counts"]["total"] == 0


def test_an_alderperson_at_their_municipalitys_domain_is_verified_by_it(
        staff, browser, mailbox, client):
    slug = staff.publish_letter(moderation="unverified")
    signature = _sign_and_confirm(staff, browser, mailbox, municipality="Den Bosch",
                                  email="a.wethouder@s-hertogenbosch.nl", website="")
    assert (signature.municipality, signature.verification) == ("'s-Hertogenbosch", "domain")
    assert signature.review == "not_needed" and signature.verified_domain is None
    [item] = client.get(f"/api/letters/{slug}/signatures").json["items"]
    assert (item["verification"], item["verified"]) == ("domain", True)


def test_a_ministry_is_verified_by_its_own_domain_and_named_as_the_directory_does(
        staff, browser, mailbox):
    staff.publish_letter()
    signature = _sign_and_confirm(staff, browser, mailbox, **dict(
        ORGANISATION, organisation="Ministerie van OCW", email="p.ambtenaar@minocw.nl",
        website=""))
    assert signature.organisation == "Ministerie van Onderwijs, Cultuur en Wetenschap"
    assert signature.verification == "domain"


def test_an_organisation_outside_the_directory_is_verified_by_its_website_shown_beside_it(
        staff, browser, mailbox, client):
    slug = staff.publish_letter()
    signature = _sign_and_confirm(staff, browser, mailbox, **dict(
        ORGANISATION, organisation="Kinderopvang De Zon", email="directie@mail.dezon.nl",
        website="https://www.dezon.nl/over-ons"))
    assert (signature.verification, signature.verified_domain) == ("domain", "dezon.nl")
    page = visible_text(client.get(f"/letters/{slug}").text)
    assert "Kinderopvang De Zon e-maildomein dezon.nl" in " ".join(page.split())


def test_an_organisation_staff_entered_is_verified_by_its_domains_alone(
        staff, browser, mailbox):
    staff.publish_letter()
    entered = staff.run("directory", "add-organisation", "Stichting Samen Sterk",
                        "--kvk", "1234 5678", "--domain", "samensterk.nl")
    assert entered.exit_code == 0, entered.output
    signature = _sign_and_confirm(staff, browser, mailbox, **dict(
        ORGANISATION, organisation="stichting samen sterk", email="info@samensterk.nl",
        website=""))
    assert (signature.organisation, signature.verification) == ("Stichting Samen Sterk",
                                                                "domain")
    other = _sign_and_confirm(staff, browser, mailbox, **dict(
        ORGANISATION, organisation="Stichting Samen Sterk", email="info@samensterk.org",
        website="samensterk.org"))
    assert other.verification == "mailbox"


def test_a_moderator_approves_to_staff_level_and_downgrades_a_domain(
        staff, browser, mailbox, client):
    slug = staff.publish_letter(moderation="unverified")
    waiting = _sign_and_confirm(staff, browser, mailbox, **dict(
        ORGANISATION, organisation="Stichting Echt", email="iemand@gmail.com", website=""))
    domain = _sign_and_confirm(staff, browser, mailbox, **dict(
        ORGANISATION, organisation="Kinderopvang De Zon", email="info@dezon.nl",
        website="dezon.nl"))
    assert staff.run("letters", "approve", slug, str(waiting.id)).exit_code == 0
    assert staff.run("letters", "downgrade", slug, str(domain.id)).exit_code == 0
    with staff.app.app_context():
        levels = dict(db.session.execute(sa.select(Signature.id, Signature.verification)).all())
        reviews = dict(db.session.execute(sa.select(Signature.id, Signature.review)).all())
    assert levels == {waiting.id: "staff", domain.id: "mailbox"}
    assert reviews[domain.id] == "waiting"
    refused = staff.run("letters", "downgrade", slug, str(domain.id))
    assert refused.exit_code != 0 and "nothing was changed" in refused.output


def test_unknown_municipality_gets_close_matches_beside_the_field(staff, browser):
    slug = staff.publish_letter()
    typo = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "municipality": "Utrect"})
    assert typo.status_code == 400 and 'id="municipality-error"' in typo.text
    assert "Bedoelt u: Utrecht?" in visible_text(typo.text)
    ambiguous = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "municipality": "Bergen"})
    text = visible_text(ambiguous.text)
    assert "Bergen (NH.)" in text and "Bergen (L.)" in text
    nowhere = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "municipality": "Atlantis"})
    assert nowhere.status_code == 400 and "kennen wij niet" in visible_text(nowhere.text)


def test_the_form_offers_the_municipalities_without_javascript(staff, browser):
    slug = staff.publish_letter()
    page = browser.get(f"/letters/{slug}/sign").text
    assert 'list="municipalities"' in page and '<datalist id="municipalities">' in page
    assert '<option value="&#39;s-Hertogenbosch">' in page
    assert page.count("<option ") == 342


def test_one_municipality_typed_two_ways_is_one_line(staff, browser, mailbox, client):
    slug = staff.publish_letter(moderation="none")
    _sign_and_confirm(staff, browser, mailbox, name="Anna Bos", municipality="Den Bosch",
                      email="a.bos@s-hertogenbosch.nl")
    _sign_and_confirm(staff, browser, mailbox, name="Bert Smit",
                      municipality="gemeente 's-Hertogenbosch", email="b.smit@example.nl")
    page = " ".join(visible_text(client.get(f"/letters/{slug}").text).split())
    assert "Anna Bos en Bert Smit, wethouders gemeente 's-Hertogenbosch" in page
    assert "e-maildomein" in page and "e-mail bevestigd" in page  # one badge per level


def test_invitees_are_filed_under_the_directorys_municipality(staff):
    slug = staff.publish_letter()
    bad = staff.invite(slug, "name,email,kind,municipality\nPiet,piet@atlantis.nl,alderperson,"
                             "Atlantis\nKees,kees@denhaag.nl,alderperson,Den Haeg\n")
    assert bad.exit_code != 0
    assert "line 2: municipality 'Atlantis' is not a Dutch municipality" in bad.output
    assert "line 3" in bad.output and "'s-Gravenhage" in bad.output
    good = staff.invite(slug, "name,email,kind,municipality\nKees,kees@denhaag.nl,alderperson,"
                              "Den Haag\n")
    assert good.exit_code == 0, good.output
    with staff.app.app_context():
        assert db.session.scalar(sa.select(Signature.municipality)) == "'s-Gravenhage"


def test_levels_reach_the_staff_export_and_the_pdf_appendix(staff, browser, mailbox, tmp_path):
    path = staff.write("bijlage.md", staff_letter_with_appendix())
    assert staff.run("letters", "import", path, "--publish").exit_code == 0
    _sign_and_confirm(staff, browser, mailbox, municipality="Utrecht",
                      email="j.jansen@utrecht.nl")
    export = tmp_path / "export.csv"
    assert staff.run("letters", "export", "gelijke-kansen", "--format", "csv", "--dialect",
                     "rfc4180", "--output", str(export)).exit_code == 0
    [row] = list(csv.DictReader(io.StringIO(export.read_text(encoding="utf-8"))))
    assert row["verification"] == "domain"
    pdf = tmp_path / "brief.pdf"
    assert staff.run("letters", "export", "gelijke-kansen", "--format", "pdf",
                     "--output", str(pdf)).exit_code == 0
    reader = PdfReader(pdf)
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "Bijlage: hoe de ondertekenaars zijn gecontroleerd" in last
    assert "Jan Jansen, wethouder gemeente Utrecht — e-maildomein" in last


def staff_letter_with_appendix() -> str:
    return letter_file(moderation="none").replace(
        "moderation: none", "moderation: none\nverification_appendix: yes")
