"""Staff exports: every signature with e-mail address and status, as CSV or JSON."""
from __future__ import annotations

import csv
import io
import json

from helpers.mail import links_in
from helpers.pages import path_of
from helpers.signers import SIGNER

INVITEES = ("name,email,kind,role,municipality,organisation,lead\n"
            "Lea de Wit,lea@tilburg.nl,alderperson,wethouder,Tilburg,,yes\n"
            "=HYPERLINK(\"http://x\"),formule@zon.example.nl,organisation,,,Zon,no\n")


def _letter_with_signatures(staff, browser, mailbox):
    slug = staff.publish_letter()
    staff.invite(slug, INVITEES)
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))
    return slug


def test_staff_exports_every_signature_as_csv(staff, browser, mailbox, tmp_path):
    slug = _letter_with_signatures(staff, browser, mailbox)
    output = tmp_path / "ondertekenaars.csv"
    result = staff.run("letters", "export", slug, "--format", "csv", "--dialect", "rfc4180",
                       "--output", str(output))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))
    by_email = {row["email"]: row for row in rows}
    assert set(by_email) == {"lea@tilburg.nl", "formule@zon.example.nl", SIGNER["email"]}
    assert by_email["lea@tilburg.nl"]["state"] == "invited"
    assert by_email["lea@tilburg.nl"]["lead"] == "True"
    confirmed = by_email[SIGNER["email"]]
    assert (confirmed["state"], confirmed["verification"], confirmed["version"]) == \
        ("confirmed", "domain", "1")
    assert confirmed["confirmed_at"].endswith("Z")
    # A name that a spreadsheet would run as a formula is defused.
    assert by_email["formule@zon.example.nl"]["name"].startswith("'=")


def test_the_csv_opens_right_in_dutch_excel(staff, browser, mailbox, tmp_path):
    slug = _letter_with_signatures(staff, browser, mailbox)
    output = tmp_path / "ondertekenaars.csv"
    assert staff.run("letters", "export", slug, "--format", "csv",
                     "--output", str(output)).exit_code == 0
    raw = output.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents right
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id;status;beoordeling;controle;")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    by_email = {row["e-mailadres"]: row for row in rows}
    assert by_email["lea@tilburg.nl"]["eerste ondertekenaar"] == "ja"
    # Read with its own delimiter, no cell starts with a formula character unescaped.
    for row in rows:
        for cell in row.values():
            assert not (cell or "").startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_name_made_to_split_into_a_formula_stays_one_inert_cell(staff, tmp_path, factories):
    slug = staff.publish_letter()
    factories.signatures(slug, [{"kind": "organisation", "name": "Piet;=1+1;",
                                 "organisation": "=HYPERLINK(\"http://x\")"}])
    output = tmp_path / "formule.csv"
    assert staff.run("letters", "export", slug, "--format", "csv",
                     "--output", str(output)).exit_code == 0
    [row] = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"), newline=""),
                            delimiter=";"))[1:]
    assert "Piet;=1+1;" in row and "'=HYPERLINK(\"http://x\")" in row


def test_staff_exports_every_signature_as_json_to_stdout(staff, browser, mailbox):
    slug = _letter_with_signatures(staff, browser, mailbox)
    result = staff.run("letters", "export", slug, "--format", "json", "--output", "-")
    assert result.exit_code == 0
    exported = json.loads(result.output)
    assert exported["slug"] == slug and exported["status"] == "open"
    assert sorted(s["email"] for s in exported["signatures"]) == sorted(
        ["lea@tilburg.nl", "formule@zon.example.nl", SIGNER["email"]])
    assert {s["state"] for s in exported["signatures"]} == {"invited", "confirmed"}


def test_export_of_a_letter_without_signatures(staff):
    slug = staff.publish_letter()
    result = staff.run("letters", "export", slug, "--format", "json", "--output", "-")
    assert json.loads(result.output)["signatures"] == []


def test_export_refuses_unknown_letter_and_pdf_to_stdout(staff):
    assert "no letter with slug" in staff.run("letters", "export", "nope", "--format", "csv",
                                              "--output", "-").output
    slug = staff.publish_letter()
    assert "write the PDF to a file" in staff.run("letters", "export", slug, "--format", "pdf",
                                                   "--output", "-").output


def test_export_to_an_unwritable_place_says_so(staff):
    slug = staff.publish_letter()
    result = staff.run("letters", "export", slug, "--format", "csv",
                       "--output", "/nonexistent/dir/out.csv")
    assert result.exit_code != 0 and "cannot write /nonexistent/dir/out.csv" in result.output
