"""A signer on a phone, in a real browser (Debian's Chromium driven by Playwright): the form's
errors are visible beside their fields, and signing and confirming work with the page's own CSS
under its Content-Security-Policy."""
from __future__ import annotations

import pytest

from helpers.browsers import chromium_browser, needs_chromium
from helpers.mail import links_in
from helpers.signers import SIGNER

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone():
    with chromium_browser() as browser:
        yield browser.new_page(viewport=PHONE, locale="nl-NL")


def test_signer_on_a_phone_sees_errors_beside_fields_then_signs(served, phone, mailbox, tmp_path):
    from helpers.staff import Staff
    app, base_url = served
    staff = Staff(app, tmp_path)
    slug = staff.publish_letter()

    phone.goto(f"{base_url}/letters/{slug}")
    phone.get_by_role("link", name="Onderteken deze brief").first.click()
    phone.fill("#email", "geen-adres")
    phone.get_by_role("button", name="Ondertekenen").click()

    for field in ("name", "email", "consent"):
        error = phone.locator(f"#{field}-error")
        assert error.is_visible(), field
        box, field_box = error.bounding_box(), phone.locator(f"#field-{field}").bounding_box()
        # The message sits inside its field's block, on screen width, in the error colour.
        assert field_box["y"] <= box["y"] <= field_box["y"] + field_box["height"]
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert phone.locator("#email-error").evaluate("e => getComputedStyle(e).color") == \
        "rgb(179, 38, 30)"
    assert phone.locator(".error-summary").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    phone.check("input[value=alderperson]")
    phone.fill("#name", SIGNER["name"])
    phone.fill("#municipality", "Utrecht")
    phone.fill("#email", SIGNER["email"])
    phone.fill("#website", SIGNER["website"])
    phone.check("#public")  # not ticked in advance: showing a name needs consent given
    phone.check("#consent")
    phone.get_by_role("button", name="Ondertekenen").click()
    assert phone.locator("h1").inner_text() == "Controleer uw e-mail"

    staff.send_mail()
    phone.goto(base_url + path_of_base(links_in(mailbox.last_to(SIGNER["email"]))[0], base_url))
    phone.get_by_role("button", name="Bevestig mijn ondertekening").click()
    assert phone.locator("h1").inner_text() == "Bedankt voor uw ondertekening"
    phone.goto(f"{base_url}/letters/{slug}")
    assert phone.get_by_text("Jan Jansen, wethouder gemeente Utrecht").is_visible()


def path_of_base(url: str, base_url: str) -> str:
    assert url.startswith(base_url), url
    return url[len(base_url):]
