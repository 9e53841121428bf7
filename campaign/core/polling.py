"""The loop of a background process (the outbox sender, the worker): do what is due, sleep when
there was nothing, and outlive a database that goes away for a while (restart, failover)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

log = logging.getLogger(__name__)


def keep_polling(work: Callable[[], bool], poll_seconds: float, name: str,
                 stop_after: float | None = None) -> None:
    """Call `work()` (which says whether it found work) until interrupted, or for `stop_after`
    seconds; sleep `poll_seconds` after a round with nothing to do or a database error."""
    started = time.monotonic()
    while stop_after is None or time.monotonic() - started < stop_after:
        try:
            busy = work()
        except SQLAlchemyError:
            log.exception("%s: database error; trying again in %s s", name, poll_seconds)
            db.session.rollback()
            busy = False
        if not busy:
            time.sleep(poll_seconds)
