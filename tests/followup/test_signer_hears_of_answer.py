"""A signer who ticks "mail me" on the sign form (never ticked for them) hears of their letter
twice: once when it is delivered and once when it is answered, in the letter's language, with
their withdraw link, through the outbox and the real SMTP server. Exactly once per event, even
when staff save the answer again or two calls race; nobody who did not ask, did not confirm,
was rejected or withdrew gets anything. The mails are queued in bulk: a constant number of
statements however many signers asked."""
from __future__ import annotations

import re
import threading

import sqlalchemy as sa

from campaign.extensions import db
from campaign.followup.models import SignerNotice
from campaign.followup.notifications import notify_signers
from campaign.letters.models import Letter
from campaign.mail.models import OutboxMail
from campaign.signatures.models import Signature
from campaign.signatures.operations import withdraw_signature
from helpers.delivery import MINISTRY, deliver
from helpers.factories import letter_file
from helpers.followup import mark_delivered
from helpers.mail import body_of, links_in
from helpers.pages import Browser, path_of
from helpers.signers import SIGNER
from helpers.staff_browser import StaffBrowser

SLUG = "gelijke-kansen"


def notify(app, event: str, slug: str = SLUG) -> int:
    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
        queued = notify_signers(letter, event)
        db.session.commit()
        return queued


def sign_and_confirm(app, staff, mailbox, signer: dict) -> None:
    browser = Browser(app.test_client())
    assert browser.submit(f"/letters/{SLUG}/sign", signer).status_code == 303
    staff.send_mail()
    confirm = next(link for link in links_in(mailbox.last_to(signer["email"]))
                   if "/confirm/" in link)
    assert browser.submit(path_of(confirm)).status_code == 200


def subject(mail) -> str:
    return " ".join(mail["Subject"].split())  # unfolded


def mails_about(mailbox, address: str, words: str) -> list:
    return [m for m in mailbox.to(address) if words in m["Subject"]]


def test_the_notify_box_is_offered_unticked_and_stored_as_the_signer_chose(app, staff, browser):
    staff.publish_letter(SLUG)
    form = browser.get(f"/letters/{SLUG}/sign").text
    [box] = re.findall(r'<input[^>]*name="notify"[^>]*>', form)
    assert 'type="checkbox"' in box and "checked" not in box
    assert "Mail mij één keer wanneer de brief is aangeboden" in form

    assert browser.submit(f"/letters/{SLUG}/sign", {**SIGNER, "notify": "y"}).status_code == 303
    assert browser.submit(f"/letters/{SLUG}/sign",
                          {**SIGNER, "email": "p.pieters@utrecht.nl"}).status_code == 303
    with app.app_context():
        chosen = dict(db.session.execute(
            sa.select(Signature.email, Signature.notify_updates)).all())
    assert chosen == {"j.jansen@utrecht.nl": True, "p.pieters@utrecht.nl": False}


def test_a_signer_who_asked_hears_once_of_delivery_and_once_of_the_answer(
        app, staff, factories, mailbox):
    staff.publish_letter(SLUG)
    sign_and_confirm(app, staff, mailbox, {**SIGNER, "notify": "y"})
    sign_and_confirm(app, staff, mailbox, {**SIGNER, "name": "Piet Pieters",
                                           "email": "p.pieters@utrecht.nl"})
    never_confirmed = Browser(app.test_client())
    assert never_confirmed.submit(f"/letters/{SLUG}/sign", {
        **SIGNER, "email": "k.klaassen@utrecht.nl", "notify": "y"}).status_code == 303
    factories.signatures(SLUG, [
        {"name": "Afgewezen", "municipality": "Ede", "review": "rejected", "notify_updates": True,
         "email": "afgewezen@ede.nl"},
        {"name": None, "state": "withdrawn", "email": None, "notify_updates": True}])
    staff.send_mail()
    mailbox.clear()

    mark_delivered(app, SLUG)
    assert notify(app, "delivered") == 1
    assert notify(app, "delivered") == 0  # deliver() called again: nobody is told twice
    assert staff.send_mail().sent == 1
    [delivered] = mailbox.messages
    assert delivered["To"] == "j.jansen@utrecht.nl"
    assert subject(delivered) == ("De brief die u ondertekende is aangeboden: "
                                    "Open brief over gelijke kansen")
    text = body_of(delivered)
    assert "Jan Jansen" in text and "Open brief over gelijke kansen" in text
    links = links_in(delivered)
    assert f"http://campaign.test/letters/{SLUG}#timeline" in links
    withdraw = next(link for link in links if "/withdraw/" in link)
    assert app.test_client().get(path_of(withdraw)).status_code == 200

    editor = StaffBrowser(app.test_client())
    assert editor.log_in(factories.staff_user("editor")).status_code == 303
    from campaign.core.timeutil import today_where_signed
    today = today_where_signed().isoformat()
    answer = {"answered_on": today, "text": "Wij danken u voor uw brief."}
    assert editor.post(f"/staff/letters/{SLUG}/follow-up/answer", answer,
                       content_type="multipart/form-data").status_code == 303
    # Staff correct the answer: saved again, mailed to nobody again.
    assert editor.post(f"/staff/letters/{SLUG}/follow-up/answer",
                       {**answer, "text": "Wij danken u hartelijk voor uw brief."},
                       content_type="multipart/form-data").status_code == 303
    assert notify(app, "answered") == 0
    assert staff.send_mail().sent == 1
    [answered] = mails_about(mailbox, "j.jansen@utrecht.nl", "Er is antwoord")
    assert subject(answered) == ("Er is antwoord op de brief die u ondertekende: "
                                   "Open brief over gelijke kansen")
    assert "geantwoord" in body_of(answered)
    assert any("/withdraw/" in link for link in links_in(answered))

    assert len(mailbox.messages) == 2  # Piet, Klaassen, the rejected and withdrawn: nothing
    assert staff.send_mail().sent == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignerNotice)) == 2


def test_an_english_letter_tells_its_signers_in_english(app, staff, factories, mailbox):
    path = staff.write("letter.md", letter_file("equal-chances", language="en"))
    assert staff.run("letters", "import", path, "--publish").exit_code == 0
    factories.signatures("equal-chances", [{"name": "Ann Smith", "municipality": "Ede",
                                             "notify_updates": True}])
    mark_delivered(app, "equal-chances")
    assert notify(app, "delivered", "equal-chances") == 1
    staff.send_mail()
    [mail] = mailbox.messages
    assert subject(mail).startswith("The letter you signed has been delivered:")
    assert "To withdraw your signature, open this link:" in body_of(mail)


def test_a_signer_who_withdraws_before_the_mail_goes_gets_nothing(app, staff, factories,
                                                                 mailbox):
    staff.publish_letter(SLUG)
    [signature_id] = factories.signatures(SLUG, [{"name": "Ann", "municipality": "Ede",
                                                 "notify_updates": True}])
    mark_delivered(app, SLUG)
    assert notify(app, "delivered") == 1
    with app.app_context():
        withdraw_signature(db.session.get(Signature, signature_id))
        db.session.commit()
    assert staff.send_mail().sent == 0
    assert mailbox.messages == []


def test_two_calls_at_once_queue_one_mail_per_signer(app, staff, factories, mailbox):
    staff.publish_letter(SLUG)
    factories.signatures(SLUG, [{"name": f"Wethouder {n}", "municipality": "Ede",
                                 "notify_updates": True} for n in range(40)])
    mark_delivered(app, SLUG)
    start = threading.Barrier(2)
    results, errors = [], []

    def call():
        try:
            with app.app_context():
                letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
                start.wait()
                results.append(notify_signers(letter, "answered"))
                db.session.commit()
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [0, 40]
    with app.app_context():
        mails = db.session.scalars(sa.select(OutboxMail.recipient).where(
            OutboxMail.template == "followup_answered")).all()
    assert len(mails) == len(set(mails)) == 40
    assert staff.send_mail().sent == 40
    assert len({m["To"] for m in mailbox.messages}) == 40


def test_the_mails_are_queued_in_a_constant_number_of_statements(app, staff, factories):
    def statements_to_notify(slug: str) -> int:
        seen = []
        with app.app_context():
            engine = db.engine
            letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))

            def count(conn, cursor, statement, *args):
                seen.append(statement)
            sa.event.listen(engine, "before_cursor_execute", count)
            try:
                queued = notify_signers(letter, "delivered")
                db.session.commit()
            finally:
                sa.event.remove(engine, "before_cursor_execute", count)
        return queued, len(seen)

    for slug, number in (("klein", 3), ("groot", 400)):
        staff.publish_letter(slug)
        factories.signatures(slug, [{"name": f"W {n}", "municipality": "Ede",
                                     "notify_updates": True} for n in range(number)])
        mark_delivered(app, slug)
    small, big = statements_to_notify("klein"), statements_to_notify("groot")
    assert small[0] == 3 and big[0] == 400
    assert small[1] == big[1] <= 6


def test_delivering_the_letter_tells_the_signers_who_asked_once(app, staff, mailbox):
    staff.publish_letter(SLUG)
    sign_and_confirm(app, staff, mailbox, {**SIGNER, "notify": "y"})
    mailbox.clear()

    assert deliver(staff, SLUG).exit_code == 0
    assert deliver(staff, SLUG, "--again").exit_code == 0
    staff.send_mail()
    told = mails_about(mailbox, "j.jansen@utrecht.nl", "aangeboden")
    assert len(told) == 1  # delivered twice, told once
    assert len(mailbox.to(MINISTRY)) == 2  # a cover mail per delivery
    page = app.test_client().get(f"/letters/{SLUG}").text
    timeline = page[page.index('id="timeline"'):]
    assert f"aan {MINISTRY}" in timeline and "/verify/" in timeline
