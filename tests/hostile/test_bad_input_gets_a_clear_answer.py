"""Bad input from anyone gets a clear answer and the fitting status: never a 500, nothing stored."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.letters.models import Letter
from campaign.mail.models import OutboxMail
from campaign.signatures.models import Signature
from helpers.mail import links_in
from helpers.pages import Browser, path_of, visible_text
from helpers.signers import SIGNER
from helpers.staff import LETTER_FILE, Staff


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_consent_false_is_no_consent(app, staff, browser):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "consent": "false"})
    assert response.status_code == 400 and 'id="consent-error"' in response.text
    assert _count(app, Signature) == 0


def test_control_characters_are_dropped_from_what_signers_type(app, staff, browser):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", {
        **SIGNER, "name": "Jan\x00 Jan\x07sen", "role": "wet\x00houder",
        "website": "utrecht.nl\x00"})
    assert response.status_code == 303
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature))
        assert (signature.name, signature.role, signature.website) == \
            ("Jan Jansen", "wethouder", "utrecht.nl")


@pytest.mark.parametrize("path", ["/letters/a%00b", "/api/letters/a%00b", "/letters/A-B",
                                  "/letters/x%0A", "/api/letters/" + "a" * 500,
                                  "/letters/a%00b/sign", "/api/letters/a%00b/signatures"])
def test_addresses_that_cannot_be_a_letter_are_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["page=%C2%B2", "page=99999999999999999999", "per_page=%C2%B2",
                                   "page=-3", "page="])
def test_odd_paging_values_get_400(staff, client, query):
    slug = staff.publish_letter()
    response = client.get(f"/api/letters/{slug}/signatures?{query}")
    assert response.status_code == 400 and "error" in response.json


def test_very_large_page_number_is_just_empty(staff, client):
    slug = staff.publish_letter()
    answer = client.get(f"/api/letters/{slug}/signatures?page=999999999").json
    assert answer == {"items": [], "next": None}


def test_long_title_still_fits_its_mail_subject(app, staff, browser):
    path = staff.write("lang.md", LETTER_FILE.format(slug="lang", moderation="none",
                                                     kinds="alderperson").replace(
        "title: Open brief over gelijke kansen", "title: " + "Heel lang " * 30))
    assert staff.run("letters", "import", path, "--publish").exit_code == 0
    assert browser.submit("/letters/lang/sign", SIGNER).status_code == 303
    staff.send_mail()  # the sender renders the mail the sign form queued
    with app.app_context():
        subject = db.session.scalar(sa.select(OutboxMail.subject))
    assert len(subject) == 300 and subject.endswith("…")


def test_inviting_to_a_draft_is_refused(app, staff):
    path = staff.write("concept.md", LETTER_FILE.format(slug="concept", moderation="none",
                                                        kinds="alderperson"))
    staff.run("letters", "import", path)
    result = staff.invite("concept", "name,email,kind,municipality\nLea,lea@x.nl,alderperson,Ede\n")
    assert result.exit_code != 0 and "publish it before inviting" in result.output
    assert _count(app, Signature) == 0


def test_too_long_fields_in_staff_files_are_named_not_crashed_on(app, staff):
    text = LETTER_FILE.format(slug="lang", moderation="none", kinds="alderperson").replace(
        "place: Utrecht", "place: " + "U" * 250)
    result = staff.run("letters", "import", staff.write("lang.md", text))
    assert result.exit_code != 0 and "line 10: field 'place' is longer than 200" in result.output
    slug = staff.publish_letter()
    result = staff.invite(slug, f"name,email,kind,municipality\n{'N' * 250},n@ede.nl,alderperson,"
                                "Ede\n")
    assert result.exit_code != 0 and "line 2: name is longer than 200" in result.output
    assert _count(app, Letter) == 1 and _count(app, Signature) == 0


def test_binary_staff_files_are_refused(app, staff):
    result = staff.run("letters", "import", staff.write("bin.md", "---\ntitle: x\x00\n---\n"))
    assert result.exit_code != 0 and "NUL character" in result.output
    slug = staff.publish_letter()
    assert "NUL character" in staff.invite(slug, "name,email,kind\nx\x00,a@b.nl,alderperson\n") \
        .output


def test_same_mailbox_spelled_two_ways_signs_once(app, staff, browser):
    slug = staff.publish_letter(moderation="none")
    browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": "jan@bücher.de"})
    browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": "JAN@xn--bcher-kva.de"})
    assert _count(app, Signature) == 1


def test_wrong_methods_get_405(staff, client):
    slug = staff.publish_letter()
    assert client.post(f"/letters/{slug}").status_code == 405
    assert client.delete(f"/api/letters/{slug}").status_code == 405
    assert client.get(f"/letters/{slug}/confirm/x/renew").status_code == 405


def test_expired_links_of_every_purpose(make_app, tmp_path, mailbox):
    app = make_app(CONFIRM_LINK_MAX_AGE=-1, INVITE_LINK_MAX_AGE=-1, WITHDRAW_LINK_MAX_AGE=-1)
    staff, browser = Staff(app, tmp_path), Browser(app.test_client())
    slug = staff.publish_letter()
    staff.invite(slug, "name,email,kind,municipality\nLea,lea@ede.nl,alderperson,Ede\n")
    staff.send_mail()
    invitation = path_of(links_in(mailbox.last_to("lea@ede.nl"))[0])
    assert browser.get(invitation).status_code == 410
    # Once signed (through a fresh invitation), the old invitation link shows the state...
    with app.app_context():
        from campaign.signatures import operations
        operations.confirm_signature(db.session.scalar(sa.select(Signature)))
        db.session.commit()
    used = browser.get(invitation)
    assert used.status_code == 200 and "Lea" in visible_text(used.text)
    # ...while an expired withdraw link still has work to do: it offers a new one.
    staff.send_mail()
    withdraw = path_of(next(link for link in links_in(mailbox.last_to("lea@ede.nl"))
                            if "/withdraw/" in link))
    assert browser.get(withdraw).status_code == 410


def test_a_name_of_spaces_is_no_name_and_gemeente_is_no_municipality(app, staff, browser):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "name": "   \x07",
                                                        "municipality": "Gemeente "})
    assert response.status_code == 400
    assert 'id="name-error"' in response.text and 'id="municipality-error"' in response.text
    assert _count(app, Signature) == 0


def test_only_the_fields_of_the_chosen_kind_are_kept(app, staff, browser):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", {**SIGNER, "kind": "organisation",
                                              "organisation": "Stichting Zon",
                                              "municipality": "Utrecht"})
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature))
        assert (signature.organisation, signature.municipality) == ("Stichting Zon", None)


def test_review_of_an_impossible_id_is_a_clear_error(staff):
    slug = staff.publish_letter()
    result = staff.run("letters", "approve", slug, "99999999999999999999")
    assert result.exit_code == 2 and "is not in the range" in result.output


def test_error_pages_of_an_english_letter_speak_english(staff, client):
    english = LETTER_FILE.format(slug="equal-chances", moderation="none",
                                 kinds="alderperson").replace("language: nl", "language: en")
    staff.run("letters", "import", staff.write("en.md", english), "--publish")
    refused = client.post("/letters/equal-chances/sign", data=SIGNER)  # no CSRF token
    assert refused.status_code == 400
    assert '<html lang="en">' in refused.text and "The form had expired" in refused.text
    assert 'href="/privacy?lang=en"' in refused.text
    too_big = client.post("/letters/equal-chances/sign", data={"role": "x" * 70_000})
    assert too_big.status_code == 413 and "Too much data" in too_big.text
