"""Anyone holding a delivered PDF verifies it: the address on its last page shows the letter, to
whom and when it was delivered, the counts as delivered and the file's SHA-256 (equal to the
file's own); uploading the file, or asking by SHA-256, says whether it is byte for byte a
delivered file. Unknown ids get 404, a malformed hash 400 with a message, an oversized upload
413; no staff or signer address appears anywhere."""
from __future__ import annotations

import hashlib
import io
import re

import pytest

from helpers.delivery import MINISTRY, deliver, deliveries, published_letter_with_signatures
from helpers.pages import csrf_token, visible_text

COORDINATOR = "coordinator@campagne.example.nl"


@pytest.fixture
def delivered(app, staff, factories):
    slug = published_letter_with_signatures(staff, factories)
    result = deliver(staff, slug, "--cc", COORDINATOR, "--note", "Interne notitie")
    assert result.exit_code == 0, result.output
    [delivery] = deliveries(app, slug)
    return delivery


def _upload(client, path: str, data: bytes, name: str = "brief.pdf"):
    token = csrf_token(client.get(path.split("?")[0]).text)
    return client.post(path, data={"csrf_token": token, "pdf": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _result(html: str) -> tuple[str, str]:
    match = re.search(r'<section class="verify-result[^"]*" id="result" role="status" '
                      r'data-match="(yes|no)">(.*?)</section>', html, re.S)
    assert match, "no result on the page"
    return match.group(1), " ".join(visible_text(match.group(2)).split())


def _no_private_address(html: str) -> None:
    assert COORDINATOR not in html
    assert "cli:" not in html and "Interne notitie" not in html
    assert ".example.org" not in html  # the signers' addresses
    assert "editor@" not in html


def test_the_verify_address_shows_the_delivery_and_the_files_hash(client, delivered):
    page = client.get(f"/verify/{delivered.id}")
    assert page.status_code == 200
    text = " ".join(visible_text(page.text).split())
    assert '<html lang="nl">' in page.text  # the letter's language
    assert f'href="/letters/{delivered.letter.slug}"' in page.text
    assert "Open brief over gelijke kansen" in text
    assert f'<dt>Verzonden aan</dt><dd id="recipient">{MINISTRY}</dd>' in page.text
    assert re.search(r'<dd id="delivered-at">\d{1,2} \w+ \d{4}, \d\d:\d\d</dd>', page.text)
    sha256 = re.search(r'<code class="hash" id="sha256">([0-9a-f]{64})</code>', page.text)[1]
    assert sha256 == hashlib.sha256(delivered.pdf).hexdigest() == delivered.sha256
    assert "4 ondertekeningen" in text
    levels = dict(re.findall(r'<tr data-level="(\w+)">.*?<td class="number">(\d+)</td>',
                             page.text))
    assert levels == {"invited": "1", "domain": "1", "staff": "1", "mailbox": "1"}
    _no_private_address(page.text)
    # Typed from paper: upper case and a dash find it too.
    loud = delivered.id.upper()
    assert client.get(f"/verify/{loud[:6]}-{loud[6:]}").status_code == 200


def test_uploading_the_file_says_whether_it_is_the_delivered_one(client, delivered):
    answer = _upload(client, f"/verify/{delivered.id}", delivered.pdf)
    assert answer.status_code == 200
    match, text = _result(answer.text)
    assert match == "yes" and "Ja: dit is het verzonden bestand" in text
    assert delivered.sha256 in text

    changed = bytearray(delivered.pdf)
    changed[len(changed) // 2] ^= 0x01
    answer = _upload(client, f"/verify/{delivered.id}", bytes(changed))
    match, text = _result(answer.text)
    assert match == "no" and "Nee: dit is niet het verzonden bestand" in text
    assert hashlib.sha256(bytes(changed)).hexdigest() in text
    _no_private_address(answer.text)

    # Against every delivery, from /verify.
    match, text = _result(_upload(client, "/verify", delivered.pdf).text)
    assert match == "yes" and f"controle {delivered.id}" in text
    match, _ = _result(_upload(client, "/verify", b"%PDF-1.7 iets anders").text)
    assert match == "no"


def test_asking_by_sha256(client, delivered):
    answer = client.get(f"/verify?sha256={delivered.sha256.upper()}")
    assert answer.status_code == 200
    match, text = _result(answer.text)
    assert match == "yes" and "Open brief over gelijke kansen" in text
    assert f'href="/verify/{delivered.id}"' in answer.text
    _no_private_address(answer.text)
    match, text = _result(client.get(f"/verify?sha256={'0' * 64}").text)
    assert match == "no" and "Geen verzonden bestand heeft deze SHA-256" in text
    assert client.get("/verify").status_code == 200


@pytest.mark.parametrize("asked", ["abc", "g" * 64, "0" * 63, "0" * 65, "<script>"])
def test_a_malformed_sha256_gets_400_and_a_message_beside_the_field(client, asked):
    answer = client.get("/verify", query_string={"sha256": asked})
    assert answer.status_code == 400
    block = re.search(r'<div class="field has-error" id="field-sha256">(.*?)</div>', answer.text,
                      re.S)
    assert block and "Een SHA-256 bestaat uit 64 tekens" in visible_text(block.group(1))
    assert "<script>" not in answer.text


@pytest.mark.parametrize("path", ["/verify/aaaaaaaaaaaa", "/verify/kort", "/verify/" + "a" * 300,
                                  "/verify/0000000000!!"])
def test_an_unknown_verification_is_404(client, delivered, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert "Pagina niet gevonden" in answer.text or "Page not found" in answer.text


def test_an_upload_needs_a_file_its_form_and_a_sensible_size(make_app, client, delivered):
    path = f"/verify/{delivered.id}"
    token = csrf_token(client.get(path).text)
    answer = client.post(path, data={"csrf_token": token}, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert "Kies een pdf-bestand." in visible_text(answer.text)
    answer = client.post(path, data={"pdf": (io.BytesIO(delivered.pdf), "brief.pdf")},
                         content_type="multipart/form-data")
    assert answer.status_code == 400  # no CSRF token
    small = make_app(VERIFY_UPLOAD_MAX_BYTES=10_000).test_client()
    token = csrf_token(small.get(path).text)
    answer = small.post(path, data={"csrf_token": token,
                                    "pdf": (io.BytesIO(b"0" * 20_000), "groot.pdf")},
                        content_type="multipart/form-data")
    assert answer.status_code == 413


def test_uploads_are_limited_per_client_network(make_app, delivered):
    client = make_app(RATELIMIT_ENABLED=True, VERIFY_UPLOAD_RATE_LIMIT="2 per minute",
                      RATELIMIT_KEY_PREFIX="verify-test").test_client()
    answers = [_upload(client, f"/verify/{delivered.id}", delivered.pdf).status_code
               for _ in range(3)]
    assert answers == [200, 200, 429]
    assert client.get(f"/verify/{delivered.id}").status_code == 200  # reading is not limited
