"""`flask letters deliver SLUG --to ADDRESS [--cc ADDRESS]... [--note TEXT] [--again]`: deliver
the signed letter to its addressee (delivery/operations.py), added to the `letters` group."""
from __future__ import annotations

import click

from ..core.links import external_url
from ..delivery import operations
from ..delivery.signing import SigningError
from ..extensions import db
from .common import STAFF, letter_or_fail, staff_change
from .letters import letters_cli


@letters_cli.command("deliver")
@click.argument("slug")
@click.option("--to", "to", required=True, metavar="ADDRESS",
              help="The addressee's e-mail address (e.g. the ministry's mail room).")
@click.option("--cc", multiple=True, metavar="ADDRESS", help="Copy to this address (repeatable).")
@click.option("--note", default="", help="A line for the cover mail, above the verify address.")
@click.option("--again", is_flag=True,
              help="Deliver a letter that was delivered before (both deliveries are kept).")
def deliver_command(slug: str, to: str, cc: tuple[str, ...], note: str, again: bool) -> None:
    """Freeze the signed PDF, sign it if configured, store it with its SHA-256, queue the cover
    mail with the PDF attached, and mark the letter delivered; print the verify address."""
    letter = letter_or_fail(slug)
    try:
        with staff_change():
            delivery = operations.deliver(letter, to, cc, note, STAFF, again=again)
            verify_url = external_url("verify.show", delivery_id=delivery.id)
            summary = (f"{slug} delivered to {delivery.recipient}"
                       + (f" (cc {', '.join(delivery.cc)})" if delivery.cc else "")
                       + f"\nverify: {verify_url}\nsha256: {delivery.sha256}"
                       + ("\nsigned: PAdES" if delivery.signed else "")
                       + "\nThe cover mail waits in the outbox (flask worker, or flask outbox "
                         "send).")
    except operations.BadDeliveryInput as error:
        db.session.rollback()
        raise click.BadParameter(error.message, param_hint=f"--{error.field}") from None
    except SigningError as error:
        db.session.rollback()
        raise click.ClickException(f"{error}; nothing was delivered") from None
    click.echo(summary)
