"""Open signing: a supporter fills in the public form, confirms by mail, and is listed."""
from __future__ import annotations

import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditEvent, OutboxMail, Signature
from conftest import SIGNER, links_in, path_of


def _signatures(app):
    with app.app_context():
        return db.session.scalars(sa.select(Signature).order_by(Signature.id)).all()


def test_supporter_signs_and_confirms_by_post(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", SIGNER)
    assert response.status_code == 303
    page = browser.get(response.headers["Location"])
    assert "Controleer je e-mail" in page.text or "Check your e-mail" in page.text

    [pending] = _signatures(app)
    assert pending.state == "pending"
    assert staff.send_mail().sent == 1
    mail = mailbox.last_to("j.jansen@utrecht.nl")
    confirm_link, withdraw_link = links_in(mail)[0], links_in(mail)[-1]
    assert "/confirm/" in confirm_link and "/withdraw/" in withdraw_link

    # A mail scanner fetching the link changes nothing.
    assert browser.get(path_of(confirm_link)).status_code == 200
    assert _signatures(app)[0].state == "pending"
    assert "Jan Jansen" not in browser.get(f"/letters/{slug}").text

    confirmed = browser.submit(path_of(confirm_link))
    assert confirmed.status_code == 200
    [signature] = _signatures(app)
    assert signature.state == "confirmed"
    assert signature.verified_by == "mail_domain"
    assert signature.review == "not_needed"
    assert "Jan Jansen, wethouder gemeente Utrecht" in browser.get(f"/letters/{slug}").text
