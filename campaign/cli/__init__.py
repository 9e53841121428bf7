"""Flask commands for staff, one module per group: letters, signatures, staff, outbox,
directory, demo."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import delivery  # noqa: F401  (adds `letters deliver` to the letters group)
    from .demo import demo_command, demo_if_empty_command
    from .directory import directory_cli
    from .letters import letters_cli
    from .outbox import outbox_cli
    from .signatures import signatures_cli
    from .staff import staff_cli
    from .switches import switches_cli
    from .worker import worker_command

    app.cli.add_command(letters_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(directory_cli)
    app.cli.add_command(signatures_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(switches_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(demo_if_empty_command)
    app.cli.add_command(worker_command)
