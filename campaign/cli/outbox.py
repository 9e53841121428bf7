"""`flask outbox …`: deliver the mail waiting in the outbox, and re-queue mail that failed."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .common import STAFF, staff_change, warn_if_default_base_url

outbox_cli = AppGroup("outbox", help="Send the mail waiting in the outbox; re-queue failures.")


@outbox_cli.command("send")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
def send_command(once: bool) -> None:
    """Deliver queued mail, retrying failures with back-off; runs until stopped unless --once."""
    from ..mail.outbox import run_sender, send_due

    warn_if_default_base_url()
    if once:
        click.echo(str(send_due(limit=10_000)))
    else:
        click.echo("Sending outbox mail; stop with Ctrl-C.")
        try:
            run_sender(current_app.config["OUTBOX_POLL_SECONDS"])
        except KeyboardInterrupt:
            pass


@outbox_cli.command("retry")
@click.option("--all-failed", is_flag=True, help="Re-queue every failed mail.")
@click.argument("ids", nargs=-1, type=int)
def retry_command(all_failed: bool, ids: tuple[int, ...]) -> None:
    """Queue failed mail again for a new round of attempts: the mails with these IDs (all or
    none), or with --all-failed every failed mail."""
    from ..extensions import db
    from ..mail import operations
    from ..mail.models import OutboxMail

    if all_failed == bool(ids):
        raise click.UsageError("give either --all-failed or the IDs of failed mails")
    with staff_change():
        if all_failed:
            count = operations.retry_all_failed(STAFF)
        else:
            mails = [db.session.get(OutboxMail, mail_id) for mail_id in ids]
            missing = [str(mail_id) for mail_id, mail in zip(ids, mails) if mail is None]
            if missing:
                raise click.ClickException(f"no mail with id {', '.join(missing)}; "
                                           "nothing was changed")
            count = operations.retry_mail(dict.fromkeys(mails), STAFF)
    click.echo(f"{count} mail(s) queued again")
