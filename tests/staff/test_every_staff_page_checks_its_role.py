"""Every staff page checks who asks, proved by walking the whole URL map: for every rule under
/staff/ and every method, the anonymous get 303 to the login, a wrong role gets 403, and a page
that does not say who may use it is nobody's. A new page cannot forget."""
from __future__ import annotations

import pytest

from campaign.accounts.models import Role
from campaign.staff.access import ACCESS, OPEN_TO_ALL
from helpers.pages import csrf_token
from helpers.staff_browser import StaffBrowser

ARGUMENTS = {"slug": "gelijke-kansen", "user_id": "1", "signature_id": "1", "mail_id": "1",
             "version": "1", "number": "1", "event_id": "1", "delivery_id": "1"}


def _staff_requests(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every staff rule and method."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        values = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            if hasattr(converter, "items"):  # any(a, b): the first choice
                values[name] = sorted(converter.items)[0] if isinstance(
                    converter.items, (set, frozenset)) else list(converter.items)[0]
            else:
                values[name] = ARGUMENTS.get(name, "1")
        with app.test_request_context():
            path = app.url_map.bind("campaign.test").build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return found


def test_every_staff_page_says_who_may_use_it(app):
    endpoints = {endpoint for endpoint, _, _ in _staff_requests(app)}
    assert endpoints, "no staff pages found"
    assert endpoints - OPEN_TO_ALL <= set(ACCESS), sorted(endpoints - OPEN_TO_ALL - set(ACCESS))


def test_the_anonymous_are_sent_to_the_login_from_every_staff_page(app):
    client = app.test_client()
    token = csrf_token(client.get("/staff/login").text)
    for endpoint, method, path in _staff_requests(app):
        if endpoint in OPEN_TO_ALL:
            continue
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["Location"].startswith("/staff/login"), (method, path)


@pytest.mark.parametrize("role", Role.ALL)
def test_a_wrong_role_gets_403_on_every_staff_page(app, factories, role):
    email = factories.staff_user(role)
    staff = StaffBrowser(app.test_client())
    assert staff.log_in(email).status_code == 303
    for endpoint, method, path in _staff_requests(app):
        if endpoint in OPEN_TO_ALL | {"staff.logout"}:  # logging out would end the walk
            continue
        allowed = ACCESS[endpoint]
        response = staff.client.open(path, method=method, data={"csrf_token": staff.token})
        where = (role, method, path, response.status_code)
        if allowed and role != Role.ADMIN and role not in allowed:
            assert response.status_code == 403, where
        else:
            assert response.status_code != 403 and response.status_code < 500, where
            assert "/staff/login" not in response.headers.get("Location", ""), where


def test_an_undeclared_staff_page_is_nobodys(app, factories):
    staff = StaffBrowser(app.test_client())
    staff.log_in(factories.staff_user(Role.ADMIN))
    roles = ACCESS.pop("staff.dashboard")
    try:
        assert staff.get("/staff/").status_code == 403
    finally:
        ACCESS["staff.dashboard"] = roles
    assert staff.get("/staff/").status_code == 200
