"""/letters/<slug>/signatures.csv: the public fields of the signatures shown by name, streamed."""
from __future__ import annotations

from flask import Response, stream_with_context

from ..signatures.open_data import public_csv_chunks
from .routes import _public_letter, blueprint


@blueprint.get("/letters/<slug>/signatures.csv")
def signatures_csv(slug: str):
    letter = _public_letter(slug)
    response = Response(stream_with_context(public_csv_chunks(letter)),
                        mimetype="text/csv", headers={
                            "Content-Disposition": f'inline; filename="{letter.slug}.csv"'})
    response.headers["Cache-Control"] = "public, max-age=300, stale-while-revalidate=60"
    response.charset = "utf-8"
    return response
