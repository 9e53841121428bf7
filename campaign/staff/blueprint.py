"""The staff blueprint, under /staff/. Each area of the workspace adds its pages to it."""
from flask import Blueprint

blueprint = Blueprint("staff", __name__, url_prefix="/staff")
