"""The staff dashboard: the letters at a glance, and what waits for whom."""
from __future__ import annotations

from flask import render_template

from ..followup.queries import overdue_answers
from ..mail.queries import outbox_counts
from ..signatures.queries import letters_overview
from .access import ANY_STAFF, allow
from .blueprint import blueprint


@blueprint.get("/")
@allow(*ANY_STAFF)
def dashboard():
    return render_template("staff/dashboard.html", letters=letters_overview(),
                           outbox=outbox_counts(), overdue=overdue_answers())
