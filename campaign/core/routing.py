"""URL converters: an `<int:…>` in a route takes only numbers a database id can be.

Werkzeug's own int converter takes any length of digits; PostgreSQL's INTEGER ends at 2**31 - 1,
and a larger number in a query fails there (a 500). Out of range is simply not found (404)."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: rules read the converters when they are added."""
    app.url_map.converters["int"] = IdConverter
