"""The public face: letters, the sign form, and the pages behind every mailed link."""
# The open data and insight pages add their routes to the routes' blueprint.
from . import badge, feeds, insight, open_data  # noqa: F401
from .routes import blueprint

__all__ = ["blueprint"]
