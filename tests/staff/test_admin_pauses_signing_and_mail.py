"""An admin pauses signing on one letter or the whole site, and outgoing mail, from the
workspace or with `flask switches`, with no deploy: the public pages then say plainly that
signing is paused (503, Retry-After) and store nothing; mail waits in the outbox until resumed."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.signatures.models import Signature
from helpers.mail import links_in
from helpers.pages import path_of
from helpers.signers import SIGNER
from helpers.staff_browser import StaffBrowser


@pytest.fixture
def admin(app, factories) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    assert browser.log_in(factories.staff_user("admin")).status_code == 303
    return browser


def _signatures(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Signature))


def _assert_paused(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert 'id="signing-paused"' in response.text


def test_admin_pauses_signing_on_the_whole_site(app, admin, staff, browser, mailbox, client):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)  # signed before the pause
    staff.send_mail()
    confirm = path_of(links_in(mailbox.last_to(SIGNER["email"]))[0])
    browser.get(confirm)
    form_token = browser.token

    board = admin.get("/staff/switches")
    assert board.status_code == 200
    assert 'action="/staff/switches/signing/pause"' in board.text
    assert 'href="/staff/switches"' in board.text
    assert admin.post("/staff/switches/signing/pause").status_code == 303
    assert 'action="/staff/switches/signing/resume"' in admin.get("/staff/switches").text

    letter_page = client.get(f"/letters/{slug}")
    assert 'id="signing-paused"' in letter_page.text
    assert f'href="/letters/{slug}/sign"' not in letter_page.text
    _assert_paused(client.get(f"/letters/{slug}/sign"))
    browser.token = form_token
    _assert_paused(browser.post(f"/letters/{slug}/sign", {**SIGNER, "email": "b@utrecht.nl"}))
    _assert_paused(browser.get(confirm))
    _assert_paused(browser.post(confirm))
    assert _signatures(app) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(Signature.state)) == "pending"

    assert admin.post("/staff/switches/signing/resume").status_code == 303
    assert f'href="/letters/{slug}/sign"' in client.get(f"/letters/{slug}").text
    assert browser.submit(confirm).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(Signature.state)) == "confirmed"
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.like("switch.%")).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["switch.signing_paused", "switch.signing_resumed"]
        assert {e.actor_kind for e in events} == {"staff"}
        assert events[0].detail["paused"] == {"before": False, "after": True}


def test_admin_pauses_signing_on_one_letter_only(app, admin, staff, client):
    paused, other = staff.publish_letter("gelijke-kansen"), staff.publish_letter("tweede-brief")
    board = admin.get("/staff/switches")
    assert f'id="switch-letter-{paused}"' in board.text
    assert admin.post(f"/staff/switches/letters/{paused}/pause").status_code == 303
    _assert_paused(client.get(f"/letters/{paused}/sign"))
    assert client.get(f"/letters/{other}/sign").status_code == 200
    assert admin.post(f"/staff/switches/letters/{paused}/pause").status_code == 303  # no-op
    assert admin.post("/staff/switches/letters/no-such-letter/pause").status_code == 404
    assert admin.post(f"/staff/switches/letters/{paused}/resume").status_code == 303
    assert client.get(f"/letters/{paused}/sign").status_code == 200
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.like("switch.%"))).all()
        assert len(events) == 2 and all(e.letter_id is not None for e in events)


def test_signing_cannot_be_paused_on_a_closed_letter(admin, staff):
    slug = staff.publish_letter()
    assert staff.run("letters", "close", slug).exit_code == 0
    refused = admin.post(f"/staff/switches/letters/{slug}/pause")
    assert refused.status_code == 409 and 'id="problem"' in refused.text


def test_admin_pauses_mail_and_it_waits_in_the_outbox(app, admin, staff, browser, mailbox):
    slug = staff.publish_letter()
    assert admin.post("/staff/switches/mail/pause").status_code == 303
    assert 'id="mail-paused"' in admin.get("/staff/outbox").text
    browser.submit(f"/letters/{slug}/sign", SIGNER)  # signing goes on; its mail waits
    report = staff.send_mail()
    assert (report.sent, report.paused) == (0, True)
    sent = staff.run("outbox", "send", "--once")
    assert "paused" in sent.output
    assert mailbox.messages == []
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMail.status)) == "queued"
    assert admin.post("/staff/switches/mail/resume").status_code == 303
    assert staff.send_mail().sent == 1
    assert len(mailbox.to(SIGNER["email"])) == 1


def test_staff_flip_the_switches_at_the_command_line(app, staff, client):
    slug = staff.publish_letter()
    assert staff.run("switches", "pause-signing", slug).output.strip() == \
        f"signing on {slug} paused"
    _assert_paused(client.get(f"/letters/{slug}/sign"))
    again = staff.run("switches", "pause-signing", slug)
    assert again.exit_code == 0 and "already" in again.output
    assert staff.run("switches", "pause-signing").output.strip() == "signing paused"
    assert staff.run("switches", "pause-mail").output.strip() == "mail paused"
    shown = staff.run("switches", "show").output
    assert shown.startswith("signing\tpaused since ")
    assert "mail\tpaused since " in shown and f"signing:{slug}\tpaused since " in shown
    assert staff.run("switches", "resume-signing", slug).exit_code == 0
    assert staff.run("switches", "resume-signing").exit_code == 0
    assert staff.run("switches", "resume-mail").exit_code == 0
    assert client.get(f"/letters/{slug}/sign").status_code == 200
    shown = staff.run("switches", "show").output
    assert "paused" not in shown
    missing = app.test_cli_runner().invoke(args=["switches", "pause-signing", "nope"])
    assert missing.exit_code != 0 and "no letter" in missing.output
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.like("switch.%"))).all()
        assert len(events) == 6 and {e.actor_kind for e in events} == {"cli"}
