"""Parse tasks in worker processes, results in the order of the tasks.

Imported only when a scan is large enough to be parsed in parallel (``dispatch.PARALLEL_MIN_TASKS``),
so small runs never load multiprocessing. Each worker parses a chunk of consecutive tasks and sends
the ParsedInputs back pickled; a parser that raises costs its own input only (CT001, as in a
sequential run), and a worker that dies costs nothing but time: its chunks are parsed here.
"""
from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Iterator, Sequence

from ctguard.inputs import ParsedInput
from ctguard.parsers.context import ParseContext
from ctguard.parsers.dispatch import Task, run_task

log = logging.getLogger(__name__)

# Terraform directories (the slowest tasks) all come last; small chunks keep the workers busy to the end.
CHUNKS_PER_WORKER = 16


def run(tasks: Sequence[Task], context: ParseContext, workers: int) -> Iterator[ParsedInput]:
    size = max(1, -(-len(tasks) // (workers * CHUNKS_PER_WORKER)))
    chunks = [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        futures = [pool.submit(_parse_chunk, chunk, context) for chunk in chunks]
        for chunk, future in zip(chunks, futures):
            yield from _result(chunk, future, context)


def _result(chunk: list[Task], future: Future[list[ParsedInput]], context: ParseContext) -> list[ParsedInput]:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker (BrokenProcessPool), an unpicklable result
        log.warning("parallel parsing failed (%s: %s); parsing %d inputs in this process",
                    type(exc).__name__, exc, len(chunk))
        return _parse_chunk(chunk, context)


def _parse_chunk(chunk: list[Task], context: ParseContext) -> list[ParsedInput]:
    return [parsed for task in chunk for parsed in run_task(task, context)]


def _context() -> multiprocessing.context.BaseContext:
    # fork starts workers without re-importing ctguard; elsewhere the platform's default.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


__all__ = ["run"]
