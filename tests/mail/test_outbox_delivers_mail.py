"""The outbox: mail is queued with the change it reports and sent at least once, with retries."""
from __future__ import annotations

import logging
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.core.timeutil import utcnow
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.mail.outbox import queue_mail, retry_delay, send_due
from helpers.signers import SIGNER


def _queue_plain_mails(app, count: int) -> None:
    with app.app_context():
        for number in range(count):
            db.session.add(OutboxMail(message_id=f"<m{number}@campaign.test>",
                                      recipient=f"r{number}@example.nl", subject=f"Mail {number}",
                                      body_text="Hallo"))
        db.session.commit()


def _mails(app):
    with app.app_context():
        return db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()


def test_mail_is_written_in_the_same_transaction_as_the_signature(app, staff, browser):
    slug = staff.publish_letter()
    with app.app_context():
        from campaign.letters.models import Letter
        from campaign.signatures import operations
        letter = db.session.scalar(sa.select(Letter))
        operations.submit_signature(letter, operations.SignerDetails(
            kind="alderperson", name="Jan", email="jan@utrecht.nl", municipality="Utrecht"))
        db.session.rollback()  # the request failed after the signature was written
    assert _mails(app) == []
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    assert len(_mails(app)) == 1


def test_outbox_send_command_delivers_through_smtp_with_a_stable_message_id(app, staff, browser,
                                                                            mailbox):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    [queued] = _mails(app)
    result = staff.run("outbox", "send", "--once")
    assert result.exit_code == 0 and "1 sent" in result.output
    [message] = mailbox.messages
    assert message["Message-ID"] == queued.message_id
    assert message["From"] == "Campagne <campagne@campaign.test>"
    assert message["X-Envelope-To"] == SIGNER["email"]
    [sent] = _mails(app)
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1
    assert staff.run("outbox", "send", "--once").output.startswith("0 sent")


def test_refused_mail_is_kept_and_retried_with_back_off(app, staff, mailbox):
    _queue_plain_mails(app, 1)
    mailbox.refuse = True
    report = staff.send_mail()
    assert (report.sent, report.retried) == (0, 1)
    [mail] = _mails(app)
    assert mail.status == "queued" and mail.attempts == 1
    assert "451" in mail.last_error
    assert mail.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert staff.send_mail().sent == 0  # not due yet

    mailbox.refuse = False
    with app.app_context():
        db.session.execute(sa.update(OutboxMail).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert staff.send_mail().sent == 1
    assert [m["Message-ID"] for m in mailbox.messages] == [mail.message_id]


def test_unreachable_server_loses_nothing_and_gives_up_after_max_attempts(make_app, tmp_path):
    app = make_app(MAIL_PORT=1, OUTBOX_MAX_ATTEMPTS=2)
    _queue_plain_mails(app, 1)
    for _ in range(2):
        with app.app_context():
            db.session.execute(sa.update(OutboxMail).values(next_attempt_at=utcnow()))
            db.session.commit()
            send_due()
    [mail] = _mails(app)
    assert mail.status == "failed" and mail.attempts == 2
    assert "Connection" in mail.last_error or "refused" in mail.last_error.lower()


def test_back_off_doubles_up_to_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(30) == timedelta(hours=1)


def test_without_mail_server_mail_goes_to_files_and_the_link_to_the_log(make_app, tmp_path,
                                                                        caplog):
    app = make_app(MAIL_SERVER=None)
    from helpers.pages import Browser
    from helpers.staff import Staff
    staff, browser = Staff(app, tmp_path), Browser(app.test_client())
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    with caplog.at_level(logging.INFO, logger="campaign"):
        assert staff.send_mail().sent == 1
    [eml] = list((tmp_path / "instance" / "mail").glob("*.eml"))
    assert SIGNER["email"] in eml.read_text()
    [mail] = _mails(app)
    assert re.search(rf"Link in that mail \({re.escape(mail.subject)}\): \S+/confirm/\S+",
                     caplog.text)
    # Once sent, the row keeps the record, not the body with its links.
    assert (mail.body_text, mail.action_url, mail.status) == (None, None, "sent")
    assert mail.subject and mail.recipient and mail.message_id


def test_the_log_names_a_refused_mail_by_its_id_never_its_recipient(staff, browser, mailbox,
                                                                    caplog):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    mailbox.refuse = True
    with caplog.at_level(logging.INFO, logger="campaign"):
        assert staff.send_mail().retried == 1
    assert "not sent (SMTP" in caplog.text
    assert SIGNER["email"] not in caplog.text


def test_a_database_server_without_a_mail_server_is_warned_about(caplog):
    from campaign.config import warn_about_development_defaults
    with caplog.at_level(logging.WARNING, logger="campaign"):
        warn_about_development_defaults({
            "MAIL_SERVER": None, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/campaign",
            "MAIL_DIRECTORY": "/srv/mail", "BASE_URL": "https://brieven.example.nl",
            "SECRET_KEY": "set", "INSTANCE_PATH": "/nonexistent"})
    assert "MAIL_SERVER is not set" in caplog.text and "confirm link" in caplog.text


def test_queue_mail_renders_subject_and_body_from_the_template(app):
    with app.test_request_context():
        from campaign.letters.models import Letter
        letter = Letter(slug="x", title="Brief", body="", signatory_kinds="individual")
        mail = queue_mail("a@b.nl", "withdraw_link", letter=letter, withdraw_url="http://w",
                          signature=None)
        assert "Brief" in mail.subject and "\n" not in mail.subject
        assert "http://w" in mail.body_text
        db.session.rollback()


def test_concurrent_senders_send_each_mail_once(app, mailbox, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("several senders at once need PostgreSQL (FOR UPDATE SKIP LOCKED)")
    _queue_plain_mails(app, 40)
    errors = []

    def sender():
        try:
            with app.app_context():
                send_due()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = sorted(m["Message-ID"] for m in mailbox.messages)
    assert ids == sorted(m.message_id for m in _mails(app))
    assert all(m.status == "sent" and m.attempts == 1 for m in _mails(app))


def test_running_sender_picks_up_mail_as_it_arrives(app, mailbox):
    from campaign.mail.outbox import run_sender
    _queue_plain_mails(app, 2)
    with app.app_context():
        run_sender(poll_seconds=0.05, stop_after=0.3)
    assert len(mailbox.messages) == 2


def test_stalled_mail_server_is_given_up_on_and_retried_later(make_app):
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections and never says a word
    try:
        app = make_app(MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT=1)
        _queue_plain_mails(app, 1)
        with app.app_context():
            report = send_due()
        assert report.retried == 1
        [mail] = _mails(app)
        assert mail.status == "queued" and "timed out" in mail.last_error
    finally:
        listener.close()
