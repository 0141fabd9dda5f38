"""Running one function over many inputs in worker processes, with errors that stay readable.

A :class:`~course.base.errors.CourseError` raised in a worker (a bad constraint found while
drawing one student's variant, say) reaches the caller as the same one-line error, not as a
traceback ending in ``BrokenProcessPool``; a worker that dies is reported in one line too.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from .errors import CourseError
from .i18n import text

R = TypeVar("R")


def process_map(fn: Callable[..., R], args: Iterable[tuple[Any, ...]], jobs: int,
                initializer: Callable[..., None] | None = None,
                initargs: tuple[Any, ...] = ()) -> list[R]:
    """``[fn(*a) for a in args]`` computed by ``jobs`` forked worker processes, in order."""
    items = list(args)
    if not items:
        return []
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                      else None)
    chunk = max(1, len(items) // (4 * jobs))
    try:
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=initializer,
                                 initargs=initargs) as pool:
            return list(pool.map(fn, *zip(*items), chunksize=chunk))
    except BrokenProcessPool:
        raise CourseError(text("un processus de travail s'est arrêté (mémoire épuisée, ou tué) ; relancez avec --jobs 1 pour voir où", "a worker process died (out of memory, or killed); "
                          "run again with --jobs 1 to see where")) from None
