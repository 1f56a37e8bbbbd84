"""Chunks of work in worker processes, results in order: what parallel scans and replays share.

``run_chunks`` hands each chunk to ``work(chunk, state)`` in a pool and yields the results in
chunk order.  ``state`` reaches each worker once, through the pool's initializer: unpickled
where workers are forked, pickled where they are spawned.  A worker that dies (killed, out of
memory, a crash in C code) or a result that cannot be pickled costs time, not results: that
chunk's work is redone in this process.  multiprocessing is imported only here, and this module
only when a run is large enough to be split, so small runs never load it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ctguard.logs import logger

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

T = TypeVar("T")
R = TypeVar("R")

_state: Any = None  # set in each worker by _start


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def pool_context() -> BaseContext:
    """fork starts workers without re-importing ctguard; elsewhere the platform's default."""
    import multiprocessing

    return multiprocessing.get_context("fork" if can_fork() else None)


def chunked(items: Sequence[T], workers: int, per_worker: int) -> list[list[T]]:
    """Consecutive chunks, ``per_worker`` per worker (small chunks keep every worker busy to the end)."""
    size = max(1, -(-len(items) // (workers * per_worker)))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def run_chunks(
    work: Callable[[list[T], Any], R], chunks: list[list[T]], workers: int, state: Any, context: BaseContext, what: str
) -> Iterator[tuple[list[T], R]]:
    """(chunk, ``work(chunk, state)``) for every chunk, in order; ``work`` must be a module-level function."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start, initargs=(state,)) as pool:
        futures = [pool.submit(_call, work, chunk) for chunk in chunks]
        for chunk, future in zip(chunks, futures, strict=False):
            try:
                result = future.result()
            except Exception as exc:
                logger(__name__).warning(
                    "parallel %s failed (%s: %s); redoing a chunk of %d in this process",
                    what,
                    type(exc).__name__,
                    exc,
                    len(chunk),
                )
                result = work(chunk, state)
            yield chunk, result


def _start(state: Any) -> None:
    global _state
    _state = state


def _call(work: Callable[[list[T], Any], R], chunk: list[T]) -> R:
    return work(chunk, _state)


__all__ = ["can_fork", "chunked", "pool_context", "run_chunks", "usable_cpus"]
