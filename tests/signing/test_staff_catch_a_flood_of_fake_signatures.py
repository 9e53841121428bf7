"""Staff catch a flood of fake signatures: the fraud report shows per hour which mail domains and
client networks signed most (networks only as keyed hashes, never an address), a bulk
invalidation shows what it will touch before it does, is audited, and can be undone; the hashes
are dropped after the retention period."""
from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from campaign.audit.models import AuditEvent
from campaign.core.timeutil import utcnow
from campaign.extensions import db
from campaign.signatures.models import Signature
from helpers.pages import Browser
from helpers.signers import SIGNER

FLOODER = "203.0.113.66"


def _sign_from(app, slug: str, address: str, email: str) -> None:
    browser = Browser(app.test_client())
    browser.client.environ_base["REMOTE_ADDR"] = address
    signer = {**SIGNER, "kind": "organisation", "municipality": "", "organisation": "Stichting",
              "website": "", "email": email}
    assert browser.submit(f"/letters/{slug}/sign", signer).status_code == 303


def _flooded_letter(app, staff) -> str:
    slug = staff.publish_letter(moderation="none")
    for number in range(6):
        _sign_from(app, slug, FLOODER, f"nep{number}@wegwerp.example")
    _sign_from(app, slug, "198.51.100.1", "echt@dezon.nl")
    _sign_from(app, slug, "2001:db8:5:6::1", "ook.echt@utrecht.nl")
    return slug


def _reviews(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Signature.email, Signature.review)).all())


def test_the_report_names_the_domain_and_network_signing_most(app, staff):
    slug = _flooded_letter(app, staff)
    report = staff.run("signatures", "report", slug)
    assert report.exit_code == 0, report.output
    [header, hour] = report.output.strip().splitlines()
    _, signed, domains, networks = hour.split("\t")
    assert signed == "8" and domains.startswith("wegwerp.example 6")
    top_network, count = networks.split(", ")[0].split(" ")
    assert count == "6" and len(top_network) == 32
    assert FLOODER not in report.output and "203.0.113" not in report.output
    with app.app_context():
        stored = db.session.scalars(sa.select(Signature.client_network_hash)).all()
    assert top_network in stored and not any("203.0.113" in h for h in stored)


def test_a_bulk_invalidation_is_previewed_audited_and_undone(app, staff, client):
    slug = _flooded_letter(app, staff)
    network = staff.run("signatures", "report", slug).output.splitlines()[1].split("\t")[3]
    network = network.split(" ")[0]
    preview = staff.run("signatures", "invalidate", slug, "--network", network)
    assert "6 signature(s) would be rejected" in preview.output
    assert set(_reviews(app).values()) == {"not_needed"}  # nothing touched yet
    done = staff.run("signatures", "invalidate", slug, "--network", network, "--yes")
    assert done.exit_code == 0 and "6 signature(s) rejected" in done.output
    reviews = _reviews(app)
    assert [e for e, r in reviews.items() if r == "rejected"] == [
        f"nep{n}@wegwerp.example" for n in range(6)]
    event_id = done.output.rsplit("undo ", 1)[1].strip("'\n")
    with app.app_context():
        event = db.session.get(AuditEvent, int(event_id))
        assert event.actor_kind == "cli" and event.actor.startswith("cli:")
        assert event.detail["count"] == 6
        assert "@" not in json.dumps(event.detail)
    undone = staff.run("signatures", "undo", event_id)
    assert undone.exit_code == 0 and "6 signature(s) restored" in undone.output
    assert set(_reviews(app).values()) == {"not_needed"}
    again = staff.run("signatures", "undo", event_id)
    assert again.exit_code != 0 and "undone already" in again.output


def test_invalidation_by_mail_domain_and_a_selection_of_nothing(app, staff):
    slug = _flooded_letter(app, staff)
    done = staff.run("signatures", "invalidate", slug, "--domain", "wegwerp.example", "--yes")
    assert "6 signature(s) rejected" in done.output
    nothing = staff.run("signatures", "invalidate", slug, "--domain", "nergens.example", "--yes")
    assert nothing.exit_code != 0 and "nothing was changed" in nothing.output
    neither = staff.run("signatures", "invalidate", slug, "--yes")
    assert neither.exit_code != 0 and "a mail domain or a client network" in neither.output


def test_client_network_hashes_are_dropped_after_the_retention_period(app, staff):
    _flooded_letter(app, staff)
    with app.app_context():
        for signature in db.session.scalars(sa.select(Signature).limit(3)):
            signature.created_at = utcnow() - timedelta(days=61)
        db.session.commit()
    result = staff.run("letters", "purge-unconfirmed", "--days", "365")
    assert "3 client network hash(es) older than 60 days dropped" in result.output
    with app.app_context():
        hashes = db.session.scalars(sa.select(Signature.client_network_hash)).all()
    assert hashes.count(None) == 3 and len(hashes) == 8
