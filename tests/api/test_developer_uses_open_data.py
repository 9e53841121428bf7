"""A developer, a journalist or a feed reader uses the open data: the OpenAPI document and the
answers it describes, CORS, the public CSV, the Atom feed, the badge and the insight page;
never a signer's e-mail address in any of them."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from helpers.pages import BASE_URL, path_of, visible_text

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
ATOM = "{http://www.w3.org/2005/Atom}"
SVG = "{http://www.w3.org/2000/svg}"


def _validator(spec: dict, name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", **spec},
                                format_checker=FormatChecker())


def _entry_id(app, name: str) -> int:
    from campaign.directory.models import DirectoryEntry
    from campaign.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(DirectoryEntry.id).where(
            DirectoryEntry.kind == "municipality", DirectoryEntry.name == name))


@pytest.fixture
def letter(app, staff, factories):
    """A letter with named and unnamed signatures over three days, and some that do not count."""
    slug = staff.publish_letter()
    day = datetime(2026, 11, 20, 10, 0)
    factories.signatures(slug, [
        {"name": "Anna", "municipality": "Utrecht", "role": "wethouder", "lead": True,
         "confirmed_at": day, "directory_entry_id": _entry_id(app, "Utrecht")},
        {"name": "Bert", "municipality": "Utrecht", "confirmed_at": day,
         "directory_entry_id": _entry_id(app, "Utrecht")},
        {"name": "Cor", "municipality": "Amersfoort", "confirmed_at": day + timedelta(days=2),
         "directory_entry_id": _entry_id(app, "Amersfoort")},
        {"name": "Dirk", "municipality": "Groningen", "confirmed_at": day + timedelta(days=2),
         "public": False, "directory_entry_id": _entry_id(app, "Groningen")},
        {"name": "=HYPERLINK(\"http://evil.example\")", "kind": "organisation",
         "organisation": "@Stichting Zon", "confirmed_at": day + timedelta(days=2, hours=3)},
        {"name": "Wacht", "review": "waiting", "confirmed_at": day,
         "municipality": "Zwolle", "directory_entry_id": _entry_id(app, "Zwolle")},
        {"name": "Nog niet", "state": "pending"},
    ])
    return slug


def test_openapi_document_is_valid_and_describes_every_api_route(app, client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.json
    validate(spec)
    assert spec["openapi"] == "3.1.0" and spec["servers"] == [{"url": BASE_URL}]
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes == set(spec["paths"])


def test_real_answers_match_the_documented_schemas(client, letter):
    spec = client.get("/api/openapi.json").json
    answers = [
        ("Letter", client.get(f"/api/letters/{letter}")),
        ("SignaturePage", client.get(f"/api/letters/{letter}/signatures?per_page=2")),
        ("SignaturePage", client.get(f"/api/letters/{letter}/signatures?page=99")),
        ("Error", client.get(f"/api/letters/{letter}/signatures?after=nonsense")),
        ("MunicipalityList", client.get("/api/municipalities")),
        ("Error", client.get("/api/letters/unknown")),
        ("Error", client.get(f"/api/letters/{letter}/signatures?page=0")),
    ]
    for name, response in answers:
        documented = spec["paths"][re.sub(r"/letters/[^/?]+", "/letters/{slug}",
                                          response.request.path)]["get"]["responses"]
        assert str(response.status_code) in documented, (response.request.path,
                                                         response.status_code)
        errors = list(_validator(spec, name).iter_errors(response.json))
        assert errors == [], (response.request.path, errors[:3])
    page = answers[1][1].json
    assert page["next"].startswith(BASE_URL) and len(page["items"]) == 2
    following = client.get(path_of(page["next"]))
    assert list(_validator(spec, "SignaturePage").iter_errors(following.json)) == []


def test_cors_is_open_for_reading_the_api_only(client, letter):
    for path in (f"/api/letters/{letter}", "/api/openapi.json", "/api/letters/unknown"):
        response = client.get(path, headers={"Origin": "https://krant.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
        assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(f"/api/letters/{letter}/signatures",
                               headers={"Origin": "https://krant.example",
                                        "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "Access-Control-Allow-Origin" not in client.get(f"/letters/{letter}").headers
    assert "Access-Control-Allow-Origin" not in client.post(f"/api/letters/{letter}").headers


def test_public_csv_lists_named_signatures_with_formulas_defused(client, letter):
    response = client.get(f"/letters/{letter}/signatures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["name"] for row in rows] == ["Anna", "Bert", "Cor",
                                            "'=HYPERLINK(\"http://evil.example\")"]
    assert rows[3]["organisation"] == "'@Stichting Zon"
    assert rows[0]["lead"] == "true" and rows[0]["signed_at"] == "2026-11-20T10:00:00Z"
    assert list(rows[0]) == ["name", "kind", "role", "municipality", "organisation", "lead",
                             "verification", "verified_domain", "signed_at", "sector"]
    assert client.get("/letters/unknown/signatures.csv").status_code == 404


def test_atom_feed_tells_what_happened(client, staff, letter):
    staff.run("letters", "close", letter)
    response = client.get(f"/letters/{letter}/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)  # noqa: S314 (our own answer)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text == f"{BASE_URL}/letters/{letter}"
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == f"{BASE_URL}/letters/{letter}/feed.atom"
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert titles[0] == "Gesloten voor ondertekening"
    assert "3 nieuwe ondertekeningen op 22 november 2026" in titles
    assert "2 nieuwe ondertekeningen op 20 november 2026" in titles
    assert "Gepubliceerd: Open brief over gelijke kansen" in titles
    summaries = [entry.find(f"{ATOM}summary").text for entry in entries]
    assert "5 ondertekeningen in totaal." in summaries
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:  # Atom requires id, title and updated on every entry
        assert entry.find(f"{ATOM}updated").text
    # A link on the letter page lets feed readers find it.
    assert 'type="application/atom+xml"' in client.get(f"/letters/{letter}").text


def test_badge_shows_the_count_and_caches(client, letter):
    response = client.get(f"/letters/{letter}/badge.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "max-age=" in response.headers["Cache-Control"]
    svg = ElementTree.fromstring(response.data)  # noqa: S314 (our own answer)
    assert svg.tag == f"{SVG}svg"
    assert [text.text for text in svg.iter(f"{SVG}text")] == ["ondertekeningen", "5"]
    again = client.get(f"/letters/{letter}/badge.svg",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    page = client.get(f"/letters/{letter}").text
    snippet = visible_text(re.search(r'<textarea id="badge-snippet"[^>]*>(.*?)</textarea>',
                                     page, re.S).group(1))
    assert snippet == (f'<a href="{BASE_URL}/letters/{letter}"><img src="{BASE_URL}/letters/'
                       f'{letter}/badge.svg" alt="Open brief over gelijke kansen" height="20">'
                       "</a>")


def test_insight_page_charts_days_and_provinces(app, client, letter):
    from campaign.directory.models import DirectoryEntry
    from campaign.extensions import db

    response = client.get(f"/letters/{letter}/insight")
    assert response.status_code == 200
    html = response.text
    day_chart = re.search(r'<svg[^>]*class="day-chart".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in day_chart
    assert len(re.findall(r'<rect[^>]*class="bar"', day_chart)) == 2  # two days with signatures
    day_table = re.search(r'<details class="chart-table">.*?</details>', html, re.S).group(0)
    assert re.findall(r'<th scope="row">([^<]+)</th><td class="number">(\d+)</td>',
                      day_table) == [("20 november 2026", "2"), ("22 november 2026", "3")]

    with app.app_context():
        in_utrecht = db.session.scalar(sa.select(sa.func.count()).where(
            DirectoryEntry.kind == "municipality", DirectoryEntry.active.is_(True),
            DirectoryEntry.province_code == sa.select(DirectoryEntry.code).where(
                DirectoryEntry.kind == "province", DirectoryEntry.name == "Utrecht")
            .scalar_subquery()))
    rows = {visible_text(row.group(1)).strip(): [int(n) for n in row.group(2, 3)]
            for row in re.finditer(r'<th scope="row">([^<]+)<svg.*?</th>\s*<td class="number">'
                                   r'(\d+)</td>\s*<td class="number">(\d+)</td>', html, re.S)}
    assert len(rows) == 12
    # Utrecht and Amersfoort (Bert shares Anna's municipality); Zwolle's signature waits.
    assert rows["Utrecht"] == [2, in_utrecht]
    assert rows["Groningen"][0] == 1 and rows["Overijssel"][0] == 0
    assert sum(total for _signed, total in rows.values()) == 342


def test_insight_asks_the_database_the_same_few_queries_however_many_signed(
        app, client, factories, staff):
    from campaign.extensions import db

    slug = staff.publish_letter()
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        factories.signatures(slug, [{"name": "Eén", "confirmed_at": datetime(2026, 11, 1)}])
        statements.clear()
        for path in ("insight", "feed.atom", "badge.svg"):
            client.get(f"/letters/{slug}/{path}")
        few = len(statements)
        factories.signatures(slug, [{"name": f"N{n}", "email": f"n{n}@example.org",
                                     "confirmed_at": datetime(2026, 11, 1) + timedelta(hours=n)}
                                    for n in range(300)])
        statements.clear()
        for path in ("insight", "feed.atom", "badge.svg"):
            client.get(f"/letters/{slug}/{path}")
        assert len(statements) == few
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", count)


def test_no_open_data_answer_shows_a_signers_email(client, letter):
    paths = [f"/letters/{letter}", f"/letters/{letter}/insight", f"/letters/{letter}/feed.atom",
             f"/letters/{letter}/badge.svg", f"/letters/{letter}/signatures.csv",
             f"/api/letters/{letter}", f"/api/letters/{letter}/signatures",
             "/api/openapi.json"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert EMAIL.findall(response.text) == [], path


def test_open_data_of_an_unknown_or_draft_letter_is_404(client, staff):
    path = staff.write("draft.md", open_letter_file("concept"))
    staff.run("letters", "import", path)
    for slug in ("unknown", "concept"):
        for tail in ("insight", "feed.atom", "badge.svg", "signatures.csv"):
            assert client.get(f"/letters/{slug}/{tail}").status_code == 404, (slug, tail)


def open_letter_file(slug: str) -> str:
    from helpers.factories import letter_file

    return letter_file(slug)


def test_letter_page_links_its_open_data(client, letter):
    html = client.get(f"/letters/{letter}").text
    for tail in ("insight", "signatures.csv", "feed.atom", "badge.svg"):
        assert f"/letters/{letter}/{tail}" in html, tail
    assert path_of(f"{BASE_URL}/api/openapi.json") in html
