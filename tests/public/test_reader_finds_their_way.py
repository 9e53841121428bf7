"""A reader finds their way: a skip link, a sign button after the text as well as before it, a
manifesto called a manifesto, the address the mail went to, a front page counted in one query,
and a header link that leaves the reader's own language alone."""
from __future__ import annotations

import sqlalchemy as sa

from campaign.extensions import db
from helpers.factories import letter_file
from helpers.pages import visible_text
from helpers.signers import SIGNER


def test_the_letter_page_has_a_skip_link_and_a_sign_button_after_the_text(staff, client):
    slug = staff.publish_letter()
    page = client.get(f"/letters/{slug}").text
    assert 'class="skip-link" href="#main"' in page and 'id="main"' in page
    assert page.count(f'href="/letters/{slug}/sign"') == 2
    assert page.index("Wij vragen u om") < page.rindex(f'href="/letters/{slug}/sign"')


def test_a_manifesto_is_called_a_manifesto(staff, client):
    text = letter_file("manifest").replace("kind: letter", "kind: manifesto")
    assert staff.run("letters", "import", staff.write("m.md", text), "--publish").exit_code == 0
    page = visible_text(client.get("/letters/manifest").text)
    assert "Onderteken dit manifest" in page and "Onderteken deze brief" not in page
    assert staff.run("letters", "close", "manifest").exit_code == 0
    closed = visible_text(client.get("/letters/manifest").text)
    assert "Dit manifest kan niet meer worden ondertekend" in closed


def test_the_check_mail_page_names_the_address_once(staff, browser):
    slug = staff.publish_letter()
    response = browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": "J.Jansen@Utrecht.nl"})
    page = browser.get(response.headers["Location"])
    assert "j.jansen@utrecht.nl" in visible_text(page.text)
    again = browser.get(response.headers["Location"])
    assert "j.jansen@utrecht.nl" not in visible_text(again.text)


def test_the_header_link_leaves_an_english_readers_choice_alone(staff, client):
    slug = staff.publish_letter()
    client.get("/?lang=en")
    letter_page = client.get(f"/letters/{slug}").text  # a Dutch letter
    assert 'href="/?lang=' not in letter_page and 'class="site-name" href="/"' in letter_page
    assert 'lang="en"' in client.get("/").text


def test_the_front_page_counts_every_letter_in_one_query(app, staff, client, factories):
    def selects() -> int:
        seen = []
        with app.app_context():
            engine = db.engine

        def count(conn, cursor, statement, *args):
            seen.append(statement)
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    staff.publish_letter("eerste")
    factories.signatures("eerste", [{"name": "A", "municipality": "Ede"}])
    one = selects()
    for slug in ("tweede", "derde", "vierde"):
        staff.publish_letter(slug)
        factories.signatures(slug, [{"name": "B", "municipality": "Ede"}] * 1)
    assert selects() == one
    page = visible_text(client.get("/").text)
    assert page.count("1 ondertekening") == 4


def test_a_second_demo_letter_gets_a_title_of_its_own(staff):
    first = staff.run("demo", "--signatures", "0").output.strip()
    second = staff.run("demo", "--signatures", "0").output.strip()
    assert first != second
    from campaign.letters.models import Letter
    with staff.app.app_context():
        titles = db.session.scalars(sa.select(Letter.title)).all()
    assert len(set(titles)) == 2 and titles[1].endswith("(2)")
