"""An editor runs a letter from the workspace: writes it in the form (every field of the file
format, errors beside each) or uploads its file (a file that is no UTF-8 or far too large is
refused, nothing stored), previews it as the public page and as the PDF, publishes, closes and
reopens it, edits it into a new version and compares the versions with their signatures, meets a
clear conflict when a colleague saved first, and downloads the same exports as the CLI writes."""
from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.letters.models import Letter
from helpers.factories import letter_file
from helpers.pages import csrf_token, visible_text
from helpers.staff_browser import StaffBrowser

SLUG = "gelijke-kansen"
FORM = {
    "title": "Open brief over gelijke kansen", "slug": SLUG, "kind": "letter", "language": "nl",
    "letterhead": "Gemeente Utrecht\r\nPostbus 16200, 3500 CE Utrecht",
    "addressee": "Aan de minister van Onderwijs\r\nPostbus 16375\r\n2500 BJ Den Haag",
    "place": "Utrecht", "date": "2021-01-29", "salutation": "Geachte minister,",
    "body": "Wij vragen u om **gelijke kansen** voor ieder kind.\r\n\r\nEen tweede alinea.",
    "closing": "Hoogachtend,", "signatory_kinds": ["alderperson", "organisation"],
    "moderation": "unverified",
}


def editor_browser(app, factories, email: str | None = None) -> StaffBrowser:
    """An editor, logged in, reading the workspace in English (the messages stay put)."""
    staff = StaffBrowser(app.test_client())
    staff.client.get("/?lang=en")
    assert staff.log_in(factories.staff_user("editor", email)).status_code == 303
    return staff


@pytest.fixture
def editor(app, factories) -> StaffBrowser:
    return editor_browser(app, factories)


def letter_row(app, slug: str = SLUG) -> Letter | None:
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        if letter is not None:
            letter.versions  # noqa: B018 (loaded for the test to read)
            db.session.expunge_all()
        return letter


def errors_beside(html: str, field: str) -> str:
    """The error text shown in a field's block of the form."""
    match = re.search(rf'<div class="field has-error" id="field-{field}">(.*?)</div>', html, re.S)
    assert match, f"no error beside {field}"
    return visible_text(match.group(1))


def edit_form_data(page_html: str) -> dict:
    """The hidden revision the edit form carries, as a browser sends it back."""
    return {"revision": re.search(r'name="revision"[^>]*value="(\d+)"', page_html).group(1)}


def upload(staff: StaffBrowser, path: str, content: bytes, name: str = "brief.md", **data):
    return staff.post(path, {"letter_file": (io.BytesIO(content), name), **data},
                      content_type="multipart/form-data")


def test_editor_writes_a_letter_previews_publishes_closes_and_reopens(app, client, editor):
    listing = editor.get("/staff/letters")
    assert listing.status_code == 200 and 'href="/staff/letters/new"' in listing.text
    assert editor.get("/staff/letters/new").status_code == 200

    bad = editor.post("/staff/letters/new", {
        **FORM, "title": "", "slug": "Gelijke Kansen!", "date": "29-01-2021", "place": "",
        "signatory_kinds": []})
    assert bad.status_code == 400
    assert "Fill in a title." in errors_beside(bad.text, "title")
    assert "lower-case letters" in errors_beside(bad.text, "slug")
    assert "YYYY-MM-DD" in errors_beside(bad.text, "date")
    assert "A letter needs this" in errors_beside(bad.text, "place")
    assert "at least one kind" in errors_beside(bad.text, "signatory_kinds")
    assert "Wij vragen u om" in bad.text  # what was typed stays
    assert letter_row(app) is None

    created = editor.post("/staff/letters/new", FORM)
    assert created.status_code == 303 and created.headers["Location"] == f"/staff/letters/{SLUG}"
    letter = letter_row(app)
    assert (letter.status, letter.place, letter.kinds) == ("draft", "Utrecht",
                                                          ["alderperson", "organisation"])
    assert letter.addressee == "Aan de minister van Onderwijs\nPostbus 16375\n2500 BJ Den Haag"
    assert str(letter.letter_date) == "2021-01-29" and letter.revision == 1
    again = editor.post("/staff/letters/new", FORM)
    assert again.status_code == 409 and "exists already" in errors_beside(again.text, "slug")

    page = editor.get(f"/staff/letters/{SLUG}")
    assert page.status_code == 200 and "Draft" in visible_text(page.text)
    assert client.get(f"/letters/{SLUG}").status_code == 404  # not public before publishing
    preview = editor.get(f"/staff/letters/{SLUG}/preview")
    assert preview.status_code == 200
    text = visible_text(preview.text)
    assert "Geachte minister," in text and "gelijke kansen" in text and "29 januari 2021" in text
    assert "<strong>gelijke kansen</strong>" in preview.text
    pdf = editor.get(f"/staff/letters/{SLUG}/preview.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Content-Disposition"].startswith("inline")

    assert editor.post(f"/staff/letters/{SLUG}/publish").status_code == 303
    assert letter_row(app).status == "open" and len(letter_row(app).versions) == 1
    assert client.get(f"/letters/{SLUG}").status_code == 200
    assert editor.post(f"/staff/letters/{SLUG}/reopen").status_code == 409  # it is open
    assert editor.post(f"/staff/letters/{SLUG}/close").status_code == 303
    assert letter_row(app).status == "closed"
    assert editor.post(f"/staff/letters/{SLUG}/close").status_code == 409
    assert "Reopen for signing" in editor.get(f"/staff/letters/{SLUG}").text
    assert editor.post(f"/staff/letters/{SLUG}/reopen").status_code == 303
    assert letter_row(app).status == "open"
    assert "Open" in visible_text(editor.get("/staff/letters?status=open").text)

    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.actor == "editor@campagne.example.nl").order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith("letter.")] == [
        "letter.imported", "letter.published", "letter.closed", "letter.reopened"]


def test_a_manifesto_needs_no_addressee(app, editor):
    manifesto = {**FORM, "kind": "manifesto", "addressee": "", "place": "", "date": "",
                 "salutation": "", "closing": ""}
    assert editor.post("/staff/letters/new", manifesto).status_code == 303
    assert letter_row(app).kind == "manifesto"


def test_editor_uploads_a_letter_file(app, editor):
    good = upload(editor, "/staff/letters/upload", letter_file().encode())
    assert good.status_code == 303 and good.headers["Location"] == f"/staff/letters/{SLUG}"
    assert letter_row(app).status == "draft"
    twice = upload(editor, "/staff/letters/upload", letter_file().encode())
    assert twice.status_code == 409 and "already exists" in twice.text


def test_a_bad_letter_file_is_refused_with_its_line_and_nothing_is_stored(app, editor):
    # Saved as Windows-1252 (cp1252): its curly quotes are no UTF-8.
    text = letter_file(body="Wij vragen u om \u2018gelijke kansen\u2019.\n")
    line = text.splitlines().index("Wij vragen u om \u2018gelijke kansen\u2019.") + 1
    response = upload(editor, "/staff/letters/upload", text.encode("cp1252"))
    assert response.status_code == 400
    message = errors_beside(response.text, "letter_file")
    assert "not UTF-8" in message and f"line {line}" in message and "0x91" in message

    broken = letter_file().replace("date: 2021-01-29", "date: 29 januari").replace(
        "slug: gelijke-kansen", "slug: Gelijke Kansen")
    response = upload(editor, "/staff/letters/upload", broken.encode())
    assert response.status_code == 400
    message = errors_beside(response.text, "letter_file")
    assert "line 3: field 'slug'" in message and "line 11: field 'date'" in message

    assert upload(editor, "/staff/letters/upload", b"").status_code == 400
    missing = editor.post("/staff/letters/upload", {}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose a letter file." in missing.text
    assert letter_row(app) is None


def test_ten_megabytes_of_junk_get_413_and_nothing_is_stored(app, editor):
    junk = bytes(range(256)) * (10 * 1024 * 1024 // 256)
    # The multipart body built by hand: the test client would spool it to a file it never closes.
    boundary = "junk-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{editor.token}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"letter_file\"; filename=\"junk.md\"\r\n\r\n").encode() + junk + \
        f"\r\n--{boundary}--\r\n".encode()
    response = editor.client.post("/staff/letters/upload", data=body,
                                  content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Too much data" in visible_text(response.text)
    assert letter_row(app) is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0


def test_editing_an_open_letter_makes_a_new_version_shown_beside_the_old(
        app, staff, factories, editor):
    staff.publish_letter()
    factories.signatures(SLUG, [{"name": "Marieke de Groot", "municipality": "Utrecht"},
                                {"name": "Sara Visser", "municipality": "Tilburg"}])
    form = editor.get(f"/staff/letters/{SLUG}/edit")
    assert form.status_code == 200 and "Structurele middelen." in form.text
    new_body = "Wij vragen u om **gelijke kansen** voor ieder kind.\n\nEen nieuwe alinea."
    saved = editor.post(f"/staff/letters/{SLUG}/edit", {
        **FORM, "slug": "ignored", "body": new_body, **edit_form_data(form.text)})
    assert saved.status_code == 303
    letter = letter_row(app)
    assert [v.number for v in letter.versions] == [1, 2] and letter.revision == 2
    assert letter.slug == SLUG and letter.body == new_body
    factories.signatures(SLUG, [{"name": "Jan Jansen", "municipality": "Zwolle",
                                 "email": "jan@zwolle.nl"}])

    versions = editor.get(f"/staff/letters/{SLUG}/versions")
    assert versions.status_code == 200
    text = visible_text(versions.text)
    assert "Version 1: 2 counted signatures." in text
    assert "Version 2: 1 counted signatures." in text
    assert "<del>2. Minder formulieren.</del>" in versions.text
    assert "<ins>Een nieuwe alinea.</ins>" in versions.text
    same = editor.get(f"/staff/letters/{SLUG}/versions?old=2&new=2")
    assert same.status_code == 200 and "Choose two different versions" in same.text
    assert editor.get(f"/staff/letters/{SLUG}/versions?old=1&new=9").status_code == 404

    # Replacing it from a file, as `flask letters update` does, makes version 3.
    page = editor.get(f"/staff/letters/{SLUG}")
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page.text).group(1)
    replaced = upload(editor, f"/staff/letters/{SLUG}/upload",
                      letter_file(body="Een derde tekst.\n").encode(), revision=revision)
    assert replaced.status_code == 303
    assert [v.number for v in letter_row(app).versions] == [1, 2, 3]
    other = upload(editor, f"/staff/letters/{SLUG}/upload",
                   letter_file(slug="andere-brief").encode(), revision=str(int(revision) + 1))
    assert other.status_code == 400
    assert "field 'slug': the file is for 'andere-brief'" in errors_beside(other.text,
                                                                           "letter_file")


def test_the_second_of_two_editors_saving_the_same_letter_gets_a_conflict(
        app, staff, factories, editor):
    staff.publish_letter()
    colleague = editor_browser(app, factories, "collega@campagne.example.nl")
    mine = editor.get(f"/staff/letters/{SLUG}/edit")
    theirs = colleague.get(f"/staff/letters/{SLUG}/edit")

    first = colleague.post(f"/staff/letters/{SLUG}/edit", {
        **FORM, "body": "De tekst van mijn collega.", **edit_form_data(theirs.text)})
    assert first.status_code == 303
    second = editor.post(f"/staff/letters/{SLUG}/edit", {
        **FORM, "body": "Mijn eigen tekst.", **edit_form_data(mine.text)})
    assert second.status_code == 409
    text = visible_text(second.text)
    assert "Someone else saved this letter while you were editing it" in text
    assert "Mijn eigen tekst." in second.text  # still in the form, nothing lost
    assert "<del>De tekst van mijn collega.</del>" in second.text
    assert "<ins>Mijn eigen tekst.</ins>" in second.text
    letter = letter_row(app)
    assert letter.body == "De tekst van mijn collega." and letter.revision == 2
    assert len(letter.versions) == 2

    # Having seen both, the editor saves again on purpose: that replaces the colleague's text.
    again = editor.post(f"/staff/letters/{SLUG}/edit", {
        **FORM, "body": "Mijn eigen tekst.", **edit_form_data(second.text)})
    assert again.status_code == 303
    assert letter_row(app).body == "Mijn eigen tekst."

    stale = upload(editor, f"/staff/letters/{SLUG}/upload", letter_file().encode(), revision="1")
    assert stale.status_code == 409 and "Someone else saved this letter" in stale.text
    assert letter_row(app).body == "Mijn eigen tekst."


def test_a_delivered_letter_cannot_be_edited(app, staff, editor):
    staff.publish_letter()
    with app.app_context():
        db.session.execute(sa.update(Letter).values(status="delivered"))
        db.session.commit()
    assert editor.get(f"/staff/letters/{SLUG}/edit").status_code == 409
    form_page = editor.get(f"/staff/letters/{SLUG}")
    assert form_page.status_code == 200 and "/edit" not in form_page.text
    token = csrf_token(form_page.text)
    response = editor.client.post(f"/staff/letters/{SLUG}/edit",
                                  data={**FORM, "revision": "1", "csrf_token": token})
    assert response.status_code == 409
    assert editor.post(f"/staff/letters/{SLUG}/publish").status_code == 409


def test_the_exports_are_the_files_the_cli_writes(app, staff, factories, editor, tmp_path):
    staff.publish_letter()
    factories.signatures(SLUG, [{"name": "Marieke de Groot", "municipality": "Utrecht"},
                                {"name": "=HYPERLINK()", "municipality": "Tilburg"}])
    page = editor.get(f"/staff/letters/{SLUG}")
    for fmt in ("csv", "json", "xlsx"):
        assert f'href="/staff/letters/{SLUG}/export.{fmt}"' in page.text
    assert f'href="/staff/letters/{SLUG}/pdf"' in page.text

    for fmt in ("csv", "json"):
        response = editor.get(f"/staff/letters/{SLUG}/export.{fmt}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == f'attachment; filename="{SLUG}.{fmt}"'
        output = tmp_path / f"cli.{fmt}"
        assert staff.run("letters", "export", SLUG, "--format", fmt,
                         "--output", str(output)).exit_code == 0
        assert response.data == output.read_bytes()
    rows = json.loads(editor.get(f"/staff/letters/{SLUG}/export.json").data)["signatures"]
    assert {row["email"] for row in rows} == {f"ondertekenaar{n}@{SLUG}.example.org"
                                             for n in range(2)}
    assert "'=HYPERLINK()" in editor.get(f"/staff/letters/{SLUG}/export.csv").text

    # The PDF is rendered by the worker (tests/delivery/test_staff_gets_pdf_from_worker.py).
    assert editor.get(f"/staff/letters/{SLUG}/export.pdf").status_code == 303
    editor.post(f"/staff/letters/{SLUG}/pdf")
    assert staff.run("worker", "--once").exit_code == 0
    pdf = editor.get(f"/staff/letters/{SLUG}/export.pdf", follow_redirects=True)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{SLUG}.pdf"'


def test_unknown_letters_are_404(editor):
    for path in ("/staff/letters/geen-brief", "/staff/letters/geen-brief/edit",
                 "/staff/letters/geen-brief/preview", "/staff/letters/geen-brief/export.csv",
                 "/staff/letters/%C3%A9/versions"):
        assert editor.get(path).status_code == 404, path
    assert editor.post("/staff/letters/geen-brief/close").status_code == 404


def test_moderators_do_not_run_letters(app, factories):
    staff = StaffBrowser(app.test_client())
    staff.log_in(factories.staff_user("moderator"))
    assert staff.get("/staff/letters/new").status_code == 403
    assert staff.post("/staff/letters/new", FORM).status_code == 403
