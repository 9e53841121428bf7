"""Withdrawal: the link in every confirmation mail takes a signature out and erases its data."""
from __future__ import annotations

import re

import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.signatures.models import Signature
from helpers.mail import links_in
from helpers.pages import path_of, visible_text
from helpers.signers import SIGNER


def _sign_and_confirm(staff, browser, mailbox, slug):
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))
    staff.send_mail()
    thanks = mailbox.last_to(SIGNER["email"])
    return path_of(next(link for link in links_in(thanks) if "/withdraw/" in link))


def test_signer_withdraws_and_no_personal_data_is_kept(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    withdraw = _sign_and_confirm(staff, browser, mailbox, slug)
    assert browser.get(f"/api/letters/{slug}").json["counts"]["total"] == 1

    page = browser.get(withdraw)
    assert page.status_code == 200 and "Jan Jansen" in visible_text(page.text)
    with app.app_context():
        assert db.session.scalar(sa.select(Signature.state)) == "confirmed"  # GET changed nothing

    assert browser.post(withdraw).status_code == 200
    assert browser.get(f"/api/letters/{slug}").json["counts"]["total"] == 0
    assert "Jan Jansen" not in visible_text(browser.get(f"/letters/{slug}").text)
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature))
        assert signature.state == "withdrawn"
        assert (signature.name, signature.email, signature.municipality, signature.website) == \
            (None, None, None, None)
        for mail in db.session.scalars(sa.select(OutboxMail)):
            assert SIGNER["email"] not in mail.recipient + mail.body_text
            assert "Jan Jansen" not in mail.body_text.replace("\u00a0", " ")
        for event in db.session.scalars(sa.select(AuditEvent)):
            assert "jansen" not in str(event.detail).lower()

    again = browser.post(withdraw)
    assert again.status_code == 200
    assert browser.get(withdraw).status_code == 200


def test_withdrawn_signer_may_sign_again(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    withdraw = _sign_and_confirm(staff, browser, mailbox, slug)
    browser.post(withdraw)
    mailbox.clear()
    _sign_and_confirm(staff, browser, mailbox, slug)
    assert browser.get(f"/api/letters/{slug}").json["counts"]["total"] == 1


def test_pending_mail_of_a_withdrawn_signature_is_not_sent(app, staff, browser, mailbox):
    slug = staff.publish_letter()
    withdraw = _sign_and_confirm(staff, browser, mailbox, slug)
    browser.submit(f"/letters/{slug}/sign", SIGNER)  # queues an "already signed" note
    browser.post(withdraw)
    mailbox.clear()
    assert staff.send_mail().sent == 0
    assert mailbox.messages == []


def test_withdrawal_erases_refusals_and_mail_files_too(make_app, tmp_path, mailbox):
    from campaign.mail.outbox import send_due
    from helpers.pages import Browser
    from helpers.staff import Staff
    app = make_app(MAIL_SERVER=None)
    staff, browser = Staff(app, tmp_path), Browser(app.test_client())
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    with app.app_context():
        send_due()
        mail = db.session.scalar(sa.select(OutboxMail))
        mail.last_error = f"SMTPRecipientsRefused: {{'{SIGNER['email']}': (550, b'no')}}"
        db.session.commit()
    mail_files = tmp_path / "instance" / "mail"
    [eml] = list(mail_files.glob("*.eml"))
    link = re.search(r"http://campaign\.test/\S+/confirm/\S+", eml.read_text()).group(0)
    browser.submit(path_of(link))
    with app.app_context():
        send_due()
    newest = max(mail_files.glob("*.eml"), key=lambda path: path.name)
    withdraw = re.search(r"http://campaign\.test/\S+/withdraw/\S+", newest.read_text()).group(0)
    assert browser.submit(path_of(withdraw)).status_code == 200
    assert list(mail_files.glob("*.eml")) == []
    with app.app_context():
        for mail in db.session.scalars(sa.select(OutboxMail)):
            assert SIGNER["email"] not in (mail.last_error or "") + mail.recipient


def test_addresses_never_confirmed_are_deleted_after_a_while(app, staff, browser, mailbox):
    from datetime import timedelta

    from campaign.core.timeutil import utcnow
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": "recent@utrecht.nl"})
    staff.send_mail()
    with app.app_context():
        db.session.execute(sa.update(Signature).where(Signature.email == SIGNER["email"])
                           .values(created_at=utcnow() - timedelta(days=31)))
        db.session.commit()
    result = staff.run("letters", "purge-unconfirmed")
    assert result.exit_code == 0 and "1 unconfirmed signature(s) deleted" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Signature.email)).all() == ["recent@utrecht.nl"]
        assert SIGNER["email"] not in db.session.scalars(sa.select(OutboxMail.recipient)).all()
