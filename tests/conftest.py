"""Fixtures: the app on SQLite (and on PostgreSQL when TEST_DATABASE_URL is set), a real SMTP
sink (aiosmtpd), staff at the command line, a signer's browser, and factories for letters and
signatures. The helpers behind them live in tests/helpers/."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask_migrate import upgrade

from campaign import create_app, register_models
from campaign.extensions import db
from helpers.browsers import served_app
from helpers.factories import Factories
from helpers.mail import Mailbox
from helpers.pages import BASE_URL, Browser
from helpers.servers import free_port
from helpers.staff import Staff

# Every table's class imported before any test builds a model object, also a test that runs
# first and needs no app (relationships name classes of other modules by string).
register_models()

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


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
        _remember_shipped_directory()
        db.session.remove()  # give its connection back before the pool is closed
        db.engine.dispose()
    return url


# The directory is data the migrations ship: tests keep it, and drop what they added to it.
DIRECTORY_TABLES = ("directory_entry", "directory_name", "directory_domain")
SHIPPED_DIRECTORY: dict[str, int] = {}


def _remember_shipped_directory() -> None:
    for name in DIRECTORY_TABLES:
        table = db.metadata.tables[name]
        SHIPPED_DIRECTORY[name] = db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0


def _empty_all_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        if table.name in DIRECTORY_TABLES:
            db.session.execute(table.delete().where(table.c.id > SHIPPED_DIRECTORY[table.name]))
        else:
            db.session.execute(table.delete())
    db.session.execute(db.metadata.tables["directory_entry"].update().values(active=True))
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
            # Tests read pages right after writes made elsewhere (CLI, other processes);
            # tests/public/test_busy_letter_is_served_from_memory.py turns the cache on.
            "PAGE_CACHE_SECONDS": 0,
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


@pytest.fixture
def staff(app, tmp_path) -> Staff:
    return Staff(app, tmp_path)


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def factories(app) -> Factories:
    return Factories(app)


@pytest.fixture
def served(make_app, database_url):
    """The app on a local port for a real browser: (app, base_url). SQLite only: what a browser
    sees does not depend on the database."""
    if not database_url.startswith("sqlite"):
        pytest.skip("what the browser sees does not depend on the database")
    with served_app(make_app) as served:
        yield served
