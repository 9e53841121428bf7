"""The JSON API: a letter's counts and its named signatories, paged. Never an e-mail address."""
from .routes import blueprint

__all__ = ["blueprint"]
