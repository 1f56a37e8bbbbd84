"""Parse (and check) tasks in worker processes, results in the order of the tasks.

Imported only when a scan is large enough to be parsed in parallel (``dispatch.PARALLEL_MIN_TASKS``),
so small runs never load multiprocessing. Each worker parses a chunk of consecutive tasks, runs
``then`` on each input (the policies, in ``ctguard check``) and sends the pairs back pickled; a
parser that raises costs its own input only (CT001, as in a sequential run), and a worker that
dies costs nothing but time: its chunks are done here (``ctguard.workers``).

``then`` reaches the workers through fork, unpickled.  Where processes are spawned instead, it
runs here on the returned inputs (custom policies need not be importable by name in a worker).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ctguard.inputs import ParsedInput
from ctguard.parsers.context import ParseContext
from ctguard.parsers.task import Task, run_task
from ctguard.workers import chunked, pool_context, run_chunks

# Terraform directories (the slowest tasks) all come last; small chunks keep the workers busy to the end.
CHUNKS_PER_WORKER = 16

Pair = tuple[ParsedInput, Any]


def run(
    tasks: Sequence[Task], context: ParseContext, workers: int, then: Callable[[ParsedInput], Any] | None = None
) -> Iterator[Pair]:
    mp_context = pool_context()
    remote = then if mp_context.get_start_method() == "fork" else None
    for _, pairs in run_chunks(
        _chunk, chunked(tasks, workers, CHUNKS_PER_WORKER), workers, (context, remote), mp_context, "parsing"
    ):
        for parsed, result in pairs:
            yield parsed, (result if remote is not None else then(parsed) if then is not None else None)


def _chunk(chunk: list[Task], state: tuple[ParseContext, Callable[[ParsedInput], Any] | None]) -> list[Pair]:
    context, then = state
    return [
        (parsed, then(parsed) if then is not None else None) for task in chunk for parsed in run_task(task, context)
    ]


__all__ = ["run"]
