"""Invitations: staff upload invitees; each signs with one button behind a personal link."""
from __future__ import annotations

import sqlalchemy as sa

from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.signatures.models import Signature
from helpers.mail import body_of, links_in
from helpers.pages import path_of, visible_text

INVITEES = """\
name,email,kind,role,municipality,organisation,lead
Marieke de Groot,m.degroot@utrecht.nl,alderperson,wethouder,Utrecht,,yes
Peter Bakker,p.bakker@tilburg.nl,alderperson,wethouder Onderwijs,Tilburg,,no
Sara Visser,directie@kinderopvang.example.nl,organisation,directeur,,Kinderopvang Zon,no
"""


def _signature(app, email):
    with app.app_context():
        return db.session.scalar(sa.select(Signature).where(Signature.email == email))


def test_invited_wethouder_signs_with_one_button(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    result = staff.invite(slug, INVITEES)
    assert result.exit_code == 0, result.output
    assert "3 invited" in result.output
    assert staff.send_mail().sent == 3

    mail = mailbox.last_to("m.degroot@utrecht.nl")
    assert "Marieke de Groot" in body_of(mail)
    link = path_of(links_in(mail)[0])
    assert "/invitation/" in link

    page = browser.get(link)
    assert page.status_code == 200
    assert "Marieke de Groot" in visible_text(page.text)
    assert "Wij vragen u om" in page.text  # the letter itself
    assert page.text.count("<button") == 1
    assert '<button type="submit" class="button">Onderteken als Marieke de Groot</button>' \
        in page.text
    assert _signature(app, "m.degroot@utrecht.nl").state == "invited"

    signed = browser.submit(link)
    assert signed.status_code == 200
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature).where(
            Signature.email == "m.degroot@utrecht.nl"))
        assert signature.state == "confirmed"
        assert signature.verification == "invited" and signature.lead
        assert signature.version.number == 1

    letter_page = visible_text(browser.get(f"/letters/{slug}").text)
    assert "Marieke de Groot, wethouder gemeente Utrecht" in letter_page
    api = browser.get(f"/api/letters/{slug}/signatures").json["items"]
    assert api == [{"name": "Marieke de Groot", "kind": "alderperson", "role": "wethouder",
                    "municipality": "Utrecht", "organisation": None, "lead": True,
                    "verification": "invited", "verified_domain": None, "sector": None,
                    "verified": True, "signed_at": api[0]["signed_at"]}]


def test_invited_signer_is_public_even_when_every_signature_is_reviewed(app, staff, browser,
                                                                        mailbox):
    slug = staff.publish_letter(moderation="all")
    staff.invite(slug, INVITEES)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to("p.bakker@tilburg.nl"))[0]))
    assert _signature(app, "p.bakker@tilburg.nl").review == "not_needed"
    assert browser.get(f"/api/letters/{slug}").json["counts"]["total"] == 1


def test_inviting_the_same_people_twice_sends_nothing_new(app, staff, mailbox):
    slug = staff.publish_letter()
    staff.invite(slug, INVITEES)
    again = staff.invite(slug, INVITEES)
    assert again.exit_code == 0 and "0 invited, 3 already on the letter" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 3


def test_bad_invitees_file_names_each_line_and_stores_nothing(app, staff):
    slug = staff.publish_letter(kinds="alderperson")
    bad = (INVITEES
           + "Kees,not-an-address,alderperson,,Delft,,no\n"
           + "Els,els@delft.nl,alderperson,,,,maybe\n")
    result = staff.invite(slug, bad)
    assert result.exit_code != 0
    assert "line 4: this letter is not signed by kind 'organisation'" in result.output
    assert "line 5: email 'not-an-address' is not valid" in result.output
    assert "line 6: an alderperson needs a municipality" in result.output
    assert "line 6: lead must be yes or no" in result.output
    assert "nothing was stored" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0


def test_invitees_file_from_dutch_excel_is_read(app, staff):
    slug = staff.publish_letter()
    semicolons = "\ufeff" + INVITEES.replace(",", ";")
    result = staff.invite(slug, semicolons)
    assert result.exit_code == 0, result.output
    assert "3 invited" in result.output


def test_invitees_file_with_missing_column_is_refused(staff):
    slug = staff.publish_letter()
    result = staff.invite(slug, "name,kind\nKees,alderperson\n")
    assert result.exit_code != 0 and "missing column(s) email" in result.output


def test_invited_signer_using_the_public_form_gets_their_invitation_again(app, staff, browser,
                                                                          mailbox):
    slug = staff.publish_letter()
    staff.invite(slug, INVITEES)
    staff.send_mail()
    mailbox.clear()
    staff.let_time_pass()
    response = browser.submit(f"/letters/{slug}/sign", {
        "kind": "alderperson", "name": "M. de Groot", "municipality": "Utrecht",
        "email": "m.degroot@utrecht.nl", "public": "y", "consent": "y"})
    assert response.status_code == 303
    staff.send_mail()
    assert "/invitation/" in links_in(mailbox.last_to("m.degroot@utrecht.nl"))[0]
    assert _signature(app, "m.degroot@utrecht.nl").name == "Marieke de Groot"


def test_staff_vetting_beats_a_stranger_who_typed_the_invitees_address(app, staff, browser,
                                                                      mailbox):
    slug = staff.publish_letter()
    stranger = {"kind": "alderperson", "name": "Iemand Anders", "role": "burgemeester",
                "municipality": "Amsterdam", "email": "m.degroot@utrecht.nl", "public": "y",
                "consent": "y"}
    assert browser.submit(f"/letters/{slug}/sign", stranger).status_code == 303
    staff.send_mail()
    strangers_link = path_of(links_in(mailbox.last_to("m.degroot@utrecht.nl"))[0])
    staff.let_time_pass()

    result = staff.invite(slug, INVITEES)
    assert result.exit_code == 0 and result.output.startswith("3 invited"), result.output
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature).where(
            Signature.email == "m.degroot@utrecht.nl"))
        assert (signature.state, signature.name, signature.municipality) == (
            "invited", "Marieke de Groot", "Utrecht")
    assert browser.get(strangers_link).status_code == 404  # the stranger's link is dead
    staff.send_mail()
    invitation = path_of(links_in(mailbox.last_to("m.degroot@utrecht.nl"))[0])
    assert "/invitation/" in invitation
    page = visible_text(browser.get(invitation).text)
    assert "Marieke de Groot" in page and "Iemand Anders" not in page
