"""`flask staff …`: create, list, disable and enable staff accounts."""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..accounts import operations
from ..accounts.models import Role, StaffUser
from ..extensions import db
from .common import STAFF, staff_change

staff_cli = AppGroup("staff", help="Staff accounts of the workspace.")


def _read_password() -> str:
    """The first line of standard input when it is not a terminal; else asked twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def _user(email: str) -> StaffUser:
    user = operations.find_user(email)
    if user is None:
        raise click.ClickException(f"no staff account for {email}")
    return user


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(Role.ALL), required=True)
@click.option("--name", default="", help="The name shown in the workspace and audit log.")
def create_command(email: str, role: str, name: str) -> None:
    """Create a staff account; the password comes from standard input (or is asked twice)."""
    password = _read_password()
    with staff_change():
        user = operations.create_user(email, role, password, STAFF, name=name)
    click.echo(f"{user.email} can log in at /staff/login as {user.role}")


@staff_cli.command("list")
def list_command() -> None:
    """Every staff account: e-mail, role, enabled or not, last login."""
    for user in db.session.scalars(sa.select(StaffUser).order_by(StaffUser.email)):
        state = "enabled" if user.enabled else "disabled"
        last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never"
        click.echo(f"{user.email}\t{user.role}\t{state}\t{last}\t{user.name}")


@staff_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account; its sessions end at once."""
    with staff_change():
        operations.set_enabled(_user(email), False, STAFF)
    click.echo(f"{email} is disabled")


@staff_cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Enable a disabled account again."""
    with staff_change():
        operations.set_enabled(_user(email), True, STAFF)
    click.echo(f"{email} is enabled")
