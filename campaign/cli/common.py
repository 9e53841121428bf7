"""What every CLI group shares: the actor the audit log names, reading a file, committing a
staff change or reporting why it was refused with nothing stored, and warning when links would
point at the default BASE_URL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app

from ..audit import Actor
from ..config import DEFAULT_BASE_URL
from ..core.errors import NotAllowed
from ..extensions import db
from ..letters.models import Letter
from ..letters.queries import find_letter

# Changes made at the command line are audited as "cli:<the OS user>".
STAFF = Actor.cli()


def letter_or_fail(slug: str) -> Letter:
    """The letter at `slug`, drafts included; a clear error when there is none."""
    letter = find_letter(slug)
    if letter is None:
        raise click.ClickException(f"no letter with slug {slug!r}")
    return letter


def warn_if_default_base_url() -> None:
    """Commands that write links (mail, PDF) build them from BASE_URL: say so on stderr while it
    is still the built-in default, which points at this machine."""
    if current_app.config["BASE_URL"] == DEFAULT_BASE_URL:
        click.echo(f"Warning: BASE_URL is not set, so links in mail and PDF point at "
                   f"{DEFAULT_BASE_URL}. Set BASE_URL to the public address.", err=True)


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from None


@contextmanager
def staff_change() -> Iterator[None]:
    """Commit a change made by an operation, or say why it was refused and store nothing."""
    try:
        yield
    except NotAllowed as error:
        db.session.rollback()
        raise click.ClickException(f"{error}; nothing was changed") from None
    db.session.commit()
