"""`flask directory …`: update the municipalities from CBS's list, show an entry, add or remove
a mail domain, and enter an organisation staff vouch for."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..directory import operations
from ..directory.loader import DirectoryFileError, read_cbs_municipalities
from ..directory.models import DirectoryEntry, EntryKind
from ..directory.queries import entry_by_code, resolve
from .common import STAFF, read_text, staff_change

directory_cli = AppGroup("directory", help="The directory of municipalities, provinces, "
                                           "ministries and organisations, and their domains.")


def _entry(code_or_name: str) -> DirectoryEntry:
    entry = (entry_by_code(code_or_name)
             or resolve(code_or_name, (EntryKind.MUNICIPALITY,)).entry
             or resolve(code_or_name, EntryKind.ALL).entry)
    if entry is None:
        raise click.ClickException(f"no directory entry {code_or_name!r} (give a code such as "
                                   "GM0796, PV26, OCW or a KvK number, or a name)")
    return entry


@directory_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def import_command(path: str) -> None:
    """Update the municipalities from CBS's list of municipalities (CSV)."""
    try:
        rows = read_cbs_municipalities(read_text(path))
    except DirectoryFileError as error:
        raise click.ClickException(f"{path}: {error}; nothing was stored") from None
    with staff_change():
        report = operations.import_municipalities(rows, STAFF)
    for line in report.added:
        click.echo(f"added    {line}")
    for line in report.renamed:
        click.echo(f"renamed  {line}")
    for line in report.ended:
        click.echo(f"ended    {line} (kept for its signatures, no longer offered)")
    click.echo(f"{len(report.added)} added, {len(report.renamed)} renamed, "
               f"{len(report.ended)} ended, {report.unchanged} unchanged")


@directory_cli.command("show")
@click.argument("entry")
def show_command(entry: str) -> None:
    """An entry's code, kind, names and domains."""
    found = _entry(entry)
    click.echo(f"{found.code}\t{found.kind}\t{found.name}"
               + (f"\t{found.province_code}" if found.province_code else "")
               + ("" if found.active else "\t(ended)"))
    for name in found.names[1:]:
        click.echo(f"  also: {name.name}")
    for domain in found.domain_names:
        click.echo(f"  domain: {domain}")


@directory_cli.command("add-domain")
@click.argument("entry")
@click.argument("domain")
def add_domain_command(entry: str, domain: str) -> None:
    """Tie a mail domain to an entry: its mailboxes then verify signers who name it."""
    found = _entry(entry)
    with staff_change():
        added = operations.add_domain(found, domain, STAFF)
    click.echo(f"{added} now verifies signers of {found.name}")


@directory_cli.command("remove-domain")
@click.argument("entry")
@click.argument("domain")
def remove_domain_command(entry: str, domain: str) -> None:
    """Untie a mail domain from an entry."""
    found = _entry(entry)
    with staff_change():
        operations.remove_domain(found, domain, STAFF)
    click.echo(f"{domain} no longer verifies signers of {found.name}")


@directory_cli.command("add-organisation")
@click.argument("name")
@click.option("--kvk", required=True, help="Its KvK number (8 digits).")
@click.option("--domain", "domains", multiple=True, help="A mail domain (repeat for more).")
@click.option("--also", "other_names", multiple=True, help="Another name it is known by.")
def add_organisation_command(name: str, kvk: str, domains: tuple[str, ...],
                             other_names: tuple[str, ...]) -> None:
    """Enter an organisation staff vouch for, with its mail domains."""
    with staff_change():
        entry = operations.add_organisation(name, kvk, list(domains), STAFF, list(other_names))
    click.echo(f"{entry.name} (KvK {entry.code}): {', '.join(entry.domain_names) or 'no domains'}")



