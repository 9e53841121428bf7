"""Moderators work the review queue: the signatures waiting with their evidence, approved or
rejected in bulk after a preview of what the action touches; corrections of how a signature is
shown (the original kept in the audit log, and erased there too on withdrawal); lead
signatories and their order."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.signatures.models import Signature
from helpers.mail import links_in
from helpers.pages import Browser, path_of, visible_text
from helpers.signers import SIGNER
from helpers.staff_browser import StaffBrowser


@pytest.fixture
def moderator(app, factories) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())  # not a signer's browser
    assert browser.log_in(factories.staff_user("moderator")).status_code == 303
    return browser


def sign(app, staff, mailbox, slug: str, **fields) -> int:
    """A signer fills in the public form in their own browser and confirms by mail."""
    browser = Browser(app.test_client())
    details = {**SIGNER, **fields}
    assert browser.submit(f"/letters/{slug}/sign", details).status_code == 303
    staff.send_mail()
    link = path_of(links_in(mailbox.last_to(details["email"]))[0])
    assert browser.submit(link).status_code == 200
    with app.app_context():
        return db.session.scalar(sa.select(Signature.id).where(
            Signature.email == details["email"]))


def _get(app, signature_id: int) -> Signature:
    with app.app_context():
        return db.session.get(Signature, signature_id)


def _public_names(app, slug: str) -> list[str]:
    items = app.test_client().get(f"/api/letters/{slug}/signatures").json["items"]
    return [item["name"] for item in items]


def test_moderator_sees_the_evidence_and_approves_in_bulk_after_a_preview(app, staff, mailbox,
                                                                        moderator):
    slug = staff.publish_letter()
    other = staff.publish_letter("tweede-brief")
    jan = sign(app, staff, mailbox, slug, email="jan.jansen@gmail.com",
               website="https://www.utrecht.nl")
    ria = sign(app, staff, mailbox, slug, name="Ria Smit", email="ria@smit.example.nl",
               municipality="Tilburg")
    org = sign(app, staff, mailbox, slug, kind="organisation", name="Els Bos",
               organisation="Stichting Speel", municipality="", email="els@gmail.com",
               website="https://stichting-speel.example.nl")
    elsewhere = sign(app, staff, mailbox, other, name="Kees", email="kees@gmail.com")
    domain = sign(app, staff, mailbox, slug, name="Piet", email="piet@utrecht.nl")
    assert _get(app, domain).review == "not_needed"  # verified by its domain: no review

    queue = moderator.get("/staff/review")
    assert queue.status_code == 200 and "<script" not in queue.text
    text = visible_text(queue.text)
    for name in ("Jan Jansen", "Ria Smit", "Els Bos", "Kees"):
        assert name in text
    assert "Piet" not in text
    assert "gmail.com" in text and "utrecht.nl" in text  # the mail domain and the town's
    assert "tilburg.nl" in text                           # Ria's town's domains beside hers
    assert "stichting-speel.example.nl" in text           # the website given
    only_one = visible_text(moderator.get(f"/staff/review?slug={other}").text)
    assert "Kees" in only_one and "Jan Jansen" not in only_one
    assert moderator.get("/staff/review?slug=geen-brief").status_code == 404

    preview = moderator.post("/staff/review/preview", {"ids": [jan, ria], "action": "approve",
                                                       "slug": slug})
    assert preview.status_code == 200
    assert "Jan Jansen" in visible_text(preview.text) and "Els Bos" not in visible_text(
        preview.text)
    assert _get(app, jan).review == "waiting"  # a preview changes nothing
    assert _public_names(app, slug) == ["Piet"]

    done = moderator.post("/staff/review/apply", {"ids": [jan, ria], "action": "approve",
                                                  "slug": slug})
    assert done.status_code == 303
    assert done.headers["Location"].startswith(f"/staff/review?slug={slug}")
    assert (_get(app, jan).review, _get(app, jan).verification) == ("approved", "staff")
    assert sorted(_public_names(app, slug)) == ["Jan Jansen", "Piet", "Ria Smit"]

    rejected = moderator.post("/staff/review/apply", {"ids": [org], "action": "reject"})
    assert rejected.status_code == 303
    assert _get(app, org).review == "rejected" and "Els Bos" not in _public_names(app, slug)
    with app.app_context():
        actors = {e.actor for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.in_(("signature.approved", "signature.rejected"))))}
        assert actors == {"moderator@campagne.example.nl"}
    assert _get(app, elsewhere).review == "waiting"


def test_a_stale_or_empty_choice_changes_nothing(app, staff, mailbox, moderator):
    slug = staff.publish_letter()
    jan = sign(app, staff, mailbox, slug, email="jan.jansen@gmail.com")
    ria = sign(app, staff, mailbox, slug, name="Ria Smit", email="ria@gmail.com")
    assert moderator.post("/staff/review/apply", {"ids": [jan], "action": "reject"}
                          ).status_code == 303
    # Someone else rejected Jan meanwhile: the preview says so, and applying does nothing.
    preview = moderator.post("/staff/review/preview", {"ids": [jan, ria], "action": "approve"})
    assert preview.status_code == 200 and "/staff/review/apply" not in preview.text
    stale = moderator.post("/staff/review/apply", {"ids": [jan, ria], "action": "approve"})
    assert stale.status_code == 409
    assert (_get(app, jan).review, _get(app, ria).review) == ("rejected", "waiting")

    empty = moderator.post("/staff/review/preview", {"action": "approve"})
    assert empty.status_code == 400 and 'id="ids-error"' in empty.text
    junk = moderator.post("/staff/review/apply", {"ids": ["x"], "action": "approve"})
    assert junk.status_code == 400
    wrong_action = moderator.post("/staff/review/apply", {"ids": [ria], "action": "publish"})
    assert wrong_action.status_code == 400
    unknown = moderator.post("/staff/review/apply", {"ids": [ria, 999999], "action": "approve"})
    assert unknown.status_code == 409
    assert _get(app, ria).review == "waiting"


def test_a_correction_changes_what_is_shown_and_the_audit_keeps_the_original(app, staff,
                                                                           mailbox, moderator):
    slug = staff.publish_letter(moderation="none")
    jan = sign(app, staff, mailbox, slug, name="jan jansen", role="weth.", email="jan@gmail.com")
    page = moderator.get(f"/staff/signatures/{jan}")
    assert page.status_code == 200 and 'name="municipality"' in page.text

    bad = moderator.post(f"/staff/signatures/{jan}/correct", {
        "name": "Jan Jansen", "role": "wethouder", "municipality": "Atlantis"})
    assert bad.status_code == 400 and 'id="municipality-error"' in bad.text
    empty = moderator.post(f"/staff/signatures/{jan}/correct", {"name": "", "role": ""})
    assert empty.status_code == 400 and 'id="name-error"' in empty.text
    assert _get(app, jan).name == "jan jansen"

    fixed = moderator.post(f"/staff/signatures/{jan}/correct", {
        "name": "Jan Jansen", "role": "wethouder Onderwijs", "municipality": "Den Bosch"})
    assert fixed.status_code == 303
    signature = _get(app, jan)
    assert (signature.name, signature.role, signature.municipality) == (
        "Jan Jansen", "wethouder Onderwijs", "'s-Hertogenbosch")
    letter_page = visible_text(app.test_client().get(f"/letters/{slug}").text)
    assert "Jan Jansen, wethouder Onderwijs gemeente 's-Hertogenbosch" in letter_page
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "signature.corrected"))
        assert event.detail["before"] == {"name": "jan jansen", "role": "weth.",
                                          "municipality": "Utrecht"}
        assert event.detail["after"]["municipality"] == "'s-Hertogenbosch"
        assert event.actor == "moderator@campagne.example.nl"

    # The signer withdraws: the original leaves the audit log too.
    withdraw = path_of(links_in(mailbox.last_to("jan@gmail.com"))[-1])
    signer = Browser(app.test_client())
    assert signer.submit(withdraw).status_code == 200
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "signature.corrected"))
        assert "jan jansen" not in str(event.detail) and "Jan Jansen" not in str(event.detail)
    assert moderator.post(f"/staff/signatures/{jan}/correct", {
        "name": "Iemand", "municipality": "Utrecht"}).status_code == 409


def test_moderator_marks_lead_signatories_in_their_order(app, staff, mailbox, moderator):
    slug = staff.publish_letter(moderation="none")
    anna = sign(app, staff, mailbox, slug, name="Anna Aalders", email="anna@utrecht.nl")
    bram = sign(app, staff, mailbox, slug, name="Bram Bos", email="bram@tilburg.nl",
                municipality="Tilburg")
    listing = moderator.get(f"/staff/review/letters/{slug}")
    assert listing.status_code == 200 and "Anna Aalders" in visible_text(listing.text)

    assert moderator.post(f"/staff/signatures/{anna}/lead", {"lead": "y", "order": "2",
                                                            "back": "list"}).status_code == 303
    assert moderator.post(f"/staff/signatures/{bram}/lead", {"lead": "y", "order": "1"}
                          ).status_code == 303
    page = visible_text(app.test_client().get(f"/letters/{slug}").text)
    assert page.index("Bram Bos, wethouder gemeente Tilburg") < page.index("Anna Aalders")
    leads = [i["name"] for i in app.test_client().get(
        f"/api/letters/{slug}/signatures").json["items"] if i["lead"]]
    assert sorted(leads) == ["Anna Aalders", "Bram Bos"]

    bad = moderator.post(f"/staff/signatures/{anna}/lead", {"lead": "y", "order": "nul"})
    assert bad.status_code == 400 and 'id="order-error"' in bad.text
    assert moderator.post(f"/staff/signatures/{bram}/lead", {}).status_code == 303
    assert (_get(app, bram).lead, _get(app, bram).lead_order) == (False, None)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "signature.lead_set")) == 3


def test_editors_may_not_review(app, factories):
    editor = StaffBrowser(app.test_client())
    editor.log_in(factories.staff_user("editor"))
    assert editor.get("/staff/review").status_code == 403
    assert editor.post("/staff/review/apply", {"ids": [1], "action": "approve"}
                       ).status_code == 403
