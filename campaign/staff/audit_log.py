"""The audit log for admins: who did what and when, filtered, and exported."""
from __future__ import annotations

from flask import render_template

from ..accounts.models import Role
from .access import allow
from .blueprint import blueprint


@blueprint.get("/audit")
@allow(Role.ADMIN)
def audit_log():
    return render_template("staff/placeholder.html", title="audit_log")
