"""A reader shares a letter: link previews find its title and text (Open Graph, Twitter/X card),
plain share links open each service's own page (no script of theirs runs here), and the link
can be copied without JavaScript."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from helpers.pages import BASE_URL


def _meta(html: str, key: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    assert match, key
    return unescape(match.group(1))


def test_link_previews_find_title_text_and_address(staff, client):
    slug = staff.publish_letter()
    html = client.get(f"/letters/{slug}").text
    head = html.split("</head>", 1)[0]
    url = f"{BASE_URL}/letters/{slug}"
    assert _meta(head, "og:title") == _meta(head, "twitter:title") == \
        "Open brief over gelijke kansen"
    assert _meta(head, "og:url") == url and f'<link rel="canonical" href="{url}">' in head
    assert _meta(head, "og:type") == "article" and _meta(head, "og:locale") == "nl_NL"
    assert _meta(head, "twitter:card") == "summary"
    description = _meta(head, "og:description")
    assert description.startswith("Wij vragen u om gelijke kansen voor ieder kind.")
    assert "**" not in description and "<" not in description
    assert _meta(head, "description") == _meta(head, "twitter:description") == description


def test_share_links_are_plain_links_and_no_third_party_script_loads(staff, client):
    slug = staff.publish_letter()
    html = client.get(f"/letters/{slug}").text
    url = f"{BASE_URL}/letters/{slug}"
    share = re.search(r'<section class="share".*?</section>', html, re.S).group(0)
    links = {re.sub(r"<[^>]+>", "", text): unescape(href)
             for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', share)}
    assert set(links) == {"E-mail", "WhatsApp", "LinkedIn", "X", "Bluesky"}
    assert parse_qs(urlsplit(links["LinkedIn"]).query)["url"] == [url]
    assert parse_qs(urlsplit(links["X"]).query)["url"] == [url]
    for name in ("WhatsApp", "Bluesky"):
        assert url in parse_qs(urlsplit(links[name]).query)["text"][0]
    assert url in parse_qs(urlsplit(links["E-mail"]).query)["body"][0]
    assert links["E-mail"].startswith("mailto:?")
    # Every script and stylesheet is the site's own; the CSP would refuse others anyway.
    assert "<script" not in html
    for source in re.findall(r'(?:src|href)="(https?://[^"]+)"', html.split("</head>")[0]):
        assert source.startswith(BASE_URL), source
    copy = re.search(r'<input[^>]*id="letter-link"[^>]*>', share).group(0)
    assert f'value="{url}"' in copy and "readonly" in copy
    assert '<label for="letter-link">' in share
