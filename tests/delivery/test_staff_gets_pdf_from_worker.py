"""An editor asks for the signed letter's PDF: the request only queues a job, the worker (`flask
worker`, the same process kind that sends the outbox's mail) renders it, the staff page follows
its progress by reloading itself, and the file is kept and served again until the text or the
signatures change. A render that fails, or whose worker died, says so and can be asked again."""
from __future__ import annotations

import subprocess
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.core.timeutil import utcnow
from campaign.delivery import chunked
from campaign.delivery.jobs import RenderJob, RenderStatus
from campaign.extensions import db
from helpers.factories import letter_file, make_staff_user
from helpers.staff_browser import StaffBrowser

SLUG = "gelijke-kansen"
STATUS, DOWNLOAD = f"/staff/letters/{SLUG}/pdf", f"/staff/letters/{SLUG}/pdf/download"
PEOPLE = [dict(name="Jan Jansen", role="wethouder", municipality="Utrecht", lead=True),
          dict(name="Sara Sol", role="wethouder", municipality="Súdwest-Fryslân"),
          dict(kind="organisation", name="Eva Bos", role="directeur",
               organisation="Stichting Kinderopvang Oost")]


@pytest.fixture
def editor(app) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    browser.client.get("/?lang=en")
    assert browser.log_in(make_staff_user(app, "editor")).status_code == 303
    return browser


@pytest.fixture
def letter(staff, factories) -> str:
    path = staff.write("brief.md", letter_file(SLUG, moderation="none"))
    assert staff.run("letters", "import", path, "--publish").exit_code == 0
    factories.signatures(SLUG, PEOPLE)
    return SLUG


def jobs(app) -> list[tuple[str, int, int]]:
    with app.app_context():
        return [(job.status, job.done, job.total) for job in db.session.scalars(
            sa.select(RenderJob).order_by(RenderJob.id))]


def run_worker(staff) -> str:
    result = staff.run("worker", "--once")
    assert result.exit_code == 0, result.output
    return result.output


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_editor_asks_worker_renders_page_follows_and_download_is_reused(
        app, editor, staff, letter, factories, tmp_path):
    page = editor.get(STATUS)
    assert page.status_code == 200 and 'id="pdf-render"' in page.text
    assert 'http-equiv="refresh"' not in page.text
    # Nothing to download yet: the status page offers the render.
    assert editor.get(DOWNLOAD).headers["Location"].endswith(STATUS)
    assert editor.get(f"/staff/letters/{SLUG}/export.pdf").status_code == 303

    asked = editor.post(STATUS)
    assert asked.status_code == 303 and asked.headers["Location"].endswith(STATUS)
    assert jobs(app) == [(RenderStatus.QUEUED, 0, 0)]
    waiting = editor.get(STATUS).text
    assert 'http-equiv="refresh" content="2"' in waiting and 'id="pdf-progress"' in waiting
    # Asking again while it waits queues nothing more.
    editor.post(STATUS)
    assert len(jobs(app)) == 1

    assert "PDFs rendered: 1" in run_worker(staff)
    assert jobs(app) == [(RenderStatus.DONE, 2, 2)]
    ready = editor.get(STATUS).text
    assert 'id="pdf-ready"' in ready and 'http-equiv="refresh"' not in ready
    first = editor.get(DOWNLOAD)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert first.headers["Content-Disposition"] == f'attachment; filename="{SLUG}.pdf"'
    text = pdf_text(first.data, tmp_path)
    assert "Jan Jansen" in text and "Sara Sol" in text and "Stichting Kinderopvang Oost" in text
    assert "Pagina 1 van" in text

    # Unchanged: served from the store, asking renders nothing, the CLI writes the same file.
    editor.post(STATUS)
    assert len(jobs(app)) == 1
    started = time.perf_counter()
    again = editor.get(DOWNLOAD)
    assert time.perf_counter() - started < 1.0  # `make bench` holds it to 50 ms
    assert again.data == first.data
    output = tmp_path / "cli.pdf"
    assert staff.run("letters", "export", SLUG, "--format", "pdf", "--output",
                     str(output)).exit_code == 0
    assert output.read_bytes() == first.data

    # A new signature: the stored file is outdated and a new render has it.
    factories.signatures(SLUG, [dict(name="Tom Tak", role="wethouder", municipality="Tilburg")],
                         domain="tilburg.example.org")
    assert 'id="pdf-outdated"' in editor.get(STATUS).text
    assert editor.get(DOWNLOAD).status_code == 303
    editor.post(STATUS)
    run_worker(staff)
    assert "Tom Tak" in pdf_text(editor.get(DOWNLOAD).data, tmp_path)

    # A new text: a new version, and its PDF says so.
    path = staff.write("nieuw.md", letter_file(SLUG, moderation="none",
                                               body="Een nieuwe tekst voor de minister."))
    assert staff.run("letters", "update", SLUG, path).exit_code == 0
    assert editor.get(DOWNLOAD).status_code == 303
    editor.post(STATUS)
    run_worker(staff)
    assert "Een nieuwe tekst voor de minister." in pdf_text(editor.get(DOWNLOAD).data, tmp_path)
    assert [status for status, _, _ in jobs(app)] == [RenderStatus.DONE] * 3


def test_a_withdrawal_outdates_the_stored_pdf(app, editor, staff, letter):
    editor.post(STATUS)
    run_worker(staff)
    assert editor.get(DOWNLOAD).status_code == 200
    with app.app_context():
        from campaign.signatures.models import Signature
        from campaign.signatures.operations import withdraw_signature

        signature = db.session.scalar(sa.select(Signature).where(Signature.name == "Sara Sol"))
        withdraw_signature(signature)
        db.session.commit()
    assert editor.get(DOWNLOAD).status_code == 303


def test_a_failed_render_is_shown_as_failed_and_can_be_asked_again(
        app, editor, staff, letter, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError("the machine ran out of memory")

    editor.post(STATUS)
    with monkeypatch.context() as patch:
        patch.setattr(chunked, "render_in_parts", out_of_memory)
        run_worker(staff)
    assert jobs(app) == [(RenderStatus.FAILED, 0, 0)]
    page = editor.get(STATUS).text
    assert 'id="pdf-failed"' in page and "MemoryError" in page
    assert 'http-equiv="refresh"' not in page and "Render again" in page
    assert editor.get(DOWNLOAD).status_code == 303
    editor.post(STATUS)
    run_worker(staff)
    assert [status for status, _, _ in jobs(app)] == [RenderStatus.FAILED, RenderStatus.DONE]
    assert editor.get(DOWNLOAD).status_code == 200


def test_a_render_whose_worker_died_is_not_shown_as_running_for_ever(app, editor, staff, letter):
    editor.post(STATUS)
    with app.app_context():  # a worker claimed it, then was killed
        job = db.session.scalar(sa.select(RenderJob))
        job.status = RenderStatus.RUNNING
        job.progressed_at = utcnow() - timedelta(seconds=app.config["RENDER_STALE_SECONDS"] + 1)
        db.session.commit()
    page = editor.get(STATUS).text
    assert 'id="pdf-failed"' in page and 'http-equiv="refresh"' not in page
    editor.post(STATUS)
    assert len(jobs(app)) == 2
    run_worker(staff)
    assert editor.get(DOWNLOAD).status_code == 200


def test_only_editors_and_admins_reach_the_pdf(app, letter):
    moderator = StaffBrowser(app.test_client())
    assert moderator.log_in(make_staff_user(app, "moderator")).status_code == 303
    for path in (STATUS, DOWNLOAD):
        assert moderator.get(path).status_code == 403
    assert moderator.post(STATUS).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(STATUS).status_code == 303
    assert anonymous.get("/staff/letters/geen-brief/pdf").status_code == 303


def test_unknown_letter_is_404(editor):
    assert editor.get("/staff/letters/geen-brief/pdf").status_code == 404
    assert editor.post("/staff/letters/geen-brief/pdf").status_code == 404
    assert editor.get("/staff/letters/geen-brief/pdf/download").status_code == 404
