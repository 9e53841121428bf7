"""A reader of a letter with more than a thousand signatures reads its counts as they write them:
"1.250 ondertekeningen" in Dutch, "1,250 signatures" in English, on the front page, the letter
page (in the letter's language), the list page, the insight page and in the signed PDF's closing
lines."""
from __future__ import annotations

import pytest

from campaign.delivery.rendering import render_letter_pdf
from campaign.letters.queries import find_letter
from helpers.delivery import page_texts
from helpers.pages import visible_text

NAMED, UNNAMED = 150, 1100  # 1,250 in all; few named, so that the PDF stays short


@pytest.fixture
def letter(staff, factories):
    slug = staff.publish_letter()
    factories.signatures(slug, [
        *[dict(kind="organisation", name=f"Directeur {n:04d}", role="directeur",
               organisation=f"Stichting {n:04d}", sector="onderwijs") for n in range(NAMED)],
        *[dict(kind="organisation", name=f"Verborgen {n:04d}", organisation=f"Stil {n:04d}",
               public=False) for n in range(UNNAMED)],
    ])
    return slug


def test_reader_reads_counts_grouped_in_their_language(client, letter):
    page = visible_text(client.get(f"/letters/{letter}").text)
    assert "1.250 ondertekeningen" in page and "1.250 organisaties" in page
    assert "1250" not in page

    assert "1.250 ondertekeningen" in visible_text(client.get("/").text)
    assert "1,250 signatures" in visible_text(client.get("/?lang=en").text)
    client.get("/?lang=nl")

    listed = visible_text(client.get(f"/letters/{letter}/signatories?kind=organisation").text)
    assert "1.250 ondertekeningen" in listed

    insight = visible_text(client.get(f"/letters/{letter}/insight").text)
    assert "1.250 ondertekeningen" in insight
    assert "1250" not in insight


def test_signed_pdf_counts_with_dutch_grouping(app, letter):
    with app.app_context():
        text = " ".join(page_texts(render_letter_pdf(find_letter(letter))))
    assert "Daarnaast ondertekenden 1.100 partijen zonder vermelding van hun naam." in text
    assert "Ondertekend door 1.250 partijen; stand op" in text
    assert "1250" not in text and "1100" not in text
