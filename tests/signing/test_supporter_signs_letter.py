"""Open signing: a supporter fills in the public form, confirms by mail, and is listed."""
from __future__ import annotations

import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.signatures.models import Signature
from helpers.mail import links_in
from helpers.pages import Browser, csrf_token, path_of, visible_text
from helpers.signers import SIGNER
from helpers.staff import Staff


def _signatures(app):
    with app.app_context():
        return db.session.scalars(sa.select(Signature).order_by(Signature.id)).all()


def test_supporter_signs_and_confirms_by_post(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", SIGNER)
    assert response.status_code == 303
    page = browser.get(response.headers["Location"])
    assert "Controleer uw e-mail" in page.text

    [pending] = _signatures(app)
    assert pending.state == "pending"
    assert staff.send_mail().sent == 1
    mail = mailbox.last_to("j.jansen@utrecht.nl")
    confirm_link, withdraw_link = links_in(mail)[0], links_in(mail)[-1]
    assert "/confirm/" in confirm_link and "/withdraw/" in withdraw_link

    # A mail scanner fetching the link changes nothing.
    assert browser.get(path_of(confirm_link)).status_code == 200
    assert _signatures(app)[0].state == "pending"
    assert "Jan Jansen" not in visible_text(browser.get(f"/letters/{slug}").text)

    confirmed = browser.submit(path_of(confirm_link))
    assert confirmed.status_code == 200
    [signature] = _signatures(app)
    assert signature.state == "confirmed"
    assert signature.verification == "domain"
    assert signature.review == "not_needed"
    assert "Jan Jansen, wethouder gemeente Utrecht" in visible_text(
        browser.get(f"/letters/{slug}").text)


def test_sign_form_shows_each_error_beside_its_field_and_stores_nothing(app, staff, browser,
                                                                        mailbox):
    slug = staff.publish_letter()
    bad = {**SIGNER, "name": "", "email": "not-an-address", "municipality": "", "consent": ""}
    response = browser.submit(f"/letters/{slug}/sign", bad)
    assert response.status_code == 400
    html = response.text
    for field in ("name", "email", "municipality", "consent"):
        assert f'id="{field}-error"' in html, field
        assert f'aria-describedby="{field}-error"' in html, field
    assert 'id="role-error"' not in html
    # What was typed is kept, so the signer only fixes what is wrong.
    assert 'value="not-an-address"' in html
    assert _signatures(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0


def test_organisation_needs_an_organisation_and_kind_must_be_offered(app, staff, browser):
    slug = staff.publish_letter(kinds="organisation")
    response = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "kind": "organisation"})
    assert response.status_code == 400 and 'id="organisation-error"' in response.text
    response = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "kind": "alderperson",
                                                        "organisation": "Stichting X"})
    assert response.status_code == 400 and 'id="kind-error"' in response.text
    assert _signatures(app) == []


def test_sign_form_without_csrf_token_is_refused(app, staff, client):
    slug = staff.publish_letter()
    response = client.post(f"/letters/{slug}/sign", data=SIGNER)
    assert response.status_code == 400
    assert _signatures(app) == []


def test_second_signature_with_same_address_reveals_nothing(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    first = browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))
    mailbox.clear()
    staff.let_time_pass()

    again = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": "J.Jansen@Utrecht.nl",
                                                      "name": "Someone Else"})
    assert again.status_code == first.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    [signature] = _signatures(app)
    assert signature.name == "Jan Jansen" and signature.state == "confirmed"
    staff.send_mail()
    notice = mailbox.last_to(SIGNER["email"])
    assert "/withdraw/" in links_in(notice)[0]
    assert "/confirm/" not in " ".join(links_in(notice))


def test_pending_signer_who_signs_again_gets_a_fresh_mail_for_what_was_first_given(
        app, staff, browser, mailbox):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    staff.let_time_pass()
    # Someone else typing this address cannot change what its owner's link confirms.
    browser.submit(f"/letters/{slug}/sign", {**SIGNER, "name": "Iemand Anders"})
    [signature] = _signatures(app)
    assert signature.state == "pending" and signature.name == "Jan Jansen"
    staff.send_mail()
    first, second = mailbox.to(SIGNER["email"])
    page = visible_text(browser.get(path_of(links_in(second)[0])).text)
    assert "Jan Jansen" in page and "Iemand Anders" not in page


def test_confirm_link_used_twice_shows_the_state(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    link = path_of(links_in(mailbox.last_to(SIGNER["email"]))[0])
    browser.submit(link)
    with app.app_context():
        first_confirmation = db.session.scalar(sa.select(Signature.confirmed_at))
    second = browser.post(link)
    assert second.status_code == 200
    assert "Jan Jansen" in visible_text(second.text)
    with app.app_context():
        assert db.session.scalar(sa.select(Signature.confirmed_at)) == first_confirmation
        confirmations = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                          .where(AuditEvent.action == "signature.confirmed"))
    assert confirmations == 1


def test_tampered_or_foreign_links_are_not_found(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    other = staff.publish_letter("andere-brief")
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    link = path_of(links_in(mailbox.last_to(SIGNER["email"]))[0])
    token = link.rsplit("/", 1)[1]
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert browser.get(tampered).status_code == 404
    assert browser.client.post(tampered).status_code in (400, 404)
    # A confirm token is no withdraw token, and belongs to its own letter only.
    assert browser.get(f"/letters/{slug}/withdraw/{token}").status_code == 404
    assert browser.get(f"/letters/{other}/confirm/{token}").status_code == 404
    assert _signatures(app)[0].state == "pending"


def test_expired_link_answers_410_and_offers_a_new_one(make_app, staff, mailbox):
    app = make_app(CONFIRM_LINK_MAX_AGE=-1)
    staff, browser = Staff(app, staff.tmp_path), Browser(app.test_client())
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    link = path_of(links_in(mailbox.last_to(SIGNER["email"]))[0])
    mailbox.clear()

    expired = browser.get(link)
    assert expired.status_code == 410
    assert f'action="{link}/renew"' in expired.text
    browser.token = csrf_token(expired.text)
    assert browser.post(link).status_code == 410
    staff.let_time_pass()
    assert browser.post(link + "/renew").status_code == 200
    staff.send_mail()
    assert "/confirm/" in links_in(mailbox.last_to(SIGNER["email"]))[0]
    assert _signatures(app)[0].state == "pending"


def test_closed_letter_refuses_signatures_with_409(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    link = path_of(links_in(mailbox.last_to(SIGNER["email"]))[0])
    browser.token = csrf_token(browser.get(link).text)
    assert staff.run("letters", "close", slug).exit_code == 0
    assert browser.post(link).status_code == 409
    assert browser.get(f"/letters/{slug}/sign").status_code == 409
    assert _signatures(app)[0].state == "pending"
    assert browser.get(f"/letters/{slug}").status_code == 200


def test_unverified_signature_waits_for_review_under_unverified_policy(app, staff, browser,
                                                                        mailbox):
    slug = staff.publish_letter(moderation="unverified")
    signer = {**SIGNER, "email": "jan@gmail.com", "website": "https://gmail.com"}
    browser.submit(f"/letters/{slug}/sign", signer)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(signer["email"]))[0]))
    [signature] = _signatures(app)
    assert signature.state == "confirmed" and not signature.verified
    assert signature.review == "waiting"
    assert "Jan Jansen" not in visible_text(browser.get(f"/letters/{slug}").text)
    assert browser.get(f"/api/letters/{slug}").json["counts"]["total"] == 0


def test_every_confirmed_signature_counts_under_policy_none(app, staff, browser, mailbox):
    slug = staff.publish_letter(moderation="none")
    signer = {**SIGNER, "email": "jan@gmail.com", "website": ""}
    browser.submit(f"/letters/{slug}/sign", signer)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(signer["email"]))[0]))
    assert browser.get(f"/api/letters/{slug}").json["counts"]["total"] == 1
    assert "Jan Jansen" in visible_text(browser.get(f"/letters/{slug}").text)


def test_verified_signature_still_waits_under_policy_all(app, staff, browser, mailbox):
    slug = staff.publish_letter(moderation="all")
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))
    [signature] = _signatures(app)
    assert signature.verified and signature.review == "waiting"


def test_signer_who_hides_their_name_is_counted_not_named(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    signer = {key: value for key, value in SIGNER.items() if key != "public"}
    browser.submit(f"/letters/{slug}/sign", signer)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(signer["email"]))[0]))
    assert browser.get(f"/api/letters/{slug}").json["counts"]["alderperson"] == 1
    assert browser.get(f"/api/letters/{slug}/signatures").json["items"] == []
    assert "Jan Jansen" not in visible_text(browser.get(f"/letters/{slug}").text)


def test_oversized_form_gets_413(app, staff, browser):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "role": "x" * 70_000})
    assert response.status_code == 413
    assert _signatures(app) == []


def test_too_many_submissions_get_429(make_app, staff, tmp_path):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="2 per minute")
    staff, browser = Staff(app, tmp_path), Browser(app.test_client())
    slug = staff.publish_letter()
    codes = [browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": f"a{n}@utrecht.nl"})
             .status_code for n in range(3)]
    assert codes == [303, 303, 429]
    assert len(_signatures(app)) == 2


def test_draft_letter_cannot_be_seen_or_signed(app, staff, browser):
    from helpers.staff import LETTER_FILE
    path = staff.write("draft.md", LETTER_FILE.format(slug="concept", moderation="none",
                                                      kinds="organisation"))
    assert staff.run("letters", "import", path).output.strip() == "concept"
    assert browser.get("/letters/concept").status_code == 404
    assert browser.get("/letters/concept/sign").status_code == 404
    assert browser.get("/api/letters/concept").status_code == 404


def test_pages_behind_mailed_links_cannot_be_framed_cached_or_leak_their_token(staff, browser,
                                                                               mailbox):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    page = browser.get(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-store"
    assert "no-store" not in browser.get(f"/letters/{slug}").headers.get("Cache-Control", "")


def test_the_form_filled_in_again_and_again_does_not_flood_a_mailbox(app, staff, browser,
                                                                     mailbox):
    slug = staff.publish_letter()
    for _ in range(4):
        assert browser.submit(f"/letters/{slug}/sign", SIGNER).status_code == 303
    staff.send_mail()
    assert len(mailbox.to(SIGNER["email"])) == 1
    staff.let_time_pass()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    assert len(mailbox.to(SIGNER["email"])) == 2
