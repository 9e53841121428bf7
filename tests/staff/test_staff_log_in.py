"""Staff log in to the workspace: Argon2id passwords, one answer for a wrong password and an
unknown address (in the same time), an account locked after 10 failures, a limit per network,
sessions that end after 8 idle hours, when the account is disabled, or when the password
changes elsewhere; `flask staff` makes and keeps the accounts."""
from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.accounts.models import LoginThrottle, StaffUser
from campaign.audit.models import AuditEvent
from campaign.extensions import db
from helpers.factories import STAFF_PASSWORD
from helpers.pages import visible_text
from helpers.staff_browser import StaffBrowser

WRONG = "This e-mail address and password do not match an account."
WRONG_NL = "Dit e-mailadres en wachtwoord horen niet bij een account."


@pytest.fixture
def editor(factories) -> str:
    return factories.staff_user("editor")


def test_staff_log_in_and_out(app, client, editor):
    staff = StaffBrowser(client)
    response = staff.log_in(editor)
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/")
    assert "Overzicht" in visible_text(client.get("/staff/").text)
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert staff.post("/staff/logout").status_code == 303
    assert client.get("/staff/").status_code == 303
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "staff.logged_in"))
        assert (event.actor, event.actor_kind) == (editor, "staff")
        assert event.staff_user_id is not None


@pytest.mark.parametrize(("next_", "lands"), [
    ("/staff/letters", "/staff/letters"),
    ("//evil.example/staff/", "/staff/"), ("https://evil.example/", "/staff/"),
    ("/letters/x", "/staff/"), ("/staff/\\evil.example", "/staff/"),
])
def test_after_login_only_a_same_site_staff_address_is_followed(client, editor, next_, lands):
    response = StaffBrowser(client).log_in(editor, next_=next_)
    assert response.status_code == 303
    assert response.headers["Location"] == lands


def test_anonymous_staff_pages_lead_to_the_login_and_back(client, editor):
    response = client.get("/staff/letters?status=open")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/staff/login?next=/staff/letters")
    staff = StaffBrowser(client)
    assert staff.log_in(editor, next_="/staff/letters").headers["Location"] == "/staff/letters"


def test_a_wrong_password_and_an_unknown_address_get_one_answer(client, editor):
    staff = StaffBrowser(client)
    wrong = staff.log_in(editor, "not the password at all")
    unknown = staff.log_in("nobody@campagne.example.nl", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert WRONG_NL in visible_text(response.text)
    # Alike but for the address typed and the CSRF token's time stamp.
    def page(response, address):
        return re.sub(r'name="csrf_token"[^>]*>', "", response.text.replace(address, ""))
    assert page(wrong, editor) == page(unknown, "nobody@campagne.example.nl")


def test_both_answers_take_the_same_time(client, editor):
    staff = StaffBrowser(client)

    def seconds(email: str) -> float:
        started = time.perf_counter()
        staff.client.post("/staff/login", data={"csrf_token": staff.token, "email": email,
                                                "password": "wrong password here"})
        return time.perf_counter() - started

    staff.log_in(editor, "warm up the hasher")
    known, unknown = [], []
    for number in range(4):  # below the lock: 1 + 4 failures for the known account
        known.append(seconds(editor))
        unknown.append(seconds(f"onbekend{number}@campagne.example.nl"))
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.7 < ratio < 1.4, f"known/unknown = {ratio:.2f}"


def test_ten_failures_lock_the_account_for_fifteen_minutes(app, client, editor):
    staff = StaffBrowser(client)
    for _ in range(10):
        assert staff.log_in(editor, "wrong password!!").status_code == 200
    locked = staff.log_in(editor)  # the right password, too late
    assert locked.status_code == 429 and "15" in visible_text(locked.text)
    assert staff.log_in("other@campagne.example.nl", "x" * 12).status_code == 200
    with app.app_context():
        for throttle in db.session.scalars(sa.select(LoginThrottle).where(
                LoginThrottle.locked_until.is_not(None))):
            throttle.locked_until -= timedelta(minutes=16)
            throttle.window_start -= timedelta(minutes=16)
        db.session.commit()
    assert staff.log_in(editor).status_code == 303


def test_failed_logins_are_limited_per_network(make_app, factories, tmp_path):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=tmp_path.name,
                   STAFF_LOGIN_RATE_LIMIT="3 per 15 minutes")
    staff = StaffBrowser(app.test_client())
    codes = [staff.log_in(f"raad{n}@campagne.example.nl", "wrong password!!").status_code
             for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_session_ends_after_its_idle_time(make_app, factories):
    app = make_app(PERMANENT_SESSION_LIFETIME=1)
    email = factories.staff_user("moderator")
    client = app.test_client()
    assert StaffBrowser(client).log_in(email).status_code == 303
    assert client.get("/staff/").status_code == 200
    time.sleep(2.1)
    assert client.get("/staff/").status_code == 303


def test_disabling_an_account_ends_its_sessions(client, staff, editor):
    assert StaffBrowser(client).log_in(editor).status_code == 303
    result = staff.run("staff", "disable", editor)
    assert result.exit_code == 0 and "disabled" in result.output
    assert client.get("/staff/").status_code == 303
    assert StaffBrowser(client).log_in(editor).status_code == 200


def test_changing_the_password_ends_the_other_sessions(app, editor):
    this, other = StaffBrowser(app.test_client()), StaffBrowser(app.test_client())
    this.log_in(editor)
    other.log_in(editor)
    bad = this.post("/staff/password", {"current": "not it at all", "password": "x" * 12,
                                        "repeat": "x" * 12})
    assert bad.status_code == 400 and 'id="current-error"' in bad.text
    short = this.post("/staff/password", {"current": STAFF_PASSWORD, "password": "kort",
                                          "repeat": "kort"})
    assert short.status_code == 400 and 'id="password-error"' in short.text
    changed = this.post("/staff/password", {"current": STAFF_PASSWORD,
                                            "password": "een nieuw lang wachtwoord",
                                            "repeat": "een nieuw lang wachtwoord"})
    assert changed.status_code == 303
    assert this.get("/staff/").status_code == 200
    assert other.get("/staff/").status_code == 303
    assert StaffBrowser(app.test_client()).log_in(
        editor, "een nieuw lang wachtwoord").status_code == 303


def test_staff_accounts_are_made_at_the_command_line(app, staff):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["staff", "create", "Anna@Campagne.example.nl", "--role", "admin",
                               "--name", "Anna Admin"], input="een lang wachtwoord\n")
    assert made.exit_code == 0, made.output
    short = runner.invoke(args=["staff", "create", "b@campagne.example.nl", "--role", "editor"],
                          input="kort\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    twice = runner.invoke(args=["staff", "create", "anna@campagne.example.nl", "--role",
                                "editor"], input="een lang wachtwoord\n")
    assert twice.exit_code != 0 and "already" in twice.output
    listed = runner.invoke(args=["staff", "list"])
    assert listed.output.startswith("anna@campagne.example.nl\tadmin\tenabled\tnever")
    with app.app_context():
        user = db.session.scalar(sa.select(StaffUser))
        assert user.password_hash.startswith("$argon2id$")
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "staff.created"))
        assert event.actor_kind == "cli" and event.actor.startswith("cli:")


def test_admins_keep_staff_accounts_in_the_workspace(app, client, factories):
    admin = factories.staff_user("admin")
    staff = StaffBrowser(client)
    staff.log_in(admin)
    made = staff.post("/staff/users", {"email": "nieuw@campagne.example.nl", "name": "Nieuw",
                                       "role": "moderator", "password": "x" * 14})
    assert made.status_code == 303
    again = staff.post("/staff/users", {"email": "nieuw@campagne.example.nl", "name": "",
                                        "role": "moderator", "password": "x" * 14})
    assert again.status_code == 409 and 'id="email-error"' in again.text
    with app.app_context():
        user = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == "moderator"))
    assert staff.post(f"/staff/users/{user.id}/role", {"role": "editor"}).status_code == 303
    assert staff.post(f"/staff/users/{user.id}/disable").status_code == 303
    with app.app_context():
        user = db.session.get(StaffUser, user.id)
        assert (user.role, user.enabled) == ("editor", False)
