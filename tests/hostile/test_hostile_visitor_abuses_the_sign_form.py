"""A hostile visitor abuses the sign form: to send the campaign's mail with their own words in it,
to crash it with a file, to store an address no mail can reach, or to make a name read as another
town's wethouder with invisible characters. Each gets a clear answer; nothing of it lands."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.signatures.models import Signature
from helpers.mail import body_of, links_in
from helpers.pages import csrf_token, path_of, visible_text
from helpers.signers import SIGNER
from helpers.staff import Staff

PHISHING = "Uw bankrekening is geblokkeerd, herstel via https://bank-herstel.example"


def _signatures(app) -> list[Signature]:
    with app.app_context():
        return db.session.scalars(sa.select(Signature)).all()


def test_confirmation_mail_carries_no_text_the_visitor_typed(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    phishing = {**SIGNER, "name": PHISHING, "role": PHISHING[:200], "website": "",
                "email": "slachtoffer@example.nl"}
    assert browser.submit(f"/letters/{slug}/sign", phishing).status_code == 303
    staff.send_mail()
    mail = mailbox.last_to("slachtoffer@example.nl")
    text = mail["Subject"] + body_of(mail)
    assert "bankrekening" not in text and "bank-herstel" not in text
    assert all("bank-herstel" not in link for link in links_in(mail))


@pytest.mark.parametrize("field", ["name", "role", "organisation", "municipality", "email",
                                   "website"])
def test_a_file_in_a_text_field_gets_the_form_back_with_400(app, staff, client, field):
    slug = staff.publish_letter()
    token = csrf_token(client.get(f"/letters/{slug}/sign").text)
    data = {**SIGNER, "csrf_token": token, field: (io.BytesIO(b"%PDF-1.4 junk"), "brief.pdf")}
    response = client.post(f"/letters/{slug}/sign", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert "not a file" in visible_text(response.text) or "geen bestand" in visible_text(
        response.text)
    assert _signatures(app) == []


def test_a_json_body_with_odd_types_gets_400_not_500(app, staff, client):
    slug = staff.publish_letter()
    token = csrf_token(client.get(f"/letters/{slug}/sign").text)
    response = client.post(f"/letters/{slug}/sign", json={
        **SIGNER, "name": ["a", "b"], "role": 7, "consent": True},
        headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert _signatures(app) == []


def test_an_address_no_mail_can_reach_is_refused_beside_the_field(app, staff, browser):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": "jürgen@utrecht.nl"})
    assert response.status_code == 400 and 'id="email-error"' in response.text
    assert "vóór de @" in visible_text(response.text)
    assert _signatures(app) == []


def test_an_internationalised_domain_is_mailed_in_its_ascii_form(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    signer = {**SIGNER, "email": "jan@bücher.de", "website": ""}
    assert browser.submit(f"/letters/{slug}/sign", signer).status_code == 303
    report = staff.send_mail()
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [mail] = mailbox.messages
    assert mail["X-Envelope-To"] == "jan@xn--bcher-kva.de"
    confirm = path_of(links_in(mail)[0])
    browser.submit(confirm)
    assert _signatures(app)[0].state == "confirmed"


@pytest.mark.parametrize("invisible", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068",
                                       "\u2069", "\u200b", "\u200e", "\u200f", "\u2060",
                                       "\ufeff", "\u00ad"])
def test_invisible_characters_are_dropped_from_everything_stored(app, staff, browser, invisible):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", {
        **SIGNER, "name": f"Jan{invisible} Jansen{invisible}",
        "role": f"wet{invisible}houder", "municipality": f"Utr{invisible}echt",
        "website": f"utrecht.nl{invisible}"})
    assert response.status_code == 303
    [signature] = _signatures(app)
    assert (signature.name, signature.role, signature.municipality, signature.website) == \
        ("Jan Jansen", "wethouder", "Utrecht", "utrecht.nl")


def test_a_right_to_left_override_cannot_turn_a_name_into_a_title(app, staff, browser):
    slug = staff.publish_letter(kinds="individual")
    spoof = "Piet \u202egnidnoolB nav retsemregrub\u202c"
    response = browser.submit(f"/letters/{slug}/sign", {
        **SIGNER, "kind": "individual", "name": spoof, "email": "piet@example.nl"})
    assert response.status_code == 303
    [signature] = _signatures(app)
    assert "\u202e" not in signature.name and "\u202c" not in signature.name


def test_invisible_characters_are_dropped_from_an_invitees_file(app, staff):
    slug = staff.publish_letter()
    result = staff.invite(slug, "name,email,kind,municipality\n"
                                "Lea\u202e Lam,lea@ede.nl,alderperson,E\u200bde\n")
    assert result.exit_code == 0, result.output
    [signature] = _signatures(app)
    assert (signature.name, signature.municipality) == ("Lea Lam", "Ede")


def test_an_invitee_no_mail_can_reach_is_named_with_its_line(app, staff):
    slug = staff.publish_letter()
    result = staff.run("letters", "invite", slug, staff.write(
        "invitees.csv", "name,email,kind,municipality\nJürgen,jürgen@ede.nl,alderperson,Ede\n"))
    assert result.exit_code != 0
    assert "line 2" in result.output and "before the @" in result.output
    assert _signatures(app) == []


def test_https_sites_ask_for_https_only_and_cookies_stay_on_the_site(make_app, tmp_path):
    app = make_app(BASE_URL="https://brieven.example.nl")
    client = app.test_client()
    assert client.get("/privacy").headers["Strict-Transport-Security"].startswith("max-age=")
    slug = Staff(app, tmp_path).publish_letter()
    cookie = client.get(f"/letters/{slug}/sign").headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" in cookie


def test_plain_http_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/privacy").headers
