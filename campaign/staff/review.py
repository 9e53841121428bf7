"""The review queue for moderators: the evidence, approve or reject (in bulk), corrections,
lead signatories."""
from __future__ import annotations

from flask import render_template

from ..accounts.models import Role
from .access import allow
from .blueprint import blueprint


@blueprint.get("/review")
@allow(Role.MODERATOR)
def review_queue():
    return render_template("staff/placeholder.html", title="review_queue")
