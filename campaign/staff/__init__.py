"""The staff workspace under /staff/: one module per area, every page guarded by its roles."""
from . import (  # noqa: F401
               access,
               audit_log,
               auth,
               dashboard,
               invitations,
               letters,
               outbox,
               review,
               switches,
               users,
)
from .blueprint import blueprint

__all__ = ["blueprint"]
