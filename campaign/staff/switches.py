"""Switches for admins: pause signing (one letter or the site) and outgoing mail."""
from __future__ import annotations

from flask import render_template

from ..accounts.models import Role
from .access import allow
from .blueprint import blueprint


@blueprint.get("/switches")
@allow(Role.ADMIN)
def switches():
    return render_template("staff/placeholder.html", title="switches")
