"""Python's garbage collector and WeasyPrint: fewer collections while a letter is laid out, and
what a layout leaves behind freed at once, not by a collection.

WeasyPrint makes millions of small objects for a letter with a thousand co-signers. Each full
collection the collector runs while the heap grows scans every object in the process, the app's
own (Flask, SQLAlchemy, the loaded rows) included: about a fifth of a PDF's time went there.
Inside `fewer_collections()` the objects that were there before are set aside (gc.freeze) and
the youngest generation is collected a tenth as often.

Every layout also leaves a reference cycle: WeasyPrint's LayoutContext holds a partial of its
image loader bound to itself, and through the context hang the computed style of every element
and the element tree (about 100,000 objects for 1,000 co-signers). Only a full collection could
free them, 80 ms a time. `release_layouts()` breaks that one cycle once a render is done, so that
reference counting frees them there and then; `fewer_collections()` does so when it ends.

Renders may overlap in threads of one process (the staff preview): the first one in sets the
collector up, the last one out restores it; each thread releases the layouts it made itself.
"""
from __future__ import annotations

import functools
import gc
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from weasyprint.layout import LayoutContext

YOUNG_THRESHOLD = 10_000  # Python's default is 700 allocations

_lock = threading.Lock()
_inside = 0
_saved: tuple[int, ...] = ()
_made = threading.local()  # .contexts: the layout contexts made in this thread's renders


def _tracked(init):
    @functools.wraps(init)
    def init_and_track(self, *args, **kwargs):
        init(self, *args, **kwargs)
        contexts = getattr(_made, "contexts", None)
        if contexts is not None:
            contexts.append(self)
    init_and_track.tracked = True
    return init_and_track


if not getattr(LayoutContext.__init__, "tracked", False):
    LayoutContext.__init__ = _tracked(LayoutContext.__init__)


def release_layouts() -> None:
    """Break the cycle of each layout context this thread made inside `fewer_collections()`
    (call once its render has returned: a context is not used after its layout)."""
    contexts = getattr(_made, "contexts", None) or []
    while contexts:
        context = contexts.pop()
        if isinstance(getattr(context, "get_image_from_uri", None), functools.partial):
            context.get_image_from_uri = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _inside, _saved
    with _lock:
        if _inside == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(YOUNG_THRESHOLD, _saved[0]), *_saved[1:])
        _inside += 1
    outermost_here = getattr(_made, "contexts", None) is None
    if outermost_here:
        _made.contexts = []
    try:
        yield
    finally:
        if outermost_here:
            release_layouts()
            _made.contexts = None
        with _lock:
            _inside -= 1
            if _inside == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()
