"""`flask switches …`: pause and resume signing (one letter or the site) and outgoing mail."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..letters.models import Letter
from ..switches import operations
from ..switches.queries import board
from .common import STAFF, letter_or_fail, staff_change

switches_cli = AppGroup("switches", help="Pause signing or outgoing mail, without a deploy.")


def _letter(slug: str | None) -> Letter | None:
    return None if slug is None else letter_or_fail(slug)


def _say(changed: bool, what: str, state: str) -> None:
    click.echo(f"{what} {state}" if changed else f"{what} was {state} already")


@switches_cli.command("pause-signing")
@click.argument("slug", required=False)
def pause_signing_command(slug: str | None) -> None:
    """Pause signing on the letter at SLUG, or without SLUG on the whole site."""
    letter = _letter(slug)
    with staff_change():
        changed = operations.pause_signing(STAFF, letter)
    _say(changed, f"signing on {slug}" if slug else "signing", "paused")


@switches_cli.command("resume-signing")
@click.argument("slug", required=False)
def resume_signing_command(slug: str | None) -> None:
    """Resume signing on the letter at SLUG, or without SLUG on the whole site."""
    letter = _letter(slug)
    with staff_change():
        changed = operations.resume_signing(STAFF, letter)
    _say(changed, f"signing on {slug}" if slug else "signing", "resumed")


@switches_cli.command("pause-mail")
def pause_mail_command() -> None:
    """Stop sending mail: it waits in the outbox until resumed."""
    with staff_change():
        changed = operations.pause_mail(STAFF)
    _say(changed, "mail", "paused")


@switches_cli.command("resume-mail")
def resume_mail_command() -> None:
    """Send mail again, the waiting mail first."""
    with staff_change():
        changed = operations.resume_mail(STAFF)
    _say(changed, "mail", "resumed")


@switches_cli.command("show")
def show_command() -> None:
    """Print every switch: signing on the site, mail, and signing per open letter."""
    found = board()

    def state(paused: bool, switch) -> str:
        if not paused:
            return "running"
        return f"paused since {switch.changed_at:%Y-%m-%d %H:%M} UTC by {switch.changed_by}"

    click.echo(f"signing\t{state(found.signing_paused, found.signing)}")
    click.echo(f"mail\t{state(found.mail_paused, found.mail)}")
    for entry in found.letters:
        click.echo(f"signing:{entry.letter.slug}\t{state(entry.paused, entry.switch)}")
