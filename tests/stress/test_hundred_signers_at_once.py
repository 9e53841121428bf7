"""A hundred signers at once for a minute, against gunicorn (the shipped gunicorn.conf.py) and
PostgreSQL, rate limits off: no 5xx, every accepted signature stored once with its mail queued,
and the counts (queries and API) equal to the rows. Some signers press the button twice.

Run by `make stress` (STRESS=1); STRESS_SIGNERS and STRESS_SECONDS change the load, STRESS_CONFIRMS
how many of the signatures are then confirmed through their mail. Figures are printed as JSON
lines."""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.letters.models import Letter
from campaign.mail.models import OutboxMail
from campaign.mail.outbox import send_due
from campaign.signatures.models import Signature
from campaign.signatures.queries import counts, letters_overview
from helpers.mail import links_in
from helpers.pages import CSRF, path_of
from helpers.servers import flask_command, free_port, fresh_user_environment, gunicorn
from helpers.staff import LETTER_FILE

SIGNERS = int(os.environ.get("STRESS_SIGNERS", "100"))
SECONDS = float(os.environ.get("STRESS_SECONDS", "60"))
CONFIRMS = int(os.environ.get("STRESS_CONFIRMS", "300"))
SLUG = "gelijke-kansen"
CLOSE = {"Connection": "close"}

pytestmark = pytest.mark.skipif(not os.environ.get("STRESS"),
                                reason="load test: run by make stress (STRESS=1)")


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    get_seconds: list[float] = field(default_factory=list)
    post_seconds: list[float] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)  # a POST whose answer never came
    errors: Counter = field(default_factory=Counter)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else (values or [0])[0]


def _figure(name: str, value: float, unit: str, **figures) -> None:
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit, **figures}),
          flush=True)


async def _signer(number: int, base: str, until: float, tally: Tally) -> None:
    """One signer after another at one keyboard: open the form, sign with a new address (every
    fifth time the previous one again, as someone pressing twice), until time is up."""
    done = 0
    # A connection per request: on a machine this loaded, the client itself may take longer
    # than gunicorn's keep-alive (5 s) between the form and the POST, and a POST on a connection
    # the server just closed is lost (browsers open a new one). One client per keyboard (making
    # an httpx client costs more CPU than a request); each new signer starts without cookies.
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=CLOSE) as client:
        while time.monotonic() < until:
            email = f"s{number}-{done - (done % 5 == 4)}@stress.example.nl"
            client.cookies.clear()
            try:
                started = time.monotonic()
                page = await client.get(f"/letters/{SLUG}/sign")
                tally.get_seconds.append(time.monotonic() - started)
                tally.statuses[page.status_code] += 1
                match = CSRF.search(page.text)
                if page.status_code != 200 or not match:
                    continue
                form = {"kind": "individual", "name": f"Ondertekenaar {number} {done}",
                        "role": "", "municipality": "", "organisation": "", "email": email,
                        "website": "", "public": "y", "consent": "y",
                        "csrf_token": match.group(1) or match.group(2)}
                started = time.monotonic()
                tally.unanswered.add(email)
                answer = await client.post(f"/letters/{SLUG}/sign", data=form)
                tally.unanswered.discard(email)
                tally.post_seconds.append(time.monotonic() - started)
                tally.statuses[answer.status_code] += 1
                if answer.status_code == 303:
                    tally.accepted.add(email)
            except httpx.HTTPError as error:
                tally.errors[type(error).__name__] += 1
            done += 1


async def _load(base: str) -> tuple[Tally, float]:
    tally = Tally()
    started = time.monotonic()
    until = started + SECONDS
    await asyncio.gather(*(_signer(n, base, until, tally) for n in range(SIGNERS)))
    return tally, time.monotonic() - started


async def _confirm_all(base: str, paths: list[str]) -> Counter:
    statuses: Counter = Counter()
    limit = asyncio.Semaphore(SIGNERS)

    async def confirm(path: str) -> None:
        async with limit, httpx.AsyncClient(base_url=base, timeout=60, headers=CLOSE) as client:
            page = await client.get(path)
            match = CSRF.search(page.text)
            statuses[page.status_code] += 1
            if match:
                answer = await client.post(path, data={"csrf_token": match.group(1) or
                                                       match.group(2)})
                statuses[answer.status_code] += 1

    await asyncio.gather(*(confirm(path) for path in paths))
    return statuses


@pytest.fixture
def site(database_url, make_app, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("the load test runs on PostgreSQL: set TEST_DATABASE_URL")
    app = make_app()
    port = free_port()
    env = fresh_user_environment(tmp_path, port, DATABASE_URL=database_url,
                                 SECRET_KEY="test-secret", RATELIMIT_ENABLED="false")
    letter = tmp_path / "letter.md"
    letter.write_text(LETTER_FILE.format(slug=SLUG, moderation="none",
                                         kinds="alderperson, organisation, individual"))
    done = flask_command(env, "letters", "import", str(letter), "--publish")
    assert done.returncode == 0, done.stderr
    with gunicorn(env, port, workers=2) as base:
        yield app, base


def test_a_hundred_signers_at_once_lose_nothing(site, mailbox, capsys):
    app, base = site
    tally, elapsed = asyncio.run(_load(base))
    requests = len(tally.get_seconds) + len(tally.post_seconds)
    with capsys.disabled():
        print()
        _figure("stress_requests_per_s", requests / elapsed, "1/s", requests=requests,
                seconds=round(elapsed, 1), signers=SIGNERS)
        _figure("stress_sign_posts_per_s", len(tally.post_seconds) / elapsed, "1/s",
                posts=len(tally.post_seconds), accepted_addresses=len(tally.accepted))
        for name, values in (("sign_form_get", tally.get_seconds),
                             ("sign_post", tally.post_seconds)):
            _figure(f"stress_{name}_p95", _p95(values) * 1000, "ms",
                    median_ms=round(statistics.median(values) * 1000, 1))
        _figure("stress_statuses", sum(tally.statuses.values()), "responses",
                statuses=dict(tally.statuses), client_errors=dict(tally.errors))
    assert not [status for status in tally.statuses if status >= 500], tally.statuses
    assert set(tally.statuses) <= {200, 303}, tally.statuses

    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        stored = Counter(db.session.scalars(
            sa.select(Signature.email).where(Signature.letter_id == letter.id)))
        assert not [email for email, times in stored.items() if times > 1], "stored twice"
        assert tally.accepted <= set(stored)
        assert set(stored) - tally.accepted <= tally.unanswered - tally.accepted
        unmailed = db.session.scalar(
            sa.select(sa.func.count()).select_from(Signature)
            .where(Signature.letter_id == letter.id, ~sa.exists().where(
                OutboxMail.signature_id == Signature.id)))
        assert unmailed == 0, f"{unmailed} signatures without their mail"
        [overview] = [entry for entry in letters_overview() if entry.letter.id == letter.id]
        assert overview.pending == len(stored)
        queued = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail))
    assert not tally.errors, f"connections lost: {tally.errors}"

    # Some of them confirm through the link in their mail, all at once.
    started = time.monotonic()
    with app.app_context():
        report = send_due(limit=CONFIRMS)
    sent_seconds = time.monotonic() - started
    first_mail = {mail["To"]: mail for mail in reversed(mailbox.messages)}  # one per signer
    paths = [path_of(links_in(mail)[0]) for mail in first_mail.values()]
    # A mail rendered when sent is skipped when it is no longer needed (the signer pressed again
    # and a newer mail carries the link): skipped, never lost.
    assert report.failed == report.retried == 0, report
    assert len(mailbox.messages) == report.sent
    assert report.sent + report.skipped == min(CONFIRMS, queued), report
    started = time.monotonic()
    confirmed = asyncio.run(_confirm_all(base, paths))
    confirm_seconds = time.monotonic() - started
    with capsys.disabled():
        _figure("stress_outbox_mails_per_s", len(paths) / sent_seconds, "1/s", mails=len(paths),
                queued=queued)
        _figure("stress_confirms_per_s", len(paths) / confirm_seconds, "1/s",
                statuses=dict(confirmed))
    assert set(confirmed) == {200}, confirmed

    with app.app_context():
        letter = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        counted_rows = db.session.scalar(sa.select(sa.func.count()).select_from(Signature).where(
            Signature.letter_id == letter.id, Signature.counted()))
        letter_counts = counts(letter)
        [overview] = [entry for entry in letters_overview() if entry.letter.id == letter.id]
    assert counted_rows == len(paths)
    assert letter_counts.total == letter_counts.individual == counted_rows
    assert overview.counted == counted_rows and overview.pending == len(stored) - counted_rows
    api = httpx.get(f"{base}/api/letters/{SLUG}", timeout=30).json()
    assert api["counts"]["total"] == counted_rows
