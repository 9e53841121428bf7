"""A reader finds letters that are no longer open: closed and delivered letters stay listed on
the front page, in an archive below the open ones (still counted in one query), and their own
pages stay reachable: a closed letter says it is closed, a delivered one shows what happened
to it."""
from __future__ import annotations

import sqlalchemy as sa

from campaign.core.timeutil import utcnow
from campaign.extensions import db
from campaign.letters.models import Letter
from helpers.factories import letter_file
from helpers.followup import mark_delivered
from helpers.pages import visible_text


def close(app, slug: str) -> None:
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        letter.status, letter.closed_at = "closed", utcnow()
        db.session.commit()


def statements_for_front_page(app, client) -> int:
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


def test_closed_and_delivered_letters_are_listed_in_the_archive(app, staff, client, factories):
    staff.publish_letter("open-brief")
    # A draft: never listed.
    staff.run("letters", "import", staff.write("concept.md", letter_file("concept")))
    one = statements_for_front_page(app, client)
    for slug in ("gesloten-brief", "verzonden-brief"):
        staff.publish_letter(slug)
        factories.signatures(slug, [{"name": "A", "municipality": "Ede"},
                                    {"name": "B", "municipality": "Epe"}])
    close(app, "gesloten-brief")
    mark_delivered(app, "verzonden-brief", days_ago=3)

    page = client.get("/").text
    assert 'id="archive-title"' in page
    current, archive = page.split('id="archive-title"')
    assert 'href="/letters/open-brief"' in current
    assert 'href="/letters/gesloten-brief"' not in current
    assert 'href="/letters/gesloten-brief"' in archive
    assert 'href="/letters/verzonden-brief"' in archive
    assert "/letters/concept" not in page
    text = " ".join(visible_text(archive).split())
    assert "2 ondertekeningen · gesloten" in text
    assert "2 ondertekeningen · aangeboden" in text
    # The latest to leave signing first: closed just now, delivered three days ago.
    assert archive.index("gesloten-brief") < archive.index("verzonden-brief")
    assert statements_for_front_page(app, client) == one


def test_a_closed_letters_page_stays_reachable(app, staff, client):
    staff.publish_letter("gesloten-brief")
    close(app, "gesloten-brief")
    page = client.get("/letters/gesloten-brief")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "gesloten" in text
    assert 'id="timeline"' not in page.text  # closed, not delivered: no timeline yet
    assert client.get("/letters/gesloten-brief/sign").status_code == 409


def test_a_delivered_letters_page_shows_its_timeline(app, staff, client):
    staff.publish_letter("verzonden-brief")
    mark_delivered(app, "verzonden-brief", days_ago=1)
    page = client.get("/letters/verzonden-brief")
    assert page.status_code == 200 and 'id="timeline"' in page.text
    assert client.get("/letters/verzonden-brief/answer.pdf").status_code == 404


def test_only_the_archive_when_nothing_is_open(app, staff, client):
    staff.publish_letter("gesloten-brief")
    close(app, "gesloten-brief")
    text = visible_text(client.get("/").text)
    assert "Er zijn op dit moment geen brieven om te ondertekenen." in text
    assert "Archief" in text
