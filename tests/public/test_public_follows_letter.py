"""The public: the list of letters, a letter's page, the JSON API; never a signer's e-mail."""
from __future__ import annotations

import re

import pytest

from helpers.pages import BASE_URL, path_of, visible_text
from helpers.signers import SIGNER

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def test_api_counts_and_pages_named_signatures(factories, staff, client):
    slug = staff.publish_letter()
    factories.signatures(slug, [
        *({"name": f"Wethouder {n}", "municipality": f"Gemeente {n}", "role": "wethouder"}
          for n in range(5)),
        {"name": "Stichting", "kind": "organisation", "organisation": "Kinderopvang Zon"},
        {"name": "Anoniem", "public": False},
        {"name": "Wacht", "review": "waiting"},
        {"name": "Nog niet", "state": "pending"},
        {"name": "Uitgenodigd", "state": "invited"},
    ])
    letter = client.get(f"/api/letters/{slug}").json
    assert letter == {"slug": slug, "title": "Open brief over gelijke kansen", "kind": "letter",
                      "status": "open", "counts": {"total": 7, "alderperson": 6,
                                                   "organisation": 1, "individual": 0},
                      "verification": {"invited": 0, "domain": 0, "staff": 0, "mailbox": 7},
                      "initiator": None, "contact_url": None, "sign_until": None,
                      "accepts_signatures": True, "sectors": [], "sector_counts": {},
                      "deliveries": []}

    first = client.get(f"/api/letters/{slug}/signatures?per_page=4").json
    assert len(first["items"]) == 4
    assert first["next"].startswith(f"{BASE_URL}/api/letters/{slug}/signatures?after=")
    assert first["next"].endswith("&per_page=4")  # a cursor, as README says
    second = client.get(path_of(first["next"])).json
    assert second["next"] is None
    names = [item["name"] for item in first["items"] + second["items"]]
    assert names == [f"Wethouder {n}" for n in range(5)] + ["Stichting"]
    assert set(first["items"][0]) == {"name", "kind", "role", "municipality", "organisation",
                                      "lead", "verification", "verified_domain", "sector",
                                      "verified", "signed_at"}


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=-1", "page=1.5"])
def test_api_bad_paging_gets_400_in_json(staff, client, query):
    slug = staff.publish_letter()
    response = client.get(f"/api/letters/{slug}/signatures?{query}")
    assert response.status_code == 400
    assert "error" in response.json


def test_api_unknown_letter_is_404_in_json(client):
    response = client.get("/api/letters/unknown")
    assert response.status_code == 404 and response.json == {"error": "not found"}


def test_letter_page_groups_alderpersons_by_municipality(factories, staff, client):
    slug = staff.publish_letter()
    factories.signatures(slug, [
        {"name": "Anna", "municipality": "Tilburg"},
        {"name": "Bert", "municipality": "Tilburg"},
        {"name": "Cor", "municipality": "'s-Hertogenbosch"},
        {"name": "Dirk", "municipality": "Súdwest-Fryslân"},
        {"name": "Eva", "municipality": "Sittard-Geleen"},
        {"name": "Lead", "municipality": "Utrecht", "lead": True},
    ])
    html = client.get(f"/letters/{slug}").text
    html = visible_text(html)
    order = ["Lead, wethouder gemeente Utrecht", "Cor, wethouder gemeente 's-Hertogenbosch",
             "Eva, wethouder gemeente Sittard-Geleen", "Dirk, wethouder gemeente Súdwest-Fryslân",
             "Anna en Bert, wethouders gemeente Tilburg"]
    positions = [html.find(line) for line in order]
    assert -1 not in positions, positions
    assert positions == sorted(positions)


def test_no_public_page_or_api_answer_shows_a_signers_email(app, staff, browser, mailbox):
    """Sign, confirm, invite and withdraw, then read every public page and API answer."""
    slug = staff.publish_letter(moderation="none")
    staff.invite(slug, "name,email,kind,role,municipality,organisation,lead\n"
                       "Lea,lea@tilburg.nl,alderperson,wethouder,Tilburg,,yes\n"
                       "Org,info@zon.example.nl,organisation,directeur,,Zon,no\n")
    browser.submit(f"/letters/{slug}/sign", SIGNER)
    browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": "verborgen@utrecht.nl",
                                              "public": ""})
    staff.send_mail()
    links = sorted({link for message in mailbox.messages
                    for link in re.findall(r"https?://\S+", message.get_body().get_content())})
    seen = []
    for link in links:  # every page behind every mailed link, before and after its button
        seen.append(browser.get(path_of(link)))
        if "/confirm/" in link or "/invitation/" in link:
            seen.append(browser.submit(path_of(link)))
    staff.send_mail()
    pages = ["/", f"/letters/{slug}", f"/letters/{slug}/sign", f"/letters/{slug}/sign/sent",
             "/privacy", f"/api/letters/{slug}", f"/api/letters/{slug}/signatures",
             "/letters/nope", "/api/letters/nope", f"/api/letters/{slug}/signatures?page=x"]
    # Read by someone else: the check-mail page names the address to the browser that typed it
    # (test_reader_finds_their_way), to nobody else.
    reader = app.test_client()
    seen += [reader.get(page) for page in pages]
    seen.append(browser.client.post(f"/letters/{slug}/sign", data=SIGNER))  # no CSRF token: 400
    staff.run("letters", "close", slug)
    seen += [browser.get(f"/letters/{slug}"), browser.get(f"/letters/{slug}/sign")]  # 409
    seen += [browser.get(path_of(link)) for link in links]  # every link once the letter closed
    assert browser.get(f"/api/letters/{slug}").json["counts"]["total"] == 4
    for response in seen:
        found = EMAIL.findall(response.text)
        assert found == [], (response.request.path, found)
