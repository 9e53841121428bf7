"""Python's garbage collector held back while WeasyPrint lays out a letter.

WeasyPrint makes millions of small objects for a letter with a thousand co-signers. Each full
collection the collector runs while the heap grows scans every object in the process, the app's
own (Flask, SQLAlchemy, the loaded rows) included: about a fifth of a PDF's time went there.
Inside `fewer_collections()` the objects that were there before are set aside (gc.freeze) and
the youngest generation is collected a tenth as often; what a render leaves behind is still
collected, only in fewer and larger sweeps. Renders may overlap in threads of one process (the
staff preview): the first one in sets the collector up, the last one out restores it.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000  # Python's default is 700 allocations

_lock = threading.Lock()
_inside = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _inside, _saved
    with _lock:
        if _inside == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(YOUNG_THRESHOLD, _saved[0]), *_saved[1:])
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()
