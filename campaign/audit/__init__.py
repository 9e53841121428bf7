"""The audit log: who changed what and when, written in the same transaction as the change."""
from .operations import record

__all__ = ["record"]
