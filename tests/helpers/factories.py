"""Factories for letters and signatures: rows straight into the database, for tests whose flow
starts after signing (lists, counts, the PDF, exports). Flows that sign go through the pages."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from campaign.core.timeutil import utcnow
from campaign.extensions import db
from campaign.letters.models import Letter
from campaign.signatures.models import Signature

from .staff import LETTER_FILE

STAFF_PASSWORD = "correct horse battery staple"


def letter_file(slug: str = "gelijke-kansen", *, moderation: str = "unverified",
                kinds: str = "alderperson, organisation, individual", language: str = "nl",
                body: str | None = None) -> str:
    """The text of a letter file, as staff would write it."""
    text = LETTER_FILE.format(slug=slug, moderation=moderation, kinds=kinds)
    text = text.replace("language: nl", f"language: {language}")
    if body is not None:
        _, front, _ = text.split("---\n", 2)
        text = f"---\n{front}---\n{body}"
    return text


@dataclass
class Factories:
    app: object

    def signatures(self, slug: str, people: list[dict], *, domain: str | None = None) -> list[int]:
        """Signatures of the letter at `slug`: confirmed, public and needing no review unless a
        person's fields say otherwise. Returns their ids."""
        with self.app.app_context():
            letter = db.session.scalar(sa.select(Letter).where(Letter.slug == slug))
            rows = []
            for number, person in enumerate(people):
                fields = {"kind": "alderperson", "state": "confirmed", "review": "not_needed",
                          "public": True,
                          "email": f"ondertekenaar{number}@{domain or slug + '.example.org'}",
                          **person}
                if fields["state"] == "confirmed":
                    # In the order given, as the API's cursor reads them.
                    fields.setdefault("confirmed_at", utcnow())
                rows.append(Signature(letter=letter, version=letter.current_version, **fields))
            db.session.add_all(rows)
            db.session.commit()
            return [row.id for row in rows]

    def staff_user(self, role: str, email: str | None = None,
                   password: str = STAFF_PASSWORD) -> str:
        return make_staff_user(self.app, role, email, password)


def make_staff_user(app, role: str, email: str | None = None,
                    password: str = STAFF_PASSWORD) -> str:
    """A staff account of `role`; returns its address."""
    from campaign.accounts import operations
    from campaign.audit import Actor

    email = email or f"{role}@campagne.example.nl"
    with app.app_context():
        operations.create_user(email, role, password, Actor.of("test"), name=role.title())
        db.session.commit()
    return email
