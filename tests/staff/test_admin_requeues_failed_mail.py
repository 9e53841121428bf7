"""An admin reads the outbox (queued, sent, failed, with the error), pages back through it, and
re-queues failed mail from the workspace or with `flask outbox retry`, which then goes out under
its own Message-ID."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from helpers.pages import visible_text
from helpers.staff import Staff
from helpers.staff_browser import StaffBrowser


def _queue(app, count: int, start: int = 0) -> list[int]:
    with app.app_context():
        rows = [OutboxMail(message_id=f"<m{n}@campaign.test>", recipient=f"r{n}@example.nl",
                           subject=f"Mail {n}", body_text="Hallo")
                for n in range(start, start + count)]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def _mail(app, mail_id: int) -> OutboxMail:
    with app.app_context():
        return db.session.get(OutboxMail, mail_id)


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_MAX_ATTEMPTS=1)  # one refusal and a mail is given up on


@pytest.fixture
def admin(app, factories) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    assert browser.log_in(factories.staff_user("admin")).status_code == 303
    return browser


def test_admin_sees_the_error_and_requeues_a_failed_mail(app, admin, mailbox, tmp_path):
    [failing, fine] = _queue(app, 2)
    mailbox.refuse = True
    report = Staff(app, tmp_path).send_mail()
    assert report.failed == 2
    mailbox.refuse = False
    assert Staff(app, tmp_path).send_mail().sent == 0  # given up on: stays failed
    with app.app_context():
        db.session.execute(sa.update(OutboxMail).where(OutboxMail.id == fine).values(
            status="sent"))
        db.session.commit()

    page = admin.get("/staff/outbox?status=failed")
    assert page.status_code == 200
    assert f'id="mail-{failing}"' in page.text and f'id="mail-{fine}"' not in page.text
    assert "451" in visible_text(page.text) and "r0@example.nl" in page.text
    assert f'action="/staff/outbox/{failing}/retry"' in page.text
    assert 'action="/staff/outbox/retry-failed"' in page.text
    assert 'id="mail-' in admin.get("/staff/outbox").text  # all statuses
    assert 'href="/staff/outbox"' in admin.get("/staff/").text  # reachable from the nav

    done = admin.post(f"/staff/outbox/{failing}/retry")
    assert done.status_code == 303
    assert done.headers["Location"].startswith("/staff/outbox?status=queued")
    mail = _mail(app, failing)
    assert (mail.status, mail.attempts) == ("queued", 0)
    assert 'id="requeued"' in admin.get(done.headers["Location"]).text

    assert Staff(app, tmp_path).send_mail().sent == 1
    assert [m["Message-ID"] for m in mailbox.messages] == [mail.message_id]
    assert _mail(app, failing).status == "sent"

    again = admin.post(f"/staff/outbox/{failing}/retry")  # sent now: nothing to re-queue
    assert again.status_code == 409 and 'id="problem"' in again.text
    assert admin.post("/staff/outbox/999999/retry").status_code == 404
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "mail.requeued"))
        assert event.actor_kind == "staff" and event.detail["mail"] == failing
        assert event.detail["status"] == {"before": "failed", "after": "queued"}


def test_admin_requeues_every_failed_mail_at_once(app, admin, mailbox, tmp_path):
    ids = _queue(app, 3)
    mailbox.refuse = True
    Staff(app, tmp_path).send_mail()
    mailbox.refuse = False
    done = admin.post("/staff/outbox/retry-failed")
    assert done.status_code == 303
    assert {_mail(app, mail_id).status for mail_id in ids} == {"queued"}
    assert Staff(app, tmp_path).send_mail().sent == 3
    assert admin.post("/staff/outbox/retry-failed").status_code == 303  # none left: no harm
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "mail.requeued_all_failed")).all()
        assert event.detail["count"] == 3


def test_a_form_without_its_token_changes_nothing(app, admin, mailbox, tmp_path):
    [mail_id] = _queue(app, 1)
    mailbox.refuse = True
    Staff(app, tmp_path).send_mail()
    response = admin.client.post(f"/staff/outbox/{mail_id}/retry", data={})
    assert response.status_code == 400
    assert _mail(app, mail_id).status == "failed"


def test_the_outbox_is_read_a_page_at_a_time(app, admin):
    ids = _queue(app, 55)
    first = admin.get("/staff/outbox")
    assert f'id="mail-{ids[-1]}"' in first.text and f'id="mail-{ids[4]}"' not in first.text
    assert first.text.count('<tr id="mail-') == 50
    older = f"/staff/outbox?before={ids[5]}"
    assert f'href="{older}"' in first.text
    second = admin.get(older)
    assert second.text.count('<tr id="mail-') == 5 and 'id="older"' not in second.text
    assert admin.get("/staff/outbox?before=x").status_code == 400
    assert admin.get("/staff/outbox?status=lost").status_code == 400


def test_staff_requeue_failed_mail_at_the_command_line(app, mailbox, tmp_path):
    staff = Staff(app, tmp_path)
    ids = _queue(app, 3)
    mailbox.refuse = True
    staff.send_mail()
    mailbox.refuse = False
    assert staff.run("outbox", "retry").exit_code != 0  # neither IDs nor --all-failed
    assert staff.run("outbox", "retry", "--all-failed", str(ids[0])).exit_code != 0

    one = staff.run("outbox", "retry", str(ids[0]))
    assert one.exit_code == 0 and "1 mail(s) queued again" in one.output
    assert staff.run("outbox", "send", "--once").output.startswith("1 sent")

    refused = app.test_cli_runner().invoke(args=["outbox", "retry", str(ids[0]), str(ids[1])])
    assert refused.exit_code != 0 and "not failed" in refused.output
    assert _mail(app, ids[1]).status == "failed"  # all or none
    missing = app.test_cli_runner().invoke(args=["outbox", "retry", "999999"])
    assert missing.exit_code != 0 and "no mail with id 999999" in missing.output

    rest = staff.run("outbox", "retry", "--all-failed")
    assert rest.exit_code == 0 and "2 mail(s) queued again" in rest.output
    assert staff.send_mail().sent == 2
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action.like("mail.requeued%"))).all()
        assert {event.actor_kind for event in events} == {"cli"}
