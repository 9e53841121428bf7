"""The database goes away while the site runs (a TCP proxy between the app and PostgreSQL, cut
and restored): visitors get a clean 503 with Retry-After and the friendly page, the API a JSON
503, nothing is half-written, and once the database is back the site works again without a
restart. PostgreSQL only: SQLite is a file, it cannot go away like this."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from campaign.extensions import db
from campaign.signatures.models import Signature
from helpers.faults import TcpProxy
from helpers.pages import csrf_token, visible_text
from helpers.signers import SIGNER
from helpers.staff import Staff


@pytest.fixture
def cut_able(make_app, database_url, tmp_path):
    """(app, proxy, slug): the app reaching PostgreSQL through a proxy that can be cut."""
    if database_url.startswith("sqlite"):
        pytest.skip("the database cut needs PostgreSQL (a server to cut off)")
    make_app()  # the first app made empties the tables afterwards: one not behind the proxy
    url = make_url(database_url)
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False)
        app = make_app(SQLALCHEMY_DATABASE_URI=through, SQLALCHEMY_ENGINE_OPTIONS={
            "pool_pre_ping": True, "connect_args": {"connect_timeout": 2}})
        slug = Staff(app, tmp_path).publish_letter()
        yield app, proxy, slug
        with app.app_context():
            db.engine.dispose()


def _assert_unavailable(response, api: bool = False):
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    if api:
        assert response.json == {"error": "temporarily unavailable"}
    else:
        text = visible_text(response.text)
        assert "Tijdelijk niet beschikbaar" in text or "Temporarily unavailable" in text
        assert "Traceback" not in response.text and "psycopg" not in response.text


def _signatures(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Signature))


def test_cut_database_gives_503_then_recovers_without_restart(cut_able):
    app, proxy, slug = cut_able
    client = app.test_client()
    page = client.get(f"/letters/{slug}/sign")
    assert page.status_code == 200
    token = csrf_token(page.text)
    assert client.get(f"/api/letters/{slug}").status_code == 200

    proxy.cut()
    _assert_unavailable(client.get(f"/letters/{slug}"))
    _assert_unavailable(client.get(f"/api/letters/{slug}"), api=True)
    _assert_unavailable(client.post(f"/letters/{slug}/sign",
                                    data={**SIGNER, "csrf_token": token}))
    _assert_unavailable(client.get(f"/letters/{slug}"))  # and again: nothing stuck

    proxy.restore()
    assert client.get(f"/letters/{slug}").status_code == 200
    assert client.get(f"/api/letters/{slug}").status_code == 200
    assert _signatures(app) == 0  # the sign POST during the cut left nothing behind
    response = client.post(f"/letters/{slug}/sign", data={**SIGNER, "csrf_token": token})
    assert response.status_code == 303
    assert _signatures(app) == 1


def test_cut_in_the_middle_of_a_request_gives_503_not_a_bare_500(cut_able):
    """The connection dies after the request has used it: the view's next statement, the
    rollback in the error handler and the session's teardown all meet a dead connection."""
    app, proxy, slug = cut_able

    @app.before_request
    def cut_after_first_use():
        if app.config.get("CUT_NOW"):
            db.session.execute(sa.text("SELECT 1"))  # the request holds a connection now
            proxy.cut()

    client = app.test_client()
    token = csrf_token(client.get(f"/letters/{slug}/sign").text)
    app.config["CUT_NOW"] = True
    _assert_unavailable(client.post(f"/letters/{slug}/sign",
                                    data={**SIGNER, "csrf_token": token}))
    app.config["CUT_NOW"] = False
    _assert_unavailable(client.get(f"/letters/{slug}"))
    proxy.restore()
    assert client.get(f"/letters/{slug}").status_code == 200
    assert _signatures(app) == 0
