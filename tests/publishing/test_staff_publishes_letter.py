"""Publishing: staff import a letter file, publish it (version 1) and close it; bad files are
refused."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.extensions import db
from campaign.letters.letterfile import LetterFileError, parse_letter_file
from campaign.letters.models import Letter, LetterVersion
from helpers.staff import LETTER_FILE

GOOD = LETTER_FILE.format(slug="gelijke-kansen", moderation="unverified",
                          kinds="alderperson, organisation")


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_staff_imports_publishes_and_closes_a_letter(app, staff, browser):
    path = staff.write("brief.md", GOOD)
    result = staff.run("letters", "import", path)
    assert result.exit_code == 0 and result.output == "gelijke-kansen\n"
    assert browser.get("/letters/gelijke-kansen").status_code == 404  # a draft
    assert _count(app, LetterVersion) == 0

    result = staff.run("letters", "publish", "gelijke-kansen")
    assert result.exit_code == 0 and "version 1" in result.output
    page = browser.get("/letters/gelijke-kansen")
    assert page.status_code == 200
    assert "Open brief over gelijke kansen" in page.text
    assert "<strong>gelijke kansen</strong>" in page.text
    assert "29 januari 2021" in page.text
    assert "gelijke-kansen" in browser.get("/").text

    assert staff.run("letters", "publish", "gelijke-kansen").exit_code == 0
    assert _count(app, LetterVersion) == 1  # unchanged text: no new version

    assert staff.run("letters", "close", "gelijke-kansen").exit_code == 0
    front = browser.get("/").text
    open_part, archive = front.split('aria-labelledby="archive-title"')
    assert "gelijke-kansen" not in open_part and "gelijke-kansen" in archive  # in the archive
    assert browser.get("/api/letters/gelijke-kansen").json["status"] == "closed"
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["letter.imported", "letter.published", "letter.published", "letter.closed"]


def test_import_with_publish_prints_the_slug(staff, browser):
    slug = staff.publish_letter("met-publish")
    assert slug == "met-publish"
    assert browser.get("/letters/met-publish").status_code == 200


def test_raw_html_in_a_letter_is_shown_as_text(staff, browser):
    evil = GOOD.replace("Wij vragen u om", '<script>alert(1)</script> <img src="http://x/y.png">'
                        " [klik](javascript:alert(1)) ![beeld](http://tracker.example/p.png)"
                        " Wij vragen u om")
    staff.run("letters", "import", staff.write("evil.md", evil), "--publish")
    html = browser.get("/letters/gelijke-kansen").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    letter_text = html[html.index('class="body"'):html.index('class="share"')]
    assert "<img" not in letter_text and "tracker.example" not in html
    assert "beeld Wij vragen u om" in html  # an image shows as its alternative text


@pytest.mark.parametrize("change, expected", [
    (("title: Open brief over gelijke kansen\n", ""), "field 'title' is required"),
    (("slug: gelijke-kansen", "slug: Gelijke Kansen!"), "line 3: field 'slug' may hold only"),
    (("kind: letter", "kind: petition"), "line 4: field 'kind' must be one of letter, manifesto"),
    (("language: nl", "language: de"), "line 5: field 'language' must be one of nl, en"),
    (("date: 2021-01-29", "date: 29-01-2021"), "line 11: field 'date' must be a date"),
    (("moderation: unverified", "moderation: sometimes"), "field 'moderation' must be one of"),
    (("signatory_kinds: [alderperson, organisation]", "signatory_kinds: [aliens]"),
     "field 'signatory_kinds' names unknown kinds 'aliens'"),
    (("place: Utrecht\n", "place: Utrecht\ncolour: blue\n"),
     "line 11: field 'colour' is not a letter field"),
    (("salutation: Geachte minister,\n", ""), "field 'salutation' is required"),
    (("closing: Hoogachtend,", "closing:"),
     "field 'closing' is required (line 13 leaves it empty)"),
    (("title: Open brief", "title: [Open brief"), "the front matter is not valid YAML"),
])
def test_bad_letter_file_names_field_and_line_and_stores_nothing(app, staff, change, expected):
    text = GOOD.replace(*change)
    assert text != GOOD
    result = staff.run("letters", "import", staff.write("bad.md", text))
    assert result.exit_code != 0
    assert expected in result.output, result.output
    assert "nothing was stored" in result.output
    assert _count(app, Letter) == 0 and _count(app, AuditEvent) == 0


def test_manifesto_needs_no_addressee():
    manifesto = "---\ntitle: Manifest\nslug: manifest\nkind: manifesto\n" \
                "signatory_kinds: organisation\n---\n## 1. Ieder kind telt\n"
    parsed = parse_letter_file(manifesto)
    assert parsed.kind == "manifesto" and parsed.signatory_kinds == ["organisation"]
    assert parsed.language == "nl" and parsed.moderation == "unverified"


def test_letter_file_problems_are_all_reported_at_once():
    with pytest.raises(LetterFileError) as error:
        parse_letter_file("---\nkind: letter\n---\n")
    problems = "\n".join(error.value.problems)
    for name in ("title", "slug", "signatory_kinds", "addressee", "date"):
        assert f"field '{name}' is required" in problems
    assert "no text after the front matter" in problems


@pytest.mark.parametrize("text, expected", [
    ("no front matter", "line 1: the file must start with '---'"),
    ("---\ntitle: x\n", "never closed"),
    ("---\n- a\n- b\n---\nbody", "must be a list of 'field: value' lines"),
])
def test_malformed_letter_files(text, expected):
    with pytest.raises(LetterFileError) as error:
        parse_letter_file(text)
    assert expected in str(error.value)


def test_same_slug_twice_is_refused(app, staff):
    path = staff.write("brief.md", GOOD)
    staff.run("letters", "import", path)
    again = staff.run("letters", "import", path)
    assert again.exit_code != 0 and "already exists" in again.output
    assert _count(app, Letter) == 1


def test_missing_file_and_unknown_slug_get_clear_errors(staff):
    assert "cannot read" in staff.run("letters", "import", "/nonexistent/brief.md").output
    assert "no letter with slug 'nope'" in staff.run("letters", "publish", "nope").output
    slug = staff.publish_letter()
    staff.run("letters", "close", slug)
    assert "is closed, not open" in staff.run("letters", "close", slug).output


def test_staff_review_waiting_signatures(app, staff, browser, mailbox):
    from helpers.mail import links_in
    from helpers.pages import path_of
    from helpers.signers import SIGNER
    slug = staff.publish_letter(moderation="all")
    for number in range(2):
        signer = {**SIGNER, "email": f"jan{number}@gmail.com", "name": f"Jan {number}"}
        browser.submit(f"/letters/{slug}/sign", signer)
        staff.send_mail()
        browser.submit(path_of(links_in(mailbox.last_to(signer["email"]))[0]))
    listing = staff.run("letters", "review", slug)
    lines = [line.split("\t") for line in listing.stdout.splitlines()]
    assert [(line[2], line[5]) for line in lines] == [("Jan 0", "jan0@gmail.com"),
                                                      ("Jan 1", "jan1@gmail.com")]
    first, second = (int(line[0]) for line in lines)
    assert "1 approved" in staff.run("letters", "approve", slug, str(first)).output
    assert "1 rejected" in staff.run("letters", "reject", slug, str(second)).output
    assert [item["name"] for item in browser.get(f"/api/letters/{slug}/signatures").json["items"]] \
        == ["Jan 0"]
    assert "0 waiting" in staff.run("letters", "review", slug).output
    assert "no signature 999" in staff.run("letters", "approve", slug, "999").output
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert {"signature.approved", "signature.rejected"} <= set(actions)


def test_staff_update_a_published_letter_and_signatures_keep_their_version(app, staff, browser,
                                                                          mailbox):
    from helpers.mail import links_in
    from helpers.pages import path_of
    from helpers.signers import SIGNER
    slug = staff.publish_letter(moderation="none")
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    staff.send_mail()
    browser.submit(path_of(links_in(mailbox.last_to(SIGNER["email"]))[0]))

    changed = GOOD.replace("Wij vragen u om", "Wij vragen u dringend om").replace(
        "signatory_kinds: [alderperson, organisation]", "signatory_kinds: [alderperson]")
    result = staff.run("letters", "update", slug, staff.write("nieuw.md", changed))
    assert result.exit_code == 0 and "version 2" in result.output
    assert "Wij vragen u dringend om" in browser.get(f"/letters/{slug}").text
    with app.app_context():
        from campaign.signatures.models import Signature
        assert db.session.scalar(sa.select(Signature)).version.number == 1
    same = staff.run("letters", "update", slug, staff.write("nieuw.md", changed))
    assert same.output == f"{slug} updated\n"
    other = staff.run("letters", "update", slug, staff.write("ander.md",
                                                              changed.replace(slug, "ander")))
    assert other.exit_code != 0 and "the file is for 'ander'" in other.output


def test_impossible_date_is_named_not_crashed_on(app, staff):
    result = staff.run("letters", "import", staff.write("datum.md",
                                                        GOOD.replace("2021-01-29", "2021-02-30")))
    assert result.exit_code != 0
    assert "line 11: field 'date' must be a date written as YYYY-MM-DD" in result.output
    odd_place = GOOD.replace("place: Utrecht", "place: 2021-13-45")
    assert staff.run("letters", "import", staff.write("plaats.md", odd_place)).exit_code == 0
