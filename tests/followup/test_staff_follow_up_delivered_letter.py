"""Staff follow up a delivered letter: they record the ministry's acknowledgement (its kenmerk and
date), move the day the answer is due (three weeks after delivery unless they say otherwise),
and record the answer with its PDF; the public letter page shows it all as a timeline, and the
dashboard lists the letters whose answer is overdue. Bad dates and bad files get a clear answer
beside their field, and nothing is stored."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.core.timeutil import today_where_signed
from campaign.extensions import db
from campaign.followup.models import AnswerDocument, FollowUp
from campaign.letters.models import Letter
from helpers.followup import a_pdf, mark_delivered
from helpers.pages import visible_text
from helpers.staff_browser import StaffBrowser

SLUG = "gelijke-kansen"


def staff_browser(app, factories, role: str = "editor") -> StaffBrowser:
    staff = StaffBrowser(app.test_client())
    staff.client.get("/?lang=en")
    assert staff.log_in(factories.staff_user(role)).status_code == 303
    return staff


@pytest.fixture
def editor(app, factories) -> StaffBrowser:
    return staff_browser(app, factories)


def follow_up_row(app, slug: str = SLUG) -> FollowUp | None:
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        row = db.session.get(FollowUp, letter.id)
        if row is not None:
            db.session.expunge(row)
        return row


def error_beside(html: str, field: str) -> str:
    import re
    match = re.search(rf'<div class="field has-error" id="field-{field}">(.*?)</div>', html, re.S)
    assert match, f"no error beside {field}"
    return visible_text(match.group(1))


def upload(staff: StaffBrowser, path: str, content: bytes | None, name: str = "antwoord.pdf",
           **data):
    files = {"document": (io.BytesIO(content), name)} if content is not None else {}
    return staff.post(path, {**data, **files}, content_type="multipart/form-data")


def days_ago(days: int) -> str:
    return (today_where_signed() - timedelta(days=days)).isoformat()


def test_editor_records_acknowledgement_due_date_and_answer_and_the_public_sees_them(
        app, staff, editor, client):
    staff.publish_letter(SLUG)
    public_before = visible_text(client.get(f"/letters/{SLUG}").text)
    assert "Wat er met de brief gebeurde" not in public_before  # not delivered: no timeline

    mark_delivered(app, SLUG, days_ago=10)
    assert f'href="/staff/letters/{SLUG}/follow-up"' in editor.get(f"/staff/letters/{SLUG}").text
    page = editor.get(f"/staff/letters/{SLUG}/follow-up")
    assert page.status_code == 200
    default_due = today_where_signed() - timedelta(days=10) + timedelta(weeks=3)
    assert f"{default_due.day} " in visible_text(page.text)

    # The public timeline before anything is recorded: delivered, answer expected, not answered.
    public = client.get(f"/letters/{SLUG}").text
    steps = visible_text(public.split('id="timeline"')[1])
    assert "Aangeboden" in steps and "Antwoord verwacht" in steps
    assert "Nog niet beantwoord" in steps
    assert public.index('class="letter"') < public.index('id="timeline"')

    acknowledged = editor.post(f"/staff/letters/{SLUG}/follow-up/acknowledgement",
                               {"reference": "2026-0000123456", "acknowledged_on": days_ago(8)})
    assert acknowledged.status_code == 303
    assert "saved=acknowledgement" in acknowledged.headers["Location"]
    due = (today_where_signed() + timedelta(days=20)).isoformat()
    assert editor.post(f"/staff/letters/{SLUG}/follow-up/due",
                       {"answer_due": due}).status_code == 303
    steps = visible_text(client.get(f"/letters/{SLUG}").text.split('id="timeline"')[1])
    assert "Ontvangst bevestigd" in steps and "Hun kenmerk: 2026-0000123456" in steps
    assert "Antwoord verwacht" in steps

    pdf = a_pdf()
    answered = upload(editor, f"/staff/letters/{SLUG}/follow-up/answer", pdf,
                      name="Antwoord minister.pdf", answered_on=days_ago(1),
                      text="Geachte heer,\r\n\r\nDank voor uw brief. Wij komen erop terug.")
    assert answered.status_code == 303, answered.text
    public = client.get(f"/letters/{SLUG}").text
    steps = visible_text(public.split('id="timeline"')[1])
    assert "Beantwoord" in steps and "Dank voor uw brief. Wij komen erop terug." in steps
    assert "Antwoord verwacht" not in steps  # answered in time: the due date is history
    assert f'href="/letters/{SLUG}/answer.pdf"' in public

    download = client.get(f"/letters/{SLUG}/answer.pdf")
    assert download.status_code == 200 and download.data == pdf
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Antwoord minister.pdf" in download.headers["Content-Disposition"]
    assert download.headers["Content-Security-Policy"] == "sandbox"

    row = follow_up_row(app)
    assert row.acknowledged_reference == "2026-0000123456"
    assert row.answer_due.isoformat() == due and row.answered_on.isoformat() == days_ago(1)
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
        document = db.session.scalar(sa.select(AnswerDocument))
        assert len(document.sha256) == 64 and document.size == len(pdf)
    assert {"followup.acknowledged", "followup.answer_due_set", "followup.answered"} <= actions

    # A new file replaces the stored one; a correction without a file keeps it; removing it
    # takes it off the page.
    second = a_pdf("Tweede antwoord", pages=2)
    assert upload(editor, f"/staff/letters/{SLUG}/follow-up/answer", second,
                  answered_on=days_ago(1), text="Dank.").status_code == 303
    assert client.get(f"/letters/{SLUG}/answer.pdf").data == second
    pdf = second
    assert upload(editor, f"/staff/letters/{SLUG}/follow-up/answer", None,
                  answered_on=days_ago(1), text="Gecorrigeerd.").status_code == 303
    assert client.get(f"/letters/{SLUG}/answer.pdf").data == pdf
    assert upload(editor, f"/staff/letters/{SLUG}/follow-up/answer", None,
                  answered_on=days_ago(1), text="Gecorrigeerd.",
                  remove_document="y").status_code == 303
    assert client.get(f"/letters/{SLUG}/answer.pdf").status_code == 404


def test_a_late_answer_keeps_its_due_date_on_the_timeline(app, staff, editor, client):
    staff.publish_letter(SLUG)
    mark_delivered(app, SLUG, days_ago=40)
    steps = visible_text(client.get(f"/letters/{SLUG}").text.split('id="timeline"')[1])
    assert "Antwoord te laat" in steps
    assert upload(editor, f"/staff/letters/{SLUG}/follow-up/answer", None,
                  answered_on=days_ago(2), text="Eindelijk.").status_code == 303
    steps = visible_text(client.get(f"/letters/{SLUG}").text.split('id="timeline"')[1])
    assert "Antwoord werd verwacht" in steps and "Beantwoord" in steps
    assert "te laat" not in steps


def test_bad_dates_and_files_are_answered_beside_their_field_and_nothing_is_stored(
        app, staff, editor):
    staff.publish_letter(SLUG)
    mark_delivered(app, SLUG, days_ago=5)
    base = f"/staff/letters/{SLUG}/follow-up"

    for value, message in (("32-13-2026", "YYYY-MM-DD"), ("2026-02-30", "YYYY-MM-DD"),
                           ("", "Fill in the date"), (days_ago(30), "before the letter was"),
                           (days_ago(-3), "in the future")):
        response = editor.post(f"{base}/acknowledgement",
                               {"reference": "X", "acknowledged_on": value})
        assert response.status_code == 400, value
        assert message in error_beside(response.text, "acknowledged_on"), value
    response = editor.post(f"{base}/acknowledgement",
                           {"reference": "x" * 201, "acknowledged_on": days_ago(1)})
    assert response.status_code == 400 and error_beside(response.text, "reference")

    for value, message in (("morgen", "YYYY-MM-DD"), (days_ago(6), "before the letter was")):
        response = editor.post(f"{base}/due", {"answer_due": value})
        assert response.status_code == 400
        assert message in error_beside(response.text, "answer_due")

    answer = {"answered_on": days_ago(1), "text": "Antwoord."}
    for content, name, message in (
            (b"Dit is geen pdf", "antwoord.pdf", "not a PDF"),
            (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "antwoord.pdf", "not a PDF"),
            (b"%PDF-1.7\n" + b"rommel " * 200, "antwoord.pdf", "damaged"),
            (b"", "antwoord.pdf", "empty")):
        response = upload(editor, f"{base}/answer", content, name, **answer)
        assert response.status_code == 400, name
        assert message in error_beside(response.text, "document"), content[:20]
    response = upload(editor, f"{base}/answer", None, answered_on=days_ago(1), text="")
    assert response.status_code == 400 and "text, its PDF" in error_beside(response.text, "text")
    response = upload(editor, f"{base}/answer", a_pdf(), answered_on="gisteren", text="A")
    assert response.status_code == 400 and error_beside(response.text, "answered_on")
    # A file in a text field, as a crafted POST sends it.
    response = editor.post(f"{base}/answer", {"answered_on": days_ago(1),
                                              "text": (io.BytesIO(b"x"), "x.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "not a file" in error_beside(response.text, "text")

    assert follow_up_row(app) is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnswerDocument)) == 0


def test_a_pdf_too_large_is_refused_with_a_clear_answer(make_app, staff, factories, tmp_path):
    app = make_app(ANSWER_PDF_MAX_BYTES=64 * 1024)
    from helpers.staff import Staff
    staff = Staff(app, tmp_path)
    staff.publish_letter(SLUG)
    mark_delivered(app, SLUG, days_ago=1)
    editor = staff_browser(app, type(factories)(app))
    big = a_pdf() + b"%" + b"0" * (80 * 1024)  # a PDF still, just over the limit
    response = upload(editor, f"/staff/letters/{SLUG}/follow-up/answer", big,
                      answered_on=days_ago(0), text="Antwoord.")
    assert response.status_code == 400
    assert "larger than" in error_beside(response.text, "document")
    # Far past what the form takes at all: the plain 413 page, never a 500.
    huge = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    # The multipart body built by hand: the test client would spool it to a file it never closes.
    boundary = "pdf-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{editor.token}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"document\"; filename=\"groot.pdf\"\r\n\r\n").encode() + huge + \
        f"\r\n--{boundary}--\r\n".encode()
    response = editor.client.post(f"/staff/letters/{SLUG}/follow-up/answer", data=body,
                                  content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413 and "Too much data" in response.text
    assert follow_up_row(app) is None


def test_a_letter_not_delivered_has_no_follow_up_to_record(app, staff, editor):
    staff.publish_letter(SLUG)
    page = editor.get(f"/staff/letters/{SLUG}/follow-up")
    assert page.status_code == 200 and "has not been delivered yet" in page.text
    assert f'/staff/letters/{SLUG}/follow-up"' not in editor.get(f"/staff/letters/{SLUG}").text
    response = editor.post(f"/staff/letters/{SLUG}/follow-up/acknowledgement",
                           {"reference": "X", "acknowledged_on": days_ago(0)})
    assert response.status_code == 409
    assert follow_up_row(app) is None


def test_only_editors_follow_up(app, staff, factories):
    staff.publish_letter(SLUG)
    mark_delivered(app, SLUG, days_ago=1)
    moderator = staff_browser(app, factories, "moderator")
    assert moderator.get(f"/staff/letters/{SLUG}/follow-up").status_code == 403
    assert moderator.post(f"/staff/letters/{SLUG}/follow-up/due",
                          {"answer_due": days_ago(0)}).status_code == 403
    anonymous = app.test_client().get(f"/staff/letters/{SLUG}/follow-up")
    assert anonymous.status_code == 303


def test_the_dashboard_lists_letters_whose_answer_is_overdue(app, staff, editor, factories):
    for slug in ("te-laat", "op-tijd", "beantwoord", "uitgesteld", "vervroegd"):
        staff.publish_letter(slug)
    mark_delivered(app, "te-laat", days_ago=30)       # default due passed 9 days ago
    mark_delivered(app, "op-tijd", days_ago=5)        # due in 16 days
    mark_delivered(app, "beantwoord", days_ago=40)
    mark_delivered(app, "uitgesteld", days_ago=30)    # due moved into the future
    mark_delivered(app, "vervroegd", days_ago=10)     # due moved to 3 days ago
    assert upload(editor, "/staff/letters/beantwoord/follow-up/answer", None,
                  answered_on=days_ago(1), text="Antwoord.").status_code == 303
    assert editor.post("/staff/letters/uitgesteld/follow-up/due",
                       {"answer_due": days_ago(-7)}).status_code == 303
    assert editor.post("/staff/letters/vervroegd/follow-up/due",
                       {"answer_due": days_ago(3)}).status_code == 303

    dashboard = editor.get("/staff/").text
    assert 'id="overdue"' in dashboard
    overdue = dashboard.split('id="overdue"')[1].split("</section>")[0]
    assert 'href="/staff/letters/te-laat/follow-up"' in overdue
    assert 'href="/staff/letters/vervroegd/follow-up"' in overdue
    for slug in ("op-tijd", "beantwoord", "uitgesteld"):
        assert f"/staff/letters/{slug}/" not in overdue, slug
    # Longest late first, with the days late.
    assert overdue.index("te-laat") < overdue.index("vervroegd")
    assert ">9<" in overdue and ">3<" in overdue

    # A moderator sees the list too, without links to pages that are not theirs.
    moderator = staff_browser(app, factories, "moderator")
    overdue = moderator.get("/staff/").text.split('id="overdue"')[1].split("</section>")[0]
    assert "/follow-up" not in overdue


def test_the_default_term_is_three_weeks_counted_in_dutch_days(app, staff):
    from datetime import datetime

    from campaign.followup.queries import ANSWER_TERM, default_answer_due, overdue_answers

    assert ANSWER_TERM == timedelta(weeks=3)
    staff.publish_letter(SLUG)
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        # 23:30 UTC on 1 December is already 2 December in the Netherlands.
        letter.delivered_at, letter.status = datetime(2026, 12, 1, 23, 30), "delivered"
        db.session.commit()
        assert default_answer_due(letter) == date(2026, 12, 23)
        assert overdue_answers(date(2026, 12, 23)) == []
        [late] = overdue_answers(date(2026, 12, 24))
        assert late.letter.slug == SLUG and late.days_late == 1
