"""Many readers of a busy letter: its page, lists and API answers are served from each process's
memory for PAGE_CACHE_SECONDS, without a query; a write in the process shows at once, a reader
with a session or another language gets their own page, and a 304 still answers an ETag."""
from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import event

from campaign.extensions import db
from helpers.pages import visible_text


@pytest.fixture
def app(make_app):
    return make_app(PAGE_CACHE_SECONDS=2)


@pytest.fixture
def letter(staff, factories):
    slug = staff.publish_letter()
    factories.signatures(slug, [{"name": "Marieke de Groot", "role": "wethouder",
                                 "municipality": "Utrecht"}])
    return slug


@pytest.fixture
def queries(app):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


PAGES = ("/letters/{slug}", "/letters/{slug}/signatories?kind=alderperson",
         "/api/letters/{slug}", "/api/letters/{slug}/signatures")


@pytest.mark.parametrize("page", PAGES)
def test_a_second_reader_gets_the_page_without_a_query(client, letter, queries, page):
    url = page.format(slug=letter)
    first = client.get(url)
    assert first.status_code == 200 and queries
    queries.clear()
    again = client.get(url)
    assert again.status_code == 200
    assert queries == []
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"].startswith("public")
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_an_etag_from_memory_answers_304(client, letter, queries):
    etag = client.get(f"/letters/{letter}").headers["ETag"]
    queries.clear()
    answer = client.get(f"/letters/{letter}", headers={"If-None-Match": etag})
    assert answer.status_code == 304 and answer.data == b""
    assert queries == []


def test_the_api_keeps_its_cors_header_from_memory(client, letter):
    client.get(f"/api/letters/{letter}")
    again = client.get(f"/api/letters/{letter}")
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert again.json["slug"] == letter


def test_a_signature_confirmed_in_this_process_shows_at_once(client, letter, factories):
    assert "Zeynep" not in visible_text(client.get(f"/letters/{letter}").get_data(as_text=True))
    factories.signatures(letter, [{"name": "Zeynep Öztürk", "kind": "organisation",
                                   "organisation": "Stichting Kindcentra"}],
                         domain="other.example.org")
    assert "Zeynep" in visible_text(client.get(f"/letters/{letter}").get_data(as_text=True))


def test_a_write_by_another_process_shows_within_the_seconds(app, client, letter, database_url):
    assert client.get(f"/api/letters/{letter}").json["status"] == "open"
    subprocess.run([sys.executable, "-c", CLOSE_IN_ANOTHER_PROCESS, database_url, letter],
                   check=True)
    assert client.get(f"/api/letters/{letter}").json["status"] == "open"
    time.sleep(2.1)
    assert client.get(f"/api/letters/{letter}").json["status"] == "closed"


def test_while_one_reader_renders_an_expired_page_the_others_get_the_one_kept(
        app, client, letter, queries):
    from campaign.core.page_cache import PageCache

    cache = client.application.wsgi_app
    assert isinstance(cache, PageCache)
    first = client.get(f"/letters/{letter}")
    time.sleep(2.1)
    key = next(iter(cache.pages))
    cache.refreshing[key] = threading.Event()  # another thread is rendering it anew
    queries.clear()
    assert client.get(f"/letters/{letter}").data == first.data
    assert queries == []
    cache.refreshing.pop(key)
    assert client.get(f"/letters/{letter}").status_code == 200
    assert queries, "rendered anew once nobody else is"


def test_a_burst_of_first_readers_renders_the_page_once(app, letter, queries):
    from concurrent.futures import ThreadPoolExecutor

    client_of = threading.local()

    def read(_):
        if not hasattr(client_of, "client"):
            client_of.client = app.test_client()
        return client_of.client.get(f"/letters/{letter}").status_code

    start = threading.Barrier(8)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: (start.wait(), read(n))[1], range(8)))
    assert statuses == [200] * 8
    renders = [q for q in queries if "FROM letter" in q and "letter.slug" in q]
    assert len(renders) == 1, "one reader rendered it, the others waited for that page"


CLOSE_IN_ANOTHER_PROCESS = """
import sys, sqlalchemy as sa
engine = sa.create_engine(sys.argv[1])
with engine.begin() as connection:
    connection.execute(sa.text("UPDATE letter SET status = 'closed' WHERE slug = :slug"),
                       {"slug": sys.argv[2]})
"""


def test_a_reader_with_a_session_never_gets_the_kept_page(app, client, letter, queries):
    client.get(f"/letters/{letter}")
    with client.session_transaction() as session:
        session["mailed_to"] = "iemand@example.org"
    queries.clear()
    answer = client.get(f"/letters/{letter}")
    assert queries, "rendered for this reader"
    assert answer.headers["Cache-Control"].startswith("private")


def test_each_language_has_its_own_kept_page(client, letter, queries):
    client.get(f"/letters/{letter}")
    client.set_cookie("lang", "en")
    queries.clear()
    assert client.get(f"/letters/{letter}").status_code == 200
    assert queries, "a reader who chose English is not handed the page kept for others"


def test_personal_pages_and_forms_are_never_kept(client, letter, queries):
    client.get(f"/letters/{letter}/sign")
    queries.clear()
    client.get(f"/letters/{letter}/sign")
    assert queries, "the sign form carries a CSRF token of its own"


def test_off_when_seconds_are_zero(make_app, letter):
    client = make_app(PAGE_CACHE_SECONDS=0).test_client()
    assert client.get(f"/letters/{letter}").status_code == 200
    from campaign.core.page_cache import PageCache

    assert not isinstance(client.application.wsgi_app, PageCache)
