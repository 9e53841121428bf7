"""An admin reads the audit log (who, what, when, before and after), filters it by letter and
actor, pages back through it and exports it as CSV, safe to open in a spreadsheet; nothing of a
withdrawn signer is left in either."""
from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from campaign import audit
from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.letters.models import Letter
from campaign.mail.models import OutboxMail
from helpers.mail import links_in
from helpers.pages import path_of, visible_text
from helpers.signers import SIGNER
from helpers.staff_browser import StaffBrowser


@pytest.fixture
def admin_email(factories) -> str:
    return factories.staff_user("admin")


@pytest.fixture
def admin(app, admin_email) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    assert browser.log_in(admin_email).status_code == 303
    return browser


def _export(admin, query: str = "") -> list[dict]:
    response = admin.get(f"/staff/audit/export.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.text)))


def _event_ids(page) -> list[str]:
    return [part.split('"')[0] for part in page.text.split('<tr id="event-')[1:]]


def test_admin_reads_who_did_what_before_and_after(app, admin, admin_email, staff):
    first, second = staff.publish_letter("gelijke-kansen"), staff.publish_letter("tweede-brief")
    assert admin.post(f"/staff/switches/letters/{first}/pause").status_code == 303
    page = admin.get("/staff/audit")
    assert page.status_code == 200
    assert 'href="/staff/audit"' in page.text  # in the nav
    text = visible_text(page.text)
    assert "switch.signing_paused" in text and "letter.published" in text
    assert admin_email in text and "cli:" in text
    row = page.text.split("switch.signing_paused")[0].rsplit('<tr id="event-', 1)[1]
    assert "paused: False" in visible_text(page.text.split(row, 1)[1].split("</tr>")[0])

    by_letter = admin.get(f"/staff/audit?letter={second}")
    assert "switch.signing_paused" not in by_letter.text and "letter.published" in by_letter.text
    by_actor = admin.get(f"/staff/audit?actor={admin_email.upper()}")
    assert "switch.signing_paused" in by_actor.text and "letter.published" not in by_actor.text
    assert 'id="export"' in by_actor.text
    assert admin.get("/staff/audit?letter=no-such-letter").status_code == 400
    assert admin.get("/staff/audit?before=-1").status_code == 400

    rows = _export(admin)
    assert [row["action"] for row in rows][-1] == "switch.signing_paused"
    paused = rows[-1]
    assert paused["actor"] == admin_email and paused["actor_kind"] == "staff"
    assert paused["letter"] == first and paused["at"].endswith("Z")
    assert json.loads(paused["before"]) == {"paused": False}
    assert json.loads(paused["after"]) == {"paused": True}
    only = _export(admin, f"?letter={second}&actor=")
    assert only and {row["letter"] for row in only} == {second}


def test_the_export_cannot_run_formulas_in_a_spreadsheet(app, admin, staff):
    slug = staff.publish_letter()
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        audit.record("=cmd|' /C calc'!A0", "letter.noted", letter=letter, note="+SUM(A1)")
        db.session.commit()
    [row] = [row for row in _export(admin) if row["action"] == "letter.noted"]
    assert row["actor"] == "'=cmd|' /C calc'!A0"
    assert json.loads(row["detail"]) == {"note": "+SUM(A1)"}  # JSON starts with {: inert


def test_the_audit_log_is_read_a_page_at_a_time(app, admin):
    with app.app_context():
        for number in range(60):
            audit.record("demo", "demo.step", number=number)
        db.session.commit()
    first = admin.get("/staff/audit?actor=demo")
    ids = _event_ids(first)
    assert len(ids) == 50
    assert 'id="older"' in first.text
    second = admin.get(f"/staff/audit?actor=demo&before={ids[-1]}")
    assert len(_event_ids(second)) == 10 and 'id="older"' not in second.text
    assert set(_event_ids(second)).isdisjoint(ids)
    assert len(_export(admin, "?actor=demo")) == 60


def test_nothing_of_a_withdrawn_signer_is_in_the_audit_log(app, admin, staff, browser,
                                                          mailbox):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))
    staff.send_mail()
    withdraw = path_of(next(link for link in links_in(mailbox.last_to(SIGNER["email"]))
                            if "/withdraw/" in link))
    browser.submit(withdraw)

    page = admin.get(f"/staff/audit?letter={slug}")
    export = admin.get(f"/staff/audit/export.csv?letter={slug}").text
    everything = admin.get("/staff/audit/export.csv").text
    assert "signature.withdrawn" in page.text and "signature.withdrawn" in export
    for text in (page.text, export, everything, visible_text(page.text)):
        for personal in (SIGNER["email"], SIGNER["name"], "jansen", "utrecht.nl"):
            assert personal.lower() not in text.lower(), personal
    with app.app_context():
        for event in db.session.scalars(sa.select(AuditEvent)):
            assert "jansen" not in str(event.detail).lower()


def test_mail_of_a_withdrawn_signer_cannot_be_requeued(make_app, factories, mailbox, tmp_path):
    from helpers.pages import Browser
    from helpers.staff import Staff
    app = make_app(OUTBOX_MAX_ATTEMPTS=1)
    staff, browser = Staff(app, tmp_path), Browser(app.test_client())
    admin = StaffBrowser(app.test_client())
    admin.log_in(factories.staff_user("admin"))
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))
    mailbox.refuse = True
    assert staff.send_mail().failed == 1  # the thank-you mail
    mailbox.refuse = False
    # The confirm mail carries a withdraw link too.
    browser.submit(path_of(next(link for link in links_in(mailbox.messages[0])
                                if "/withdraw/" in link)))
    with app.app_context():
        failed = db.session.scalar(sa.select(OutboxMail).where(OutboxMail.status == "failed"))
    outbox = admin.get("/staff/outbox?status=failed")
    assert SIGNER["email"] not in outbox.text and "451" not in visible_text(outbox.text)
    assert admin.post(f"/staff/outbox/{failed.id}/retry").status_code == 409
    assert admin.post("/staff/outbox/retry-failed").status_code == 303
    with app.app_context():
        assert db.session.get(OutboxMail, failed.id).status == "failed"
