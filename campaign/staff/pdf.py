"""The signed letter's PDF for editors: ask for it, follow the background render (the page
refreshes itself, no script needed), download it when it is ready. The render runs in `flask
worker` (delivery/jobs.py); an unchanged letter is served from the stored file at once."""
from __future__ import annotations

from flask import Response, redirect, render_template, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..audit import Actor
from ..delivery.jobs import RenderStatus, pdf_state, request_render
from ..delivery.stored import current_pdf
from ..extensions import db
from .access import allow, letter_or_404
from .blueprint import blueprint

# Seconds between the status page's own reloads while a render is under way.
REFRESH_SECONDS = 2


@blueprint.get("/letters/<slug>/pdf")
@allow(Role.EDITOR)
def pdf_status(slug: str):
    letter = letter_or_404(slug)
    state = pdf_state(letter)
    waiting = (state.stored is None and state.job is not None
               and state.job.shown_status in RenderStatus.WAITING)
    return render_template("staff/pdf/status.html", letter=letter, state=state,
                           waiting=waiting, refresh=REFRESH_SECONDS if waiting else None,
                           statuses=RenderStatus)


@blueprint.post("/letters/<slug>/pdf")
@allow(Role.EDITOR)
def pdf_request(slug: str):
    letter = letter_or_404(slug)
    request_render(letter, Actor.staff(current_user))
    db.session.commit()
    return redirect(url_for(".pdf_status", slug=slug), code=303)


@blueprint.get("/letters/<slug>/pdf/download")
@allow(Role.EDITOR)
def pdf_download(slug: str):
    """The current PDF; while there is none, the status page (which offers to render it)."""
    letter = letter_or_404(slug)
    stored = current_pdf(letter)
    if stored is None:
        return redirect(url_for(".pdf_status", slug=slug), code=303)
    return Response(stored.data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{letter.slug}.pdf"',
        "Content-Length": str(stored.size)})
