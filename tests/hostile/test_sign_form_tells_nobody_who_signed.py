"""A visitor probing the sign form with addresses learns nothing of who signed: not from the
answer, and not from how long it takes (a known address used to answer a third faster)."""
from __future__ import annotations

import statistics
import time

from helpers.signers import SIGNER

ROUNDS = 40


def _seconds(browser, slug: str, email: str) -> float:
    started = time.perf_counter()
    response = browser.post(f"/letters/{slug}/sign", {**SIGNER, "email": email})
    elapsed = time.perf_counter() - started
    assert response.status_code == 303
    return elapsed


def test_a_known_address_answers_as_fast_as_a_new_one(staff, browser):
    slug = staff.publish_letter()
    browser.submit(f"/letters/{slug}/sign", {**SIGNER, "email": "bekend@utrecht.nl"})
    for number in range(5):  # warm up both paths
        _seconds(browser, slug, f"opwarmen{number}@utrecht.nl")
        _seconds(browser, slug, "bekend@utrecht.nl")
    new, known = [], []
    for number in range(ROUNDS):  # interleaved, so that a noisy moment hits both alike
        new.append(_seconds(browser, slug, f"nieuw{number}@utrecht.nl"))
        known.append(_seconds(browser, slug, "bekend@utrecht.nl"))
    ratio = statistics.median(known) / statistics.median(new)
    assert 0.8 < ratio < 1.25, f"known/new = {ratio:.2f}"
