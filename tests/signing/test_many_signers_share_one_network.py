"""Many signers behind one network: a town hall's NAT, a congress Wi-Fi, a hall asked by its
speaker to sign now. Accepted signatures are counted per network (an IPv6 /64 as one), per
address and per letter; a form sent back with typos counts for nothing, and a signer over a
limit gets the form back with what they typed."""
from __future__ import annotations

import pytest
from limits import parse_many

from helpers.pages import Browser
from helpers.signers import SIGNER
from helpers.staff import Staff


def _signer(make_app, tmp_path, **limits):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=tmp_path.name, **limits)
    staff = Staff(app, tmp_path)
    slug = staff.publish_letter()
    return slug, app


def _sign(app, slug: str, address: str, **fields) -> object:
    browser = Browser(app.test_client())
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser.submit(f"/letters/{slug}/sign", {**SIGNER, **fields})


def test_typos_do_not_count_and_the_limit_keeps_what_was_typed(make_app, tmp_path):
    slug, app = _signer(make_app, tmp_path, SIGN_RATE_LIMIT="2 per minute")
    for _ in range(4):
        assert _sign(app, slug, "192.0.2.10", email="geen-adres").status_code == 400
    for number in range(2):
        assert _sign(app, slug, "192.0.2.10", email=f"a{number}@utrecht.nl").status_code == 303
    over = _sign(app, slug, "192.0.2.10", name="Wilma Wacht", email="a9@utrecht.nl")
    assert over.status_code == 429
    assert 'value="Wilma Wacht"' in over.text and 'value="a9@utrecht.nl"' in over.text
    assert "wait a few minutes" in over.text or "even een paar minuten" in over.text


def test_one_ipv6_subscriber_counts_as_one_network(make_app, tmp_path):
    slug, app = _signer(make_app, tmp_path, SIGN_RATE_LIMIT="2 per minute")
    assert _sign(app, slug, "2001:db8:0:1::1", email="b1@utrecht.nl").status_code == 303
    assert _sign(app, slug, "2001:db8:0:1:ffff::2", email="b2@utrecht.nl").status_code == 303
    assert _sign(app, slug, "2001:db8:0:1::3", email="b3@utrecht.nl").status_code == 429
    assert _sign(app, slug, "2001:db8:0:2::1", email="b4@utrecht.nl").status_code == 303


def test_a_hall_of_signers_behind_one_address_gets_through(make_app, tmp_path):
    slug, app = _signer(make_app, tmp_path)
    codes = [_sign(app, slug, "198.51.100.7", email=f"collega{n}@utrecht.nl").status_code
             for n in range(14)]
    assert codes == [303] * 14
    per_network = parse_many(app.config["SIGN_RATE_LIMIT"])
    hourly = [limit for limit in per_network if limit.GRANULARITY.name == "hour"]
    assert hourly and hourly[0].amount >= 200  # 200 colleagues in an hour


def test_one_client_cannot_flood_from_one_network(make_app, tmp_path):
    slug, app = _signer(make_app, tmp_path)
    per_minute = next(limit.amount for limit in parse_many(app.config["SIGN_RATE_LIMIT"])
                      if limit.GRANULARITY.name == "minute")
    codes = [_sign(app, slug, "203.0.113.5", email=f"nep{n}@example.nl").status_code
             for n in range(per_minute + 1)]
    assert codes[-1] == 429 and codes[:-1] == [303] * per_minute


def test_one_address_cannot_be_submitted_again_and_again(make_app, tmp_path):
    slug, app = _signer(make_app, tmp_path)
    codes = [_sign(app, slug, f"192.0.2.{n}").status_code for n in range(1, 8)]
    assert codes == [303] * 5 + [429] * 2


@pytest.mark.parametrize("networks", [["192.0.2.1", "192.0.2.2", "2001:db8::1"]])
def test_a_letter_takes_only_so_many_signatures_an_hour(make_app, tmp_path, networks):
    slug, app = _signer(make_app, tmp_path, SIGN_RATE_LIMIT_PER_LETTER="3 per hour")
    for number, network in enumerate(networks):
        assert _sign(app, slug, network, email=f"c{number}@utrecht.nl").status_code == 303
    assert _sign(app, slug, "198.51.100.1", email="c9@utrecht.nl").status_code == 429
