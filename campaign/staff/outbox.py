"""The outbox for admins: queued, sent and failed mail, and re-queueing what failed."""
from __future__ import annotations

from flask import render_template

from ..accounts.models import Role
from .access import allow
from .blueprint import blueprint


@blueprint.get("/outbox")
@allow(Role.ADMIN)
def outbox():
    return render_template("staff/placeholder.html", title="outbox")
