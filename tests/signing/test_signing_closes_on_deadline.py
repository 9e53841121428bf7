"""A letter with `sign_until` takes signatures up to and including that day (Dutch time) and
then closes by itself: the form, its POST and a late confirmation answer as for a closed letter,
and the letter's page says until when one could sign."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.core.errors import NotAllowed
from campaign.core.timeutil import today_where_signed
from campaign.extensions import db
from campaign.letters.models import Letter
from campaign.signatures import operations
from campaign.signatures.models import Signature
from helpers.mail import links_in
from helpers.pages import Browser, csrf_token, path_of, visible_text
from helpers.signers import SIGNER

SLUG = "gelijke-kansen"


def _set_deadline(app, days_from_today: int | None) -> None:
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        letter.sign_until = (None if days_from_today is None
                             else today_where_signed() + timedelta(days=days_from_today))
        db.session.commit()


def _signatures(app) -> list[Signature]:
    with app.app_context():
        return db.session.scalars(sa.select(Signature)).all()


def test_until_the_last_day_the_form_takes_signatures_and_says_until_when(app, staff, browser):
    staff.publish_letter()
    _set_deadline(app, 0)  # today is the last day

    page = visible_text(browser.get(f"/letters/{SLUG}").text)
    last_day = today_where_signed()
    assert "Onderteken deze brief" in page
    assert "U kunt ondertekenen tot en met" in page and str(last_day.year) in page

    response = browser.submit(f"/letters/{SLUG}/sign", SIGNER)
    assert response.status_code == 303
    assert [s.state for s in _signatures(app)] == ["pending"]


def test_after_the_last_day_the_form_and_its_post_are_refused(app, staff, client):
    staff.publish_letter()
    form_page = client.get(f"/letters/{SLUG}/sign")
    token = csrf_token(form_page.text)  # a form opened before the deadline passed
    _set_deadline(app, -1)

    refused = client.get(f"/letters/{SLUG}/sign")
    assert refused.status_code == 409
    text = visible_text(refused.text)
    assert "Deze brief kan niet meer worden ondertekend" in text
    assert "Het ondertekenen is gesloten na" in text

    late = client.post(f"/letters/{SLUG}/sign", data={"csrf_token": token, **SIGNER})
    assert late.status_code == 409
    assert _signatures(app) == []

    page = visible_text(client.get(f"/letters/{SLUG}").text)
    assert "Het ondertekenen is gesloten na" in page
    assert "Onderteken deze brief" not in page
    # The letter itself stays open: staff can move the deadline and signing resumes.
    assert client.get(f"/api/letters/{SLUG}").json["status"] == "open"
    _set_deadline(app, 3)
    assert client.get(f"/letters/{SLUG}/sign").status_code == 200

    # A letter staff closed says so, whatever its deadline.
    _set_deadline(app, -1)
    assert staff.run("letters", "close", SLUG).exit_code == 0
    page = visible_text(client.get(f"/letters/{SLUG}").text)
    assert "gesloten na" not in page and "Onderteken deze brief" not in page


def test_a_confirmation_after_the_last_day_is_refused_like_on_a_closed_letter(
        app, staff, mailbox):
    staff.publish_letter()
    browser = Browser(app.test_client())
    assert browser.submit(f"/letters/{SLUG}/sign", SIGNER).status_code == 303
    staff.send_mail()
    confirm_link = path_of(links_in(mailbox.last_to(SIGNER["email"]))[0])
    page = browser.get(confirm_link)  # opened before the deadline passed
    assert page.status_code == 200
    browser.token = csrf_token(page.text)
    _set_deadline(app, -1)
    assert browser.get(confirm_link).status_code == 409

    response = browser.post(confirm_link)
    assert response.status_code == 409
    assert "Het ondertekenen is gesloten na" in visible_text(response.text)
    assert [s.state for s in _signatures(app)] == ["pending"]


def test_the_operations_refuse_too_whoever_calls_them(app, staff):
    staff.publish_letter()
    _set_deadline(app, -1)
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        assert letter.is_open and not letter.accepts_signatures
        details = operations.SignerDetails(
            kind="alderperson", name="Jan Jansen", email="j.jansen@utrecht.nl",
            role="wethouder", organisation="", municipality="Utrecht", website="", public=True)
        with pytest.raises(NotAllowed, match="signing closed after"):
            operations.submit_signature(letter, details)
        db.session.rollback()
    assert _signatures(app) == []


def test_a_deadline_is_a_letter_file_field(app, staff, client):
    text = staff.write("deadline.md", _letter_file_with("sign_until: 2021-02-01"))
    assert staff.run("letters", "import", text, "--publish").exit_code == 0
    assert client.get(f"/letters/{SLUG}/sign").status_code == 409
    assert "1 februari 2021" in visible_text(client.get(f"/letters/{SLUG}").text)

    bad = staff.write("bad.md", _letter_file_with("sign_until: 1 februari").replace(
        f"slug: {SLUG}", "slug: andere-brief"))
    result = staff.run("letters", "import", bad)
    assert result.exit_code != 0
    assert "field 'sign_until' must be a date written as YYYY-MM-DD" in result.output


def _letter_file_with(line: str) -> str:
    from helpers.factories import letter_file

    return letter_file(SLUG, moderation="none").replace("moderation: none",
                                                        f"moderation: none\n{line}")
