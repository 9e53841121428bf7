"""Staff deliver the signed letter to the ministry, from the command line and from the workspace:
the PDF is frozen with a verification address and its QR code on the last page, stored with its
SHA-256, sent through the outbox as the attachment of a cover mail in the letter's language
(byte for byte the stored file), audited, and the letter is delivered. A second delivery needs
--again or a confirmation and keeps both; drafts and bad addresses are refused with nothing
stored; the API lists the deliveries. A large letter is rendered in parts, the last one stamped;
without a mail server the cover mail's file carries the PDF."""
from __future__ import annotations

import email
import email.policy
import hashlib
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from campaign.audit.models import AuditEvent
from campaign.delivery import chunked
from campaign.delivery.models import Delivery
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from helpers.delivery import (
    MINISTRY,
    deliver,
    deliveries,
    letter_row,
    page_texts,
    pdf_attachments,
    published_letter_with_signatures,
    qr_codes_on_last_page,
)
from helpers.factories import letter_file
from helpers.pages import BASE_URL, csrf_token, visible_text
from helpers.staff import Staff
from helpers.staff_browser import StaffBrowser

VERIFY_URL = re.compile(re.escape(BASE_URL) + r"/verify/([a-z2-7]{12})")


def _nothing_stored(app) -> None:
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)
                                 .where(OutboxMail.delivery_id.is_not(None))) == 0


def test_staff_deliver_the_letter_from_the_command_line(app, staff, factories, mailbox,
                                                        tmp_path):
    slug = published_letter_with_signatures(staff, factories)
    result = deliver(staff, slug, "--cc", "coordinator@campagne.example.nl",
                     "--note", "Wij zien uw reactie graag tegemoet.")
    assert result.exit_code == 0, result.output
    [delivery] = deliveries(app, slug)
    assert f"{BASE_URL}/verify/{delivery.id}" in result.output
    assert delivery.sha256 in result.output

    # The record: the file and its SHA-256, the version, the counts as delivered, who.
    assert re.fullmatch(r"[a-z2-7]{12}", delivery.id)
    assert hashlib.sha256(delivery.pdf).hexdigest() == delivery.sha256
    assert delivery.pdf_size == len(delivery.pdf)
    assert (delivery.recipient, delivery.cc) == (MINISTRY, ["coordinator@campagne.example.nl"])
    assert delivery.version.number == 1 and not delivery.signed
    assert delivery.counts["total"] == 4
    assert delivery.by_verification == {"invited": 1, "domain": 1, "staff": 1, "mailbox": 1}
    assert delivery.delivered_by.startswith("cli:")
    letter = letter_row(app, slug)
    assert letter.status == "delivered" and letter.delivered_at == delivery.delivered_at
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "letter.delivered")).all()
        assert event.detail["delivery"] == delivery.id
        assert event.detail["sha256"] == delivery.sha256
        assert event.actor.startswith("cli:")

    # The PDF: the letter, its signatories, and on its last page the verify address and a QR
    # code that reads as that address.
    verify_url = f"{BASE_URL}/verify/{delivery.id}"
    reader = PdfReader(io.BytesIO(delivery.pdf))
    assert reader.metadata.title == "Open brief over gelijke kansen"
    assert reader.metadata.author == "Gemeente Utrecht"
    texts = page_texts(delivery.pdf)
    assert len(texts) == len(reader.pages) >= 1
    assert "Wij vragen u om gelijke kansen" in texts[0]
    assert "Súdwest-Fryslân" in " ".join(texts)
    assert verify_url in texts[-1]
    assert "stand bij verzending op" in " ".join(texts)
    assert f"Verzonden aan {MINISTRY}" in texts[-1]
    assert qr_codes_on_last_page(delivery.pdf, tmp_path) == [verify_url]
    assert not any(f"@{slug}.example.org" in text for text in texts)  # no signer's address

    # The cover mail: through the real SMTP server, in Dutch, the stored PDF attached as is.
    assert mailbox.messages == []  # queued, not sent, until the outbox runs
    report = staff.send_mail()
    assert report.sent == 1
    message = mailbox.last_to(MINISTRY)
    assert message["Cc"] == "coordinator@campagne.example.nl"
    assert "coordinator@campagne.example.nl" in message["X-Envelope-To"]
    assert message["Subject"] == "Open brief over gelijke kansen"  # not "Open brief: Open brief …"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Geachte heer, mevrouw," in body
    assert "Wij zien uw reactie graag tegemoet." in body
    assert verify_url in body and delivery.sha256 in body
    [(filename, attached)] = pdf_attachments(message)
    assert filename == f"{slug}-{delivery.id}.pdf"
    assert attached == delivery.pdf
    with app.app_context():  # the sent row still knows what it carried
        mail = db.session.scalar(sa.select(OutboxMail).where(OutboxMail.delivery_id.is_not(None)))
        assert (mail.status, mail.delivery_id, mail.body_text) == ("sent", delivery.id, None)


def test_delivering_again_needs_again_and_keeps_both(app, staff, factories, mailbox):
    slug = published_letter_with_signatures(staff, factories)
    assert deliver(staff, slug).exit_code == 0
    [first] = deliveries(app, slug)

    result = deliver(staff, slug, "--to", "tweede@minocw.example.nl")
    assert result.exit_code == 1
    assert "was delivered to" in result.output and "--again" in result.output
    assert len(deliveries(app, slug)) == 1

    result = staff.run("letters", "deliver", slug, "--to", "tweede@minocw.example.nl", "--again")
    assert result.exit_code == 0, result.output
    kept_first, second = deliveries(app, slug)
    assert kept_first.id == first.id and kept_first.sha256 == first.sha256
    assert second.id != first.id and second.sha256 != first.sha256
    assert second.recipient == "tweede@minocw.example.nl"
    assert letter_row(app, slug).delivered_at == second.delivered_at
    staff.send_mail()
    assert [pdf_attachments(m)[0][1] for m in mailbox.messages] == [first.pdf, second.pdf]


@pytest.mark.parametrize("args, option, said", [
    (["--to", "geen-adres"], "--to", "not a valid e-mail address"),
    (["--to", "postbus@"], "--to", "not a valid e-mail address"),
    (["--to", MINISTRY, "--cc", "ok@example.nl", "--cc", "kapot@@example.nl"], "--cc",
     "not a valid e-mail address"),
    (["--to", "jösé@minocw.example.nl"], "--to", "plain ASCII"),
    (["--to", ""], "--to", "an e-mail address is needed"),
])
def test_bad_addresses_are_refused_and_nothing_is_stored(app, staff, factories, args, option,
                                                         said):
    slug = published_letter_with_signatures(staff, factories)
    result = staff.run("letters", "deliver", slug, *args)
    assert result.exit_code == 2, result.output
    assert option in result.output and said in result.output
    _nothing_stored(app)
    assert letter_row(app, slug).status == "open"


def test_a_draft_or_an_unknown_letter_is_not_delivered(app, staff):
    path = staff.write("concept.md", letter_file("concept"))
    assert staff.run("letters", "import", path).exit_code == 0
    result = deliver(staff, "concept")
    assert result.exit_code == 1
    assert "concept is a draft: publish it before delivering it" in result.output
    assert "nothing was changed" in result.output
    result = deliver(staff, "bestaat-niet")
    assert result.exit_code == 1 and "no letter with slug 'bestaat-niet'" in result.output
    _nothing_stored(app)
    assert letter_row(app, "concept").status == "draft"


def test_the_api_lists_the_deliveries_without_staff_addresses(app, staff, factories, client):
    slug = published_letter_with_signatures(staff, factories)
    assert client.get(f"/api/letters/{slug}").get_json()["deliveries"] == []
    deliver(staff, slug, "--cc", "coordinator@campagne.example.nl")
    [delivery] = deliveries(app, slug)
    answer = client.get(f"/api/letters/{slug}").get_json()
    assert answer["status"] == "delivered"
    assert answer["deliveries"] == [{
        "id": delivery.id, "delivered_at": delivery.delivered_at.replace(
            microsecond=0).isoformat() + "Z", "recipient": MINISTRY, "sha256": delivery.sha256,
        "verify_url": f"{BASE_URL}/verify/{delivery.id}"}]
    text = client.get(f"/api/letters/{slug}").text
    assert "coordinator@" not in text and "cli:" not in text


# -- from the workspace ----------------------------------------------------------------------

@pytest.fixture
def editor(app, factories) -> StaffBrowser:
    staff = StaffBrowser(app.test_client())
    staff.client.get("/?lang=en")
    assert staff.log_in(factories.staff_user("editor")).status_code == 303
    return staff


def test_an_editor_delivers_from_the_workspace_and_confirms_a_second_delivery(
        app, staff, factories, editor, mailbox):
    slug = published_letter_with_signatures(staff, factories)
    letter_page = editor.get(f"/staff/letters/{slug}").text
    assert f'href="/staff/letters/{slug}/deliveries"' in letter_page
    page = editor.get(f"/staff/letters/{slug}/deliveries")
    assert page.status_code == 200
    assert "This letter has not been delivered yet." in visible_text(page.text)

    response = editor.post(f"/staff/letters/{slug}/deliveries", {
        "to": MINISTRY, "cc": "een@campagne.example.nl\r\ntwee@campagne.example.nl",
        "note": "Met vriendelijke groet van de campagne."})
    assert response.status_code == 303
    [delivery] = deliveries(app, slug)
    assert delivery.cc == ["een@campagne.example.nl", "twee@campagne.example.nl"]
    assert delivery.delivered_by == "editor@campagne.example.nl"
    page = editor.get(response.headers["Location"])
    text = visible_text(page.text)
    assert "Delivered. The cover mail with the PDF attached waits in the outbox" in text
    assert delivery.sha256 in text and MINISTRY in text
    download = editor.get(f"/staff/letters/{slug}/deliveries/{delivery.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == delivery.pdf
    assert f'filename="{slug}-{delivery.id}.pdf"' in download.headers["Content-Disposition"]
    assert editor.get(f"/staff/letters/other/deliveries/{delivery.id}.pdf").status_code == 404

    # Again: a confirmation step first, which delivers nothing; then both are kept.
    response = editor.post(f"/staff/letters/{slug}/deliveries", {"to": "tweede@example.nl"})
    assert response.status_code == 200
    text = visible_text(response.text)
    assert "Deliver this letter again?" in text and MINISTRY in text
    assert len(deliveries(app, slug)) == 1
    editor.token = csrf_token(response.text)
    assert 'name="again" value="y"' in response.text
    assert 'value="tweede@example.nl"' in response.text  # what was typed is kept
    response = editor.post(f"/staff/letters/{slug}/deliveries",
                           {"to": "tweede@example.nl", "again": "y"})
    assert response.status_code == 303
    assert [d.recipient for d in deliveries(app, slug)] == [MINISTRY, "tweede@example.nl"]
    staff.send_mail()
    assert len(mailbox.messages) == 2


def test_the_deliver_form_says_what_is_wrong_beside_the_field(app, staff, factories, editor):
    slug = published_letter_with_signatures(staff, factories)
    response = editor.post(f"/staff/letters/{slug}/deliveries",
                           {"to": "geen adres", "cc": "goed@example.nl, fout@"})
    assert response.status_code == 400
    for name, said in (("to", "“geen adres” is not an e-mail address"),
                       ("cc", "“fout@” is not an e-mail address")):
        block = re.search(rf'<div class="field has-error" id="field-{name}">(.*?)</div>',
                          response.text, re.S)
        assert block and said in visible_text(block.group(1))
    response = editor.post(f"/staff/letters/{slug}/deliveries", {"to": ""})
    assert response.status_code == 400
    assert "Fill in the address the letter goes to." in visible_text(response.text)
    _nothing_stored(app)


def test_a_draft_cannot_be_delivered_from_the_workspace(app, staff, editor):
    path = staff.write("concept.md", letter_file("concept"))
    assert staff.run("letters", "import", path).exit_code == 0
    page = editor.get("/staff/letters/concept/deliveries")
    assert "A draft cannot be delivered: publish the letter first." in visible_text(page.text)
    assert 'action="/staff/letters/concept/deliveries"' not in page.text
    response = editor.post("/staff/letters/concept/deliveries", {"to": MINISTRY})
    assert response.status_code == 409
    assert "A draft cannot be delivered" in visible_text(response.text)
    _nothing_stored(app)


def test_without_a_mail_server_the_cover_mail_file_carries_the_pdf(make_app, tmp_path, factories):
    app = make_app(MAIL_SERVER=None)
    staff = Staff(app, tmp_path)
    slug = published_letter_with_signatures(staff, type(factories)(app))
    assert deliver(staff, slug).exit_code == 0
    assert staff.send_mail().sent == 1
    [path] = (tmp_path / "instance" / "mail").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    [delivery] = deliveries(app, slug)
    assert pdf_attachments(message) == [(f"{slug}-{delivery.id}.pdf", delivery.pdf)]


def test_a_large_letter_is_delivered_rendered_in_parts(app, staff, factories, tmp_path,
                                                       monkeypatch):
    slug = published_letter_with_signatures(staff, factories)
    factories.signatures(slug, [dict(kind="alderperson", name=f"Wethouder {n}",
                                     role="wethouder", municipality=town,
                                     email=f"wethouder{n}@{town.lower()}.example.nl")
                                for n, town in enumerate(["Almere", "Breda", "Delft", "Ede"])])
    monkeypatch.setattr(chunked, "PART_SIZE", 3)  # 8 signatories: three parts
    assert deliver(staff, slug).exit_code == 0
    [delivery] = deliveries(app, slug)
    texts = page_texts(delivery.pdf)
    assert "Wethouder 3, wethouder gemeente Ede" in " ".join(texts)
    assert f"{BASE_URL}/verify/{delivery.id}" in texts[-1]
    assert f"Pagina {len(texts)} van {len(texts)}" in texts[-1]
    assert qr_codes_on_last_page(delivery.pdf, tmp_path) == [f"{BASE_URL}/verify/{delivery.id}"]


def test_a_letter_too_large_for_a_request_is_delivered_by_the_worker(
        app, staff, factories, editor, mailbox):
    """Above RENDER_IN_REQUEST_MAX signatures the page queues the delivery; `flask worker`
    renders and delivers it while the page follows; a failure says why and delivers nothing."""
    slug = published_letter_with_signatures(staff, factories)
    app.config["RENDER_IN_REQUEST_MAX"] = 0
    response = editor.post(f"/staff/letters/{slug}/deliveries", {
        "to": MINISTRY, "note": "Met vriendelijke groet."})
    assert response.status_code == 303
    assert deliveries(app, slug) == []  # nothing rendered inside the request
    page = editor.get(response.headers["Location"])
    assert 'http-equiv="refresh"' in page.text
    assert f"Delivery to {MINISTRY} waits for the worker" in visible_text(page.text)
    # Asking again while it waits queues nothing more.
    editor.post(f"/staff/letters/{slug}/deliveries", {"to": MINISTRY})

    assert staff.run("worker", "--once").exit_code == 0
    [delivery] = deliveries(app, slug)
    assert delivery.delivered_by == "editor@campagne.example.nl" and delivery.note
    page = editor.get(f"/staff/letters/{slug}/deliveries")
    assert 'http-equiv="refresh"' not in page.text and delivery.sha256 in page.text
    assert letter_row(app, slug).status == "delivered"
    staff.send_mail()
    assert len(mailbox.to(MINISTRY)) == 1  # one delivery, however often the button was pressed

    # Again, with signing configured but its key missing: the job fails, nothing is delivered.
    app.config.update(PDF_SIGNING_P12="/nonexistent/key.p12", PDF_SIGNING_PASSWORD="x")
    assert editor.post(f"/staff/letters/{slug}/deliveries",
                       {"to": MINISTRY, "again": "y"}).status_code == 303
    assert staff.run("worker", "--once").exit_code == 0
    assert len(deliveries(app, slug)) == 1
    page = editor.get(f"/staff/letters/{slug}/deliveries")
    failed = visible_text(page.text)
    assert f"The delivery to {MINISTRY} failed and nothing was delivered" in failed


def test_the_preview_of_a_letter_too_large_for_a_request_leads_to_the_worker(
        app, staff, factories, editor):
    slug = published_letter_with_signatures(staff, factories)
    assert editor.get(f"/staff/letters/{slug}/preview.pdf").mimetype == "application/pdf"
    app.config["RENDER_IN_REQUEST_MAX"] = 0
    response = editor.get(f"/staff/letters/{slug}/preview.pdf")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/letters/{slug}/pdf")
