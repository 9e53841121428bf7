"""Campaign staff at the command line, and the letter file they publish."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from campaign.extensions import db
from campaign.mail.models import OutboxMail
from campaign.mail.outbox import send_due
from campaign.signatures.models import Signature

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
            for signature in db.session.scalars(
                    sa.select(Signature).where(Signature.last_mailed_at.is_not(None))):
                signature.last_mailed_at -= timedelta(minutes=minutes)
            db.session.commit()
