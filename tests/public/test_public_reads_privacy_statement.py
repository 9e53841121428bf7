"""The public reads the privacy statement: who is responsible (from the settings), why and on
what basis, how long (the retention the code acts on), who receives what, their rights and the
Autoriteit Persoonsgegevens; and the sign form asks consent rather than assuming it."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from helpers.mail import links_in
from helpers.pages import csrf_token, path_of, visible_text
from helpers.signers import SIGNER

CONTROLLER = {"ORGANISATION_NAME": "Stichting Open Brieven",
              "ORGANISATION_ADDRESS": "Postbus 123, 3500 AA Utrecht",
              "PRIVACY_CONTACT": "privacy@openbrieven.example.nl"}


def test_statement_names_the_controller_and_the_actual_retention(make_app):
    app = make_app(**CONTROLLER, UNCONFIRMED_RETENTION_DAYS=21,
                   CLIENT_NETWORK_RETENTION_DAYS=45)
    page = app.test_client().get("/privacy")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Stichting Open Brieven" in text and "Postbus 123, 3500 AA Utrecht" in text
    assert 'href="mailto:privacy@openbrieven.example.nl"' in page.text
    assert "21 dagen na het ondertekenen verwijderd" in text
    assert "45 dagen na het ondertekenen gewist" in text
    assert "De bevestigingslink werkt 14 dagen" in text
    for words in ("toestemming (artikel 6, lid 1, onder a AVG)", "gerechtvaardigd belang",
                  "artikel 9, lid 2, onder a", "Nooit e-mailadressen",
                  "Autoriteit Persoonsgegevens", "binnen een maand"):
        assert words in text, words
    for right in ("in te zien", "verbeteren", "wissen", "bezwaar"):
        assert re.search(rf"\b{right}\b", text), right
    assert 'href="https://autoriteitpersoonsgegevens.nl/"' in page.text


def test_statement_in_english(make_app):
    app = make_app(**CONTROLLER)
    text = visible_text(app.test_client().get("/privacy?lang=en").text)
    assert "The controller of your personal data" in text
    assert "30 days after you signed" in text and "60 days after you signed" in text
    assert "right to complain to the Dutch Data Protection Authority" in text
    assert "Never e-mail addresses." in text


def test_unset_controller_says_what_to_set(client):
    text = visible_text(client.get("/privacy").text)
    for name in ("ORGANISATION_NAME", "ORGANISATION_ADDRESS", "PRIVACY_CONTACT"):
        assert f"(set {name})" in text


def test_footer_and_sign_form_link_to_the_statement(staff, client):
    slug = staff.publish_letter()
    for path in ("/", f"/letters/{slug}", f"/letters/{slug}/sign"):
        assert "/privacy" in client.get(path).text, path


def test_sign_form_asks_consent_and_marks_what_is_required(staff, client):
    slug = staff.publish_letter(kinds="alderperson, individual")
    html = client.get(f"/letters/{slug}/sign").text
    public = re.search(r"<input[^>]*name=\"public\"[^>]*>", html).group(0)
    assert "checked" not in public
    assert 'aria-describedby="public-hint"' in public
    hint = visible_text(re.search(r'id="public-hint">(.*?)</p>', html, re.S).group(1))
    assert "pagina van de brief" in hint and "API" in hint and "pdf" in hint
    for name in ("name", "email", "consent"):
        field = re.search(rf"<input[^>]*name=\"{name}\"[^>]*>", html).group(0)
        assert 'aria-required="true"' in field, name
    for name in ("role", "website", "public"):
        field = re.search(rf"<input[^>]*name=\"{name}\"[^>]*>", html).group(0)
        assert "aria-required" not in field, name
    text = visible_text(html)
    assert "Velden met een * zijn verplicht." in text
    assert ("Wie deze brief mag ondertekenen: wethouders van een Nederlandse gemeente en "
            "individuele ondersteuners.") in text
    # Shown to the eye only: screen readers hear "required" from the field itself.
    assert html.count('<span class="required" aria-hidden="true">*</span>') >= 4


def test_a_letter_only_alderpersons_sign_marks_the_municipality_required(staff, client):
    slug = staff.publish_letter(kinds="alderperson")
    html = client.get(f"/letters/{slug}/sign").text
    field = re.search(r"<input[^>]*name=\"municipality\"[^>]*>", html).group(0)
    assert 'aria-required="true"' in field
    assert "Wie deze brief mag ondertekenen: wethouders van een Nederlandse gemeente." in \
        visible_text(html)


def test_signing_without_the_box_counts_but_shows_no_name(app, staff, browser, mailbox):
    slug = staff.publish_letter(moderation="none")
    form = browser.get(f"/letters/{slug}/sign").text
    # What a browser sends when the box is left as it is: no `public` at all.
    data = {key: value for key, value in SIGNER.items() if key != "public"}
    response = browser.client.post(f"/letters/{slug}/sign",
                                   data={**data, "csrf_token": csrf_token(form)})
    assert response.status_code == 303
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))
    assert browser.get(f"/api/letters/{slug}").json["counts"]["total"] == 1
    assert browser.get(f"/api/letters/{slug}/signatures").json["items"] == []
    assert SIGNER["name"] not in visible_text(browser.get(f"/letters/{slug}").text)
    csv_lines = browser.get(f"/letters/{slug}/signatures.csv").text.strip().splitlines()
    assert len(csv_lines) == 1  # the header only
    with app.app_context():
        from campaign.delivery.rendering import render_letter_pdf
        from campaign.letters.queries import find_letter

        pdf = render_letter_pdf(find_letter(slug))
    assert SIGNER["name"].encode() not in pdf


def test_purge_keeps_unconfirmed_signatures_as_long_as_the_statement_says(make_app, tmp_path):
    from campaign.core.timeutil import utcnow
    from campaign.extensions import db
    from campaign.signatures.models import Signature
    from helpers.factories import Factories
    from helpers.staff import Staff

    app = make_app(UNCONFIRMED_RETENTION_DAYS=21)
    staff, factories = Staff(app, tmp_path), Factories(app)
    slug = staff.publish_letter()
    factories.signatures(slug, [
        {"name": "Oud", "state": "pending", "created_at": utcnow() - timedelta(days=22)},
        {"name": "Nieuw", "state": "pending", "created_at": utcnow() - timedelta(days=20)}])
    result = staff.run("letters", "purge-unconfirmed")
    assert result.exit_code == 0 and "1 unconfirmed signature(s) deleted" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Signature.name)).all() == ["Nieuw"]
