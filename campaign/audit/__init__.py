"""The audit log: who changed what and when, written in the same transaction as the change."""
from .operations import Actor, record, record_in_bulk

__all__ = ["Actor", "record", "record_in_bulk"]
