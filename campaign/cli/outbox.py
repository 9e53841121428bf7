"""`flask outbox …`: deliver the mail waiting in the outbox."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="Send the mail waiting in the outbox.")


@outbox_cli.command("send")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
def send_command(once: bool) -> None:
    """Deliver queued mail, retrying failures with back-off; runs until stopped unless --once."""
    from ..mail.outbox import run_sender, send_due

    if once:
        click.echo(str(send_due(limit=10_000)))
    else:
        click.echo("Sending outbox mail; stop with Ctrl-C.")
        try:
            run_sender(current_app.config["OUTBOX_POLL_SECONDS"])
        except KeyboardInterrupt:
            pass
