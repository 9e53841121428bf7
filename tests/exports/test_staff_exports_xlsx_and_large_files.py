"""Staff export every signature as an Excel workbook (XLSX) from the letter's page and with
`flask letters export --format xlsx`: text cells stay text (a name written as a formula is
never run), the CLI shows a progress bar on standard error, and CSV, JSON and XLSX of 200,000
signatures take no more memory than those of 50,000 (resident memory, Linux)."""
from __future__ import annotations

import gc
import io
import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from campaign.core.collation import sort_key
from campaign.core.timeutil import utcnow
from campaign.extensions import db
from campaign.letters.models import Letter
from campaign.signatures.exports import csv_chunks, json_chunks
from campaign.signatures.exports_xlsx import write_xlsx
from campaign.signatures.models import Signature
from helpers.factories import make_staff_user
from helpers.staff_browser import StaffBrowser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = ["=HYPERLINK(\"http://kwaad.example\";\"klik\")", "+31 6 1234 5678", "-2+3",
           "@SUM(A1:A9)"]


@pytest.fixture
def editor(app) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    assert browser.log_in(make_staff_user(app, "editor")).status_code == 303
    return browser


def rows_of(data: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(data), read_only=False)
    return [[cell for cell in row] for row in book.active.iter_rows()]


def test_staff_download_every_signature_as_xlsx_and_cli_writes_the_same(
        app, staff, factories, editor, tmp_path):
    slug = staff.publish_letter(moderation="none")
    people = [dict(kind="organisation", name=name, role="directeur",
                   organisation=f"Stichting {n}") for n, name in enumerate(HOSTILE)]
    factories.signatures(slug, [dict(name="Jan Jansen", role="wethouder",
                                     municipality="Utrecht", lead=True), *people])
    assert 'export.xlsx' in editor.get(f"/staff/letters/{slug}").text

    response = editor.get(f"/staff/letters/{slug}/export.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}.xlsx"'
    rows = rows_of(response.data)
    header = [cell.value for cell in rows[0]]
    assert header[:7] == ["id", "status", "beoordeling", "controle", "gecontroleerd domein",
                          "soort", "naam"]
    names = {row[header.index("naam")].value: row[header.index("naam")] for row in rows[1:]}
    assert set(names) == {"Jan Jansen", *HOSTILE}
    for text in HOSTILE:  # the very text, as text, and kept text when edited in Excel
        assert names[text].data_type == "s" and names[text].quotePrefix
    assert names["Jan Jansen"].data_type == "s" and not names["Jan Jansen"].quotePrefix
    email = header.index("e-mailadres")
    assert {row[email].value for row in rows[1:]} == {
        f"ondertekenaar{n}@{slug}.example.org" for n in range(5)}
    assert all(row[header.index("naam tonen")].value is True for row in rows[1:])

    output = tmp_path / "cli.xlsx"
    result = staff.run("letters", "export", slug, "--format", "xlsx", "--output", str(output),
                       "--progress")
    assert result.exit_code == 0 and f"wrote {output}" in result.stdout
    assert f"Exporting {slug}" in result.stderr
    assert [[c.value for c in row] for row in rows_of(output.read_bytes())] == [
        [c.value for c in row] for row in rows]
    assert "not to standard output" in staff.run("letters", "export", slug, "--format", "xlsx",
                                                 "--output", "-").output


def test_cli_progress_bar_goes_to_stderr_and_leaves_stdout_clean(staff, factories):
    slug = staff.publish_letter(moderation="none")
    factories.signatures(slug, [dict(name=f"Wethouder {n}", role="wethouder",
                                     municipality=f"Gemeente {n}") for n in range(3)])
    result = staff.run("letters", "export", slug, "--format", "csv", "--output", "-",
                       "--dialect", "rfc4180", "--progress")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 4 and "Exporting" not in result.stdout
    assert f"Exporting {slug}" in result.stderr  # not a terminal: click prints the label
    quiet = staff.run("letters", "export", slug, "--format", "json", "--output", "-")
    assert quiet.stderr == ""  # no terminal, no bar, unless asked


def add_signatures(letter_id: int, version_id: int, start: int, count: int) -> None:
    """Confirmed signatures in bulk with Core, 5,000 a statement."""
    now = utcnow()
    for first in range(start, start + count, 5000):
        rows = []
        for n in range(first, min(first + 5000, start + count)):
            organisation = f"Stichting Voorbeeld {n:06d}"
            rows.append(dict(
                letter_id=letter_id, version_id=version_id, kind="organisation",
                state="confirmed", review="not_needed", verification="mailbox",
                name=f"Ondertekenaar {n:06d}", role="directeur", organisation=organisation,
                email=f"s{n}@groot.example.org", public=True, lead=False, invited=False,
                name_key=sort_key(f"Ondertekenaar {n:06d}"), municipality_key="",
                organisation_key=sort_key(organisation), created_at=now, confirmed_at=now))
        db.session.execute(Signature.__table__.insert(), rows)
    db.session.commit()


class Counting(io.RawIOBase):
    """A file that only counts what is written to it."""
    def __init__(self) -> None:
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.written += len(data)
        return len(data)


def peak_while(export) -> tuple[int, object]:
    """How far the process's resident memory rose while `export()` ran (Linux: the peak is
    reset through /proc/self/clear_refs first), and what it returned."""
    def status(field: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise LookupError(field)

    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    before = status("VmRSS")
    result = export()
    return status("VmHWM") - before, result


def exports(letter_id: int, tmp_path) -> dict[str, tuple[int, int]]:
    """Peak memory and size of each export of the letter, each from a fresh session."""
    def text(chunks):
        return lambda letter: sum(len(chunk) for chunk in chunks(letter))

    def xlsx(letter):
        with open(tmp_path / "export.xlsx", "wb") as out:
            return write_xlsx(letter, out)

    found = {}
    for name, export in (("csv", text(csv_chunks)), ("json", text(json_chunks)),
                         ("xlsx", xlsx)):
        db.session.remove()
        letter = db.session.get(Letter, letter_id)
        found[name] = peak_while(lambda: export(letter))  # noqa: B023 (called at once)
    return found


# `make stress` exports 200,000 (EXPORT_ROWS); `make test` a quarter of that, the same claim.
EXPORT_ROWS = int(os.environ.get("EXPORT_ROWS", "50000"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")
def test_200000_signatures_export_with_flat_memory(app, staff, tmp_path):
    """A quarter of EXPORT_ROWS, then all of them, in each of three formats: memory stays flat.
    At 200,000 about a minute on an idle 2-core machine."""
    small_rows = EXPORT_ROWS // 4
    slug = staff.publish_letter(moderation="none")
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        ids = letter.id, letter.current_version.id
        add_signatures(*ids, 0, small_rows)
        small = exports(ids[0], tmp_path)
        add_signatures(*ids, small_rows, EXPORT_ROWS - small_rows)
        large = exports(ids[0], tmp_path)
    assert large["xlsx"][1] == EXPORT_ROWS and small["xlsx"][1] == small_rows
    assert large["csv"][1] > 3.9 * small["csv"][1]
    # What memory the export itself took: 150,000 more rows may not add more than a few MB
    # (a list of them would take well over 30 MB), nor more than 1.2 times.
    for name in ("csv", "json", "xlsx"):
        grew = large[name][0] - small[name][0]
        assert grew <= max(0.2 * small[name][0], 8 * 2**20), (name, small[name][0], large[name][0])
