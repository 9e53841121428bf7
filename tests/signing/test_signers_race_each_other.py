"""Signers (and staff) racing each other on PostgreSQL, against gunicorn serving many requests at
once: a confirm button pressed fifty times confirms once and thanks once; confirm and withdraw
at the same moment end withdrawn and erased; a burst of sign forms for one address sends one
mail, also when the form meets a row of its address committed while it waited; two invitation
runs at once invite each person once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.directory.loader import shipped_rows
from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.signatures.models import Signature
from helpers.mail import links_in
from helpers.pages import path_of
from helpers.servers import HttpBrowser, flask_command, free_port, fresh_user_environment, gunicorn
from helpers.signers import SIGNER


@pytest.fixture
def environment(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("races are a matter for the production database, PostgreSQL")
    port = free_port()
    env = fresh_user_environment(tmp_path, port, DATABASE_URL=database_url,
                                 SECRET_KEY="test-secret", SIGN_RATE_LIMIT="10000 per minute",
                                 SIGN_RATE_LIMIT_PER_ADDRESS="10000 per minute")
    return env, port


@pytest.fixture
def served(environment):
    env, port = environment
    with gunicorn(env, port, workers=2, threads=16) as base:
        yield base


def _all_at_once(count: int, action) -> list:
    """Run `action(i)` in `count` threads released at the same moment."""
    start = threading.Barrier(count)

    def run(number):
        start.wait()
        return action(number)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _signed_and_mailed(staff, browser, mailbox, signer: dict) -> list[str]:
    slug = "gelijke-kansen"
    assert browser.submit(f"/letters/{slug}/sign", signer).status_code == 303
    staff.send_mail()
    return [path_of(link) for link in links_in(mailbox.last_to(signer["email"]))]


def test_fifty_presses_of_one_confirm_button_confirm_once_and_thank_once(
        app, staff, browser, mailbox, served):
    staff.publish_letter(moderation="none")
    confirm = _signed_and_mailed(staff, browser, mailbox, SIGNER)[0]
    signer = HttpBrowser(served)
    assert signer.get(confirm)[0] == 200
    statuses = _all_at_once(50, lambda _: signer.post(confirm))
    assert set(statuses) == {200}
    with app.app_context():
        [signature] = db.session.scalars(sa.select(Signature)).all()
        assert signature.state == "confirmed"
        confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "signature.confirmed"))
        assert confirmed == 1
    mailbox.clear()
    staff.send_mail()
    assert len(mailbox.to(SIGNER["email"])) == 1  # one thank-you


def test_confirm_and_withdraw_at_the_same_moment_end_withdrawn_and_erased(
        app, staff, browser, mailbox, served, client):
    slug = staff.publish_letter(moderation="none")
    for round_ in range(8):
        signer = {**SIGNER, "email": f"racer{round_}@utrecht.nl"}
        confirm, withdraw = _signed_and_mailed(staff, browser, mailbox, signer)[:2]
        assert "/withdraw/" in withdraw
        confirmer, withdrawer = HttpBrowser(served), HttpBrowser(served)
        confirmer.get(confirm)
        withdrawer.get(withdraw)
        presses = [(confirmer, confirm), (withdrawer, withdraw)]
        pressed = _all_at_once(2, lambda n, presses=presses: presses[n][0].post(presses[n][1]))
        assert set(pressed) == {200}
    with app.app_context():
        signatures = db.session.scalars(sa.select(Signature)).all()
        assert {s.state for s in signatures} == {"withdrawn"}
        assert all(s.name is None and s.email is None for s in signatures)
        queued = db.session.scalars(sa.select(OutboxMail.recipient).where(
            OutboxMail.status == "queued")).all()
        assert not any("racer" in recipient for recipient in queued)
    assert client.get(f"/api/letters/{slug}").json["counts"]["total"] == 0


def test_a_burst_of_sign_forms_for_one_address_sends_one_mail(app, staff, mailbox, served):
    slug = staff.publish_letter()
    visitor = HttpBrowser(served)
    visitor.get(f"/letters/{slug}/sign")
    statuses = _all_at_once(24, lambda _: visitor.post(f"/letters/{slug}/sign", SIGNER))
    assert set(statuses) == {303}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 1
    staff.send_mail()
    assert len(mailbox.to(SIGNER["email"])) == 1


def test_two_invitation_runs_at_once_invite_each_person_once(app, staff, mailbox, environment):
    slug = staff.publish_letter()
    towns = [row.name for row in shipped_rows() if row.kind == "municipality"][:40]
    rows = "\n".join(f"Wethouder {n},wethouder{n}@gemeente{n}.nl,alderperson,\"{town}\""
                     for n, town in enumerate(towns))
    path = staff.write("invitees.csv", "name,email,kind,municipality\n" + rows + "\n")
    env, _ = environment
    results = _all_at_once(2, lambda _: flask_command(env, "letters", "invite", slug, path,
                                                      check=False))
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "@gemeente" not in result.stderr
    invited = sorted(int(r.stdout.split()[0]) for r in results)
    assert sum(invited) == 40
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 40
    staff.send_mail()
    assert len(mailbox.messages) == 40


def test_a_sign_form_racing_an_uncommitted_signature_of_its_address_still_queues_its_mail(
        app, staff, database_url, environment):
    """The one-statement write cannot see a row committed after it began: it falls back to
    looking again, so the form's mail and audit event are never lost."""
    from campaign.letters.queries import find_public_letter
    from campaign.signatures.operations import SignerDetails, submit_signature

    slug = staff.publish_letter()
    with app.app_context():
        letter_id = find_public_letter(slug).id
    other = sa.create_engine(database_url)
    email = "racer@example.org"
    with other.connect() as first:
        first.execute(Signature.__table__.insert().values(
            letter_id=letter_id, email=email, state="pending", kind="individual", name="Eerste",
            public=False, lead=False, invited=False, token_nonce="n" * 16, review="not_needed",
            name_key="eerste", municipality_key="", organisation_key="", search_key="eerste"))

        def sign_meanwhile():
            with app.app_context():
                letter = find_public_letter(slug)
                submit_signature(letter, SignerDetails(kind="individual", name="Tweede",
                                                       email=email))
                db.session.commit()

        racer = threading.Thread(target=sign_meanwhile)
        racer.start()
        racer.join(1.0)
        assert racer.is_alive(), "the second insert waits on the first one's unique key"
        first.commit()
        racer.join(30)
    other.dispose()
    with app.app_context():
        ids = db.session.scalars(sa.select(Signature.id).where(Signature.email == email)).all()
        assert len(ids) == 1
        mails = db.session.scalars(sa.select(OutboxMail.template)
                                   .where(OutboxMail.signature_id == ids[0])).all()
        assert mails == ["sign_request"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.signature_id == ids[0],
            AuditEvent.action == "signature.submitted")) == 1
