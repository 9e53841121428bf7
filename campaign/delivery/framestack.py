"""Room on Python's frame stack for a WeasyPrint layout, so that its deep recursion does not
step over a chunk boundary of that stack again and again.

CPython 3.11 and 3.12 keep the frames of Python calls in chunks of 16 KB. A call that finds
no room left in its chunk maps a new one, and the chunk is unmapped as soon as that call
returns (python/cpython#142183; later 3.13 and 3.14 releases keep one spare chunk). WeasyPrint
lays out each co-signer entry twenty-odd calls deep. Where a chunk ends inside that band,
every entry maps a chunk, faults its pages in and unmaps it again. `perf record -e page-faults`
put 56% of a letter's page faults there: 42,000 faults and a third of a second in the kernel
for 1,000 co-signers, 615,000 faults and 5 s for 10,000.

`roomy_stack` runs a function behind a frame that reserves ROOM slots of evaluation stack it
never uses. No 16 KB chunk can hold that frame, so CPython maps one of 256 KB for it, and the
callee's frames go into the 130 KB left behind it. A whole letter's layout (about 30 KB deep)
then runs inside that one chunk, which is unmapped once, when the render returns.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

# Slots of 8 bytes. CPython sizes a new chunk as the smallest power of two (from 16 KB) that
# holds the frame plus 1,000 slots: 16,000 slots (125 KB) get a chunk of 256 KB.
ROOM = 16_000

P = ParamSpec("P")
R = TypeVar("R")


def _call(function, args, kwargs):
    return function(*args, **kwargs)


# A frame's size is its locals plus the evaluation stack its code declares; declaring more
# than it uses is harmless (CodeType.replace builds the same code with a larger figure).
_call.__code__ = _call.__code__.replace(co_stacksize=_call.__code__.co_stacksize + ROOM)


def roomy_stack(function: Callable[P, R]) -> Callable[P, R]:
    """`function`, called with a chunk of frame stack of its own (see the module docstring)."""
    @functools.wraps(function)
    def with_room(*args: P.args, **kwargs: P.kwargs) -> R:
        return _call(function, args, kwargs)
    return with_room
