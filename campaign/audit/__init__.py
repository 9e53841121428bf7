"""The audit log: who changed what and when, written in the same transaction as the change."""
from .operations import Actor, record

__all__ = ["Actor", "record"]
