"""Fixtures: the app on SQLite (and on PostgreSQL when TEST_DATABASE_URL is set), a real SMTP
sink (aiosmtpd), and small helpers that act as a browser and as staff at the command line."""
from __future__ import annotations

import email
import email.policy
from html import unescape
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask_migrate import upgrade

from campaign import create_app
from campaign.extensions import db
from campaign.models import OutboxMail
from campaign.outbox import send_due

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
BASE_URL = "http://campaign.test"


# --- the SMTP sink -----------------------------------------------------------------------------

@dataclass
class Mailbox:
    """Every message the app handed to the SMTP server, parsed."""
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: bool = False

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        if self.refuse:
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
        self.refuse = False

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; mail went to {[m['To'] for m in self.messages]}"
        return found[-1]


def body_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return re.findall(r"https?://\S+", body_of(message))


def visible_text(html: str) -> str:
    """What a reader sees of a page: tags dropped, entities resolved."""
    return unescape(re.sub(r"<[^>]+>", "", html)).replace("\u00a0", " ")


def path_of(url: str) -> str:
    assert url.startswith(BASE_URL), url
    return url[len(BASE_URL):]


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = Mailbox()
    mailbox.port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


# --- the app as a server ----------------------------------------------------------------------

PROJECT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask_command(env: dict, *args: str) -> subprocess.CompletedProcess:
    """`flask --app wsgi ARGS` in a process of its own, as a user would run it."""
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], env=env, check=True,
                          capture_output=True, text=True, cwd=PROJECT)


def fresh_user_environment(tmp_path: Path, port: int, **settings: str) -> dict:
    """The environment of a user who set nothing of ours but `settings`, serving on `port`."""
    ours = ("MAIL_", "DATABASE_URL", "SECRET_KEY", "BASE_URL", "RATELIMIT_", "SIGN_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), BASE_URL=f"http://127.0.0.1:{port}",
               PYTHONWARNINGS="ignore", **settings)
    return env


@contextmanager
def gunicorn(env: dict, port: int, workers: int = 2):
    """The app served by gunicorn, the production server, until the block ends."""
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "wsgi:app"], env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/privacy", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- the database and the app ------------------------------------------------------------------

def _postgres_url() -> str:
    url = os.environ["TEST_DATABASE_URL"]
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    """A database whose schema was built by the migrations, once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite'}"
    else:
        url = _postgres_url()
        engine = sa.create_engine(url)
        with engine.begin() as connection:  # a database left over from an earlier local run
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url, smtp_server, tmp_path):
    """Build an app on the test database; keyword arguments override settings."""
    made = []

    def make(**overrides):
        settings = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret",
            "BASE_URL": BASE_URL,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_server.port,
            "MAIL_DEFAULT_SENDER": "Campagne <campagne@campaign.test>",
            "MAIL_DIRECTORY": str(tmp_path / "instance" / "mail"),
            "RATELIMIT_ENABLED": False,
        }
        settings.update(overrides)
        app = create_app(settings)
        made.append(app)
        return app

    yield make
    if made:
        with made[0].app_context():
            _empty_all_tables()
            db.engine.dispose()
        for app in made[1:]:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- acting as staff and as signers ------------------------------------------------------------

LETTER_FILE = """\
---
title: Open brief over gelijke kansen
slug: {slug}
kind: letter
language: nl
addressee: |
  Aan de minister van Onderwijs, Cultuur en Wetenschap
  Postbus 16375
  2500 BJ Den Haag
place: Utrecht
date: 2021-01-29
salutation: Geachte minister,
closing: Hoogachtend,
letterhead: |
  Gemeente Utrecht
  Postbus 16200, 3500 CE Utrecht
  www.utrecht.nl
  KvK 30280353
signatory_kinds: [{kinds}]
moderation: {moderation}
---
Wij vragen u om **gelijke kansen** voor ieder kind.

## Wat wij vragen

1. Structurele middelen.
2. Minder formulieren.
"""


@dataclass
class Staff:
    """Campaign staff at the command line."""
    app: object
    tmp_path: Path

    def run(self, *args: str):
        return self.app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)

    def write(self, name: str, text: str) -> str:
        path = self.tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def publish_letter(self, slug: str = "gelijke-kansen", *, moderation: str = "unverified",
                       kinds: str = "alderperson, organisation, individual") -> str:
        path = self.write(f"{slug}.md", LETTER_FILE.format(slug=slug, moderation=moderation,
                                                           kinds=kinds))
        result = self.run("letters", "import", path, "--publish")
        assert result.exit_code == 0, result.output
        return result.output.strip()

    def invite(self, slug: str, csv_text: str):
        return self.run("letters", "invite", slug, self.write("invitees.csv", csv_text))

    def send_mail(self):
        with self.app.app_context():
            return send_due()

    def let_time_pass(self, minutes: int = 11) -> None:
        """Make every mail so far older, as if the signer came back later."""
        with self.app.app_context():
            for mail in db.session.scalars(sa.select(OutboxMail)):
                mail.created_at -= timedelta(minutes=minutes)
            db.session.commit()


@pytest.fixture
def staff(app, tmp_path) -> Staff:
    return Staff(app, tmp_path)


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@dataclass
class Browser:
    """A signer's browser: GETs a page, then submits its form with the page's CSRF token."""
    client: object
    token: str | None = None

    def get(self, path: str):
        return self.client.get(path)

    def submit(self, path: str, data: dict | None = None, form_page: str | None = None):
        page = self.client.get(form_page or path)
        assert page.status_code == 200, page.status_code
        self.token = csrf_token(page.text)
        return self.post(path, data)

    def post(self, path: str, data: dict | None = None):
        """POST with the CSRF token of the last form this browser saw (as a second tab would)."""
        assert self.token, "no form seen yet"
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})})


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


SIGNER = {
    "kind": "alderperson",
    "name": "Jan Jansen",
    "role": "wethouder",
    "municipality": "Utrecht",
    "organisation": "",
    "email": "j.jansen@utrecht.nl",
    "website": "https://www.utrecht.nl",
    "public": "y",
    "consent": "y",
}
