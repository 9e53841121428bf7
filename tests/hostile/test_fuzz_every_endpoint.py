"""A hostile visitor (and a staff member's compromised browser) sends Hypothesis-made requests to
every route in the URL map: unicode, control characters, lone surrogates and null bytes in the
path, the query and the form; files where text belongs; JSON of the wrong shape; bodies beyond
the limit; a missing, stale or forged CSRF token; odd headers. Whatever comes, the answer is never
a 5xx. `make test` tries HOSTILE_CASES (default 1,000) requests; `make stress` 10,000.

The Flask test client builds the WSGI environ itself, so bytes no browser would send (a lone
surrogate encoded with surrogatepass, a NUL in a header) reach the app as they would through a
careless proxy."""
from __future__ import annotations

import io
import json
import os
import re
import time
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.factories import STAFF_PASSWORD
from helpers.pages import csrf_token

CASES = int(os.environ.get("HOSTILE_CASES", "1000"))
SLUG = "gelijke-kansen"

# What the forms and the pages read; the fuzzer fills these in besides names of its own.
FIELDS = ["csrf_token", "kind", "name", "role", "municipality", "organisation", "email",
          "website", "public", "consent", "password", "new", "old", "again", "q", "page",
          "per_page", "lang", "next", "back", "slug", "title", "body", "letter", "status", "ids",
          "action", "actor", "lead", "order", "description", "author", "invitees", "file",
          "recipient", "received_on", "due_on", "answer", "note", "url", "display_name",
          "moderation", "language", "kinds", "after", "before", "message", "sha256"]
# Values for the URL rules' fixed choices (werkzeug's `any` converter) and real ids.
ARGUMENT_VALUES = {
    "slug": [SLUG, "onbekend"], "purpose": ["confirm", "invite", "withdraw", "logo",
                                             "signature_image"],
    "action": ["publish", "close", "reopen", "pause", "resume", "disable", "enable"],
    "fmt": ["pdf", "csv", "json"], "name": ["signing", "mail"],
    "filename": ["style.css", "../../etc/passwd"], "mail_id": ["1"], "signature_id": ["1"],
    "user_id": ["1", "2"], "delivery_id": ["1"], "token": ["x"],
}
# Renders a whole PDF (seconds each): tried only where they cannot find a letter.
SLOW = re.compile(r"\.pdf|/deliveries$|/preview")

# Text with everything in it: every plane, control characters, lone surrogates (Cs), NUL.
hostile_text = st.one_of(
    st.text(st.characters(codec=None), max_size=24),
    st.sampled_from(["\x00", "\ud800", "\udfff", "a\x00b", "\r\nSet-Cookie: x=1", "../" * 8,
                     "%00", "%ZZ", "\u202e", "\ufeff", "💥" * 30, "<script>alert(1)</script>",
                     "=HYPERLINK(\"http://x\")", "9" * 40, "-1", "0", "1e309", "NaN", "true",
                     "[]", "{}", " " * 3, "ａｄｍｉｎ", "İ", "ß" * 100]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(FIELDS) | hostile_text, children, max_size=5),
    max_leaves=12)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _utf8(text: str) -> str:
    return _encode(text).decode("utf-8", "replace")


def _urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    return b"&".join(quote_from_bytes(_encode(k)).encode() + b"=" + quote_from_bytes(
        _encode(v)).encode() for k, v in pairs)


# Strategies made once: building them anew for every request costs more than the request.
argument_values = {name: st.sampled_from(values) | hostile_text | st.integers().map(str)
                   for name, values in {**ARGUMENT_VALUES, "": ["1"], "slow": ["onbekend"]}.items()}
field_pairs = st.tuples(st.sampled_from(FIELDS) | hostile_text, hostile_text)
query_pairs = st.lists(field_pairs, max_size=3)
form_pairs = st.lists(field_pairs, max_size=6)
odd_headers = st.dictionaries(
    st.sampled_from(["Accept-Language", "Referer", "X-Forwarded-For", "If-None-Match",
                     "If-Modified-Since", "Range", "Accept", "X-Requested-With", "Origin",
                     "User-Agent", "Cookie"]),
    # A raw line break cannot be in a header (HTTP itself splits there).
    st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=60),
    max_size=3)
bodies = st.sampled_from(["none", "form", "multipart", "json", "raw", "huge"])
csrf_kinds = st.sampled_from(["valid", "missing", "forged"])
file_fields = st.lists(st.sampled_from(FIELDS), max_size=3)
file_contents = st.binary(max_size=200) | st.just(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
raw_types = st.sampled_from([
    "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x",
    "text/plain; charset=utf-7", "application/json; charset=latin-1",
    "application/x-www-form-urlencoded; charset=\x00", "", "*/*"])
raw_bodies = st.binary(max_size=300)
HUGE = b"name=" + b"a" * (3 * 1024 * 1024)


@st.composite
def hostile_requests(draw, rules):
    rule = draw(st.sampled_from(rules))
    method = draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    path = rule.rule
    for argument in sorted(rule.arguments):
        key = "slow" if SLOW.search(rule.rule) else argument if argument in ARGUMENT_VALUES \
            else ""
        value = draw(argument_values[key])
        path = re.sub(rf"<(?:[^:<>]+:)?{argument}(?:\([^)]*\))?>",
                      lambda _, v=value: quote_from_bytes(_encode(v), safe=""), path)
    query = draw(query_pairs)
    path += ("?" + _urlencoded(query).decode()) if query else ""
    csrf = draw(csrf_kinds)
    headers = draw(odd_headers)
    body = draw(bodies)
    kwargs: dict = {}
    if body == "form":
        kwargs = {"data": _urlencoded(draw(form_pairs)),
                  "content_type": "application/x-www-form-urlencoded"}
    elif body == "multipart":
        files, content = draw(file_fields), draw(file_contents)
        # Multipart parts are written by the test client as UTF-8: a surrogate goes as U+FFFD.
        kwargs = {"data": {**{_utf8(k): _utf8(v) for k, v in draw(form_pairs) if k not in files},
                           **{f: (io.BytesIO(content), "brief.pdf") for f in files}},
                  "content_type": "multipart/form-data"}
    elif body == "json":
        kwargs = {"data": json.dumps(draw(json_values)), "content_type": "application/json"}
    elif body == "raw":
        kwargs = {"data": draw(raw_bodies), "content_type": draw(raw_types)}
    elif body == "huge":
        kwargs = {"data": HUGE, "content_type": "application/x-www-form-urlencoded"}
    staff = draw(st.booleans())
    return method, path, csrf, headers, kwargs, staff


@pytest.fixture
def visitors(app, staff, factories):
    """(anonymous client, its CSRF token, staff admin client, its token, rules)."""
    staff.publish_letter(SLUG)
    factories.signatures(SLUG, [{"name": "Wethouder Een", "municipality": "Utrecht",
                                 "role": "wethouder"}])
    anonymous = app.test_client()
    anonymous_token = csrf_token(anonymous.get(f"/letters/{SLUG}/sign").text)
    email = factories.staff_user("admin")
    admin = app.test_client()
    admin_token = csrf_token(admin.get("/staff/login").text)
    logged_in = admin.post("/staff/login", data={"csrf_token": admin_token, "email": email,
                                                  "password": STAFF_PASSWORD})
    assert logged_in.status_code in (302, 303), logged_in.status_code
    admin_token = csrf_token(admin.get("/staff/password").text)
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint not in ("staff.logout",)]  # keep the admin logged in
    return anonymous, anonymous_token, admin, admin_token, rules


def test_no_request_gets_a_5xx(visitors):
    anonymous, anonymous_token, admin, admin_token, rules = visitors
    seen: dict[str, int] = {}
    statuses: dict[int, int] = {}

    @settings(max_examples=CASES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(hostile_requests(rules))
    def one_request(request):
        method, path, csrf, headers, kwargs, staff = request
        client, token = (admin, admin_token) if staff else (anonymous, anonymous_token)
        headers = dict(headers)
        if csrf != "missing":
            sent = token if csrf == "valid" else token[:-4] + "AAAA"
            headers["X-CSRFToken"] = sent
            if isinstance(kwargs.get("data"), dict):
                kwargs = {**kwargs, "data": {"csrf_token": sent, **kwargs["data"]}}
            elif kwargs.get("content_type") == "application/x-www-form-urlencoded":
                kwargs = {**kwargs, "data": b"csrf_token=" + sent.encode() + b"&"
                          + kwargs["data"]}
        response = client.open(path, method=method, headers=headers, **kwargs)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        seen[path.split("?")[0].split("/")[1] if "/" in path else path] = response.status_code
        assert response.status_code < 500, (method, path, headers, repr(kwargs)[:800],
                                            response.status_code)

    began = time.perf_counter()
    one_request()
    seconds = time.perf_counter() - began
    print(json.dumps({"name": "hostile_requests", "value": sum(statuses.values()),
                      "unit": "requests", "seconds": round(seconds, 1),
                      "statuses": dict(sorted(statuses.items()))}))
    assert len(seen) > 3  # the requests reached several parts of the site


# What the fuzzer found, kept as plain cases: each was a 500.
@pytest.mark.parametrize("staff_side", [False, True])
@pytest.mark.parametrize("path, kwargs", [
    ("/staff/review/preview", {"data": "false", "content_type": "application/json"}),
    (f"/letters/{SLUG}/sign", {"data": "[1]", "content_type": "application/json"}),
    ("/staff/review/preview", {"data": {"\r": ""}, "content_type": "multipart/form-data"}),
    (f"/letters/{SLUG}/sign", {"data": {"\r": ""}, "content_type": "multipart/form-data"}),
    ("/staff/signatures/2147483648", {"method": "GET"}),
    ("/staff/signatures/10000000000/lead", {}),
    ("/staff/outbox/99999999999/retry", {}),
])
def test_what_the_fuzzer_found_gets_4xx(visitors, staff_side, path, kwargs):
    anonymous, anonymous_token, admin, admin_token, _ = visitors
    client, token = (admin, admin_token) if staff_side else (anonymous, anonymous_token)
    kwargs = {"method": "POST", **kwargs}
    for headers in ({}, {"X-CSRFToken": token}):
        response = client.open(path, headers=headers, **kwargs)
        assert 400 <= response.status_code < 500, (path, headers, response.status_code)
