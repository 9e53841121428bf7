"""A reader browses a letter with many signatories: the letter page shows the leads and the first
page of each kind, "more" leads to a list page per kind paged by cursor, a search ignores accents
and case, the API's `next` is a cursor, and unchanged pages answer 304."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.signatures import operations
from campaign.signatures.models import Signature
from helpers.pages import path_of, visible_text

NEXT = re.compile(r'<a rel="next" href="([^"]+)"')


@pytest.fixture
def app(make_app):
    return make_app(LETTER_PAGE_GROUP_SIZE=3, SIGNATORIES_PER_PAGE=4)


@pytest.fixture
def letter(staff, factories):
    slug = staff.publish_letter()
    alderpersons = [{"name": f"Wethouder {n:02d}", "role": "wethouder",
                     "municipality": f"Plaats {n:02d}"} for n in range(10)]
    # Two of one municipality share a line, also across a page boundary.
    alderpersons[3]["municipality"] = alderpersons[4]["municipality"] = "Súdwest-Fryslân"
    factories.signatures(slug, [
        {"name": "Marieke de Groot", "role": "wethouder", "municipality": "Utrecht",
         "lead": True, "lead_order": 1},
        *alderpersons,
        {"name": "Zeynep Öztürk", "kind": "organisation", "organisation": "Stichting Kindcentra"},
        {"name": "Anouk Bakker", "kind": "organisation",
         "organisation": "Jeugdzorg 's-Hertogenbosch"},
        {"name": "Verborgen Persoon", "public": False},
    ])
    return slug


def _list_pages(client, url):
    """Follow the list page's "next" links from `url`; the visible text of each page."""
    pages = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        pages.append(visible_text(page.text))
        found = NEXT.search(page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
    return pages


def test_letter_page_shows_leads_and_the_first_page_of_each_kind(client, letter):
    page = client.get(f"/letters/{letter}")
    text = visible_text(page.text)
    assert "Marieke de Groot, wethouder gemeente Utrecht" in text
    assert "Wethouder 00, wethouder gemeente Plaats 00" in text
    assert "Wethouder 02" in text and "Wethouder 05" not in text  # three on the letter page
    assert f'href="/letters/{letter}/signatories?kind=alderperson"' in page.text
    assert "Verborgen" not in text
    assert "niet met naam worden genoemd" in text


def test_list_page_pages_by_cursor_and_keeps_a_municipality_on_one_line(client, letter):
    pages = _list_pages(client, f"/letters/{letter}/signatories?kind=alderperson")
    everything = "\n".join(pages)
    for n in range(10):
        assert everything.count(f"Wethouder {n:02d}") == 1
    assert "Wethouder 03 en Wethouder 04, wethouders gemeente Súdwest-Fryslân" in everything
    assert "Marieke de Groot" not in everything  # leads are on the letter page
    assert len(pages) == 3


def test_search_ignores_accents_and_case(client, letter):
    def found(query, kind=None):
        url = f"/letters/{letter}" + (f"/signatories?kind={kind}&" if kind else "?") + f"q={query}"
        page = client.get(url)
        assert page.status_code == 200
        return visible_text(page.text)

    assert "Zeynep Öztürk" in found("OZTURK")
    assert "Zeynep Öztürk" in found("kindcentra zeyn", "organisation")
    assert "Anouk Bakker" in found("hertogenbosch")
    sudwest = found("SUDWEST", "alderperson")
    assert "Wethouder 03 en Wethouder 04" in sudwest and "Wethouder 00" not in sudwest
    assert "Zeynep" not in found("nobody-by-that-name")
    assert "Verborgen" not in found("verborgen")


def test_bad_cursor_is_400_and_an_unknown_kind_404(client, letter):
    assert client.get(f"/letters/{letter}/signatories?kind=alderperson&after=bm9wZQ"
                      ).status_code == 400
    assert client.get(f"/letters/{letter}/signatories?kind=alderperson&after=%00%FF"
                      ).status_code == 400
    assert client.get(f"/letters/{letter}/signatories?kind=ministry").status_code == 404
    assert client.get(f"/api/letters/{letter}/signatures?after=bm9wZQ").status_code == 400


def test_api_next_is_a_cursor_and_page_still_works(client, letter):
    names, url = [], f"/api/letters/{letter}/signatures?per_page=5"
    while url:
        answer = client.get(url).json
        names += [item["name"] for item in answer["items"]]
        url = path_of(answer["next"]) if answer["next"] else None
        assert url is None or "after=" in url
    assert len(names) == 13 and len(set(names)) == 13
    by_page = [item["name"] for page in (1, 2, 3) for item in client.get(
        f"/api/letters/{letter}/signatures?per_page=5&page={page}").json["items"]]
    assert by_page == names


@pytest.mark.parametrize("path", ["/letters/{slug}", "/letters/{slug}/signatories?kind=alderperson",
                                  "/api/letters/{slug}", "/api/letters/{slug}/signatures"])
def test_unchanged_answers_are_304_until_a_signature_changes(app, client, letter, path):
    url = path.format(slug=letter)
    first = client.get(url)
    assert first.status_code == 200
    cache = first.headers["Cache-Control"]
    assert cache.startswith("public") and "max-age=30" in cache
    assert "stale-while-revalidate=300" in cache
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag

    with app.app_context():  # a signer withdraws: the page changes
        signature = db.session.scalar(sa.select(Signature).where(
            Signature.name == "Wethouder 00"))
        operations.withdraw_signature(signature)
        db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Wethouder 00" not in changed.text


def test_a_reader_with_a_session_or_a_language_choice_is_not_cached_publicly(client, letter):
    assert client.get(f"/letters/{letter}?lang=en").headers["Cache-Control"] == \
        "private, no-cache"
    with client.session_transaction() as session:
        session["mailed_to"] = "ik@example.org"
    page = client.get(f"/letters/{letter}")
    assert page.headers["Cache-Control"] == "private, no-cache" and "ETag" not in page.headers
    assert "Cookie" in page.headers["Vary"]
    assert client.get(f"/letters/{letter}/sign/sent").headers["Cache-Control"] == "no-store"
