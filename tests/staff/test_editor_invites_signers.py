"""Editors invite signatories from the workspace: upload the invitees CSV, see per row what will
happen before anything is sent, send, follow who opened, signed or bounced, and re-send to those
who did not sign at most once a week (also `flask letters resend-invitations`). A bad upload
(wrong columns, a file that is not UTF-8) gets a clear message and stores nothing."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.signatures.models import Signature
from helpers.mail import links_in
from helpers.pages import Browser, path_of, visible_text
from helpers.signers import SIGNER
from helpers.staff import Staff
from helpers.staff_browser import StaffBrowser

HEADER = "name,email,kind,role,municipality,organisation,lead\n"
INVITEES = HEADER + """\
Marieke de Groot,m.degroot@utrecht.nl,alderperson,wethouder,Utrecht,,yes
Peter Bakker,p.bakker@tilburg.nl,alderperson,wethouder Onderwijs,Tilburg,,no
Sara Visser,directie@kinderopvang.example.nl,organisation,directeur,,Kinderopvang Zon,no
"""


@pytest.fixture
def editor(app, factories) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())  # not the signer's browser
    assert browser.log_in(factories.staff_user("editor")).status_code == 303
    return browser


def upload(editor: StaffBrowser, slug: str, data: bytes, name: str = "genodigden.csv"):
    return editor.client.post(f"/staff/letters/{slug}/invitations/upload", data={
        "csrf_token": editor.token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def send(editor: StaffBrowser, slug: str, preview_html: str):
    """Press the preview's send button: the file checked goes back with it."""
    assert 'name="invitees"' in preview_html
    return editor.post(f"/staff/letters/{slug}/invitations/send",
                       {"invitees": _hidden_file(preview_html)})


def _hidden_file(html: str) -> str:
    from html import unescape
    opening = '<textarea name="invitees" hidden>'
    start = html.index(opening) + len(opening)
    return unescape(html[start:html.index("</textarea>", start)])


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _signature(app, email: str) -> Signature:
    with app.app_context():
        return db.session.scalar(sa.select(Signature).where(Signature.email == email))


def _state_of(page_html: str, email: str) -> str:
    row = page_html[page_html.index(email):]
    row = row[:row.index("</tr>")]
    return visible_text(row)


def test_editor_previews_the_file_then_sends_and_follows_the_invitees(app, staff, editor,
                                                                      browser, mailbox):
    slug = staff.publish_letter()
    page = editor.get(f"/staff/letters/{slug}/invitations")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and "<script" not in page.text

    preview = upload(editor, slug, INVITEES.encode())
    assert preview.status_code == 200
    assert "Marieke de Groot" in visible_text(preview.text)
    assert preview.text.count('class="fate-new"') == 3
    assert _count(app, Signature) == 0 and _count(app, OutboxMail) == 0  # nothing sent yet

    sent = send(editor, slug, preview.text)
    assert sent.status_code == 303
    listing = editor.get(sent.headers["Location"])
    assert 'data-invited="3"' in listing.text
    assert staff.send_mail().sent == 3
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "signature.invited"))
        assert event.actor == "editor@campagne.example.nl" and event.actor_kind == "staff"

    # One opens the link (a GET), another signs.
    opened = path_of(links_in(mailbox.last_to("p.bakker@tilburg.nl"))[0])
    assert browser.get(opened).status_code == 200
    assert _signature(app, "p.bakker@tilburg.nl").invitation_opened_at is not None
    assert _signature(app, "p.bakker@tilburg.nl").state == "invited"
    browser.submit(path_of(links_in(mailbox.last_to("m.degroot@utrecht.nl"))[0]))
    assert _signature(app, "m.degroot@utrecht.nl").state == "confirmed"

    listing = editor.get(f"/staff/letters/{slug}/invitations").text
    assert "invitee-signed" in listing and "invitee-opened" in listing
    assert "invitee-invited" in listing
    assert 'class="invitee-signed"' in listing[listing.index("m.degroot@utrecht.nl") - 200:]

    # The same file again: everyone is on the letter already.
    again = upload(editor, slug, INVITEES.encode())
    assert again.status_code == 200
    assert again.text.count('class="fate-already_signed"') == 1
    assert again.text.count('class="fate-already_invited"') == 2


def test_preview_names_each_rows_fate_and_an_invalid_row_blocks_sending(app, staff, editor,
                                                                        browser, mailbox):
    slug = staff.publish_letter()
    staff.invite(slug, HEADER + "Marieke de Groot,m.degroot@utrecht.nl,alderperson,,Utrecht,,\n")
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to("m.degroot@utrecht.nl"))[0]))
    browser.submit(f"/letters/{slug}/sign", SIGNER)  # j.jansen@utrecht.nl, not confirmed
    before = (_count(app, Signature), _count(app, OutboxMail))

    mixed = HEADER + (
        "Nieuwe Wethouder,n.wethouder@tilburg.nl,alderperson,wethouder,Tilburg,,no\n"
        "Marieke de Groot,m.degroot@utrecht.nl,alderperson,wethouder,Utrecht,,yes\n"
        "Jan Jansen,j.jansen@utrecht.nl,alderperson,wethouder,Utrecht,,no\n"
        "Kees,geen-adres,alderperson,,Delft,,no\n"
        "Nog Eens,N.Wethouder@tilburg.nl,alderperson,,Tilburg,,no\n")
    preview = upload(editor, slug, mixed.encode())
    assert preview.status_code == 400
    html = preview.text
    for fate in ("new", "already_signed", "pending", "invalid", "duplicate"):
        assert html.count(f'class="fate-{fate}"') == 1, fate
    assert "email 'geen-adres' is not valid" in visible_text(html)
    assert "/invitations/send" not in html  # nothing to press while a row is wrong
    assert (_count(app, Signature), _count(app, OutboxMail)) == before

    # Without the bad rows the unconfirmed form signature becomes the invitation.
    fixed = "\n".join(mixed.splitlines()[:4]) + "\n"
    preview = upload(editor, slug, fixed.encode())
    assert preview.status_code == 200
    assert send(editor, slug, preview.text).status_code == 303
    jan = _signature(app, "j.jansen@utrecht.nl")
    assert (jan.state, jan.invited, jan.invited_at is not None) == ("invited", True, True)
    assert _signature(app, "n.wethouder@tilburg.nl").state == "invited"


@pytest.mark.parametrize(("data", "message"), [
    (b"naam,adres\nKees,kees@delft.nl\n", "missing column(s) name, email, kind"),
    (HEADER.encode() + "Jos\u00e9 Mart\u00ednez,j.martinez@delft.nl,alderperson,,Delft,,no\n"
     .encode("cp1252"), "not UTF-8: byte 0xe9 on line 2"),
    ("Marieke de Groot,m.degroot@utrecht.nl\n".encode("utf-16"), "not UTF-8: byte 0xff on line 1"),
    (b"name,email,kind\nKees\x00,kees@delft.nl,alderperson\n", "NUL"),
    (HEADER.encode(), ""),
])
def test_a_bad_upload_is_explained_and_stores_nothing(app, staff, editor, data, message):
    slug = staff.publish_letter()
    response = upload(editor, slug, data)
    assert response.status_code == 400
    assert 'id="file-error"' in response.text
    assert message in visible_text(response.text)
    assert _count(app, Signature) == 0 and _count(app, OutboxMail) == 0


def test_the_windows_1252_message_says_how_to_save_the_file(staff, editor):
    slug = staff.publish_letter()
    data = (INVITEES + "Fr\u00e9d\u00e9rique,f@tilburg.nl,alderperson,,Tilburg,,\n"
            ).encode("cp1252")
    text = visible_text(upload(editor, slug, data).text)
    assert "not UTF-8: byte 0xe9 on line 5 (saved as Windows-1252/Latin-1? Save as CSV UTF-8)" \
        in text


def test_uploads_without_a_file_or_with_a_forged_send_are_refused(app, staff, editor):
    slug = staff.publish_letter()
    no_file = editor.post(f"/staff/letters/{slug}/invitations/upload")
    assert no_file.status_code == 400 and 'id="file-error"' in no_file.text
    forged = editor.post(f"/staff/letters/{slug}/invitations/send",
                         {"invitees": HEADER + "Kees,geen-adres,alderperson,,Delft,,\n"})
    assert forged.status_code == 400
    no_token = editor.client.post(f"/staff/letters/{slug}/invitations/send",
                                  data={"invitees": INVITEES})
    assert no_token.status_code == 400
    assert _count(app, Signature) == 0
    assert editor.get("/staff/letters/geen-brief/invitations").status_code == 404


def test_a_closed_letter_takes_no_invitations(app, staff, editor):
    slug = staff.publish_letter()
    preview = upload(editor, slug, INVITEES.encode())
    assert staff.run("letters", "close", slug).exit_code == 0
    assert send(editor, slug, preview.text).status_code == 409
    assert _count(app, Signature) == 0


def test_after_the_last_day_of_signing_no_invitations_go_out(app, staff, editor):
    from campaign.core.timeutil import today_where_signed
    from campaign.letters.models import Letter

    slug = staff.publish_letter()
    preview = upload(editor, slug, INVITEES.encode())
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        letter.sign_until = today_where_signed() - timedelta(days=1)
        db.session.commit()
    refused = send(editor, slug, preview.text)
    assert refused.status_code == 409
    assert "sign_until" in visible_text(refused.text)
    assert _count(app, Signature) == _count(app, OutboxMail) == 0


def _a_week_passes(app, days: int = 8) -> None:
    with app.app_context():
        for signature in db.session.scalars(sa.select(Signature)):
            for column in ("last_invited_at", "last_mailed_at", "invited_at"):
                if getattr(signature, column):
                    setattr(signature, column, getattr(signature, column) - timedelta(days=days))
        db.session.commit()


def test_invitations_are_sent_again_to_who_did_not_sign_at_most_weekly(app, staff, editor,
                                                                      browser, mailbox):
    slug = staff.publish_letter()
    assert send(editor, slug, upload(editor, slug, INVITEES.encode()).text).status_code == 303
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to("m.degroot@utrecht.nl"))[0]))
    staff.send_mail()
    mailbox.clear()

    too_soon = editor.post(f"/staff/letters/{slug}/invitations/resend")
    assert too_soon.status_code == 303
    assert staff.send_mail().sent == 0
    assert 'data-resent="0"' in editor.get(too_soon.headers["Location"]).text

    _a_week_passes(app)
    assert 'data-resendable="2"' in editor.get(f"/staff/letters/{slug}/invitations").text
    assert editor.post(f"/staff/letters/{slug}/invitations/resend").status_code == 303
    assert staff.send_mail().sent == 2
    assert {m["To"] for m in mailbox.messages} == {"p.bakker@tilburg.nl",
                                                   "directie@kinderopvang.example.nl"}
    assert "/invitation/" in links_in(mailbox.last_to("p.bakker@tilburg.nl"))[0]

    # Again the same week: nothing; from the command line too.
    assert editor.post(f"/staff/letters/{slug}/invitations/resend").status_code == 303
    result = staff.run("letters", "resend-invitations", slug)
    assert result.exit_code == 0 and "0 invitation(s) sent again, 2 not yet" in result.output
    assert staff.send_mail().sent == 0
    _a_week_passes(app)
    result = staff.run("letters", "resend-invitations", slug)
    assert "2 invitation(s) sent again" in result.output
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "invitations.resent")).all()
        assert [e.actor_kind for e in events] == ["staff", "cli"]


def test_an_invitation_that_could_not_be_delivered_shows_as_bounced(make_app, factories,
                                                                    tmp_path, mailbox):
    app = make_app(OUTBOX_MAX_ATTEMPTS=1)
    staff = Staff(app, tmp_path)
    slug = staff.publish_letter()
    editor = StaffBrowser(app.test_client())
    editor.log_in(factories.staff_user("editor"))
    first = HEADER + "Peter Bakker,p.bakker@tilburg.nl,alderperson,,Tilburg,,\n"
    send(editor, slug, upload(editor, slug, first.encode()).text)
    mailbox.refuse = True
    staff.send_mail()
    mailbox.refuse = False
    second = HEADER + "Marieke de Groot,m.degroot@utrecht.nl,alderperson,,Utrecht,,\n"
    send(editor, slug, upload(editor, slug, second.encode()).text)
    staff.send_mail()
    listing = editor.get(f"/staff/letters/{slug}/invitations").text
    assert 'class="invitee-bounced"' in listing[listing.index("p.bakker@tilburg.nl") - 200:]
    assert "invitee-invited" in listing


def test_the_command_line_refuses_a_windows_1252_file_naming_the_line(app, staff, tmp_path):
    slug = staff.publish_letter()
    path = tmp_path / "excel.csv"
    path.write_bytes((INVITEES + "Ren\u00e9,r@tilburg.nl,alderperson,,Tilburg,,\n")
                     .encode("cp1252"))
    result = staff.run("letters", "invite", slug, str(path))
    assert result.exit_code != 0
    assert "line 5: not UTF-8: byte 0xe9 on line 5" in result.output
    assert "nothing was stored" in result.output
    assert _count(app, Signature) == 0


def test_the_invited_signers_browser_sees_no_staff_page(client, staff, editor):
    slug = staff.publish_letter()
    anonymous = Browser(client.application.test_client())
    response = anonymous.get(f"/staff/letters/{slug}/invitations")
    assert response.status_code == 303 and "/staff/login" in response.headers["Location"]
