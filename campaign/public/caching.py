"""Short public caching for the open data and insight answers: a reader, a feed reader or a
badge embedded on a busy site gets a copy a few minutes old, validated by its ETag."""
from __future__ import annotations

from flask import Response, make_response, request


def cache_publicly(body: object, max_age: int, mimetype: str | None = None) -> Response:
    """A response that caches may keep `max_age` seconds and serve a minute longer while they
    fetch a fresh one; 304 when the client's copy is still the same."""
    response = make_response(body)
    if mimetype:
        response.mimetype = mimetype
    response.headers["Cache-Control"] = (f"public, max-age={max_age}, "
                                         "stale-while-revalidate=60")
    if not response.is_streamed:
        response.add_etag()
        response.make_conditional(request)
    return response
