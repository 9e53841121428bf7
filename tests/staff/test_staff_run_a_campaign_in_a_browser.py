"""Staff run a campaign in a real browser (Debian's Chromium driven by Playwright), without a
shell: an editor logs in, uploads a letter file, previews its PDF, publishes it and invites from
a CSV; a moderator approves a signature that waits for review."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.signatures.models import Signature
from helpers.browsers import chromium_browser, needs_chromium
from helpers.factories import STAFF_PASSWORD, letter_file
from helpers.mail import links_in
from helpers.pages import Browser
from helpers.signers import SIGNER

pytestmark = needs_chromium
DESKTOP = {"width": 1280, "height": 900}
INVITEES = ("name,email,kind,role,municipality,organisation,lead\n"
            "Marieke de Groot,m.degroot@utrecht.nl,alderperson,wethouder,Utrecht,,yes\n"
            "Joost Smit,j.smit@tilburg.nl,alderperson,wethouder,Tilburg,,no\n")


@pytest.fixture
def chromium():
    with chromium_browser() as browser:
        yield browser


def _log_in(browser, base_url: str, email: str):
    page = browser.new_page(viewport=DESKTOP, locale="nl-NL")
    page.goto(f"{base_url}/staff/")
    assert "/staff/login" in page.url
    page.fill("#email", email)
    page.fill("#password", STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/staff/")
    return page


def test_editor_and_moderator_run_a_campaign(served, chromium, factories, mailbox, tmp_path):
    app, base_url = served
    editor = factories.staff_user("editor")
    moderator = factories.staff_user("moderator")
    letter = tmp_path / "brief.md"
    letter.write_text(letter_file("in-de-browser", moderation="unverified"), encoding="utf-8")
    invitees = tmp_path / "genodigden.csv"
    invitees.write_text(INVITEES, encoding="utf-8")

    page = _log_in(chromium, base_url, editor)
    page.goto(f"{base_url}/staff/letters/new")
    page.set_input_files("#letter_file", str(letter))
    page.locator("form[action$='/upload'] button[type=submit]").click()
    page.wait_for_url(f"{base_url}/staff/letters/in-de-browser")

    pdf = page.request.get(f"{base_url}/staff/letters/in-de-browser/preview.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.locator("form[action$='/publish'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.request.get(f"{base_url}/letters/in-de-browser").status == 200

    page.goto(f"{base_url}/staff/letters/in-de-browser/invitations")
    page.set_input_files("#file", str(invitees))
    page.locator("form[action$='/invitations/upload'] button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("form[action$='/invitations/send'] button[type=submit]").click()
    page.wait_for_load_state()
    with app.app_context():
        invited = db.session.scalars(sa.select(Signature.email).where(
            Signature.state == "invited")).all()
    assert sorted(invited) == ["j.smit@tilburg.nl", "m.degroot@utrecht.nl"]
    page.screenshot(path=str(tmp_path / "invitations.png"), full_page=True)

    # A stranger signs with a free-mail address: the signature waits for review.
    signer = Browser(app.test_client())
    stranger = {**SIGNER, "kind": "organisation", "municipality": "", "website": "",
                "organisation": "Stichting Buurtwerk", "email": "buurtwerk@gmail.com"}
    assert signer.submit("/letters/in-de-browser/sign", stranger).status_code == 303
    assert app.test_cli_runner().invoke(args=["outbox", "send", "--once"]).exit_code == 0
    confirm = links_in(mailbox.last_to("buurtwerk@gmail.com"))[0]
    signer.submit(confirm.removeprefix(base_url))

    review = _log_in(chromium, base_url, moderator)
    review.goto(f"{base_url}/staff/review?slug=in-de-browser")
    review.locator("input[name=ids]").first.check()
    review.locator("button[name=action][value=approve]").click()
    review.wait_for_load_state()
    review.locator("form[action$='/review/apply'] button[type=submit]").click()
    review.wait_for_load_state()
    with app.app_context():
        approved = db.session.scalar(sa.select(Signature).where(
            Signature.email == "buurtwerk@gmail.com"))
        assert (approved.review, approved.verification) == ("approved", "staff")
    public = review.request.get(f"{base_url}/letters/in-de-browser").text()
    assert "Stichting Buurtwerk" in public
