"""The staff workspace under /staff/: one module per area, every page guarded by its roles."""
from . import (  # noqa: F401
               access,
               audit_log,
               auth,
               dashboard,
               deliveries,
               followup,
               invitations,
               letter_images,
               letters,
               outbox,
               pdf,
               review,
               switches,
               users,
)
from .blueprint import blueprint

__all__ = ["blueprint"]
