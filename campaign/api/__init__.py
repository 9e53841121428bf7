"""The JSON API: a letter's counts and its named signatories, paged. Never an e-mail address."""
# The OpenAPI document and CORS attach to the routes' blueprint.
from . import openapi  # noqa: F401
from .routes import blueprint

__all__ = ["blueprint"]
