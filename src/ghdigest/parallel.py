"""Sharing long, independent work (reading files, rendering weeks) among forked worker processes.

Workers are forked, so they start with everything already imported and read, and send back only
their results. That is safe only on Linux and only while no other thread runs (a thread holding
a lock at the fork would leave the lock held forever in the child), so anywhere else, and for
small jobs, the work is done in the calling process, with the same result.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Result = TypeVar("Result")

#: Jobs of fewer items than this run in the calling process: a fork costs more than it saves.
PARALLEL_FROM = 2000
MAX_WORKERS = 8

_shared: tuple[Callable[[Any, int, int], Sequence[Any]], Any] | None = None


def workers(items: int) -> int:
    """How many processes to share ``items`` items among (1: do the work here)."""
    if items < PARALLEL_FROM or sys.platform != "linux" or threading.active_count() > 1:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def map_slices(
    function: Callable[[Any, int, int], Sequence[Result]], shared: Any, items: int, work: int | None = None
) -> list[Result]:
    """``function(shared, start, end)`` over consecutive slices of ``range(items)``, concatenated in order.

    ``shared`` is read by the workers as it was at the fork, never sent to them. ``work`` is how
    much there is to do, when it is not the number of items (the entries of weeks to render).
    """
    count = min(workers(items if work is None else work), items)
    if count < 2:
        return list(function(shared, 0, items))
    global _shared
    import multiprocessing

    step = -(-items // count)
    bounds = [(start, min(start + step, items)) for start in range(0, items, step)]
    _shared = (function, shared)
    try:
        with multiprocessing.get_context("fork").Pool(len(bounds)) as pool:
            parts = pool.map(_run_slice, bounds)
    finally:
        _shared = None
    return [result for part in parts for result in part]


def _run_slice(bounds: tuple[int, int]) -> Sequence[Any]:
    assert _shared is not None
    function, shared = _shared
    return function(shared, *bounds)
