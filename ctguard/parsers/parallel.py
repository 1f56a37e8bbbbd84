"""Parse (and check) tasks in worker processes, results in the order of the tasks.

Imported only when a scan is large enough to be parsed in parallel (``dispatch.PARALLEL_MIN_TASKS``),
so small runs never load multiprocessing. Each worker parses a chunk of consecutive tasks, runs
``then`` on each input (the policies, in ``ctguard check``) and sends the pairs back pickled; a
parser that raises costs its own input only (CT001, as in a sequential run), and a worker that
dies costs nothing but time: its chunks are done here.

``then`` reaches the workers through fork, unpickled.  Where processes are spawned instead, it
runs here on the returned inputs (custom policies need not be importable by name in a worker).
"""
from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable, Iterator, Sequence

from ctguard.inputs import ParsedInput
from ctguard.parsers.context import ParseContext
from ctguard.parsers.dispatch import Task, run_task

log = logging.getLogger(__name__)

# Terraform directories (the slowest tasks) all come last; small chunks keep the workers busy to the end.
CHUNKS_PER_WORKER = 16


Pair = tuple[ParsedInput, Any]
_then: Callable[[ParsedInput], Any] | None = None  # set in each worker by _start


def run(tasks: Sequence[Task], context: ParseContext, workers: int,
        then: Callable[[ParsedInput], Any] | None = None) -> Iterator[Pair]:
    size = max(1, -(-len(tasks) // (workers * CHUNKS_PER_WORKER)))
    chunks = [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]
    mp_context = _context()
    remote = then if mp_context.get_start_method() == "fork" else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context, initializer=_start,
                             initargs=(remote,)) as pool:
        futures = [pool.submit(_do_chunk, chunk, context) for chunk in chunks]
        for chunk, future in zip(chunks, futures):
            for parsed, result in _result(chunk, future, context, remote):
                yield parsed, (result if remote is not None else then(parsed) if then is not None else None)


def _result(chunk: list[Task], future: Future[list[Pair]], context: ParseContext,
            remote: Callable[[ParsedInput], Any] | None) -> list[Pair]:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker (BrokenProcessPool), an unpicklable result
        log.warning("parallel parsing failed (%s: %s); parsing %d inputs in this process",
                    type(exc).__name__, exc, len(chunk))
        return _chunk(chunk, context, remote)


def _start(then: Callable[[ParsedInput], Any] | None) -> None:
    global _then
    _then = then


def _do_chunk(chunk: list[Task], context: ParseContext) -> list[Pair]:
    return _chunk(chunk, context, _then)


def _chunk(chunk: list[Task], context: ParseContext, then: Callable[[ParsedInput], Any] | None) -> list[Pair]:
    return [(parsed, then(parsed) if then is not None else None)
            for task in chunk for parsed in run_task(task, context)]


def _context() -> multiprocessing.context.BaseContext:
    # fork starts workers without re-importing ctguard; elsewhere the platform's default.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


__all__ = ["run"]
