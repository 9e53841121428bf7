"""`flask worker`: the background worker, sending the outbox's mail and rendering the PDFs staff
asked for (delivery/jobs.py). Run as many as the mail relay and the machine allow."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core.polling import keep_polling
from .common import warn_if_default_base_url

log = logging.getLogger(__name__)


def work_once() -> bool:
    """One round: the mail that is due, then at most one render job; whether there was work."""
    from ..delivery.jobs import run_due
    from ..mail.outbox import send_due

    report = send_due()
    if report.sent or report.retried or report.failed:
        log.info("Outbox: %s", report)
    rendered = run_due(limit=1)
    return bool(report.sent or report.retried or report.failed or rendered)


@click.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now (all mail, all renders), then stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send queued mail and render the PDFs staff asked for; runs until stopped unless --once.
    `flask outbox send` still sends mail alone."""
    from ..delivery.jobs import run_due
    from ..mail.outbox import send_due

    warn_if_default_base_url()
    if once:
        click.echo(f"mail: {send_due(limit=10_000)}; PDFs rendered: {run_due(limit=1_000)}")
        return
    click.echo("Worker: sending mail and rendering PDFs; stop with Ctrl-C.")
    try:
        keep_polling(work_once, current_app.config["OUTBOX_POLL_SECONDS"], "Worker")
    except KeyboardInterrupt:
        pass
