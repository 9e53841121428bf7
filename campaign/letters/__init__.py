"""The public blueprint: letters, the sign form, and the pages behind every mailed link."""
from flask import Blueprint

blueprint = Blueprint("letters", __name__)

from . import routes  # noqa: E402,F401  (routes attach themselves to the blueprint)
