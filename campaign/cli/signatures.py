"""`flask signatures …`: the fraud report of a letter, bulk invalidation with a preview, and its
undo."""
from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import AppGroup

from ..core.timeutil import utcnow
from ..extensions import db
from ..signatures import fraud
from .common import STAFF, letter_or_fail, staff_change

signatures_cli = AppGroup("signatures", help="Watch a letter's signatures for fraud, and act.")


def _top(counter, top: int) -> str:
    return ", ".join(f"{name} {count}" for name, count in counter.most_common(top)) or "-"


@signatures_cli.command("report")
@click.argument("slug")
@click.option("--hours", default=48, show_default=True, type=click.IntRange(1, 24 * 365),
              help="How many hours back.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 100),
              help="How many domains and networks per hour.")
def report_command(slug: str, hours: int, top: int) -> None:
    """Per hour: how many signed through the public form, and the mail domains and client
    networks (keyed hashes) that signed most."""
    letter = letter_or_fail(slug)
    since = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    report = fraud.hourly_report(letter, since)
    click.echo("hour (UTC)\tsigned\ttop mail domains\ttop client networks")
    for hour in report:
        click.echo(f"{hour.start:%Y-%m-%d %H:00}\t{hour.total}\t{_top(hour.domains, top)}\t"
                   f"{_top(hour.networks, top)}")
    if not report:
        click.echo(f"nothing signed through the form in the last {hours} hours", err=True)


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise click.BadParameter(f"{value!r} is no date and time (2026-12-01T14:00)") from None


@signatures_cli.command("invalidate")
@click.argument("slug")
@click.option("--domain", help="Signatures from this mail domain.")
@click.option("--network", help="Signatures from this client network (a hash from the report).")
@click.option("--since", help="Given at or after this moment (UTC, 2026-12-01T14:00).")
@click.option("--until", help="Given before this moment (UTC).")
@click.option("--yes", is_flag=True, help="Do it; without this only show what it would touch.")
def invalidate_command(slug: str, domain: str | None, network: str | None, since: str | None,
                       until: str | None, yes: bool) -> None:
    """Reject, in one go, the signatures one mail domain or client network gave (undo with
    'flask signatures undo ID')."""
    letter = letter_or_fail(slug)
    selection = fraud.Selection(domain=domain, network=network, since=_moment(since),
                                until=_moment(until))
    with staff_change():
        touched = fraud.preview(letter, selection)
        if not yes:
            for signature in touched[:20]:
                click.echo(f"{signature.id}\t{signature.state}\t{signature.name}\t"
                           f"{signature.created_at:%Y-%m-%d %H:%M}")
            more = " (the first 20 shown)" if len(touched) > 20 else ""
            click.echo(f"{len(touched)} signature(s) would be rejected{more}; "
                       "run again with --yes to do it")
            db.session.rollback()
            return
        event = fraud.invalidate(letter, selection, STAFF)
    click.echo(f"{event.detail['count']} signature(s) rejected; undo with "
               f"'flask signatures undo {event.id}'")


@signatures_cli.command("undo")
@click.argument("event_id", type=click.IntRange(1, 2**31 - 1))
def undo_command(event_id: int) -> None:
    """Undo a bulk invalidation: its signatures get back the review they had."""
    with staff_change():
        restored = fraud.undo_invalidation(event_id, STAFF)
    click.echo(f"{restored} signature(s) restored")
