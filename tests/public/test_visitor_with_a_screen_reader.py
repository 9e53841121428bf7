"""A visitor with a screen reader (or only a keyboard): axe-core, run in Chromium, finds no
serious or critical accessibility problem on the front page, a letter page, its insight page,
the sign form with its errors shown, the confirm page, the privacy statement and the staff
login, on a phone and on a desktop."""
from __future__ import annotations

from datetime import timedelta

import pytest

from helpers.browsers import chromium_browser, needs_chromium
from helpers.mail import links_in
from helpers.signers import SIGNER

pytestmark = needs_chromium
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as browser:
        yield browser


def _problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core"  # it ran, under the page's CSP
    return [f"{violation['id']} ({violation['impact']}): "
            + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                        else str(node["target"]) for node in violation["nodes"][:5])
            for violation in results.response["violations"]
            if violation["impact"] in BLOCKING]


@pytest.mark.parametrize("screen", SCREENS)
def test_public_pages_and_staff_login_have_no_serious_problems(served, chromium, mailbox,
                                                                 tmp_path, factories, screen):
    from campaign.core.timeutil import utcnow
    from campaign.directory.queries import resolve_municipality
    from helpers.staff import Staff

    app, base_url = served
    staff = Staff(app, tmp_path)
    slug = staff.publish_letter()
    with app.app_context():
        utrecht = resolve_municipality("Utrecht").entry.id
    factories.signatures(slug, [
        {"name": "Anna de Vries", "municipality": "Utrecht", "role": "wethouder", "lead": True,
         "confirmed_at": utcnow() - timedelta(days=3), "directory_entry_id": utrecht},
        {"name": "Stichting", "kind": "organisation", "organisation": "Kinderopvang Zon",
         "confirmed_at": utcnow()}])
    context = chromium.new_context(viewport=SCREENS[screen], locale="nl-NL")
    page = context.new_page()
    found = {}

    def check(name: str) -> None:
        found[name] = _problems(page)

    page.goto(f"{base_url}/")
    check("front page")
    page.goto(f"{base_url}/letters/{slug}")
    check("letter page")
    page.goto(f"{base_url}/letters/{slug}/insight")
    check("insight page")
    page.goto(f"{base_url}/privacy")
    check("privacy statement")

    page.goto(f"{base_url}/letters/{slug}/sign")
    check("sign form")
    page.fill("#email", "geen-adres")
    page.get_by_role("button", name="Ondertekenen").click()
    assert page.locator(".error-summary").is_visible()
    check("sign form with errors")

    page.check("input[value=alderperson]")
    page.fill("#name", SIGNER["name"])
    page.fill("#municipality", "Utrecht")
    page.fill("#email", SIGNER["email"])
    page.check("#consent")
    page.get_by_role("button", name="Ondertekenen").click()
    assert page.locator("h1").inner_text() == "Controleer uw e-mail"
    check("check-mail page")
    staff.send_mail()
    confirm_link = links_in(mailbox.last_to(SIGNER["email"]))[0]
    assert confirm_link.startswith(f"{base_url}/letters/{slug}/confirm/")
    page.goto(confirm_link)
    check("confirm page")

    page.goto(f"{base_url}/staff/login")
    check("staff login")
    context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
