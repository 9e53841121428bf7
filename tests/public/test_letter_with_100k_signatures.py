"""A letter with 100,000 signatures on PostgreSQL: built by `flask demo`'s bulk path, its page,
list page 1, list page 500 (by cursor), a search and the counts answer correctly. Times are
printed (pytest -s), not asserted: this machine is shared."""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from campaign.cli.demo import create_demo_letter
from campaign.extensions import db
from campaign.signatures.models import Signature
from helpers.pages import visible_text

SIGNATURES = 100_000
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')


@pytest.fixture
def big_letter(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("100,000 signatures: on PostgreSQL, the production database")
    started = time.perf_counter()
    with app.app_context():
        slug = create_demo_letter(SIGNATURES).slug
        db.session.commit()
        db.session.execute(sa.text("ANALYZE signature"))
        db.session.commit()
    print(f"\n100k: built in {time.perf_counter() - started:.1f} s")
    return slug


def _timed(client, url, headers=None):
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    return response, (time.perf_counter() - started) * 1000


def test_letter_with_100k_signatures_answers_every_page(app, client, big_letter):
    slug = big_letter
    client.get(f"/letters/{slug}")  # warm up templates and the connection pool
    page, ms = _timed(client, f"/letters/{slug}")
    assert page.status_code == 200
    print(f"100k: letter page {ms:.0f} ms, {len(page.data) / 1024:.0f} KiB")
    assert len(page.data) < 200_000
    text = visible_text(page.text)
    assert "Marieke de Groot, wethouder gemeente Utrecht" in text
    assert "100.000" in text or "100000" in text

    api = client.get(f"/api/letters/{slug}").json["counts"]
    assert api["total"] == SIGNATURES
    assert api["alderperson"] + api["organisation"] + api["individual"] == SIGNATURES
    with app.app_context():
        for kind in ("alderperson", "organisation", "individual"):
            assert api[kind] == db.session.scalar(sa.select(sa.func.count()).where(
                Signature.letter.has(slug=slug), Signature.kind == kind)) > 400
    assert sum(client.get(f"/api/letters/{slug}").json["verification"].values()) == SIGNATURES

    url = f"/letters/{slug}/signatories?kind=individual"
    first, first_ms = _timed(client, url)
    assert first.status_code == 200
    seen, number = set(re.findall(r"<li>(.*?) <span", first.text)), 1
    assert len(seen) > 50
    while number < 500:
        url = NEXT.search(client.get(url).text).group(1).replace("&amp;", "&")
        number += 1
    assert "after=" in url
    page_500, ms_500 = _timed(client, url)
    assert page_500.status_code == 200 and NEXT.search(page_500.text)
    lines = re.findall(r"<li>(.*?) <span", page_500.text)
    assert lines and not seen.intersection(lines)
    print(f"100k: list page 1 {first_ms:.0f} ms, page 500 (by cursor) {ms_500:.0f} ms")

    found, search_ms = _timed(client, f"/letters/{slug}/signatories?kind=organisation&q=OZTÜRK")
    assert found.status_code == 200 and "Öztürk" in found.text
    assert "Bakker" not in visible_text(found.text).split("Öztürk")[0][-40:]
    _, rare_ms = _timed(client, f"/letters/{slug}/signatories?kind=individual&q=zzzqqq")
    sudwest = visible_text(client.get(f"/letters/{slug}?q=súdwest FRYSLAN").text)
    assert "wethouder gemeente Súdwest-Fryslân" in sudwest
    print(f"100k: search 'oztürk' {search_ms:.0f} ms, search without a match {rare_ms:.0f} ms")

    again, cached_ms = _timed(client, f"/letters/{slug}", {"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    print(f"100k: letter page 304 {cached_ms:.0f} ms")

    api_page, api_ms = _timed(client, f"/api/letters/{slug}/signatures?per_page=200")
    assert len(api_page.json["items"]) == 200 and "after=" in api_page.json["next"]
    print(f"100k: API first page {api_ms:.0f} ms")
