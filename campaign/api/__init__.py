"""The JSON API: a letter's counts and its named signatories, paged. Never an e-mail address."""
from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api")

from . import routes  # noqa: E402,F401
