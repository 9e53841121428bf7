"""The audit log for admins: who did what and when, filtered, and exported."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, render_template, request, stream_with_context

from ..accounts.models import Role, StaffUser
from ..audit.queries import AuditFilter, audit_page, csv_chunks, letters_in_log
from ..core.timeutil import utcnow
from ..extensions import db
from ..letters.queries import find_letter
from .access import allow
from .blueprint import blueprint

PAGE_SIZE = 50


def _selection() -> AuditFilter:
    """The filter in the address: ?letter=<slug>&actor=<who>; nonsense is a bad request."""
    slug, actor = request.args.get("letter") or None, request.args.get("actor") or None
    letter = None
    if slug is not None:
        letter = find_letter(slug)
        if letter is None:
            abort(400)
    if actor is not None and len(actor) > 200:
        abort(400)
    return AuditFilter(letter=letter, actor=actor)


@blueprint.get("/audit")
@allow(Role.ADMIN)
def audit_log():
    selection = _selection()
    before = request.args.get("before")
    if before is not None and (not before.isdigit() or len(before) > 18):
        abort(400)
    page = audit_page(selection, int(before) if before else None, PAGE_SIZE)
    staff = db.session.scalars(sa.select(StaffUser.email).order_by(StaffUser.email)).all()
    return render_template("staff/audit.html", page=page, selection=selection,
                           letters=letters_in_log(), staff=staff)


@blueprint.get("/audit/export.csv")
@allow(Role.ADMIN)
def audit_export():
    selection = _selection()
    name = f"audit-{selection.letter.slug if selection.letter else 'all'}-{utcnow():%Y%m%d}.csv"
    return Response(stream_with_context(csv_chunks(selection)),
                    mimetype="text/csv", headers={
                        "Content-Disposition": f'attachment; filename="{name}"'})
