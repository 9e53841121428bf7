"""The public face: letters, the sign form, and the pages behind every mailed link."""
from .routes import blueprint

__all__ = ["blueprint"]
