"""Letters for editors: list, create (upload or form), preview, publish, close, reopen,
edit with versions, exports."""
from __future__ import annotations

from flask import render_template

from ..accounts.models import Role
from .access import allow
from .blueprint import blueprint


@blueprint.get("/letters")
@allow(Role.EDITOR)
def letters():
    return render_template("staff/placeholder.html", title="letters")


@blueprint.get("/letters/<slug>")
@allow(Role.EDITOR)
def letter(slug: str):
    return render_template("staff/placeholder.html", title=slug)
