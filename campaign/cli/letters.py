"""`flask letters …`: import, update, publish, close, invite, review, purge and export letters."""
from __future__ import annotations

import io
import sys
import time
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..letters import operations as letter_operations
from ..letters.letterfile import LetterFileError, file_of, parse_letter_file, write_letter_file
from ..signatures import operations as signature_operations
from ..signatures.invitees import decode_invitees, parse_invitees
from ..signatures.models import Review, Signature, SignatureState
from .common import STAFF, letter_or_fail, read_text, staff_change, warn_if_default_base_url

letters_cli = AppGroup("letters", help="Import, publish, close, invite and export letters.")



def _fail_with_problems(path: str, error: LetterFileError) -> None:
    db.session.rollback()
    for problem in error.problems:
        click.echo(f"{path}: {problem}", err=True)
    raise click.ClickException(f"{path}: nothing was stored ({len(error.problems)} problem(s))")


@letters_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--publish", is_flag=True, help="Open it for signing straight away.")
def import_command(path: str, publish: bool) -> None:
    """Import a letter file (Markdown with YAML front matter); print its slug."""
    try:
        letter = letter_operations.import_letter(parse_letter_file(read_text(path)), STAFF)
    except LetterFileError as error:
        _fail_with_problems(path, error)
    if publish:
        letter_operations.publish_letter(letter, STAFF)
    db.session.commit()
    click.echo(letter.slug)


@letters_cli.command("update")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False))
def update_command(slug: str, path: str) -> None:
    """Replace a letter's text and fields from its file; an open letter gets a new version."""
    letter = letter_or_fail(slug)
    try:
        parsed = parse_letter_file(read_text(path))
        with staff_change():
            version = letter_operations.update_letter(letter, parsed, STAFF)
    except LetterFileError as error:
        _fail_with_problems(path, error)
    if version:
        click.echo(f"{slug} updated: its text is now version {version.number}")
    else:
        click.echo(f"{slug} updated")


@letters_cli.command("file")
@click.argument("slug")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-",
              show_default=True, help="File to write; '-' for standard output.")
def file_command(slug: str, output: str) -> None:
    """Write a letter's letter file, as `letters import` and `letters update` read it."""
    text = write_letter_file(file_of(letter_or_fail(slug)))
    try:
        with click.open_file(output, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    if output != "-":
        click.echo(f"wrote {output}")


@letters_cli.command("publish")
@click.argument("slug")
def publish_command(slug: str) -> None:
    """Open a letter for signing, freezing its text as a version."""
    with staff_change():
        version = letter_operations.publish_letter(letter_or_fail(slug), STAFF)
    click.echo(f"{slug} is open for signing (version {version.number})")


@letters_cli.command("close")
@click.argument("slug")
def close_command(slug: str) -> None:
    """Stop accepting signatures."""
    with staff_change():
        letter_operations.close_letter(letter_or_fail(slug), STAFF)
    click.echo(f"{slug} is closed")


@letters_cli.command("invite")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False))
def invite_command(slug: str, path: str) -> None:
    """Invite the people in a CSV file (name,email,kind,role,municipality,organisation,lead)."""
    letter = letter_or_fail(slug)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from None
    try:
        invitees = parse_invitees(decode_invitees(data), letter.kinds, letter.sector_names)
    except LetterFileError as error:
        _fail_with_problems(path, error)
    warn_if_default_base_url()
    with staff_change():
        report = signature_operations.invite(letter, invitees, STAFF)
    click.echo(f"{report.invited} invited, {report.skipped} already on the letter")


@letters_cli.command("resend-invitations")
@click.argument("slug")
def resend_invitations_command(slug: str) -> None:
    """Send the invitation again to invitees who have not signed (at most once a week each)."""
    warn_if_default_base_url()
    with staff_change():
        report = signature_operations.resend_invitations(letter_or_fail(slug), STAFF)
    click.echo(f"{report.sent} invitation(s) sent again, {report.too_recent} not yet "
               "(sent in the last 7 days)")


@letters_cli.command("review")
@click.argument("slug")
def review_command(slug: str) -> None:
    """List the confirmed signatures that wait for staff review."""
    letter = letter_or_fail(slug)
    waiting = db.session.scalars(
        sa.select(Signature)
        .where(Signature.letter_id == letter.id, Signature.state == SignatureState.CONFIRMED,
               Signature.review == Review.WAITING)
        .order_by(Signature.id)).all()
    for signature in waiting:
        where = signature.municipality or signature.organisation or ""
        verified = signature.verification or ""
        click.echo(f"{signature.id}\t{signature.kind}\t{signature.name}\t{signature.role or ''}\t"
                   f"{where}\t{signature.email}\t{signature.website or ''}\t{verified}")
    click.echo(f"{len(waiting)} waiting for review", err=True)


def _signatures(slug: str, ids: tuple[int, ...]) -> dict[int, Signature]:
    letter = letter_or_fail(slug)
    signatures = {s.id: s for s in db.session.scalars(sa.select(Signature).where(
        Signature.letter_id == letter.id, Signature.id.in_(ids)))}
    unknown = [str(i) for i in ids if i not in signatures]
    if unknown:
        raise click.ClickException(f"no signature {', '.join(unknown)} on letter {slug}")
    return signatures


def _review(slug: str, ids: tuple[int, ...], approve: bool) -> None:
    signatures = _signatures(slug, ids)
    with staff_change():
        for signature in signatures.values():
            signature_operations.review_signature(signature, approve, STAFF)
    click.echo(f"{len(signatures)} {'approved' if approve else 'rejected'}")


@letters_cli.command("approve")
@click.argument("slug")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**31 - 1), required=True)
def approve_command(slug: str, ids: tuple[int, ...]) -> None:
    """Let signatures that wait for review through to the public lists and the PDF."""
    _review(slug, ids, approve=True)


@letters_cli.command("reject")
@click.argument("slug")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**31 - 1), required=True)
def reject_command(slug: str, ids: tuple[int, ...]) -> None:
    """Keep signatures out of the public lists and the PDF."""
    _review(slug, ids, approve=False)


@letters_cli.command("downgrade")
@click.argument("slug")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**31 - 1), required=True)
def downgrade_command(slug: str, ids: tuple[int, ...]) -> None:
    """Count `domain` or `staff` verified signatures as a confirmed mailbox only."""
    signatures = _signatures(slug, ids)
    with staff_change():
        for signature in signatures.values():
            signature_operations.downgrade_verification(signature, STAFF)
    click.echo(f"{len(signatures)} downgraded to mailbox")


@letters_cli.command("purge-unconfirmed")
@click.option("--days", type=click.IntRange(1, 3650),
              help="Keep unconfirmed signatures this many days.  [default: 30, the "
                   "UNCONFIRMED_RETENTION_DAYS the privacy statement names]")
def purge_unconfirmed_command(days: int | None) -> None:
    """Delete signatures never confirmed by mail, with their mail, and drop old client network
    hashes (run it daily from cron)."""
    days = days or current_app.config["UNCONFIRMED_RETENTION_DAYS"]
    retention = timedelta(days=current_app.config["CLIENT_NETWORK_RETENTION_DAYS"])
    with staff_change():
        count = signature_operations.purge_unconfirmed(timedelta(days=days), STAFF)
        forgotten = signature_operations.forget_client_networks(retention, STAFF)
    click.echo(f"{count} unconfirmed signature(s) deleted")
    if forgotten:
        click.echo(f"{forgotten} client network hash(es) older than {retention.days} days "
                   "dropped")


@letters_cli.command("export")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["pdf", "csv", "json", "xlsx"]),
              required=True)
@click.option("--dialect", type=click.Choice(["excel-nl", "rfc4180"]), default="excel-nl",
              show_default=True, help="CSV for Dutch Excel (;, BOM, Dutch headers) or plain.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="File to write; '-' for standard output (csv and json).")
@click.option("--progress/--no-progress", default=None,
              help="A progress bar on standard error [default: when that is a terminal].")
def export_command(slug: str, fmt: str, output: str, dialect: str,
                   progress: bool | None) -> None:
    """The signed letter as PDF, or every signature (with e-mail and status) as CSV, JSON or
    XLSX."""
    from ..signatures.exports_xlsx import export_count

    letter = letter_or_fail(slug)
    if fmt in ("pdf", "xlsx") and output == "-":
        raise click.ClickException(f"write the {fmt.upper()} to a file, not to standard output")
    # The bar goes to standard error, so that `--output -` stays clean.
    if progress is None:
        progress = sys.stderr.isatty()
    bar_file = sys.stderr if progress else io.StringIO()
    try:
        if fmt == "pdf":
            warn_if_default_base_url()
            Path(output).write_bytes(_signed_pdf(letter, bar_file))
        else:
            with click.progressbar(length=export_count(letter), label=f"Exporting {slug}",
                                   file=bar_file, show_pos=True) as bar:
                _write_export(letter, fmt, dialect, output, bar.update)
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    if output != "-":
        click.echo(f"wrote {output}")


def _write_export(letter, fmt: str, dialect: str, output: str, advance) -> None:
    """Write the signature export, telling `advance(rows)` as rows go out."""
    from ..signatures.exports import csv_chunks, json_chunks
    from ..signatures.exports_xlsx import write_xlsx

    if fmt == "xlsx":
        with open(output, "wb") as out:
            write_xlsx(letter, out, progress=advance)
        return
    with click.open_file(output, "w", encoding="utf-8") as out:
        if fmt == "csv":
            for number, chunk in enumerate(csv_chunks(letter, dialect)):
                out.write(chunk)
                # One signature a line (signer text never holds a line break); the header
                # line is in the first chunk.
                advance(chunk.count("\r\n") - (number == 0))
        else:
            for chunk in json_chunks(letter):
                out.write(chunk)
                advance(int(chunk.startswith(("\n  {", ",\n  {"))))


def _signed_pdf(letter, bar_file) -> bytes:
    """The stored PDF when it is current, else rendered now in parts (and stored), with a
    progress bar."""
    from ..delivery.chunked import render_in_parts
    from ..delivery.jobs import page_count
    from ..delivery.stored import current_pdf, render_key, store_pdf

    key = render_key(letter)
    stored = current_pdf(letter, key)
    if stored is not None:
        return stored.data
    started = time.perf_counter()
    with click.progressbar(length=1, label=f"Rendering {letter.slug}", file=bar_file) as bar:
        def advance(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        data = render_in_parts(letter, progress=advance)
    store_pdf(letter, key, data, page_count(data), time.perf_counter() - started)
    db.session.commit()
    return data
