"""A new user's first run: settings, the schema from migrations, the demo letter, and the whole
path through gunicorn with mail written to files and the confirm link taken from the log."""
from __future__ import annotations

import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from campaign.config import from_environment
from campaign.extensions import db
from helpers.pages import csrf_token, visible_text
from helpers.servers import flask_command, free_port, fresh_user_environment, gunicorn

BIN = Path(sys.executable).parent


def test_migrations_build_exactly_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_development_secret_key_is_made_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = from_environment(tmp_path)["SECRET_KEY"]
    assert len(first) > 40
    assert from_environment(tmp_path)["SECRET_KEY"] == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert from_environment(tmp_path)["SECRET_KEY"] == "from-the-environment"


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/campaign")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.nl")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("BASE_URL", "https://brieven.example.nl/")
    settings = from_environment(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/campaign"
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"], settings["MAIL_USE_TLS"]) == \
        ("smtp.example.nl", 587, True)
    assert settings["BASE_URL"] == "https://brieven.example.nl"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("MAIL_SERVER")
    defaults = from_environment(tmp_path)
    assert defaults["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'campaign.sqlite'}"
    assert defaults["MAIL_SERVER"] is None


def test_demo_command_makes_a_letter_with_signatures(app, staff, client):
    result = staff.run("demo", "--signatures", "25")
    assert result.exit_code == 0
    slug = result.output.strip()
    counts = client.get(f"/api/letters/{slug}").json["counts"]
    assert counts["total"] == 25 and counts["alderperson"] + counts["organisation"] == 25
    assert "Marieke de Groot, wethouder gemeente Utrecht" in visible_text(
        client.get(f"/letters/{slug}").text)
    assert staff.run("demo-if-empty").output == ""  # a letter exists: make run adds none
    assert staff.run("demo").output.strip() == slug + "-2"


@pytest.fixture
def new_user_env(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the embedded default is SQLite")
    port = free_port()
    return fresh_user_environment(tmp_path, port), port


def test_new_user_signs_the_demo_letter_through_gunicorn(new_user_env):
    env, port = new_user_env
    flask_command(env, "db", "upgrade")
    printed = flask_command(env, "demo-if-empty").stdout
    slug = re.search(r"Demo letter: \S+/letters/(\S+)", printed).group(1)
    admin, password = re.search(r"log in as (\S+) with password (\S+)", printed).groups()
    with gunicorn(env, port) as base:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(f"{base}/letters/{slug}/sign", timeout=5).read().decode()
        form = {"csrf_token": csrf_token(page), "kind": "alderperson", "name": "Nieuwe Gebruiker",
                "municipality": "Ommen", "email": "nieuw@ommen.nl", "public": "y", "consent": "y"}
        opener.open(f"{base}/letters/{slug}/sign", urllib.parse.urlencode(form).encode(), timeout=5)
        sent = flask_command(env, "outbox", "send", "--once")
        link = re.search(r"Link in that mail \(.*\): (\S+)", sent.stderr).group(1)
        assert list((Path(env["INSTANCE_PATH"]) / "mail").glob("*.eml"))

        confirm_page = opener.open(link, timeout=5).read().decode()
        done = opener.open(link, urllib.parse.urlencode(
            {"csrf_token": csrf_token(confirm_page)}).encode(), timeout=5)
        assert done.status == 200
        letter = opener.open(f"{base}/letters/{slug}", timeout=5).read().decode()
        assert "Nieuwe Gebruiker, wethouder gemeente Ommen" in visible_text(letter)

        # The demo admin printed once can log in to the workspace.
        login = opener.open(f"{base}/staff/login", timeout=5).read().decode()
        workspace = opener.open(f"{base}/staff/login", urllib.parse.urlencode(
            {"csrf_token": csrf_token(login), "email": admin, "password": password}).encode(),
            timeout=5)
        assert workspace.url == f"{base}/staff/" and "Werkplek" in workspace.read().decode()


def test_a_new_instance_folder_is_made_even_with_a_secret_key_set(tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from campaign import create_app
    monkeypatch.setenv("SECRET_KEY", "set-by-the-operator")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "nieuw" / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert (instance / "campaign.sqlite").exists()
